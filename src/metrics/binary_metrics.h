// Private to metrics/: the binary metric set computed from class-sorted scores. The bootstrap
// recomputes the same set on resamples, so everything here is a function of the two sorted
// score arrays alone.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "metrics/intervals.h"
#include "metrics/metrics.h"
#include "metrics/ranking.h"

namespace verdict::metrics::internal {

// The confidence interval of the metric named `metric`, or why there is none.
struct NamedInterval {
  std::string metric;
  std::optional<Interval> interval;
  std::string null_reason;
};

struct BinaryEstimates {
  std::vector<Metric> metrics;           // point estimates, metrics.json order
  std::vector<NamedInterval> intervals;  // DeLong (AUC) and Wilson (rates)
};
BinaryEstimates EstimateBinary(const ClassSortedScores& sorted, const Options& options);

// Names of the metrics whose interval comes from the stratified bootstrap (when enabled).
std::vector<std::string> BootstrapMetricNames(const Options& options);

// Appends "<name>_ci_lower" and "<name>_ci_upper" after each metric that has an interval.
std::vector<Metric> WithIntervals(const std::vector<Metric>& metrics,
                                  const std::vector<NamedInterval>& intervals);

}  // namespace verdict::metrics::internal
