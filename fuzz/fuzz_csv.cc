// Fuzz target: the CSV/TSV reader (src/table) on arbitrary bytes as a data file, held in memory
// (table::InMemorySource: the reader's own code, without a file system round trip). The last bytes
// choose the format and the block size (a few bytes up to the 4 MiB default, so rows that
// outgrow a block and the re-read with a doubled block are reached). Every column of every batch
// is read as text, numbers and class indices. Invariants: nothing crashes; errors have a message;
// batches follow each other row by row; every column gives one value per row; text is UTF-8;
// the header's names from the reader's own byte scan are the ones Arrow's reader parses.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "table/table.h"

namespace verdict::fuzz {
namespace {

// Reads every column of `batch` every way the engine does; the first error is returned.
Status ReadColumns(const table::Batch& batch, const std::vector<std::string>& columns) {
  static const std::vector<std::string> kClassLabels = {"0", "1", "a"};
  const auto rows = static_cast<size_t>(batch.num_rows());
  for (const std::string& column : columns) {
    VERDICT_ASSIGN_OR_RETURN(auto texts, batch.Strings(column));
    Check(texts.size() == rows, "Strings() size differs from the batch's rows");
    for (const auto& text : texts) {
      Check(!text || SanitizeUtf8(*text) == *text, "Strings() returned invalid UTF-8");
    }
    VERDICT_ASSIGN_OR_RETURN(auto classes, batch.ClassIndices(column, kClassLabels));
    Check(classes.size() == rows, "ClassIndices() size differs from the batch's rows");
    for (int32_t index : classes) Check(index >= -1 && index < 3, "a class index out of range");
    if (rows > 0) Check(!batch.Where(column, rows - 1).empty(), "an empty location");
    VERDICT_ASSIGN_OR_RETURN(auto numbers, batch.Numbers(column));
    Check(numbers.size() == rows, "Numbers() size differs from the batch's rows");
  }
  return Status();
}

Status ReadAll(const table::DataSource& source, const table::ReadOptions& options) {
  VERDICT_ASSIGN_OR_RETURN(table::Reader reader, table::Reader::Open(source, options));
  int64_t next_row = 0;
  while (true) {
    VERDICT_ASSIGN_OR_RETURN(std::optional<table::Batch> batch, reader.Next());
    if (!batch) return Status();
    Check(batch->first_row() == next_row, "a batch that does not follow the previous one");
    next_row += batch->num_rows();
    VERDICT_RETURN_IF_ERROR(ReadColumns(*batch, reader.column_names()));
  }
}

}  // namespace
}  // namespace verdict::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace verdict;
  static constexpr int64_t kBlockBytes[] = {16, 64, 1024, 4 << 20};
  FuzzedDataProvider input(data, size);
  const bool tsv = input.ConsumeBool();
  table::ReadOptions options;
  options.csv_block_bytes = input.PickValueInArray(kBlockBytes);
  options.csv_max_block_bytes = std::max<int64_t>(options.csv_block_bytes, 1 << 16);
  options.use_threads = false;
  const table::DataSource source = table::InMemorySource(
      tsv ? "data.tsv" : "data.csv", tsv ? table::Format::kTsv : table::Format::kCsv,
      input.ConsumeRemainingBytesAsString());
  const Status status = fuzz::ReadAll(source, options);
  if (!status.ok()) fuzz::CheckError(status);
  // Internal: the reader's header scan (csv_scan.h) named the columns otherwise than Arrow did.
  fuzz::Check(status.code() != StatusCode::kInternal, status.message().c_str());
  return 0;
}
