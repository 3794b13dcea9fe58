// Private to the pipeline stage: `verdict eval` on several ranks and `verdict eval --partial`
// (docs/scaling.md). LibTorch half (they run predict).
#pragma once

#include <memory>

#include "core/core.h"
#include "distributed/distributed.h"
#include "pipeline/pipeline.h"

namespace verdict::pipeline::internal {

// Joins the ranks' process group (timeout: --rank-timeout).
Result<std::unique_ptr<distributed::Group>> JoinRanks(const EvalConfig& config,
                                                      const distributed::Launch& launch);

// One rank's part of a distributed eval (launch.world_size > 1), in a joined group: predicts this
// rank's share, and, all ranks having succeeded, sends its part to rank 0, which writes the
// predictions of all rows in input order and assesses them: outputs equal to one process's. Every
// rank returns the job's outcome: the first failed rank's error on all of them. Rank 0's caller
// writes the markers while `group` lives (the other ranks wait for it to leave).
Status EvalOnRanks(const EvalConfig& config, const distributed::Launch& launch,
                   distributed::Group& group);

// `verdict eval --partial`: predicts this instance's data and writes its part (predictions as
// eval_predictions.part-<host>.<ext> in the output directory, scored rows as
// scored_rows.part-<host>.verdict in the metrics directory) for `verdict merge`.
Status EvalPartial(const EvalConfig& config);

}  // namespace verdict::pipeline::internal
