// Draws figures with cairo: layout (margins from measured text), grid, series, frame, ticks,
// labels, legend, text boxes and colour bars. All coordinates here are figure points; the
// context's matrix scales them to device pixels.
#include "plot/render.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <variant>
#include <vector>

#include "plot/scale.h"

namespace verdict::plot::internal {
namespace {

constexpr char kFontFamily[] = "DejaVu Sans";
constexpr double kFigureTitleSize = 18;
constexpr double kTitleSize = 15;
constexpr double kLabelSize = 13.5;
constexpr double kTickSize = 11.5;
constexpr double kLegendSize = 11.5;
constexpr double kAnnotationSize = 10.5;
constexpr double kPad = 12;        // around each panel cell
constexpr double kTickLength = 4;  // tick marks, outside the frame
constexpr double kTickGap = 4;     // between a tick mark and its label
constexpr double kLabelGap = 8;    // between tick labels and the axis label
constexpr double kInset = 10;      // legend and text boxes from the frame
constexpr double kColorbarGap = 14;
constexpr double kColorbarWidth = 16;
constexpr Color kWhite{1, 1, 1};
constexpr Color kFrame{0.30, 0.30, 0.30};
constexpr Color kGrid{0.89, 0.89, 0.89};
constexpr Color kLegendEdge{0.80, 0.80, 0.80};

// ---------------------------------------------------------------------------------------------
// Primitives

void SetColor(cairo_t* cr, Color color, double alpha = 1.0) {
  cairo_set_source_rgba(cr, color.r, color.g, color.b, alpha);
}

void SetStroke(cairo_t* cr, double width, LineStyle style) {
  cairo_set_line_width(cr, width);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  if (style == LineStyle::kDashed) {
    const double dashes[] = {std::max(3.7 * width, 5.0), std::max(1.6 * width, 3.0)};
    cairo_set_dash(cr, dashes, 2, 0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
  } else if (style == LineStyle::kDotted) {
    const double dashes[] = {0, std::max(2.0 * width, 3.0)};
    cairo_set_dash(cr, dashes, 2, 0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  } else {
    cairo_set_dash(cr, nullptr, 0, 0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  }
}

void Segment(cairo_t* cr, double x0, double y0, double x1, double y1) {
  cairo_move_to(cr, x0, y0);
  cairo_line_to(cr, x1, y1);
}

void RoundedRectangle(cairo_t* cr, double x, double y, double w, double h, double r) {
  constexpr double kPi = std::numbers::pi;
  cairo_new_sub_path(cr);
  cairo_arc(cr, x + w - r, y + r, r, -kPi / 2, 0);
  cairo_arc(cr, x + w - r, y + h - r, r, 0, kPi / 2);
  cairo_arc(cr, x + r, y + h - r, r, kPi / 2, kPi);
  cairo_arc(cr, x + r, y + r, r, kPi, 3 * kPi / 2);
  cairo_close_path(cr);
}

void Disc(cairo_t* cr, double x, double y, double radius) {
  cairo_new_sub_path(cr);
  cairo_arc(cr, x, y, radius, 0, 2 * std::numbers::pi);
}

enum class HAlign { kLeft, kCenter, kRight };
enum class VAlign { kTop, kMiddle, kBottom };

void SetFont(cairo_t* cr, double size, bool bold = false) {
  cairo_select_font_face(cr, kFontFamily, CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double TextWidth(cairo_t* cr, const std::string& text) {
  cairo_text_extents_t extents;
  cairo_text_extents(cr, text.c_str(), &extents);
  return extents.x_advance;
}

double FontSize(cairo_t* cr) {
  cairo_matrix_t matrix;
  cairo_get_font_matrix(cr, &matrix);
  return matrix.yy;
}

// Draws one line of text in the current font; (x, y) is the anchor given by the alignments.
// Vertical alignment uses DejaVu's cap height (0.73 em) and descent (0.24 em), so that a
// "middle" label sits visually centred on a tick.
void DrawText(cairo_t* cr, const std::string& text, double x, double y, HAlign h, VAlign v) {
  const double size = FontSize(cr);
  const double width = TextWidth(cr, text);
  const double left = h == HAlign::kLeft ? x : h == HAlign::kCenter ? x - width / 2 : x - width;
  const double baseline = v == VAlign::kTop      ? y + 0.73 * size
                          : v == VAlign::kMiddle ? y + 0.365 * size
                                                 : y - 0.24 * size;
  cairo_move_to(cr, left, baseline);
  cairo_show_text(cr, text.c_str());
}

// Text rotated a quarter turn counter-clockwise, centred on (x, y).
void DrawVerticalText(cairo_t* cr, const std::string& text, double x, double y) {
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, -std::numbers::pi / 2);
  DrawText(cr, text, 0, 0, HAlign::kCenter, VAlign::kMiddle);
  cairo_restore(cr);
}

double LineHeight(double font_size) { return 1.3 * font_size; }

double MaxWidth(cairo_t* cr, const std::vector<std::string>& texts) {
  double width = 0;
  for (const std::string& text : texts) width = std::max(width, TextWidth(cr, text));
  return width;
}

// ---------------------------------------------------------------------------------------------
// Series prepared for drawing: histograms binned, box statistics computed.

struct HistogramBars {
  Bars bars;
};

struct BoxStats {
  bool empty = true;
  double q1 = 0, median = 0, q3 = 0, low = 0, high = 0;  // low/high: whisker ends
  std::vector<double> outliers;
};

struct BoxSet {
  std::vector<BoxStats> boxes;
  std::vector<Color> colors;
};

using Drawable = std::variant<const Line*, const Scatter*, HistogramBars, const Bars*, BoxSet,
                              const Heatmap*, const ReferenceLine*>;

HistogramBars BinHistogram(const Histogram& histogram) {
  const auto [data_min, data_max] =
      histogram.values.empty()
          ? std::pair<double, double>{0.0, 1.0}
          : std::pair<double, double>{
                *std::min_element(histogram.values.begin(), histogram.values.end()),
                *std::max_element(histogram.values.begin(), histogram.values.end())};
  double lo = histogram.range_min.value_or(data_min);
  double hi = histogram.range_max.value_or(data_max);
  if (lo >= hi) {  // a single value (numpy widens by 0.5), or a one-sided range past the data
    if (histogram.range_max) {
      lo = hi - 1;
    } else if (histogram.range_min) {
      hi = lo + 1;
    } else {
      lo -= 0.5;
      hi += 0.5;
    }
  }
  const double width = (hi - lo) / histogram.bins;
  std::vector<double> counts = histogram.bin_counts;
  if (counts.empty()) {
    counts.assign(histogram.bins, 0.0);
    for (double value : histogram.values) {
      const int bin = HistogramBin(value, lo, hi, histogram.bins);
      if (bin >= 0) counts[bin] += 1;
    }
  }
  double total = 0;
  for (double count : counts) total += count;
  HistogramBars result;
  Bars& bars = result.bars;
  bars.label = histogram.label;
  bars.color = histogram.color;
  bars.alpha = histogram.alpha;
  bars.bar_width = width;
  for (int b = 0; b < histogram.bins; ++b) {
    bars.x.push_back(lo + (b + 0.5) * width);
    bars.heights.push_back(histogram.density && total > 0 ? counts[b] / (total * width)
                                                          : counts[b]);
  }
  return result;
}

double SortedQuantile(const std::vector<double>& sorted, double q) {
  const double position = q * (sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

BoxStats ComputeBoxStats(std::vector<double> values) {
  BoxStats stats;
  if (values.empty()) return stats;
  std::sort(values.begin(), values.end());
  stats.empty = false;
  stats.q1 = SortedQuantile(values, 0.25);
  stats.median = SortedQuantile(values, 0.5);
  stats.q3 = SortedQuantile(values, 0.75);
  const double reach = 1.5 * (stats.q3 - stats.q1);
  stats.low = stats.q1;
  stats.high = stats.q3;
  for (double value : values) {
    if (value < stats.q1 - reach || value > stats.q3 + reach) {
      stats.outliers.push_back(value);
    } else {
      stats.low = std::min(stats.low, value);
      stats.high = std::max(stats.high, value);
    }
  }
  return stats;
}

BoxSet ComputeBoxSet(const BoxPlot& box_plot) {
  BoxSet set;
  for (size_t g = 0; g < box_plot.groups.size(); ++g) {
    set.boxes.push_back(ComputeBoxStats(box_plot.groups[g]));
    set.colors.push_back(box_plot.colors.empty() ? PaletteColor(static_cast<int>(g))
                                                 : box_plot.colors[g]);
  }
  return set;
}

std::vector<Drawable> Prepare(const Panel& panel) {
  std::vector<Drawable> drawables;
  for (const Series& series : panel.series) {
    std::visit(
        [&drawables](const auto& s) {
          using T = std::decay_t<decltype(s)>;
          if constexpr (std::is_same_v<T, Histogram>) {
            drawables.emplace_back(BinHistogram(s));
          } else if constexpr (std::is_same_v<T, BoxPlot>) {
            drawables.emplace_back(ComputeBoxSet(s));
          } else {
            drawables.emplace_back(&s);
          }
        },
        series);
  }
  return drawables;
}

// ---------------------------------------------------------------------------------------------
// Extents and ranges

struct Extents {
  Extent x;
  Extent y;
};

void IncludeBars(const Bars& bars, Extents& e) {
  for (size_t i = 0; i < bars.x.size(); ++i) {
    e.x.Include(bars.x[i] - bars.bar_width / 2);
    e.x.Include(bars.x[i] + bars.bar_width / 2);
    e.y.Include(0, /*sticky=*/true);
    e.y.Include(bars.heights[i]);
  }
}

void IncludeCells(size_t count, Extent& extent) {
  extent.Include(-0.5, /*sticky=*/true);
  extent.Include(static_cast<double>(count) - 0.5, /*sticky=*/true);
}

void Include(const Drawable& drawable, Extents& e) {
  std::visit(
      [&e](const auto& d) {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, const Line*> || std::is_same_v<T, const Scatter*>) {
          for (double x : d->x) e.x.Include(x);
          for (double y : d->y) e.y.Include(y);
        } else if constexpr (std::is_same_v<T, HistogramBars>) {
          IncludeBars(d.bars, e);
        } else if constexpr (std::is_same_v<T, const Bars*>) {
          IncludeBars(*d, e);
        } else if constexpr (std::is_same_v<T, BoxSet>) {
          IncludeCells(d.boxes.size(), e.x);
          for (const BoxStats& box : d.boxes) {
            if (box.empty) continue;
            e.y.Include(box.low);
            e.y.Include(box.high);
            for (double v : box.outliers) e.y.Include(v);
          }
        } else if constexpr (std::is_same_v<T, const Heatmap*>) {
          IncludeCells(d->values.empty() ? 0 : d->values[0].size(), e.x);
          IncludeCells(d->values.size(), e.y);
        } else {
          (d->orientation == ReferenceLine::Orientation::kHorizontal ? e.y : e.x).Include(d->value);
        }
      },
      drawable);
}

Range AxisRange(const Axis& axis, Extent extent) {
  if (!axis.categories.empty()) IncludeCells(axis.categories.size(), extent);
  Range range = AutoRange(extent, axis.upper_margin);
  if (axis.min) range.min = *axis.min;
  if (axis.max) range.max = *axis.max;
  if (range.min >= range.max) {  // one fixed limit beyond all the data
    if (axis.min) {
      range.max = range.min + 1;
    } else {
      range.min = range.max - 1;
    }
  }
  return range;
}

struct AxisTicks {
  std::vector<double> positions;
  std::vector<std::string> labels;
  bool categorical = false;
};

AxisTicks MakeTicks(const Axis& axis, Range range, double length) {
  AxisTicks ticks;
  if (!axis.categories.empty()) {
    ticks.categorical = true;
    for (size_t i = 0; i < axis.categories.size(); ++i) {
      const double position = static_cast<double>(i);
      if (position < range.min || position > range.max) continue;
      ticks.positions.push_back(position);
      ticks.labels.push_back(axis.categories[i]);
    }
    return ticks;
  }
  const int target = std::clamp(static_cast<int>(length / 75), 4, 8);
  ticks.positions = NiceTicks(range.min, range.max, target);
  const double step =
      ticks.positions.size() >= 2 ? ticks.positions[1] - ticks.positions[0] : range.max - range.min;
  for (double position : ticks.positions) ticks.labels.push_back(FormatTick(position, step));
  return ticks;
}

// ---------------------------------------------------------------------------------------------
// Layout

struct Rect {
  double left = 0, top = 0, width = 0, height = 0;
};

const Heatmap* FindHeatmap(const std::vector<Drawable>& drawables) {
  for (const Drawable& drawable : drawables) {
    if (const auto* heatmap = std::get_if<const Heatmap*>(&drawable)) return *heatmap;
  }
  return nullptr;
}

struct Colorbar {
  const Heatmap* heatmap = nullptr;
  AxisTicks ticks;
};

Colorbar MakeColorbar(const Heatmap* heatmap, double length) {
  Colorbar colorbar;
  colorbar.heatmap = heatmap;
  if (heatmap != nullptr) {
    colorbar.ticks = MakeTicks(Axis{}, {heatmap->value_min, heatmap->value_max}, length);
  }
  return colorbar;
}

double ColorbarSpace(cairo_t* cr, const Colorbar& colorbar) {
  if (colorbar.heatmap == nullptr) return 0;
  SetFont(cr, kTickSize);
  double space =
      kColorbarGap + kColorbarWidth + kTickLength + kTickGap + MaxWidth(cr, colorbar.ticks.labels);
  if (!colorbar.heatmap->colorbar_label.empty()) space += kLabelGap + LineHeight(kLabelSize);
  return space;
}

struct PanelLayout {
  PlotArea area;  // in points
  AxisTicks x_ticks;
  AxisTicks y_ticks;
  double y_tick_width = 0;
  bool slanted_x_labels = false;  // at 45 degrees, when level ones would overlap
  double x_tick_height = 0;       // vertical space taken by the x tick labels
  Colorbar colorbar;
};

constexpr double kSin45 = 0.7071067811865476;

// Category names slant when the widest would take more than 90% of a category's width.
bool NeedsSlant(cairo_t* cr, const AxisTicks& ticks, const PlotArea& area) {
  if (!ticks.categorical || ticks.positions.size() < 2) return false;
  const double spacing =
      std::abs(area.PixelX(ticks.positions[1]) - area.PixelX(ticks.positions[0]));
  return MaxWidth(cr, ticks.labels) > 0.9 * spacing;
}

PlotArea AreaWithRanges(Rect rect, const Axis& x, Range x_range, const Axis& y, Range y_range) {
  PlotArea area;
  area.left = rect.left;
  area.top = rect.top;
  area.width = std::max(rect.width, 1.0);
  area.height = std::max(rect.height, 1.0);
  area.x_min = x_range.min;
  area.x_max = x_range.max;
  area.y_min = y_range.min;
  area.y_max = y_range.max;
  area.x_inverted = x.inverted;
  area.y_inverted = y.inverted;
  return area;
}

PanelLayout LayoutPanel(cairo_t* cr, const Panel& panel, const std::vector<Drawable>& drawables,
                        Rect cell) {
  Extents extents;
  for (const Drawable& drawable : drawables) Include(drawable, extents);
  const Range x_range = AxisRange(panel.x, extents.x);
  const Range y_range = AxisRange(panel.y, extents.y);

  PanelLayout layout;
  layout.x_ticks = MakeTicks(panel.x, x_range, cell.width);
  layout.y_ticks = MakeTicks(panel.y, y_range, cell.height);
  layout.colorbar = MakeColorbar(FindHeatmap(drawables), cell.height);
  SetFont(cr, kTickSize);
  layout.y_tick_width = MaxWidth(cr, layout.y_ticks.labels);
  const double last_x_label_overhang =
      layout.x_ticks.labels.empty() ? 0 : TextWidth(cr, layout.x_ticks.labels.back()) / 2;

  const double title_space = panel.title.empty() ? 0 : LineHeight(kTitleSize) + 6;
  const double x_label_space = panel.x.label.empty() ? 0 : kLabelGap + LineHeight(kLabelSize);
  const double y_label_space = panel.y.label.empty() ? 0 : kLabelGap + LineHeight(kLabelSize);
  Rect plot;
  plot.left = cell.left + kPad + y_label_space + layout.y_tick_width + kTickGap + kTickLength;
  plot.top = cell.top + kPad + title_space;
  const double right = cell.left + cell.width - kPad -
                       std::max(ColorbarSpace(cr, layout.colorbar), last_x_label_overhang);
  plot.width = right - plot.left;
  layout.area = AreaWithRanges(plot, panel.x, x_range, panel.y, y_range);  // widths settled
  SetFont(cr, kTickSize);
  layout.slanted_x_labels = NeedsSlant(cr, layout.x_ticks, layout.area);
  layout.x_tick_height = layout.slanted_x_labels
                             ? (MaxWidth(cr, layout.x_ticks.labels) + kTickSize) * kSin45
                             : LineHeight(kTickSize);
  const double bottom =
      cell.top + cell.height - kPad - x_label_space - layout.x_tick_height - kTickGap - kTickLength;
  plot.height = bottom - plot.top;
  layout.area = AreaWithRanges(plot, panel.x, x_range, panel.y, y_range);
  return layout;
}

// ---------------------------------------------------------------------------------------------
// Series

// Builds a polyline, skipping vertices closer than 0.2 device pixels to the last one kept: the
// drawn path moves by at most that much, and a million-point curve costs what a few thousand do.
class Polyline {
 public:
  explicit Polyline(cairo_t* cr) : cr_(cr) {
    double dx = 1, dy = 0;
    cairo_user_to_device_distance(cr, &dx, &dy);
    tolerance_ = 0.2 / std::hypot(dx, dy);
    cairo_new_path(cr);
  }

  void Add(double x, double y) {
    if (empty_) {
      cairo_move_to(cr_, x, y);
    } else if (std::hypot(x - last_x_, y - last_y_) >= tolerance_) {
      cairo_line_to(cr_, x, y);
    } else {
      pending_ = true;
      pending_x_ = x;
      pending_y_ = y;
      return;
    }
    empty_ = false;
    pending_ = false;
    last_x_ = x;
    last_y_ = y;
  }

  // Ends the path at the last vertex added, kept or not.
  void Finish() {
    if (pending_) cairo_line_to(cr_, pending_x_, pending_y_);
  }

 private:
  cairo_t* cr_;
  double tolerance_ = 0;
  bool empty_ = true;
  bool pending_ = false;
  double last_x_ = 0, last_y_ = 0, pending_x_ = 0, pending_y_ = 0;
};

void DrawSeries(cairo_t* cr, const Line* line, const PlotArea& a) {
  if (line->x.empty()) return;
  Polyline path(cr);
  path.Add(a.PixelX(line->x[0]), a.PixelY(line->y[0]));
  for (size_t i = 1; i < line->x.size(); ++i) {
    if (line->step) path.Add(a.PixelX(line->x[i]), a.PixelY(line->y[i - 1]));
    path.Add(a.PixelX(line->x[i]), a.PixelY(line->y[i]));
  }
  path.Finish();
  SetColor(cr, line->color);
  SetStroke(cr, line->width, line->style);
  cairo_stroke(cr);
  if (!line->markers) return;
  for (size_t i = 0; i < line->x.size(); ++i) {
    Disc(cr, a.PixelX(line->x[i]), a.PixelY(line->y[i]), std::max(3.0, 1.6 * line->width));
  }
  cairo_fill(cr);
}

// A series of points is one translucent shape. Vector output gets one stroke of zero-length
// round-capped segments (about 20 bytes a point); raster output fills opaque discs in a group
// and paints it with the alpha, which looks the same and is much faster for many points.
void DrawSeries(cairo_t* cr, const Scatter* scatter, const PlotArea& a) {
  const bool vector = cairo_surface_get_type(cairo_get_target(cr)) == CAIRO_SURFACE_TYPE_SVG;
  if (!vector) cairo_push_group(cr);
  for (size_t i = 0; i < scatter->x.size(); ++i) {
    const double x = a.PixelX(scatter->x[i]);
    const double y = a.PixelY(scatter->y[i]);
    if (vector) {
      Segment(cr, x, y, x, y);
    } else {
      cairo_new_path(cr);
      Disc(cr, x, y, scatter->radius);
      SetColor(cr, scatter->color);
      cairo_fill(cr);
    }
  }
  if (vector) {
    SetColor(cr, scatter->color, scatter->alpha);
    SetStroke(cr, 2 * scatter->radius, LineStyle::kSolid);
    cairo_stroke(cr);
    return;
  }
  cairo_pop_group_to_source(cr);
  cairo_paint_with_alpha(cr, scatter->alpha);
}

void BarPath(cairo_t* cr, const Bars& bars, size_t i, const PlotArea& a) {
  const double x0 = a.PixelX(bars.x[i] - bars.bar_width / 2);
  const double x1 = a.PixelX(bars.x[i] + bars.bar_width / 2);
  const double y0 = a.PixelY(0);
  const double y1 = a.PixelY(bars.heights[i]);
  cairo_rectangle(cr, std::min(x0, x1), std::min(y0, y1), std::abs(x1 - x0), std::abs(y1 - y0));
}

// Histograms: one translucent fill for all bins here, and a crisp outline along their tops
// once every fill is drawn (DrawHistogramOutline), so overlaid histograms stay readable.
void DrawSeries(cairo_t* cr, const HistogramBars& histogram, const PlotArea& a) {
  const Bars& bars = histogram.bars;
  for (size_t i = 0; i < bars.x.size(); ++i) BarPath(cr, bars, i, a);
  SetColor(cr, bars.color, bars.alpha);
  cairo_fill(cr);
}

void DrawHistogramOutline(cairo_t* cr, const Bars& bars, const PlotArea& a) {
  if (bars.x.empty()) return;
  const double half = bars.bar_width / 2;
  cairo_move_to(cr, a.PixelX(bars.x.front() - half), a.PixelY(0));
  for (size_t i = 0; i < bars.x.size(); ++i) {
    cairo_line_to(cr, a.PixelX(bars.x[i] - half), a.PixelY(bars.heights[i]));
    cairo_line_to(cr, a.PixelX(bars.x[i] + half), a.PixelY(bars.heights[i]));
  }
  cairo_line_to(cr, a.PixelX(bars.x.back() + half), a.PixelY(0));
  SetColor(cr, bars.color);
  SetStroke(cr, 1.5, LineStyle::kSolid);
  cairo_stroke(cr);
}

void DrawSeries(cairo_t* cr, const Bars* bars, const PlotArea& a) {
  for (size_t i = 0; i < bars->x.size(); ++i) {
    cairo_new_path(cr);
    BarPath(cr, *bars, i, a);
    SetColor(cr, bars->color, bars->alpha);
    cairo_fill_preserve(cr);
    SetColor(cr, bars->color);
    SetStroke(cr, 1.0, LineStyle::kSolid);
    cairo_stroke(cr);
  }
}

// Bar annotations go on top of every series, on a translucent white label so that a curve
// crossing them does not hide them.
void DrawBarAnnotations(cairo_t* cr, const Bars& bars, const PlotArea& a) {
  SetFont(cr, kAnnotationSize);
  for (size_t i = 0; i < bars.annotations.size(); ++i) {
    const std::string& text = bars.annotations[i];
    const double x = a.PixelX(bars.x[i]);
    const double y = a.PixelY(bars.heights[i]);
    const bool above = y <= a.PixelY(0);
    const double top = above ? y - 4 - 0.97 * kAnnotationSize : y + 4;
    const double width = TextWidth(cr, text);
    cairo_new_path(cr);
    RoundedRectangle(cr, x - width / 2 - 2, top - 1, width + 4, 0.97 * kAnnotationSize + 2, 2);
    SetColor(cr, kWhite, 0.75);
    cairo_fill(cr);
    SetColor(cr, kInk);
    DrawText(cr, text, x, top, HAlign::kCenter, VAlign::kTop);
  }
}

void DrawBox(cairo_t* cr, const BoxStats& box, double position, Color color, const PlotArea& a) {
  constexpr double kHalfWidth = 0.3;
  constexpr double kCapHalfWidth = 0.15;
  const double left = a.PixelX(position - kHalfWidth);
  const double right = a.PixelX(position + kHalfWidth);
  const double center = a.PixelX(position);
  SetStroke(cr, 1.3, LineStyle::kSolid);
  SetColor(cr, kInk);
  Segment(cr, center, a.PixelY(box.q3), center, a.PixelY(box.high));
  Segment(cr, center, a.PixelY(box.q1), center, a.PixelY(box.low));
  Segment(cr, a.PixelX(position - kCapHalfWidth), a.PixelY(box.high),
          a.PixelX(position + kCapHalfWidth), a.PixelY(box.high));
  Segment(cr, a.PixelX(position - kCapHalfWidth), a.PixelY(box.low),
          a.PixelX(position + kCapHalfWidth), a.PixelY(box.low));
  cairo_stroke(cr);
  cairo_rectangle(cr, left, a.PixelY(box.q3), right - left, a.PixelY(box.q1) - a.PixelY(box.q3));
  SetColor(cr, color, 0.45);
  cairo_fill_preserve(cr);
  SetColor(cr, color);
  cairo_stroke(cr);
  Segment(cr, left, a.PixelY(box.median), right, a.PixelY(box.median));
  SetColor(cr, kInk);
  SetStroke(cr, 2.2, LineStyle::kSolid);
  cairo_stroke(cr);
  SetStroke(cr, 1.0, LineStyle::kSolid);
  SetColor(cr, color, 0.7);
  for (double value : box.outliers) {
    cairo_new_path(cr);
    Disc(cr, center, a.PixelY(value), 2.5);
    cairo_stroke(cr);
  }
}

void DrawSeries(cairo_t* cr, const BoxSet& set, const PlotArea& a) {
  for (size_t i = 0; i < set.boxes.size(); ++i) {
    if (!set.boxes[i].empty) DrawBox(cr, set.boxes[i], static_cast<double>(i), set.colors[i], a);
  }
}

// ColorBrewer "Blues" (9 classes), white to dark blue.
Color BluesColor(double t) {
  static constexpr Color kStops[] = {
      {0.969, 0.984, 1.000}, {0.871, 0.922, 0.969}, {0.776, 0.859, 0.937},
      {0.620, 0.792, 0.882}, {0.420, 0.682, 0.839}, {0.259, 0.573, 0.776},
      {0.129, 0.443, 0.710}, {0.031, 0.318, 0.612}, {0.031, 0.188, 0.420}};
  constexpr int kLast = 8;
  const double position = std::clamp(t, 0.0, 1.0) * kLast;
  const int below = std::min(static_cast<int>(position), kLast - 1);
  const double f = position - below;
  const Color& a = kStops[below];
  const Color& b = kStops[below + 1];
  return {a.r + f * (b.r - a.r), a.g + f * (b.g - a.g), a.b + f * (b.b - a.b)};
}

double Luminance(Color c) { return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b; }

void DrawCellText(cairo_t* cr, const std::string& text, double cx, double cy, double cell_width,
                  double cell_height, Color background) {
  const std::vector<std::string> lines = Split(text, '\n');
  SetFont(cr, 1.0);
  const double unit_width = std::max(MaxWidth(cr, lines), 1e-9);
  const double size = std::min({kLabelSize + 2, 0.8 * cell_width / unit_width,
                                0.75 * cell_height / (LineHeight(1.0) * lines.size())});
  SetFont(cr, size);
  SetColor(cr, Luminance(background) < 0.5 ? kWhite : kInk);
  const double line_height = LineHeight(size);
  double y = cy - line_height * (lines.size() - 1) / 2;
  for (const std::string& line : lines) {
    DrawText(cr, line, cx, y, HAlign::kCenter, VAlign::kMiddle);
    y += line_height;
  }
}

void DrawSeries(cairo_t* cr, const Heatmap* heatmap, const PlotArea& a) {
  const double span = heatmap->value_max - heatmap->value_min;
  for (size_t r = 0; r < heatmap->values.size(); ++r) {
    for (size_t c = 0; c < heatmap->values[r].size(); ++c) {
      const double x0 = a.PixelX(c - 0.5), x1 = a.PixelX(c + 0.5);
      const double y0 = a.PixelY(r - 0.5), y1 = a.PixelY(r + 0.5);
      const Color color = BluesColor((heatmap->values[r][c] - heatmap->value_min) / span);
      cairo_rectangle(cr, std::min(x0, x1), std::min(y0, y1), std::abs(x1 - x0), std::abs(y1 - y0));
      SetColor(cr, color);
      cairo_fill_preserve(cr);
      SetColor(cr, kWhite);
      SetStroke(cr, 1.0, LineStyle::kSolid);
      cairo_stroke(cr);
      if (!heatmap->annotations.empty()) {
        DrawCellText(cr, heatmap->annotations[r][c], (x0 + x1) / 2, (y0 + y1) / 2,
                     std::abs(x1 - x0), std::abs(y1 - y0), color);
      }
    }
  }
}

void DrawSeries(cairo_t* cr, const ReferenceLine* line, const PlotArea& a) {
  if (line->orientation == ReferenceLine::Orientation::kHorizontal) {
    const double y = a.PixelY(line->value);
    Segment(cr, a.left, y, a.left + a.width, y);
  } else {
    const double x = a.PixelX(line->value);
    Segment(cr, x, a.top, x, a.top + a.height);
  }
  SetColor(cr, line->color);
  SetStroke(cr, line->width, line->style);
  cairo_stroke(cr);
}

// ---------------------------------------------------------------------------------------------
// Legend and text boxes

struct LegendEntry {
  enum class Kind { kLine, kPatch, kMarker };
  std::string label;
  Kind kind = Kind::kLine;
  Color color;
  double alpha = 1;
  LineStyle style = LineStyle::kSolid;
  double width = 2;
};

// Entries in the panel's legend order (series order by default); unlabelled series have none.
std::vector<LegendEntry> LegendEntries(const Panel& panel, const std::vector<Drawable>& drawables) {
  using Kind = LegendEntry::Kind;
  std::vector<size_t> order = panel.legend_order;
  if (order.empty()) {
    for (size_t i = 0; i < drawables.size(); ++i) order.push_back(i);
  }
  std::vector<LegendEntry> entries;
  for (size_t index : order) {
    const Drawable& drawable = drawables[index];
    std::visit(
        [&entries](const auto& d) {
          using T = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<T, const Line*> || std::is_same_v<T, const ReferenceLine*>) {
            if (!d->label.empty()) {
              entries.push_back({d->label, Kind::kLine, d->color, 1, d->style, d->width});
            }
          } else if constexpr (std::is_same_v<T, const Scatter*>) {
            if (!d->label.empty()) entries.push_back({d->label, Kind::kMarker, d->color, d->alpha});
          } else if constexpr (std::is_same_v<T, const Bars*>) {
            if (!d->label.empty()) entries.push_back({d->label, Kind::kPatch, d->color, d->alpha});
          } else if constexpr (std::is_same_v<T, HistogramBars>) {
            if (!d.bars.label.empty()) {
              entries.push_back({d.bars.label, Kind::kPatch, d.bars.color, d.bars.alpha});
            }
          }
        },
        drawable);
  }
  return entries;
}

// The top-left corner of a w x h box placed in `corner` of the plot area.
void PlaceInCorner(const PlotArea& a, Corner corner, double w, double h, double& x, double& y) {
  const bool left = corner == Corner::kUpperLeft || corner == Corner::kLowerLeft;
  const bool upper = corner != Corner::kLowerLeft && corner != Corner::kLowerRight;
  x = corner == Corner::kUpperCenter ? a.left + (a.width - w) / 2
      : left                         ? a.left + kInset
                                     : a.left + a.width - kInset - w;
  y = upper ? a.top + kInset : a.top + a.height - kInset - h;
}

void DrawLegendHandle(cairo_t* cr, const LegendEntry& entry, double x, double y, double length) {
  cairo_new_path(cr);
  switch (entry.kind) {
    case LegendEntry::Kind::kLine:
      Segment(cr, x, y, x + length, y);
      SetColor(cr, entry.color);
      SetStroke(cr, std::min(entry.width, 3.0), entry.style);
      cairo_stroke(cr);
      break;
    case LegendEntry::Kind::kPatch:
      cairo_rectangle(cr, x + 4, y - 0.4 * kLegendSize, length - 8, 0.8 * kLegendSize);
      SetColor(cr, entry.color, entry.alpha);
      cairo_fill_preserve(cr);
      SetColor(cr, entry.color);
      SetStroke(cr, 1.0, LineStyle::kSolid);
      cairo_stroke(cr);
      break;
    case LegendEntry::Kind::kMarker:
      Disc(cr, x + length / 2, y, 4.5);
      SetColor(cr, entry.color, std::max(entry.alpha, 0.6));
      cairo_fill(cr);
      break;
  }
}

void DrawLegend(cairo_t* cr, const std::vector<LegendEntry>& entries, Corner corner,
                const PlotArea& a) {
  if (entries.empty()) return;
  constexpr double kPadding = 8;
  constexpr double kHandle = 30;
  constexpr double kHandleGap = 8;
  const double row = 1.55 * kLegendSize;
  SetFont(cr, kLegendSize);
  double text_width = 0;
  for (const LegendEntry& entry : entries)
    text_width = std::max(text_width, TextWidth(cr, entry.label));
  const double w = 2 * kPadding + kHandle + kHandleGap + text_width;
  const double h = 2 * (kPadding - 2) + row * entries.size();
  double x = 0, y = 0;
  PlaceInCorner(a, corner, w, h, x, y);
  cairo_new_path(cr);
  RoundedRectangle(cr, x, y, w, h, 4);
  SetColor(cr, kWhite, 0.9);
  cairo_fill_preserve(cr);
  SetColor(cr, kLegendEdge);
  SetStroke(cr, 0.8, LineStyle::kSolid);
  cairo_stroke(cr);
  double center = y + kPadding - 2 + row / 2;
  for (const LegendEntry& entry : entries) {
    DrawLegendHandle(cr, entry, x + kPadding, center, kHandle);
    SetColor(cr, kInk);
    SetFont(cr, kLegendSize);
    DrawText(cr, entry.label, x + kPadding + kHandle + kHandleGap, center, HAlign::kLeft,
             VAlign::kMiddle);
    center += row;
  }
}

void DrawTextBox(cairo_t* cr, const TextBox& box, const PlotArea& a) {
  constexpr double kPadding = 8;
  const double size = kLegendSize + 1;
  const std::vector<std::string> lines = Split(box.text, '\n');
  SetFont(cr, size);
  const double w = 2 * kPadding + MaxWidth(cr, lines);
  const double h = 2 * kPadding + LineHeight(size) * (lines.size() - 1) + 0.73 * size;
  double x = 0, y = 0;
  PlaceInCorner(a, box.corner, w, h, x, y);
  cairo_new_path(cr);
  RoundedRectangle(cr, x, y, w, h, 4);
  SetColor(cr, box.background, 0.85);
  cairo_fill_preserve(cr);
  SetColor(cr, kInk, 0.5);
  SetStroke(cr, 0.8, LineStyle::kSolid);
  cairo_stroke(cr);
  SetColor(cr, kInk);
  double top = y + kPadding;
  for (const std::string& line : lines) {
    DrawText(cr, line, x + kPadding, top, HAlign::kLeft, VAlign::kTop);
    top += LineHeight(size);
  }
}

// ---------------------------------------------------------------------------------------------
// Axes

void DrawGrid(cairo_t* cr, const PanelLayout& layout) {
  const PlotArea& a = layout.area;
  cairo_new_path(cr);
  if (!layout.x_ticks.categorical) {
    for (double x : layout.x_ticks.positions) {
      Segment(cr, a.PixelX(x), a.top, a.PixelX(x), a.top + a.height);
    }
  }
  if (!layout.y_ticks.categorical) {
    for (double y : layout.y_ticks.positions) {
      Segment(cr, a.left, a.PixelY(y), a.left + a.width, a.PixelY(y));
    }
  }
  SetColor(cr, kGrid);
  SetStroke(cr, 0.8, LineStyle::kSolid);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
  cairo_stroke(cr);
}

void DrawFrameAndTicks(cairo_t* cr, const PanelLayout& layout) {
  const PlotArea& a = layout.area;
  const double bottom = a.top + a.height;
  cairo_new_path(cr);
  cairo_rectangle(cr, a.left, a.top, a.width, a.height);
  for (double x : layout.x_ticks.positions) {
    Segment(cr, a.PixelX(x), bottom, a.PixelX(x), bottom + kTickLength);
  }
  for (double y : layout.y_ticks.positions) {
    Segment(cr, a.left - kTickLength, a.PixelY(y), a.left, a.PixelY(y));
  }
  SetColor(cr, kFrame);
  SetStroke(cr, 1.0, LineStyle::kSolid);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_SQUARE);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
  cairo_stroke(cr);
  SetFont(cr, kTickSize);
  SetColor(cr, kInk);
  for (size_t i = 0; i < layout.x_ticks.positions.size(); ++i) {
    const double x = a.PixelX(layout.x_ticks.positions[i]);
    const double y = bottom + kTickLength + kTickGap;
    if (!layout.slanted_x_labels) {
      DrawText(cr, layout.x_ticks.labels[i], x, y, HAlign::kCenter, VAlign::kTop);
      continue;
    }
    cairo_save(cr);  // ends at the tick, running down to the left
    cairo_translate(cr, x, y);
    cairo_rotate(cr, -std::numbers::pi / 4);
    DrawText(cr, layout.x_ticks.labels[i], 0, 0, HAlign::kRight, VAlign::kMiddle);
    cairo_restore(cr);
  }
  for (size_t i = 0; i < layout.y_ticks.positions.size(); ++i) {
    DrawText(cr, layout.y_ticks.labels[i], a.left - kTickLength - kTickGap,
             a.PixelY(layout.y_ticks.positions[i]), HAlign::kRight, VAlign::kMiddle);
  }
}

void DrawLabels(cairo_t* cr, const Panel& panel, const PanelLayout& layout) {
  const PlotArea& a = layout.area;
  SetColor(cr, kInk);
  if (!panel.title.empty()) {
    SetFont(cr, kTitleSize, /*bold=*/true);
    DrawText(cr, panel.title, a.left + a.width / 2, a.top - 10, HAlign::kCenter, VAlign::kBottom);
  }
  SetFont(cr, kLabelSize);
  if (!panel.x.label.empty()) {
    const double y = a.top + a.height + kTickLength + kTickGap + layout.x_tick_height + kLabelGap;
    DrawText(cr, panel.x.label, a.left + a.width / 2, y, HAlign::kCenter, VAlign::kTop);
  }
  if (!panel.y.label.empty()) {
    const double x = a.left - kTickLength - kTickGap - layout.y_tick_width - kLabelGap -
                     LineHeight(kLabelSize) / 2;
    DrawVerticalText(cr, panel.y.label, x, a.top + a.height / 2);
  }
}

void DrawColorbar(cairo_t* cr, const Colorbar& colorbar, const PlotArea& a) {
  const Heatmap* heatmap = colorbar.heatmap;
  if (heatmap == nullptr) return;
  const double left = a.left + a.width + kColorbarGap;
  const double top = a.top;
  const double bottom = a.top + a.height;
  cairo_pattern_t* gradient = cairo_pattern_create_linear(0, bottom, 0, top);
  for (int i = 0; i <= 8; ++i) {
    const Color c = BluesColor(i / 8.0);
    cairo_pattern_add_color_stop_rgb(gradient, i / 8.0, c.r, c.g, c.b);
  }
  cairo_new_path(cr);
  cairo_rectangle(cr, left, top, kColorbarWidth, a.height);
  cairo_set_source(cr, gradient);
  cairo_fill_preserve(cr);
  cairo_pattern_destroy(gradient);
  SetColor(cr, kFrame);
  SetStroke(cr, 1.0, LineStyle::kSolid);
  cairo_stroke(cr);
  const double span = heatmap->value_max - heatmap->value_min;
  const auto y_of = [&](double v) { return bottom - (v - heatmap->value_min) / span * a.height; };
  const double right = left + kColorbarWidth;
  for (double v : colorbar.ticks.positions)
    Segment(cr, right, y_of(v), right + kTickLength, y_of(v));
  SetColor(cr, kFrame);
  SetStroke(cr, 1.0, LineStyle::kSolid);
  cairo_stroke(cr);
  SetFont(cr, kTickSize);
  SetColor(cr, kInk);
  for (size_t i = 0; i < colorbar.ticks.positions.size(); ++i) {
    DrawText(cr, colorbar.ticks.labels[i], right + kTickLength + kTickGap,
             y_of(colorbar.ticks.positions[i]), HAlign::kLeft, VAlign::kMiddle);
  }
  if (heatmap->colorbar_label.empty()) return;
  SetFont(cr, kLabelSize);
  const double x = right + kTickLength + kTickGap + MaxWidth(cr, colorbar.ticks.labels) +
                   kLabelGap + LineHeight(kLabelSize) / 2;
  DrawVerticalText(cr, heatmap->colorbar_label, x, a.top + a.height / 2);
}

void DrawPanel(cairo_t* cr, const Panel& panel, const std::vector<Drawable>& drawables,
               const PanelLayout& layout) {
  const PlotArea& a = layout.area;
  if (panel.grid) DrawGrid(cr, layout);
  cairo_save(cr);
  cairo_rectangle(cr, a.left, a.top, a.width, a.height);
  cairo_clip(cr);
  for (const Drawable& drawable : drawables) {
    cairo_new_path(cr);
    std::visit([&](const auto& d) { DrawSeries(cr, d, a); }, drawable);
  }
  for (const Drawable& drawable : drawables) {
    if (const auto* histogram = std::get_if<HistogramBars>(&drawable)) {
      DrawHistogramOutline(cr, histogram->bars, a);
    }
  }
  for (const Drawable& drawable : drawables) {
    if (const auto* bars = std::get_if<const Bars*>(&drawable)) DrawBarAnnotations(cr, **bars, a);
  }
  cairo_restore(cr);
  DrawFrameAndTicks(cr, layout);
  DrawLabels(cr, panel, layout);
  DrawColorbar(cr, layout.colorbar, a);
  if (panel.legend) DrawLegend(cr, LegendEntries(panel, drawables), *panel.legend, a);
  for (const TextBox& box : panel.text_boxes) DrawTextBox(cr, box, a);
}

void SetTextRendering(cairo_t* cr) {
  cairo_font_options_t* options = cairo_font_options_create();
  cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  cairo_set_font_options(cr, options);
  cairo_font_options_destroy(options);
}

double DrawFigureTitle(cairo_t* cr, const Figure& figure) {
  if (figure.title.empty()) return 0;
  SetFont(cr, kFigureTitleSize, /*bold=*/true);
  SetColor(cr, kInk);
  DrawText(cr, figure.title, figure.width / 2, kPad, HAlign::kCenter, VAlign::kTop);
  return kPad + LineHeight(kFigureTitleSize);
}

PlotArea ToPixels(PlotArea area, double scale) {
  area.left *= scale;
  area.top *= scale;
  area.width *= scale;
  area.height *= scale;
  return area;
}

}  // namespace

Result<RenderInfo> DrawFigure(cairo_t* cr, const Figure& figure, double scale) {
  cairo_scale(cr, scale, scale);
  SetTextRendering(cr);
  SetColor(cr, kWhite);
  cairo_paint(cr);
  const double title_height = DrawFigureTitle(cr, figure);
  const double cell_width = figure.width / figure.cols;
  const double cell_height = (figure.height - title_height) / figure.rows;
  RenderInfo info;
  info.width = static_cast<int>(std::lround(figure.width * scale));
  info.height = static_cast<int>(std::lround(figure.height * scale));
  for (size_t p = 0; p < figure.panels.size(); ++p) {
    const Rect cell{cell_width * (p % figure.cols), title_height + cell_height * (p / figure.cols),
                    cell_width, cell_height};
    const std::vector<Drawable> drawables = Prepare(figure.panels[p]);
    const PanelLayout layout = LayoutPanel(cr, figure.panels[p], drawables, cell);
    DrawPanel(cr, figure.panels[p], drawables, layout);
    info.panels.push_back(ToPixels(layout.area, scale));
  }
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
    return Internal(std::string("cairo drawing failed: ") +
                    cairo_status_to_string(cairo_status(cr)));
  }
  return info;
}

}  // namespace verdict::plot::internal

namespace verdict::plot {

double PlotArea::PixelX(double x) const {
  const double t = (x - x_min) / (x_max - x_min);
  return left + (x_inverted ? 1 - t : t) * width;
}

double PlotArea::PixelY(double y) const {
  const double t = (y - y_min) / (y_max - y_min);
  return top + (y_inverted ? t : 1 - t) * height;
}

}  // namespace verdict::plot
