// pipeline: the evaluation job, wiring every stage; the only place that knows all of them.
//
//   bundle -> table reader -> features -> infer -> predictions writer
//                                               -> metrics -> report
//
// Usage:
//   pipeline::EvalConfig config;            // filled by the CLI from flags, env and defaults
//   config.model_dir = "model/"; config.data = "eval.csv"; ...
//   Status status = pipeline::RunEval(config);   // writes _FAILURE itself when it fails
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/core.h"

namespace verdict::pipeline {

struct EvalConfig {
  std::string model_dir;
  std::string data;        // a data file or a folder of shards
  std::string output_dir;  // eval_predictions.<ext>
  std::string metrics_dir;
  std::string id_field;     // empty: the bundle's
  std::string label_field;  // empty: the bundle's
  std::string device = "auto";
  std::string accelerator = "auto";  // auto | cpu | gpu
  int batch_size = 0;                // 0: the bundle's
  int threads = 0;                   // 0: LibTorch's default
  std::string output_format;         // empty: the input's
  std::vector<double> thresholds = {0.3, 0.5, 0.7};
  bool plots = true;  // JPG plots and charts in report.html
  std::string job_type;
};

// Runs one evaluation. On success the metrics directory holds metrics.json,
// metrics_summary.txt, _SUCCESS and _HEALTH, and the output directory the predictions; on failure
// it holds _FAILURE and no _SUCCESS, and no predictions file is left behind.
Status RunEval(const EvalConfig& config);

// `verdict metrics`: the metrics of an existing predictions file of any model.
struct MetricsConfig {
  std::string predictions;  // CSV/TSV/Parquet file or folder of shards
  std::string label_column;
  std::string id_column;                   // optional; checked to exist
  std::vector<std::string> score_columns;  // empty: every prob_class_<i> column, in order of i
  std::vector<std::string> class_labels;   // label value of class i; empty: "0".."K-1"
  std::string output_dir = ".";
  std::vector<double> thresholds = {0.3, 0.5, 0.7};
  bool plots = true;
};

// Computes metrics.json, metrics_summary.txt, the plots and report.html (and the markers) into
// config.output_dir. One
// score column means a binary score P(class 1); two mean binary with P(class 1) in the second; K >
// 2 mean a multiclass probability matrix.
Status RunMetrics(const MetricsConfig& config);

// `verdict metrics --list`: the documented metric keys, one per line with task and definition.
std::string MetricsRegistryTable();

// Writes _FAILURE for an error found before RunEval could start (e.g. a bad flag value).
Status RecordFailure(const std::string& metrics_dir, const Status& error);

// Writes every model input of every row of `data`, computed as `eval` would, as one NumPy .npy
// file per input (named after the input) into `out_dir`, for at most `max_rows` rows (0: all). The
// exporter uses this to build example batches with the engine's own preprocessing; the bundle's
// model file need not exist yet.
Status WriteFeatures(const std::string& model_dir, const std::string& data,
                     const std::string& out_dir, int64_t max_rows);

// Validates a bundle (manifest and model file) and returns its description.
Result<std::string> Inspect(const std::string& model_dir);

}  // namespace verdict::pipeline
