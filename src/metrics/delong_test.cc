#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "metrics/metrics.h"

namespace verdict::metrics {
namespace {

double Kernel(double positive, double negative) {
  if (positive > negative) return 1.0;
  return positive == negative ? 0.5 : 0.0;
}

// O(m n) placements straight from the definition, in row order.
DeLongPlacements BruteForcePlacements(const std::vector<int32_t>& labels,
                                      const std::vector<double>& scores) {
  std::vector<double> positives, negatives;
  for (size_t row = 0; row < labels.size(); ++row) {
    (labels[row] == 1 ? positives : negatives).push_back(scores[row]);
  }
  DeLongPlacements result;
  for (double x : positives) {
    double sum = 0;
    for (double y : negatives) sum += Kernel(x, y);
    result.positive_placements.push_back(sum / negatives.size());
  }
  for (double y : negatives) {
    double sum = 0;
    for (double x : positives) sum += Kernel(x, y);
    result.negative_placements.push_back(sum / positives.size());
  }
  double total = 0;
  for (double v : result.positive_placements) total += v;
  result.auc = total / positives.size();
  return result;
}

TEST(DeLongPlacementsTest, HandExampleWithTies) {
  // Positives 0.8, 0.4, 0.4; negatives 0.4, 0.1.
  const std::vector<int32_t> labels = {1, 0, 1, 1, 0};
  const std::vector<double> scores = {0.8, 0.4, 0.4, 0.4, 0.1};
  Result<DeLongPlacements> result = ComputeDeLongPlacements(labels, scores);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_DOUBLE_EQ(result->auc, (1.0 + 0.75 + 0.75) / 3.0);
  EXPECT_EQ(result->positive_placements, (std::vector<double>{1.0, 0.75, 0.75}));
  ASSERT_EQ(result->negative_placements.size(), 2u);
  EXPECT_DOUBLE_EQ(result->negative_placements[0], 2.0 / 3.0);  // 0.8 above, two ties at 0.4
  EXPECT_DOUBLE_EQ(result->negative_placements[1], 1.0);
}

TEST(DeLongPlacementsTest, MatchesDefinitionOnRandomScoresWithTies) {
  std::mt19937_64 random(11);
  std::bernoulli_distribution is_positive(0.3);
  std::uniform_int_distribution<int> level(0, 40);
  std::vector<int32_t> labels(3000);
  std::vector<double> scores(labels.size());
  for (size_t row = 0; row < labels.size(); ++row) {
    labels[row] = is_positive(random) ? 1 : 0;
    scores[row] = (level(random) + 10 * labels[row]) / 50.0;
  }
  const DeLongPlacements expected = BruteForcePlacements(labels, scores);
  Result<DeLongPlacements> result = ComputeDeLongPlacements(labels, scores);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_NEAR(result->auc, expected.auc, 1e-12);
  ASSERT_EQ(result->positive_placements.size(), expected.positive_placements.size());
  ASSERT_EQ(result->negative_placements.size(), expected.negative_placements.size());
  for (size_t i = 0; i < expected.positive_placements.size(); ++i) {
    EXPECT_NEAR(result->positive_placements[i], expected.positive_placements[i], 1e-12) << i;
  }
  for (size_t j = 0; j < expected.negative_placements.size(); ++j) {
    EXPECT_NEAR(result->negative_placements[j], expected.negative_placements[j], 1e-12) << j;
  }
}

TEST(DeLongPlacementsTest, Float32AndDoubleScoresGiveTheSamePlacements) {
  std::mt19937_64 random(12);
  std::uniform_int_distribution<int> level(0, 30);
  std::vector<int32_t> labels(2000);
  std::vector<double> float_scores(labels.size());
  for (size_t row = 0; row < labels.size(); ++row) {
    labels[row] = static_cast<int32_t>(row % 3 == 0);
    float_scores[row] = static_cast<float>((level(random) + 5 * labels[row]) / 7.0);
  }
  std::vector<double> double_scores = float_scores;
  double_scores[0] = 0.1;  // not a float32 value (64-bit path); ranks like 0.1f here
  std::vector<double> float_with_same_first = float_scores;
  float_with_same_first[0] = static_cast<float>(0.1);
  const Result<DeLongPlacements> narrow = ComputeDeLongPlacements(labels, float_with_same_first);
  const Result<DeLongPlacements> wide = ComputeDeLongPlacements(labels, double_scores);
  const DeLongPlacements expected = BruteForcePlacements(labels, float_with_same_first);
  ASSERT_TRUE(narrow.ok() && wide.ok());
  EXPECT_NEAR(narrow->auc, expected.auc, 1e-12);
  EXPECT_NEAR(wide->auc, narrow->auc, 1e-12);
  for (size_t i = 0; i < expected.positive_placements.size(); ++i) {
    EXPECT_NEAR(narrow->positive_placements[i], expected.positive_placements[i], 1e-12) << i;
    EXPECT_NEAR(wide->positive_placements[i], expected.positive_placements[i], 1e-12) << i;
  }
  for (size_t j = 0; j < expected.negative_placements.size(); ++j) {
    EXPECT_NEAR(narrow->negative_placements[j], expected.negative_placements[j], 1e-12) << j;
  }
}

TEST(DeLongPlacementsTest, RejectsOneClassNonFiniteScoresAndBadLabels) {
  const std::vector<int32_t> ones = {1, 1};
  const std::vector<double> two_scores = {0.1, 0.2};
  Result<DeLongPlacements> one_class = ComputeDeLongPlacements(ones, two_scores);
  EXPECT_FALSE(one_class.ok());
  EXPECT_NE(one_class.status().message().find("no negative"), std::string::npos);

  const std::vector<int32_t> labels = {0, 1, 1};
  const std::vector<double> nan_score = {0.1, std::nan(""), 0.3};
  Result<DeLongPlacements> non_finite = ComputeDeLongPlacements(labels, nan_score);
  EXPECT_FALSE(non_finite.ok());
  EXPECT_NE(non_finite.status().message().find("row 1 (0-based data row)"), std::string::npos);

  const std::vector<int32_t> bad_label = {0, 2, 1};
  const std::vector<double> scores = {0.1, 0.2, 0.3};
  EXPECT_FALSE(ComputeDeLongPlacements(bad_label, scores).ok());
  EXPECT_FALSE(ComputeDeLongPlacements({}, {}).ok());
  EXPECT_FALSE(ComputeDeLongPlacements(labels, two_scores).ok());
}

}  // namespace
}  // namespace verdict::metrics
