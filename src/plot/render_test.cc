#include <expat.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "plot/plot.h"
#include "plot/test_image.h"

namespace verdict::plot {
namespace {

using testing::Count;
using testing::DecodeJpeg;
using testing::GreyVariance;
using testing::HasColorNear;
using testing::Image;

// Collects element names, ids and local references (href="#..." and url(#...)) with expat.
struct SvgSummary {
  bool well_formed = false;
  std::map<std::string, int> elements;
  std::set<std::string> ids;
  std::set<std::string> references;
};

void OnStart(void* data, const char* name, const char** attributes) {
  auto* summary = static_cast<SvgSummary*>(data);
  ++summary->elements[name];
  for (int i = 0; attributes[i] != nullptr; i += 2) {
    const std::string key = attributes[i];
    const std::string value = attributes[i + 1];
    if (key == "id") summary->ids.insert(value);
    if (key == "xlink:href" && value.rfind('#', 0) == 0)
      summary->references.insert(value.substr(1));
    const size_t url = value.find("url(#");
    if (url != std::string::npos) {
      summary->references.insert(value.substr(url + 5, value.find(')', url) - url - 5));
    }
  }
}

SvgSummary ParseSvg(const std::string& svg) {
  SvgSummary summary;
  XML_Parser parser = XML_ParserCreate(nullptr);
  XML_SetUserData(parser, &summary);
  XML_SetStartElementHandler(parser, OnStart);
  summary.well_formed =
      XML_Parse(parser, svg.data(), static_cast<int>(svg.size()), /*isFinal=*/1) == XML_STATUS_OK;
  XML_ParserFree(parser);
  return summary;
}

Figure TwoLines() {
  Panel panel;
  panel.title = "Title";
  panel.x.min = 0;
  panel.x.max = 1;
  panel.y.min = 0;
  panel.y.max = 1;
  panel.series.push_back(Line{.label = "A", .x = {0, 1}, .y = {0, 1}, .color = PaletteColor(0)});
  panel.series.push_back(Line{.label = "B", .x = {0, 1}, .y = {1, 0}, .color = PaletteColor(1)});
  return Figure{.panels = {panel}};
}

TEST(Jpeg, DefaultSizeDecodesAndIsNotBlank) {
  Result<Rendered> rendered = RenderJpeg(TwoLines());
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  const Image image = DecodeJpeg(rendered->data);
  EXPECT_EQ(image.width, 1600);
  EXPECT_EQ(image.height, 1200);
  EXPECT_EQ(rendered->info.width, 1600);
  EXPECT_EQ(rendered->info.height, 1200);
  EXPECT_GT(GreyVariance(image), 50.0);
}

TEST(Jpeg, LinesLandWhereTheTransformSays) {
  Result<Rendered> rendered = RenderJpeg(TwoLines());
  ASSERT_TRUE(rendered.ok());
  const Image image = DecodeJpeg(rendered->data);
  const PlotArea& area = rendered->info.panels.at(0);
  // Line A rises, line B falls; they cross at the centre.
  EXPECT_TRUE(HasColorNear(image, area.PixelX(0.25), area.PixelY(0.25), PaletteColor(0)));
  EXPECT_TRUE(HasColorNear(image, area.PixelX(0.25), area.PixelY(0.75), PaletteColor(1)));
  EXPECT_FALSE(HasColorNear(image, area.PixelX(0.25), area.PixelY(0.5), PaletteColor(0)));
  EXPECT_FALSE(HasColorNear(image, area.PixelX(0.25), area.PixelY(0.5), PaletteColor(1)));
  // The plot area sits inside the image with room for labels on the left and below.
  EXPECT_GT(area.left, 40);
  EXPECT_LT(area.left + area.width, 1600);
  EXPECT_LT(area.top + area.height, 1200 - 40);
}

TEST(Jpeg, LegendFollowsLegendOrder) {
  Figure figure = TwoLines();
  figure.panels[0].legend = Corner::kLowerLeft;
  figure.panels[0].legend_order = {1, 0};
  Result<Rendered> rendered = RenderJpeg(figure);
  ASSERT_TRUE(rendered.ok());
  const Image image = DecodeJpeg(rendered->data);
  const PlotArea& a = rendered->info.panels[0];
  // Legend layout in points (x2 pixels): 10 from the frame, 6 inside the box, rows 17.825
  // high; handles are 30 long after 8 of padding.
  const double handle_x = a.left + 2 * (10 + 8 + 15);
  const double box_bottom = a.top + a.height - 2 * 10;
  const double first_row = box_bottom - 2 * (6 + 1.5 * 17.825);
  EXPECT_TRUE(HasColorNear(image, handle_x, first_row, PaletteColor(1), 1));
  EXPECT_TRUE(HasColorNear(image, handle_x, first_row + 2 * 17.825, PaletteColor(0), 1));
  EXPECT_FALSE(HasColorNear(image, handle_x, first_row, PaletteColor(0), 1));
}

TEST(Jpeg, PixelsPerPointScalesTheImage) {
  Result<Rendered> rendered = RenderJpeg(TwoLines(), {.pixels_per_point = 2.5});
  ASSERT_TRUE(rendered.ok());
  const Image image = DecodeJpeg(rendered->data);
  EXPECT_EQ(image.width, 2000);
  EXPECT_EQ(image.height, 1500);
  EXPECT_FALSE(RenderJpeg(TwoLines(), {.quality = 0}).ok());
  EXPECT_FALSE(RenderJpeg(TwoLines(), {.pixels_per_point = 1000}).ok());
}

TEST(Jpeg, StepLineHoldsItsValueUntilTheNextPoint) {
  Panel panel;
  panel.x = Axis{.min = 0, .max = 2};
  panel.y = Axis{.min = 0, .max = 1};
  panel.series.push_back(Line{.x = {0, 1, 2}, .y = {0.2, 0.8, 0.8}, .step = true});
  Result<Rendered> rendered = RenderJpeg(Figure{.panels = {panel}});
  ASSERT_TRUE(rendered.ok());
  const Image image = DecodeJpeg(rendered->data);
  const PlotArea& area = rendered->info.panels[0];
  EXPECT_TRUE(HasColorNear(image, area.PixelX(0.5), area.PixelY(0.2), PaletteColor(0)));
  EXPECT_FALSE(HasColorNear(image, area.PixelX(0.5), area.PixelY(0.5), PaletteColor(0)));
  EXPECT_TRUE(HasColorNear(image, area.PixelX(1.0), area.PixelY(0.5), PaletteColor(0)));
}

TEST(Jpeg, HistogramCountsFillTheRightBins) {
  Panel panel;
  panel.series.push_back(Histogram{.values = {0.05, 0.06, 0.07, 0.95},
                                   .bins = 10,
                                   .range_min = 0,
                                   .range_max = 1,
                                   .alpha = 1.0});
  Result<Rendered> rendered = RenderJpeg(Figure{.panels = {panel}});
  ASSERT_TRUE(rendered.ok());
  const Image image = DecodeJpeg(rendered->data);
  const PlotArea& area = rendered->info.panels[0];
  EXPECT_EQ(area.y_min, 0);  // bars start on the axis
  EXPECT_NEAR(area.y_max, 3.15, 1e-9);
  EXPECT_TRUE(HasColorNear(image, area.PixelX(0.05), area.PixelY(2.5), PaletteColor(0), 0));
  EXPECT_TRUE(HasColorNear(image, area.PixelX(0.95), area.PixelY(0.5), PaletteColor(0), 0));
  EXPECT_FALSE(HasColorNear(image, area.PixelX(0.95), area.PixelY(1.5), PaletteColor(0)));
  EXPECT_FALSE(HasColorNear(image, area.PixelX(0.5), area.PixelY(0.5), PaletteColor(0)));
}

TEST(Jpeg, MillionPointLinesStayOnTheCurveAndSmall) {
  std::vector<double> x(1000000), y(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<double>(i) / (x.size() - 1);
    y[i] = std::sqrt(x[i]);
  }
  Panel panel;
  panel.series.push_back(Line{.x = x, .y = y, .width = 1.0});
  const Figure figure{.panels = {panel}};
  Result<Rendered> rendered = RenderJpeg(figure);
  ASSERT_TRUE(rendered.ok());
  const Image image = DecodeJpeg(rendered->data);
  const PlotArea& area = rendered->info.panels[0];
  for (double t : {0.0001, 0.01, 0.25, 0.64, 1.0}) {
    EXPECT_TRUE(HasColorNear(image, area.PixelX(t), area.PixelY(std::sqrt(t)), PaletteColor(0), 1))
        << t;
  }
  EXPECT_FALSE(HasColorNear(image, area.PixelX(0.25), area.PixelY(0.45), PaletteColor(0)));
  // Vertices closer than 0.2 px are merged, so the SVG path stays far below 1e6 vertices.
  EXPECT_LT(RenderSvg(figure)->data.size(), 150000u);
}

TEST(Layout, LongCategoryNamesSlantAndTakeRoomFromThePlot) {
  Panel panel;
  panel.series.push_back(BoxPlot{.groups = {{1, 2}, {2, 3}, {3, 4}, {4, 5}}});
  panel.x.categories = {"a", "b", "c", "d"};
  const double level = RenderJpeg(Figure{.panels = {panel}})->info.panels[0].height;
  panel.x.categories = {"a rather long name", "another long name", "and a third", "fourth one"};
  Figure figure{.cols = 2, .panels = {panel}};
  const double slanted = RenderJpeg(figure)->info.panels[0].height;
  EXPECT_LT(slanted, level - 100);
}

TEST(Jpeg, EmptySeriesAndEmptyPanelsRender) {
  Panel panel;
  panel.title = "Nothing yet";
  panel.series.push_back(Line{.label = "empty"});
  panel.series.push_back(Histogram{});
  panel.series.push_back(BoxPlot{.groups = {{}, {1, 2, 3}}});
  Result<Rendered> rendered = RenderJpeg(Figure{.rows = 1, .cols = 2, .panels = {panel, Panel{}}});
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  EXPECT_EQ(rendered->info.panels.size(), 2u);
  EXPECT_GT(GreyVariance(DecodeJpeg(rendered->data)), 1.0);
}

TEST(Validation, NonFiniteValuesNameTheirPlace) {
  Figure figure = TwoLines();
  std::get<Line>(figure.panels[0].series[1]).y[1] = std::nan("");
  Result<Rendered> rendered = RenderJpeg(figure);
  ASSERT_FALSE(rendered.ok());
  EXPECT_EQ(rendered.status().code(), StatusCode::kInvalidData);
  EXPECT_EQ(rendered.status().message(), "panel 0 'Title': series 1 'B': y[1] is NaN");

  Panel scatter;
  scatter.series.push_back(Scatter{.x = {1, INFINITY}, .y = {1, 2}});
  EXPECT_EQ(RenderSvg(Figure{.panels = {scatter}}).status().message(),
            "panel 0: series 0: x[1] is +inf");
}

TEST(Validation, ShapesLimitsAndGrids) {
  Figure figure = TwoLines();
  std::get<Line>(figure.panels[0].series[0]).x.push_back(2);
  EXPECT_EQ(RenderJpeg(figure).status().code(), StatusCode::kInvalidArgument);

  figure = TwoLines();
  figure.panels[0].x.min = 1;
  EXPECT_EQ(RenderJpeg(figure).status().code(), StatusCode::kInvalidArgument);

  figure = TwoLines();
  figure.panels.push_back(figure.panels[0]);
  EXPECT_EQ(RenderJpeg(figure).status().message(), "a 1x1 grid cannot hold 2 panels");

  figure = TwoLines();
  figure.panels[0].legend_order = {1, 2};
  EXPECT_EQ(RenderJpeg(figure).status().message(),
            "panel 0 'Title': legend order names series 2 of 2");

  Panel heatmap;
  heatmap.series.push_back(Heatmap{.values = {{1, 2}, {3}}});
  EXPECT_FALSE(RenderJpeg(Figure{.panels = {heatmap}}).ok());
  EXPECT_FALSE(RenderJpeg(Figure{}).ok());
}

TEST(PlotArea, InvertedAxesFlipTheMapping) {
  PlotArea area{.left = 10,
                .top = 20,
                .width = 100,
                .height = 50,
                .x_min = 0,
                .x_max = 1,
                .y_min = 0,
                .y_max = 1};
  EXPECT_DOUBLE_EQ(area.PixelX(0), 10);
  EXPECT_DOUBLE_EQ(area.PixelY(0), 70);
  area.x_inverted = area.y_inverted = true;
  EXPECT_DOUBLE_EQ(area.PixelX(0), 110);
  EXPECT_DOUBLE_EQ(area.PixelY(0), 20);
}

TEST(Svg, WellFormedWithOnePathPerLineAndOneGlyphPerCharacter) {
  Result<Rendered> rendered = RenderSvg(TwoLines());
  ASSERT_TRUE(rendered.ok());
  const SvgSummary svg = ParseSvg(rendered->data);
  ASSERT_TRUE(svg.well_formed);
  EXPECT_EQ(svg.elements.at("svg"), 1);
  EXPECT_EQ(rendered->info.width, 800);
  // Each line's colour strokes its curve and its legend handle.
  EXPECT_EQ(Count(rendered->data, "stroke:rgb(0%,44.7%,69.8%)"), 2u);
  EXPECT_EQ(Count(rendered->data, "stroke:rgb(90.2%,62.4%,0%)"), 2u);
  // Text is drawn glyph by glyph from shared outlines: "Title" (5), six tick labels per axis
  // ("0.0" ... "1.0", 3 glyphs each) and the legend ("A", "B").
  EXPECT_EQ(svg.elements.at("use"), 5 + 2 * 6 * 3 + 2);
  EXPECT_LT(rendered->data.size(), 60000u);
}

TEST(Svg, IdsArePrefixedAndEveryReferenceResolves) {
  Result<Rendered> rendered =
      RenderSvg(TwoLines(), {.id_prefix = "roc-", .xml_declaration = false});
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(rendered->data.rfind("<svg", 0), 0u);
  const SvgSummary svg = ParseSvg(rendered->data);
  ASSERT_TRUE(svg.well_formed);
  ASSERT_FALSE(svg.ids.empty());
  for (const std::string& id : svg.ids) EXPECT_EQ(id.rfind("roc-", 0), 0u) << id;
  for (const std::string& ref : svg.references) EXPECT_TRUE(svg.ids.count(ref)) << ref;

  // Without a prefix, different figures get different ids, identical ones the same.
  const std::string a = RenderSvg(TwoLines())->data;
  Figure other = TwoLines();
  other.panels[0].title = "Other";
  const std::string b = RenderSvg(other)->data;
  EXPECT_EQ(a, RenderSvg(TwoLines())->data);
  EXPECT_NE(*ParseSvg(a).ids.begin(), *ParseSvg(b).ids.begin());
}

TEST(Files, WritesAreAtomicAndComplete) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("verdict_plot_test_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  Result<RenderInfo> jpg = WriteJpeg(TwoLines(), (dir / "a.jpg").string());
  ASSERT_TRUE(jpg.ok()) << jpg.status().ToString();
  ASSERT_TRUE(WriteSvg(TwoLines(), (dir / "a.svg").string()).ok());
  EXPECT_EQ(DecodeJpeg(*ReadFile((dir / "a.jpg").string())).width, jpg->width);
  EXPECT_TRUE(ParseSvg(*ReadFile((dir / "a.svg").string())).well_formed);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace verdict::plot
