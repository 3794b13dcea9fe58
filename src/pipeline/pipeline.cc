// The half of the pipeline stage that never loads LibTorch: `verdict metrics` (read scored rows
// from a predictions file + assess) and the failure marker. eval.cc holds the model-running half.
#include "pipeline/pipeline.h"

#include <chrono>

#include "metrics/metrics.h"
#include "pipeline/assess.h"
#include "pipeline/scored_rows.h"
#include "report/report.h"
#include "table/table.h"

namespace verdict::pipeline {

Status RecordFailure(const std::string& metrics_dir, const Status& error) {
  Status marker = report::WriteFailure(metrics_dir, error.message());
  if (!marker.ok()) LogWarning("could not write _FAILURE: " + marker.message());
  return marker;
}

namespace {

// prob_class_0, prob_class_1, ... present in the data, in order of the class index.
std::vector<std::string> ProbabilityColumns(const table::Reader& reader) {
  std::vector<std::string> columns;
  for (int c = 0; reader.HasColumn("prob_class_" + std::to_string(c)); ++c) {
    columns.push_back("prob_class_" + std::to_string(c));
  }
  return columns;
}

// The columns of a predictions file that hold what: the named ones must exist; the scores
// default to every prob_class_<i>. The probe reader is closed on return (it holds buffers).
Result<internal::ScoredFileColumns> ChooseColumns(const MetricsConfig& config,
                                                  const table::DataSource& source) {
  VERDICT_ASSIGN_OR_RETURN(table::Reader probe, table::Reader::Open(source));
  internal::ScoredFileColumns columns{
      .label = config.label_column,
      .id = config.id_column,
      .scores = config.score_columns.empty() ? ProbabilityColumns(probe) : config.score_columns,
      .previous = config.comparison.previous_score_columns};
  if (columns.scores.empty()) {
    return NotFound("predictions '" + config.predictions +
                    "' have no prob_class_0.. columns; name the score columns with --score-cols");
  }
  std::vector<std::string> named = {columns.label, columns.id};
  named.insert(named.end(), columns.previous.begin(), columns.previous.end());
  for (const std::string& column : named) {
    if (!column.empty() && !probe.HasColumn(column)) {
      return NotFound("predictions '" + config.predictions + "' have no column " + Quote(column));
    }
  }
  return columns;
}

// `verdict metrics` = read scored rows from a predictions file + assess.
Status ReadAndAssess(const MetricsConfig& config) {
  const std::string started_at = IsoTimestampMicros();
  const auto start = std::chrono::steady_clock::now();
  VERDICT_ASSIGN_OR_RETURN(table::DataSource source, table::ResolveDataSource(config.predictions));
  VERDICT_ASSIGN_OR_RETURN(internal::ScoredFileColumns columns, ChooseColumns(config, source));
  const bool binary = columns.scores.size() <= 2;
  const int classes = binary ? 2 : static_cast<int>(columns.scores.size());
  std::vector<std::string> class_labels = config.class_labels;
  if (class_labels.empty()) {
    for (int c = 0; c < classes; ++c) class_labels.push_back(std::to_string(c));
  }
  if (static_cast<int>(class_labels.size()) != classes) {
    return InvalidArgument(std::to_string(class_labels.size()) + " class labels given for " +
                           std::to_string(classes) + " classes");
  }
  if (!columns.previous.empty()) {
    VERDICT_RETURN_IF_ERROR(internal::CheckPreviousColumnCount(columns.previous, binary, classes));
  }
  // Binary: P(class 1) is the last score column, and the only one kept.
  if (binary) columns.scores = {columns.scores.back()};
  VERDICT_ASSIGN_OR_RETURN(
      internal::ScoredRows rows,
      internal::ReadScoredRows(source, columns, classes, binary, class_labels));
  report::RunInfo run;
  run.data_files = source.files;
  run.started_at = started_at;
  run.verdict_version = VERDICT_VERSION;
  run.stage_seconds = {
      {"read", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()}};
  internal::AssessConfig assess{.metrics_dir = config.output_dir,
                                .thresholds = config.thresholds,
                                .plots = config.plots,
                                .comparison = config.comparison,
                                .error_context = "predictions '" + config.predictions + "'"};
  VERDICT_RETURN_IF_ERROR(internal::Assess(rows, assess, std::move(run)));
  LogInfo("metrics of " + std::to_string(rows.rows) + " rows written to " + config.output_dir);
  return Status::Ok();
}

}  // namespace

Status RunMetrics(const MetricsConfig& config) {
  VERDICT_ASSIGN_OR_RETURN(std::vector<DirectoryLock> locks,
                           internal::LockDirectories({config.output_dir}));
  return internal::RunWithMarkers(config.output_dir, [&] { return ReadAndAssess(config); });
}

std::string MetricsRegistryTable() {
  std::string table;
  for (const metrics::RegistryEntry& entry : metrics::Registry()) {
    table += entry.key + "\t" + entry.task + "\t" + entry.definition + "\n";
  }
  return table;
}

}  // namespace verdict::pipeline
