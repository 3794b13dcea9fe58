#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "stats/golden.h"
#include "stats/stats.h"

namespace verdict::stats {
namespace {

// scipy.stats.ttest_rel with confidence_interval(level), incl. all-zero and constant differences.
TEST(PairedTTestTest, MatchesScipy) {
  const nlohmann::json& cases = testing::Golden().at("paired_t");
  ASSERT_GE(cases.size(), 18u);
  for (const nlohmann::json& c : cases) {
    const std::string name = c.at("name").get<std::string>();
    const Result<PairedTTestResult> r = PairedTTest(
        testing::Doubles(c.at("a")), testing::Doubles(c.at("b")), c.at("level").get<double>());
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    const nlohmann::json& tol = c.at("tolerance");
    const nlohmann::json& ptol = c.at("p_tolerance");
    testing::ExpectMatches(r->statistic, c.at("statistic"), tol, name + " t");
    testing::ExpectMatches(r->p_value, c.at("p_value"), ptol, name + " p");
    testing::ExpectMatches(r->df, c.at("df"), tol, name + " df");
    testing::ExpectMatches(r->mean_difference, c.at("mean_difference"), tol, name + " mean");
    testing::ExpectMatches(r->ci_lower, c.at("ci")[0], tol, name + " ci lower");
    testing::ExpectMatches(r->ci_upper, c.at("ci")[1], tol, name + " ci upper");
  }
}

TEST(PairedTTestTest, RejectsBadLevel) {
  const std::vector<double> a = {1, 2, 3};
  EXPECT_EQ(PairedTTest(a, a, 1.0).status().code(), StatusCode::kInvalidArgument);
}

// scipy.stats.wilcoxon(a, b) defaults: exact, sign-flip permutation (ties / zeros, n <= 13) and
// normal approximation (n > 50, or ties / zeros with n > 13), all-zero differences.
TEST(WilcoxonTest, MatchesScipy) {
  const nlohmann::json& cases = testing::Golden().at("wilcoxon");
  ASSERT_GE(cases.size(), 12u);
  for (const nlohmann::json& c : cases) {
    const std::string name = c.at("name").get<std::string>();
    const Result<WilcoxonResult> r =
        Wilcoxon(testing::Doubles(c.at("a")), testing::Doubles(c.at("b")));
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    const nlohmann::json& tol = c.at("tolerance");
    const nlohmann::json& ptol = c.at("p_tolerance");
    EXPECT_EQ(WilcoxonMethodName(r->method), c.at("method").get<std::string>()) << name;
    EXPECT_EQ(r->n_zero, c.at("n_zero").get<int64_t>()) << name;
    testing::ExpectMatches(r->statistic, c.at("statistic"), tol, name + " statistic");
    testing::ExpectMatches(r->w_plus, c.at("w_plus"), tol, name + " W+");
    testing::ExpectMatches(r->p_value, c.at("p_value"), ptol, name + " p");
    // z exists for the normal approximation with at least one non-zero difference.
    EXPECT_EQ(std::isnan(r->z), r->method != WilcoxonMethod::kNormal || r->n_nonzero == 0) << name;
  }
}

// The exact tail keeps its relative precision where SciPy's 1 - sum loses it.
TEST(WilcoxonTest, ExactExtremeTailIsRelativelyPrecise) {
  std::vector<double> a(40);
  std::vector<double> b(40, 0.0);
  for (size_t i = 0; i < a.size(); ++i) a[i] = 1.0 + static_cast<double>(i);
  const Result<WilcoxonResult> r = Wilcoxon(a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->method, WilcoxonMethod::kExact);
  EXPECT_DOUBLE_EQ(r->p_value, 2.0 * std::ldexp(1.0, -40));
}

// statsmodels mcnemar(exact=True) and mcnemar(exact=False, correction=True); the seed's
// b + c = 0 convention (statistic 0, p 1).
TEST(McNemarTest, MatchesStatsmodels) {
  const nlohmann::json& cases = testing::Golden().at("mcnemar");
  ASSERT_GE(cases.size(), 10u);
  for (const nlohmann::json& c : cases) {
    const int64_t b = c.at("b").get<int64_t>();
    const int64_t cc = c.at("c").get<int64_t>();
    const std::string name = "b=" + std::to_string(b) + " c=" + std::to_string(cc);
    const McNemarResult r = McNemar(b, cc);
    const nlohmann::json& tol = c.at("tolerance");
    const nlohmann::json& ptol = c.at("p_tolerance");
    testing::ExpectMatches(r.chi_square, c.at("chi_square"), tol, name + " chi-square");
    testing::ExpectMatches(r.chi_square_p_value, c.at("chi_square_p_value"), ptol,
                           name + " chi-square p");
    testing::ExpectMatches(r.exact_p_value, c.at("exact_p_value"), ptol, name + " exact p");
  }
}

TEST(McNemarTest, CountsPairedCorrectness) {
  const std::vector<uint8_t> by_new = {1, 1, 0, 0, 1, 0, 1};
  const std::vector<uint8_t> by_previous = {1, 0, 1, 0, 0, 0, 1};
  const Result<PairedCorrectness> counts = CountPairedCorrectness(by_new, by_previous);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->both_correct, 2);
  EXPECT_EQ(counts->new_only_correct, 2);
  EXPECT_EQ(counts->previous_only_correct, 1);
  EXPECT_EQ(counts->both_wrong, 2);
  const std::vector<uint8_t> bad = {1, 2, 0, 0, 1, 0, 1};
  EXPECT_EQ(CountPairedCorrectness(by_new, bad).status().code(), StatusCode::kInvalidData);
  EXPECT_EQ(CountPairedCorrectness(by_new, std::vector<uint8_t>{1}).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace verdict::stats
