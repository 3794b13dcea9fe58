#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "stats/golden.h"
#include "stats/stats.h"

namespace verdict::stats {
namespace {

// Average precision as scikit-learn defines it: sum over distinct score thresholds (highest
// first) of (recall step) * precision.
double AveragePrecision(std::span<const int32_t> labels, std::span<const double> scores) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t i, size_t j) { return scores[i] > scores[j]; });
  const double positives = static_cast<double>(std::count(labels.begin(), labels.end(), 1));
  double true_positives = 0;
  double seen = 0;
  double previous_recall = 0;
  double ap = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    true_positives += labels[order[k]];
    seen += 1;
    if (k + 1 < order.size() && scores[order[k + 1]] == scores[order[k]]) continue;
    const double recall = true_positives / positives;
    ap += (recall - previous_recall) * (true_positives / seen);
    previous_recall = recall;
  }
  return ap;
}

// F1 of "score >= 0.5", 0 when there is no positive at all (scikit-learn zero_division=0).
double F1AtHalf(std::span<const int32_t> labels, std::span<const double> scores) {
  double tp = 0;
  double fp = 0;
  double fn = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const bool predicted = scores[i] >= 0.5;
    tp += predicted && labels[i] == 1;
    fp += predicted && labels[i] == 0;
    fn += !predicted && labels[i] == 1;
  }
  const double denominator = 2 * tp + fp + fn;
  return denominator == 0 ? 0 : 2 * tp / denominator;
}

// The oracle draws the same resamples with its own xoshiro256** and computes the interval with
// scikit-learn's average_precision_score / f1_score and NumPy's quantile and std.
TEST(BootstrapTest, MatchesOracleDrawForDraw) {
  const nlohmann::json& cases = testing::Golden().at("bootstrap");
  ASSERT_EQ(cases.size(), 4u);
  for (const nlohmann::json& c : cases) {
    const std::string name = c.at("statistic").get<std::string>() + " seed " +
                             std::to_string(c.at("seed").get<uint64_t>());
    const Statistic statistic = c.at("statistic") == "average_precision"
                                    ? Statistic(AveragePrecision)
                                    : Statistic(F1AtHalf);
    BootstrapOptions options;
    options.resamples = c.at("resamples").get<int>();
    options.seed = c.at("seed").get<uint64_t>();
    options.confidence_level = c.at("level").get<double>();
    const Result<BootstrapInterval> r =
        PairedBootstrapDifference(testing::Ints(c.at("labels")), testing::Doubles(c.at("new")),
                                  testing::Doubles(c.at("previous")), statistic, options);
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    EXPECT_EQ(r->valid_resamples, options.resamples);
    EXPECT_EQ(r->degenerate_resamples, 0);
    const nlohmann::json& tol = c.at("tolerance");
    testing::ExpectMatches(r->estimate, c.at("estimate"), tol, name + " estimate");
    testing::ExpectMatches(r->lower, c.at("lower"), tol, name + " lower");
    testing::ExpectMatches(r->upper, c.at("upper"), tol, name + " upper");
    testing::ExpectMatches(r->standard_error, c.at("standard_error"), tol, name + " se");
  }
}

TEST(BootstrapTest, BoundedDrawsMatchOracle) {
  const nlohmann::json& draws = testing::Golden().at("bounded_draws");
  numeric::Generator rng(draws.at("seed").get<uint64_t>());
  std::vector<uint64_t> got;
  for (uint64_t bound : draws.at("bounds").get<std::vector<uint64_t>>()) {
    for (int i = 0; i < 5; ++i) got.push_back(rng.Below(bound));
  }
  EXPECT_EQ(got, draws.at("values").get<std::vector<uint64_t>>());
}

TEST(BootstrapTest, CountsDegenerateResamples) {
  const std::vector<int32_t> labels = {0, 0, 1, 1, 1};
  const std::vector<double> new_scores = {0.1, 0.2, 0.7, 0.8, 0.9};
  const std::vector<double> previous_scores = {0.2, 0.1, 0.6, 0.9, 0.5};
  // Undefined whenever the resample repeats the first positive's score.
  const Statistic statistic = [](std::span<const int32_t> l, std::span<const double> s) {
    double positives_sum = 0;
    for (size_t i = 0; i < l.size(); ++i) positives_sum += l[i] == 1 ? s[i] : 0;
    return std::count(s.begin(), s.end(), s[2]) > 1 ? NAN : positives_sum;
  };
  BootstrapOptions options;
  options.resamples = 300;
  const Result<BootstrapInterval> r =
      PairedBootstrapDifference(labels, new_scores, previous_scores, statistic, options);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->degenerate_resamples, 0);
  EXPECT_EQ(r->valid_resamples + r->degenerate_resamples, options.resamples);
  EXPECT_LE(r->lower, r->upper);
}

TEST(BootstrapTest, RejectsBadOptions) {
  const std::vector<int32_t> labels = {0, 1};
  const std::vector<double> scores = {0.1, 0.9};
  BootstrapOptions options;
  options.resamples = 0;
  EXPECT_EQ(PairedBootstrapDifference(labels, scores, scores, F1AtHalf, options).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace verdict::stats
