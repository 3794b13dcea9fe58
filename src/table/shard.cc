// Shares of the data for distributed runs: every rank reads consecutive rows of the whole data,
// its share starting at a multiple of the model batch size, and every row is in exactly one
// share. Whole files, Parquet row groups (cut to the row) and CSV/TSV byte ranges are the
// pieces; a CSV/TSV file is scanned once to find its row boundaries.
#include <parquet/arrow/reader.h>
#include <parquet/exception.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>

#include "table/csv_scan.h"
#include "table/internal.h"
#include "table/shard_internal.h"
#include "table/table.h"

namespace verdict::table {

namespace {

// One file's rows, as far as sharding needs them: for CSV/TSV where they start (csv_scan.h),
// for Parquet how many each row group holds.
struct FileRows : internal::CsvRecords {
  std::vector<int64_t> group_rows;
};

Result<FileRows> ParquetRows(const DataSource& source, const std::string& file) {
  VERDICT_ASSIGN_OR_RETURN(std::shared_ptr<arrow::io::RandomAccessFile> input,
                           internal::OpenData(source, file));
  FileRows rows;
  try {
    std::shared_ptr<parquet::FileMetaData> meta =
        parquet::ParquetFileReader::Open(input)->metadata();
    for (int g = 0; g < meta->num_row_groups(); ++g) {
      rows.group_rows.push_back(meta->RowGroup(g)->num_rows());
    }
    rows.rows = meta->num_rows();
  } catch (const parquet::ParquetException& e) {
    return InvalidData("cannot read Parquet file '" + file +
                       "': " + internal::ArrowMessage(e.what()));
  }
  return rows;
}

// The rows of a CSV/TSV file of `source`, or of its bytes [begin, end) (end -1: to the end).
Result<FileRows> CsvRows(const DataSource& source, const std::string& file,
                         int64_t global_first_row, int64_t align, int64_t begin = 0,
                         int64_t end = -1) {
  VERDICT_ASSIGN_OR_RETURN(
      internal::CsvRecords records,
      internal::ScanCsvRecords(source, file, global_first_row, align, begin, end));
  return FileRows{std::move(records)};
}

// The slice of one file holding global rows [begin, end) (they overlap the file).
FileSlice SliceOfFile(const FileRows& rows, int64_t file_first_row, int64_t begin, int64_t end) {
  FileSlice slice;
  slice.first_row = std::max<int64_t>(0, begin - file_first_row);
  const int64_t last = std::min(rows.rows, end - file_first_row);
  slice.rows = last - slice.first_row;
  auto start_of = [&rows](int64_t row) {
    if (row == 0) return rows.data_begin;
    if (row >= rows.rows) return rows.size;
    return rows.row_starts.at(row);
  };
  if (rows.group_rows.empty()) {
    slice.byte_begin = start_of(slice.first_row);
    slice.byte_end = start_of(last);
  }
  return slice;
}

std::mutex process_shard_mutex;
std::optional<ShardSpec> process_shard;
// ResolveDataSource runs more than once per job; the share of the same files is planned once.
std::map<std::vector<std::string>, DataSource> planned_shares;

}  // namespace

Result<DataSource> ShareOf(const DataSource& source, const ShardSpec& shard) {
  if (shard.count <= 1) return source;
  const int64_t align = std::max<int64_t>(1, shard.align_rows);
  std::vector<FileRows> files;
  int64_t total = 0;
  for (const std::string& file : source.files) {
    VERDICT_ASSIGN_OR_RETURN(FileRows rows, source.format == Format::kParquet
                                                ? ParquetRows(source, file)
                                                : CsvRows(source, file, total, align));
    total += rows.rows;
    files.push_back(std::move(rows));
  }
  const int64_t batches = (total + align - 1) / align;
  // Share i starts at batch ceil(batches * i / count): the first shares are never the empty ones.
  auto boundary = [&](int64_t i) {
    return std::min(total, (batches * i + shard.count - 1) / shard.count * align);
  };
  const int64_t begin = boundary(shard.index);
  const int64_t end = boundary(shard.index + 1);
  DataSource share;
  share.format = source.format;
  int64_t file_first_row = 0;
  for (size_t f = 0; f < files.size(); ++f) {
    const int64_t file_end = file_first_row + files[f].rows;
    if (std::max(begin, file_first_row) < std::min(end, file_end)) {
      share.files.push_back(source.files[f]);
      share.slices.push_back(SliceOfFile(files[f], file_first_row, begin, end));
    }
    file_first_row = file_end;
  }
  return share;
}

void SetProcessShard(const ShardSpec& shard) {
  std::lock_guard<std::mutex> lock(process_shard_mutex);
  process_shard = shard;
  planned_shares.clear();
}

namespace internal {

Result<DataSource> ApplyProcessShard(DataSource source) {
  std::lock_guard<std::mutex> lock(process_shard_mutex);
  if (!process_shard || process_shard->count <= 1) return source;
  auto planned = planned_shares.find(source.files);
  if (planned != planned_shares.end()) return planned->second;
  VERDICT_ASSIGN_OR_RETURN(DataSource share, ShareOf(source, *process_shard));
  planned_shares[source.files] = share;
  return share;
}

const FileSlice* SliceOf(const DataSource& source, const std::string& file) {
  if (source.slices.empty()) return nullptr;
  auto it = std::find(source.files.begin(), source.files.end(), file);
  return it == source.files.end() ? nullptr : &source.slices[it - source.files.begin()];
}

Result<std::shared_ptr<arrow::io::InputStream>> SliceStream(
    const std::shared_ptr<arrow::io::RandomAccessFile>& file, const FileSlice& slice) {
  auto stream = arrow::io::RandomAccessFile::GetStream(file, slice.byte_begin,
                                                       slice.byte_end - slice.byte_begin);
  if (!stream.ok()) return IoError(ArrowMessage(stream.status().message()));
  return *stream;
}

Result<FileSlice> RestOfSlice(const DataSource& source, const std::string& file,
                              const FileSlice& slice, int64_t row) {
  const int64_t done = row - slice.first_row;
  if (done == 0) return slice;
  VERDICT_ASSIGN_OR_RETURN(FileRows rows,
                           CsvRows(source, file, 0, done, slice.byte_begin, slice.byte_end));
  auto start = rows.row_starts.find(done);
  if (start == rows.row_starts.end()) {
    return InvalidData("file '" + file + "' holds fewer rows in this rank's byte range than the " +
                       "scan for the ranks' shares counted");
  }
  return FileSlice{.first_row = row,
                   .rows = slice.first_row + slice.rows - row,
                   .byte_begin = start->second,
                   .byte_end = slice.byte_end};
}

Result<FileSlice> RestOfFile(const DataSource& source, const std::string& file, int64_t row) {
  VERDICT_ASSIGN_OR_RETURN(FileRows rows, CsvRows(source, file, 0, std::max<int64_t>(1, row)));
  if (row > rows.rows) {
    return InvalidData("file '" + file + "' holds fewer rows than were read from it");
  }
  return SliceOfFile(rows, 0, row, rows.rows);
}

ParquetSliceGroups ParquetGroupsOf(const std::vector<int64_t>& group_rows, const FileSlice& slice) {
  ParquetSliceGroups groups;
  int64_t group_first = 0;
  for (size_t g = 0; g < group_rows.size(); ++g) {
    const int64_t group_end = group_first + group_rows[g];
    if (group_end > slice.first_row && group_first < slice.first_row + slice.rows) {
      if (groups.row_groups.empty()) {
        groups.first_group_row = group_first;
        groups.skip_rows = slice.first_row - group_first;
      }
      groups.row_groups.push_back(static_cast<int>(g));
    }
    group_first = group_end;
  }
  return groups;
}

Result<std::shared_ptr<arrow::RecordBatch>> CutToSlice(std::shared_ptr<arrow::RecordBatch> batch,
                                                       SliceCursor& cursor, bool exact,
                                                       const std::string& file) {
  if (cursor.left < 0) return batch;
  if (cursor.skip >= batch->num_rows()) {
    cursor.skip -= batch->num_rows();
    return std::shared_ptr<arrow::RecordBatch>();
  }
  batch = batch->Slice(cursor.skip);
  cursor.skip = 0;
  if (batch->num_rows() > cursor.left) {
    if (exact) {
      return InvalidData("file '" + file + "' holds more rows in this rank's byte range than " +
                         "the scan for the ranks' shares counted (a quote the scan read " +
                         "otherwise than the CSV reader?)");
    }
    batch = batch->Slice(0, cursor.left);
  }
  cursor.left -= batch->num_rows();
  return batch;
}

}  // namespace internal

}  // namespace verdict::table
