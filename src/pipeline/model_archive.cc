// RunEvalOfModelDir: `verdict eval` on a model directory that holds a bundle or the seed's
// model.tar.gz (archive::ModelFolder unpacks it into a private temporary folder for the run).
#include "archive/archive.h"
#include "pipeline/pipeline.h"

namespace verdict::pipeline {

Status RunEvalOfModelDir(const EvalConfig& config) {
  Result<archive::ModelFolder> folder = archive::ModelFolder::Open(config.model_dir);
  if (!folder.ok()) {
    (void)RecordFailure(config.metrics_dir, folder.status());
    return folder.status();
  }
  if (folder->unpacked_into().empty()) return RunEval(config);
  EvalConfig unpacked = config;
  unpacked.model_dir = folder->path();
  return RunEval(unpacked);
}

}  // namespace verdict::pipeline
