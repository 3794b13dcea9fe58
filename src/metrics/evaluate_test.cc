// EvaluateBinary / EvaluateMulticlass behaviour that the golden cases do not pin: input errors,
// option checks, nulls with reasons, the bootstrap and curve down-sampling.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "metrics/metrics.h"

namespace verdict::metrics {
namespace {

const Metric* Find(const Evaluation& evaluation, const std::string& name) {
  for (const Metric& metric : evaluation.metrics) {
    if (metric.name == name) return &metric;
  }
  return nullptr;
}

double Number(const Evaluation& evaluation, const std::string& name) {
  const Metric* metric = Find(evaluation, name);
  EXPECT_NE(metric, nullptr) << name;
  return metric ? std::get<double>(metric->value) : NAN;
}

struct Data {
  std::vector<int32_t> labels;
  std::vector<double> scores;
};

Data RandomBinary(size_t rows, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::bernoulli_distribution positive(0.3);
  std::normal_distribution<double> noise(0, 1);
  Data data;
  for (size_t i = 0; i < rows; ++i) {
    data.labels.push_back(positive(random) ? 1 : 0);
    data.scores.push_back(1 / (1 + std::exp(-(noise(random) + 1.5 * data.labels.back() - 1))));
  }
  return data;
}

void ExpectErrorMentions(const Status& status, const std::string& text) {
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find(text), std::string::npos) << status.message();
}

TEST(EvaluateBinaryTest, ErrorsNameTheFirstOffendingRow) {
  const Options options;
  ExpectErrorMentions(EvaluateBinary({}, {}, options).status(), "no rows");
  ExpectErrorMentions(
      EvaluateBinary(std::vector<int32_t>{0, 1, 1}, std::vector<double>{0.1, 0.2}, options)
          .status(),
      "row 2 (0-based data row)");
  ExpectErrorMentions(EvaluateBinary(std::vector<int32_t>{0, 1, 1},
                                     std::vector<double>{0.1, INFINITY, NAN}, options)
                          .status(),
                      "row 1 (0-based data row): score inf is not finite");
  ExpectErrorMentions(EvaluateBinary(std::vector<int32_t>{0, 1, 2, -1},
                                     std::vector<double>{0.1, 0.2, 0.3, 0.4}, options)
                          .status(),
                      "row 2 (0-based data row): label 2 is outside 0..1");
}

TEST(EvaluateBinaryTest, RejectsBadOptions) {
  const Data data = RandomBinary(100, 1);
  Options options;
  options.confidence_level = 1.0;
  EXPECT_EQ(EvaluateBinary(data.labels, data.scores, options).status().code(),
            StatusCode::kInvalidArgument);
  options = Options();
  options.thresholds = {NAN};
  EXPECT_FALSE(EvaluateBinary(data.labels, data.scores, options).ok());
  options = Options();
  options.calibration_bins = 0;
  EXPECT_FALSE(EvaluateBinary(data.labels, data.scores, options).ok());
  options = Options();
  options.thresholds = {0.5, 0.3, 0.5};  // would repeat the key f1_score_at_0.5
  EXPECT_FALSE(EvaluateBinary(data.labels, data.scores, options).ok());
}

TEST(EvaluateBinaryTest, OneClassGivesNullsWithReasonsAndKeepsTheRest) {
  const std::vector<int32_t> labels(50, 0);
  std::vector<double> scores;
  for (int i = 0; i < 50; ++i) scores.push_back(i / 50.0);
  Result<Evaluation> evaluation = EvaluateBinary(labels, scores, Options());
  ASSERT_TRUE(evaluation.ok()) << evaluation.status().ToString();
  const Metric* auc = Find(*evaluation, "auc_roc");
  ASSERT_NE(auc, nullptr);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(auc->value));
  EXPECT_EQ(auc->null_reason, "no positive rows (label 1)");
  EXPECT_NEAR(Number(*evaluation, "accuracy"), 26.0 / 50.0, 1e-15);  // 24 scores above 0.5
  EXPECT_FALSE(evaluation->notes.empty());
}

TEST(EvaluateBinaryTest, AveragePrecisionOfOnlyPositivesIsExactlyOne) {
  // 1000 distinct scores, every label 1: each precision is 1, and AP must not drift above 1 by
  // summing 1000 shares of 1/1000 (it was 1.0000000000000007).
  Data data = RandomBinary(1000, 11);
  std::fill(data.labels.begin(), data.labels.end(), 1);
  Result<Evaluation> evaluation = EvaluateBinary(data.labels, data.scores, Options{});
  ASSERT_TRUE(evaluation.ok());
  EXPECT_EQ(Number(*evaluation, "average_precision"), 1.0);
  EXPECT_EQ(AveragePrecisionOfRanks(data.labels, DenseRanks(data.scores)), 1.0);
}

TEST(EvaluateBinaryTest, BootstrapIsSeededAndBracketsTheEstimate) {
  const Data data = RandomBinary(2000, 2);
  Options options;
  options.bootstrap_resamples = 200;
  Result<Evaluation> first = EvaluateBinary(data.labels, data.scores, options);
  Result<Evaluation> again = EvaluateBinary(data.labels, data.scores, options);
  ASSERT_TRUE(first.ok() && again.ok());
  for (const char* name : {"average_precision", "f1_score", "mcc", "log_loss",
                           "expected_calibration_error", "f1_score_at_0.3"}) {
    SCOPED_TRACE(name);
    const double estimate = Number(*first, name);
    const double lower = Number(*first, std::string(name) + "_ci_lower");
    const double upper = Number(*first, std::string(name) + "_ci_upper");
    EXPECT_LT(lower, upper);
    EXPECT_LT(upper - lower, 0.2);
    EXPECT_LE(lower, estimate + 0.02);
    EXPECT_GE(upper, estimate - 0.02);
    EXPECT_EQ(lower, Number(*again, std::string(name) + "_ci_lower"));
  }
  options.bootstrap_seed += 1;
  Result<Evaluation> other_seed = EvaluateBinary(data.labels, data.scores, options);
  ASSERT_TRUE(other_seed.ok());
  EXPECT_NE(Number(*first, "average_precision_ci_lower"),
            Number(*other_seed, "average_precision_ci_lower"));
}

TEST(EvaluateBinaryTest, WithoutBootstrapOnlyDeLongAndWilsonIntervals) {
  const Data data = RandomBinary(500, 3);
  Result<Evaluation> evaluation = EvaluateBinary(data.labels, data.scores, Options());
  ASSERT_TRUE(evaluation.ok());
  EXPECT_NE(Find(*evaluation, "auc_roc_ci_lower"), nullptr);
  EXPECT_NE(Find(*evaluation, "recall_at_0.7_ci_upper"), nullptr);
  EXPECT_EQ(Find(*evaluation, "average_precision_ci_lower"), nullptr);
}

TEST(EvaluateBinaryTest, CurvesAreDownsampledKeepingEndpoints) {
  const Data data = RandomBinary(5000, 4);
  Options options;
  options.max_curve_points = 100;
  Result<Evaluation> evaluation = EvaluateBinary(data.labels, data.scores, options);
  ASSERT_TRUE(evaluation.ok());
  ASSERT_EQ(evaluation->curves.size(), 3u);  // roc, pr, calibration
  const Curve& roc = evaluation->curves[0];
  EXPECT_EQ(roc.name, "roc");
  EXPECT_LE(roc.x.size(), 100u);
  EXPECT_EQ(roc.x.front(), 0.0);
  EXPECT_EQ(roc.y.front(), 0.0);
  EXPECT_EQ(roc.x.back(), 1.0);
  EXPECT_EQ(roc.y.back(), 1.0);
  EXPECT_EQ(evaluation->curves[2].name, "calibration");
  EXPECT_EQ(evaluation->curves[2].x.size(), 10u);
}

TEST(EvaluateMulticlassTest, ErrorsNameRowAndColumn) {
  const Options options;
  const std::vector<std::string> names = {"a", "b", "c"};
  const std::vector<double> probabilities = {0.2, 0.3, 0.5, 0.1, NAN, 0.4};
  ExpectErrorMentions(
      EvaluateMulticlass(std::vector<int32_t>{0, 1}, probabilities, 3, names, options).status(),
      "row 1 (0-based data row) column 1");
  ExpectErrorMentions(
      EvaluateMulticlass(std::vector<int32_t>{0, 3}, std::vector<double>(6, 0.3), 3, names, options)
          .status(),
      "row 1 (0-based data row): label 3 is outside 0..2");
  EXPECT_EQ(EvaluateMulticlass(std::vector<int32_t>{0, 1}, std::vector<double>(6, 0.3), 3,
                               {"a", "b"}, options)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST(EvaluateMulticlassTest, HeadlineKeysFollowTheSeed) {
  const std::vector<int32_t> labels = {0, 1, 2, 2, 1, 0};
  const std::vector<double> probabilities = {0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.2, 0.2, 0.6,
                                             0.3, 0.3, 0.4, 0.5, 0.4, 0.1, 0.4, 0.5, 0.1};
  Result<Evaluation> evaluation =
      EvaluateMulticlass(labels, probabilities, 3, {"x", "y", "z"}, Options());
  ASSERT_TRUE(evaluation.ok()) << evaluation.status().ToString();
  EXPECT_EQ(evaluation->metrics[0].name, "auc_roc");
  EXPECT_EQ(Number(*evaluation, "auc_roc"), Number(*evaluation, "auc_roc_macro"));
  EXPECT_EQ(Number(*evaluation, "average_precision"),
            Number(*evaluation, "average_precision_macro"));
  EXPECT_EQ(Number(*evaluation, "f1_score"), Number(*evaluation, "f1_score_micro"));
  EXPECT_EQ(Number(*evaluation, "f1_score"), Number(*evaluation, "accuracy"));
  EXPECT_EQ(std::get<int64_t>(Find(*evaluation, "class_z_count")->value), 2);
  EXPECT_EQ(Find(*evaluation, "top_3_accuracy"), nullptr);  // k must be below K
}

}  // namespace
}  // namespace verdict::metrics
