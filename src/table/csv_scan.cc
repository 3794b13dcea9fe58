// A byte scan of CSV/TSV records that agrees with Arrow's reader as verdict configures it
// (table.cc, CsvParseOptions): quoting and doubled quotes on, newlines allowed in quoted values,
// \n, \r\n and \r end a record, empty lines skipped, a UTF-8 BOM at the file's start ignored
// (and the bytes of one that does not complete kept as data).
#include "table/csv_scan.h"

#include <algorithm>
#include <string_view>

#include "table/internal.h"

namespace verdict::table::internal {
namespace {

class CsvRecordScanner {
 public:
  // Scans from byte `begin`: from 0, the first record is the header. `header`, when given,
  // receives the header's fields as they are decoded.
  CsvRecordScanner(char delimiter, int64_t global_first_row, int64_t align, int64_t begin,
                   std::vector<std::string>* header = nullptr)
      : delimiter_(delimiter),
        global_first_row_(global_first_row),
        align_(align),
        header_rows_(begin == 0 ? 1 : 0),
        record_start_(begin),
        bom_pending_(begin == 0),
        header_(header) {
    result_.data_begin = begin;
  }

  void Feed(const char* data, size_t n, int64_t offset) {
    for (size_t i = 0; i < n; ++i) Take(data[i], offset + static_cast<int64_t>(i));
  }

  // True once the header record has ended (with its line end).
  bool HeaderDone() const { return header_rows_ == 1 && records_ >= 1 && !in_header_; }

  CsvRecords Finish(int64_t size) {
    ReplayBomPrefix();  // a file shorter than a BOM, that begins like one
    result_.size = size;
    if (records_ == 0) result_.data_begin = size;
    if (in_header_) {
      result_.data_begin = size;  // the header alone, without a line end
    }
    result_.rows = std::max<int64_t>(0, records_ - header_rows_);
    return std::move(result_);
  }

 private:
  enum class State { kRecordStart, kAfterCr, kFieldStart, kUnquoted, kQuoted, kQuotedQuote };

  // A byte of the header's current field, when the header is being decoded.
  void Keep(char c) {
    if (header_ != nullptr && in_header_) header_->back() += c;
  }

  void EndRecord(char c, int64_t at) {
    record_start_ = at + 1;
    if (records_ == header_rows_) result_.data_begin = record_start_;
    in_header_ = false;
    state_ = c == '\r' ? State::kAfterCr : State::kRecordStart;
  }

  void BeginRecord() {
    const int64_t data_row = records_ - header_rows_;  // -1: the header
    if (data_row >= 0 && (global_first_row_ + data_row) % align_ == 0) {
      result_.row_starts[data_row] = record_start_;
    }
    if (data_row == -1) {
      in_header_ = true;
      if (header_ != nullptr) header_->emplace_back();
    }
    ++records_;
  }

  // A byte outside quotes, inside a field.
  void Unquoted(char c, int64_t at) {
    if (c == delimiter_) {
      if (header_ != nullptr && in_header_) header_->emplace_back();
      state_ = State::kFieldStart;
    } else if (c == '\n' || c == '\r') {
      EndRecord(c, at);
    } else {
      Keep(c);
      state_ = State::kUnquoted;
    }
  }

  // The file's first bytes wait until they are a whole UTF-8 BOM (skipped, as Arrow does) or
  // not (then they are data like any other).
  void Take(char c, int64_t at) {
    if (!bom_pending_) return Step(c, at);
    bom_ += c;
    if (std::string_view(kBom).starts_with(bom_)) {
      if (bom_.size() < 3) return;
      bom_pending_ = false;
      record_start_ = 3;
      return;
    }
    ReplayBomPrefix();
  }

  void ReplayBomPrefix() {
    if (!bom_pending_) return;
    bom_pending_ = false;
    for (size_t i = 0; i < bom_.size(); ++i) Step(bom_[i], static_cast<int64_t>(i));
  }

  void Step(char c, int64_t at) {
    switch (state_) {
      case State::kAfterCr:
        state_ = State::kRecordStart;
        if (c == '\n') {
          record_start_ = at + 1;
          if (records_ == header_rows_) result_.data_begin = record_start_;
          return;
        }
        [[fallthrough]];
      case State::kRecordStart:
        if (c == '\n' || c == '\r') {  // an empty line: no row
          EndRecord(c, at);
          return;
        }
        BeginRecord();
        [[fallthrough]];
      case State::kFieldStart:
        if (c == '"') {
          state_ = State::kQuoted;
          return;
        }
        Unquoted(c, at);
        return;
      case State::kUnquoted:
        Unquoted(c, at);
        return;
      case State::kQuoted:
        if (c == '"') {
          state_ = State::kQuotedQuote;
        } else {
          Keep(c);
        }
        return;
      case State::kQuotedQuote:
        if (c == '"') {
          Keep(c);
          state_ = State::kQuoted;  // a doubled quote
          return;
        }
        Unquoted(c, at);
        return;
    }
  }

  static constexpr char kBom[] = "\xEF\xBB\xBF";
  const char delimiter_;
  const int64_t global_first_row_;
  const int64_t align_;
  const int64_t header_rows_;
  State state_ = State::kRecordStart;
  int64_t record_start_;
  int64_t records_ = 0;
  bool in_header_ = false;  // inside the header record, before its line end
  bool bom_pending_;        // the file's first bytes are being checked for a BOM
  std::string bom_;         // those bytes
  std::vector<std::string>* header_;
  CsvRecords result_;
};

char Delimiter(const DataSource& source) { return source.format == Format::kTsv ? '\t' : ','; }

// Feeds `file`'s bytes [begin, end) (end -1: to its end) to `scanner` in pieces of at most
// `piece` bytes, until `done` says so; returns the offset reached.
template <typename Done>
Result<int64_t> Feed(const DataSource& source, const std::string& file, int64_t begin, int64_t end,
                     int64_t piece, CsvRecordScanner& scanner, Done done) {
  VERDICT_ASSIGN_OR_RETURN(std::shared_ptr<arrow::io::RandomAccessFile> input,
                           OpenData(source, file));
  arrow::Result<int64_t> size = input->GetSize();
  if (!size.ok()) {
    return IoError("cannot read '" + file + "': " + ArrowMessage(size.status().message()));
  }
  if (end < 0 || end > *size) end = *size;
  std::vector<char> buffer(static_cast<size_t>(std::clamp<int64_t>(end - begin, 1, piece)));
  int64_t offset = begin;
  while (offset < end && !done()) {
    const int64_t want = std::min<int64_t>(static_cast<int64_t>(buffer.size()), end - offset);
    arrow::Result<int64_t> n = input->ReadAt(offset, want, buffer.data());
    if (!n.ok())
      return IoError("cannot read '" + file + "': " + ArrowMessage(n.status().message()));
    if (*n == 0) break;
    scanner.Feed(buffer.data(), static_cast<size_t>(*n), offset);
    offset += *n;
  }
  return offset;
}

}  // namespace

Result<CsvRecords> ScanCsvRecords(const DataSource& source, const std::string& file,
                                  int64_t global_first_row, int64_t align, int64_t begin,
                                  int64_t end) {
  CsvRecordScanner scanner(Delimiter(source), global_first_row, align, begin);
  VERDICT_ASSIGN_OR_RETURN(int64_t reached,
                           Feed(source, file, begin, end, 1 << 20, scanner, [] { return false; }));
  return scanner.Finish(reached);
}

Result<std::optional<std::vector<std::string>>> ScanCsvHeader(const DataSource& source,
                                                              const std::string& file,
                                                              int64_t max_bytes) {
  std::vector<std::string> names;
  CsvRecordScanner scanner(Delimiter(source), 0, 1, 0, &names);
  VERDICT_RETURN_IF_ERROR(Feed(source, file, 0, max_bytes, 64 << 10, scanner, [&scanner] {
                            return scanner.HeaderDone();
                          }).status());
  if (!scanner.HeaderDone()) return std::optional<std::vector<std::string>>();
  return std::optional<std::vector<std::string>>(std::move(names));
}

}  // namespace verdict::table::internal
