#include "pipeline/pipeline.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "bundle/bundle.h"
#include "features/features.h"
#include "infer/infer.h"
#include "metrics/metrics.h"
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
  plan.columns = encoder.RequiredColumns();
  for (const std::string& extra : {plan.id_column, plan.label_column}) {
    if (!extra.empty() &&
        std::find(plan.columns.begin(), plan.columns.end(), extra) == plan.columns.end()) {
      plan.columns.push_back(extra);
    }
  }
  plan.output_format = plan.source.format;
  if (!config.output_format.empty()) {
    VERDICT_ASSIGN_OR_RETURN(plan.output_format, table::ParseFormat(config.output_format));
  }
  plan.predictions_path =
      (fs::path(config.output_dir) /
       ("eval_predictions." + std::string(table::FormatName(plan.output_format))))
          .string();
  VERDICT_ASSIGN_OR_RETURN(plan.device, ChooseDevice(config));
  plan.batch_size = config.batch_size > 0 ? config.batch_size : plan.manifest.batch_size;
  return plan;
}

// Labels and probabilities of every row, kept for the metrics.
struct Collected {
  int64_t rows = 0;
  std::vector<int32_t> labels;
  std::vector<double> probabilities;  // [rows, K]
};

std::vector<table::OutputColumn> PredictionColumns(const Plan& plan,
                                                   const std::vector<float>& probs, int64_t rows) {
  std::vector<table::OutputColumn> columns;
  if (!plan.id_column.empty()) columns.push_back({plan.id_column, plan.id_column, {}, false});
  if (!plan.label_column.empty())
    columns.push_back({plan.label_column, plan.label_column, {}, false});
  const int k = plan.manifest.num_classes;
  for (int c = 0; c < k; ++c) {
    table::OutputColumn column{"prob_class_" + std::to_string(c), "", std::vector<double>(rows),
                               true};
    for (int64_t r = 0; r < rows; ++r) column.values[r] = probs[r * k + c];
    columns.push_back(std::move(column));
  }
  return columns;
}

class Progress {
 public:
  void Update(int64_t rows) {
    if (SecondsSince(last_) < 10) return;
    last_ = Clock::now();
    double elapsed = SecondsSince(start_);
    LogInfo("evaluated " + std::to_string(rows) + " rows (" +
            FormatFixed(static_cast<double>(rows) / elapsed, 0) + " rows/s)");
  }

 private:
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = Clock::now();
};

Result<Collected> PredictAll(const Plan& plan, const features::Encoder& encoder,
                             const infer::Runner& runner, table::Writer& writer) {
  table::ReadOptions read_options;
  read_options.columns = plan.columns;
  VERDICT_ASSIGN_OR_RETURN(table::Reader reader, table::Reader::Open(plan.source, read_options));
  Collected collected;
  Progress progress;
  while (true) {
    VERDICT_ASSIGN_OR_RETURN(std::optional<table::Batch> batch, reader.Next());
    if (!batch) break;
    VERDICT_ASSIGN_OR_RETURN(features::FeatureBatch rows, encoder.Encode(*batch));
    if (!plan.label_column.empty()) {
      VERDICT_ASSIGN_OR_RETURN(std::vector<int32_t> labels,
                               encoder.EncodeLabels(*batch, plan.label_column));
      collected.labels.insert(collected.labels.end(), labels.begin(), labels.end());
    }
    VERDICT_ASSIGN_OR_RETURN(std::vector<float> probs, runner.Predict(rows));
    VERDICT_RETURN_IF_ERROR(writer.Write(*batch, PredictionColumns(plan, probs, rows.rows)));
    collected.probabilities.insert(collected.probabilities.end(), probs.begin(), probs.end());
    collected.rows += rows.rows;
    progress.Update(collected.rows);
  }
  if (collected.rows == 0) {
    return InvalidData("the data at '" + plan.source.files.front() + "' has no rows");
  }
  return collected;
}

Result<metrics::Evaluation> ComputeMetrics(const Plan& plan, const Collected& collected,
                                           const EvalConfig& config) {
  metrics::Options options;
  options.thresholds = config.thresholds;
  const int k = plan.manifest.num_classes;
  if (plan.manifest.task == bundle::Task::kBinary) {
    std::vector<double> scores(collected.rows);
    for (int64_t r = 0; r < collected.rows; ++r) scores[r] = collected.probabilities[r * k + 1];
    return metrics::EvaluateBinary(collected.labels, scores, options);
  }
  return metrics::EvaluateMulticlass(collected.labels, collected.probabilities, k,
                                     plan.manifest.class_labels, options);
}

std::string SkippedMetricsSummary(const Plan& plan) {
  return "PYTORCH MODEL EVALUATION METRICS\n" + std::string(50, '=') +
         "\n\nMetrics skipped: the data has no label column" +
         (plan.manifest.label_field.empty() ? std::string()
                                            : " '" + plan.manifest.label_field + "'") +
         "; predictions were written to " + plan.predictions_path + "\n";
}

Status Evaluate(const EvalConfig& config) {
  Clock::time_point start = Clock::now();
  if (!config.job_type.empty()) LogInfo("job type: " + config.job_type);
  VERDICT_ASSIGN_OR_RETURN(bundle::Manifest manifest, bundle::LoadManifest(config.model_dir));
  VERDICT_ASSIGN_OR_RETURN(features::Encoder encoder, features::Encoder::Create(manifest));
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
    VERDICT_ASSIGN_OR_RETURN(metrics::Evaluation evaluation,
                             ComputeMetrics(plan, collected, config));
    for (const std::string& note : evaluation.notes) LogWarning(note);
    VERDICT_RETURN_IF_ERROR(report::WriteMetrics(config.metrics_dir, evaluation.metrics,
                                                 plan.manifest.task == bundle::Task::kBinary));
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
    fs::path stale = fs::path(output_dir) / ("eval_predictions." + std::string(table::FormatName(format)));
    std::error_code ec;
    fs::remove(stale, ec);
    if (ec) return IoError("cannot remove '" + stale.string() + "': " + ec.message());
  }
  return Status::Ok();
}

}  // namespace

Status RunEval(const EvalConfig& config) {
  VERDICT_RETURN_IF_ERROR(report::ClearMarkers(config.metrics_dir));
  VERDICT_RETURN_IF_ERROR(RemovePreviousPredictions(config.output_dir));
  Status status = Evaluate(config);
  if (!status.ok()) {
    (void)RecordFailure(config.metrics_dir, status);
    return status;
  }
  return report::WriteSuccess(config.metrics_dir);
}

Status WriteFeatures(const std::string& model_dir, const std::string& data, const std::string& out_dir,
                     int64_t max_rows) {
  VERDICT_ASSIGN_OR_RETURN(bundle::Manifest manifest,
                           bundle::LoadManifest(model_dir, /*require_model_file=*/false));
  VERDICT_ASSIGN_OR_RETURN(features::Encoder encoder, features::Encoder::Create(manifest));
  VERDICT_ASSIGN_OR_RETURN(table::DataSource source, table::ResolveDataSource(data));
  table::ReadOptions options;
  options.columns = encoder.RequiredColumns();
  VERDICT_ASSIGN_OR_RETURN(table::Reader reader, table::Reader::Open(source, options));
  std::vector<std::vector<float>> values(manifest.inputs.size());
  while (max_rows <= 0 || static_cast<int64_t>(values.front().size()) < max_rows) {
    VERDICT_ASSIGN_OR_RETURN(std::optional<table::Batch> batch, reader.Next());
    if (!batch) break;
    VERDICT_ASSIGN_OR_RETURN(features::FeatureBatch rows, encoder.Encode(*batch));
    for (size_t i = 0; i < values.size(); ++i) {
      values[i].insert(values[i].end(), rows.columns[i].values.begin(),
                       rows.columns[i].values.end());
    }
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (max_rows > 0 && static_cast<int64_t>(values[i].size()) > max_rows) values[i].resize(max_rows);
    std::string body = NpyHeader("<f4", {static_cast<int64_t>(values[i].size())});
    body.append(reinterpret_cast<const char*>(values[i].data()), values[i].size() * sizeof(float));
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
