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
  std::string job_type;
};

// Runs one evaluation. On success the metrics directory holds metrics.json,
// metrics_summary.txt, _SUCCESS and _HEALTH, and the output directory the predictions; on failure
// it holds _FAILURE and no _SUCCESS, and no predictions file is left behind.
Status RunEval(const EvalConfig& config);

// Writes _FAILURE for an error found before RunEval could start (e.g. a bad flag value).
Status RecordFailure(const std::string& metrics_dir, const Status& error);

// Writes every model input of every row of `data`, computed as `eval` would, as one NumPy .npy
// file per input (named after the input) into `out_dir`, for at most `max_rows` rows (0: all). The
// exporter uses this to build example batches with the engine's own preprocessing; the bundle's
// model file need not exist yet.
Status WriteFeatures(const std::string& model_dir, const std::string& data, const std::string& out_dir,
                     int64_t max_rows);

// Validates a bundle (manifest and model file) and returns its description.
Result<std::string> Inspect(const std::string& model_dir);

}  // namespace verdict::pipeline
