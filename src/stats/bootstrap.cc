// Paired stratified bootstrap of a difference of statistics between two scorers.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "stats/common.h"
#include "stats/stats.h"

namespace verdict::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double SampleStandardDeviation(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  const double mean = sum / static_cast<double>(values.size());
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return std::sqrt(squares / static_cast<double>(values.size() - 1));
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

  const numeric::StratifiedResampler resampler(labels);
  const std::vector<int32_t>& resampled_labels = resampler.resampled_labels();
  std::vector<size_t> rows;
  std::vector<double> resampled_new(labels.size());
  std::vector<double> resampled_previous(labels.size());
  std::vector<double> differences;
  differences.reserve(static_cast<size_t>(options.resamples));

  numeric::Generator rng(options.seed);
  for (int b = 0; b < options.resamples; ++b) {
    resampler.Draw(rng, rows);
    for (size_t k = 0; k < rows.size(); ++k) {
      resampled_new[k] = new_scores[rows[k]];
      resampled_previous[k] = previous_scores[rows[k]];
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
  const numeric::Interval percentiles =
      numeric::PercentileInterval(differences, options.confidence_level);
  interval.lower = percentiles.lower;
  interval.upper = percentiles.upper;
  interval.standard_error = SampleStandardDeviation(differences);
  return interval;
}

}  // namespace verdict::stats
