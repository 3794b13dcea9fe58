// Private to the pipeline stage: an evaluation in parts (docs/scaling.md).
//
//   ranks (torchrun, mpirun, srun):  each rank predicts its share -> Part -> rank 0
//   instances (eval --partial):      each writes its Part as files -> verdict merge
//   rank 0 / merge:                  Parts in data order -> one predictions file + assess
//
// A Part holds what assess needs of its rows (the scored rows: labels, scores as written, ids,
// previous scores, the data summary) and its predictions, so the merged outputs equal those of
// one process: the scored rows are joined, not averaged, and the predictions are the parts'
// rows in order.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "pipeline/assess.h"
#include "pipeline/pipeline.h"
#include "pipeline/scored_rows.h"
#include "table/table.h"

namespace verdict::pipeline::internal {

// How the rows are to be assessed: the settings of the eval run that made the part.
struct AssessSettings {
  std::vector<double> thresholds;
  bool plots = true;
  ComparisonConfig comparison;  // previous_score_columns: those comparison mode runs on
  std::string label_field;      // the bundle's, for the "no label column" note
};

struct Part {
  std::string host;              // who made it: "rank 2", or the SageMaker host ("algo-1")
  int64_t order = 0;             // its place in the data: the rank, or the host's index in `hosts`
  std::string predictions_name;  // the predictions file's name, e.g. "eval_predictions.csv"
  table::Format format = table::Format::kCsv;
  // The bytes of a predictions file holding the part's rows (empty: no rows, or kept in a file
  // beside the part, `verdict eval --partial`).
  std::string predictions;
  AssessSettings settings;
  std::vector<std::string> data_files;
  ScoredRows rows;
};

// A binary form (the machine's byte order; parts are merged on machines of one kind).
std::string EncodePart(const Part& part);
// Errors name `where` (a file, or "rank 2").
Result<Part> DecodePart(std::string_view bytes, const std::string& where);

// The scored rows of `parts`, in order, as one process would hold them.
ScoredRows JoinScoredRows(std::vector<Part>& parts);

// Writes the predictions of `parts` (their `predictions` bytes, in order) as one file at
// `path`: CSV/TSV as the parts' bytes under one header (byte for byte one process's file),
// Parquet rewritten through the table stage. `scratch_dir` holds temporary files.
Status WriteJoinedPredictions(const std::vector<Part>& parts, const std::string& path,
                              const std::string& scratch_dir);

// The assess configuration of parts made with `settings`, writing into `metrics_dir`.
AssessConfig AssessConfigOf(const AssessSettings& settings, const std::string& metrics_dir,
                            const std::string& predictions_path);

}  // namespace verdict::pipeline::internal

namespace verdict::pipeline::internal {

// Who this instance is among several that each evaluate their own files (SageMaker
// ShardedByS3Key): SageMaker's resource config (current_host, hosts) names it and gives its place;
// without the file, the machine's host name at place 0.
struct Identity {
  std::string host;
  int64_t order = 0;
};
Result<Identity> IdentityOf(const std::string& resource_config);

// "eval_predictions.part-algo-1.csv" for "eval_predictions.csv" of host "algo-1"; the scored rows
// go to "scored_rows.part-algo-1.verdict".
std::string PartPredictionsName(const std::string& predictions_name, const std::string& host);
std::string PartRowsName(const std::string& host);

}  // namespace verdict::pipeline::internal
