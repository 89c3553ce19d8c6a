// An RFC 4180 CSV reader for agency feeds.
//
// The first record is the header; columns are found by name, case-insensitive,
// in any order. Quoted fields may hold commas, doubled quotes ("") and line
// breaks. A leading UTF-8 byte-order mark is skipped; lines may end in CRLF,
// LF or a lone CR. An empty physical line outside quotes is not a record (so
// blank trailing lines are ignored).
//
// Reading never fails as a whole: a malformed record carries its problem and
// reading resumes on the next line, so one bad row does not hide the others.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lscb::adapters {

struct CsvRecord {
  int line = 0;                     // 1-based physical line where the record starts
  std::vector<std::string> fields;  // unreliable when !ok()
  std::string problem;              // empty when the record is well-formed

  bool ok() const { return problem.empty(); }
};

// Reads records one at a time. The header is just the first record.
class CsvReader final {
 public:
  // `contents` must outlive the reader.
  explicit CsvReader(std::string_view contents);

  // The next record, or nullopt at the end of the input. After an unclosed
  // quote (which swallows the rest of the input) the next call returns
  // nullopt.
  std::optional<CsvRecord> Next();

 private:
  bool AtLineBreak() const;
  void ConsumeLineBreak();
  void SkipRestOfLine();

  std::string_view in_;
  size_t pos_ = 0;
  int line_ = 1;
};

// A whole CSV file: the header row and the records after it.
class CsvTable final {
 public:
  // Reads `contents`. A record whose field count differs from the header's is
  // kept with a problem. When the header is missing or unusable (malformed, or
  // a column named twice) header_problem() says why and there are no records.
  static CsvTable Read(std::string_view contents);

  // The line the header row is on (1 unless the file starts with blank lines).
  int header_line() const { return header_line_; }
  // Empty when the header is usable.
  const std::string& header_problem() const { return header_problem_; }
  // Column names as written, with surrounding spaces trimmed.
  const std::vector<std::string>& columns() const { return columns_; }
  // The index of the column called `name` (ASCII case-insensitive), or nullopt.
  std::optional<size_t> Column(std::string_view name) const;
  const std::vector<CsvRecord>& records() const { return records_; }

 private:
  int header_line_ = 1;
  std::string header_problem_;
  std::vector<std::string> columns_;
  std::vector<std::string> folded_columns_;  // lower-cased, for lookup
  std::vector<CsvRecord> records_;
};

}  // namespace lscb::adapters
