// verdict: the command line. Each subcommand parses its options (flag > environment variable >
// default; see docs/configuration.md) and calls one pipeline function.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
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
  std::string previous_score_field;
};

// The comparison options `eval` and `metrics` share (docs/comparison.md).
void AddComparisonOptions(CLI::App* command, pipeline::ComparisonConfig& c) {
  command
      ->add_option("--comparison-metrics", c.comparison_metrics,
                   "all or basic: the comparison keys; any other value skips them")
      ->envname("COMPARISON_METRICS")
      ->capture_default_str();
  command
      ->add_option("--statistical-tests", c.statistical_tests,
                   "true/false: McNemar, paired t, Wilcoxon, DeLong, bootstrap and the decision")
      ->envname("STATISTICAL_TESTS")
      ->capture_default_str();
  command->add_option("--comparison-plots", c.plots, "true/false: the comparison plots")
      ->envname("COMPARISON_PLOTS")
      ->capture_default_str();
  command
      ->add_option("--margin", c.margin,
                   "Non-inferiority margin of the decision, in metric units (>= 0)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command
      ->add_option("--bootstrap-resamples", c.bootstrap_resamples,
                   "Paired bootstrap resamples (0: the default, 1000)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

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
  eval->add_option("--num-workers", c.num_workers, "Text preprocessing threads (0: one per core)")
      ->envname("NUM_WORKERS")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  eval->add_option("--comparison-mode", c.comparison_mode,
                   "true/false: compare with the previous model's scores")
      ->envname("COMPARISON_MODE")
      ->capture_default_str();
  eval->add_option("--previous-score-field", flags.previous_score_field,
                   "Previous model's score column (binary: P(class 1); multiclass: K "
                   "comma-separated columns)")
      ->envname("PREVIOUS_SCORE_FIELD");
  AddComparisonOptions(eval, c.comparison);
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
  std::string metrics_previous;
  metrics->add_option("--previous-score-col", metrics_previous,
                      "Comparison mode: the previous model's score column (binary) or K "
                      "comma-separated columns (multiclass)");
  AddComparisonOptions(metrics, metrics_config.comparison);

  std::string inspect_dir;
  CLI::App* inspect = app.add_subcommand("inspect", "Validate a model bundle and describe it");
  inspect->add_option("bundle", inspect_dir, "Model bundle directory")->required();

  std::string features_model, features_data, features_out;
  int64_t features_max_rows = 0;
  int features_num_workers = 0;
  CLI::App* features = app.add_subcommand(
      "features",
      "Write the model inputs computed for each row as .npy files (used by verdict-export)");
  features->add_option("--model-dir", features_model, "Model bundle directory")->required();
  features->add_option("--data", features_data, "Data file or folder")->required();
  features->add_option("--out", features_out, "Output directory")->required();
  features->add_option("--max-rows", features_max_rows, "Rows to process (0: all)")
      ->capture_default_str();
  features
      ->add_option("--num-workers", features_num_workers,
                   "Text preprocessing threads (0: one per core)")
      ->envname("NUM_WORKERS")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();

  std::string tokenize_path;
  size_t tokenize_max_length = 0;
  CLI::App* tokenize = app.add_subcommand(
      "tokenize", "Token ids of JSON strings read one per line from stdin ([CLS] ... [SEP])");
  tokenize->add_option("--tokenizer", tokenize_path, "tokenizer.json, a folder, or vocab.txt")
      ->required();
  tokenize->add_option("--max-length", tokenize_max_length,
                       "Truncate to this many tokens (0: no limit)");

  pipeline::PreprocessConfig preprocess_config;
  std::string preprocess_steps;
  CLI::App* preprocess = app.add_subcommand(
      "preprocess",
      "Run text steps on JSON strings read one per line from stdin; one JSON object out per line");
  preprocess->add_option("--model-dir", preprocess_config.model_dir,
                         "Bundle whose text field to use");
  preprocess->add_option("--field", preprocess_config.field, "Text field of the bundle");
  preprocess->add_option("--steps", preprocess_steps,
                         "Comma-separated steps (instead of a bundle)");
  preprocess->add_option("--tokenizer", preprocess_config.tokenizer,
                         "tokenizer.json (with --steps)");
  preprocess->add_option("--max-sen-len", preprocess_config.max_sen_len, "Tokens per chunk")
      ->capture_default_str();
  preprocess->add_flag("--chunk-truncate", preprocess_config.chunk_truncate,
                       "Stop after --max-total-chunks chunks");
  preprocess
      ->add_option("--max-total-chunks", preprocess_config.max_total_chunks,
                   "Chunk limit with --chunk-truncate")
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
    if (!eval_flags.previous_score_field.empty()) {
      eval_flags.config.comparison.previous_score_columns =
          Split(eval_flags.previous_score_field, ',');
    }
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
    if (!metrics_previous.empty()) {
      metrics_config.comparison.previous_score_columns = Split(metrics_previous, ',');
    }
    Status status = pipeline::RunMetrics(metrics_config);
    return status.ok() ? 0 : Fail(status);
  }
  if (app.got_subcommand("tokenize")) {
    Status status = pipeline::RunTokenize(tokenize_path, tokenize_max_length, std::cin, std::cout);
    return status.ok() ? 0 : Fail(status);
  }
  if (app.got_subcommand("preprocess")) {
    if (preprocess_config.model_dir.empty() == preprocess_steps.empty()) {
      return Fail(
          InvalidArgument("verdict preprocess needs either --model-dir with --field, or --steps"));
    }
    if (!preprocess_steps.empty()) preprocess_config.steps = Split(preprocess_steps, ',');
    Status status = pipeline::RunPreprocess(preprocess_config, std::cin, std::cout);
    return status.ok() ? 0 : Fail(status);
  }
  if (app.got_subcommand("inspect")) {
    Result<std::string> description = pipeline::Inspect(inspect_dir);
    if (!description.ok()) return Fail(description.status());
    std::fputs(description->c_str(), stdout);
    return 0;
  }
  if (app.got_subcommand("features")) {
    Status status = pipeline::WriteFeatures(features_model, features_data, features_out,
                                            features_max_rows, features_num_workers);
    return status.ok() ? 0 : Fail(status);
  }
  return kExitFailure;
}

}  // namespace
}  // namespace verdict

int main(int argc, char** argv) { return verdict::Main(argc, argv); }
