// Private to the pipeline stage: the predict half of `verdict eval`.
//
//   bundle + data -> table reader -> features -> infer -> predictions writer  => ScoredRows
//
// The stages run as a pipeline, each on its own thread, joined by bounded queues (back-pressure:
// memory is bounded by the queues and the window, whatever the input size):
//   read (table batches) -> preprocess (features::Encoder's persistent pool) -> batch (windows of
//   rows, infer::PlanBatches) -> model (infer::Runner) -> write (this thread, in input order).
// An error in any stage travels down in order and stops every stage; Predict returns the first
// error in data order, as a sequential run would.
//
// The predictions file is written to "<path>.partial" and moved into place only by
// PredictedRows::Commit(), after assess has succeeded, so a failed run never leaves a
// complete-looking file.
#pragma once

#include <string>
#include <vector>

#include "bundle/bundle.h"
#include "core/core.h"
#include "pipeline/pipeline.h"
#include "pipeline/scored_rows.h"
#include "report/report.h"
#include "table/table.h"

namespace verdict::pipeline::internal {

struct PredictedRows {
  ScoredRows rows;
  // Comparison mode is on (rows.previous is filled) only when asked for, its columns exist and
  // the data has labels (seed §10.1); otherwise predict warns and runs in standard mode.
  std::vector<std::string> previous_columns;
  std::string predictions_path;
  std::string label_field;  // the bundle's, for the "no label column" note
  table::Writer writer;     // holds the uncommitted predictions file
  report::RunInfo run;      // bundle, model, device, data files, start time, predict seconds
};

// Reads the data, runs the model and writes the predictions (uncommitted). Probabilities in the
// returned rows are exactly the numbers the file holds (docs/outputs.md: "Probabilities").
Result<PredictedRows> Predict(const EvalConfig& config);

// Rows per model call of a model without text inputs unless BATCH_SIZE says otherwise, at least:
// such a model scores each row from its own values (no padding, no neighbours), and a call of a
// few hundred rows is mostly the call's overhead (docs/performance.md, "Tabular throughput").
constexpr int kTabularBatchRows = 8192;

// Rows per model call: BATCH_SIZE when given; otherwise the bundle's batch size, raised to
// kTabularBatchRows for a model without text inputs. Ranks align their shares to windows of these
// batches.
int ModelBatchRows(const EvalConfig& config, const bundle::Manifest& manifest);

}  // namespace verdict::pipeline::internal
