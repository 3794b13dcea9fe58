// Replays the golden cases written by tests/golden/metrics/gen_metrics_golden.py (scikit-learn,
// statsmodels, torchmetrics and SciPy as oracles). Each case file states its tolerance (absolute,
// 1e-9 for every case written today); counts must match exactly, nulls must be nulls.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "metrics/metrics.h"

namespace verdict::metrics {
namespace {

using nlohmann::json;

const std::filesystem::path kGoldenDir =
    std::filesystem::path(VERDICT_SOURCE_DIR) / "tests" / "golden" / "metrics";

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(kGoldenDir)) {
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

json LoadCase(const std::string& name) {
  std::ifstream in(kGoldenDir / (name + ".json"));
  return json::parse(in);
}

Options OptionsOf(const json& options) {
  Options result;
  result.thresholds = options.at("thresholds").get<std::vector<double>>();
  result.calibration_bins = options.at("calibration_bins").get<int>();
  result.recall_at_precision = options.at("recall_at_precision").get<std::vector<double>>();
  result.top_k = options.at("top_k").get<std::vector<int>>();
  result.confidence_level = options.at("confidence_level").get<double>();
  result.max_curve_points = options.at("max_curve_points").get<int>();
  return result;
}

Result<Evaluation> Evaluate(const json& golden) {
  const std::vector<int32_t> labels = golden.at("labels").get<std::vector<int32_t>>();
  const std::vector<double> scores = golden.at("scores").get<std::vector<double>>();
  const Options options = OptionsOf(golden.at("options"));
  if (golden.at("task") == "binary") return EvaluateBinary(labels, scores, options);
  return EvaluateMulticlass(labels, scores, golden.at("num_classes").get<int>(),
                            golden.at("class_names").get<std::vector<std::string>>(), options);
}

// "f1_score_at_<T>" matches "f1_score_at_0.3": each <placeholder> stands for a non-empty text.
bool MatchesPattern(const std::string& key, const std::string& pattern) {
  const std::string escaped =
      std::regex_replace(pattern, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
  return std::regex_match(key,
                          std::regex(std::regex_replace(escaped, std::regex("<[A-Za-z]+>"), ".+")));
}

bool InRegistry(const std::string& key, const std::string& task) {
  for (const RegistryEntry& entry : Registry()) {
    if ((entry.task == task || entry.task == "both") && MatchesPattern(key, entry.key)) return true;
  }
  return false;
}

void ExpectMetric(const Metric& metric, const json& expected, double tolerance) {
  SCOPED_TRACE(metric.name);
  if (expected.is_null()) {
    EXPECT_TRUE(std::holds_alternative<std::monostate>(metric.value)) << "expected null";
    EXPECT_FALSE(metric.null_reason.empty());
  } else if (expected.is_number_integer()) {
    ASSERT_TRUE(std::holds_alternative<int64_t>(metric.value)) << "expected a count";
    EXPECT_EQ(std::get<int64_t>(metric.value), expected.get<int64_t>());
  } else {
    ASSERT_TRUE(std::holds_alternative<double>(metric.value)) << "expected a number";
    EXPECT_NEAR(std::get<double>(metric.value), expected.get<double>(), tolerance);
  }
}

void ExpectNear(const std::vector<double>& actual, const json& expected, size_t skip,
                double tolerance, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size() + skip) << what;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(actual[i + skip], expected[i].get<double>(), tolerance) << what << " [" << i << "]";
  }
}

class GoldenMetricsTest : public testing::TestWithParam<std::string> {};

TEST_P(GoldenMetricsTest, EveryKeyMatchesTheOracle) {
  const json golden = LoadCase(GetParam());
  const double tolerance = golden.at("tolerance").get<double>();
  Result<Evaluation> evaluation = Evaluate(golden);
  ASSERT_TRUE(evaluation.ok()) << evaluation.status().ToString();
  const json& expected = golden.at("expected");
  std::set<std::string> emitted;
  for (const Metric& metric : evaluation->metrics) {
    EXPECT_TRUE(emitted.insert(metric.name).second) << "duplicate key " << metric.name;
    EXPECT_TRUE(InRegistry(metric.name, golden.at("task"))) << "unregistered key " << metric.name;
    if (!expected.contains(metric.name)) {
      ADD_FAILURE() << "key not in the oracle: " << metric.name;
      continue;
    }
    ExpectMetric(metric, expected.at(metric.name), tolerance);
  }
  for (const auto& [key, value] : expected.items()) {
    EXPECT_TRUE(emitted.count(key)) << "missing key " << key;
  }
}

TEST_P(GoldenMetricsTest, CurvesMatchScikitLearnAtFullResolution) {
  const json golden = LoadCase(GetParam());
  const double tolerance = golden.at("tolerance").get<double>();
  Result<Evaluation> evaluation = Evaluate(golden);
  ASSERT_TRUE(evaluation.ok()) << evaluation.status().ToString();
  for (const auto& [name, expected] : golden.at("curves").items()) {
    const Curve* curve = nullptr;
    for (const Curve& candidate : evaluation->curves) {
      if (candidate.name == name) curve = &candidate;
    }
    ASSERT_NE(curve, nullptr) << "missing curve " << name;
    ExpectNear(curve->x, expected.at("x"), 0, tolerance, name + ".x");
    ExpectNear(curve->y, expected.at("y"), 0, tolerance, name + ".y");
    // The first point (nothing predicted positive) has threshold +inf, which JSON cannot hold.
    ASSERT_FALSE(curve->thresholds.empty());
    EXPECT_TRUE(std::isinf(curve->thresholds[0]));
    ExpectNear(curve->thresholds, expected.at("thresholds"), 1, tolerance, name + ".thresholds");
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenMetricsTest, testing::ValuesIn(CaseNames()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST(GoldenMetricsFilesTest, AllCasesArePresent) { EXPECT_GE(CaseNames().size(), 13u); }

}  // namespace
}  // namespace verdict::metrics
