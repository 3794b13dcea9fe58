// Reads a predictions file into scored rows in one pass, with no text per row: labels become
// class indices on the typed cells (table::Batch::ClassIndicesInto), scores and previous scores
// go straight into the row-major buffers (NumbersInto), reserved up front when the file says how
// many rows it holds (Parquet). Ids are read only in comparison mode.
#include <algorithm>
#include <cmath>
#include <span>

#include "pipeline/scored_rows.h"

namespace verdict::pipeline::internal {

namespace {

// Every column the reader needs, each once.
std::vector<std::string> ColumnsToRead(const ScoredFileColumns& columns) {
  std::vector<std::string> names = columns.scores;
  names.push_back(columns.label);
  if (!columns.previous.empty() && !columns.id.empty()) names.push_back(columns.id);
  names.insert(names.end(), columns.previous.begin(), columns.previous.end());
  std::vector<std::string> unique;
  for (const std::string& name : names) {
    if (std::find(unique.begin(), unique.end(), name) == unique.end()) unique.push_back(name);
  }
  return unique;
}

// Grows `values` by `count` items and returns them.
template <typename T>
std::span<T> AppendSpace(std::vector<T>& values, size_t count) {
  const size_t base = values.size();
  values.resize(base + count);
  return std::span<T>(values).subspan(base);
}

Status ReadLabels(const table::Batch& batch, const std::string& column,
                  const std::vector<std::string>& class_names, ScoredRows& rows) {
  std::span<int32_t> labels = AppendSpace(rows.labels, static_cast<size_t>(batch.num_rows()));
  VERDICT_RETURN_IF_ERROR(batch.ClassIndicesInto(column, class_names, labels));
  const auto unknown = std::find(labels.begin(), labels.end(), -1);
  if (unknown == labels.end()) return Status::Ok();
  // The first row without a class, described from its text.
  const int64_t row = unknown - labels.begin();
  VERDICT_ASSIGN_OR_RETURN(auto cells, batch.Strings(column));
  return InvalidData(batch.Where(column, row) + ": label " +
                     (cells[row] ? Quote(*cells[row]) : std::string("(missing)")) +
                     " is not one of the classes");
}

// Columns gathered row-major into `values`: [rows, columns.size()]. check(c, column c's values
// at stride k) runs after each column is read.
template <typename Check>
Status ReadRowMajor(const table::Batch& batch, const std::vector<std::string>& columns,
                    std::vector<double>& values, Check check) {
  const size_t k = columns.size();
  std::span<double> added = AppendSpace(values, static_cast<size_t>(batch.num_rows()) * k);
  for (size_t c = 0; c < k; ++c) {
    VERDICT_RETURN_IF_ERROR(batch.NumbersInto(columns[c], added.subspan(c), k));
    VERDICT_RETURN_IF_ERROR(check(c, added));
  }
  return Status::Ok();
}

Status ReadScores(const table::Batch& batch, const std::vector<std::string>& columns,
                  ScoredRows& rows) {
  const size_t k = columns.size();
  return ReadRowMajor(batch, columns, rows.scores, [&](size_t c, std::span<const double> added) {
    for (size_t i = c; i < added.size(); i += k) {
      if (!std::isfinite(added[i])) {
        return InvalidData(batch.Where(columns[c], static_cast<int64_t>(i / k)) +
                           ": score is missing or not finite");
      }
    }
    return Status::Ok();
  });
}

Status ReadPrevious(const table::Batch& batch, const ScoredFileColumns& columns, ScoredRows& rows) {
  const size_t p = columns.previous.size();
  VERDICT_RETURN_IF_ERROR(ReadRowMajor(
      batch, columns.previous, rows.previous, [&](size_t c, std::span<const double> added) {
        return CheckPreviousScores(batch, columns.previous[c], added.subspan(c), p);
      }));
  if (columns.id.empty()) return Status::Ok();
  VERDICT_ASSIGN_OR_RETURN(auto ids, batch.Strings(columns.id));
  for (const std::optional<std::string>& id : ids) rows.ids.push_back(id.value_or(""));
  return Status::Ok();
}

// Reserves the buffers for every row when the file's footer says how many there are.
void Reserve(const table::Reader& reader, const ScoredFileColumns& columns, ScoredRows& rows) {
  const std::optional<int64_t> count = reader.RowCount();
  if (!count) return;
  const size_t n = static_cast<size_t>(*count);
  rows.labels.reserve(n);
  rows.scores.reserve(n * columns.scores.size());
  rows.previous.reserve(n * columns.previous.size());
  if (!columns.previous.empty() && !columns.id.empty()) rows.ids.reserve(n);
}

}  // namespace

Status CheckPreviousScores(const table::Batch& batch, const std::string& column,
                           std::span<const double> values, size_t stride) {
  for (size_t i = 0; i < values.size(); i += stride) {
    if (std::isnan(values[i]) || (values[i] >= 0 && values[i] <= 1)) continue;
    return InvalidData(batch.Where(column, static_cast<int64_t>(i / stride)) + ": previous score " +
                       FormatShortest(values[i]) + " is not a probability in [0, 1]");
  }
  return Status::Ok();
}

Result<ScoredRows> ReadScoredRows(const table::DataSource& source, const ScoredFileColumns& columns,
                                  int num_classes, bool binary,
                                  const std::vector<std::string>& class_names) {
  table::ReadOptions options;
  options.columns = ColumnsToRead(columns);
  VERDICT_ASSIGN_OR_RETURN(table::Reader reader, table::Reader::Open(source, options));
  ScoredRows rows;
  rows.num_classes = num_classes;
  rows.binary = binary;
  rows.class_names = class_names;
  Reserve(reader, columns, rows);
  while (true) {
    VERDICT_ASSIGN_OR_RETURN(std::optional<table::Batch> batch, reader.Next());
    if (!batch) break;
    VERDICT_RETURN_IF_ERROR(ReadLabels(*batch, columns.label, class_names, rows));
    VERDICT_RETURN_IF_ERROR(ReadScores(*batch, columns.scores, rows));
    if (!columns.previous.empty()) VERDICT_RETURN_IF_ERROR(ReadPrevious(*batch, columns, rows));
    rows.rows += batch->num_rows();
  }
  if (rows.rows == 0) {
    return InvalidData("predictions '" + source.files.front() + "' have no rows");
  }
  return rows;
}

}  // namespace verdict::pipeline::internal
