#include "adapters/xlsx.h"

#include <expat.h>
#include <zip.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <utility>

namespace lscb::adapters {
namespace {

constexpr int kMaxColumn = 16384;  // XFD
constexpr int kMaxRow = 1048576;
constexpr char kNsSeparator = '|';  // expat: "namespace-uri|local-name"

std::string Plural(size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

std::string SizeName(size_t bytes) {
  if (bytes >= (size_t{1} << 20) && bytes % (size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return Plural(bytes, "byte");
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Status Damaged(const std::string& detail) {
  return Status::InvalidArgument("the .xlsx workbook is damaged: " + detail);
}

// ---- zip ----------------------------------------------------------------

struct ZipCloser {
  void operator()(zip_t* za) const { zip_discard(za); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

class ZipArchive final {
 public:
  // Opens `contents` (which must outlive the archive) from memory.
  static Result<ZipArchive> Open(std::string_view contents) {
    // libzip would open nothing at all as an empty archive.
    if (contents.empty()) return Status::InvalidArgument("not an .xlsx workbook (the file is empty)");
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(contents.data(), contents.size(), 0, &error);
    if (source == nullptr) {
      std::string message = zip_error_strerror(&error);
      zip_error_fini(&error);
      return Status::Internal("cannot read the workbook: " + message);
    }
    zip_t* za = zip_open_from_source(source, ZIP_RDONLY, &error);
    if (za == nullptr) {
      zip_source_free(source);
      int code = zip_error_code_zip(&error);
      std::string message = zip_error_strerror(&error);
      zip_error_fini(&error);
      if (code == ZIP_ER_NOZIP && !LooksLikeZip(contents))
        return Status::InvalidArgument("not an .xlsx workbook (the file is not a zip archive)");
      if (code == ZIP_ER_NOZIP) return Damaged("the zip archive is incomplete (was the whole file copied?)");
      return Damaged(message + " (is the file complete?)");
    }
    zip_error_fini(&error);
    return ZipArchive(za);
  }

  // The uncompressed part `name` (a zip entry name, found case-insensitively
  // when there is no exact match); nullopt when there is no such part.
  Result<std::optional<std::string>> Read(const std::string& name, size_t max_bytes) const {
    zip_int64_t index = zip_name_locate(za_.get(), name.c_str(), 0);
    if (index < 0) index = zip_name_locate(za_.get(), name.c_str(), ZIP_FL_NOCASE);
    if (index < 0) return std::optional<std::string>();
    const std::string too_large = name + " is larger than " + SizeName(max_bytes) +
                                  " uncompressed, more than a return can be: split it into smaller files";
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(za_.get(), static_cast<zip_uint64_t>(index), 0, &stat) == 0 && (stat.valid & ZIP_STAT_SIZE) &&
        stat.size > max_bytes)
      return Status::InvalidArgument(too_large);
    std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(za_.get(), static_cast<zip_uint64_t>(index), 0));
    if (file == nullptr) return Damaged("cannot open " + name + ": " + zip_strerror(za_.get()));
    std::string out;
    char buffer[1 << 16];
    for (;;) {
      zip_int64_t n = zip_fread(file.get(), buffer, sizeof buffer);
      if (n < 0) return Damaged("cannot read " + name + ": " + zip_file_strerror(file.get()));
      if (n == 0) break;
      if (out.size() + static_cast<size_t>(n) > max_bytes) return Status::InvalidArgument(too_large);
      out.append(buffer, static_cast<size_t>(n));
    }
    return std::optional<std::string>(std::move(out));
  }

 private:
  explicit ZipArchive(zip_t* za) : za_(za) {}
  std::unique_ptr<zip_t, ZipCloser> za_;
};

// ---- XML ----------------------------------------------------------------

// Receives the elements of one XML part. Names are local names (the
// namespace is ignored: transitional and strict OOXML differ only there).
class XmlHandler {
 public:
  virtual ~XmlHandler() = default;
  virtual void Start(std::string_view name, const XML_Char** attributes) = 0;
  virtual void End(std::string_view name) = 0;
  virtual void Text(std::string_view text) {}

  // Set to stop parsing with this problem.
  std::string problem;
};

std::string_view LocalName(std::string_view name) {
  size_t bar = name.rfind(kNsSeparator);
  return bar == std::string_view::npos ? name : name.substr(bar + 1);
}

// The attribute with local name `name`: without a namespace, or (when
// `namespaced`) with one — r:id is the only namespaced attribute read.
std::optional<std::string_view> Attribute(const XML_Char** attributes, std::string_view name, bool namespaced = false) {
  for (size_t i = 0; attributes[i] != nullptr; i += 2) {
    std::string_view full = attributes[i];
    bool has_ns = full.find(kNsSeparator) != std::string_view::npos;
    if (has_ns == namespaced && LocalName(full) == name) return std::string_view(attributes[i + 1]);
  }
  return std::nullopt;
}

struct ParseState {
  XML_Parser parser;
  XmlHandler* handler;
};

void Stop(ParseState* state, std::string problem) {
  if (state->handler->problem.empty()) state->handler->problem = std::move(problem);
  XML_StopParser(state->parser, XML_FALSE);
}

// The callbacks run inside expat (C): nothing may be thrown through it.
void XMLCALL OnStart(void* data, const XML_Char* name, const XML_Char** attributes) {
  auto* state = static_cast<ParseState*>(data);
  try {
    state->handler->Start(LocalName(name), attributes);
  } catch (const std::exception& e) {
    Stop(state, std::string("internal error: ") + e.what());
  }
  if (!state->handler->problem.empty()) XML_StopParser(state->parser, XML_FALSE);
}

void XMLCALL OnEnd(void* data, const XML_Char* name) {
  auto* state = static_cast<ParseState*>(data);
  try {
    state->handler->End(LocalName(name));
  } catch (const std::exception& e) {
    Stop(state, std::string("internal error: ") + e.what());
  }
  if (!state->handler->problem.empty()) XML_StopParser(state->parser, XML_FALSE);
}

void XMLCALL OnText(void* data, const XML_Char* text, int length) {
  auto* state = static_cast<ParseState*>(data);
  try {
    state->handler->Text(std::string_view(text, static_cast<size_t>(length)));
  } catch (const std::exception& e) {
    Stop(state, std::string("internal error: ") + e.what());
  }
}

// Workbook parts never declare a document type; refusing one rules out
// entity expansion and external entities altogether.
void XMLCALL OnDoctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  Stop(static_cast<ParseState*>(data), "has a document type declaration, which no workbook part has");
}

struct ParserFree {
  void operator()(XML_Parser p) const { XML_ParserFree(p); }
};

// Parses the part `part_name` (for messages) with `handler`.
Status ParseXml(const std::string& part_name, std::string_view xml, XmlHandler& handler) {
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, ParserFree> parser(XML_ParserCreateNS(nullptr, kNsSeparator));
  if (parser == nullptr) return Status::Internal("cannot create an XML parser");
  ParseState state{parser.get(), &handler};
  XML_SetUserData(parser.get(), &state);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  XML_SetStartDoctypeDeclHandler(parser.get(), OnDoctype);

  constexpr size_t kChunk = size_t{1} << 24;
  size_t offset = 0;
  do {
    size_t n = std::min(kChunk, xml.size() - offset);
    bool last = offset + n == xml.size();
    if (XML_Parse(parser.get(), xml.data() + offset, static_cast<int>(n), last ? XML_TRUE : XML_FALSE) !=
        XML_STATUS_OK) {
      if (!handler.problem.empty()) return Status::InvalidArgument(part_name + ": " + handler.problem);
      return Damaged(part_name + " is not well-formed XML (line " +
                     std::to_string(XML_GetCurrentLineNumber(parser.get())) + ": " +
                     XML_ErrorString(XML_GetErrorCode(parser.get())) + ")");
    }
    offset += n;
  } while (offset < xml.size());
  if (!handler.problem.empty()) return Status::InvalidArgument(part_name + ": " + handler.problem);
  return Status::Ok();
}

// xl/workbook.xml: <sheets><sheet name="Return" r:id="rId1"/>...
class WorkbookHandler final : public XmlHandler {
 public:
  struct Sheet {
    std::string name;
    std::string rel_id;
  };
  std::vector<Sheet> sheets;

  void Start(std::string_view name, const XML_Char** attributes) override {
    if (name == "sheets") in_sheets_ = true;
    if (name != "sheet" || !in_sheets_) return;
    std::optional<std::string_view> sheet_name = Attribute(attributes, "name");
    std::optional<std::string_view> rel_id = Attribute(attributes, "id", /*namespaced=*/true);
    if (!sheet_name || !rel_id) {
      problem = "a sheet has no name or no relationship id";
      return;
    }
    sheets.push_back(Sheet{std::string(*sheet_name), std::string(*rel_id)});
  }
  void End(std::string_view name) override {
    if (name == "sheets") in_sheets_ = false;
  }

 private:
  bool in_sheets_ = false;
};

// xl/_rels/workbook.xml.rels: <Relationship Id="rId1" Type="..." Target="..."/>
class RelsHandler final : public XmlHandler {
 public:
  struct Rel {
    std::string id, type, target;
    bool external = false;
  };
  std::vector<Rel> rels;

  void Start(std::string_view name, const XML_Char** attributes) override {
    if (name != "Relationship") return;
    Rel rel;
    rel.id = std::string(Attribute(attributes, "Id").value_or(""));
    rel.type = std::string(Attribute(attributes, "Type").value_or(""));
    rel.target = std::string(Attribute(attributes, "Target").value_or(""));
    rel.external = Attribute(attributes, "TargetMode").value_or("") == "External";
    rels.push_back(std::move(rel));
  }
  void End(std::string_view) override {}
};

// Collects the text of <t> elements inside `container` (si, or is), skipping
// phonetic runs (rPh), which are not part of the cell's value.
class RichText final {
 public:
  void Start(std::string_view name) {
    if (name == "rPh") ++phonetic_depth_;
    if (name == "t" && phonetic_depth_ == 0) in_t_ = true;
  }
  void End(std::string_view name) {
    if (name == "rPh" && phonetic_depth_ > 0) --phonetic_depth_;
    if (name == "t") in_t_ = false;
  }
  void Text(std::string_view text) {
    if (in_t_) text_.append(text);
  }
  std::string Take() {
    std::string out = std::move(text_);
    text_.clear();
    in_t_ = false;
    phonetic_depth_ = 0;
    return out;
  }

 private:
  std::string text_;
  bool in_t_ = false;
  int phonetic_depth_ = 0;
};

// xl/sharedStrings.xml: <sst><si><t>text</t></si><si><r><t>rich</t></r>...</si>
class SharedStringsHandler final : public XmlHandler {
 public:
  std::vector<std::string> strings;

  void Start(std::string_view name, const XML_Char**) override {
    if (name == "si") {
      in_si_ = true;
      text_.Take();
    } else if (in_si_) {
      text_.Start(name);
    }
  }
  void End(std::string_view name) override {
    if (name == "si" && in_si_) {
      strings.push_back(text_.Take());
      in_si_ = false;
    } else if (in_si_) {
      text_.End(name);
    }
  }
  void Text(std::string_view text) override {
    if (in_si_) text_.Text(text);
  }

 private:
  bool in_si_ = false;
  RichText text_;
};

// "D14" -> (4, 14).
std::optional<std::pair<int, int>> ParseCellRef(std::string_view ref) {
  size_t i = 0;
  int column = 0;
  while (i < ref.size() && ref[i] >= 'A' && ref[i] <= 'Z') {
    column = column * 26 + (ref[i] - 'A' + 1);
    if (column > kMaxColumn) return std::nullopt;
    ++i;
  }
  if (i == 0 || i == ref.size()) return std::nullopt;
  int row = 0;
  auto [end, ec] = std::from_chars(ref.data() + i, ref.data() + ref.size(), row);
  if (ec != std::errc() || end != ref.data() + ref.size() || row < 1 || row > kMaxRow || ref[i] == '0')
    return std::nullopt;
  return std::make_pair(column, row);
}

std::optional<int> ParseRowNumber(std::string_view text) {
  int row = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), row);
  if (ec != std::errc() || end != text.data() + text.size() || row < 1 || row > kMaxRow) return std::nullopt;
  return row;
}

// A number cell's text: whole numbers as plain digits ("12.0" -> "12").
std::string NumberText(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::string(text);
  if (value != std::floor(value) || std::fabs(value) >= 1e15) return std::string(text);
  if (value == 0) return "0";
  return std::to_string(static_cast<int64_t>(value));
}

// A worksheet: <sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>...
class SheetHandler final : public XmlHandler {
 public:
  struct Placed {
    int row;
    XlsxCell cell;
  };

  SheetHandler(const std::vector<std::string>& shared, size_t max_cells) : shared_(shared), max_cells_(max_cells) {}

  std::vector<Placed> cells;

  void Start(std::string_view name, const XML_Char** attributes) override {
    if (name == "sheetData") {
      in_data_ = true;
      return;
    }
    if (!in_data_) return;
    if (in_cell_) {
      if (name == "v") {
        in_v_ = true;
      } else if (name == "is") {
        in_is_ = true;
      } else if (in_is_) {
        inline_.Start(name);
      }
      return;
    }
    if (name == "row") {
      int number = row_ + 1;
      if (auto r = Attribute(attributes, "r")) {
        std::optional<int> parsed = ParseRowNumber(*r);
        if (!parsed) {
          problem = "row number '" + std::string(r->substr(0, 20)) + "' is not valid";
          return;
        }
        number = *parsed;
      }
      if (number > kMaxRow) {
        problem = "has more than " + std::to_string(kMaxRow) + " rows";
        return;
      }
      row_ = number;
      column_ = 0;
    } else if (name == "c") {
      int column = column_ + 1;
      if (auto r = Attribute(attributes, "r")) {
        std::optional<std::pair<int, int>> ref = ParseCellRef(*r);
        if (!ref || ref->second != row_) {
          problem =
              "cell reference '" + std::string(r->substr(0, 20)) + "' is not valid in row " + std::to_string(row_);
          return;
        }
        column = ref->first;
      }
      if (column > kMaxColumn || row_ < 1) {
        problem = "a cell lies outside the sheet";
        return;
      }
      column_ = column;
      in_cell_ = true;
      type_ = std::string(Attribute(attributes, "t").value_or("n"));
      value_.clear();
      inline_.Take();
    }
  }

  void End(std::string_view name) override {
    if (name == "sheetData") {
      in_data_ = false;
      return;
    }
    if (!in_cell_) return;
    if (name == "v") {
      in_v_ = false;
    } else if (name == "is") {
      in_is_ = false;
    } else if (in_is_) {
      inline_.End(name);
    } else if (name == "c") {
      in_cell_ = false;
      FinishCell();
    }
  }

  void Text(std::string_view text) override {
    if (in_v_) value_.append(text);
    if (in_is_) inline_.Text(text);
  }

 private:
  void FinishCell() {
    XlsxCell cell;
    cell.column = column_;
    const std::string where = "cell " + XlsxCellName(column_, row_);
    if (type_ == "s") {
      if (value_.empty()) return;
      size_t index = 0;
      auto [end, ec] = std::from_chars(value_.data(), value_.data() + value_.size(), index);
      if (ec != std::errc() || end != value_.data() + value_.size() || index >= shared_.size()) {
        problem = where + " refers to a shared string that does not exist";
        return;
      }
      cell.type = XlsxCell::Type::kText;
      cell.text = shared_[index];
    } else if (type_ == "inlineStr") {
      cell.type = XlsxCell::Type::kText;
      cell.text = inline_.Take();
    } else if (type_ == "str" || type_ == "d") {  // a formula's text result; an ISO 8601 date
      cell.type = XlsxCell::Type::kText;
      cell.text = value_;
    } else if (type_ == "b") {
      if (value_.empty()) return;
      cell.type = XlsxCell::Type::kBool;
      cell.text = value_ == "1" ? "TRUE" : value_ == "0" ? "FALSE" : value_;
    } else if (type_ == "e") {
      cell.type = XlsxCell::Type::kError;
      cell.text = value_;
    } else if (type_ == "n") {
      if (value_.empty()) return;
      cell.type = XlsxCell::Type::kNumber;
      cell.text = NumberText(value_);
    } else {
      problem = where + " has an unknown type '" + type_.substr(0, 20) + "'";
      return;
    }
    if (cell.text.empty()) return;  // blank
    if (cells.size() >= max_cells_) {
      problem = "has more than " + std::to_string(max_cells_) + " cells, more than a return can have";
      return;
    }
    cells.push_back(Placed{row_, std::move(cell)});
  }

  const std::vector<std::string>& shared_;
  const size_t max_cells_;
  bool in_data_ = false;
  bool in_cell_ = false;
  bool in_v_ = false;
  bool in_is_ = false;
  int row_ = 0;
  int column_ = 0;
  std::string type_;
  std::string value_;
  RichText inline_;
};

// A relationship target, relative to the workbook's folder (xl/) unless
// absolute, as a zip entry name: "worksheets/sheet1.xml" -> "xl/worksheets/sheet1.xml".
std::string ResolveTarget(std::string_view target) {
  std::string path = target.starts_with('/') ? std::string(target.substr(1)) : "xl/" + std::string(target);
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string part = path.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    start = slash + 1;
  }
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

Result<XlsxSheet> ReadSheet(std::string_view contents, std::string_view preferred_sheet, const XlsxLimits& limits) {
  Result<ZipArchive> zip = ZipArchive::Open(contents);
  if (!zip.ok()) return zip.status();

  const std::string kWorkbook = "xl/workbook.xml";
  Result<std::optional<std::string>> workbook_xml = zip->Read(kWorkbook, limits.max_part_bytes);
  if (!workbook_xml.ok()) return workbook_xml.status();
  if (!*workbook_xml)
    return Status::InvalidArgument("not an .xlsx workbook (the zip archive has no " + kWorkbook +
                                   "; save the return from Excel as an .xlsx Excel Workbook)");
  WorkbookHandler workbook;
  if (Status s = ParseXml(kWorkbook, **workbook_xml, workbook); !s.ok()) return s;
  if (workbook.sheets.empty()) return Damaged("the workbook has no sheets");

  const std::string kRels = "xl/_rels/workbook.xml.rels";
  Result<std::optional<std::string>> rels_xml = zip->Read(kRels, limits.max_part_bytes);
  if (!rels_xml.ok()) return rels_xml.status();
  if (!*rels_xml) return Damaged("it has no " + kRels);
  RelsHandler rels;
  if (Status s = ParseXml(kRels, **rels_xml, rels); !s.ok()) return s;

  const WorkbookHandler::Sheet* sheet = &workbook.sheets.front();
  for (const WorkbookHandler::Sheet& s : workbook.sheets)
    if (EqualsIgnoreCase(s.name, preferred_sheet)) {
      sheet = &s;
      break;
    }
  const RelsHandler::Rel* sheet_rel = nullptr;
  std::string shared_part = "xl/sharedStrings.xml";
  for (const RelsHandler::Rel& rel : rels.rels) {
    if (rel.id == sheet->rel_id) sheet_rel = &rel;
    if (EndsWith(rel.type, "/sharedStrings") && !rel.external) shared_part = ResolveTarget(rel.target);
  }
  if (sheet_rel == nullptr || sheet_rel->external || sheet_rel->target.empty())
    return Damaged("sheet '" + sheet->name + "' has no part");
  if (!EndsWith(sheet_rel->type, "/worksheet"))
    return Status::InvalidArgument("sheet '" + sheet->name + "' is not a worksheet (a chart?)");

  std::vector<std::string> shared;
  Result<std::optional<std::string>> shared_xml = zip->Read(shared_part, limits.max_part_bytes);
  if (!shared_xml.ok()) return shared_xml.status();
  if (*shared_xml) {
    SharedStringsHandler handler;
    if (Status s = ParseXml(shared_part, **shared_xml, handler); !s.ok()) return s;
    shared = std::move(handler.strings);
  }
  shared_xml = std::optional<std::string>();  // free it

  const std::string sheet_part = ResolveTarget(sheet_rel->target);
  Result<std::optional<std::string>> sheet_xml = zip->Read(sheet_part, limits.max_part_bytes);
  if (!sheet_xml.ok()) return sheet_xml.status();
  if (!*sheet_xml) return Damaged("sheet '" + sheet->name + "' is missing (no " + sheet_part + ")");
  SheetHandler handler(shared, limits.max_cells);
  if (Status s = ParseXml(sheet_part, **sheet_xml, handler); !s.ok()) return s;

  // Cells in (row, column) order; a cell written twice keeps its last value.
  std::vector<SheetHandler::Placed>& cells = handler.cells;
  std::stable_sort(cells.begin(), cells.end(), [](const SheetHandler::Placed& a, const SheetHandler::Placed& b) {
    return a.row != b.row ? a.row < b.row : a.cell.column < b.cell.column;
  });
  XlsxSheet out;
  out.name = sheet->name;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i + 1 < cells.size() && cells[i + 1].row == cells[i].row && cells[i + 1].cell.column == cells[i].cell.column)
      continue;
    if (out.rows.empty() || out.rows.back().number != cells[i].row) out.rows.push_back(XlsxRow{cells[i].row, {}});
    out.rows.back().cells.push_back(std::move(cells[i].cell));
  }
  return out;
}

}  // namespace

const XlsxCell* XlsxSheet::Cell(int row, int column) const {
  auto r = std::lower_bound(rows.begin(), rows.end(), row, [](const XlsxRow& x, int n) { return x.number < n; });
  if (r == rows.end() || r->number != row) return nullptr;
  auto c =
      std::lower_bound(r->cells.begin(), r->cells.end(), column, [](const XlsxCell& x, int n) { return x.column < n; });
  if (c == r->cells.end() || c->column != column) return nullptr;
  return &*c;
}

bool LooksLikeZip(std::string_view contents) {
  return contents.starts_with(std::string_view("PK\x03\x04", 4)) ||
         contents.starts_with(std::string_view("PK\x05\x06", 4));
}

Result<XlsxSheet> ReadXlsxSheet(std::string_view contents, std::string_view preferred_sheet, const XlsxLimits& limits) {
  try {
    return ReadSheet(contents, preferred_sheet, limits);
  } catch (const std::exception& e) {  // e.g. out of memory
    return Status::Internal(std::string("cannot read the workbook: ") + e.what());
  }
}

std::string XlsxColumnName(int column) {
  std::string out;
  while (column > 0) {
    --column;
    out.insert(out.begin(), static_cast<char>('A' + column % 26));
    column /= 26;
  }
  return out;
}

std::string XlsxCellName(int column, int row) { return XlsxColumnName(column) + std::to_string(row); }

}  // namespace lscb::adapters
