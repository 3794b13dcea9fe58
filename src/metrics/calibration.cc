#include "metrics/calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace verdict::metrics::internal {
namespace {

constexpr double kEpsilon = std::numeric_limits<double>::epsilon();

// Sum of loss(score) over ascending keys, evaluating `loss` once per distinct score.
template <typename Loss>
double SumOverDistinct(const std::vector<uint64_t>& ascending, Loss loss) {
  double sum = 0;
  ForEachDistinctScore(ascending, [&](double score, int64_t count) {
    sum += static_cast<double>(count) * loss(score);
  });
  return sum;
}

double ClippedNegativeLog(double probability) {
  return -std::log(std::clamp(probability, kEpsilon, 1.0 - kEpsilon));
}

double RowCount(const ClassSortedScores& sorted) {
  return static_cast<double>(sorted.positives.size() + sorted.negatives.size());
}

struct BinSums {
  int64_t count = 0;
  double score_sum = 0;
  int64_t positives = 0;
};

// Adds ascending scores to their bins; bin k holds edges[k] <= score < edges[k + 1], and the
// last bin also holds scores equal to the last edge.
void AddToBins(const std::vector<uint64_t>& ascending, bool positive,
               const std::vector<double>& edges, std::vector<BinSums>& sums) {
  size_t bin = 0;
  ForEachDistinctScore(ascending, [&](double score, int64_t count) {
    while (bin + 2 < edges.size() && edges[bin + 1] <= score) ++bin;
    sums[bin].count += count;
    sums[bin].score_sum += static_cast<double>(count) * score;
    sums[bin].positives += positive ? count : 0;
  });
}

}  // namespace

bool ScoresAreProbabilities(const ClassSortedScores& sorted) {
  const uint64_t zero = OrderedKey(0.0);
  const uint64_t one = OrderedKey(1.0);
  for (const auto* side : {&sorted.positives, &sorted.negatives}) {
    if (!side->empty() && (side->front() < zero || side->back() > one)) return false;
  }
  return true;
}

double BinaryLogLoss(const ClassSortedScores& sorted) {
  const double positive_loss = SumOverDistinct(sorted.positives, ClippedNegativeLog);
  const double negative_loss =
      SumOverDistinct(sorted.negatives, [](double p) { return ClippedNegativeLog(1.0 - p); });
  return (positive_loss + negative_loss) / RowCount(sorted);
}

double BrierScore(const ClassSortedScores& sorted) {
  const double positive_sum =
      SumOverDistinct(sorted.positives, [](double p) { return (1.0 - p) * (1.0 - p); });
  const double negative_sum = SumOverDistinct(sorted.negatives, [](double p) { return p * p; });
  return (positive_sum + negative_sum) / RowCount(sorted);
}

std::vector<double> CalibrationBinEdges(int bins) {
  std::vector<double> edges(bins + 1);
  for (int k = 0; k <= bins; ++k) edges[k] = static_cast<double>(k) / bins;
  return edges;
}

std::vector<CalibrationBin> CalibrationBins(const ClassSortedScores& sorted, int bins) {
  const std::vector<double> edges = CalibrationBinEdges(bins);
  std::vector<BinSums> sums(edges.size() - 1);
  AddToBins(sorted.positives, true, edges, sums);
  AddToBins(sorted.negatives, false, edges, sums);
  std::vector<CalibrationBin> result;
  for (size_t k = 0; k < sums.size(); ++k) {
    if (sums[k].count == 0) continue;
    const double count = static_cast<double>(sums[k].count);
    result.push_back({edges[k], sums[k].count, sums[k].score_sum / count,
                      static_cast<double>(sums[k].positives) / count});
  }
  return result;
}

double ExpectedCalibrationError(const std::vector<CalibrationBin>& bins) {
  int64_t total = 0;
  for (const CalibrationBin& bin : bins) total += bin.count;
  double error = 0;
  for (const CalibrationBin& bin : bins) {
    error += std::abs(bin.positive_fraction - bin.mean_score) * static_cast<double>(bin.count) /
             static_cast<double>(total);
  }
  return error;
}

}  // namespace verdict::metrics::internal
