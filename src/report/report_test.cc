#include "report/report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

// jpeglib.h uses size_t and FILE without including their headers: it must come after them.
// clang-format off
#include <jpeglib.h>
// clang-format on

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

TEST(MetricsJson, TextMetricsFollowAsEscapedStrings) {
  const std::vector<metrics::Metric> numbers = {Sample().front()};
  EXPECT_EQ(MetricsJson(numbers, {{"comparison_decision", "better"}, {"note", "a \"b\""}}),
            "{\n  \"auc_roc\": 0.875,\n  \"comparison_decision\": \"better\",\n"
            "  \"note\": \"a \\\"b\\\"\"\n}\n");
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

// ---------------------------------------------------------------------------------------------
// Plots and report.html

struct Image {
  int width = 0;
  int height = 0;
  std::vector<unsigned char> rgb;
};

Image DecodeJpeg(const std::string& bytes) {
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr error;
  cinfo.err = jpeg_std_error(&error);
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  Image image{static_cast<int>(cinfo.output_width), static_cast<int>(cinfo.output_height), {}};
  image.rgb.resize(static_cast<size_t>(image.width) * image.height * 3);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = image.rgb.data() + static_cast<size_t>(cinfo.output_scanline) * image.width * 3;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return image;
}

// Share of pixels that are not near-white: 0 for a blank image.
double InkShare(const Image& image) {
  size_t ink = 0;
  const size_t pixels = image.rgb.size() / 3;
  for (size_t i = 0; i < pixels; ++i) {
    ink += image.rgb[3 * i] + image.rgb[3 * i + 1] + image.rgb[3 * i + 2] < 3 * 235;
  }
  return static_cast<double>(ink) / static_cast<double>(pixels);
}

// Whether a pixel within 3 px of (x, y) is within RGB distance 40 of `color`.
bool HasColorNear(const Image& image, double x, double y, plot::Color color) {
  for (int dy = -3; dy <= 3; ++dy) {
    for (int dx = -3; dx <= 3; ++dx) {
      const int px = static_cast<int>(std::lround(x)) + dx;
      const int py = static_cast<int>(std::lround(y)) + dy;
      if (px < 0 || py < 0 || px >= image.width || py >= image.height) continue;
      const unsigned char* p = image.rgb.data() + (static_cast<size_t>(py) * image.width + px) * 3;
      const double dr = p[0] - 255 * color.r, dg = p[1] - 255 * color.g, db = p[2] - 255 * color.b;
      if (std::sqrt(dr * dr + dg * dg + db * db) < 40) return true;
    }
  }
  return false;
}

// Rows with labels and probabilities [N, K]: the true class gets a bonus of `signal` before
// normalisation (signal 0: chance; large: near perfect).
struct Rows {
  std::vector<int32_t> labels;
  std::vector<double> probabilities;
  std::vector<double> scores;  // binary: P(class 1)
  int k = 2;

  Predictions View() const { return {k == 2, k, labels, k == 2 ? scores : probabilities}; }
};

Rows MakeRows(int64_t n, int k, double signal, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Rows rows;
  rows.k = k;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t label = static_cast<int32_t>(rng() % k);
    rows.labels.push_back(label);
    std::vector<double> raw(k);
    double total = 0;
    for (int c = 0; c < k; ++c) total += raw[c] = uniform(rng) + (c == label ? signal : 0.0);
    for (int c = 0; c < k; ++c) rows.probabilities.push_back(raw[c] / total);
    if (k == 2) rows.scores.push_back(rows.probabilities.back());
  }
  return rows;
}

metrics::Evaluation Evaluate(const Rows& rows, const std::vector<std::string>& class_names) {
  metrics::Options options;
  if (rows.k == 2) {
    return *metrics::EvaluateBinary(rows.labels, rows.scores, options);
  }
  return *metrics::EvaluateMulticlass(rows.labels, rows.probabilities, rows.k, class_names,
                                      options);
}

std::string FreshDir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/verdict_report_" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

DataSummary SampleData() {
  return {{"neg", "<pos & \"more\">"}, {{"age", 3}, {"<b>bold</b>", 0}}, {{"text", {1, 5, 9, 40}}}};
}

RunInfo SampleRun() {
  return {"/bundles/tiny",
          "model.pt",
          "verdict-export 0.1.0",
          "cpu",
          {"a.csv", "b'.csv"},
          "2026-11-29T06:00:00",
          "0.1.0",
          {{"read+predict", 1.5}, {"metrics", 0.25}}};
}

TEST(WriteReports, BinaryWritesEveryPlotAtFullSize) {
  const std::string dir = FreshDir("binary");
  Rows rows = MakeRows(3000, 2, 0.6, 1);
  const metrics::Evaluation evaluation = Evaluate(rows, {"0", "1"});
  ASSERT_TRUE(
      WriteReports(dir, rows.View(), evaluation, SampleData(), SampleRun(), ReportOptions{}).ok());
  for (const char* name : {"roc_curve.jpg", "pr_curve.jpg", "score_distribution.jpg",
                           "calibration_curve.jpg", "threshold_curve.jpg"}) {
    Result<std::string> bytes = ReadFile(dir + "/" + name);
    ASSERT_TRUE(bytes.ok()) << name;
    const Image image = DecodeJpeg(*bytes);
    EXPECT_EQ(image.width, 1600) << name;
    EXPECT_EQ(image.height, 1200) << name;
    EXPECT_GT(InkShare(image), 0.01) << name << " looks blank";
  }
  EXPECT_TRUE(fs::exists(dir + "/metrics.json"));
  EXPECT_TRUE(fs::exists(dir + "/metrics_summary.txt"));
  EXPECT_FALSE(fs::exists(dir + "/confusion_matrix.jpg"));
  const std::string html = *ReadFile(dir + "/report.html");
  for (const char* name : {"roc_curve.jpg", "pr_curve.jpg", "score_distribution.jpg",
                           "calibration_curve.jpg", "threshold_curve.jpg"}) {
    EXPECT_NE(html.find(std::string(name) + "</figcaption>"), std::string::npos) << name;
  }
}

TEST(WriteReports, PerfectClassifierRocPassesThroughTopLeft) {
  const std::string dir = FreshDir("perfect");
  Rows rows = MakeRows(400, 2, 1000.0, 2);  // P(true class) > 0.99 on every row
  const metrics::Evaluation evaluation = Evaluate(rows, {"0", "1"});
  ASSERT_TRUE(
      WriteReports(dir, rows.View(), evaluation, SampleData(), SampleRun(), ReportOptions{}).ok());
  Result<std::vector<ReportFigure>> figures =
      BuildFigures(rows.View(), evaluation, SampleData(), ReportOptions{});
  ASSERT_TRUE(figures.ok()) << figures.status().ToString();
  ASSERT_EQ((*figures)[0].file_name, "roc_curve.jpg");
  Result<plot::Rendered> rendered = plot::RenderJpeg((*figures)[0].figure);
  ASSERT_TRUE(rendered.ok());
  const plot::PlotArea& area = rendered->info.panels.at(0);
  const Image image = DecodeJpeg(*ReadFile(dir + "/roc_curve.jpg"));
  const plot::Color curve = plot::PaletteColor(0);
  EXPECT_TRUE(HasColorNear(image, area.PixelX(0), area.PixelY(1), curve));
  EXPECT_TRUE(HasColorNear(image, area.PixelX(0), area.PixelY(0.5), curve));
  EXPECT_TRUE(HasColorNear(image, area.PixelX(0.5), area.PixelY(1), curve));
  EXPECT_FALSE(HasColorNear(image, area.PixelX(0.5), area.PixelY(0.25), curve));
}

TEST(WriteReports, MulticlassWritesPerClassAndConfusionPlots) {
  const std::string dir = FreshDir("multiclass");
  Rows rows = MakeRows(1500, 3, 0.8, 3);
  DataSummary data = SampleData();
  data.class_names = {"cat", "dog", "<fish>"};
  const metrics::Evaluation evaluation = Evaluate(rows, data.class_names);
  ASSERT_TRUE(WriteReports(dir, rows.View(), evaluation, data, SampleRun(), ReportOptions{}).ok());
  std::vector<std::string> expected = {"roc_curve.jpg", "pr_curve.jpg", "confusion_matrix.jpg"};
  for (int c = 0; c < 3; ++c) {
    expected.push_back("class_" + std::to_string(c) + "_roc_curve.jpg");
    expected.push_back("class_" + std::to_string(c) + "_pr_curve.jpg");
  }
  for (const std::string& name : expected) {
    Result<std::string> bytes = ReadFile(dir + "/" + name);
    ASSERT_TRUE(bytes.ok()) << name;
    const Image image = DecodeJpeg(*bytes);
    EXPECT_EQ(image.width, 1600) << name;
    EXPECT_EQ(image.height, 1200) << name;
    EXPECT_GT(InkShare(image), 0.01) << name << " looks blank";
  }
  EXPECT_FALSE(fs::exists(dir + "/score_distribution.jpg"));
  const std::string html = *ReadFile(dir + "/report.html");
  EXPECT_NE(html.find("<section id=\"classes\">"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"class_2_pr_curve.jpg\">"), std::string::npos);
  EXPECT_NE(html.find("<td>&lt;fish&gt;</td>"), std::string::npos);
  EXPECT_NE(html.find("auc_roc_macro"), std::string::npos);
}

TEST(ReportHtml, SectionsEscapingAndIntervals) {
  Rows rows = MakeRows(500, 2, 0.5, 4);
  const metrics::Evaluation evaluation = Evaluate(rows, {"0", "1"});
  Result<std::string> html = ReportHtml(rows.View(), evaluation, SampleData(), SampleRun(), {});
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  EXPECT_EQ(html->rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* section : {"id=\"metrics\"", "id=\"plots\"", "id=\"data\"", "id=\"run\""}) {
    EXPECT_NE(html->find(section), std::string::npos) << section;
  }
  EXPECT_EQ(html->find("id=\"classes\""), std::string::npos);  // binary: no per-class table
  EXPECT_NE(html->find("No plots were drawn"), std::string::npos);
  EXPECT_NE(html->find("&lt;pos &amp; &quot;more&quot;&gt;"), std::string::npos);
  EXPECT_NE(html->find("&lt;b&gt;bold&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html->find("b&#39;.csv"), std::string::npos);
  EXPECT_EQ(html->find("<pos"), std::string::npos);
  EXPECT_EQ(html->find("<b>bold"), std::string::npos);
  EXPECT_EQ(html->find("<script"), std::string::npos);
  EXPECT_EQ(html->find("http://"), std::string::npos);
  EXPECT_EQ(html->find("https://"), std::string::npos);
  for (const metrics::Metric& metric : evaluation.metrics) {
    if (metric.name != "auc_roc_ci_lower") continue;
    EXPECT_NE(html->find("95% CI [" + FormatFixed(std::get<double>(metric.value), 4) + ", "),
              std::string::npos);
  }
  EXPECT_NE(html->find("read+predict"), std::string::npos);
  // Lengths {1, 5, 9, 40}: rows, min, median, p95 (nearest rank below), max, mean.
  EXPECT_NE(html->find("<td>text</td><td class=\"num\">4</td><td class=\"num\">1</td>"
                       "<td class=\"num\">5</td><td class=\"num\">9</td><td class=\"num\">40</td>"
                       "<td class=\"num\">13.8</td>"),
            std::string::npos);
}

TEST(ReportHtml, ExtraSectionFollowsThePlots) {
  Rows rows = MakeRows(200, 2, 0.5, 5);
  const metrics::Evaluation evaluation = Evaluate(rows, {"0", "1"});
  Result<std::string> html = ReportHtml(rows.View(), evaluation, SampleData(), SampleRun(), {},
                                        "<section id=\"comparison\">compared</section>");
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  const size_t extra = html->find("<section id=\"comparison\">compared</section>");
  ASSERT_NE(extra, std::string::npos);
  EXPECT_LT(html->find("id=\"plots\""), extra);
  EXPECT_GT(html->find("id=\"run\""), extra);
}

TEST(ReportHtml, StaysSmallForManyRowsFieldsAndFiles) {
  constexpr int64_t kRows = 200000;
  Rows rows = MakeRows(kRows, 2, 0.3, 5);
  const metrics::Evaluation evaluation = Evaluate(rows, {"0", "1"});
  DataSummary data;
  std::vector<int64_t> lengths(kRows);
  for (int64_t i = 0; i < kRows; ++i) lengths[i] = (i * 7919) % 513;
  data.text_lengths = {{"title", lengths}, {"body", lengths}};
  for (int f = 0; f < 300; ++f) data.missing_per_field.push_back({"field_" + std::to_string(f), f});
  RunInfo run = SampleRun();
  for (int f = 0; f < 10000; ++f)
    run.data_files.push_back("part-" + std::to_string(f) + ".parquet");
  Result<std::vector<ReportFigure>> figures =
      BuildFigures(rows.View(), evaluation, data, ReportOptions{});
  ASSERT_TRUE(figures.ok());
  Result<std::string> html = ReportHtml(rows.View(), evaluation, data, run, *figures);
  ASSERT_TRUE(html.ok());
  EXPECT_LT(html->size(), 1500u * 1024) << "report.html is " << html->size() << " bytes";
  EXPECT_NE(html->find("and 9,982 more"), std::string::npos);
  EXPECT_EQ(html->find("part-9999.parquet"), std::string::npos);
}

TEST(WriteReports, UndefinedCurvesAreLeftOutNotFailed) {
  const std::string dir = FreshDir("one_class");
  Rows rows = MakeRows(300, 2, 0.5, 8);
  std::fill(rows.labels.begin(), rows.labels.end(), 0);  // no positives: no ROC, PR, thresholds
  ASSERT_TRUE(WriteReports(dir, rows.View(), Evaluate(rows, {"0", "1"}), SampleData(), SampleRun(),
                           ReportOptions{})
                  .ok());
  EXPECT_TRUE(fs::exists(dir + "/score_distribution.jpg"));
  EXPECT_TRUE(fs::exists(dir + "/calibration_curve.jpg"));
  EXPECT_FALSE(fs::exists(dir + "/roc_curve.jpg"));
  EXPECT_FALSE(fs::exists(dir + "/pr_curve.jpg"));
  EXPECT_FALSE(fs::exists(dir + "/threshold_curve.jpg"));
  EXPECT_NE(ReadFile(dir + "/report.html")->find("no positive rows"), std::string::npos);
}

TEST(WriteReports, NoPlotsWritesNoImages) {
  const std::string dir = FreshDir("no_plots");
  Rows rows = MakeRows(300, 2, 0.5, 6);
  ReportOptions options;
  options.plots = false;
  ASSERT_TRUE(
      WriteReports(dir, rows.View(), Evaluate(rows, {"0", "1"}), SampleData(), SampleRun(), options)
          .ok());
  EXPECT_TRUE(fs::exists(dir + "/report.html"));
  EXPECT_TRUE(fs::exists(dir + "/metrics.json"));
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_NE(entry.path().extension(), ".jpg") << entry.path();
  }
}

TEST(WriteReports, FailuresAreErrorsNamingTheFile) {
  Rows rows = MakeRows(300, 2, 0.5, 7);
  const metrics::Evaluation evaluation = Evaluate(rows, {"0", "1"});
  Result<std::vector<ReportFigure>> figures =
      BuildFigures(rows.View(), evaluation, SampleData(), ReportOptions{});
  ASSERT_TRUE(figures.ok());
  const std::string blocker = FreshDir("blocked") + "/a_file";
  ASSERT_TRUE(WriteFileAtomic(blocker, "not a directory").ok());
  Status blocked = WritePlots(blocker, *figures);  // the "directory" is a file
  EXPECT_FALSE(blocked.ok());
  EXPECT_NE(blocked.message().find("roc_curve.jpg"), std::string::npos) << blocked.message();

  rows.labels[17] = 5;
  Result<std::vector<ReportFigure>> bad_label =
      BuildFigures(rows.View(), evaluation, SampleData(), ReportOptions{});
  ASSERT_FALSE(bad_label.ok());
  EXPECT_NE(bad_label.status().message().find("row 17"), std::string::npos);

  metrics::Evaluation without_auc = evaluation;
  std::erase_if(without_auc.metrics, [](const metrics::Metric& m) { return m.name == "auc_roc"; });
  rows.labels[17] = 0;
  Result<std::vector<ReportFigure>> no_auc =
      BuildFigures(rows.View(), without_auc, SampleData(), ReportOptions{});
  ASSERT_FALSE(no_auc.ok());
  EXPECT_NE(no_auc.status().message().find("auc_roc"), std::string::npos);
}

}  // namespace
}  // namespace verdict::report
