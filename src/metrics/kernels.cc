// Per-metric kernels (metrics.h) and the key names and lookups other stages use.
#include <algorithm>
#include <limits>
#include <numeric>

#include "metrics/metrics.h"

namespace verdict::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

std::string keys::AtThreshold(std::string_view prefix, double threshold) {
  return std::string(prefix) + "_at_" + FormatPythonFloat(threshold);
}

std::string keys::ForClass(std::string_view prefix, int class_index) {
  return std::string(prefix) + "_class_" + std::to_string(class_index);
}

const Metric* Find(const std::vector<Metric>& metrics, std::string_view key) {
  for (const Metric& metric : metrics) {
    if (metric.name == key) return &metric;
  }
  return nullptr;
}

double Number(const std::vector<Metric>& metrics, std::string_view key) {
  const Metric* metric = Find(metrics, key);
  VERDICT_CHECK(metric != nullptr);
  if (const double* value = std::get_if<double>(&metric->value)) return *value;
  if (const int64_t* count = std::get_if<int64_t>(&metric->value)) {
    return static_cast<double>(*count);
  }
  return kNaN;
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

double AveragePrecisionOfRanks(std::span<const int32_t> labels, std::span<const double> ranks) {
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
  if (total_positives == 0) return kNaN;
  int64_t true_positives = 0;
  int64_t predicted = 0;
  double average = 0;
  for (size_t r = buckets; r-- > 0;) {
    if (counts[r].rows == 0) continue;
    true_positives += counts[r].positives;
    predicted += counts[r].rows;
    const double precision = static_cast<double>(true_positives) / static_cast<double>(predicted);
    average += static_cast<double>(counts[r].positives) * precision;
  }
  // One division at the end, not one per distinct score: with a single class (every precision
  // 1) the sum is exactly the positive count and AP exactly 1, not 1.0000000000000007.
  return average / static_cast<double>(total_positives);
}

double F1AtThreshold(std::span<const int32_t> labels, std::span<const double> scores,
                     double threshold) {
  int64_t true_positives = 0;
  int64_t predicted = 0;
  int64_t actual = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const bool positive_prediction = scores[i] >= threshold;
    true_positives += positive_prediction && labels[i] == 1;
    predicted += positive_prediction;
    actual += labels[i] == 1;
  }
  if (predicted + actual == 0) return kNaN;
  return 2.0 * static_cast<double>(true_positives) / static_cast<double>(predicted + actual);
}

double AccuracyOfCorrectness(std::span<const double> correct) {
  if (correct.empty()) return kNaN;
  return std::accumulate(correct.begin(), correct.end(), 0.0) / static_cast<double>(correct.size());
}

}  // namespace verdict::metrics
