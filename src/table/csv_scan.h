// Private to table/: a CSV/TSV file's records found the way Arrow's reader finds them, without
// Arrow: a byte scan that the sharding (shard.cc) and the reader's header (table.cc) use.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/core.h"
#include "table/table.h"

namespace verdict::table::internal {

// Where a CSV/TSV file's data rows are.
struct CsvRecords {
  int64_t rows = 0;
  // The byte where data row r starts, for every r whose global row number (the scan's first row
  // plus r) is a multiple of the alignment.
  std::map<int64_t, int64_t> row_starts;
  int64_t data_begin = 0;  // where the first data row starts (the file size when there is none)
  int64_t size = 0;        // where the scan ended
};

// The records of `file` (one of `source`'s CSV/TSV files) in its bytes [begin, end) (end -1: to
// the end of the file). From `begin` 0 the first record is the header; from a row boundary
// inside the file, there is none. Rows are numbered from `global_first_row` for the alignment.
Result<CsvRecords> ScanCsvRecords(const DataSource& source, const std::string& file,
                                  int64_t global_first_row, int64_t align, int64_t begin = 0,
                                  int64_t end = -1);

// The column names of `file`'s header row as Arrow's reader decodes them (quotes removed,
// doubled quotes undone, a UTF-8 BOM dropped), read without Arrow. Nullopt when the file holds
// no complete header (with its line end) in its first `max_bytes`: Arrow's reader then says why.
Result<std::optional<std::vector<std::string>>> ScanCsvHeader(const DataSource& source,
                                                              const std::string& file,
                                                              int64_t max_bytes);

}  // namespace verdict::table::internal
