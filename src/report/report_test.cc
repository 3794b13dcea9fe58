#include "report/report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

namespace verdict::report {
namespace {

namespace fs = std::filesystem;

std::vector<metrics::Metric> Sample() {
  return {{"auc_roc", 0.875, ""},
          {"average_precision", 0.5, ""},
          {"f1_score", metrics::Value{}, "no predicted positives"},
          {"count", int64_t{42}, ""},
          {"flag", true, ""},
          {"log_loss", std::nan(""), ""}};
}

TEST(MetricsJson, StrictJsonInOrder) {
  EXPECT_EQ(MetricsJson(Sample()),
            "{\n  \"auc_roc\": 0.875,\n  \"average_precision\": 0.5,\n  \"f1_score\": null,\n"
            "  \"count\": 42,\n  \"flag\": true,\n  \"log_loss\": null\n}\n");
}

TEST(MetricsSummary, SeedLayout) {
  std::string summary = MetricsSummary(Sample(), true);
  EXPECT_EQ(summary.rfind("PYTORCH MODEL EVALUATION METRICS\n" + std::string(50, '=') + "\n\n", 0),
            0u);
  EXPECT_NE(summary.find("AUC-ROC:           0.8750\n"), std::string::npos);
  EXPECT_NE(summary.find("F1 Score:          null\n"), std::string::npos);
  EXPECT_NE(summary.find("ALL METRICS\n" + std::string(50, '=') +
                         "\nauc_roc: 0.875000\n"
                         "average_precision: 0.500000\ncount: 42.000000\n"
                         "f1_score: null (no predicted positives)\nflag: 1.000000\n"),
            std::string::npos)
      << summary;
}

TEST(Markers, SuccessAndFailureExcludeEachOther) {
  std::string dir = ::testing::TempDir() + "/verdict_report_test";
  fs::remove_all(dir);
  ASSERT_TRUE(ClearMarkers(dir).ok());
  ASSERT_TRUE(WriteSuccess(dir).ok());
  EXPECT_TRUE(fs::exists(dir + "/_SUCCESS"));
  EXPECT_EQ(ReadFile(dir + "/_HEALTH")->rfind("healthy: ", 0), 0u);
  ASSERT_TRUE(WriteFailure(dir, "boom").ok());
  EXPECT_FALSE(fs::exists(dir + "/_SUCCESS"));
  EXPECT_EQ(*ReadFile(dir + "/_FAILURE"), "Error: boom");
  ASSERT_TRUE(ClearMarkers(dir).ok());
  EXPECT_FALSE(fs::exists(dir + "/_FAILURE"));
}

}  // namespace
}  // namespace verdict::report
