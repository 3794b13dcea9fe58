// DeLong's paired test for two AUCs on the same rows.
#include <cmath>
#include <string>
#include <vector>

#include "metrics/metrics.h"
#include "stats/common.h"
#include "stats/stats.h"

namespace verdict::stats {
namespace {

// Sample variance (ddof 1) of a[i] - b[i]; 0 for fewer than 2 values.
double VarianceOfDifferences(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() < 2) return 0;
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += a[i] - b[i];
  const double mean = sum / static_cast<double>(a.size());
  double squares = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double centered = a[i] - b[i] - mean;
    squares += centered * centered;
  }
  return squares / static_cast<double>(a.size() - 1);
}

}  // namespace

Result<DeLongResult> DeLongPairedTest(std::span<const int32_t> labels,
                                      std::span<const double> new_scores,
                                      std::span<const double> previous_scores,
                                      double confidence_level) {
  VERDICT_RETURN_IF_ERROR(CheckPairedInput("delong", new_scores, previous_scores, 2));
  VERDICT_RETURN_IF_ERROR(CheckConfidenceLevel("delong", confidence_level));
  if (labels.size() != new_scores.size()) {
    return InvalidArgument("delong: " + std::to_string(labels.size()) + " labels for " +
                           std::to_string(new_scores.size()) + " scores");
  }
  VERDICT_ASSIGN_OR_RETURN(metrics::DeLongPlacements new_placements,
                           metrics::ComputeDeLongPlacements(labels, new_scores));
  VERDICT_ASSIGN_OR_RETURN(metrics::DeLongPlacements previous_placements,
                           metrics::ComputeDeLongPlacements(labels, previous_scores));
  const double positives = static_cast<double>(new_placements.positive_placements.size());
  const double negatives = static_cast<double>(new_placements.negative_placements.size());

  DeLongResult result;
  result.auc_new = new_placements.auc;
  result.auc_previous = previous_placements.auc;
  result.difference = result.auc_new - result.auc_previous;
  // S11 + S22 - 2 S12 = Var(V10_new - V10_prev) / m + Var(V01_new - V01_prev) / n.
  result.variance = VarianceOfDifferences(new_placements.positive_placements,
                                          previous_placements.positive_placements) /
                        positives +
                    VarianceOfDifferences(new_placements.negative_placements,
                                          previous_placements.negative_placements) /
                        negatives;
  const double standard_error = std::sqrt(result.variance);
  result.z = result.difference == 0 ? 0 : result.difference / standard_error;
  result.p_value = std::min(1.0, 2 * numeric::NormalSf(std::fabs(result.z)));
  const double half_width = numeric::NormalQuantile(0.5 + confidence_level / 2) * standard_error;
  result.ci_lower = result.difference - half_width;
  result.ci_upper = result.difference + half_width;
  return result;
}

}  // namespace verdict::stats
