#include <gtest/gtest.h>

#include <cmath>

#include "comparison/comparison.h"

namespace verdict::comparison {
namespace {

// Binary rows: labels, new P(class 1), previous P(class 1); probabilities are [N, 2].
struct BinaryRows {
  std::vector<int32_t> labels;
  std::vector<double> probabilities;
  std::vector<double> previous;

  BinaryRows(std::vector<int32_t> l, const std::vector<double>& new_scores,
             std::vector<double> previous_scores)
      : labels(std::move(l)), previous(std::move(previous_scores)) {
    for (double p : new_scores) {
      probabilities.push_back(1 - p);
      probabilities.push_back(p);
    }
  }
  Input AsInput() const {
    return {.labels = labels, .new_probabilities = probabilities, .previous_scores = previous};
  }
};

double Number(const Comparison& c, std::string_view name) {
  const metrics::Metric* m = FindMetric(c, name);
  EXPECT_NE(m, nullptr) << name;
  if (m == nullptr) return std::nan("");
  if (const double* v = std::get_if<double>(&m->value)) return *v;
  if (const int64_t* v = std::get_if<int64_t>(&m->value)) return static_cast<double>(*v);
  if (const bool* v = std::get_if<bool>(&m->value)) return *v;
  return std::nan("");
}

// The job's own evaluation of the new model, when passed, is used as is: the keys and curves are
// those of Compare evaluating the model itself.
TEST(CompareTest, ReusesTheJobsEvaluationOfTheNewModel) {
  const BinaryRows rows({0, 1, 0, 1, 1, 0, 1, 0}, {0.2, 0.8, 0.6, 0.7, 0.4, 0.1, 0.9, 0.3},
                        {0.3, 0.6, 0.4, 0.8, 0.5, 0.2, 0.7, 0.6});
  Options options;
  options.bootstrap_resamples = 40;
  std::vector<double> new_scores;
  for (size_t i = 1; i < rows.probabilities.size(); i += 2) {
    new_scores.push_back(rows.probabilities[i]);
  }
  const Result<metrics::Evaluation> job = metrics::EvaluateBinary(rows.labels, new_scores, {});
  ASSERT_TRUE(job.ok());
  Input with_evaluation = rows.AsInput();
  with_evaluation.new_evaluation = &job.value();
  const Result<Comparison> reused = Compare(with_evaluation, options);
  const Result<Comparison> computed = Compare(rows.AsInput(), options);
  ASSERT_TRUE(reused.ok() && computed.ok());
  ASSERT_EQ(reused->metrics.size(), computed->metrics.size());
  for (size_t i = 0; i < reused->metrics.size(); ++i) {
    EXPECT_EQ(reused->metrics[i].name, computed->metrics[i].name);
    EXPECT_EQ(reused->metrics[i].value, computed->metrics[i].value) << reused->metrics[i].name;
  }
  ASSERT_EQ(reused->new_curves.size(), computed->new_curves.size());
  EXPECT_EQ(reused->new_curves[0].x, computed->new_curves[0].x);
  EXPECT_EQ(reused->summary.new_auc, computed->summary.new_auc);
}

TEST(CompareTest, HandCheckedBinaryKeys) {
  // new: perfect ranking; previous: one inverted pair.
  const BinaryRows rows({0, 0, 1, 1}, {0.1, 0.4, 0.75, 0.9}, {0.2, 0.7, 0.3, 0.8});
  Options options;
  options.bootstrap_resamples = 50;
  const auto result = Compare(rows.AsInput(), options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Comparison& c = result.value();
  EXPECT_DOUBLE_EQ(Number(c, "new_model_auc"), 1.0);
  EXPECT_DOUBLE_EQ(Number(c, "previous_model_auc"), 0.75);
  EXPECT_DOUBLE_EQ(Number(c, "auc_delta"), 0.25);
  EXPECT_DOUBLE_EQ(Number(c, "auc_lift_percent"), 0.25 / 0.75 * 100);
  EXPECT_DOUBLE_EQ(Number(c, "new_score_mean"), 2.15 / 4);
  EXPECT_DOUBLE_EQ(Number(c, "prediction_agreement_at_0.5"), 0.5);
  // At 0.5: new all correct; previous wrong on rows 1 and 2.
  EXPECT_EQ(Number(c, "correct_both"), 2);
  EXPECT_EQ(Number(c, "new_correct_prev_wrong"), 2);
  EXPECT_EQ(Number(c, "new_wrong_prev_correct"), 0);
  EXPECT_DOUBLE_EQ(Number(c, "mcnemar_statistic"), 0.5);  // (|2 - 0| - 1)^2 / 2
  ASSERT_EQ(c.flips.size(), 2u);
  EXPECT_TRUE(c.flips[0].new_correct);
  EXPECT_EQ(c.flips[0].id, "2");  // true-class gap |0.75 - 0.3| beats row 1's |0.6 - 0.3|
  EXPECT_EQ(c.flips[1].id, "1");
  EXPECT_DOUBLE_EQ(c.flips[1].previous_score, 1 - 0.7);
  EXPECT_FALSE(c.decision.empty());
}

TEST(CompareTest, ZeroDifferencesGiveNullsNotNaN) {
  const BinaryRows rows({0, 1, 0, 1, 1}, {0.2, 0.8, 0.4, 0.7, 0.9}, {0.2, 0.8, 0.4, 0.7, 0.9});
  Options options;
  options.bootstrap_resamples = 20;
  const auto result = Compare(rows.AsInput(), options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  for (const char* key : {"paired_t_statistic", "paired_t_p_value", "wilcoxon_statistic"}) {
    const metrics::Metric* m = FindMetric(result.value(), key);
    ASSERT_NE(m, nullptr) << key;
    EXPECT_TRUE(std::holds_alternative<std::monostate>(m->value)) << key;
    EXPECT_FALSE(m->null_reason.empty()) << key;
  }
  EXPECT_EQ(Number(result.value(), "paired_t_significant"), 0);
  for (const metrics::Metric& m : result.value().metrics) {
    if (const double* v = std::get_if<double>(&m.value)) EXPECT_FALSE(std::isnan(*v)) << m.name;
  }
}

TEST(CompareTest, OneClassAndConstantScoresGiveNullsAndInconclusive) {
  const BinaryRows rows({0, 0, 0, 0}, {0.1, 0.4, 0.6, 0.9}, {0.5, 0.5, 0.5, 0.5});
  Options options;
  options.bootstrap_resamples = 20;
  const auto result = Compare(rows.AsInput(), options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Comparison& c = result.value();
  for (const char* key : {"new_model_auc", "auc_delta", "delong_z", "delong_auc_delta_ci_lower",
                          "pearson_correlation", "spearman_p_value", "ap_delta_ci_lower"}) {
    const metrics::Metric* m = FindMetric(c, key);
    ASSERT_NE(m, nullptr) << key;
    EXPECT_TRUE(std::holds_alternative<std::monostate>(m->value)) << key;
  }
  EXPECT_EQ(Number(c, "ap_delta_degenerate_resamples"), 20);
  EXPECT_EQ(c.decision, "inconclusive");
  EXPECT_EQ(Number(c, "delong_significant"), 0);
}

TEST(CompareTest, SingleRowGivesNullTestsNotAnError) {
  const BinaryRows rows({1}, {0.9}, {0.4});
  Options options;
  options.bootstrap_resamples = 10;
  const auto result = Compare(rows.AsInput(), options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  for (const char* key :
       {"pearson_correlation", "paired_t_statistic", "paired_t_ci_lower", "delong_p_value"}) {
    const metrics::Metric* m = FindMetric(result.value(), key);
    ASSERT_NE(m, nullptr) << key;
    EXPECT_TRUE(std::holds_alternative<std::monostate>(m->value)) << key;
  }
  EXPECT_EQ(Number(result.value(), "flips_new_correct"), 1);
}

TEST(CompareTest, MarginTurnsASmallLossIntoNotWorse) {
  // 40 rows, 20 per class; the new model loses one concordant pair: AUC delta -1/400.
  std::vector<int32_t> labels;
  std::vector<double> new_scores, previous_scores;
  for (int i = 0; i < 40; ++i) {
    labels.push_back(i % 2);
    previous_scores.push_back(0.3 + 0.4 * (i % 2) + 0.005 * i);
    new_scores.push_back(previous_scores.back());
  }
  new_scores[1] = 0.489;  // a positive now below the top negative (0.49)
  const BinaryRows rows(labels, new_scores, previous_scores);
  Options options;
  options.bootstrap_resamples = 20;
  const auto strict = Compare(rows.AsInput(), options);
  options.margin = 0.05;
  const auto lenient = Compare(rows.AsInput(), options);
  ASSERT_TRUE(strict.ok() && lenient.ok());
  EXPECT_NEAR(Number(strict.value(), "auc_delta"), -1.0 / 400, 1e-15);
  EXPECT_EQ(strict.value().decision, "inconclusive");
  EXPECT_EQ(lenient.value().decision, "not_worse");
  EXPECT_EQ(Number(lenient.value(), "comparison_margin"), 0.05);
}

TEST(CompareTest, MulticlassNeedsKPreviousColumns) {
  const std::vector<int32_t> labels = {0, 1, 2};
  const std::vector<double> probabilities(9, 1.0 / 3);
  const std::vector<double> previous = {0.2, 0.5, 0.9};
  const auto result = Compare({.labels = labels,
                               .new_probabilities = probabilities,
                               .previous_scores = previous,
                               .num_classes = 3},
                              {});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("3 columns"), std::string::npos);
}

TEST(CompareTest, RejectsBadInput) {
  BinaryRows rows({0, 1, 2}, {0.2, 0.8, 0.4}, {0.2, 0.8, 0.4});
  EXPECT_FALSE(Compare(rows.AsInput(), {}).ok());  // label 2 with two classes
  rows.labels = {0, 1, 1};
  rows.previous[1] = std::nan("");
  const auto nan_result = Compare(rows.AsInput(), {});
  ASSERT_FALSE(nan_result.ok());
  EXPECT_NE(nan_result.status().message().find("row 1"), std::string::npos);
  rows.previous[1] = 0.5;
  Options negative_margin;
  negative_margin.margin = -0.1;
  EXPECT_FALSE(Compare(rows.AsInput(), negative_margin).ok());
}

TEST(CompareTest, MetricsEnabledValues) {
  EXPECT_TRUE(ComparisonMetricsEnabled("all"));
  EXPECT_TRUE(ComparisonMetricsEnabled("basic"));
  EXPECT_FALSE(ComparisonMetricsEnabled("none"));
}

}  // namespace
}  // namespace verdict::comparison
