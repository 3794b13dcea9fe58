// Private to table/: what the reader (table.cc) needs of shard.cc to read one FileSlice.
#pragma once

#include <arrow/api.h>
#include <arrow/io/api.h>

#include <memory>
#include <string>

#include "core/core.h"
#include "table/table.h"

namespace verdict::table::internal {

// `source` reduced to this process's share when SetProcessShard was called; else unchanged.
Result<DataSource> ApplyProcessShard(DataSource source);

// The slice of `file` in `source`; nullptr when the source has no slices.
const FileSlice* SliceOf(const DataSource& source, const std::string& file);

// The bytes of a CSV/TSV slice as a stream (its rows, without the header).
Result<std::shared_ptr<arrow::io::InputStream>> SliceStream(
    const std::shared_ptr<arrow::io::RandomAccessFile>& file, const FileSlice& slice);

// The part of a CSV/TSV slice from its data row `row` on (rows before it already read), found by
// scanning the slice's bytes: a reader restarted there needs no row skipping, which would count
// blank lines as rows.
Result<FileSlice> RestOfSlice(const DataSource& source, const std::string& file,
                              const FileSlice& slice, int64_t row);

// The rest of a whole CSV/TSV file from its data row `row` on, as a slice found by scanning the
// file (for reading it again with a larger block, like RestOfSlice).
Result<FileSlice> RestOfFile(const DataSource& source, const std::string& file, int64_t row);

// Where a Parquet slice is in the file: the row groups to read, the rows of the first one to
// skip, and the first of them's row number.
struct ParquetSliceGroups {
  std::vector<int> row_groups;
  int64_t skip_rows = 0;
  int64_t first_group_row = 0;
};
ParquetSliceGroups ParquetGroupsOf(const std::vector<int64_t>& group_rows, const FileSlice& slice);

// Rows a slice still has to return; a batch read past them is cut (Parquet row groups) or is an
// error (CSV/TSV, whose byte range should hold exactly the slice's rows).
struct SliceCursor {
  int64_t skip = 0;   // leading rows of the next batches that belong to an earlier slice
  int64_t left = -1;  // -1: no slice
};
// Cuts `batch` to the slice; null when nothing of it is left. `file`: for the error.
Result<std::shared_ptr<arrow::RecordBatch>> CutToSlice(std::shared_ptr<arrow::RecordBatch> batch,
                                                       SliceCursor& cursor, bool exact,
                                                       const std::string& file);

}  // namespace verdict::table::internal
