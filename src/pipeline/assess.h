// Private to the pipeline stage: the assess half of `verdict eval` and `verdict metrics`.
//
//   ScoredRows -> metrics -> comparison -> plots + report.html (+ metrics_summary.txt)
//
// One function for both commands, so `verdict metrics` on eval's own predictions file gives
// eval's metrics.json bit for bit (run information aside).
#pragma once

#include <exception>
#include <filesystem>
#include <string>
#include <utility>
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

// The files a run writes into its metrics directory besides the markers, kept in
// <metrics_dir>/.verdict-outputs. A run first removes the files the previous run recorded there
// (only those: verdict never deletes a file it did not write), so a failed re-run does not leave
// the previous metrics.json or report.html beside _FAILURE; a failed run removes its own, so
// nothing half-written looks complete. This run's files are the regular files modified since
// the record was created at the start (the same file-system clock).
class RunOutputs {
 public:
  static Result<RunOutputs> Start(const std::string& metrics_dir);
  // Success: records this run's files for the next run.
  Status Keep() const;
  // Failure: removes this run's files (the record stays empty).
  void Discard() const;

 private:
  RunOutputs(std::string dir, std::filesystem::file_time_type started)
      : dir_(std::move(dir)), started_(started) {}
  std::vector<std::filesystem::path> Written() const;

  std::string dir_;
  std::filesystem::file_time_type started_;
};

// Clears old markers, runs `job`, then writes _SUCCESS/_HEALTH or _FAILURE into `metrics_dir`.
// An exception from any library the job calls ends the job like an error: one line, _FAILURE;
// so does SIGTERM/SIGINT (core's HandleTerminationSignals).
template <typename Job>
Status RunWithMarkers(const std::string& metrics_dir, Job job) {
  VERDICT_RETURN_IF_ERROR(report::ClearMarkers(metrics_dir));
  VERDICT_ASSIGN_OR_RETURN(const RunOutputs outputs, RunOutputs::Start(metrics_dir));
  TerminationCleanup on_termination([&metrics_dir, &outputs](int signal) {
    outputs.Discard();
    (void)RecordFailure(metrics_dir, Status(StatusCode::kIoError, TerminationMessage(signal)));
  });
  Status status;
  try {
    status = job();
  } catch (const std::exception& e) {
    status = Internal("unexpected error: " + OneLine(e.what()));
  }
  if (!status.ok()) {
    outputs.Discard();
    (void)RecordFailure(metrics_dir, status);
    return status;
  }
  VERDICT_RETURN_IF_ERROR(outputs.Keep());
  return report::WriteSuccess(metrics_dir);
}

// Locks each of `dirs` (created when missing; a directory named twice is locked once) for the
// whole job: a second run into the same directories fails at once, before it touches a marker.
Result<std::vector<DirectoryLock>> LockDirectories(const std::vector<std::string>& dirs);

// Binary: one previous score column, P(class 1); multiclass: K columns, one per class.
Status CheckPreviousColumnCount(const std::vector<std::string>& columns, bool binary,
                                int num_classes);

}  // namespace verdict::pipeline::internal
