#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <string>

#include "stats/golden.h"
#include "stats/stats.h"

namespace verdict::stats {
namespace {

// The distribution functions live in numeric/; their SciPy goldens are stats'
// (stats_golden.json), next to the tests built on them.
using numeric::BinomialCdf;
using numeric::ChiSquareSf;
using numeric::IncompleteBeta;
using numeric::IncompleteGamma;
using numeric::NormalCdf;
using numeric::NormalQuantile;
using numeric::NormalSf;
using numeric::StudentTQuantile;
using numeric::StudentTSf;
using numeric::Tails;

using Args = std::vector<double>;

const std::map<std::string, std::function<double(const Args&)>>& Functions() {
  static const std::map<std::string, std::function<double(const Args&)>> functions = {
      {"normal_cdf", [](const Args& a) { return NormalCdf(a[0]); }},
      {"normal_sf", [](const Args& a) { return NormalSf(a[0]); }},
      {"normal_quantile", [](const Args& a) { return NormalQuantile(a[0]); }},
      {"student_t_sf", [](const Args& a) { return StudentTSf(a[0], a[1]); }},
      {"student_t_quantile", [](const Args& a) { return StudentTQuantile(a[0], a[1]); }},
      {"chi_square_sf", [](const Args& a) { return ChiSquareSf(a[0], a[1]); }},
      {"binomial_cdf",
       [](const Args& a) {
         return BinomialCdf(static_cast<int64_t>(a[0]), static_cast<int64_t>(a[1]), a[2]);
       }},
      {"incomplete_beta_lower",
       [](const Args& a) { return IncompleteBeta(a[0], a[1], a[2], 1 - a[2]).lower; }},
      {"incomplete_beta_upper",
       [](const Args& a) { return IncompleteBeta(a[0], a[1], a[2], 1 - a[2]).upper; }},
      {"incomplete_gamma_lower", [](const Args& a) { return IncompleteGamma(a[0], a[1]).lower; }},
      {"incomplete_gamma_upper", [](const Args& a) { return IncompleteGamma(a[0], a[1]).upper; }},
  };
  return functions;
}

// Relative 1e-12 against scipy.special / scipy.stats, tails included (see the golden file).
TEST(DistributionsTest, MatchesScipy) {
  const nlohmann::json& cases = testing::Golden().at("distributions");
  ASSERT_GT(cases.size(), 150u);
  for (const nlohmann::json& c : cases) {
    const std::string name = c.at("function").get<std::string>();
    const Args args = c.at("args").get<Args>();
    std::string what = name + "(";
    for (double a : args) what += std::to_string(a) + " ";
    what += ")";
    testing::ExpectMatches(Functions().at(name)(args), c.at("expected"), c.at("tolerance"), what);
  }
}

TEST(DistributionsTest, TailsAreComplementary) {
  for (double x : {0.01, 0.3, 0.7, 0.99}) {
    const Tails tails = IncompleteBeta(3.5, 7.25, x, 1 - x);
    EXPECT_NEAR(tails.lower + tails.upper, 1.0, 1e-15);
  }
  const Tails gamma = IncompleteGamma(2.5, 4.0);
  EXPECT_NEAR(gamma.lower + gamma.upper, 1.0, 1e-15);
}

TEST(DistributionsTest, QuantilesInvertTheTails) {
  for (double p : {1e-9, 0.01, 0.4, 0.9}) {
    EXPECT_NEAR(NormalCdf(NormalQuantile(p)) / p, 1.0, 1e-13);
    EXPECT_NEAR(StudentTSf(-StudentTQuantile(p, 4.5), 4.5) / p, 1.0, 1e-12);
  }
}

TEST(DistributionsTest, Edges) {
  EXPECT_EQ(NormalQuantile(0), -INFINITY);
  EXPECT_EQ(NormalQuantile(1), INFINITY);
  EXPECT_EQ(NormalQuantile(0.5), 0);
  EXPECT_EQ(StudentTSf(INFINITY, 3), 0);
  EXPECT_EQ(StudentTSf(0, 3), 0.5);
  EXPECT_EQ(ChiSquareSf(0, 1), 1);
  EXPECT_EQ(BinomialCdf(-1, 5, 0.5), 0);
  EXPECT_EQ(BinomialCdf(5, 5, 0.5), 1);
}

}  // namespace
}  // namespace verdict::stats
