// Private to the pipeline stage: the assess half of `verdict eval` and `verdict metrics`.
//
//   ScoredRows -> metrics -> comparison -> plots + report.html (+ metrics_summary.txt)
//
// One function for both commands, so `verdict metrics` on eval's own predictions file gives
// eval's metrics.json bit for bit (run information aside).
#pragma once

#include <string>
#include <vector>

#include "core/core.h"
#include "pipeline/pipeline.h"
#include "pipeline/scored_rows.h"
#include "report/report.h"

namespace verdict::pipeline::internal {

struct AssessConfig {
  std::string metrics_dir;
  std::vector<double> thresholds;
  bool plots = true;
  ComparisonConfig comparison;  // used when the rows hold previous scores
  // metrics_summary.txt when the rows have no labels: why metrics were skipped.
  std::string without_labels_note;
  // Prefixed to the errors of the metric computation (e.g. "predictions 'p.csv'"); may be empty.
  std::string error_context;
};

// Computes and writes everything the metrics directory holds except the markers. Rows without
// labels get metrics_summary.txt with `without_labels_note` and nothing else. `run` gains the
// "metrics" stage time.
Status Assess(const ScoredRows& rows, const AssessConfig& config, report::RunInfo run);

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

// Binary: one previous score column, P(class 1); multiclass: K columns, one per class.
Status CheckPreviousColumnCount(const std::vector<std::string>& columns, bool binary,
                                int num_classes);

}  // namespace verdict::pipeline::internal
