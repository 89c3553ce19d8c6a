// libFuzzer: the spreadsheet (.xlsx) reader on well-formed zip archives of
// arbitrary parts, so that mutations reach the XML (xlsx_fuzzer mutates the
// archive itself, where most changes only break its checksums).
//
// Input: parts separated by the line "@@part@@"; each part is its entry
// name on the first line, then its contents. The archive is written
// uncompressed with libzip, then read by ReadXlsxSheet and by the
// lscb-return adapter.
#include <zip.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "adapters/xlsx.h"

namespace {

std::string Zip(const std::vector<std::pair<std::string, std::string>>& parts) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (!buffer) return {};
  zip_source_keep(buffer);
  zip_t* za = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  std::string out;
  if (za) {
    for (const auto& [name, data] : parts) {
      zip_source_t* s = zip_source_buffer(za, data.data(), data.size(), 0);
      if (!s) continue;
      zip_int64_t i = zip_file_add(za, name.c_str(), s, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
      if (i < 0) {
        zip_source_free(s);
        continue;
      }
      zip_set_file_compression(za, static_cast<zip_uint64_t>(i), ZIP_CM_STORE, 0);
    }
    if (zip_close(za) != 0) zip_discard(za);
    if (zip_source_open(buffer) == 0) {
      char chunk[65536];
      zip_int64_t n;
      while ((n = zip_source_read(buffer, chunk, sizeof chunk)) > 0) out.append(chunk, static_cast<size_t>(n));
      zip_source_close(buffer);
    }
  }
  zip_source_free(buffer);
  zip_error_fini(&error);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::pair<std::string, std::string>> parts;
  const std::string_view sep = "\n@@part@@\n";
  while (!in.empty() && parts.size() < 8) {
    size_t end = in.find(sep);
    std::string_view part = in.substr(0, end);
    size_t nl = part.find('\n');
    std::string name(part.substr(0, nl));
    std::string contents(nl == std::string_view::npos ? std::string_view() : part.substr(nl + 1));
    if (!name.empty() && name.size() < 200) parts.emplace_back(std::move(name), std::move(contents));
    if (end == std::string_view::npos) break;
    in.remove_prefix(end + sep.size());
  }
  const std::string archive = Zip(parts);
  if (archive.empty()) return 0;
  lscb::adapters::XlsxLimits limits;
  limits.max_part_bytes = 1 << 20;
  limits.max_cells = 100000;
  auto sheet = lscb::adapters::ReadXlsxSheet(archive, "Return", limits);
  if (sheet.ok())
    for (const auto& row : sheet->rows)
      for (const auto& cell : row.cells)
        if (cell.column < 1 || row.number < 1) __builtin_trap();
  static const auto key = lscb::adapters::LinkageKey::FromSecret("fuzz-linkage-secret-0123456789abcdef");
  lscb::adapters::AdapterContext ctx{lscb::BoardRegistry::Default(), &key, 1199145600};
  (void)lscb::adapters::FindAdapter("lscb-return")->Parse("fuzz.xlsx", archive, ctx);
  return 0;
}
