// The per-metric kernels agree with the keys EvaluateBinary writes, and lookups cannot miss.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "metrics/metrics.h"

namespace verdict::metrics {
namespace {

struct Rows {
  std::vector<int32_t> labels;
  std::vector<double> scores;
};

// Scores on a coarse grid, so that ties are frequent.
Rows TiedRows(size_t n, uint64_t seed) {
  std::mt19937_64 random(seed);
  Rows rows;
  for (size_t i = 0; i < n; ++i) {
    const int32_t label = random() % 3 == 0 ? 1 : 0;
    rows.labels.push_back(label);
    rows.scores.push_back(static_cast<double>(random() % 20 + 4 * label) / 24.0);
  }
  return rows;
}

TEST(KernelsTest, AgreeWithEvaluateBinary) {
  const Rows rows = TiedRows(3000, 5);
  Result<Evaluation> evaluation = EvaluateBinary(rows.labels, rows.scores, Options{});
  ASSERT_TRUE(evaluation.ok());
  const std::vector<Metric>& metrics = evaluation->metrics;
  EXPECT_NEAR(AveragePrecisionOfRanks(rows.labels, DenseRanks(rows.scores)),
              Number(metrics, keys::kAveragePrecision), 1e-12);
  for (double t : kDefaultThresholds) {
    EXPECT_NEAR(F1AtThreshold(rows.labels, rows.scores, t),
                Number(metrics, keys::AtThreshold(keys::kF1Score, t)), 1e-12);
  }
  std::vector<double> correct;
  for (size_t i = 0; i < rows.labels.size(); ++i) {
    correct.push_back((rows.scores[i] > 0.5) == (rows.labels[i] == 1) ? 1.0 : 0.0);
  }
  EXPECT_NEAR(AccuracyOfCorrectness(correct), Number(metrics, keys::kAccuracy), 1e-12);
}

TEST(KernelsTest, UndefinedIsNaN) {
  const std::vector<int32_t> negatives = {0, 0, 0};
  const std::vector<double> low = {0.1, 0.2, 0.3};
  EXPECT_TRUE(std::isnan(AveragePrecisionOfRanks(negatives, DenseRanks(low))));
  EXPECT_TRUE(std::isnan(F1AtThreshold(negatives, low, 0.5)));
  EXPECT_TRUE(std::isnan(AccuracyOfCorrectness({})));
  EXPECT_EQ(DenseRanks(std::vector<double>{0.5, 0.1, 0.5}), (std::vector<double>{1, 0, 1}));
}

TEST(KeysTest, SpellThresholdsAndClassesLikeTheSeed) {
  EXPECT_EQ(keys::AtThreshold(keys::kF1Score, 0.3), "f1_score_at_0.3");
  EXPECT_EQ(keys::AtThreshold("precision", 1.0), "precision_at_1.0");
  EXPECT_EQ(keys::ForClass(keys::kAucRoc, 2), "auc_roc_class_2");
}

TEST(KeysTest, EveryHeadlineKeyIsWritten) {
  const Rows rows = TiedRows(200, 9);
  Result<Evaluation> binary = EvaluateBinary(rows.labels, rows.scores, Options{});
  ASSERT_TRUE(binary.ok());
  for (const char* key :
       {keys::kAucRoc, keys::kAveragePrecision, keys::kF1Score, keys::kAccuracy}) {
    EXPECT_NE(Find(binary->metrics, key), nullptr) << key;
  }
  std::vector<double> probabilities;
  for (double s : rows.scores) probabilities.insert(probabilities.end(), {1 - s, s});
  Result<Evaluation> multiclass =
      EvaluateMulticlass(rows.labels, probabilities, 2, {"0", "1"}, Options{});
  ASSERT_TRUE(multiclass.ok());
  for (const char* key : {keys::kAucRoc, keys::kAveragePrecision, keys::kF1Score, keys::kAccuracy,
                          keys::kAucRocMacro, keys::kAveragePrecisionMacro}) {
    EXPECT_NE(Find(multiclass->metrics, key), nullptr) << key;
  }
  EXPECT_NE(Find(multiclass->metrics, keys::ForClass(keys::kAucRoc, 1)), nullptr);
}

TEST(LookupDeathTest, ReadingAnAbsentKeyAborts) {
  EXPECT_DEATH(Number({}, "no_such_key"), "metric != nullptr");
}

}  // namespace
}  // namespace verdict::metrics
