#include "table/table.h"

#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <arrow/compute/initialize.h>
#include <arrow/csv/api.h>
#include <arrow/io/api.h>
#include <arrow/util/utf8.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>
#include <parquet/exception.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <system_error>

#include "table/class_index.h"
#include "table/csv_scan.h"
#include "table/internal.h"
#include "table/shard_internal.h"
#include "table/text_format.h"

namespace verdict::table {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Formats and sources

std::string_view FormatName(Format format) {
  switch (format) {
    case Format::kCsv:
      return "csv";
    case Format::kTsv:
      return "tsv";
    case Format::kParquet:
      return "parquet";
  }
  return "?";
}

Result<Format> ParseFormat(std::string_view name) {
  std::string lower = AsciiLower(TrimAscii(name));
  if (lower == "csv") return Format::kCsv;
  if (lower == "tsv") return Format::kTsv;
  if (lower == "parquet") return Format::kParquet;
  return InvalidArgument("output format " + Quote(name) + " is not one of csv, tsv, parquet");
}

Result<Format> FormatOfPath(const std::string& path) {
  std::string ext = AsciiLower(fs::path(path).extension().string());
  if (ext == ".csv") return Format::kCsv;
  if (ext == ".tsv") return Format::kTsv;
  if (ext == ".parquet") return Format::kParquet;
  return InvalidArgument("file '" + path + "' is not .csv, .tsv or .parquet");
}

namespace {

// Why a path inside a data folder cannot be read, or Ok. A symlink must lead to a readable file:
// one that is dangling or loops, or leads to a folder (shards are not looked for through folder
// links), would silently drop shards if skipped; so would a pipe named like a data file.
Status CheckDataEntry(const std::string& folder, const fs::directory_entry& entry) {
  const std::string where = "data folder '" + folder + "': '" + entry.path().string() + "'";
  std::error_code ec;
  if (entry.is_symlink(ec)) {
    std::string target = fs::read_symlink(entry.path(), ec).string();
    fs::file_status status = fs::status(entry.path(), ec);
    if (status.type() == fs::file_type::not_found) {
      return NotFound(where + " is a symlink to '" + target + "', which does not exist");
    }
    if (ec) {
      return IoError(where + " is a symlink to '" + target + "' that cannot be followed (" +
                     ec.message() + ")");
    }
    if (fs::is_directory(status)) {
      return InvalidData(where + " is a symlink to the folder '" + target +
                         "'; shards are not looked for through folder links (give that folder "
                         "as a data path of its own)");
    }
  }
  // A pipe, socket or device named like a data file would otherwise be skipped as no file.
  const fs::file_status status = entry.status(ec);
  if (FormatOfPath(entry.path().string()).ok() && !fs::is_regular_file(status) &&
      !fs::is_directory(status) && status.type() != fs::file_type::not_found) {
    return InvalidData(where + " is " + (fs::is_fifo(status) ? "a pipe" : "a socket or device") +
                       ", not a file; shards must be files (a pipe can be the data path itself)");
  }
  return Status::Ok();
}

// Ok when `file` can be opened for reading; the reason otherwise.
Status CheckReadable(const std::string& where, const std::string& file) {
  std::FILE* handle = std::fopen(file.c_str(), "rb");
  if (handle == nullptr) return IoError(where + " cannot be read: " + std::strerror(errno));
  std::fclose(handle);
  return Status::Ok();
}

}  // namespace

Result<DataSource> ResolveDataSource(const std::string& path) {
  std::error_code ec;
  if (fs::is_fifo(path, ec)) {
    VERDICT_ASSIGN_OR_RETURN(DataSource copy, internal::CopyOfPipe(path));
    return internal::ApplyProcessShard(std::move(copy));
  }
  DataSource source;
  if (fs::is_regular_file(path, ec)) {
    VERDICT_ASSIGN_OR_RETURN(source.format, FormatOfPath(path));
    VERDICT_RETURN_IF_ERROR(CheckReadable("data file '" + path + "'", path));
    source.files.push_back(path);
    return internal::ApplyProcessShard(std::move(source));
  }
  if (fs::is_symlink(fs::symlink_status(path, ec)) && !fs::exists(path, ec)) {
    return NotFound("data path '" + path + "' is a symlink to '" +
                    fs::read_symlink(path, ec).string() + "', which does not exist or loops");
  }
  if (fs::exists(path, ec) && !fs::is_directory(path, ec)) {
    return InvalidArgument("data path '" + path +
                           "' is a socket or device, not a data file, folder or pipe");
  }
  if (!fs::is_directory(path, ec)) return NotFound("data path '" + path + "' does not exist");
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!name.empty() && (name[0] == '.' || name[0] == '_')) continue;  // markers, hidden files
    VERDICT_RETURN_IF_ERROR(CheckDataEntry(path, *it));
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec) || !FormatOfPath(it->path().string()).ok()) continue;
    VERDICT_RETURN_IF_ERROR(CheckReadable(
        "data folder '" + path + "': '" + it->path().string() + "'", it->path().string()));
    source.files.push_back(it->path().string());
  }
  if (ec) return IoError("cannot list data folder '" + path + "': " + ec.message());
  if (source.files.empty()) {
    return NotFound("data folder '" + path + "' holds no .csv, .tsv or .parquet file");
  }
  std::sort(source.files.begin(), source.files.end());
  source.format = *FormatOfPath(source.files.front());
  for (const std::string& file : source.files) {
    if (*FormatOfPath(file) != source.format) {
      return InvalidData("data folder '" + path + "' mixes formats: '" + source.files.front() +
                         "' and '" + file + "'");
    }
  }
  return internal::ApplyProcessShard(std::move(source));
}

DataSource InMemorySource(std::string name, Format format, std::string bytes) {
  DataSource source;
  source.files.push_back(std::move(name));
  source.format = format;
  source.bytes = std::make_shared<const std::string>(std::move(bytes));
  return source;
}

namespace internal {

namespace {

// An Arrow buffer over an in-memory source's bytes, keeping them alive as long as it lives.
class SourceBuffer : public arrow::Buffer {
 public:
  explicit SourceBuffer(std::shared_ptr<const std::string> bytes)
      : arrow::Buffer(reinterpret_cast<const uint8_t*>(bytes->data()),
                      static_cast<int64_t>(bytes->size())),
        bytes_(std::move(bytes)) {}

 private:
  std::shared_ptr<const std::string> bytes_;
};

}  // namespace

Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenData(const DataSource& source,
                                                              const std::string& file) {
  if (source.bytes != nullptr) {
    return std::shared_ptr<arrow::io::RandomAccessFile>(
        std::make_shared<arrow::io::BufferReader>(std::make_shared<SourceBuffer>(source.bytes)));
  }
  const std::string& path = source.backing_file.empty() ? file : source.backing_file;
  auto input = arrow::io::ReadableFile::Open(path);
  if (!input.ok()) {
    return IoError("cannot open '" + file + "': " + ArrowMessage(input.status().message()));
  }
  return std::shared_ptr<arrow::io::RandomAccessFile>(*input);
}

}  // namespace internal

// ---------------------------------------------------------------------------------------------
// Cells

namespace internal {

bool IsMissingSpelling(std::string_view cell) {
  // pandas.read_csv's default NA spellings.
  static constexpr std::array<std::string_view, 19> kMissingSpellings = {
      "",     "#N/A",   "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN",
      "-nan", "1.#IND", "1.#QNAN",  "<NA>", "N/A",     "NA",       "NULL",
      "NaN",  "None",   "n/a",      "nan",  "null"};
  // Every spelling but "" starts with one of these bytes: a quick no for almost every cell.
  constexpr std::string_view kFirstBytes = "#-1<Nn";
  if (cell.size() > 8 || (!cell.empty() && kFirstBytes.find(cell.front()) == cell.npos)) {
    return false;
  }
  return std::find(kMissingSpellings.begin(), kMissingSpellings.end(), cell) !=
         kMissingSpellings.end();
}

std::string ArrowMessage(std::string_view message) {
  constexpr size_t kMaxBytes = 300;
  std::string text(message);
  // Arrow's CSV parser ends with the row: "Expected 4 columns, got 2: <row text>".
  const size_t got = text.find(" columns, got ");
  const size_t row = got == std::string::npos ? got : text.find(": ", got);
  if (row != std::string::npos) text = text.substr(0, row + 2) + Quote(text.substr(row + 2));
  const std::string line = OneLine(text);
  if (line.size() <= kMaxBytes) return line;
  size_t cut = kMaxBytes;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  return line.substr(0, cut) + "...";
}

Result<std::shared_ptr<arrow::Array>> CastTo(const std::shared_ptr<arrow::Array>& array,
                                             const std::shared_ptr<arrow::DataType>& type) {
  // Since Arrow 21 most compute kernels live in libarrow_compute and must be registered once.
  static const arrow::Status registered = arrow::compute::Initialize();
  if (!registered.ok()) return Internal("Arrow compute: " + ArrowMessage(registered.message()));
  arrow::Result<arrow::Datum> cast = arrow::compute::Cast(arrow::Datum(array), type);
  if (!cast.ok()) return InvalidData(ArrowMessage(cast.status().message()));
  return cast->make_array();
}

}  // namespace internal

namespace {

using internal::ArrowMessage;
using internal::CastTo;
using internal::IsMissingSpelling;

Status FromArrow(const arrow::Status& status, std::string_view context) {
  if (status.ok()) return Status::Ok();
  return IoError(std::string(context) + ": " + ArrowMessage(status.message()));
}

bool IsNumericType(arrow::Type::type id) {
  switch (id) {
    case arrow::Type::BOOL:
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::UINT8:
    case arrow::Type::UINT16:
    case arrow::Type::UINT32:
    case arrow::Type::UINT64:
    case arrow::Type::HALF_FLOAT:
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE:
      return true;
    default:
      return false;
  }
}

bool IsIntegerType(arrow::Type::type id) {
  return IsNumericType(id) && id != arrow::Type::BOOL && id != arrow::Type::HALF_FLOAT &&
         id != arrow::Type::FLOAT && id != arrow::Type::DOUBLE;
}

}  // namespace

struct Batch::Impl {
  std::shared_ptr<arrow::RecordBatch> batch;
  std::string file;
  int64_t first_row = 0;
  Format format = Format::kCsv;
};

Batch::Batch(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
int64_t Batch::num_rows() const { return impl_->batch->num_rows(); }
const std::string& Batch::file() const { return impl_->file; }
int64_t Batch::first_row() const { return impl_->first_row; }
bool Batch::HasColumn(const std::string& column) const {
  return impl_->batch->schema()->GetFieldIndex(column) >= 0;
}

std::string Batch::Where(const std::string& column, int64_t row) const {
  return "file '" + impl_->file + "' column " + Quote(column) + " row " +
         std::to_string(impl_->first_row + row + 1);
}

namespace {

Result<std::shared_ptr<arrow::Array>> ColumnArray(const Batch& batch, const std::string& column) {
  std::shared_ptr<arrow::Array> array = batch.impl().batch->GetColumnByName(column);
  if (array == nullptr) {
    return NotFound("file '" + batch.file() + "' has no column " + Quote(column));
  }
  return array;
}

}  // namespace

namespace {

// Floating-point cells copied as they are, NaN where missing.
template <typename ArrowType>
void CopyFloating(const arrow::Array& array, std::span<double> out, size_t stride) {
  const auto* values = static_cast<const arrow::NumericArray<ArrowType>&>(array).raw_values();
  const int64_t n = array.length();
  for (int64_t i = 0; i < n; ++i) out[i * stride] = static_cast<double>(values[i]);
  if (array.null_count() == 0) return;
  for (int64_t i = 0; i < n; ++i) {
    if (array.IsNull(i)) out[i * stride] = std::nan("");
  }
}

}  // namespace

Result<std::vector<double>> Batch::Numbers(const std::string& column) const {
  std::vector<double> values(num_rows());
  VERDICT_RETURN_IF_ERROR(NumbersInto(column, values));
  return values;
}

Status Batch::NumbersInto(const std::string& column, std::span<double> out, size_t stride) const {
  VERDICT_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Array> array, ColumnArray(*this, column));
  const int64_t n = array->length();
  VERDICT_CHECK(n == 0 || out.size() > static_cast<size_t>(n - 1) * stride);
  arrow::Type::type id = array->type_id();
  if (id == arrow::Type::DOUBLE) {
    CopyFloating<arrow::DoubleType>(*array, out, stride);
    return Status::Ok();
  }
  if (id == arrow::Type::FLOAT) {
    CopyFloating<arrow::FloatType>(*array, out, stride);
    return Status::Ok();
  }
  for (int64_t i = 0; i < n; ++i) out[i * stride] = std::nan("");
  if (id == arrow::Type::NA) return Status::Ok();
  if (IsNumericType(id)) {
    // Other numbers through Arrow's safe cast (an integer too large for a double is an error).
    VERDICT_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Array> doubles,
                             CastTo(array, arrow::float64()));
    CopyFloating<arrow::DoubleType>(*doubles, out, stride);
    return Status::Ok();
  }
  std::shared_ptr<arrow::Array> text = array;
  if (id != arrow::Type::STRING) {
    auto cast = CastTo(array, arrow::utf8());
    if (!cast.ok()) {
      return InvalidData(Where(column, 0) + ": column type " + array->type()->ToString() +
                         " is not numeric");
    }
    text = *cast;
  }
  const auto& strings = static_cast<const arrow::StringArray&>(*text);
  for (int64_t i = 0; i < n; ++i) {
    if (strings.IsNull(i)) continue;
    std::string_view cell = strings.GetView(i);
    if (IsMissingSpelling(cell)) continue;
    std::optional<double> parsed = internal::ParseFiniteNumber(cell);  // no allocation
    if (!parsed) parsed = ParseDouble(cell);                           // inf, nan, or not a number
    if (!parsed) return InvalidData(Where(column, i) + ": " + Quote(cell) + " is not a number");
    out[i * stride] = *parsed;
  }
  return Status::Ok();
}

Result<std::vector<int32_t>> Batch::ClassIndices(
    const std::string& column, const std::vector<std::string>& class_labels) const {
  std::vector<int32_t> indices(num_rows());
  VERDICT_RETURN_IF_ERROR(ClassIndicesInto(column, class_labels, indices));
  return indices;
}

Status Batch::ClassIndicesInto(const std::string& column,
                               const std::vector<std::string>& class_labels,
                               std::span<int32_t> out) const {
  VERDICT_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Array> array, ColumnArray(*this, column));
  VERDICT_CHECK(out.size() >= static_cast<size_t>(array->length()));
  const internal::ClassMatcher matcher(class_labels);
  Status status =
      internal::ClassIndicesOfArray(array, matcher, impl_->format != Format::kParquet, out);
  if (!status.ok()) return InvalidData(Where(column, 0) + ": " + ArrowMessage(status.message()));
  return Status::Ok();
}

int32_t ClassIndexOfCell(const std::vector<std::string>& class_labels, std::string_view cell) {
  return internal::ClassMatcher(class_labels).OfText(cell);
}

Result<TextCells> Batch::Texts(const std::string& column) const {
  VERDICT_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Array> array, ColumnArray(*this, column));
  const int64_t n = array->length();
  TextCells cells;
  cells.cells_.resize(n);
  arrow::Type::type id = array->type_id();
  if (id == arrow::Type::NA) return cells;
  if (IsNumericType(id) && !IsIntegerType(id)) {
    VERDICT_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Array> doubles,
                             CastTo(array, arrow::float64()));
    const auto& typed = static_cast<const arrow::DoubleArray&>(*doubles);
    auto formatted = std::make_shared<std::vector<std::string>>(n);
    for (int64_t i = 0; i < n; ++i) {
      if (!typed.IsValid(i)) continue;
      (*formatted)[i] = id == arrow::Type::BOOL ? (typed.Value(i) != 0 ? "True" : "False")
                                                : FormatPythonFloat(typed.Value(i));
      cells.cells_[i] = (*formatted)[i];
    }
    cells.data_ = std::move(formatted);
    return cells;
  }
  std::shared_ptr<arrow::Array> text = array;
  if (id != arrow::Type::STRING) {
    auto cast = CastTo(array, arrow::utf8());
    if (!cast.ok()) {
      return InvalidData(Where(column, 0) + ": column type " + array->type()->ToString() +
                         " cannot be read as text");
    }
    text = *cast;
  }
  const auto& strings = static_cast<const arrow::StringArray&>(*text);
  const bool csv = impl_->format != Format::kParquet;
  for (int64_t i = 0; i < n; ++i) {
    if (strings.IsNull(i)) continue;
    std::string_view cell = strings.GetView(i);
    if (csv && IsMissingSpelling(cell)) continue;
    if (!arrow::util::ValidateUTF8(reinterpret_cast<const uint8_t*>(cell.data()),
                                   static_cast<int64_t>(cell.size()))) {
      return InvalidData(Where(column, i) + ": text is not valid UTF-8");
    }
    cells.cells_[i] = cell;
  }
  cells.data_ = std::move(text);
  return cells;
}

Result<std::vector<std::optional<std::string>>> Batch::Strings(const std::string& column) const {
  VERDICT_ASSIGN_OR_RETURN(TextCells texts, Texts(column));
  std::vector<std::optional<std::string>> cells(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    if (texts[i]) cells[i].emplace(*texts[i]);
  }
  return cells;
}

// ---------------------------------------------------------------------------------------------
// Reader

struct Reader::State {
  DataSource source;
  ReadOptions options;
  // Progress: the size of every file (bytes, or rows for Parquet) and how much of the finished
  // files that makes.
  std::vector<int64_t> file_sizes;
  int64_t total_size = 0;
  int64_t finished_size = 0;
  std::shared_ptr<arrow::csv::StreamingReader> csv;  // the current CSV reader, for bytes_read()
  // The current CSV/TSV file's block size (grown for long rows) and how its cells are converted,
  // to reopen it with a larger block.
  int64_t csv_block_bytes = 0;
  arrow::csv::ConvertOptions csv_convert;
  // Every column of the current CSV/TSV file's header: the names a slice of it is read under.
  std::vector<std::string> csv_header;
  std::vector<std::string> column_names;
  size_t next_file = 0;
  std::string current_file;
  int64_t rows_in_file = 0;
  std::shared_ptr<arrow::RecordBatchReader> batches;
  std::unique_ptr<parquet::arrow::FileReader> parquet_file;  // owns what `batches` reads
  // The current file's slice (DataSource::slices): rows still to skip and to return.
  internal::SliceCursor slice_cursor;
  // Progress as of the last batch Next() returned (the read-ahead moves the fields above).
  double fraction = 0;
  // The next batch, read while the caller works on the last one. Declared last: destroyed
  // first, its destructor waits for the read before anything it uses goes away.
  std::future<Result<std::optional<Batch>>> ahead;
};

namespace {

arrow::csv::ParseOptions CsvParseOptions(Format format) {
  arrow::csv::ParseOptions parse = arrow::csv::ParseOptions::Defaults();
  parse.delimiter = format == Format::kTsv ? '\t' : ',';
  parse.quoting = true;
  parse.double_quote = true;
  parse.newlines_in_values = true;
  parse.ignore_empty_lines = true;
  return parse;
}

// Arrow's CSV reader needs each row, and the header, inside one block (a row may straddle two);
// these are its words for one that is not. A header longer than the block reads as "Empty CSV
// file" when it is the first block.
bool RowOutgrewBlock(const arrow::Status& status, const DataSource& source, const std::string& file,
                     int64_t block_bytes) {
  const std::string& message = status.message();
  if (message.find("Empty CSV file") != std::string::npos) {
    auto input = internal::OpenData(source, file);
    if (!input.ok()) return false;
    auto size = (*input)->GetSize();
    return size.ok() && *size > block_bytes;
  }
  return message.find("straddling object") != std::string::npos ||
         message.find("header is larger than block size") != std::string::npos;
}

std::string SizeText(int64_t bytes) {
  constexpr int64_t kMiB = 1 << 20;
  if (bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  return std::to_string(bytes) + " bytes";
}

// A CSV/TSV file being read: from data row `rows` on, in blocks of `block_bytes`, converted
// with `convert`; `sliced` when only a slice of it is read (a rank's share).
struct CsvPlace {
  const DataSource& source;
  const std::string& file;
  int64_t rows;
  int64_t block_bytes;
  const arrow::csv::ConvertOptions& convert;
  bool sliced;
};

// The data row (from 1) of the record a CSV parse error is about. Arrow's parallel parser, which
// reads the data, does not count records; its serial one does ("Row #N", the header being #1,
// blank lines not counted). So the file is read again serially up to the error, from its start:
// skip_rows_after_names would count the blank lines it skips as rows. No row when that reading
// fails otherwise first (a conversion error) or names none, nor for a slice of a file.
std::optional<int64_t> CsvErrorRow(const CsvPlace& place) {
  auto input = internal::OpenData(place.source, place.file);
  if (!input.ok() || place.sliced) return std::nullopt;
  arrow::csv::ReadOptions read = arrow::csv::ReadOptions::Defaults();
  read.block_size = static_cast<int32_t>(place.block_bytes);
  read.use_threads = false;
  auto reader =
      arrow::csv::StreamingReader::Make(arrow::io::default_io_context(), *input, read,
                                        CsvParseOptions(place.source.format), place.convert);
  arrow::Status status = reader.status();
  while (status.ok()) {
    std::shared_ptr<arrow::RecordBatch> batch;
    status = (*reader)->ReadNext(&batch);
    if (status.ok() && batch == nullptr) return std::nullopt;
  }
  const std::string& message = status.message();
  const size_t at = message.find("Row #");
  if (at == std::string::npos) return std::nullopt;
  const size_t end = message.find(':', at);
  const std::optional<int64_t> record = ParseInt(
      std::string_view(message).substr(at + 5, end == std::string::npos ? 0 : end - at - 5));
  if (!record || *record < 2) return std::nullopt;
  return *record - 1;
}

// The one-line error of a CSV/TSV file that cannot be read at `place`; `outgrew`: because a row
// was longer than the largest block. A parse error names its data row when it can be found.
Status CsvReadError(const CsvPlace& place, const arrow::Status& status, const ReadOptions& options,
                    bool outgrew) {
  const std::optional<int64_t> row = outgrew ? std::nullopt : CsvErrorRow(place);
  std::string where =
      "cannot read '" + place.file + "' " +
      (row ? "at row " + std::to_string(*row) : "after row " + std::to_string(place.rows)) + ": ";
  if (outgrew) {
    return InvalidData(where + "a row (or an unclosed quote) is longer than " +
                       SizeText(options.csv_max_block_bytes) +
                       ", the largest block the CSV reader grows to");
  }
  // Arrow's serial parser numbers records itself ("Row #4: ", the header being #1): the message
  // names the data row once, as the parallel parser's does.
  std::string message = status.message();
  static constexpr std::string_view kParseError = "CSV parse error: ";
  if (message.starts_with(std::string(kParseError) + "Row #")) {
    const size_t colon = message.find(": ", kParseError.size());
    if (colon != std::string::npos)
      message.erase(kParseError.size(), colon + 2 - kParseError.size());
  }
  return InvalidData(where + ArrowMessage(message));
}

// A reader of a CSV/TSV file from data row `skip_rows` on, in blocks of `block_bytes`, doubled
// (up to options.csv_max_block_bytes) while a row does not fit in one. With a `slice`, only its
// bytes are read, under the header's column `names`.
Result<std::shared_ptr<arrow::csv::StreamingReader>> MakeCsvReader(
    const DataSource& source, const std::string& file, const ReadOptions& options,
    int64_t& block_bytes, int64_t skip_rows, const arrow::csv::ConvertOptions& convert,
    const FileSlice* slice = nullptr, const std::vector<std::string>& names = {}) {
  if (skip_rows > std::numeric_limits<int32_t>::max()) {
    return InvalidData("cannot read '" + file + "' after row " + std::to_string(skip_rows) +
                       ": a row longer than " + SizeText(block_bytes) +
                       " this far into the file cannot be re-read with a larger block (split it)");
  }
  while (true) {
    VERDICT_ASSIGN_OR_RETURN(std::shared_ptr<arrow::io::RandomAccessFile> input,
                             internal::OpenData(source, file));
    arrow::csv::ReadOptions read = arrow::csv::ReadOptions::Defaults();
    read.block_size = static_cast<int32_t>(block_bytes);
    read.skip_rows_after_names = static_cast<int32_t>(skip_rows);
    read.use_threads = options.use_threads;
    std::shared_ptr<arrow::io::InputStream> stream = input;
    if (slice != nullptr) {
      VERDICT_ASSIGN_OR_RETURN(stream, internal::SliceStream(input, *slice));
      read.column_names = names;
      read.skip_rows_after_names = static_cast<int32_t>(skip_rows - slice->first_row);
    }
    auto reader = arrow::csv::StreamingReader::Make(arrow::io::default_io_context(), stream, read,
                                                    CsvParseOptions(source.format), convert);
    if (reader.ok()) return *reader;
    const bool outgrew = RowOutgrewBlock(reader.status(), source, file, block_bytes);
    if (outgrew && block_bytes < options.csv_max_block_bytes) {
      block_bytes = std::min(2 * block_bytes, options.csv_max_block_bytes);
      continue;
    }
    if (!outgrew && reader.status().message().find("Empty CSV file") != std::string::npos) {
      return InvalidData("file '" + file + "' is empty (no header row)");
    }
    const CsvPlace place{source, file, skip_rows, block_bytes, convert, slice != nullptr};
    return CsvReadError(place, reader.status(), options, outgrew);
  }
}

// The header's column names read by Arrow itself: for a file whose header the byte scan did not
// find complete (ScanCsvHeader), so that Arrow's reader says what is wrong with it. The probe's
// block (grown for a long header) becomes the file's first block size.
Result<std::vector<std::string>> ProbeCsvHeader(Reader::State& state, const std::string& file) {
  int64_t probe_block = std::min<int64_t>(1 << 20, state.options.csv_block_bytes);
  VERDICT_ASSIGN_OR_RETURN(auto header_reader,
                           MakeCsvReader(state.source, file, state.options, probe_block, 0,
                                         arrow::csv::ConvertOptions::Defaults()));
  state.csv_block_bytes = std::max(state.csv_block_bytes, probe_block);
  return header_reader->schema()->field_names();
}

// The header scan and Arrow's reader must agree: a column the scan named otherwise would be typed
// by Arrow's inference instead of kept as exact text.
Status CheckHeaderAgrees(const Reader::State& state, const std::string& file) {
  const arrow::Schema& schema = *state.csv->schema();
  bool agree = state.csv_convert.include_columns.empty()
                   ? schema.field_names() == state.csv_header
                   : schema.field_names() == state.csv_convert.include_columns;
  for (const auto& field : schema.fields()) agree = agree && field->type()->Equals(arrow::utf8());
  if (agree) return Status::Ok();
  return Internal("file '" + file + "': the header scan disagrees with Arrow's CSV reader");
}

// Column names from the header, then a reader that keeps every cell as exact text.
Status OpenCsv(Reader::State& state, const std::string& file) {
  state.csv_block_bytes = state.options.csv_block_bytes;
  VERDICT_ASSIGN_OR_RETURN(
      std::optional<std::vector<std::string>> header,
      internal::ScanCsvHeader(state.source, file, state.options.csv_max_block_bytes));
  if (!header) {
    VERDICT_ASSIGN_OR_RETURN(header, ProbeCsvHeader(state, file));
  }
  state.csv_header = std::move(*header);
  arrow::csv::ConvertOptions& convert = state.csv_convert;
  convert = arrow::csv::ConvertOptions::Defaults();
  convert.check_utf8 = false;  // validated per column in Batch::Strings, with row numbers
  convert.strings_can_be_null = false;
  convert.quoted_strings_can_be_null = false;
  for (const std::string& name : state.csv_header) convert.column_types[name] = arrow::utf8();
  for (const std::string& wanted : state.options.columns) {
    if (convert.column_types.count(wanted) == 0) {
      return NotFound("file '" + file + "' has no column " + Quote(wanted));
    }
  }
  convert.include_columns = state.options.columns;
  const FileSlice* slice = internal::SliceOf(state.source, file);
  VERDICT_ASSIGN_OR_RETURN(
      state.csv,
      MakeCsvReader(state.source, file, state.options, state.csv_block_bytes,
                    slice != nullptr ? slice->first_row : 0, convert, slice, state.csv_header));
  VERDICT_RETURN_IF_ERROR(CheckHeaderAgrees(state, file));
  if (slice != nullptr) {
    state.rows_in_file = slice->first_row;
    state.slice_cursor = {.skip = 0, .left = slice->rows};
  }
  state.batches = state.csv;
  return Status::Ok();
}

// After a row outgrew the block: the current CSV/TSV file again, from the first row not yet
// returned, in blocks twice as large. False when the block is already at its limit.
Result<bool> GrowCsvBlock(Reader::State& s) {
  if (s.csv_block_bytes >= s.options.csv_max_block_bytes) return false;
  s.csv_block_bytes = std::min(2 * s.csv_block_bytes, s.options.csv_max_block_bytes);
  // The rows not yet returned, from the byte where the first of them begins (of a rank's slice,
  // or of the whole file): skipping rows by count would count blank lines as rows.
  std::optional<FileSlice> rest;
  if (const FileSlice* slice = internal::SliceOf(s.source, s.current_file)) {
    VERDICT_ASSIGN_OR_RETURN(
        rest, internal::RestOfSlice(s.source, s.current_file, *slice, s.rows_in_file));
  } else if (s.rows_in_file > 0) {
    VERDICT_ASSIGN_OR_RETURN(rest, internal::RestOfFile(s.source, s.current_file, s.rows_in_file));
  }
  VERDICT_ASSIGN_OR_RETURN(
      s.csv, MakeCsvReader(s.source, s.current_file, s.options, s.csv_block_bytes, s.rows_in_file,
                           s.csv_convert, rest ? &*rest : nullptr, s.csv_header));
  s.batches = s.csv;
  return true;
}

Status ParquetError(const std::string& file, std::string_view message) {
  return InvalidData("cannot read Parquet file '" + file + "': " + ArrowMessage(message));
}

Status OpenParquet(Reader::State& state, const std::string& file) {
  parquet::arrow::FileReaderBuilder builder;
  VERDICT_ASSIGN_OR_RETURN(std::shared_ptr<arrow::io::RandomAccessFile> input,
                           internal::OpenData(state.source, file));
  arrow::Status opened;
  try {
    opened = builder.Open(input);
  } catch (const parquet::ParquetException& e) {
    opened = arrow::Status::IOError(e.what());
  }
  if (!opened.ok()) return ParquetError(file, opened.message());
  parquet::ArrowReaderProperties properties;
  properties.set_batch_size(state.options.parquet_batch_rows);
  properties.set_use_threads(state.options.use_threads);  // columns decoded in parallel
  properties.set_pre_buffer(true);  // a row group's column chunks fetched in one read
  builder.properties(properties);
  auto reader = builder.Build();
  if (!reader.ok()) return ParquetError(file, reader.status().message());
  state.parquet_file = std::move(*reader);
  std::vector<int> row_groups(state.parquet_file->num_row_groups());
  for (size_t i = 0; i < row_groups.size(); ++i) row_groups[i] = static_cast<int>(i);
  if (const FileSlice* slice = internal::SliceOf(state.source, file)) {
    std::vector<int64_t> group_rows;
    for (int g : row_groups) {
      group_rows.push_back(
          state.parquet_file->parquet_reader()->metadata()->RowGroup(g)->num_rows());
    }
    internal::ParquetSliceGroups groups = internal::ParquetGroupsOf(group_rows, *slice);
    row_groups = groups.row_groups;
    state.rows_in_file = groups.first_group_row;
    state.slice_cursor = {.skip = groups.skip_rows, .left = slice->rows};
  }
  std::shared_ptr<arrow::Schema> schema;
  VERDICT_RETURN_IF_ERROR(FromArrow(state.parquet_file->GetSchema(&schema), file));
  std::vector<int> columns;
  if (state.options.columns.empty()) {
    for (int i = 0; i < schema->num_fields(); ++i) columns.push_back(i);
  } else {
    for (const std::string& name : state.options.columns) {
      int index = schema->GetFieldIndex(name);
      if (index < 0) return NotFound("file '" + file + "' has no column " + Quote(name));
      columns.push_back(index);
    }
  }
  auto batches = state.parquet_file->GetRecordBatchReader(row_groups, columns);
  if (!batches.ok()) return ParquetError(file, batches.status().message());
  state.batches = std::move(*batches);
  return Status::Ok();
}

// How the column names of a shard differ from the first one's, in a few quoted names.
std::string ColumnDifference(const std::vector<std::string>& first,
                             const std::vector<std::string>& shard) {
  auto names_not_in = [](const std::vector<std::string>& names,
                         const std::vector<std::string>& other) {
    std::string listed;
    int count = 0;
    for (const std::string& name : names) {
      if (std::find(other.begin(), other.end(), name) != other.end()) continue;
      if (++count <= 5) listed += (listed.empty() ? "" : ", ") + Quote(name);
    }
    if (count > 5) listed += " and " + std::to_string(count - 5) + " more";
    return listed;
  };
  std::string missing = names_not_in(first, shard);
  std::string extra = names_not_in(shard, first);
  if (missing.empty() && extra.empty()) return "the same names in another order";
  if (extra.empty()) return "missing " + missing;
  if (missing.empty()) return "extra " + extra;
  return "missing " + missing + "; extra " + extra;
}

Status OpenFile(Reader::State& state, const std::string& file) {
  state.current_file = file;
  state.rows_in_file = 0;
  state.slice_cursor = {};
  state.batches.reset();
  state.csv.reset();
  state.parquet_file.reset();
  VERDICT_RETURN_IF_ERROR(state.source.format == Format::kParquet ? OpenParquet(state, file)
                                                                  : OpenCsv(state, file));
  std::vector<std::string> names;
  for (const auto& field : state.batches->schema()->fields()) names.push_back(field->name());
  if (state.column_names.empty()) {
    state.column_names = names;
    for (const std::string& wanted : state.options.columns) {
      if (std::find(names.begin(), names.end(), wanted) == names.end()) {
        return NotFound("file '" + file + "' has no column " + Quote(wanted));
      }
    }
  } else if (names != state.column_names) {
    return InvalidData("shard '" + file + "' has columns different from '" +
                       state.source.files.front() + "' (" +
                       ColumnDifference(state.column_names, names) + ")");
  }
  return Status::Ok();
}

// Sizes for Fraction(): bytes of CSV/TSV files, rows of Parquet files (from their footers).
Status MeasureFiles(Reader::State& state) {
  for (const std::string& file : state.source.files) {
    int64_t size = 0;
    VERDICT_ASSIGN_OR_RETURN(std::shared_ptr<arrow::io::RandomAccessFile> input,
                             internal::OpenData(state.source, file));
    if (state.source.format == Format::kParquet) {
      try {
        size = parquet::ParquetFileReader::Open(input)->metadata()->num_rows();
      } catch (const parquet::ParquetException& e) {
        return ParquetError(file, e.what());
      }
    } else {
      size = input->GetSize().ValueOr(0);
    }
    if (const FileSlice* slice = internal::SliceOf(state.source, file)) {
      size = state.source.format == Format::kParquet ? slice->rows
                                                     : slice->byte_end - slice->byte_begin;
    }
    state.file_sizes.push_back(size);
    state.total_size += size;
  }
  return Status::Ok();
}

}  // namespace

Reader::Reader(std::unique_ptr<State> state) : state_(std::move(state)) {}
Reader::Reader(Reader&&) noexcept = default;
Reader& Reader::operator=(Reader&&) noexcept = default;
Reader::~Reader() {
  state_.reset();
  // Arrow's pool keeps freed batches for reuse; give them back before the caller's next stage.
  arrow::default_memory_pool()->ReleaseUnused();
}

Result<Reader> Reader::Open(const DataSource& source, const ReadOptions& options) {
  if (source.files.empty()) return InvalidArgument("no data files to read");
  auto state = std::make_unique<State>();
  state->source = source;
  state->options = options;
  VERDICT_RETURN_IF_ERROR(OpenFile(*state, source.files.front()));
  VERDICT_RETURN_IF_ERROR(MeasureFiles(*state));
  state->next_file = 1;
  return Reader(std::move(state));
}

const std::vector<std::string>& Reader::column_names() const { return state_->column_names; }

std::optional<int64_t> Reader::RowCount() const {
  if (state_->source.format != Format::kParquet) return std::nullopt;
  return state_->total_size;
}

double Reader::Fraction() const { return state_->fraction; }

bool Reader::HasColumn(const std::string& column) const {
  const auto& names = state_->column_names;
  return std::find(names.begin(), names.end(), column) != names.end();
}

namespace {

// How much of the data the batches read so far make, in [0, 1].
double FractionRead(const Reader::State& s) {
  if (s.total_size <= 0 || s.finished_size >= s.total_size) return 1.0;
  int64_t current = s.csv != nullptr ? s.csv->bytes_read() : s.rows_in_file;
  current = std::min(current, s.file_sizes[s.next_file - 1]);
  return static_cast<double>(s.finished_size + current) / static_cast<double>(s.total_size);
}

Result<std::optional<Batch>> ReadNextBatch(Reader::State& s) {
  while (true) {
    std::shared_ptr<arrow::RecordBatch> batch;
    arrow::Status read;
    try {
      // A slice whose rows were all returned ends its file (the rest belongs to other ranks).
      if (s.slice_cursor.left != 0) read = s.batches->ReadNext(&batch);
    } catch (const parquet::ParquetException& e) {
      read = arrow::Status::IOError(e.what());
    }
    const bool outgrew = !read.ok() && s.csv != nullptr &&
                         RowOutgrewBlock(read, s.source, s.current_file, s.csv_block_bytes);
    if (outgrew) {
      VERDICT_ASSIGN_OR_RETURN(bool grown, GrowCsvBlock(s));
      if (grown) continue;
    }
    if (!read.ok() && s.csv != nullptr) {
      const bool sliced = internal::SliceOf(s.source, s.current_file) != nullptr;
      const CsvPlace place{s.source,          s.current_file, s.rows_in_file,
                           s.csv_block_bytes, s.csv_convert,  sliced};
      return CsvReadError(place, read, s.options, outgrew);
    }
    if (!read.ok()) {
      return InvalidData("cannot read '" + s.current_file + "' after row " +
                         std::to_string(s.rows_in_file) + ": " + ArrowMessage(read.message()));
    }
    if (batch != nullptr && s.slice_cursor.left >= 0) {
      const int64_t skipped = std::min(s.slice_cursor.skip, batch->num_rows());
      VERDICT_ASSIGN_OR_RETURN(batch, internal::CutToSlice(std::move(batch), s.slice_cursor,
                                                           s.csv != nullptr, s.current_file));
      s.rows_in_file += skipped;
      if (batch == nullptr) continue;  // rows before the slice
    }
    if (batch == nullptr && s.slice_cursor.left > 0) {
      return InvalidData("file '" + s.current_file + "' ended " +
                         std::to_string(s.slice_cursor.left) + " rows before the end of this " +
                         "rank's share that the scan for the ranks' shares counted");
    }
    if (batch != nullptr) {
      if (batch->num_rows() == 0) continue;
      auto impl = std::make_shared<Batch::Impl>();
      impl->batch = std::move(batch);
      impl->file = s.current_file;
      impl->first_row = s.rows_in_file;
      impl->format = s.source.format;
      s.rows_in_file += impl->batch->num_rows();
      return std::optional<Batch>(Batch(std::move(impl)));
    }
    s.finished_size += s.file_sizes[s.next_file - 1];
    if (s.next_file >= s.source.files.size()) return std::optional<Batch>();
    VERDICT_RETURN_IF_ERROR(OpenFile(s, s.source.files[s.next_file++]));
  }
}

}  // namespace

Result<std::optional<Batch>> Reader::Next() {
  State& s = *state_;
  Result<std::optional<Batch>> batch = s.ahead.valid() ? s.ahead.get() : ReadNextBatch(s);
  s.fraction = FractionRead(s);
  if (batch.ok() && batch->has_value() && s.options.use_threads) {
    s.ahead = std::async(std::launch::async, [&s] { return ReadNextBatch(s); });
  }
  return batch;
}

// ---------------------------------------------------------------------------------------------
// Writer

struct Writer::State {
  std::string path;
  std::string partial_path;
  Format format = Format::kCsv;
  bool committed = false;
  // CSV/TSV
  std::ofstream text;
  bool header_written = false;
  std::string buffer;  // a batch's text; kept, so its pages are not faulted in for every batch
  // Parquet
  std::shared_ptr<arrow::io::FileOutputStream> sink;
  std::unique_ptr<parquet::arrow::FileWriter> parquet;
};

Writer::Writer(std::unique_ptr<State> state) : state_(std::move(state)) {}
Writer::Writer(Writer&&) noexcept = default;
Writer& Writer::operator=(Writer&&) noexcept = default;

Writer::~Writer() {
  if (state_ == nullptr || state_->committed) return;
  if (state_->parquet) (void)state_->parquet->Close();
  if (state_->sink) (void)state_->sink->Close();
  if (state_->text.is_open()) state_->text.close();
  std::error_code ec;
  fs::remove(state_->partial_path, ec);
}

Result<Writer> Writer::Open(const std::string& path, Format format) {
  auto state = std::make_unique<State>();
  state->path = path;
  state->partial_path = path + ".partial";
  state->format = format;
  std::error_code ec;
  if (fs::path(path).has_parent_path()) fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return IoError("cannot create the folder of '" + path + "': " + ec.message());
  if (format == Format::kParquet) {
    auto sink = arrow::io::FileOutputStream::Open(state->partial_path);
    if (!sink.ok())
      return IoError("cannot write '" + state->partial_path +
                     "': " + ArrowMessage(sink.status().message()));
    state->sink = *sink;
  } else {
    state->text.open(state->partial_path, std::ios::binary | std::ios::trunc);
    if (!state->text) return IoError("cannot write '" + state->partial_path + "'");
  }
  return Writer(std::move(state));
}

namespace {

Status WriteText(Writer::State& s, const Batch& input, const std::vector<OutputColumn>& columns) {
  const char delimiter = s.format == Format::kTsv ? '\t' : ',';
  std::string& text = s.buffer;  // the whole batch, written at once
  text.clear();
  if (!s.header_written) {
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c) text += delimiter;
      AppendField(text, columns[c].name, delimiter);
    }
    text += '\n';
    s.header_written = true;
  }
  std::vector<TextCells> copied(columns.size());
  for (size_t c = 0; c < columns.size(); ++c) {
    if (!columns[c].source_column.empty()) {
      VERDICT_ASSIGN_OR_RETURN(copied[c], input.Texts(columns[c].source_column));
    }
  }
  for (int64_t row = 0; row < input.num_rows(); ++row) {
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c) text += delimiter;
      const OutputColumn& column = columns[c];
      if (!column.source_column.empty()) {
        if (const std::optional<std::string_view>& cell = copied[c][row]) {
          AppendField(text, *cell, delimiter);
        }
      } else {
        AppendPythonFloat(text, column.values[row]);
      }
    }
    text += '\n';
  }
  s.text.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!s.text) return IoError("cannot write '" + s.partial_path + "'");
  return Status::Ok();
}

// The first column whose type differs between the predictions file's schema and a later shard's.
std::string TypeDifference(const arrow::Schema& written, const arrow::Schema& shard) {
  for (int i = 0; i < written.num_fields() && i < shard.num_fields(); ++i) {
    const arrow::Field& before = *written.field(i);
    const arrow::Field& now = *shard.field(i);
    if (before.Equals(now)) continue;
    return "column " + Quote(now.name()) + " is " + Quote(now.type()->ToString()) +
           (now.nullable() ? "" : " not null") + " here but " + Quote(before.type()->ToString()) +
           (before.nullable() ? "" : " not null") + " in earlier shards";
  }
  return "columns differ from earlier shards";
}

Status WriteParquet(Writer::State& s, const Batch& input,
                    const std::vector<OutputColumn>& columns) {
  std::vector<std::shared_ptr<arrow::Field>> fields;
  std::vector<std::shared_ptr<arrow::Array>> arrays;
  for (const OutputColumn& column : columns) {
    if (!column.source_column.empty()) {
      VERDICT_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Array> array,
                               ColumnArray(input, column.source_column));
      fields.push_back(arrow::field(column.name, array->type()));
      arrays.push_back(array);
      continue;
    }
    arrow::DoubleBuilder builder;
    VERDICT_RETURN_IF_ERROR(FromArrow(builder.AppendValues(column.values), s.path));
    std::shared_ptr<arrow::Array> array;
    VERDICT_RETURN_IF_ERROR(FromArrow(builder.Finish(&array), s.path));
    fields.push_back(arrow::field(column.name, arrow::float64(), false));
    arrays.push_back(array);
  }
  auto schema = arrow::schema(fields);
  if (s.parquet == nullptr) {
    auto writer = parquet::arrow::FileWriter::Open(*schema, arrow::default_memory_pool(), s.sink);
    if (!writer.ok())
      return IoError("cannot write '" + s.partial_path +
                     "': " + ArrowMessage(writer.status().message()));
    s.parquet = std::move(*writer);
  } else if (!schema->Equals(*s.parquet->schema(), /*check_metadata=*/false)) {
    return InvalidData("file '" + input.file() +
                       "': " + TypeDifference(*s.parquet->schema(), *schema));
  }
  auto batch = arrow::RecordBatch::Make(schema, input.num_rows(), arrays);
  return FromArrow(s.parquet->WriteRecordBatch(*batch), "cannot write '" + s.partial_path + "'");
}

}  // namespace

Status Writer::Write(const Batch& input, const std::vector<OutputColumn>& columns) {
  for (const OutputColumn& column : columns) {
    VERDICT_CHECK(!column.source_column.empty() ||
                  static_cast<int64_t>(column.values.size()) == input.num_rows());
  }
  return state_->format == Format::kParquet ? WriteParquet(*state_, input, columns)
                                            : WriteText(*state_, input, columns);
}

Status Writer::Commit() {
  State& s = *state_;
  if (s.format == Format::kParquet) {
    if (s.parquet == nullptr) return Internal("no rows were written to '" + s.path + "'");
    VERDICT_RETURN_IF_ERROR(
        FromArrow(s.parquet->Close(), "cannot finish '" + s.partial_path + "'"));
    VERDICT_RETURN_IF_ERROR(FromArrow(s.sink->Close(), "cannot finish '" + s.partial_path + "'"));
  } else {
    s.text.flush();
    if (!s.text) return IoError("cannot write '" + s.partial_path + "'");
    s.text.close();
  }
  std::error_code ec;
  fs::rename(s.partial_path, s.path, ec);
  if (ec)
    return IoError("cannot move '" + s.partial_path + "' to '" + s.path + "': " + ec.message());
  s.committed = true;
  return Status::Ok();
}

}  // namespace verdict::table
