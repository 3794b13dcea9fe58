// plot: publication-quality charts drawn in process with cairo, written as JPG (libjpeg-turbo)
// or SVG (cairo's SVG surface, ready to inline in an HTML page).
//
// The stage knows nothing about metrics: a Figure holds panels of plain numeric series (lines,
// step lines, scatter, histograms, bars, box plots, heatmaps, reference lines, text boxes), and
// ready-made builders turn plain vectors (curve points, scores, counts) into the report's charts.
// Layout is in points on a canvas of Figure::width x Figure::height (default 800 x 600); the
// JPG is rendered at 2 pixels per point (1600 x 1200 by default), the SVG at 1 pixel per point.
//
// Usage:
//   plot::NamedCurve roc{"Model", fpr, tpr, /*summary=*/auc};
//   VERDICT_ASSIGN_OR_RETURN(plot::Figure figure, plot::RocFigure({roc}));
//   VERDICT_ASSIGN_OR_RETURN(plot::RenderInfo info, plot::WriteJpeg(figure, "roc_curve.jpg"));
//   VERDICT_ASSIGN_OR_RETURN(plot::Rendered svg, plot::RenderSvg(figure));   // svg.data
//
// A hand-made chart:
//   plot::Panel panel;
//   panel.title = "Loss";
//   panel.x.label = "Epoch";
//   panel.series.push_back(plot::Line{.label = "train", .x = epochs, .y = loss});
//   plot::Figure figure{.panels = {panel}};
//
// Errors: non-finite numbers, mismatched lengths and impossible axis ranges are reported as a
// Status naming the panel, the series and the index; empty series are allowed (nothing drawn).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/core.h"

namespace verdict::plot {

// ---------------------------------------------------------------------------------------------
// Style

// An sRGB colour with components in [0, 1].
struct Color {
  double r = 0;
  double g = 0;
  double b = 0;
};

// Colour `index` (modulo 8) of the Okabe-Ito colour-blind-safe palette, ordered so that the
// first colours contrast most: blue, orange, bluish green, vermillion, reddish purple, sky blue,
// yellow, grey. Series and classes use it in order, so class i has the same colour everywhere.
constexpr Color PaletteColor(int index) {
  constexpr Color kPalette[] = {{0.000, 0.447, 0.698}, {0.902, 0.624, 0.000}, {0.000, 0.620, 0.451},
                                {0.835, 0.369, 0.000}, {0.800, 0.475, 0.655}, {0.337, 0.706, 0.914},
                                {0.941, 0.894, 0.259}, {0.500, 0.500, 0.500}};
  return kPalette[((index % 8) + 8) % 8];
}

// Near-black for reference lines and text.
inline constexpr Color kInk{0.15, 0.15, 0.15};
// The "wheat" background of annotation boxes.
inline constexpr Color kWheat{0.96, 0.87, 0.70};

enum class LineStyle { kSolid, kDashed, kDotted };

// Where a legend or text box sits inside the plot area.
enum class Corner { kUpperLeft, kUpperCenter, kUpperRight, kLowerLeft, kLowerRight };

// ---------------------------------------------------------------------------------------------
// Series. A series with a non-empty label gets a legend entry.

// A polyline through (x[i], y[i]), in the given order.
struct Line {
  std::string label;
  std::vector<double> x;
  std::vector<double> y;
  Color color = PaletteColor(0);
  LineStyle style = LineStyle::kSolid;
  double width = 2.0;    // points
  bool step = false;     // steps-post: y[i] holds from x[i] to x[i+1], then a vertical jump
  bool markers = false;  // a dot at every point
};

// Points, drawn as translucent discs. A series is one shape: its own overlapping points do not
// darken each other (which keeps SVGs small), while different series blend.
struct Scatter {
  std::string label;
  std::vector<double> x;
  std::vector<double> y;
  Color color = PaletteColor(0);
  double alpha = 0.6;
  double radius = 2.5;  // points
};

// A histogram of `values` in `bins` equal-width bins over [range_min, range_max] (default: the
// values' extent). Values outside the range are not counted; the maximum falls in the last bin.
// A caller with millions of values may bin them itself (HistogramBin) and give `bin_counts`
// instead: one count per bin, range_min and range_max set, `values` empty.
struct Histogram {
  std::string label;
  std::vector<double> values;
  std::vector<double> bin_counts;
  int bins = 30;
  std::optional<double> range_min;
  std::optional<double> range_max;
  bool density = false;  // heights integrate to 1 (count / (total in range * bin width))
  Color color = PaletteColor(0);
  double alpha = 0.5;
};

// Vertical bars centred at x[i] with height heights[i]; `annotations[i]` (optional, same length
// when given) is printed above bar i, e.g. the number of rows in a calibration bin.
struct Bars {
  std::string label;
  std::vector<double> x;
  std::vector<double> heights;
  double bar_width = 0.8;  // data units
  std::vector<std::string> annotations;
  Color color = PaletteColor(0);
  double alpha = 0.5;
};

// Box plots (Tukey: box from the first to the third quartile, median line, whiskers to the
// furthest value within 1.5 IQR, outliers as rings). Group i is drawn at x = i; set the panel's
// x.categories to name the groups. Quartiles interpolate linearly (numpy's default).
struct BoxPlot {
  std::vector<std::vector<double>> groups;
  std::vector<Color> colors;  // per group; default palette order
};

// A matrix of cells: cell (row r, column c) covers x in [c - 0.5, c + 0.5] and y in
// [r - 0.5, r + 0.5]; colour follows `values` on [value_min, value_max] (white to dark blue);
// `annotations` (optional, same shape) is printed in the cell, lines split at '\n'. Use with
// x.categories, y.categories and y.inverted = true for a confusion matrix.
struct Heatmap {
  std::vector<std::vector<double>> values;
  std::vector<std::vector<std::string>> annotations;
  double value_min = 0;
  double value_max = 1;
  std::string colorbar_label;  // a colour bar is drawn right of the plot area
};

// A horizontal (y = value) or vertical (x = value) line across the whole plot area.
struct ReferenceLine {
  enum class Orientation { kHorizontal, kVertical };
  Orientation orientation = Orientation::kHorizontal;
  double value = 0;
  std::string label;
  Color color = kInk;
  LineStyle style = LineStyle::kDashed;
  double width = 1.2;
};

using Series = std::variant<Line, Scatter, Histogram, Bars, BoxPlot, Heatmap, ReferenceLine>;

// A framed block of text in a corner of the plot area; lines split at '\n'.
struct TextBox {
  std::string text;
  Corner corner = Corner::kUpperLeft;
  Color background = kWheat;
};

// ---------------------------------------------------------------------------------------------
// Panels and figures

struct Axis {
  std::string label;
  // Fixed limits; unset ones follow the data with a 5% margin (bars and histograms keep 0).
  std::optional<double> min;
  std::optional<double> max;
  // Margin above the data when `max` is unset, as a fraction of the data span: room for a
  // legend over histograms, say.
  double upper_margin = 0.05;
  // Category names at positions 0, 1, ...: ticks at those positions with these labels, and the
  // default range [-0.5, n - 0.5].
  std::vector<std::string> categories;
  bool inverted = false;  // values grow right-to-left (x) or top-to-bottom (y)
};

struct Panel {
  std::string title;
  Axis x;
  Axis y;
  bool grid = true;
  std::optional<Corner> legend = Corner::kUpperRight;  // nullopt: no legend
  std::vector<Series> series;                          // drawn in order
  // Indices into `series` in legend order (e.g. a reference line drawn first, listed last);
  // empty: series order. Series left out get no entry.
  std::vector<size_t> legend_order;
  std::vector<TextBox> text_boxes;
};

// Panels fill a rows x cols grid row by row.
struct Figure {
  std::string title;  // above all panels (for multi-panel figures)
  int rows = 1;
  int cols = 1;
  double width = 800;   // points
  double height = 600;  // points
  std::vector<Panel> panels;
};

// ---------------------------------------------------------------------------------------------
// Rendering

// Where a panel's data landed in the output image: the plot area in output pixels (origin top
// left, y down) and the axis ranges it shows.
struct PlotArea {
  double left = 0;
  double top = 0;
  double width = 0;
  double height = 0;
  double x_min = 0;  // data value at the left edge (the right edge when the axis is inverted)
  double x_max = 1;
  double y_min = 0;  // data value at the bottom edge (the top edge when inverted)
  double y_max = 1;
  bool x_inverted = false;
  bool y_inverted = false;

  // Output pixel coordinates of a data point.
  double PixelX(double x) const;
  double PixelY(double y) const;
};

struct RenderInfo {
  int width = 0;  // output pixels
  int height = 0;
  std::vector<PlotArea> panels;  // in Figure::panels order
};

struct Rendered {
  std::string data;  // JPG bytes or SVG text
  RenderInfo info;
};

struct JpegOptions {
  double pixels_per_point = 2.0;  // the default figure gives 1600 x 1200
  int quality = 92;               // with 4:4:4 chroma, so thin coloured lines stay crisp
};

struct SvgOptions {
  // Prefix for the SVG's element ids, so that several SVGs can be inlined in one HTML page.
  // Empty: derived from a hash of the content (identical figures share identical definitions).
  std::string id_prefix;
  bool xml_declaration = true;  // false for inlining in HTML
};

// Renders a figure as JPG bytes.
Result<Rendered> RenderJpeg(const Figure& figure, const JpegOptions& options = {});
// Renders a figure as an SVG document. Text is drawn from glyph outlines defined once per font
// size and reused (<use>), so it looks the same everywhere without fonts; a typical chart is
// 50-90 KB, about 35 KB of it glyph outlines; numbers carry two decimals; lines are merged to
// 0.2 px. Size it with CSS (e.g. width: 100%; height: auto) when inlining.
Result<Rendered> RenderSvg(const Figure& figure, const SvgOptions& options = {});
// Renders and writes atomically (temporary file + rename); returns the layout.
Result<RenderInfo> WriteJpeg(const Figure& figure, const std::string& path,
                             const JpegOptions& options = {});
Result<RenderInfo> WriteSvg(const Figure& figure, const std::string& path,
                            const SvgOptions& options = {});

// ---------------------------------------------------------------------------------------------
// Ready-made charts. Inputs are plain numbers computed elsewhere (metrics, stats).

// A curve with its summary number (AUC for ROC, AP for PR); `name` starts the legend entry.
struct NamedCurve {
  std::string name;
  std::vector<double> x;  // FPR (ROC) or recall (PR)
  std::vector<double> y;  // TPR (ROC) or precision (PR)
  double summary = 0;
};

// ROC curves, "name (AUC = 0.912)" in the legend (lower right), and the chance diagonal.
Result<Figure> RocFigure(const std::vector<NamedCurve>& curves,
                         const std::string& title = "ROC Curve");
// Precision-recall curves, "name (AP = 0.873)" in the legend (lower left), and a dotted baseline
// at the positive rate.
Result<Figure> PrFigure(const std::vector<NamedCurve>& curves, double positive_rate,
                        const std::string& title = "Precision-Recall Curve");

// The bin of `value` among `bins` equal-width bins over [lo, hi] (lo < hi), as Histogram bins
// its values: -1 outside the range, and hi falls in the last bin.
int HistogramBin(double value, double lo, double hi, int bins);

// Scores grouped by true class, read in place (no copy per group): row i has score scores[i] and
// group groups[i], an index into names (e.g. "Class 0").
struct ScoreGroups {
  std::vector<std::string> names;
  std::span<const double> scores;
  std::span<const int32_t> groups;
};
// Overlaid density histograms, one per group (30 bins on [0, 1], or the data range when scores
// leave it), binned in one pass over the rows.
Result<Figure> ScoreDistributionFigure(
    const ScoreGroups& groups, const std::string& x_label = "Predicted probability",
    const std::string& title = "Score Distribution by True Class");

// One bin of a reliability diagram.
struct CalibrationBin {
  double lower = 0;  // bin edges on the score axis
  double upper = 0;
  double mean_score = 0;     // mean predicted probability of the rows in the bin
  double observed_rate = 0;  // fraction of positives among them
  int64_t count = 0;         // rows in the bin (bins with 0 rows are not drawn)
};
// Reliability diagram: bars of the observed rate with row counts above, the mean-score curve,
// and the perfect-calibration diagonal.
Result<Figure> CalibrationFigure(const std::vector<CalibrationBin>& bins,
                                 const std::string& title = "Calibration (Reliability Diagram)");

// Precision, recall and F1 against the decision threshold, with a dotted vertical line at the
// threshold of the best F1.
Result<Figure> ThresholdFigure(std::span<const double> thresholds,
                               std::span<const double> precision, std::span<const double> recall,
                               std::span<const double> f1,
                               const std::string& title = "Precision, Recall and F1 by Threshold");

// Confusion matrix normalized by true class (rows), cells annotated "0.93\n(1,234)".
// counts[t][p] = rows of true class t predicted as p; a square matrix with one name per class.
Result<Figure> ConfusionMatrixFigure(const std::vector<std::vector<int64_t>>& counts,
                                     const std::vector<std::string>& class_names,
                                     const std::string& title = "Confusion Matrix");

// Comparison mode (binary). The new model is solid blue, the previous one dashed vermillion.
// Titles: "ROC Curve Comparison (Δ AUC = +0.012)", "Precision-Recall Curve Comparison (Δ AP =
// ...)".
Result<Figure> RocComparisonFigure(const NamedCurve& new_model, const NamedCurve& previous_model);
Result<Figure> PrComparisonFigure(const NamedCurve& new_model, const NamedCurve& previous_model,
                                  double positive_rate);
// New against previous scores by true class (0/1 labels), the diagonal, and a "Pearson r" box.
Result<Figure> ScoreScatterFigure(std::span<const double> previous_scores,
                                  std::span<const double> new_scores,
                                  std::span<const int32_t> labels, double pearson_r);
// 2 x 2: new-model and previous-model score densities by class, the difference new - previous by
// class (with a line at 0), and box plots Prev (Neg), New (Neg), Prev (Pos), New (Pos).
Result<Figure> ScoreDistributionsComparisonFigure(std::span<const double> previous_scores,
                                                  std::span<const double> new_scores,
                                                  std::span<const int32_t> labels);

}  // namespace verdict::plot
