#include <gtest/gtest.h>

#include <vector>

#include "stats/golden.h"
#include "stats/stats.h"

namespace verdict::stats {
namespace {

// Against the oracle's O(m n) Mann-Whitney kernel DeLong: small, ties, rare positives, identical
// scorers (difference 0, variance 0), and one-vs-rest per class of a 3-class problem.
TEST(DeLongTest, MatchesKernelOracle) {
  const nlohmann::json& cases = testing::Golden().at("delong");
  ASSERT_GE(cases.size(), 13u);
  for (const nlohmann::json& c : cases) {
    const std::string name = c.at("name").get<std::string>();
    const Result<DeLongResult> r =
        DeLongPairedTest(testing::Ints(c.at("labels")), testing::Doubles(c.at("new")),
                         testing::Doubles(c.at("previous")), c.at("level").get<double>());
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    const nlohmann::json& tol = c.at("tolerance");
    const nlohmann::json& ptol = c.at("p_tolerance");
    testing::ExpectMatches(r->auc_new, c.at("auc_new"), tol, name + " auc new");
    testing::ExpectMatches(r->auc_previous, c.at("auc_previous"), tol, name + " auc previous");
    testing::ExpectMatches(r->difference, c.at("difference"), tol, name + " difference");
    // The variance is a difference of covariances: absolute tolerance on its scale.
    testing::ExpectMatches(r->variance, c.at("variance"), {{"abs", 1e-15}, {"rel", 1e-9}},
                           name + " variance");
    testing::ExpectMatches(r->z, c.at("z"), tol, name + " z");
    testing::ExpectMatches(r->p_value, c.at("p_value"), ptol, name + " p");
    testing::ExpectMatches(r->ci_lower, c.at("ci")[0], tol, name + " ci lower");
    testing::ExpectMatches(r->ci_upper, c.at("ci")[1], tol, name + " ci upper");
  }
}

TEST(DeLongTest, RejectsBadInput) {
  const std::vector<int32_t> one_class = {1, 1, 1};
  const std::vector<double> scores = {0.1, 0.2, 0.3};
  EXPECT_EQ(DeLongPairedTest(one_class, scores, scores, 0.95).status().code(),
            StatusCode::kInvalidData);
  const std::vector<int32_t> labels = {0, 1};
  EXPECT_EQ(DeLongPairedTest(labels, scores, scores, 0.95).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace verdict::stats
