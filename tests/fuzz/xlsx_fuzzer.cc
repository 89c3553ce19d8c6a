// libFuzzer: the spreadsheet (.xlsx) reader on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/xlsx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view contents(reinterpret_cast<const char*>(data), size);
  lscb::adapters::XlsxLimits limits;
  limits.max_part_bytes = 8 << 20;
  limits.max_cells = 200000;
  auto sheet = lscb::adapters::ReadXlsxSheet(contents, "Return", limits);
  if (sheet.ok()) {
    for (const auto& row : sheet->rows)
      for (const auto& cell : row.cells) (void)lscb::adapters::XlsxCellName(cell.column, row.number);
  }
  return 0;
}
