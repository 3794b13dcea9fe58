// Paired stratified bootstrap of a difference of statistics between two scorers.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "stats/common.h"
#include "stats/random.h"
#include "stats/stats.h"

namespace verdict::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// NumPy's default ("linear") quantile of sorted values.
double SortedQuantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (position - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

double SampleStandardDeviation(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  const double mean = sum / static_cast<double>(values.size());
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return std::sqrt(squares / static_cast<double>(values.size() - 1));
}

// Row indices grouped by label value, in ascending label order.
std::vector<std::vector<size_t>> Strata(std::span<const int32_t> labels) {
  std::map<int32_t, std::vector<size_t>> by_label;
  for (size_t i = 0; i < labels.size(); ++i) by_label[labels[i]].push_back(i);
  std::vector<std::vector<size_t>> strata;
  for (auto& [label, rows] : by_label) strata.push_back(std::move(rows));
  return strata;
}

Status CheckBootstrapInput(std::span<const int32_t> labels, std::span<const double> new_scores,
                           std::span<const double> previous_scores,
                           const BootstrapOptions& options) {
  VERDICT_RETURN_IF_ERROR(CheckPairedInput("bootstrap", new_scores, previous_scores, 1));
  if (labels.size() != new_scores.size()) {
    return InvalidArgument("bootstrap: " + std::to_string(labels.size()) + " labels for " +
                           std::to_string(new_scores.size()) + " scores");
  }
  if (options.resamples < 1) {
    return InvalidArgument("bootstrap: resamples must be at least 1, got " +
                           std::to_string(options.resamples));
  }
  return CheckConfidenceLevel("bootstrap", options.confidence_level);
}

}  // namespace

Result<BootstrapInterval> PairedBootstrapDifference(std::span<const int32_t> labels,
                                                    std::span<const double> new_scores,
                                                    std::span<const double> previous_scores,
                                                    const Statistic& statistic,
                                                    const BootstrapOptions& options) {
  VERDICT_RETURN_IF_ERROR(CheckBootstrapInput(labels, new_scores, previous_scores, options));
  BootstrapInterval interval;
  interval.estimate = statistic(labels, new_scores) - statistic(labels, previous_scores);

  const std::vector<std::vector<size_t>> strata = Strata(labels);
  // The resampled labels are the same in every resample: each stratum keeps its size.
  std::vector<int32_t> resampled_labels;
  resampled_labels.reserve(labels.size());
  for (const std::vector<size_t>& rows : strata) {
    resampled_labels.insert(resampled_labels.end(), rows.size(), labels[rows.front()]);
  }
  std::vector<double> resampled_new(labels.size());
  std::vector<double> resampled_previous(labels.size());
  std::vector<double> differences;
  differences.reserve(static_cast<size_t>(options.resamples));

  Xoshiro256StarStar rng(options.seed);
  for (int b = 0; b < options.resamples; ++b) {
    size_t out = 0;
    for (const std::vector<size_t>& rows : strata) {
      for (size_t k = 0; k < rows.size(); ++k, ++out) {
        const size_t row = rows[rng.Below(rows.size())];
        resampled_new[out] = new_scores[row];
        resampled_previous[out] = previous_scores[row];
      }
    }
    const double difference = statistic(resampled_labels, resampled_new) -
                              statistic(resampled_labels, resampled_previous);
    if (std::isnan(difference)) {
      ++interval.degenerate_resamples;
    } else {
      differences.push_back(difference);
    }
  }
  interval.valid_resamples = static_cast<int>(differences.size());
  if (differences.size() < 2) {
    interval.lower = interval.upper = interval.standard_error = kNaN;
    return interval;
  }
  std::sort(differences.begin(), differences.end());
  const double alpha = 1 - options.confidence_level;
  interval.lower = SortedQuantile(differences, alpha / 2);
  interval.upper = SortedQuantile(differences, 1 - alpha / 2);
  interval.standard_error = SampleStandardDeviation(differences);
  return interval;
}

}  // namespace verdict::stats
