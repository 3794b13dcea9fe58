// verdict: the command line. Each subcommand parses its options (flag > environment variable >
// default; see docs/configuration.md) and calls one pipeline function.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "core/core.h"
#include "pipeline/pipeline.h"

namespace verdict {
namespace {

constexpr int kExitFailure = 1;

// Seed container layout (SageMaker processing job).
constexpr const char* kDefaultModelDir = "/opt/ml/processing/input/model";
constexpr const char* kDefaultDataDir = "/opt/ml/processing/input/eval_data";
constexpr const char* kDefaultOutputDir = "/opt/ml/processing/output/eval";
constexpr const char* kDefaultMetricsDir = "/opt/ml/processing/output/metrics";

Result<std::vector<double>> ParseThresholds(const std::string& text) {
  std::vector<double> thresholds;
  for (const std::string& piece : Split(text, ',')) {
    std::optional<double> value = ParseDouble(piece);
    if (!value || !(*value >= 0 && *value <= 1)) {
      return InvalidArgument("threshold " + Quote(piece) + " is not a number in [0, 1]");
    }
    thresholds.push_back(*value);
  }
  return thresholds;
}

struct EvalFlags {
  pipeline::EvalConfig config;
  std::string thresholds = "0.3,0.5,0.7";
};

void AddEvalCommand(CLI::App& app, EvalFlags& flags) {
  CLI::App* eval = app.add_subcommand(
      "eval", "Evaluate a model bundle on labelled data (the seed's evaluation step)");
  pipeline::EvalConfig& c = flags.config;
  c.model_dir = kDefaultModelDir;
  c.data = kDefaultDataDir;
  c.output_dir = kDefaultOutputDir;
  c.metrics_dir = kDefaultMetricsDir;
  eval->add_option("--model-dir", c.model_dir, "Model bundle directory")
      ->envname("VERDICT_MODEL_DIR")
      ->capture_default_str();
  eval->add_option("--data", c.data,
                   "Evaluation data: a CSV/TSV/Parquet file or a folder of shards")
      ->envname("VERDICT_DATA")
      ->capture_default_str();
  eval->add_option("--output-dir", c.output_dir, "Where eval_predictions.<ext> goes")
      ->envname("VERDICT_OUTPUT_DIR")
      ->capture_default_str();
  eval->add_option("--metrics-dir", c.metrics_dir, "Where metrics, reports and markers go")
      ->envname("VERDICT_METRICS_DIR")
      ->capture_default_str();
  eval->add_option("--id-field", c.id_field, "Id column (default: the bundle's id_field)")
      ->envname("ID_FIELD");
  eval->add_option("--label-field", c.label_field,
                   "Label column (default: the bundle's label_field)")
      ->envname("LABEL_FIELD");
  eval->add_option("--device", c.device,
                   "auto, cpu, cuda, gpu, a GPU count or a JSON list of GPU ids")
      ->envname("DEVICE")
      ->capture_default_str();
  eval->add_option("--accelerator", c.accelerator, "auto, cpu or gpu")
      ->envname("ACCELERATOR")
      ->capture_default_str();
  eval->add_option("--batch-size", c.batch_size,
                   "Rows per model call (default: the bundle's batch_size)")
      ->envname("BATCH_SIZE")
      ->check(CLI::NonNegativeNumber);
  eval->add_option("--threads", c.threads, "CPU threads for inference (0: one per core)")
      ->envname("VERDICT_THREADS")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  eval->add_option("--output-format", c.output_format,
                   "csv, tsv or parquet (default: the input's format)")
      ->envname("OUTPUT_FORMAT");
  eval->add_option("--thresholds", flags.thresholds,
                   "Comma-separated thresholds for f1/precision/recall_at_T")
      ->envname("VERDICT_THRESHOLDS")
      ->capture_default_str();
  eval->add_option("--job_type,--job-type", c.job_type,
                   "Accepted for the seed's interface; logged");
  eval->add_flag("!--no-plots", c.plots,
                 "Skip the JPG plots (report.html is still written, without charts)");
}

int Fail(const Status& status) {
  std::fprintf(stderr, "verdict: error: %s\n", status.message().c_str());
  return kExitFailure;
}

int Main(int argc, char** argv) {
  CLI::App app{"verdict: evaluation engine for PyTorch classifiers"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "debug, info, warning, error or quiet")
      ->envname("VERDICT_LOG_LEVEL")
      ->capture_default_str();

  EvalFlags eval_flags;
  AddEvalCommand(app, eval_flags);

  pipeline::MetricsConfig metrics_config;
  std::string metrics_scores, metrics_classes, metrics_thresholds = "0.3,0.5,0.7";
  bool metrics_list = false;
  CLI::App* metrics = app.add_subcommand(
      "metrics",
      "Compute metrics.json and the summary from an existing predictions file (any model)");
  metrics->add_flag("--list", metrics_list, "Print every metric key with its definition and exit");
  metrics->add_option("--predictions", metrics_config.predictions,
                      "Predictions: CSV/TSV/Parquet file or folder");
  metrics->add_option("--label-col", metrics_config.label_column, "Label column");
  metrics->add_option("--id-col", metrics_config.id_column, "Id column (checked to exist)");
  metrics->add_option(
      "--score-cols", metrics_scores,
      "Comma-separated score columns (default: prob_class_0, prob_class_1, ...); one column "
      "is a binary P(class 1)");
  metrics->add_option("--class-labels", metrics_classes,
                      "Comma-separated label value of each class (default 0..K-1)");
  metrics
      ->add_option("--output-dir", metrics_config.output_dir,
                   "Where metrics.json and the summary go")
      ->capture_default_str();
  metrics->add_flag("!--no-plots", metrics_config.plots, "Skip the JPG plots");
  metrics->add_option("--thresholds", metrics_thresholds, "Thresholds for f1/precision/recall_at_T")
      ->envname("VERDICT_THRESHOLDS")
      ->capture_default_str();

  std::string inspect_dir;
  CLI::App* inspect = app.add_subcommand("inspect", "Validate a model bundle and describe it");
  inspect->add_option("bundle", inspect_dir, "Model bundle directory")->required();

  std::string features_model, features_data, features_out;
  int64_t features_max_rows = 0;
  CLI::App* features = app.add_subcommand(
      "features",
      "Write the model inputs computed for each row as .npy files (used by verdict-export)");
  features->add_option("--model-dir", features_model, "Model bundle directory")->required();
  features->add_option("--data", features_data, "Data file or folder")->required();
  features->add_option("--out", features_out, "Output directory")->required();
  features->add_option("--max-rows", features_max_rows, "Rows to process (0: all)")
      ->capture_default_str();

  CLI11_PARSE(app, argc, argv);

  Result<LogLevel> level = ParseLogLevel(log_level);
  if (!level.ok()) return Fail(level.status());
  SetLogLevel(*level);

  if (app.got_subcommand("eval")) {
    Result<std::vector<double>> thresholds = ParseThresholds(eval_flags.thresholds);
    if (!thresholds.ok()) {
      Status status = thresholds.status();
      (void)pipeline::RecordFailure(eval_flags.config.metrics_dir, status);
      return Fail(status);
    }
    eval_flags.config.thresholds = *thresholds;
    Status status = pipeline::RunEval(eval_flags.config);
    return status.ok() ? 0 : Fail(status);
  }
  if (app.got_subcommand("metrics")) {
    if (metrics_list) {
      std::fputs(pipeline::MetricsRegistryTable().c_str(), stdout);
      return 0;
    }
    if (metrics_config.predictions.empty() || metrics_config.label_column.empty()) {
      return Fail(
          InvalidArgument("verdict metrics needs --predictions and --label-col (or --list)"));
    }
    if (!metrics_scores.empty()) metrics_config.score_columns = Split(metrics_scores, ',');
    if (!metrics_classes.empty()) metrics_config.class_labels = Split(metrics_classes, ',');
    Result<std::vector<double>> thresholds = ParseThresholds(metrics_thresholds);
    if (!thresholds.ok()) return Fail(thresholds.status());
    metrics_config.thresholds = *thresholds;
    Status status = pipeline::RunMetrics(metrics_config);
    return status.ok() ? 0 : Fail(status);
  }
  if (app.got_subcommand("inspect")) {
    Result<std::string> description = pipeline::Inspect(inspect_dir);
    if (!description.ok()) return Fail(description.status());
    std::fputs(description->c_str(), stdout);
    return 0;
  }
  if (app.got_subcommand("features")) {
    Status status =
        pipeline::WriteFeatures(features_model, features_data, features_out, features_max_rows);
    return status.ok() ? 0 : Fail(status);
  }
  return kExitFailure;
}

}  // namespace
}  // namespace verdict

int main(int argc, char** argv) { return verdict::Main(argc, argv); }
