// table: evaluation data in and predictions out, as CSV, TSV or Parquet.
//
// Reading streams record batches (Arrow C++ from the pyarrow wheel), so memory stays bounded
// however large the input is. The data path may be one file or a folder of shards: every data
// file below it, sorted by path, all of one format and one set of columns. Arrow never leaks out
// of this stage: other stages see cells as numbers or text.
//
// Usage:
//   VERDICT_ASSIGN_OR_RETURN(table::DataSource source, table::ResolveDataSource("eval/"));
//   VERDICT_ASSIGN_OR_RETURN(table::Reader reader, table::Reader::Open(source));
//   while (true) {
//     VERDICT_ASSIGN_OR_RETURN(std::optional<table::Batch> batch, reader.Next());
//     if (!batch) break;
//     VERDICT_ASSIGN_OR_RETURN(std::vector<double> age, batch->Numbers("age"));
//   }
//
// Cell conventions (they follow how pandas read the data the seed's models were trained on):
//   - CSV/TSV cells are read as text, byte for byte (quoted fields, embedded newlines, a UTF-8 BOM
//     are handled); TSV uses the same quoting rules as CSV, like pandas.read_csv(sep="\t").
//   - Missing: a Parquet null, or a CSV/TSV cell spelled like a pandas NA value ("", "NA", "nan",
//     "NULL", "None", "N/A", ...; see kMissingSpellings in table.cc).
//   - Numbers(): missing -> NaN; text that is not a number is an error naming file, column and
//     row (rows are counted from 1, data rows only, within each file).
//   - Strings(): Parquet numbers are written as Python's str() would write them ("5", "5.0",
//     "1e-05"), because risk tables were keyed that way in training.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace verdict::table {

enum class Format { kCsv, kTsv, kParquet };

// "csv", "tsv" or "parquet".
std::string_view FormatName(Format format);
// Parses "csv", "tsv" or "parquet" (any case).
Result<Format> ParseFormat(std::string_view name);
// The format a file name's extension says (.csv, .tsv, .parquet, any case).
Result<Format> FormatOfPath(const std::string& path);

// Distributed runs (shard.cc): the part of one file a rank reads, its data rows
// [first_row, first_row + rows). For CSV/TSV these rows are the bytes [byte_begin, byte_end),
// which start and end at a row boundary (quoted newlines followed, as the CSV reader does).
struct FileSlice {
  int64_t first_row = 0;
  int64_t rows = 0;
  int64_t byte_begin = 0;  // CSV/TSV only
  int64_t byte_end = 0;    // CSV/TSV only
};

// The files to read for one evaluation.
struct DataSource {
  std::vector<std::string> files;  // sorted by path
  Format format = Format::kCsv;
  // Empty: every file whole. Otherwise one slice per file: only those rows are read.
  std::vector<FileSlice> slices;
  // Set by InMemorySource: the bytes of the one file of `files`, read instead of the disk.
  std::shared_ptr<const std::string> bytes;
  // Set for a pipe: the one file of `files` is read from this copy of its bytes.
  std::string backing_file;
};

// A source of one data file of `format` held in memory, `name` standing for its path in
// messages. It is read by the same code as a file on disk (tests and the fuzz targets use it).
DataSource InMemorySource(std::string name, Format format, std::string bytes);

// `path` is a data file or a folder. For a folder, every .csv/.tsv/.parquet file below it is a
// shard (sorted by path); shards must share one format. A pipe (`--data <(zcat eval.csv.gz)`, a
// FIFO) is read once into a temporary file; its format is its name's extension, else its first
// bytes say (Parquet's magic; a header with more tabs than commas: TSV; else CSV). Errors:
// nothing there, no data file, mixed formats.
Result<DataSource> ResolveDataSource(const std::string& path);

// Rank `index` of `count` in a distributed run. Each rank's share is consecutive rows of the
// whole data (files in order), starting at a multiple of `align_rows` (the model batch size, so
// every model batch is the one a single process would run); every row is in exactly one share.
struct ShardSpec {
  int index = 0;
  int count = 1;
  int64_t align_rows = 1;
};

// The share of `source` that `shard` names; files without rows in it are left out (an empty
// share has no files). Rows are counted from Parquet footers, and for CSV/TSV by one scan of the
// bytes that follows the reader's quoting rules (a newline inside a quoted field is not a row
// end; empty lines are no rows).
Result<DataSource> ShareOf(const DataSource& source, const ShardSpec& shard);

// From now on ResolveDataSource returns this process's share (ShareOf) instead of all the data.
// Set once, by the rank orchestration, before the job reads anything.
void SetProcessShard(const ShardSpec& shard);

// The cells of one column as text, as Batch::Strings() spells them, without a string per cell:
// views into the batch's own buffers (numbers Parquet stores are formatted once, here). Valid
// while it lives; it keeps the batch's data alive.
class TextCells {
 public:
  size_t size() const { return cells_.size(); }
  // Row `row`'s cell; std::nullopt where missing.
  const std::optional<std::string_view>& operator[](size_t row) const { return cells_[row]; }

 private:
  friend class Batch;
  std::vector<std::optional<std::string_view>> cells_;
  // What cells_ views: the column's buffers, or the text of numbers formatted here.
  std::shared_ptr<const void> data_;
};

// One record batch of the input. Cheap to copy (shared, immutable).
class Batch {
 public:
  int64_t num_rows() const;
  // Path of the file this batch came from, and the 0-based row index of its first row there.
  const std::string& file() const;
  int64_t first_row() const;
  bool HasColumn(const std::string& column) const;

  // Each cell as a double; missing -> NaN. Errors name the file, column and row.
  Result<std::vector<double>> Numbers(const std::string& column) const;
  // The same into a caller's buffer: row i goes to out[i * stride] (out must be large enough),
  // so several columns can be gathered row-major without a vector per column.
  Status NumbersInto(const std::string& column, std::span<double> out, size_t stride = 1) const;
  // The class index of each row's cell by ClassIndexOfCell's rule; -1 when the cell is missing
  // or matches no class. Computed on the typed values, without text per row (integer and
  // dictionary columns: the rule runs once per distinct value). On -1, Strings() gives the cell.
  Result<std::vector<int32_t>> ClassIndices(const std::string& column,
                                            const std::vector<std::string>& class_labels) const;
  Status ClassIndicesInto(const std::string& column, const std::vector<std::string>& class_labels,
                          std::span<int32_t> out) const;
  // Each cell as text; missing -> std::nullopt. Text must be valid UTF-8 (error otherwise).
  Result<std::vector<std::optional<std::string>>> Strings(const std::string& column) const;
  // The same cells as views (no allocation per cell: the fast path for whole columns).
  Result<TextCells> Texts(const std::string& column) const;

  // "file 'x.csv' column 'age' row 17" for the i-th row of this batch.
  std::string Where(const std::string& column, int64_t row) const;

  struct Impl;
  explicit Batch(std::shared_ptr<const Impl> impl);
  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

struct ReadOptions {
  // Bytes per CSV block (one record batch); Parquet batches hold this many rows at most.
  int64_t csv_block_bytes = 4 << 20;
  // A CSV/TSV row must fit in one block: a file with a longer row is read again from that row
  // with the block doubled, up to this limit (a row longer than it is an error). Memory stays
  // bounded by the block.
  int64_t csv_max_block_bytes = int64_t{1} << 30;
  // Parquet columns are decoded in parallel (Arrow's CPU pool) and each row group's column
  // chunks are fetched in one read; memory stays bounded by a row group.
  int64_t parquet_batch_rows = 65536;
  // Only these columns are read (all when empty). Missing ones are an error at Open().
  std::vector<std::string> columns;
  // CSV/TSV blocks are parsed and Parquet columns decoded on Arrow's CPU pool, and the next batch
  // is read on a thread of its own while the caller works on the last one. False: parsing and
  // decoding on the caller's thread, no read-ahead (small inputs read many times: the fuzz target;
  // Arrow still fetches CSV blocks through its I/O pool).
  bool use_threads = true;
};

// Streams the batches of every file of a DataSource, in order.
class Reader {
 public:
  static Result<Reader> Open(const DataSource& source, const ReadOptions& options = {});
  Reader(Reader&&) noexcept;
  Reader& operator=(Reader&&) noexcept;
  ~Reader();

  // Column names of the data (of the first file; every shard must have the same).
  const std::vector<std::string>& column_names() const;
  bool HasColumn(const std::string& column) const;
  // The next batch, or std::nullopt when every file has been read.
  Result<std::optional<Batch>> Next();
  // Rows of every file when the format records them (Parquet footers); std::nullopt for CSV/TSV.
  std::optional<int64_t> RowCount() const;
  // How much of the data has been read, in [0, 1]: bytes for CSV/TSV (file sizes), rows for
  // Parquet (file metadata). For progress reports.
  double Fraction() const;

  struct State;

 private:
  explicit Reader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// A column to write: either copied from the input batch (by name, keeping its type for Parquet
// and its exact text for CSV/TSV), or computed values.
struct OutputColumn {
  std::string name;
  std::string source_column;   // copy this input column when non-empty
  std::vector<double> values;  // otherwise these values, one per row: CSV/TSV get Python's repr
};

// Writes a predictions file incrementally, atomically: rows go to "<path>.partial" and Commit()
// renames it into place, so an interrupted run never leaves a complete-looking file. A writer
// destroyed without Commit() removes its partial file.
class Writer {
 public:
  static Result<Writer> Open(const std::string& path, Format format);
  Writer(Writer&&) noexcept;
  Writer& operator=(Writer&&) noexcept;
  ~Writer();

  // Appends the rows of `input` with the given columns (same names and order on every call).
  Status Write(const Batch& input, const std::vector<OutputColumn>& columns);
  // Finishes the file and moves it into place.
  Status Commit();

  struct State;

 private:
  explicit Writer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// The class index of a label cell's text: the first class label equal to it, else the first
// class label that parses as a number equal to the cell's finite number ("1.0" matches "1");
// -1 when none matches. A cell's text is as Strings() spells it.
int32_t ClassIndexOfCell(const std::vector<std::string>& class_labels, std::string_view cell);

}  // namespace verdict::table
