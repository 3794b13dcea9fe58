#include "pipeline/pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>

#include "bundle/bundle.h"
#include "comparison/comparison.h"
#include "features/features.h"
#include "infer/infer.h"
#include "metrics/metrics.h"
#include "pipeline/progress.h"
#include "report/report.h"
#include "table/table.h"

namespace verdict::pipeline {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Everything decided before the first row is read.
struct Plan {
  bundle::Manifest manifest;
  table::DataSource source;
  table::Format output_format = table::Format::kCsv;
  std::string predictions_path;
  std::string id_column;             // empty: no id column in the data
  std::string label_column;          // empty: no label column (scoring only)
  std::vector<std::string> columns;  // columns to read
  // Comparison mode: the previous model's score columns (binary: P(class 1); multiclass: one per
  // class). Empty: standard mode.
  std::vector<std::string> previous_columns;
  bundle::Device device;
  int batch_size = 64;
};

Result<bundle::Device> ChooseDevice(const EvalConfig& config) {
  std::string accelerator = AsciiLower(TrimAscii(config.accelerator));
  std::string device = AsciiLower(TrimAscii(config.device));
  if (accelerator.empty() || accelerator == "auto") return infer::ResolveDevice(device);
  if (accelerator == "cpu") {
    VERDICT_ASSIGN_OR_RETURN(bundle::Device resolved,
                             infer::ResolveDevice(device == "auto" ? "cpu" : device));
    if (resolved.cuda) {
      return InvalidArgument("DEVICE " + Quote(config.device) + " conflicts with ACCELERATOR=cpu");
    }
    return resolved;
  }
  if (accelerator == "gpu" || accelerator == "cuda") {
    return infer::ResolveDevice(device == "auto" ? "cuda" : device);
  }
  return InvalidArgument("ACCELERATOR " + Quote(config.accelerator) +
                         " is not one of auto, cpu, gpu");
}

// The column named by a flag/env value (must exist) or by the bundle (may be absent).
Result<std::string> ChooseColumn(const table::Reader& probe, const std::string& requested,
                                 const std::string& from_bundle, const char* what) {
  if (!requested.empty()) {
    if (!probe.HasColumn(requested)) {
      return NotFound("the data has no " + std::string(what) + " column '" + requested + "'");
    }
    return requested;
  }
  if (!from_bundle.empty() && probe.HasColumn(from_bundle)) return from_bundle;
  if (!from_bundle.empty()) {
    LogWarning("the data has no " + std::string(what) + " column '" + from_bundle + "'");
  }
  return std::string();
}

// Binary: one previous score column, P(class 1); multiclass: K columns, one per class.
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

// Comparison mode is on only when asked for, its columns exist and the data has labels (seed
// §10.1); otherwise a warning and standard mode.
Result<std::vector<std::string>> ChoosePreviousColumns(const EvalConfig& config,
                                                       const table::Reader& probe,
                                                       const Plan& plan) {
  const std::vector<std::string> standard_mode;
  if (!config.comparison_mode) return standard_mode;
  const std::vector<std::string>& columns = config.comparison.previous_score_columns;
  if (columns.empty()) {
    LogWarning("COMPARISON_MODE is true but PREVIOUS_SCORE_FIELD is empty: standard mode");
    return standard_mode;
  }
  for (const std::string& column : columns) {
    if (!probe.HasColumn(column)) {
      LogWarning("the data has no previous score column '" + column + "': standard mode");
      return standard_mode;
    }
  }
  if (plan.label_column.empty()) {
    LogWarning("comparison mode needs a label column: standard mode");
    return standard_mode;
  }
  VERDICT_RETURN_IF_ERROR(CheckPreviousColumnCount(
      columns, plan.manifest.task == bundle::Task::kBinary, plan.manifest.num_classes));
  return columns;
}

Result<Plan> MakePlan(const EvalConfig& config, const features::Encoder& encoder,
                      bundle::Manifest manifest) {
  Plan plan;
  plan.manifest = std::move(manifest);
  VERDICT_ASSIGN_OR_RETURN(plan.source, table::ResolveDataSource(config.data));
  VERDICT_ASSIGN_OR_RETURN(table::Reader probe, table::Reader::Open(plan.source));
  for (const std::string& column : encoder.RequiredColumns()) {
    if (!probe.HasColumn(column)) {
      return NotFound("file '" + plan.source.files.front() + "' has no column '" + column +
                      "', which the model needs");
    }
  }
  VERDICT_ASSIGN_OR_RETURN(plan.id_column,
                           ChooseColumn(probe, config.id_field, plan.manifest.id_field, "id"));
  VERDICT_ASSIGN_OR_RETURN(plan.label_column, ChooseColumn(probe, config.label_field,
                                                           plan.manifest.label_field, "label"));
  VERDICT_ASSIGN_OR_RETURN(plan.previous_columns, ChoosePreviousColumns(config, probe, plan));
  plan.columns = encoder.RequiredColumns();
  std::vector<std::string> extras = {plan.id_column, plan.label_column};
  extras.insert(extras.end(), plan.previous_columns.begin(), plan.previous_columns.end());
  for (const std::string& extra : extras) {
    if (!extra.empty() &&
        std::find(plan.columns.begin(), plan.columns.end(), extra) == plan.columns.end()) {
      plan.columns.push_back(extra);
    }
  }
  plan.output_format = plan.source.format;
  if (!config.output_format.empty()) {
    VERDICT_ASSIGN_OR_RETURN(plan.output_format, table::ParseFormat(config.output_format));
  }
  plan.predictions_path = (fs::path(config.output_dir) /
                           ((plan.previous_columns.empty() ? "eval_predictions."
                                                           : "eval_predictions_with_comparison.") +
                            std::string(table::FormatName(plan.output_format))))
                              .string();
  VERDICT_ASSIGN_OR_RETURN(plan.device, ChooseDevice(config));
  plan.batch_size = config.batch_size > 0 ? config.batch_size : plan.manifest.batch_size;
  return plan;
}

// What the metrics and the report need of every row (kept only when the data has labels):
// binary tasks keep P(class 1) alone, multiclass tasks the [rows, K] probabilities.
struct Collected {
  bool keep_scores = true;  // false without labels: there is nothing to evaluate
  int64_t rows = 0;
  std::vector<int32_t> labels;
  std::vector<double> scores;
  std::vector<double> previous;  // comparison mode: [rows, previous columns]; NaN when missing
  std::vector<std::string> ids;  // comparison mode with an id column
  // Data summary for the report: missing cells per model field, tokens per row per text field.
  std::vector<std::pair<std::string, int64_t>> missing_per_field;
  std::vector<std::pair<std::string, std::vector<int64_t>>> text_lengths;

  void Summarize(const bundle::Manifest& manifest, const features::FeatureBatch& batch) {
    if (missing_per_field.empty()) {
      for (const bundle::InputSpec& input : manifest.inputs) {
        if (input.kind == bundle::InputKind::kAttentionMask) continue;
        missing_per_field.emplace_back(input.field, 0);
        if (input.kind == bundle::InputKind::kTextIds)
          text_lengths.emplace_back(input.field, std::vector<int64_t>());
      }
    }
    size_t field = 0, text = 0;
    for (size_t i = 0; i < manifest.inputs.size(); ++i) {
      if (manifest.inputs[i].kind == bundle::InputKind::kAttentionMask) continue;
      missing_per_field[field++].second += batch.columns[i].missing;
      if (manifest.inputs[i].kind != bundle::InputKind::kTextIds) continue;
      std::vector<int64_t>& lengths = text_lengths[text++].second;
      for (const features::ChunkIds& row : batch.columns[i].chunks) {
        int64_t tokens = 0;
        for (const std::vector<int32_t>& chunk : row) tokens += static_cast<int64_t>(chunk.size());
        lengths.push_back(tokens);
      }
    }
  }

  void Append(const std::vector<float>& probabilities, int num_classes, bool binary) {
    const size_t n = probabilities.size() / num_classes;
    rows += static_cast<int64_t>(n);
    if (!keep_scores) return;
    for (size_t r = 0; r < n; ++r) {
      if (binary) {
        scores.push_back(probabilities[r * num_classes + 1]);
      } else {
        scores.insert(scores.end(), probabilities.begin() + r * num_classes,
                      probabilities.begin() + (r + 1) * num_classes);
      }
    }
  }
};

Status CollectPrevious(const Plan& plan, const table::Batch& batch, Collected& collected) {
  const size_t p = plan.previous_columns.size();
  const size_t base = collected.previous.size();
  collected.previous.resize(base + static_cast<size_t>(batch.num_rows()) * p);
  for (size_t c = 0; c < p; ++c) {
    VERDICT_ASSIGN_OR_RETURN(std::vector<double> values, batch.Numbers(plan.previous_columns[c]));
    for (size_t i = 0; i < values.size(); ++i) collected.previous[base + i * p + c] = values[i];
  }
  if (plan.id_column.empty()) return Status::Ok();
  VERDICT_ASSIGN_OR_RETURN(auto ids, batch.Strings(plan.id_column));
  for (const std::optional<std::string>& id : ids) collected.ids.push_back(id.value_or(""));
  return Status::Ok();
}

// Comparison mode (seed §10.2): the previous score(s) as numbers (NaN where missing) and, binary,
// new P(class 1) minus the previous score.
Status AppendPreviousColumns(const Plan& plan, const table::Batch& batch,
                             const std::vector<float>& probs, int64_t rows,
                             std::vector<table::OutputColumn>& columns) {
  const bool binary = plan.previous_columns.size() == 1;
  for (size_t c = 0; c < plan.previous_columns.size(); ++c) {
    VERDICT_ASSIGN_OR_RETURN(std::vector<double> previous, batch.Numbers(plan.previous_columns[c]));
    columns.push_back(
        {binary ? "previous_model_score" : "previous_model_prob_class_" + std::to_string(c), "",
         std::move(previous), false});
  }
  if (!binary) return Status::Ok();
  table::OutputColumn difference{"score_difference", "", std::vector<double>(rows), false};
  const std::vector<double>& previous = columns.back().values;
  for (int64_t r = 0; r < rows; ++r) difference.values[r] = probs[r * 2 + 1] - previous[r];
  columns.push_back(std::move(difference));
  return Status::Ok();
}

Result<std::vector<table::OutputColumn>> PredictionColumns(const Plan& plan,
                                                           const table::Batch& batch,
                                                           const std::vector<float>& probs) {
  const int64_t rows = batch.num_rows();
  std::vector<table::OutputColumn> columns;
  if (!plan.id_column.empty()) columns.push_back({plan.id_column, plan.id_column, {}, false});
  if (!plan.label_column.empty())
    columns.push_back({plan.label_column, plan.label_column, {}, false});
  const bool comparing = !plan.previous_columns.empty();
  const std::string prefix = comparing ? "new_model_prob_class_" : "prob_class_";
  const int k = plan.manifest.num_classes;
  for (int c = 0; c < k; ++c) {
    table::OutputColumn column{prefix + std::to_string(c), "", std::vector<double>(rows), true};
    for (int64_t r = 0; r < rows; ++r) column.values[r] = probs[r * k + c];
    columns.push_back(std::move(column));
  }
  if (comparing) VERDICT_RETURN_IF_ERROR(AppendPreviousColumns(plan, batch, probs, rows, columns));
  return columns;
}

// Table batches read but not yet written, and the probabilities of their leading rows. Model
// batches span table batches (infer::Stream), so a table batch is written once every one of its
// rows has its probabilities.
class PendingWrites {
 public:
  PendingWrites(const Plan& plan, table::Writer& writer) : plan_(plan), writer_(writer) {}

  void Add(table::Batch batch) { batches_.push_back(std::move(batch)); }

  // Takes the probabilities of the next rows in order and writes every table batch now complete.
  Status Ready(const std::vector<float>& probabilities) {
    ready_.insert(ready_.end(), probabilities.begin(), probabilities.end());
    const size_t k = static_cast<size_t>(plan_.manifest.num_classes);
    size_t used = 0;
    while (!batches_.empty()) {
      const auto rows = static_cast<size_t>(batches_.front().num_rows());
      if (ready_.size() - used < rows * k) break;
      std::vector<float> probs(ready_.begin() + used, ready_.begin() + used + rows * k);
      VERDICT_ASSIGN_OR_RETURN(std::vector<table::OutputColumn> columns,
                               PredictionColumns(plan_, batches_.front(), probs));
      VERDICT_RETURN_IF_ERROR(writer_.Write(batches_.front(), columns));
      used += rows * k;
      batches_.erase(batches_.begin());
    }
    ready_.erase(ready_.begin(), ready_.begin() + used);
    return Status::Ok();
  }

 private:
  const Plan& plan_;
  table::Writer& writer_;
  std::vector<table::Batch> batches_;
  std::vector<float> ready_;
};

Result<Collected> PredictAll(const Plan& plan, const features::Encoder& encoder,
                             const infer::Runner& runner, table::Writer& writer) {
  table::ReadOptions read_options;
  read_options.columns = plan.columns;
  VERDICT_ASSIGN_OR_RETURN(table::Reader reader, table::Reader::Open(plan.source, read_options));
  Collected collected;
  collected.keep_scores = !plan.label_column.empty();
  const bool binary = plan.manifest.task == bundle::Task::kBinary;
  Progress progress(StderrIsTerminal());
  infer::Stream stream(runner);
  PendingWrites pending(plan, writer);
  auto take = [&](const std::vector<float>& probs) -> Status {
    collected.Append(probs, plan.manifest.num_classes, binary);
    progress.Update(collected.rows, reader.Fraction());
    return pending.Ready(probs);
  };
  while (true) {
    VERDICT_ASSIGN_OR_RETURN(std::optional<table::Batch> batch, reader.Next());
    if (!batch) break;
    VERDICT_ASSIGN_OR_RETURN(features::FeatureBatch rows, encoder.Encode(*batch));
    collected.Summarize(plan.manifest, rows);
    if (!plan.label_column.empty()) {
      VERDICT_ASSIGN_OR_RETURN(std::vector<int32_t> labels,
                               encoder.EncodeLabels(*batch, plan.label_column));
      collected.labels.insert(collected.labels.end(), labels.begin(), labels.end());
    }
    if (!plan.previous_columns.empty())
      VERDICT_RETURN_IF_ERROR(CollectPrevious(plan, *batch, collected));
    pending.Add(std::move(*batch));
    VERDICT_ASSIGN_OR_RETURN(std::vector<float> probs, stream.Add(std::move(rows)));
    VERDICT_RETURN_IF_ERROR(take(probs));
  }
  VERDICT_ASSIGN_OR_RETURN(std::vector<float> rest, stream.Finish());
  VERDICT_RETURN_IF_ERROR(take(rest));
  progress.Finish(collected.rows);
  if (collected.rows == 0) {
    return InvalidData("the data at '" + plan.source.files.front() + "' has no rows");
  }
  return collected;
}

Result<metrics::Evaluation> ComputeMetrics(const Plan& plan, const Collected& collected,
                                           const EvalConfig& config) {
  metrics::Options options;
  options.thresholds = config.thresholds;
  if (plan.manifest.task == bundle::Task::kBinary) {
    return metrics::EvaluateBinary(collected.labels, collected.scores, options);
  }
  return metrics::EvaluateMulticlass(collected.labels, collected.scores, plan.manifest.num_classes,
                                     plan.manifest.class_labels, options);
}

std::string SkippedMetricsSummary(const Plan& plan) {
  return "PYTORCH MODEL EVALUATION METRICS\n" + std::string(50, '=') +
         "\n\nMetrics skipped: the data has no label column" +
         (plan.manifest.label_field.empty() ? std::string()
                                            : " '" + plan.manifest.label_field + "'") +
         "; predictions were written to " + plan.predictions_path + "\n";
}

// What comparison mode needs of the evaluated rows.
struct ComparisonRows {
  std::span<const int32_t> labels;
  std::span<const double> scores;    // binary: P(class 1) per row; multiclass: [N, K]
  std::span<const double> previous;  // [N] (binary) or [N, K]; NaN: no previous score
  int num_classes = 2;
  std::vector<std::string> class_names;
  std::span<const std::string> ids;  // empty: row numbers
};

comparison::Options MakeComparisonOptions(const ComparisonConfig& config, bool plots) {
  comparison::Options options;
  options.comparison_metrics = comparison::ComparisonMetricsEnabled(config.comparison_metrics);
  options.statistical_tests = config.statistical_tests;
  options.plots = plots && config.plots;
  options.margin = config.margin;
  if (config.bootstrap_resamples > 0) options.bootstrap_resamples = config.bootstrap_resamples;
  return options;
}

// Compares the rows that have a previous score (the others are counted), writes the comparison
// files into `metrics_dir`, appends the numeric keys to `evaluation` and returns the string keys
// and the report.html section.
Result<report::ReportExtras> CompareWithPrevious(const ComparisonRows& rows,
                                                 const ComparisonConfig& config, bool plots,
                                                 const std::string& metrics_dir,
                                                 metrics::Evaluation& evaluation) {
  const int k = rows.num_classes;
  const bool binary = k == 2 && rows.scores.size() == rows.labels.size();
  const size_t p = binary ? 1 : static_cast<size_t>(k);
  std::vector<int32_t> labels;
  std::vector<double> new_probabilities, previous;
  std::vector<std::string> ids;
  int64_t without_previous = 0;
  for (size_t i = 0; i < rows.labels.size(); ++i) {
    std::span<const double> scores = rows.previous.subspan(i * p, p);
    if (std::any_of(scores.begin(), scores.end(), [](double x) { return std::isnan(x); })) {
      ++without_previous;
      continue;
    }
    labels.push_back(rows.labels[i]);
    previous.insert(previous.end(), scores.begin(), scores.end());
    if (binary) {
      new_probabilities.insert(new_probabilities.end(), {1 - rows.scores[i], rows.scores[i]});
    } else {
      new_probabilities.insert(new_probabilities.end(), rows.scores.begin() + i * k,
                               rows.scores.begin() + (i + 1) * k);
    }
    if (!rows.ids.empty()) ids.push_back(rows.ids[i]);
  }
  if (without_previous > 0) {
    LogWarning(std::to_string(without_previous) +
               " row(s) have no previous score and are left out of the comparison");
  }
  if (labels.empty()) {
    LogWarning("no row has a previous score: comparison skipped");
    return report::ReportExtras{};
  }
  comparison::Input input{.labels = labels,
                          .new_probabilities = new_probabilities,
                          .previous_scores = previous,
                          .num_classes = k,
                          .class_names = rows.class_names,
                          .ids = std::move(ids),
                          .rows_without_previous = without_previous};
  const comparison::Options options = MakeComparisonOptions(config, plots);
  VERDICT_ASSIGN_OR_RETURN(comparison::Comparison result, comparison::Compare(input, options));
  for (const std::string& note : result.notes) LogWarning(note);
  VERDICT_RETURN_IF_ERROR(comparison::WriteOutputs(metrics_dir, input, result, options));
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

report::RunInfo MakeRunInfo(const EvalConfig& config, const Plan& plan,
                            const std::string& started_at) {
  report::RunInfo run;
  run.bundle_dir = config.model_dir;
  run.model_file = plan.manifest.model_file;
  run.created_by = plan.manifest.created_by;
  run.device = plan.device.ToString();
  run.data_files = plan.source.files;
  run.started_at = started_at;
  run.verdict_version = VERDICT_VERSION;
  return run;
}

Status WriteReportFiles(const EvalConfig& config, const Plan& plan, const Collected& collected,
                        const metrics::Evaluation& evaluation, const report::RunInfo& run,
                        const report::ReportExtras& extras) {
  report::Predictions predictions{plan.manifest.task == bundle::Task::kBinary,
                                  plan.manifest.num_classes, collected.labels, collected.scores};
  report::DataSummary summary;
  summary.class_names = plan.manifest.class_labels;
  summary.missing_per_field = collected.missing_per_field;
  summary.text_lengths = collected.text_lengths;
  report::ReportOptions options;
  options.plots = config.plots;
  return report::WriteReports(config.metrics_dir, predictions, evaluation, summary, run, options,
                              extras);
}

Status Evaluate(const EvalConfig& config) {
  Clock::time_point start = Clock::now();
  const std::string started_at = IsoTimestampMicros();
  if (!config.job_type.empty()) LogInfo("job type: " + config.job_type);
  VERDICT_ASSIGN_OR_RETURN(bundle::Manifest manifest, bundle::LoadManifest(config.model_dir));
  VERDICT_ASSIGN_OR_RETURN(features::Encoder encoder,
                           features::Encoder::Create(manifest, {.threads = config.num_workers}));
  VERDICT_ASSIGN_OR_RETURN(Plan plan, MakePlan(config, encoder, std::move(manifest)));
  infer::Options infer_options{plan.batch_size, config.threads};
  VERDICT_ASSIGN_OR_RETURN(infer::Runner runner,
                           infer::Runner::Create(plan.manifest, plan.device, infer_options));
  LogInfo("model " + plan.manifest.model_file + " on " + plan.device.ToString() + ", batch size " +
          std::to_string(plan.batch_size) + "; data: " + std::to_string(plan.source.files.size()) +
          " " + std::string(table::FormatName(plan.source.format)) + " file(s) at " + config.data);
  VERDICT_ASSIGN_OR_RETURN(table::Writer writer,
                           table::Writer::Open(plan.predictions_path, plan.output_format));
  VERDICT_ASSIGN_OR_RETURN(Collected collected, PredictAll(plan, encoder, runner, writer));
  const double predict_seconds = SecondsSince(start);
  if (plan.label_column.empty()) {
    LogWarning("no label column: predictions only, metrics skipped");
    VERDICT_RETURN_IF_ERROR(
        WriteFileAtomic(config.metrics_dir + "/metrics_summary.txt", SkippedMetricsSummary(plan)));
  } else {
    Clock::time_point metrics_start = Clock::now();
    VERDICT_ASSIGN_OR_RETURN(metrics::Evaluation evaluation,
                             ComputeMetrics(plan, collected, config));
    for (const std::string& note : evaluation.notes) LogWarning(note);
    report::ReportExtras extras;
    if (!plan.previous_columns.empty()) {
      ComparisonRows rows{collected.labels,          collected.scores,           collected.previous,
                          plan.manifest.num_classes, plan.manifest.class_labels, collected.ids};
      VERDICT_ASSIGN_OR_RETURN(extras, CompareWithPrevious(rows, config.comparison, config.plots,
                                                           config.metrics_dir, evaluation));
    }
    report::RunInfo run = MakeRunInfo(config, plan, started_at);
    run.stage_seconds = {{"read, preprocess, predict", predict_seconds},
                         {"metrics", SecondsSince(metrics_start)}};
    VERDICT_RETURN_IF_ERROR(WriteReportFiles(config, plan, collected, evaluation, run, extras));
  }
  VERDICT_RETURN_IF_ERROR(writer.Commit());
  LogInfo("wrote " + std::to_string(collected.rows) + " predictions to " + plan.predictions_path +
          " (" + FormatFixed(predict_seconds, 2) + " s read+predict, " +
          FormatFixed(SecondsSince(start), 2) + " s total)");
  return Status::Ok();
}

// NumPy .npy (format 1.0): magic, header dict padded to a multiple of 64 bytes, raw data.
std::string NpyHeader(const std::string& descr, const std::vector<int64_t>& shape) {
  std::string dims;
  for (int64_t d : shape) dims += std::to_string(d) + ",";
  if (shape.size() > 1) dims.pop_back();
  std::string dict =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  size_t total = 10 + dict.size() + 1;
  dict += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string header = "\x93NUMPY";
  header += static_cast<char>(1);
  header += static_cast<char>(0);
  header += static_cast<char>(dict.size() & 0xff);
  header += static_cast<char>((dict.size() >> 8) & 0xff);
  return header + dict;
}

}  // namespace

Status RecordFailure(const std::string& metrics_dir, const Status& error) {
  Status marker = report::WriteFailure(metrics_dir, error.message());
  if (!marker.ok()) LogWarning("could not write _FAILURE: " + marker.message());
  return marker;
}

namespace {

// Predictions of an earlier run in the output directory would pass for this run's.
Status RemovePreviousPredictions(const std::string& output_dir) {
  for (table::Format format : {table::Format::kCsv, table::Format::kTsv, table::Format::kParquet}) {
    for (const char* name : {"eval_predictions.", "eval_predictions_with_comparison."}) {
      fs::path stale = fs::path(output_dir) / (name + std::string(table::FormatName(format)));
      std::error_code ec;
      fs::remove(stale, ec);
      if (ec) return IoError("cannot remove '" + stale.string() + "': " + ec.message());
    }
  }
  return Status::Ok();
}

// Clears old markers, runs `job`, then writes _SUCCESS/_HEALTH or _FAILURE into `metrics_dir`.
template <typename Job>
Status RunWithMarkers(const std::string& metrics_dir, Job job) {
  VERDICT_RETURN_IF_ERROR(report::ClearMarkers(metrics_dir));
  Status status = job();
  if (!status.ok()) {
    (void)RecordFailure(metrics_dir, status);
    return status;
  }
  return report::WriteSuccess(metrics_dir);
}

}  // namespace

Status RunEval(const EvalConfig& config) {
  return RunWithMarkers(config.metrics_dir, [&]() -> Status {
    VERDICT_RETURN_IF_ERROR(RemovePreviousPredictions(config.output_dir));
    return Evaluate(config);
  });
}

Status WriteFeatures(const std::string& model_dir, const std::string& data,
                     const std::string& out_dir, int64_t max_rows, int num_workers) {
  VERDICT_ASSIGN_OR_RETURN(bundle::Manifest manifest,
                           bundle::LoadManifest(model_dir, /*require_model_file=*/false));
  VERDICT_ASSIGN_OR_RETURN(features::Encoder encoder,
                           features::Encoder::Create(manifest, {.threads = num_workers}));
  VERDICT_ASSIGN_OR_RETURN(table::DataSource source, table::ResolveDataSource(data));
  table::ReadOptions options;
  options.columns = encoder.RequiredColumns();
  VERDICT_ASSIGN_OR_RETURN(table::Reader reader, table::Reader::Open(source, options));
  features::FeatureBatch all;
  while (max_rows <= 0 || all.rows < max_rows) {
    VERDICT_ASSIGN_OR_RETURN(std::optional<table::Batch> batch, reader.Next());
    if (!batch) break;
    VERDICT_ASSIGN_OR_RETURN(features::FeatureBatch rows, encoder.Encode(*batch));
    all.Append(std::move(rows));
  }
  if (all.columns.empty()) all.columns.resize(manifest.inputs.size());
  const int64_t rows = max_rows > 0 ? std::min(all.rows, max_rows) : all.rows;
  // All rows as one batch, collated as eval collates a batch (text: C and T of these rows).
  std::vector<bundle::HostTensor> tensors = infer::CollateInputs(manifest, all, 0, rows);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const bundle::HostTensor& t = tensors[i];
    const bool tabular = manifest.inputs[i].kind == bundle::InputKind::kTabular;
    std::string body = NpyHeader(tabular ? "<f4" : "<i8", t.shape);
    if (tabular) {
      body.append(reinterpret_cast<const char*>(t.f32.data()), t.f32.size() * sizeof(float));
    } else {
      body.append(reinterpret_cast<const char*>(t.i64.data()), t.i64.size() * sizeof(int64_t));
    }
    VERDICT_RETURN_IF_ERROR(
        WriteFileAtomic(out_dir + "/" + manifest.inputs[i].name + ".npy", body));
  }
  return Status::Ok();
}

Result<std::string> Inspect(const std::string& model_dir) {
  VERDICT_ASSIGN_OR_RETURN(bundle::Manifest manifest, bundle::LoadManifest(model_dir));
  VERDICT_ASSIGN_OR_RETURN(bundle::Model model, bundle::Model::Load(manifest, bundle::Device{}));
  return bundle::Describe(manifest) + "model file loads and its inputs match the manifest: OK\n";
}

}  // namespace verdict::pipeline

namespace verdict::pipeline {

namespace {

// prob_class_0, prob_class_1, ... present in the data, in order of the class index.
std::vector<std::string> ProbabilityColumns(const table::Reader& reader) {
  std::vector<std::string> columns;
  for (int c = 0; reader.HasColumn("prob_class_" + std::to_string(c)); ++c) {
    columns.push_back("prob_class_" + std::to_string(c));
  }
  return columns;
}

struct ScoredRows {
  std::vector<int32_t> labels;
  std::vector<double> scores;    // [rows, score columns]
  std::vector<double> previous;  // comparison mode: [rows, previous columns]; NaN when missing
  std::vector<std::string> ids;  // comparison mode with an id column
};

Status ReadPrevious(const MetricsConfig& config, const table::Batch& batch, ScoredRows& rows) {
  const std::vector<std::string>& columns = config.comparison.previous_score_columns;
  const size_t p = columns.size();
  const size_t base = rows.previous.size();
  rows.previous.resize(base + static_cast<size_t>(batch.num_rows()) * p);
  for (size_t c = 0; c < p; ++c) {
    VERDICT_ASSIGN_OR_RETURN(std::vector<double> values, batch.Numbers(columns[c]));
    for (size_t i = 0; i < values.size(); ++i) rows.previous[base + i * p + c] = values[i];
  }
  if (config.id_column.empty()) return Status::Ok();
  VERDICT_ASSIGN_OR_RETURN(auto ids, batch.Strings(config.id_column));
  for (const std::optional<std::string>& id : ids) rows.ids.push_back(id.value_or(""));
  return Status::Ok();
}

Result<ScoredRows> ReadScoredRows(const table::DataSource& source, const MetricsConfig& config,
                                  const std::vector<std::string>& score_columns,
                                  const std::vector<std::string>& class_labels) {
  table::ReadOptions options;
  options.columns = score_columns;
  options.columns.push_back(config.label_column);
  if (!config.id_column.empty()) options.columns.push_back(config.id_column);
  const std::vector<std::string>& previous_columns = config.comparison.previous_score_columns;
  for (const std::string& column : previous_columns) {
    if (std::find(options.columns.begin(), options.columns.end(), column) ==
        options.columns.end()) {
      options.columns.push_back(column);
    }
  }
  VERDICT_ASSIGN_OR_RETURN(table::Reader reader, table::Reader::Open(source, options));
  ScoredRows rows;
  const size_t k = score_columns.size();
  while (true) {
    VERDICT_ASSIGN_OR_RETURN(std::optional<table::Batch> batch, reader.Next());
    if (!batch) break;
    VERDICT_ASSIGN_OR_RETURN(auto labels, batch->Strings(config.label_column));
    for (size_t i = 0; i < labels.size(); ++i) {
      int32_t index = labels[i] ? features::ClassIndex(class_labels, *labels[i]) : -1;
      if (index < 0) {
        return InvalidData(batch->Where(config.label_column, static_cast<int64_t>(i)) + ": label " +
                           (labels[i] ? Quote(*labels[i]) : std::string("(missing)")) +
                           " is not one of the classes");
      }
      rows.labels.push_back(index);
    }
    size_t base = rows.scores.size();
    rows.scores.resize(base + labels.size() * k);
    for (size_t c = 0; c < k; ++c) {
      VERDICT_ASSIGN_OR_RETURN(std::vector<double> values, batch->Numbers(score_columns[c]));
      for (size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) {
          return InvalidData(batch->Where(score_columns[c], static_cast<int64_t>(i)) +
                             ": score is missing or not finite");
        }
        rows.scores[base + i * k + c] = values[i];
      }
    }
    if (!previous_columns.empty()) VERDICT_RETURN_IF_ERROR(ReadPrevious(config, *batch, rows));
  }
  if (rows.labels.empty())
    return InvalidData("predictions '" + config.predictions + "' have no rows");
  return rows;
}

Status ComputeMetricsFromFile(const MetricsConfig& config) {
  VERDICT_ASSIGN_OR_RETURN(table::DataSource source, table::ResolveDataSource(config.predictions));
  VERDICT_ASSIGN_OR_RETURN(table::Reader probe, table::Reader::Open(source));
  std::vector<std::string> score_columns =
      config.score_columns.empty() ? ProbabilityColumns(probe) : config.score_columns;
  if (score_columns.empty()) {
    return NotFound("predictions '" + config.predictions +
                    "' have no prob_class_0.. columns; name the score columns with --score-cols");
  }
  std::vector<std::string> named = {config.label_column, config.id_column};
  const std::vector<std::string>& previous_columns = config.comparison.previous_score_columns;
  named.insert(named.end(), previous_columns.begin(), previous_columns.end());
  for (const std::string& column : named) {
    if (!column.empty() && !probe.HasColumn(column)) {
      return NotFound("predictions '" + config.predictions + "' have no column '" + column + "'");
    }
  }
  const bool binary = score_columns.size() <= 2;
  const int classes = binary ? 2 : static_cast<int>(score_columns.size());
  std::vector<std::string> class_labels = config.class_labels;
  if (class_labels.empty()) {
    for (int c = 0; c < classes; ++c) class_labels.push_back(std::to_string(c));
  }
  if (static_cast<int>(class_labels.size()) != classes) {
    return InvalidArgument(std::to_string(class_labels.size()) + " class labels given for " +
                           std::to_string(classes) + " classes");
  }
  if (!previous_columns.empty()) {
    VERDICT_RETURN_IF_ERROR(CheckPreviousColumnCount(previous_columns, binary, classes));
  }
  // Binary: P(class 1) is the last score column, and the only one kept.
  if (binary) score_columns = {score_columns.back()};
  VERDICT_ASSIGN_OR_RETURN(ScoredRows rows,
                           ReadScoredRows(source, config, score_columns, class_labels));
  metrics::Options options;
  options.thresholds = config.thresholds;
  Result<metrics::Evaluation> evaluation =
      binary
          ? metrics::EvaluateBinary(rows.labels, rows.scores, options)
          : metrics::EvaluateMulticlass(rows.labels, rows.scores, classes, class_labels, options);
  if (!evaluation.ok()) {
    return evaluation.status().WithContext("predictions '" + config.predictions + "'");
  }
  for (const std::string& note : evaluation->notes) LogWarning(note);
  report::ReportExtras extras;
  if (!previous_columns.empty()) {
    ComparisonRows comparison_rows{rows.labels, rows.scores,  rows.previous,
                                   classes,     class_labels, rows.ids};
    VERDICT_ASSIGN_OR_RETURN(extras,
                             CompareWithPrevious(comparison_rows, config.comparison, config.plots,
                                                 config.output_dir, *evaluation));
  }
  report::Predictions predictions{binary, classes, rows.labels, rows.scores};
  report::DataSummary summary;
  summary.class_names = class_labels;
  report::RunInfo run;
  run.data_files = source.files;
  run.started_at = IsoTimestampMicros();
  run.verdict_version = VERDICT_VERSION;
  report::ReportOptions report_options;
  report_options.plots = config.plots;
  VERDICT_RETURN_IF_ERROR(report::WriteReports(config.output_dir, predictions, *evaluation, summary,
                                               run, report_options, extras));
  LogInfo("metrics of " + std::to_string(rows.labels.size()) + " rows written to " +
          config.output_dir);
  return Status::Ok();
}

}  // namespace

Status RunMetrics(const MetricsConfig& config) {
  return RunWithMarkers(config.output_dir, [&] { return ComputeMetricsFromFile(config); });
}

std::string MetricsRegistryTable() {
  std::string table;
  for (const metrics::RegistryEntry& entry : metrics::Registry()) {
    table += entry.key + "\t" + entry.task + "\t" + entry.definition + "\n";
  }
  return table;
}

}  // namespace verdict::pipeline
