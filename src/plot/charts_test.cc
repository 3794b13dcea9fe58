#include <gtest/gtest.h>

#include "plot/plot.h"
#include "plot/test_image.h"

namespace verdict::plot {
namespace {

using testing::DecodeJpeg;
using testing::HasColorNear;
using testing::Image;

struct Drawn {
  Image image;
  PlotArea area;
};

Drawn Draw(const Result<Figure>& figure) {
  EXPECT_TRUE(figure.ok()) << figure.status().ToString();
  Result<Rendered> rendered = RenderJpeg(*figure);
  EXPECT_TRUE(rendered.ok()) << rendered.status().ToString();
  return {DecodeJpeg(rendered->data), rendered->info.panels.at(0)};
}

template <typename T>
std::vector<const T*> SeriesOf(const Panel& panel) {
  std::vector<const T*> found;
  for (const Series& s : panel.series) {
    if (const T* t = std::get_if<T>(&s)) found.push_back(t);
  }
  return found;
}

TEST(Roc, PerfectClassifierPassesThroughTheTopLeftCorner) {
  const Drawn drawn = Draw(RocFigure({{"Perfect", {0, 0, 1}, {0, 1, 1}, 1.0}}));
  const PlotArea& a = drawn.area;
  EXPECT_EQ(drawn.image.width, 1600);
  EXPECT_TRUE(HasColorNear(drawn.image, a.PixelX(0), a.PixelY(1), PaletteColor(0)));
  EXPECT_TRUE(HasColorNear(drawn.image, a.PixelX(0), a.PixelY(0.5), PaletteColor(0)));
  EXPECT_TRUE(HasColorNear(drawn.image, a.PixelX(0.5), a.PixelY(1), PaletteColor(0)));
  EXPECT_FALSE(HasColorNear(drawn.image, a.PixelX(0.5), a.PixelY(0.5), PaletteColor(0)));
}

TEST(Roc, ChanceLevelCurveLiesOnTheDiagonal) {
  const Drawn drawn = Draw(RocFigure({{"Chance", {0, 0.5, 1}, {0, 0.5, 1}, 0.5}}));
  const PlotArea& a = drawn.area;
  for (double t : {0.2, 0.5, 0.8}) {
    EXPECT_TRUE(HasColorNear(drawn.image, a.PixelX(t), a.PixelY(t), PaletteColor(0))) << t;
  }
  EXPECT_FALSE(HasColorNear(drawn.image, a.PixelX(0.2), a.PixelY(0.8), PaletteColor(0)));
}

TEST(Roc, LegendCarriesAucAndTheChanceDiagonal) {
  Result<Figure> figure =
      RocFigure({{"Class 0", {0, 1}, {0, 1}, 0.91234}, {"Class 1", {0, 1}, {0, 1}, NAN}});
  ASSERT_TRUE(figure.ok());
  const auto lines = SeriesOf<Line>(figure->panels[0]);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]->label, "Random (AUC = 0.500)");
  EXPECT_EQ(lines[0]->style, LineStyle::kDashed);
  EXPECT_EQ(lines[1]->label, "Class 0 (AUC = 0.912)");
  EXPECT_EQ(lines[2]->label, "Class 1 (AUC = n/a)");
  EXPECT_EQ(figure->panels[0].legend, Corner::kLowerRight);
  EXPECT_EQ(figure->panels[0].legend_order, (std::vector<size_t>{1, 2, 0}));
  EXPECT_FALSE(RocFigure({}).ok());
}

TEST(Pr, BaselineSitsAtThePositiveRate) {
  const Result<Figure> figure = PrFigure({{"Model", {0, 0.5, 1}, {1, 1, 0.25}, 0.8}}, 0.25);
  ASSERT_TRUE(figure.ok());
  const auto baselines = SeriesOf<ReferenceLine>(figure->panels[0]);
  ASSERT_EQ(baselines.size(), 1u);
  EXPECT_EQ(baselines[0]->value, 0.25);
  EXPECT_EQ(baselines[0]->label, "Random (AP = 0.250)");
  EXPECT_EQ(SeriesOf<Line>(figure->panels[0])[0]->label, "Model (AP = 0.800)");
  const Drawn drawn = Draw(figure);
  EXPECT_TRUE(
      HasColorNear(drawn.image, drawn.area.PixelX(0.25), drawn.area.PixelY(1), PaletteColor(0)));
  EXPECT_FALSE(PrFigure({{"Model", {0}, {1}, 1}}, 1.5).ok());
}

TEST(ScoreDistribution, DensityHistogramsPerClassOnTheUnitInterval) {
  const std::vector<double> scores = {0.1, 0.9, 0.12, 0.15, 0.91};
  const std::vector<int32_t> classes = {0, 1, 0, 0, 1};
  const Result<Figure> figure = ScoreDistributionFigure({{"Class 0", "Class 1"}, scores, classes});
  ASSERT_TRUE(figure.ok());
  const auto histograms = SeriesOf<Histogram>(figure->panels[0]);
  ASSERT_EQ(histograms.size(), 2u);
  EXPECT_TRUE(histograms[0]->density);
  EXPECT_EQ(histograms[1]->range_min, 0);
  EXPECT_EQ(histograms[1]->range_max, 1);
  EXPECT_EQ(histograms[1]->label, "Class 1 (n = 2)");
  const Drawn drawn = Draw(figure);
  EXPECT_TRUE(HasColorNear(drawn.image, drawn.area.PixelX(0.905), drawn.area.PixelY(1.0),
                           PaletteColor(1), 6));
  EXPECT_FALSE(HasColorNear(drawn.image, drawn.area.PixelX(0.5), drawn.area.PixelY(1.0),
                            PaletteColor(1), 6));
}

TEST(Calibration, BarsWithCountsSkipEmptyBins) {
  const Result<Figure> figure =
      CalibrationFigure({{0, 0.5, 0.2, 0.1, 1234}, {0.5, 1, 0, 0, 0}, {0.5, 1, 0.8, 0.9, 10}});
  ASSERT_TRUE(figure.ok());
  const auto bars = SeriesOf<Bars>(figure->panels[0]);
  ASSERT_EQ(bars.size(), 1u);
  EXPECT_EQ(bars[0]->annotations, (std::vector<std::string>{"1,234", "10"}));
  EXPECT_EQ(bars[0]->x, (std::vector<double>{0.25, 0.75}));
  const auto lines = SeriesOf<Line>(figure->panels[0]);
  EXPECT_EQ(lines.back()->x, (std::vector<double>{0.2, 0.8}));
  Draw(figure);
  EXPECT_FALSE(CalibrationFigure({{0.5, 0.5, 0.5, 0.5, 1}}).ok());
}

TEST(Threshold, MarksTheBestF1) {
  const std::vector<double> t = {0.2, 0.5, 0.8}, p = {0.5, 0.7, 0.9}, r = {1, 0.8, 0.3},
                            f1 = {0.66, 0.75, 0.45};
  const Result<Figure> figure = ThresholdFigure(t, p, r, f1);
  ASSERT_TRUE(figure.ok());
  const auto marks = SeriesOf<ReferenceLine>(figure->panels[0]);
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0]->value, 0.5);
  EXPECT_EQ(marks[0]->label, "Best F1 = 0.750 at 0.500");
  Draw(figure);
  EXPECT_FALSE(ThresholdFigure(t, p, r, std::vector<double>{0.1}).ok());
}

TEST(ConfusionMatrix, NormalizedByTrueClassWithCounts) {
  const Result<Figure> figure = ConfusionMatrixFigure({{3, 1}, {0, 0}}, {"no", "yes"});
  ASSERT_TRUE(figure.ok());
  const auto heatmaps = SeriesOf<Heatmap>(figure->panels[0]);
  ASSERT_EQ(heatmaps.size(), 1u);
  EXPECT_EQ(heatmaps[0]->values, (std::vector<std::vector<double>>{{0.75, 0.25}, {0, 0}}));
  EXPECT_EQ(heatmaps[0]->annotations[0][0], "0.75\n(3)");
  const Drawn drawn = Draw(figure);
  // Row 0 is at the top; its first cell is dark, the empty row is white.
  const unsigned char* dark = drawn.image.At(static_cast<int>(drawn.area.PixelX(-0.3)),
                                             static_cast<int>(drawn.area.PixelY(-0.3)));
  const unsigned char* light = drawn.image.At(static_cast<int>(drawn.area.PixelX(-0.3)),
                                              static_cast<int>(drawn.area.PixelY(1.3)));
  EXPECT_LT(dark[0] + dark[1] + dark[2], 400);
  EXPECT_GT(light[0] + light[1] + light[2], 700);
  EXPECT_LT(drawn.area.PixelY(0), drawn.area.PixelY(1));
  EXPECT_FALSE(ConfusionMatrixFigure({{1, 2}}, {"a"}).ok());
  EXPECT_FALSE(ConfusionMatrixFigure({{1, -2}, {0, 1}}, {"a", "b"}).ok());
}

TEST(Comparison, TitlesCarryTheDelta) {
  const NamedCurve current{"New Model", {0, 0, 1}, {0, 1, 1}, 0.9};
  const NamedCurve previous{"Previous Model", {0, 1}, {0, 1}, 0.8};
  const Result<Figure> roc = RocComparisonFigure(current, previous);
  ASSERT_TRUE(roc.ok());
  EXPECT_EQ(roc->panels[0].legend_order, (std::vector<size_t>{2, 1, 0}));  // New, Previous, Random
  EXPECT_EQ(roc->panels[0].title, "ROC Curve Comparison (Δ AUC = +0.100)");
  const Result<Figure> pr = PrComparisonFigure(previous, current, 0.3);
  ASSERT_TRUE(pr.ok());
  EXPECT_EQ(pr->panels[0].title, "Precision-Recall Curve Comparison (Δ AP = -0.100)");
  const Drawn drawn = Draw(roc);
  EXPECT_EQ(drawn.image.width, 2000);
  EXPECT_TRUE(
      HasColorNear(drawn.image, drawn.area.PixelX(0), drawn.area.PixelY(1), PaletteColor(0)));
}

TEST(Comparison, ScatterAndDistributions) {
  const std::vector<double> previous = {0.1, 0.4, 0.6, 0.9}, current = {0.2, 0.3, 0.7, 0.95};
  const std::vector<int32_t> labels = {0, 0, 1, 1};
  const Result<Figure> scatter = ScoreScatterFigure(previous, current, labels, 0.97);
  ASSERT_TRUE(scatter.ok());
  EXPECT_EQ(scatter->panels[0].text_boxes.at(0).text, "Pearson r = 0.970");
  const Drawn drawn = Draw(scatter);
  const Color orange = PaletteColor(1);  // drawn at alpha 0.5 on white
  const Color blended{(orange.r + 1) / 2, (orange.g + 1) / 2, (orange.b + 1) / 2};
  EXPECT_TRUE(HasColorNear(drawn.image, drawn.area.PixelX(0.9), drawn.area.PixelY(0.95), blended));
  EXPECT_FALSE(HasColorNear(drawn.image, drawn.area.PixelX(0.9), drawn.area.PixelY(0.5), blended));

  const Result<Figure> grid = ScoreDistributionsComparisonFigure(previous, current, labels);
  ASSERT_TRUE(grid.ok());
  ASSERT_EQ(grid->panels.size(), 4u);
  const Result<Rendered> rendered = RenderJpeg(*grid);
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(DecodeJpeg(rendered->data).width, 2400);
  EXPECT_EQ(rendered->info.panels.size(), 4u);

  const std::vector<int32_t> bad = {0, 2, 1, 1};
  EXPECT_EQ(ScoreScatterFigure(previous, current, bad, 0.9).status().message(),
            "row 1: label 2 is not 0 or 1");
  const std::vector<double> short_scores = {0.1};
  EXPECT_FALSE(ScoreDistributionsComparisonFigure(previous, short_scores, labels).ok());
}

}  // namespace
}  // namespace verdict::plot
