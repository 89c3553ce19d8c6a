// Helpers shared by the adapter tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "core/boards.h"

#ifndef LSCB_SOURCE_DIR
#error "LSCB_SOURCE_DIR must name the repository root"
#endif

namespace lscb::adapters::testing {

inline const lscb::v1::SubjectToken* TokenOf(const lscb::v1::Envelope& e, lscb::v1::SubjectToken::Kind kind) {
  for (const lscb::v1::SubjectToken& t : e.subject().tokens())
    if (t.kind() == kind) return &t;
  return nullptr;
}

inline std::vector<std::pair<int, std::string>> LinesAndFields(const ParsedFile& f) {
  std::vector<std::pair<int, std::string>> out;
  for (const RecordError& e : f.errors) out.emplace_back(e.line, e.field);
  return out;
}

// The message of the error on (line, field), or "(none)".
inline std::string MessageAt(const ParsedFile& f, int line, std::string_view field) {
  for (const RecordError& e : f.errors)
    if (e.line == line && e.field == field) return e.ToString();
  return "(none)";
}

// A CSV field, quoted when needed.
inline std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

inline std::string CsvLine(std::initializer_list<std::string> fields) {
  std::string out;
  bool first = true;
  for (const std::string& f : fields) {
    if (!first) out += ',';
    out += CsvField(f);
    first = false;
  }
  return out + "\n";
}

// No identifier reaches an Envelope (its serialised bytes), an error or a
// warning.
inline void ExpectNoIdentifiers(const ParsedFile& f, const std::vector<std::string>& identifiers) {
  for (size_t i = 0; i < f.events.size(); ++i) {
    std::string bytes = f.events[i].SerializeAsString();
    for (const std::string& id : identifiers)
      EXPECT_EQ(bytes.find(id), std::string::npos) << "'" << id << "' in the event from line " << f.event_lines[i];
  }
  for (const std::string& id : identifiers) {
    for (const RecordError& e : f.errors) EXPECT_EQ(e.ToString().find(id), std::string::npos) << e.ToString();
    for (const std::string& w : f.warnings) EXPECT_EQ(w.find(id), std::string::npos) << w;
  }
}

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// A file of the repository, e.g. "data/samples/police-events-sample.csv".
inline std::string ReadSourceFile(const std::string& relative) {
  return ReadWholeFile(std::string(LSCB_SOURCE_DIR) + "/" + relative);
}

// Parses with the adapter of `format`, the default boards and `key`.
inline ParsedFile ParseAs(std::string_view format, std::string_view file, std::string_view contents,
                          const LinkageKey& key, int64_t read_at = 0) {
  const Adapter* adapter = FindAdapter(format);
  EXPECT_NE(adapter, nullptr) << format;
  if (adapter == nullptr) return {};
  AdapterContext ctx{BoardRegistry::Default(), &key};
  ctx.read_at = read_at;
  return adapter->Parse(file, contents, ctx);
}

}  // namespace lscb::adapters::testing
