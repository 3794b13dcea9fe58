#include <gtest/gtest.h>

#include <vector>

#include "stats/golden.h"
#include "stats/stats.h"

namespace verdict::stats {
namespace {

struct LargeSample {
  std::vector<int32_t> labels;
  std::vector<double> new_scores;
  std::vector<double> previous_scores;
};

// The oracle's large_dataset(): 20% positives, two correlated scores on a coarse grid (ties).
LargeSample Regenerate(uint64_t seed, int n) {
  numeric::Generator rng(seed);
  LargeSample sample;
  for (int i = 0; i < n; ++i) {
    const int32_t label = rng.Below(100) < 20 ? 1 : 0;
    const double shared = static_cast<double>(rng.Below(1000));
    sample.new_scores.push_back((shared + static_cast<double>(rng.Below(500)) + 400 * label) /
                                2000);
    sample.previous_scores.push_back((shared + static_cast<double>(rng.Below(700)) + 250 * label) /
                                     2200);
    sample.labels.push_back(label);
  }
  return sample;
}

// 200,000 rows (pROC #19 broke near 145k): large-df t and beta tails, the normal Wilcoxon with
// heavy ties, and DeLong against the oracle's midrank implementation.
TEST(LargeSampleTest, MatchesScipyAndMidrankDeLong) {
  const nlohmann::json& golden = testing::Golden().at("large");
  const LargeSample s = Regenerate(golden.at("seed").get<uint64_t>(), golden.at("n").get<int>());
  const nlohmann::json& tol = golden.at("tolerance");
  const nlohmann::json& ptol = golden.at("p_tolerance");

  const Result<CorrelationResult> pearson = Pearson(s.new_scores, s.previous_scores);
  const Result<CorrelationResult> spearman = Spearman(s.new_scores, s.previous_scores);
  ASSERT_TRUE(pearson.ok() && spearman.ok());
  testing::ExpectMatches(pearson->statistic, golden.at("pearson")[0], tol, "pearson r");
  testing::ExpectMatches(pearson->p_value, golden.at("pearson")[1], ptol, "pearson p");
  testing::ExpectMatches(spearman->statistic, golden.at("spearman")[0], tol, "spearman rho");
  testing::ExpectMatches(spearman->p_value, golden.at("spearman")[1], ptol, "spearman p");

  const Result<PairedTTestResult> t = PairedTTest(s.new_scores, s.previous_scores, 0.95);
  ASSERT_TRUE(t.ok());
  testing::ExpectMatches(t->statistic, golden.at("paired_t")[0], tol, "t");
  testing::ExpectMatches(t->p_value, golden.at("paired_t")[1], ptol, "t p");
  testing::ExpectMatches(t->ci_lower, golden.at("paired_t")[2], tol, "t ci lower");
  testing::ExpectMatches(t->ci_upper, golden.at("paired_t")[3], tol, "t ci upper");

  const Result<WilcoxonResult> w = Wilcoxon(s.new_scores, s.previous_scores);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->method, WilcoxonMethod::kNormal);
  testing::ExpectMatches(w->statistic, golden.at("wilcoxon")[0], tol, "wilcoxon statistic");
  testing::ExpectMatches(w->p_value, golden.at("wilcoxon")[1], ptol, "wilcoxon p");

  const Result<DeLongResult> d = DeLongPairedTest(s.labels, s.new_scores, s.previous_scores, 0.95);
  ASSERT_TRUE(d.ok());
  const nlohmann::json& want = golden.at("delong");
  testing::ExpectMatches(d->auc_new, want.at("auc_new"), tol, "auc new");
  testing::ExpectMatches(d->auc_previous, want.at("auc_previous"), tol, "auc previous");
  testing::ExpectMatches(d->difference, want.at("difference"), tol, "difference");
  testing::ExpectMatches(d->variance, want.at("variance"), {{"abs", 1e-15}, {"rel", 1e-9}},
                         "variance");
  testing::ExpectMatches(d->z, want.at("z"), tol, "z");
  testing::ExpectMatches(d->p_value, want.at("p_value"), ptol, "p");
  testing::ExpectMatches(d->ci_lower, want.at("ci")[0], tol, "ci lower");
  testing::ExpectMatches(d->ci_upper, want.at("ci")[1], tol, "ci upper");
}

}  // namespace
}  // namespace verdict::stats
