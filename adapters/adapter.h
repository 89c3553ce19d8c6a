// Agency formats -> Envelopes.
//
// Each agency format (feeds.md in the project docs: csc-events,
// police-events, police-counts, ae-attendances, lscb-return) is an Adapter
// registered by name. An
// adapter validates every record, pseudonymises the child at source (no name,
// date of birth, NHS number or postcode is put in an Envelope) and reports
// every bad record as FILE:LINE: field: problem.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/boards.h"
#include "lscb/v1/event.pb.h"

namespace lscb::adapters {

class LinkageKey;

// One problem in one record. `line` is the 1-based physical line where the
// record starts (a quoted field may span lines); in a spreadsheet, the row.
struct RecordError {
  std::string file;
  int line = 0;
  std::string field;
  std::string problem;
  // Set for spreadsheets (.xlsx): the cell, e.g. "Return!D14", a whole row
  // ("Return!14:14") or "workbook" for the file as a whole. Empty for text
  // feeds.
  std::string cell;
  // "FILE:LINE: field: problem"; "FILE:LINE: problem" when `field` is empty
  // (a problem with the record as a whole, e.g. an unclosed quote). When
  // `cell` is set it replaces the line: "FILE: Return!D14: field: problem".
  std::string ToString() const;
};

struct ParsedFile {
  std::vector<lscb::v1::Envelope> events;  // in file order
  std::vector<int> event_lines;            // the line each event came from
  std::vector<RecordError> errors;         // every bad record, in file order
  std::vector<std::string> warnings;       // e.g. unknown columns (one per file)
};

struct AdapterContext {
  std::shared_ptr<const BoardRegistry> boards;  // required
  const LinkageKey* linkage = nullptr;          // required by feeds about children; not owned
  // When the file was read, Unix seconds: stamped on aggregate returns
  // (ReturnDetail.read_at) so that a later upload supersedes an earlier one.
  // 0: the time of the Parse call.
  int64_t read_at = 0;
};

class Adapter {
 public:
  virtual ~Adapter() = default;
  // The --format name, e.g. "csc-events".
  virtual std::string_view name() const = 0;
  // Parses and validates a whole file. Never throws; problems are returned
  // in ParsedFile::errors. `file_name` is used in messages only.
  virtual ParsedFile Parse(std::string_view file_name, std::string_view contents,
                           const AdapterContext& ctx) const = 0;
};

// The adapter registered under `format`, or nullptr.
const Adapter* FindAdapter(std::string_view format);
// All registered format names, sorted.
std::vector<std::string> AdapterNames();

}  // namespace lscb::adapters
