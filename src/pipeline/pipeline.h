// pipeline: the evaluation job, wiring every stage; the only place that knows all of them.
//
// Every job is two halves joined by the scored rows (ids, labels as class indices,
// probabilities exactly as the predictions file holds them, previous scores):
//
//   predict:  bundle -> table reader -> features -> infer -> predictions writer => scored rows
//   assess:   scored rows -> metrics -> comparison -> plots + report.html -> markers
//
//   verdict eval    = predict + assess                       (RunEval)
//   verdict metrics = read scored rows from a file + assess  (RunMetrics)
//
// Assess computes on the probabilities as written (docs/outputs.md), so `verdict metrics` on
// eval's own predictions file reproduces eval's metrics.json bit for bit.
//
// Usage:
//   pipeline::EvalConfig config;            // filled by the CLI from flags, env and defaults
//   config.model_dir = "model/"; config.data = "eval.csv"; ...
//   Status status = pipeline::RunEval(config);   // writes _FAILURE itself when it fails
#pragma once

#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "comparison/comparison.h"
#include "core/core.h"
#include "metrics/metrics.h"

namespace verdict::pipeline {

// Comparison mode (docs/comparison.md): the new model against a previous model's scores.
struct ComparisonConfig {
  // Binary: one column, P(class 1) of the previous model; multiclass: K columns, in class order.
  // Empty: standard mode.
  std::vector<std::string> previous_score_columns;
  std::string comparison_metrics = "all";  // all | basic; other values skip the comparison keys
  bool statistical_tests = true;
  bool plots = true;
  double margin = comparison::Options{}.margin;  // non-inferiority margin of the decision
  // Paired bootstrap resamples; 0 also means the comparison stage's default.
  int bootstrap_resamples = comparison::Options{}.bootstrap_resamples;
};

// Distributed runs and partial results (docs/scaling.md).
struct ScaleConfig {
  // How long a rank may take to join, or go without a heartbeat, before the job fails.
  int rank_timeout_seconds = 90;
  // The store's host and port when the launcher sets no MASTER_ADDR/MASTER_PORT (mpirun, srun).
  std::string master_addr;
  int master_port = 0;
  // Write this instance's part (predictions part + scored rows) for `verdict merge`.
  bool partial = false;
  // SageMaker's description of the instances (current_host, hosts): names the part.
  std::string resource_config = "/opt/ml/config/resourceconfig.json";
};

// Defaults follow the seed's container layout (SageMaker Processing).
struct EvalConfig {
  std::string model_dir = "/opt/ml/processing/input/model";
  std::string data = "/opt/ml/processing/input/eval_data";    // a data file or a folder of shards
  std::string output_dir = "/opt/ml/processing/output/eval";  // eval_predictions.<ext>
  std::string metrics_dir = "/opt/ml/processing/output/metrics";
  std::string id_field;     // empty: the bundle's
  std::string label_field;  // empty: the bundle's
  std::string device = "auto";
  std::string accelerator = "auto";  // auto | cpu | gpu
  bool fallback_cpu = false;         // run on the CPU when the GPU cannot be used (a warning)
  int batch_size = 0;                // 0: the bundle's
  int threads = 0;                   // 0: LibTorch's default
  int num_workers = 0;               // text preprocessing threads; 0: one per core
  std::string output_format;         // empty: the input's
  // served | seed | auto (served for padding-invariant bundles, seed otherwise): infer::Batching.
  std::string batching = "auto";
  // chunks | model | auto (chunks for bundles with chunk_execution, model otherwise):
  // infer::Execution.
  std::string execution = "auto";
  // auto | fp32 | bf16 | fp16: bundle::ChoosePrecision; a lower one is checked against fp32 on the
  // first model batch (pipeline/precision.h).
  std::string precision = "auto";
  // f1/precision/recall_at_T and the comparison's F1 and agreement keys.
  std::vector<double> thresholds = metrics::kDefaultThresholds;
  bool plots = true;  // JPG plots and charts in report.html
  std::string job_type;
  // COMPARISON_MODE: on only when the previous score columns exist in the data and it has labels;
  // otherwise a warning and standard mode.
  bool comparison_mode = false;
  ComparisonConfig comparison;
  ScaleConfig scale;
};

// Runs one evaluation. On success the metrics directory holds metrics.json,
// metrics_summary.txt, _SUCCESS and _HEALTH, and the output directory the predictions
// (eval_predictions_with_comparison.<ext> and the comparison outputs in comparison mode); on
// failure it holds _FAILURE and no _SUCCESS, and no predictions file is left behind.
Status RunEval(const EvalConfig& config);

// `verdict eval` as the CLI and the Python API run it: RunEval on `config.model_dir`, or, when that
// directory holds the seed's model.tar.gz instead of a bundle, on the archive unpacked into a
// private temporary folder that is removed afterwards (archive::ModelFolder: members leaving the
// folder are refused, sizes are limited). An archive that cannot be used is recorded as _FAILURE.
Status RunEvalOfModelDir(const EvalConfig& config);

// `verdict metrics`: the metrics of an existing predictions file of any model.
struct MetricsConfig {
  std::string predictions;  // CSV/TSV/Parquet file or folder of shards
  std::string label_column;
  std::string id_column;                   // optional; checked to exist
  std::vector<std::string> score_columns;  // empty: every prob_class_<i> column, in order of i
  std::vector<std::string> class_labels;   // label value of class i; empty: "0".."K-1"
  std::string output_dir = ".";
  std::vector<double> thresholds = metrics::kDefaultThresholds;
  bool plots = true;
  ComparisonConfig comparison;  // previous_score_columns non-empty: comparison mode
};

// Computes metrics.json, metrics_summary.txt, the plots and report.html (and the markers) into
// config.output_dir. One
// score column means a binary score P(class 1); two mean binary with P(class 1) in the second; K >
// 2 mean a multiclass probability matrix.
Status RunMetrics(const MetricsConfig& config);

// `verdict merge`: the parts that `verdict eval --partial` instances wrote, joined into the
// outputs of one process over all their data.
struct MergeConfig {
  std::vector<std::string> part_dirs;  // searched recursively for the parts' files
  std::string metrics_dir;
  std::string output_dir;  // empty: no predictions file is merged
};
Status RunMerge(const MergeConfig& config);

// `verdict metrics --list`: the documented metric keys, one per line with task and definition.
std::string MetricsRegistryTable();

// Writes _FAILURE for an error found before RunEval could start (e.g. a bad flag value).
Status RecordFailure(const std::string& metrics_dir, const Status& error);

// Writes every model input of every row of `data`, computed as `eval` would, as one NumPy .npy
// file per input (named after the input) into `out_dir`, for at most `max_rows` rows (0: all). The
// exporter uses this to build example batches with the engine's own preprocessing; the bundle's
// model file need not exist yet. `num_workers`: text preprocessing threads (0: one per core).
Status WriteFeatures(const std::string& model_dir, const std::string& data,
                     const std::string& out_dir, int64_t max_rows, int num_workers = 0);

// One model input of the rows `ComputeFeatures` read: its name, shape, and values, row-major:
// float32 in `f32` for a tabular input, int64 in `i64` for token ids and masks.
struct FeatureArray {
  std::string name;
  bool tabular = false;
  std::vector<int64_t> shape;
  std::vector<float> f32;
  std::vector<int64_t> i64;
};

// The model inputs WriteFeatures writes, in memory, in the order of the manifest's inputs (the
// Python API; the exporter builds its example batches from them).
Result<std::vector<FeatureArray>> ComputeFeatures(const std::string& model_dir,
                                                  const std::string& data, int64_t max_rows,
                                                  int num_workers = 0);

// Scores held in memory (the Python API's verdict.metrics), as `verdict metrics` reads them from
// a predictions file: class indices 0..K-1 and, binary, P(class 1) per row, or multiclass the
// row-major [rows, K] probabilities. `previous` (optional): the previous model's scores, [rows]
// or [rows, K], NaN = missing. The spans are not copied when `previous` is empty.
struct ScoresInMemory {
  std::span<const int32_t> labels;
  std::span<const double> scores;
  std::span<const double> previous;
  int num_classes = 2;
  bool binary = true;
  std::vector<std::string> class_names;  // label value of class i; empty: "0".."K-1"
};

// metrics.json's body for `scores`: the keys and numbers `verdict metrics` writes for the same
// rows and options (it is the same computation). Without previous scores nothing is written;
// with them the comparison runs as in `verdict metrics`, in a private temporary folder that is
// removed afterwards. `config.output_dir`, `plots`, `predictions` and the columns are not used.
Result<std::string> MetricsJsonOf(const ScoresInMemory& scores, const MetricsConfig& config);

// Validates a bundle (manifest, digests, tokenizers, model file) and returns its description.
Result<std::string> Inspect(const std::string& model_dir);

}  // namespace verdict::pipeline

namespace verdict::pipeline {

// `verdict tokenize`: reads one JSON-encoded string per line from `in` and writes one JSON array
// of token ids per line ([CLS] ... [SEP], no padding; truncated to `max_length` when > 0).
Status RunTokenize(const std::string& tokenizer_path, size_t max_length, std::istream& in,
                   std::ostream& out);

// `verdict preprocess`: the text steps of a bundle's field (model_dir + field) or given directly
// (steps, tokenizer, max_sen_len, ...). Reads one JSON-encoded string per line and writes one JSON
// object per line: {"chunks": [...], "input_ids": [[...], ...], "attention_mask": [[...], ...]},
// the chunk texts and the seed tokenizer step's output per chunk (padded to max_sen_len).
struct PreprocessConfig {
  std::string model_dir;
  std::string field;
  std::vector<std::string> steps;
  std::string tokenizer;
  int max_sen_len = 512;
  bool chunk_truncate = false;
  int max_total_chunks = 5;
};
Status RunPreprocess(const PreprocessConfig& config, std::istream& in, std::ostream& out);

}  // namespace verdict::pipeline
