#include <gtest/gtest.h>
#include <jpeglib.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "comparison/comparison.h"
#include "plot/plot.h"

namespace verdict::comparison {
namespace {

// 200 binary rows: the new model separates the classes better than the previous one.
struct Rows {
  std::vector<int32_t> labels;
  std::vector<double> probabilities;
  std::vector<double> previous;
  std::vector<std::string> ids;

  Rows() {
    for (int i = 0; i < 200; ++i) {
      const int32_t label = i % 3 == 0 ? 1 : 0;
      const double noise = std::fmod(i * 0.618034, 1.0) - 0.5;
      const double new_score = std::clamp(0.3 + 0.4 * label + 0.5 * noise, 0.0, 1.0);
      const double previous_score = std::clamp(0.4 + 0.15 * label + 0.5 * noise, 0.0, 1.0);
      labels.push_back(label);
      probabilities.push_back(1 - new_score);
      probabilities.push_back(new_score);
      previous.push_back(previous_score);
      ids.push_back(i == 3 ? "id,\"3\"" : "id" + std::to_string(i));
    }
  }
  Input AsInput() const {
    return {.labels = labels,
            .new_probabilities = probabilities,
            .previous_scores = previous,
            .class_names = {"neg", "pos"},
            .ids = ids,
            .rows_without_previous = 5};
  }
};

Options FastOptions() {
  Options options;
  options.bootstrap_resamples = 100;
  options.top_flips = 5;
  return options;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

size_t IndexOf(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) - lines.begin();
}

TEST(ReportTest, SeedSectionsInOrderWithIntervalsAndDecision) {
  const Rows rows;
  const auto c = Compare(rows.AsInput(), FastOptions());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const std::string text = ReportText(c.value(), FastOptions(), "2026-11-29 06:00:00");
  const std::vector<std::string> lines = Lines(text);
  ASSERT_GE(lines.size(), 10u);
  EXPECT_EQ(lines[0], "MODEL COMPARISON REPORT");
  EXPECT_EQ(lines[1], std::string(60, '='));
  EXPECT_EQ(lines[2], "Generated: 2026-11-29 06:00:00");
  EXPECT_EQ(lines[3], "Rows compared: 200 (5 rows without a previous score left out)");
  size_t previous = 0;
  for (const char* section : {"PERFORMANCE SUMMARY", "CORRELATION ANALYSIS",
                              "STATISTICAL SIGNIFICANCE", "FLIP ANALYSIS", "RECOMMENDATIONS"}) {
    const size_t at = IndexOf(lines, section);
    ASSERT_LT(at, lines.size()) << section;
    EXPECT_GT(at, previous) << section;
    EXPECT_EQ(lines[at + 1], std::string(30, '-')) << section;
    previous = at;
  }
  EXPECT_EQ(lines[lines.size() - 2], "For detailed metrics, see metrics.json");
  EXPECT_EQ(lines.back(), "For visualizations, see generated plot files");
  // The seed's line formats.
  const metrics::Metric* auc = FindMetric(c.value(), "new_model_auc");
  ASSERT_NE(auc, nullptr);
  char expected[64];
  std::snprintf(expected, sizeof(expected), "New Model AUC-ROC:      %.4f",
                std::get<double>(auc->value));
  EXPECT_LT(IndexOf(lines, expected), lines.size()) << text;
  EXPECT_NE(text.find("AUC Delta 95% CI (DeLong): ["), std::string::npos);
  EXPECT_NE(text.find("AP Delta 95% CI (bootstrap, B=100): ["), std::string::npos);
  EXPECT_NE(text.find("McNemar's Test Result:  "), std::string::npos);
  EXPECT_NE(text.find("✓ NEW MODEL RECOMMENDED"), std::string::npos) << text;
  EXPECT_NE(text.find("DECISION: " + c.value().decision + " (auc_roc, delong 95% CI, margin "),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("nan"), std::string::npos);
}

TEST(ReportTest, MissingKeysPrintNotAvailable) {
  // The seed crashed here: tests and comparison metrics off.
  const Rows rows;
  Options options = FastOptions();
  options.statistical_tests = false;
  options.comparison_metrics = false;
  const auto c = Compare(rows.AsInput(), options);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c.value().decisions.empty());
  EXPECT_EQ(c.value().decision, "");
  const std::string text = ReportText(c.value(), options, "2026-11-29 06:00:00");
  EXPECT_NE(text.find("New Model AUC-ROC:      N/A"), std::string::npos) << text;
  EXPECT_NE(text.find("McNemar's Test Result:  N/A"), std::string::npos);
  EXPECT_NE(text.find("DECISION: none"), std::string::npos);
}

TEST(ReportTest, MulticlassReport) {
  const std::vector<int32_t> labels = {0, 1, 2, 0, 1, 2, 0, 1, 2, 2};
  std::vector<double> new_p, previous_p;
  for (size_t i = 0; i < labels.size(); ++i) {
    for (int k = 0; k < 3; ++k) {
      new_p.push_back(k == labels[i] ? 0.6 : 0.2);
      previous_p.push_back(k == (labels[i] + static_cast<int>(i % 2)) % 3 ? 0.5 : 0.25);
    }
  }
  const Input input{.labels = labels,
                    .new_probabilities = new_p,
                    .previous_scores = previous_p,
                    .num_classes = 3};
  const auto c = Compare(input, FastOptions());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c.value().multiclass);
  EXPECT_EQ(c.value().decisions.front().metric, "accuracy");
  const std::string text = ReportText(c.value(), FastOptions(), "2026-11-29 06:00:00");
  EXPECT_NE(text.find("New Model Macro AUC-ROC:      1.0000"), std::string::npos) << text;
  EXPECT_NE(text.find("DeLong AUC p-value, class 2: "), std::string::npos) << text;
  EXPECT_NE(text.find("Fixed by the new model:  5"), std::string::npos) << text;
}

TEST(FlipsCsvTest, HeaderQuotingAndClassNames) {
  const Rows rows;
  const auto c = Compare(rows.AsInput(), FastOptions());
  ASSERT_TRUE(c.ok());
  const std::vector<std::string> lines = Lines(FlipsCsv(rows.AsInput(), c.value()));
  ASSERT_EQ(lines.size(), 1 + c.value().flips.size());
  EXPECT_EQ(lines[0], "id,label,new_score,previous_score,correct_model");
  const Flip& first = c.value().flips.front();
  const std::string label = first.label == 1 ? "pos" : "neg";
  EXPECT_EQ(lines[1].rfind(rows.ids[first.row] + "," + label + ",", 0), 0u) << lines[1];
  EXPECT_EQ(FlipsCsv(rows.AsInput(), Comparison{.flips = {{.id = "id,\"3\""}}}),
            "id,label,new_score,previous_score,correct_model\n\"id,\"\"3\"\"\",neg,0.0,0.0,"
            "previous\n");
}

struct JpegSize {
  int width = 0;
  int height = 0;
};

// Decodes a whole JPG file (every scanline), so a truncated or corrupt file fails.
JpegSize DecodeJpegFile(const std::string& path) {
  const Result<std::string> bytes = ReadFile(path);
  EXPECT_TRUE(bytes.ok()) << path;
  if (!bytes.ok()) return {};
  jpeg_decompress_struct info;
  jpeg_error_mgr errors;
  info.err = jpeg_std_error(&errors);
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes->data()), bytes->size());
  EXPECT_EQ(jpeg_read_header(&info, TRUE), JPEG_HEADER_OK);
  jpeg_start_decompress(&info);
  std::vector<unsigned char> row(info.output_width * info.output_components);
  while (info.output_scanline < info.output_height) {
    unsigned char* rows[] = {row.data()};
    jpeg_read_scanlines(&info, rows, 1);
  }
  const JpegSize size{static_cast<int>(info.output_width), static_cast<int>(info.output_height)};
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return size;
}

class OutputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("verdict_comparison_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(OutputsTest, WritesReportFlipsAndDecodablePlots) {
  const Rows rows;
  const auto c = Compare(rows.AsInput(), FastOptions());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(WriteOutputs(dir_.string(), rows.AsInput(), c.value(), FastOptions()).ok());
  EXPECT_TRUE(std::filesystem::exists(dir_ / "comparison_report.txt"));
  EXPECT_EQ(*ReadFile((dir_ / "comparison_flips.csv").string()),
            FlipsCsv(rows.AsInput(), c.value()));
  // Expected sizes: the plot stage's comparison figures at 2 pixels per point.
  const auto scatter = plot::ScoreScatterFigure(rows.previous, rows.previous, rows.labels, 0.5);
  const auto roc =
      plot::RocComparisonFigure({"a", {0, 1}, {0, 1}, 0.5}, {"b", {0, 1}, {0, 1}, 0.5});
  const auto distributions =
      plot::ScoreDistributionsComparisonFigure(rows.previous, rows.previous, rows.labels);
  ASSERT_TRUE(scatter.ok() && roc.ok() && distributions.ok());
  const std::vector<std::pair<std::string, const plot::Figure*>> expected = {
      {"comparison_roc_curves.jpg", &roc.value()},
      {"comparison_pr_curves.jpg", &roc.value()},
      {"score_scatter_plot.jpg", &scatter.value()},
      {"score_distributions.jpg", &distributions.value()}};
  for (const auto& [name, figure] : expected) {
    const JpegSize size = DecodeJpegFile((dir_ / name).string());
    EXPECT_EQ(size.width, static_cast<int>(std::lround(figure->width * 2))) << name;
    EXPECT_EQ(size.height, static_cast<int>(std::lround(figure->height * 2))) << name;
  }
}

TEST_F(OutputsTest, NoPlotsWhenDisabled) {
  const Rows rows;
  Options options = FastOptions();
  options.plots = false;
  const auto c = Compare(rows.AsInput(), options);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(WriteOutputs(dir_.string(), rows.AsInput(), c.value(), options).ok());
  EXPECT_TRUE(std::filesystem::exists(dir_ / "comparison_report.txt"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "score_scatter_plot.jpg"));
}

TEST_F(OutputsTest, MulticlassWritesReportAndFlipsWithoutPlots) {
  const std::vector<int32_t> labels = {0, 1, 2, 0, 1, 2};
  const std::vector<double> new_p = {.6, .2, .2, .2, .6, .2, .2, .2, .6,
                                     .2, .6, .2, .2, .6, .2, .2, .2, .6};
  const std::vector<double> previous_p = {.2, .6, .2, .2, .6, .2, .6, .2, .2,
                                          .6, .2, .2, .2, .6, .2, .2, .2, .6};
  const Input input{.labels = labels,
                    .new_probabilities = new_p,
                    .previous_scores = previous_p,
                    .num_classes = 3,
                    .class_names = {"a", "b", "c"}};
  const auto c = Compare(input, FastOptions());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(WriteOutputs(dir_.string(), input, c.value(), FastOptions()).ok());
  // Rows 0 and 2 fixed by the new model, row 3 broken; gaps 0.4 each, so row order.
  EXPECT_EQ(*ReadFile((dir_ / "comparison_flips.csv").string()),
            "id,label,new_score,previous_score,correct_model\n0,a,0.6,0.2,new\n"
            "2,c,0.6,0.2,new\n3,a,0.2,0.6,previous\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "comparison_roc_curves.jpg"));
  const auto html = HtmlSection(input, c.value(), FastOptions());
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html->find("<svg"), std::string::npos);
}

TEST(HtmlSectionTest, DecisionTableAndInlineSvgs) {
  const Rows rows;
  const auto c = Compare(rows.AsInput(), FastOptions());
  ASSERT_TRUE(c.ok());
  const auto html = HtmlSection(rows.AsInput(), c.value(), FastOptions());
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  EXPECT_NE(html->find("<strong>Decision: " + c.value().decision + "</strong>"), std::string::npos);
  EXPECT_NE(html->find("<td>delong_p_value</td>"), std::string::npos);
  size_t svgs = 0;
  for (size_t at = html->find("<svg"); at != std::string::npos; at = html->find("<svg", at + 1)) {
    ++svgs;
  }
  EXPECT_EQ(svgs, 4u);
  EXPECT_EQ(html->find("<?xml"), std::string::npos);
}

}  // namespace
}  // namespace verdict::comparison
