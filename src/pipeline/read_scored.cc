#include <algorithm>
#include <cmath>

#include "features/features.h"
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

Status ReadLabels(const table::Batch& batch, const std::string& column,
                  const std::vector<std::string>& class_names, ScoredRows& rows) {
  VERDICT_ASSIGN_OR_RETURN(auto labels, batch.Strings(column));
  for (size_t i = 0; i < labels.size(); ++i) {
    int32_t index = labels[i] ? features::ClassIndex(class_names, *labels[i]) : -1;
    if (index < 0) {
      return InvalidData(batch.Where(column, static_cast<int64_t>(i)) + ": label " +
                         (labels[i] ? Quote(*labels[i]) : std::string("(missing)")) +
                         " is not one of the classes");
    }
    rows.labels.push_back(index);
  }
  return Status::Ok();
}

Status ReadScores(const table::Batch& batch, const std::vector<std::string>& columns,
                  ScoredRows& rows) {
  const size_t k = columns.size();
  const size_t base = rows.scores.size();
  rows.scores.resize(base + static_cast<size_t>(batch.num_rows()) * k);
  for (size_t c = 0; c < k; ++c) {
    VERDICT_ASSIGN_OR_RETURN(std::vector<double> values, batch.Numbers(columns[c]));
    for (size_t i = 0; i < values.size(); ++i) {
      if (!std::isfinite(values[i])) {
        return InvalidData(batch.Where(columns[c], static_cast<int64_t>(i)) +
                           ": score is missing or not finite");
      }
      rows.scores[base + i * k + c] = values[i];
    }
  }
  return Status::Ok();
}

Status ReadPrevious(const table::Batch& batch, const ScoredFileColumns& columns,
                    ScoredRows& rows) {
  const size_t p = columns.previous.size();
  const size_t base = rows.previous.size();
  rows.previous.resize(base + static_cast<size_t>(batch.num_rows()) * p);
  for (size_t c = 0; c < p; ++c) {
    VERDICT_ASSIGN_OR_RETURN(std::vector<double> values, batch.Numbers(columns.previous[c]));
    for (size_t i = 0; i < values.size(); ++i) rows.previous[base + i * p + c] = values[i];
  }
  if (columns.id.empty()) return Status::Ok();
  VERDICT_ASSIGN_OR_RETURN(auto ids, batch.Strings(columns.id));
  for (const std::optional<std::string>& id : ids) rows.ids.push_back(id.value_or(""));
  return Status::Ok();
}

}  // namespace

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
