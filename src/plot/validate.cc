// Input checks for figures: every number finite, parallel arrays of equal length, sane limits.
#include <cmath>
#include <string>

#include "plot/render.h"

namespace verdict::plot::internal {
namespace {

std::string Describe(double value) {
  if (std::isnan(value)) return "NaN";
  return value > 0 ? "+inf" : "-inf";
}

Status CheckFinite(const std::vector<double>& values, const std::string& name) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return InvalidData(name + "[" + std::to_string(i) + "] is " + Describe(values[i]));
    }
  }
  return Status::Ok();
}

Status CheckFinite(double value, const std::string& name) {
  if (!std::isfinite(value)) return InvalidData(name + " is " + Describe(value));
  return Status::Ok();
}

Status CheckSameLength(size_t a, size_t b, const std::string& what) {
  if (a != b) {
    return InvalidArgument(what + " have different lengths (" + std::to_string(a) + " and " +
                           std::to_string(b) + ")");
  }
  return Status::Ok();
}

Status CheckPositive(double value, const std::string& name) {
  if (!(value > 0) || !std::isfinite(value)) {
    return InvalidArgument(name + " must be a positive number, got " + FormatShortest(value));
  }
  return Status::Ok();
}

Status CheckSeries(const Line& line) {
  VERDICT_RETURN_IF_ERROR(CheckSameLength(line.x.size(), line.y.size(), "x and y"));
  VERDICT_RETURN_IF_ERROR(CheckFinite(line.x, "x"));
  VERDICT_RETURN_IF_ERROR(CheckFinite(line.y, "y"));
  return CheckPositive(line.width, "line width");
}

Status CheckSeries(const Scatter& scatter) {
  VERDICT_RETURN_IF_ERROR(CheckSameLength(scatter.x.size(), scatter.y.size(), "x and y"));
  VERDICT_RETURN_IF_ERROR(CheckFinite(scatter.x, "x"));
  VERDICT_RETURN_IF_ERROR(CheckFinite(scatter.y, "y"));
  return CheckPositive(scatter.radius, "marker radius");
}

Status CheckSeries(const Histogram& histogram) {
  if (histogram.bins < 1) {
    return InvalidArgument("bins must be at least 1, got " + std::to_string(histogram.bins));
  }
  VERDICT_RETURN_IF_ERROR(CheckFinite(histogram.values, "values"));
  if (!histogram.bin_counts.empty()) {
    VERDICT_RETURN_IF_ERROR(CheckFinite(histogram.bin_counts, "bin_counts"));
    if (histogram.bin_counts.size() != static_cast<size_t>(histogram.bins) ||
        !histogram.values.empty() || !histogram.range_min || !histogram.range_max) {
      return InvalidArgument(
          "bin_counts need one count per bin, range_min, range_max and no values");
    }
  }
  if (histogram.range_min) VERDICT_RETURN_IF_ERROR(CheckFinite(*histogram.range_min, "range_min"));
  if (histogram.range_max) VERDICT_RETURN_IF_ERROR(CheckFinite(*histogram.range_max, "range_max"));
  if (histogram.range_min && histogram.range_max && *histogram.range_min >= *histogram.range_max) {
    return InvalidArgument("range_min " + FormatShortest(*histogram.range_min) +
                           " is not below range_max " + FormatShortest(*histogram.range_max));
  }
  return Status::Ok();
}

Status CheckSeries(const Bars& bars) {
  VERDICT_RETURN_IF_ERROR(CheckSameLength(bars.x.size(), bars.heights.size(), "x and heights"));
  if (!bars.annotations.empty()) {
    VERDICT_RETURN_IF_ERROR(
        CheckSameLength(bars.x.size(), bars.annotations.size(), "x and annotations"));
  }
  VERDICT_RETURN_IF_ERROR(CheckFinite(bars.x, "x"));
  VERDICT_RETURN_IF_ERROR(CheckFinite(bars.heights, "heights"));
  return CheckPositive(bars.bar_width, "bar width");
}

Status CheckSeries(const BoxPlot& box_plot) {
  if (!box_plot.colors.empty()) {
    VERDICT_RETURN_IF_ERROR(
        CheckSameLength(box_plot.groups.size(), box_plot.colors.size(), "groups and colors"));
  }
  for (size_t g = 0; g < box_plot.groups.size(); ++g) {
    VERDICT_RETURN_IF_ERROR(CheckFinite(box_plot.groups[g], "group " + std::to_string(g)));
  }
  return Status::Ok();
}

Status CheckSeries(const Heatmap& heatmap) {
  const size_t cols = heatmap.values.empty() ? 0 : heatmap.values[0].size();
  if (!heatmap.annotations.empty()) {
    VERDICT_RETURN_IF_ERROR(CheckSameLength(heatmap.values.size(), heatmap.annotations.size(),
                                            "value rows and annotation rows"));
  }
  for (size_t r = 0; r < heatmap.values.size(); ++r) {
    const std::string row = "row " + std::to_string(r);
    VERDICT_RETURN_IF_ERROR(
        CheckSameLength(cols, heatmap.values[r].size(), "row 0 and " + row + " values"));
    if (!heatmap.annotations.empty()) {
      VERDICT_RETURN_IF_ERROR(
          CheckSameLength(cols, heatmap.annotations[r].size(), row + " values and annotations"));
    }
    VERDICT_RETURN_IF_ERROR(CheckFinite(heatmap.values[r], row));
  }
  VERDICT_RETURN_IF_ERROR(CheckFinite(heatmap.value_min, "value_min"));
  VERDICT_RETURN_IF_ERROR(CheckFinite(heatmap.value_max, "value_max"));
  if (heatmap.value_min >= heatmap.value_max) {
    return InvalidArgument("value_min " + FormatShortest(heatmap.value_min) +
                           " is not below value_max " + FormatShortest(heatmap.value_max));
  }
  return Status::Ok();
}

Status CheckSeries(const ReferenceLine& line) {
  VERDICT_RETURN_IF_ERROR(CheckFinite(line.value, "value"));
  return CheckPositive(line.width, "line width");
}

std::string SeriesLabel(const Series& series) {
  return std::visit(
      [](const auto& s) -> std::string {
        if constexpr (requires { s.label; }) return s.label;
        return "";
      },
      series);
}

Status CheckAxis(const Axis& axis, const std::string& name) {
  if (axis.min) VERDICT_RETURN_IF_ERROR(CheckFinite(*axis.min, name + " axis min"));
  if (axis.max) VERDICT_RETURN_IF_ERROR(CheckFinite(*axis.max, name + " axis max"));
  if (axis.min && axis.max && *axis.min >= *axis.max) {
    return InvalidArgument(name + " axis min " + FormatShortest(*axis.min) + " is not below max " +
                           FormatShortest(*axis.max) + " (use Axis::inverted to flip an axis)");
  }
  return Status::Ok();
}

Status CheckPanel(const Panel& panel) {
  VERDICT_RETURN_IF_ERROR(CheckAxis(panel.x, "x"));
  VERDICT_RETURN_IF_ERROR(CheckAxis(panel.y, "y"));
  for (size_t index : panel.legend_order) {
    if (index >= panel.series.size()) {
      return InvalidArgument("legend order names series " + std::to_string(index) + " of " +
                             std::to_string(panel.series.size()));
    }
  }
  for (size_t i = 0; i < panel.series.size(); ++i) {
    Status status = std::visit([](const auto& s) { return CheckSeries(s); }, panel.series[i]);
    if (!status.ok()) {
      const std::string label = SeriesLabel(panel.series[i]);
      std::string context = "series " + std::to_string(i);
      if (!label.empty()) context.append(" ").append(Quote(label));
      return status.WithContext(context);
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateFigure(const Figure& figure) {
  VERDICT_RETURN_IF_ERROR(CheckPositive(figure.width, "figure width"));
  VERDICT_RETURN_IF_ERROR(CheckPositive(figure.height, "figure height"));
  if (figure.panels.empty()) return InvalidArgument("figure has no panels");
  if (figure.rows < 1 || figure.cols < 1 ||
      static_cast<size_t>(figure.rows) * figure.cols < figure.panels.size()) {
    return InvalidArgument("a " + std::to_string(figure.rows) + "x" + std::to_string(figure.cols) +
                           " grid cannot hold " + std::to_string(figure.panels.size()) + " panels");
  }
  for (size_t p = 0; p < figure.panels.size(); ++p) {
    const Panel& panel = figure.panels[p];
    Status status = CheckPanel(panel);
    if (!status.ok()) {
      std::string context = "panel " + std::to_string(p);
      if (!panel.title.empty()) context.append(" ").append(Quote(panel.title));
      return status.WithContext(context);
    }
  }
  return Status::Ok();
}

}  // namespace verdict::plot::internal
