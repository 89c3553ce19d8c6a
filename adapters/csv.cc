#include "adapters/csv.h"

#include <string>

namespace lscb::adapters {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string FoldCase(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Plural(size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

}  // namespace

CsvReader::CsvReader(std::string_view contents) : in_(contents) {
  if (in_.substr(0, kBom.size()) == kBom) pos_ = kBom.size();
}

bool CsvReader::AtLineBreak() const { return pos_ < in_.size() && (in_[pos_] == '\n' || in_[pos_] == '\r'); }

void CsvReader::ConsumeLineBreak() {
  if (in_[pos_] == '\r' && pos_ + 1 < in_.size() && in_[pos_ + 1] == '\n') ++pos_;
  ++pos_;
  ++line_;
}

void CsvReader::SkipRestOfLine() {
  while (pos_ < in_.size() && !AtLineBreak()) ++pos_;
  if (pos_ < in_.size()) ConsumeLineBreak();
}

std::optional<CsvRecord> CsvReader::Next() {
  while (AtLineBreak()) ConsumeLineBreak();  // blank lines are not records
  if (pos_ >= in_.size()) return std::nullopt;

  CsvRecord record;
  record.line = line_;
  std::string field;
  enum class State { kFieldStart, kUnquoted, kQuoted, kAfterClosingQuote };
  State state = State::kFieldStart;
  int quote_line = line_;

  auto malformed = [&](std::string problem) {
    record.problem = std::move(problem);
    record.fields.clear();
    SkipRestOfLine();
    return record;
  };
  auto field_number = [&] { return std::to_string(record.fields.size() + 1); };

  while (pos_ < in_.size()) {
    const char c = in_[pos_];
    if (state == State::kQuoted) {
      if (c == '"') {
        if (pos_ + 1 < in_.size() && in_[pos_ + 1] == '"') {
          field += '"';
          pos_ += 2;
        } else {
          state = State::kAfterClosingQuote;
          ++pos_;
        }
        continue;
      }
      // Line breaks inside quotes are data, kept as written.
      if (c == '\n' || (c == '\r' && !(pos_ + 1 < in_.size() && in_[pos_ + 1] == '\n'))) ++line_;
      field += c;
      ++pos_;
      continue;
    }
    if (c == ',') {
      record.fields.push_back(std::move(field));
      field.clear();
      state = State::kFieldStart;
      ++pos_;
      continue;
    }
    if (c == '\n' || c == '\r') {
      ConsumeLineBreak();
      record.fields.push_back(std::move(field));
      return record;
    }
    switch (state) {
      case State::kFieldStart:
        if (c == '"') {
          state = State::kQuoted;
          quote_line = line_;
        } else {
          field += c;
          state = State::kUnquoted;
        }
        ++pos_;
        break;
      case State::kUnquoted:
        if (c == '"')
          return malformed("stray '\"' in unquoted field " + field_number() +
                           " (a field holding quotes must be quoted as a whole, with each '\"' doubled)");
        field += c;
        ++pos_;
        break;
      case State::kAfterClosingQuote:
        return malformed("unexpected text after the closing quote of field " + field_number() +
                         " (a '\"' inside a quoted field must be doubled)");
      case State::kQuoted: break;  // handled above
    }
  }
  if (state == State::kQuoted) {
    record.problem =
        "the quote opening field " + field_number() + " on line " + std::to_string(quote_line) + " is never closed";
    record.fields.clear();
    return record;
  }
  record.fields.push_back(std::move(field));
  return record;
}

CsvTable CsvTable::Read(std::string_view contents) {
  CsvTable table;
  CsvReader reader(contents);
  std::optional<CsvRecord> header = reader.Next();
  if (!header) {
    table.header_problem_ = "the file is empty (a header row is required)";
    return table;
  }
  table.header_line_ = header->line;
  if (!header->ok()) {
    table.header_problem_ = "header row: " + header->problem;
    return table;
  }
  for (const std::string& name : header->fields) {
    std::string trimmed(TrimSpaces(name));
    std::string folded = FoldCase(trimmed);
    if (!folded.empty()) {
      for (const std::string& earlier : table.folded_columns_) {
        if (earlier == folded) {
          table.header_problem_ = "column '" + trimmed + "' appears more than once in the header";
          table.columns_.clear();
          table.folded_columns_.clear();
          return table;
        }
      }
    }
    table.columns_.push_back(std::move(trimmed));
    table.folded_columns_.push_back(std::move(folded));
  }
  const size_t width = table.columns_.size();
  while (std::optional<CsvRecord> record = reader.Next()) {
    if (record->ok() && record->fields.size() != width) {
      record->problem =
          "the record has " + Plural(record->fields.size(), "field") + " but the header has " + Plural(width, "column");
    }
    table.records_.push_back(std::move(*record));
  }
  return table;
}

std::optional<size_t> CsvTable::Column(std::string_view name) const {
  std::string folded = FoldCase(TrimSpaces(name));
  for (size_t i = 0; i < folded_columns_.size(); ++i)
    if (folded_columns_[i] == folded) return i;
  return std::nullopt;
}

}  // namespace lscb::adapters
