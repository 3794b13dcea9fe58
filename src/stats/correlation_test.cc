#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "stats/golden.h"
#include "stats/stats.h"

namespace verdict::stats {
namespace {

// scipy.stats.pearsonr and spearmanr: n = 2, 3, ties, negative, near-perfect, constant input.
TEST(CorrelationTest, MatchesScipy) {
  const nlohmann::json& cases = testing::Golden().at("correlation");
  ASSERT_GE(cases.size(), 9u);
  for (const nlohmann::json& c : cases) {
    const std::string name = c.at("name").get<std::string>();
    const std::vector<double> x = testing::Doubles(c.at("x"));
    const std::vector<double> y = testing::Doubles(c.at("y"));
    const Result<CorrelationResult> pearson = Pearson(x, y);
    const Result<CorrelationResult> spearman = Spearman(x, y);
    ASSERT_TRUE(pearson.ok() && spearman.ok()) << name;
    EXPECT_EQ(pearson->n, static_cast<int64_t>(x.size()));
    const nlohmann::json& tol = c.at("tolerance");
    const nlohmann::json& ptol = c.at("p_tolerance");
    testing::ExpectMatches(pearson->statistic, c.at("pearson")[0], tol, name + " pearson r");
    testing::ExpectMatches(pearson->p_value, c.at("pearson")[1], ptol, name + " pearson p");
    testing::ExpectMatches(spearman->statistic, c.at("spearman")[0], tol, name + " spearman rho");
    testing::ExpectMatches(spearman->p_value, c.at("spearman")[1], ptol, name + " spearman p");
  }
}

TEST(CorrelationTest, RejectsBadInput) {
  const std::vector<double> three = {1, 2, 3};
  const std::vector<double> two = {1, 2};
  EXPECT_EQ(Pearson(three, two).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Spearman(std::vector<double>{1}, std::vector<double>{2}).status().code(),
            StatusCode::kInvalidData);
  const std::vector<double> with_nan = {1, NAN, 3};
  const Result<CorrelationResult> result = Pearson(three, with_nan);
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(result.status().message().find("row 1"), std::string::npos);
}

}  // namespace
}  // namespace verdict::stats
