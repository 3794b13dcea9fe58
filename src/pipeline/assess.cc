#include "pipeline/assess.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <span>

#include "comparison/comparison.h"
#include "metrics/metrics.h"

namespace verdict::pipeline::internal {

namespace {

using Clock = std::chrono::steady_clock;

Result<metrics::Evaluation> Evaluate(const ScoredRows& rows, const AssessConfig& config) {
  metrics::Options options;
  options.thresholds = config.thresholds;
  Result<metrics::Evaluation> evaluation =
      rows.binary ? metrics::EvaluateBinary(rows.labels, rows.scores, options)
                  : metrics::EvaluateMulticlass(rows.labels, rows.scores, rows.num_classes,
                                                rows.class_names, options);
  if (evaluation.ok() || config.error_context.empty()) return evaluation;
  return evaluation.status().WithContext(config.error_context);
}

comparison::Options MakeComparisonOptions(const AssessConfig& config) {
  comparison::Options options;
  options.comparison_metrics =
      comparison::ComparisonMetricsEnabled(config.comparison.comparison_metrics);
  options.statistical_tests = config.comparison.statistical_tests;
  options.plots = config.plots && config.comparison.plots;
  options.thresholds = config.thresholds;
  options.margin = config.comparison.margin;
  if (config.comparison.bootstrap_resamples > 0) {
    options.bootstrap_resamples = config.comparison.bootstrap_resamples;
  }
  return options;
}

// The rows of the comparison: those with a previous score (the others are counted).
struct ComparedRows {
  std::vector<int32_t> labels;
  std::vector<double> new_probabilities;  // [N, K]
  std::vector<double> previous;           // [N] (binary) or [N, K]
  std::vector<std::string> ids;
  int64_t without_previous = 0;
};

ComparedRows SelectComparedRows(const ScoredRows& rows) {
  const int k = rows.num_classes;
  const size_t p = rows.binary ? 1 : static_cast<size_t>(k);
  const std::span<const double> previous_scores(rows.previous);
  ComparedRows compared;
  for (size_t i = 0; i < rows.labels.size(); ++i) {
    std::span<const double> scores = previous_scores.subspan(i * p, p);
    if (std::any_of(scores.begin(), scores.end(), [](double x) { return std::isnan(x); })) {
      ++compared.without_previous;
      continue;
    }
    compared.labels.push_back(rows.labels[i]);
    compared.previous.insert(compared.previous.end(), scores.begin(), scores.end());
    if (rows.binary) {
      compared.new_probabilities.insert(compared.new_probabilities.end(),
                                        {1 - rows.scores[i], rows.scores[i]});
    } else {
      compared.new_probabilities.insert(compared.new_probabilities.end(),
                                        rows.scores.begin() + i * k,
                                        rows.scores.begin() + (i + 1) * k);
    }
    if (!rows.ids.empty()) compared.ids.push_back(rows.ids[i]);
  }
  return compared;
}

// Compares the rows that have a previous score, writes the comparison files into the metrics
// directory, appends the numeric keys to `evaluation` and returns the string keys and the
// report.html section.
Result<report::ReportExtras> CompareWithPrevious(const ScoredRows& rows, const AssessConfig& config,
                                                 metrics::Evaluation& evaluation) {
  ComparedRows compared = SelectComparedRows(rows);
  if (compared.without_previous > 0) {
    LogWarning(std::to_string(compared.without_previous) +
               " row(s) have no previous score and are left out of the comparison");
  }
  if (compared.labels.empty()) {
    LogWarning("no row has a previous score: comparison skipped");
    return report::ReportExtras{};
  }
  comparison::Input input{.labels = compared.labels,
                          .new_probabilities = compared.new_probabilities,
                          .previous_scores = compared.previous,
                          .num_classes = rows.num_classes,
                          .class_names = rows.class_names,
                          .ids = std::move(compared.ids),
                          .rows_without_previous = compared.without_previous};
  // The job already evaluated the new model; on the same rows comparison reuses it.
  if (compared.without_previous == 0) input.new_evaluation = &evaluation;
  const comparison::Options options = MakeComparisonOptions(config);
  VERDICT_ASSIGN_OR_RETURN(comparison::Comparison result, comparison::Compare(input, options));
  for (const std::string& note : result.notes) LogWarning(note);
  VERDICT_RETURN_IF_ERROR(comparison::WriteOutputs(config.metrics_dir, input, result, options));
  report::ReportExtras extras;
  VERDICT_ASSIGN_OR_RETURN(extras.html_section, comparison::HtmlSection(input, result, options));
  evaluation.metrics.insert(evaluation.metrics.end(), result.metrics.begin(), result.metrics.end());
  for (const comparison::TextValue& text : result.text_values) {
    extras.text_metrics.emplace_back(text.name, text.value);
  }
  LogInfo("compared " + std::to_string(result.rows) + " rows with the previous model" +
          (result.decision.empty() ? std::string() : ": " + result.decision));
  return extras;
}

std::string SkippedMetricsSummary(const std::string& note) {
  return "PYTORCH MODEL EVALUATION METRICS\n" + std::string(50, '=') +
         "\n\nMetrics skipped: " + note + "\n";
}

}  // namespace

namespace {

constexpr char kOutputsRecord[] = ".verdict-outputs";

// Files of the metrics directory that are never a run's outputs.
bool IsBookkeeping(const std::string& name) {
  return name == "_SUCCESS" || name == "_HEALTH" || name == "_FAILURE" || name == kOutputsRecord ||
         name == ".verdict.lock";
}

}  // namespace

Result<RunOutputs> RunOutputs::Start(const std::string& metrics_dir) {
  namespace fs = std::filesystem;
  const fs::path record = fs::path(metrics_dir) / kOutputsRecord;
  Result<std::string> previous = ReadFile(record.string());
  if (previous.ok()) {
    for (const std::string& name : Split(*previous, '\n')) {
      const fs::path file = fs::path(metrics_dir) / name;
      std::error_code ec;
      // Names only, no paths: a record edited by hand cannot reach outside the directory.
      if (name.empty() || name.find('/') != std::string::npos || IsBookkeeping(name) ||
          !fs::is_regular_file(fs::symlink_status(file, ec))) {
        continue;
      }
      fs::remove(file, ec);
      if (ec) return IoError("cannot remove '" + file.string() + "': " + ec.message());
    }
  }
  VERDICT_RETURN_IF_ERROR(WriteFileAtomic(record.string(), ""));
  std::error_code ec;
  const fs::file_time_type started = fs::last_write_time(record, ec);
  if (ec) return IoError("cannot read the time of '" + record.string() + "': " + ec.message());
  return RunOutputs(metrics_dir, started);
}

std::vector<std::filesystem::path> RunOutputs::Written() const {
  namespace fs = std::filesystem;
  std::vector<fs::path> written;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    std::error_code entry_ec;
    if (IsBookkeeping(name) || !entry.is_regular_file(entry_ec)) continue;
    if (entry.last_write_time(entry_ec) >= started_ && !entry_ec) written.push_back(entry.path());
  }
  std::sort(written.begin(), written.end());
  return written;
}

Status RunOutputs::Keep() const {
  std::string names;
  for (const std::filesystem::path& file : Written()) names += file.filename().string() + "\n";
  return WriteFileAtomic((std::filesystem::path(dir_) / kOutputsRecord).string(), names);
}

void RunOutputs::Discard() const {
  for (const std::filesystem::path& file : Written()) {
    std::error_code ec;
    std::filesystem::remove(file, ec);
  }
}

Result<std::vector<DirectoryLock>> LockDirectories(const std::vector<std::string>& dirs) {
  std::vector<DirectoryLock> locks;
  std::vector<std::filesystem::path> locked;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return IoError("cannot create directory '" + dir + "': " + ec.message());
    const std::filesystem::path canonical = std::filesystem::weakly_canonical(dir, ec);
    if (std::find(locked.begin(), locked.end(), canonical) != locked.end()) continue;
    VERDICT_ASSIGN_OR_RETURN(DirectoryLock lock, DirectoryLock::Acquire(dir));
    locks.push_back(std::move(lock));
    locked.push_back(canonical);
  }
  return locks;
}

Status CheckPreviousColumnCount(const std::vector<std::string>& columns, bool binary,
                                int num_classes) {
  const size_t expected = binary ? 1 : static_cast<size_t>(num_classes);
  if (columns.size() == expected) return Status::Ok();
  std::string names;
  for (const std::string& column : columns) names += (names.empty() ? "" : ",") + column;
  return InvalidArgument("the previous score field names " + std::to_string(columns.size()) +
                         " column(s) (" + names + "); a " +
                         (binary ? std::string("binary model needs 1, P(class 1)")
                                 : std::to_string(num_classes) + "-class model needs " +
                                       std::to_string(num_classes) + ", one per class"));
}

Status Assess(const ScoredRows& rows, const AssessConfig& config, report::RunInfo run) {
  if (rows.labels.empty()) {
    LogWarning("no label column: predictions only, metrics skipped");
    return WriteFileAtomic(config.metrics_dir + "/metrics_summary.txt",
                           SkippedMetricsSummary(config.without_labels_note));
  }
  const Clock::time_point start = Clock::now();
  VERDICT_ASSIGN_OR_RETURN(metrics::Evaluation evaluation, Evaluate(rows, config));
  for (const std::string& note : evaluation.notes) LogWarning(note);
  report::ReportExtras extras;
  if (!rows.previous.empty()) {
    VERDICT_ASSIGN_OR_RETURN(extras, CompareWithPrevious(rows, config, evaluation));
  }
  run.stage_seconds.emplace_back("metrics",
                                 std::chrono::duration<double>(Clock::now() - start).count());
  report::Predictions predictions{rows.binary, rows.num_classes, rows.labels, rows.scores};
  report::DataSummary summary;
  summary.class_names = rows.class_names;
  summary.missing_per_field = rows.missing_per_field;
  summary.text_lengths = rows.text_lengths;
  report::ReportOptions options;
  options.plots = config.plots;
  return report::WriteReports(config.metrics_dir, predictions, evaluation, summary, run, options,
                              extras);
}

}  // namespace verdict::pipeline::internal
