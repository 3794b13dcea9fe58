// The comparison-mode decision from an interval of (new - previous) and a margin.
#include <cmath>
#include <string>

#include "stats/stats.h"

namespace verdict::stats {

std::string_view DecisionName(Decision decision) {
  switch (decision) {
    case Decision::kBetter:
      return "better";
    case Decision::kNotWorse:
      return "not_worse";
    case Decision::kWorse:
      return "worse";
    case Decision::kInconclusive:
      return "inconclusive";
  }
  return "unknown";
}

Result<Decision> Decide(double lower, double upper, double margin) {
  if (!std::isfinite(margin) || margin < 0) {
    return InvalidArgument("decision: the margin must be a finite number >= 0, got " +
                           std::to_string(margin));
  }
  if (std::isnan(lower) || std::isnan(upper)) return Decision::kInconclusive;
  if (lower > upper) {
    return InvalidArgument("decision: interval lower bound " + std::to_string(lower) +
                           " exceeds upper bound " + std::to_string(upper));
  }
  if (lower > 0) return Decision::kBetter;
  if (lower > -margin) return Decision::kNotWorse;
  if (upper < -margin) return Decision::kWorse;
  return Decision::kInconclusive;
}

}  // namespace verdict::stats
