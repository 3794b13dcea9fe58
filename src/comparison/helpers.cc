#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>

#include "comparison/internal.h"

namespace verdict::comparison::internal {

std::string PythonFloatText(double value) {
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  VERDICT_CHECK(error == std::errc());
  std::string text(buffer, end);
  if (text.find_first_of(".en") == std::string::npos) text += ".0";
  return text;
}

std::vector<double> DenseRanks(std::span<const double> scores) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  std::vector<double> ranks(scores.size());
  double rank = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    if (k > 0 && scores[order[k]] != scores[order[k - 1]]) ++rank;
    ranks[order[k]] = rank;
  }
  return ranks;
}

double AverageOnDenseRanks(std::span<const int32_t> labels, std::span<const double> ranks) {
  size_t buckets = 0;
  for (double r : ranks) buckets = std::max(buckets, static_cast<size_t>(r) + 1);
  // Rows and positives per rank. Reused across calls (one bootstrap calls this thousands of
  // times): a fresh multi-megabyte allocation would page-fault on every call.
  struct Counts {
    int64_t rows = 0;
    int64_t positives = 0;
  };
  thread_local std::vector<Counts> counts;
  counts.assign(buckets, Counts{});
  int64_t total_positives = 0;
  for (size_t i = 0; i < ranks.size(); ++i) {
    Counts& c = counts[static_cast<size_t>(ranks[i])];
    c.rows += 1;
    c.positives += labels[i] == 1;
    total_positives += labels[i] == 1;
  }
  if (total_positives == 0) return std::numeric_limits<double>::quiet_NaN();
  int64_t true_positives = 0;
  int64_t predicted = 0;
  double average = 0;
  for (size_t r = buckets; r-- > 0;) {
    if (counts[r].rows == 0) continue;
    true_positives += counts[r].positives;
    predicted += counts[r].rows;
    const double precision = static_cast<double>(true_positives) / static_cast<double>(predicted);
    average +=
        static_cast<double>(counts[r].positives) / static_cast<double>(total_positives) * precision;
  }
  return average;
}

double F1OfPredictions(std::span<const int32_t> labels, std::span<const double> predictions) {
  int64_t true_positives = 0;
  int64_t predicted = 0;
  int64_t actual = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const bool positive_prediction = predictions[i] >= 0.5;
    true_positives += positive_prediction && labels[i] == 1;
    predicted += positive_prediction;
    actual += labels[i] == 1;
  }
  if (predicted + actual == 0) return std::numeric_limits<double>::quiet_NaN();
  return 2.0 * static_cast<double>(true_positives) / static_cast<double>(predicted + actual);
}

double MeanOf(std::span<const int32_t> labels, std::span<const double> values) {
  (void)labels;
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

}  // namespace verdict::comparison::internal
