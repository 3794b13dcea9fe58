// Private to metrics/: stratified bootstrap percentile intervals for binary metrics. Each
// resample draws m positives and n negatives with replacement (numeric::StratifiedResampler and
// the seeded numeric::Generator), recomputes EstimateBinary and keeps the named metrics.
#pragma once

#include <string>
#include <vector>

#include "metrics/binary_metrics.h"

namespace verdict::metrics::internal {

// Intervals for `names` over options.bootstrap_resamples resamples; resamples where a metric is
// undefined are left out (and counted in `notes`).
std::vector<NamedInterval> BootstrapIntervals(const ClassSortedScores& sorted,
                                              const Options& options,
                                              const std::vector<std::string>& names,
                                              std::vector<std::string>& notes);

}  // namespace verdict::metrics::internal
