// Unit tests of the stage's private helpers and of what it uses from numeric: intervals,
// calibration bin edges, operating points, class-sorted scores and curve down-sampling.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "core/core.h"
#include "metrics/calibration.h"
#include "metrics/intervals.h"
#include "metrics/ranking.h"

namespace verdict::metrics::internal {
namespace {

TEST(IntervalsTest, NormalQuantileMatchesScipy) {
  // scipy.stats.norm.ppf values.
  EXPECT_NEAR(numeric::NormalQuantile(0.975), 1.959963984540054, 1e-14);
  EXPECT_NEAR(numeric::NormalQuantile(0.95), 1.6448536269514722, 1e-14);
  EXPECT_NEAR(numeric::NormalQuantile(0.5), 0.0, 1e-15);
  EXPECT_NEAR(numeric::NormalQuantile(1e-10), -6.361340902404056, 1e-12);
}

TEST(IntervalsTest, WilsonMatchesStatsmodels) {
  // statsmodels proportion_confint(0, 10, method="wilson") and (7, 20).
  const Interval none = WilsonInterval(0, 10, 0.95);
  EXPECT_NEAR(none.lower, 0.0, 1e-15);
  EXPECT_NEAR(none.upper, 0.27753279986288926, 1e-12);
  const Interval some = WilsonInterval(7, 20, 0.95);
  EXPECT_NEAR(some.lower, 0.18119182410108203, 1e-12);
  EXPECT_NEAR(some.upper, 0.5671457233147638, 1e-12);
}

TEST(IntervalsTest, PercentileIntervalInterpolatesLikeNumpy) {
  std::vector<double> values = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  const Interval interval = numeric::PercentileInterval(values, 0.9);  // np.percentile(.., [5, 95])
  EXPECT_NEAR(interval.lower, 1.45, 1e-12);
  EXPECT_NEAR(interval.upper, 9.55, 1e-12);
}

TEST(IntervalsTest, DeLongIntervalIsClippedToUnitRange) {
  const Interval interval = NormalIntervalInUnitRange(0.99, 0.01, 0.95);
  EXPECT_EQ(interval.upper, 1.0);
  EXPECT_NEAR(interval.lower, 0.99 - 1.959963984540054 * 0.1, 1e-12);
}

TEST(CalibrationTest, BinEdgesAreCorrectlyRoundedFractions) {
  // torch.linspace(0, 1, 11) has 0.30000000000000004 here; verdict uses k / bins.
  EXPECT_EQ(CalibrationBinEdges(10)[3], 0.3);
  EXPECT_EQ(CalibrationBinEdges(20)[11], 0.55);
  EXPECT_EQ(CalibrationBinEdges(10).size(), 11u);
  EXPECT_EQ(CalibrationBinEdges(10).back(), 1.0);
}

TEST(CalibrationTest, EdgeScoresOpenTheirBinAndOneClosesTheLast) {
  ClassSortedScores sorted;
  for (double p : {0.3, 1.0}) sorted.positives.push_back(OrderedKey(p));
  for (double p : {0.0, 0.25}) sorted.negatives.push_back(OrderedKey(p));
  const std::vector<CalibrationBin> bins = CalibrationBins(sorted, 10);
  ASSERT_EQ(bins.size(), 4u);
  EXPECT_EQ(bins[0].lower_edge, 0.0);
  EXPECT_EQ(bins[1].lower_edge, 0.2);
  EXPECT_EQ(bins[2].lower_edge, 0.3);
  EXPECT_EQ(bins[3].lower_edge, 0.9);
  EXPECT_EQ(bins[3].positive_fraction, 1.0);
  // |0 - 0| + |0 - 0.25| + |1 - 0.3| + |1 - 1|, each bin a quarter of the rows.
  EXPECT_NEAR(ExpectedCalibrationError(bins), (0.25 + 0.7) / 4, 1e-15);
}

ClassSortedScores Sorted(const std::vector<int32_t>& labels, const std::vector<double>& scores) {
  return SortByClass(
      labels.size(), [&](size_t i) { return labels[i] == 1; }, [&](size_t i) { return scores[i]; });
}

TEST(RankingTest, OperatingPointsGroupTiesHighestFirst) {
  const ClassSortedScores sorted = Sorted({1, 0, 1, 0, 1}, {0.9, 0.5, 0.5, 0.1, 0.1});
  std::vector<OperatingPoint> points;
  ForEachOperatingPoint(sorted, [&](const OperatingPoint& p) { points.push_back(p); });
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0].threshold, 0.9);
  EXPECT_EQ(points[1].threshold, 0.5);
  EXPECT_EQ(points[1].positives_at, 1);
  EXPECT_EQ(points[1].negatives_at, 1);
  EXPECT_EQ(points[2].true_positives, 3);
  EXPECT_EQ(points[2].false_positives, 2);
}

TEST(RankingTest, ThresholdRulesAreInclusiveOrStrict) {
  const ClassSortedScores sorted = Sorted({1, 0, 1, 0}, {0.5, 0.5, 0.7, 0.2});
  EXPECT_EQ(CountAtThreshold(sorted, 0.5, Inclusion::kInclusive).true_positives, 2);
  EXPECT_EQ(CountAtThreshold(sorted, 0.5, Inclusion::kInclusive).false_positives, 1);
  EXPECT_EQ(CountAtThreshold(sorted, 0.5, Inclusion::kStrict).true_positives, 1);
  EXPECT_EQ(CountAtThreshold(sorted, 0.5, Inclusion::kStrict).false_positives, 0);
}

TEST(RankingTest, Float32AndDoubleScoresSortAlike) {
  const std::vector<int32_t> labels = {1, 0, 1, 0, 1, 0};
  const std::vector<double> as_float = {0.25f, -0.0f, 0.75f, 0.5f, 0.0f, 0.125f};
  std::vector<double> as_double = as_float;
  as_double.push_back(0.1);  // not a float32 value: forces 64-bit keys
  std::vector<int32_t> labels_plus = labels;
  labels_plus.push_back(0);
  const ClassSortedScores narrow = Sorted(labels, as_float);
  const ClassSortedScores wide = Sorted(labels_plus, as_double);
  EXPECT_EQ(narrow.positives, wide.positives);
  ASSERT_EQ(wide.negatives.size(), narrow.negatives.size() + 1);
  EXPECT_EQ(KeyValue(narrow.negatives.front()), 0.0);
  EXPECT_EQ(KeyValue(wide.negatives[1]), 0.1);
}

// Float32 scores differing in their low 11 bits (one radix pass: the sorted keys end in the lower
// half of each class's array), low 22 bits (two passes: upper half) and all bits (three passes).
TEST(RankingTest, InPlaceFloat32SortWidensFromEitherHalf) {
  std::mt19937 random(7);
  for (uint32_t low_bits : {11u, 22u, 31u}) {
    std::vector<int32_t> labels;
    std::vector<double> scores;
    for (int i = 0; i < 5000; ++i) {
      const uint32_t bits = 0x3f800000u + (random() & ((uint32_t{1} << low_bits) - 1));
      const float value = std::bit_cast<float>(bits & 0x7f7fffffu);  // finite
      labels.push_back(static_cast<int32_t>(random() % 3 == 0));
      scores.push_back(value);
    }
    std::vector<uint64_t> positives, negatives;
    for (size_t i = 0; i < labels.size(); ++i) {
      (labels[i] == 1 ? positives : negatives).push_back(OrderedKey(scores[i]));
    }
    std::sort(positives.begin(), positives.end());
    std::sort(negatives.begin(), negatives.end());
    const ClassSortedScores sorted = Sorted(labels, scores);
    EXPECT_EQ(sorted.positives, positives) << low_bits;
    EXPECT_EQ(sorted.negatives, negatives) << low_bits;
  }
}

// The curves are down-sampled while they are walked; the points are those that DownsampleCurve
// picks from the full curve.
TEST(DownsampleCurveTest, WalkedCurvesPickTheSamePointsAsTheFullCurve) {
  std::mt19937 random(11);
  std::vector<int32_t> labels;
  std::vector<double> scores;
  for (int i = 0; i < 20000; ++i) {
    labels.push_back(static_cast<int32_t>(random() % 4 == 0));
    scores.push_back(static_cast<float>((random() % 5000) / 5000.0 + 0.1 * labels.back()));
  }
  const ClassSortedScores sorted = Sorted(labels, scores);
  const size_t all = std::numeric_limits<size_t>::max();
  for (size_t max_points : {2u, 3u, 50u, 2000u}) {
    for (bool roc : {true, false}) {
      const CurvePoints full = roc ? RocCurve(sorted, all) : PrecisionRecallCurve(sorted, all);
      const CurvePoints walked =
          roc ? RocCurve(sorted, max_points) : PrecisionRecallCurve(sorted, max_points);
      const CurvePoints picked = DownsampleCurve(full, max_points);
      EXPECT_GT(full.x.size(), 4000u);
      EXPECT_EQ(walked.x, picked.x) << max_points;
      EXPECT_EQ(walked.y, picked.y) << max_points;
      EXPECT_EQ(walked.thresholds, picked.thresholds) << max_points;
      EXPECT_LE(walked.x.size(), max_points);
      EXPECT_EQ(walked.x.front(), 0.0);
      EXPECT_EQ(walked.x.back(), 1.0);
    }
  }
}

TEST(DownsampleCurveTest, KeepsEndpointsAndAtMostMaxPoints) {
  CurvePoints curve;
  for (int i = 0; i <= 1000; ++i) {
    const double x = i / 1000.0;
    curve.x.push_back(x);
    curve.y.push_back(std::sqrt(x));
    curve.thresholds.push_back(1.0 - x);
  }
  const CurvePoints kept = DownsampleCurve(curve, 50);
  EXPECT_LE(kept.x.size(), 50u);
  EXPECT_GE(kept.x.size(), 40u);
  EXPECT_EQ(kept.x.front(), 0.0);
  EXPECT_EQ(kept.x.back(), 1.0);
  EXPECT_EQ(kept.thresholds.back(), 0.0);
  for (size_t i = 1; i < kept.x.size(); ++i) EXPECT_GT(kept.x[i], kept.x[i - 1]);
  EXPECT_EQ(DownsampleCurve(curve, 5000).x.size(), curve.x.size());
}

TEST(DownsampleCurveTest, CurveOfZeroLengthKeepsItsEndpoints) {
  const CurvePoints still = {std::vector<double>(10, 0.5), std::vector<double>(10, 0.5),
                             std::vector<double>(10, 0.1)};
  EXPECT_EQ(DownsampleCurve(still, 4).x.size(), 2u);
}

}  // namespace
}  // namespace verdict::metrics::internal
