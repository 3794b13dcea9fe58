#include "numeric/numeric.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace verdict::numeric {
namespace {

// First outputs for seed 20261129, from a plain Python transcription of splitmix64 and
// xoshiro256** (the generator of tests/golden/stats/gen_stats_golden.py).
TEST(Generator, MatchesTheReferenceSequence) {
  Generator rng(kDefaultSeed);
  EXPECT_EQ(rng.Next(), 0x15d7390b8b413d9dULL);
  EXPECT_EQ(rng.Next(), 0x96422cb3f1d75970ULL);
  EXPECT_EQ(rng.Next(), 0x41ac321f02d76416ULL);
}

TEST(Generator, BelowStaysInRangeAndCoversIt) {
  Generator rng(7);
  std::vector<int> seen(5, 0);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t k = rng.Below(5);
    ASSERT_LT(k, 5u);
    ++seen[k];
  }
  for (int count : seen) EXPECT_GT(count, 150);
  EXPECT_EQ(rng.Below(1), 0u);
}

// Expected values: numpy.quantile (default method "linear") of the same data.
TEST(Quantile, IsNumpysLinearQuantile) {
  std::vector<double> values = {3, 1, 4, 1, 5, 9, 2, 6};
  const Interval ci = PercentileInterval(values, 0.95);
  EXPECT_TRUE(std::is_sorted(values.begin(), values.end()));
  EXPECT_DOUBLE_EQ(ci.lower, 1.0);
  EXPECT_DOUBLE_EQ(ci.upper, 8.475000000000001);
  EXPECT_DOUBLE_EQ(SortedQuantile(values, 0.5), 3.5);
  EXPECT_DOUBLE_EQ(SortedQuantile(values, 0.3), 2.1);
  EXPECT_EQ(SortedQuantile(values, 0), 1);
  EXPECT_EQ(SortedQuantile(values, 1), 9);
  const std::vector<double> one = {4};
  EXPECT_EQ(SortedQuantile(one, 0.7), 4);
}

TEST(Distributions, KnownValues) {
  EXPECT_NEAR(NormalQuantile(0.975), 1.959963984540054, 1e-14);
  EXPECT_NEAR(NormalCdf(1.959963984540054), 0.975, 1e-15);
  EXPECT_NEAR(NormalSf(0), 0.5, 1e-16);
  EXPECT_EQ(NormalQuantile(0), -HUGE_VAL);
  EXPECT_NEAR(StudentTQuantile(0.975, 10), 2.228138851986274, 1e-12);
  EXPECT_NEAR(ChiSquareSf(3.8414588206941285, 1), 0.05, 1e-13);
  EXPECT_NEAR(BinomialCdf(2, 4, 0.5), 11.0 / 16, 1e-15);
}

TEST(StratifiedResampler, KeepsEveryStratumSizeAndPairsRows) {
  const std::vector<int32_t> labels = {1, 0, 2, 1, 0, 1, 1};
  const StratifiedResampler resampler(labels);
  ASSERT_EQ(resampler.strata().size(), 3u);
  EXPECT_EQ(resampler.strata()[0], (std::vector<size_t>{1, 4}));
  EXPECT_EQ(resampler.resampled_labels(), (std::vector<int32_t>{0, 0, 1, 1, 1, 1, 2}));
  Generator rng(kDefaultSeed);
  Generator again(kDefaultSeed);
  std::vector<size_t> rows;
  std::vector<size_t> same;
  for (int b = 0; b < 20; ++b) {
    resampler.Draw(rng, rows);
    resampler.Draw(again, same);
    ASSERT_EQ(rows, same);
    ASSERT_EQ(rows.size(), labels.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(labels[rows[i]], resampler.resampled_labels()[i]);
    }
  }
}

}  // namespace
}  // namespace verdict::numeric
