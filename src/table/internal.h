// Private to table/: helpers shared by the stage's sources.
#pragma once

#include <arrow/api.h>
#include <arrow/io/api.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/core.h"
#include "table/table.h"

namespace verdict::table::internal {

// The bytes of `file`, one of `source`'s files: the file on disk, or the in-memory bytes of an
// InMemorySource. Every read of the data goes through here.
Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenData(const DataSource& source,
                                                              const std::string& file);

// The data of the pipe (FIFO) `pipe`: its bytes copied into a temporary file (backing_file) on
// the first call, the same source on later ones while the pipe is unchanged (pipe.cc). The format
// is the pipe name's extension, else what the bytes begin with.
Result<DataSource> CopyOfPipe(const std::string& pipe);

// A CSV/TSV cell spelled like one of pandas.read_csv's default NA values ("", "NA", "nan", ...).
bool IsMissingSpelling(std::string_view cell);

// An Arrow or Parquet message as one line of an error: line breaks fold to "; ", the row text
// Arrow's CSV parser appends is quoted (cut at 60 bytes), and the whole is cut at 300 bytes.
std::string ArrowMessage(std::string_view message);

// `array` cast to `type` with Arrow's compute kernels (numbers to float64, anything to utf8).
Result<std::shared_ptr<arrow::Array>> CastTo(const std::shared_ptr<arrow::Array>& array,
                                             const std::shared_ptr<arrow::DataType>& type);

}  // namespace verdict::table::internal
