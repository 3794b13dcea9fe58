// The report's ready-made charts, built from plain numbers.
#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "plot/plot.h"

namespace verdict::plot {
namespace {

constexpr Color kReference{0.45, 0.45, 0.45};
constexpr int kScoreBins = 30;
constexpr double kUnitMin = -0.01;  // [0, 1] axes with room for a curve on the edge
constexpr double kUnitMax = 1.01;

std::string Fixed3(double value) { return std::isfinite(value) ? FormatFixed(value, 3) : "n/a"; }

std::string Signed3(double value) {
  return std::isfinite(value) && value >= 0 ? std::string("+").append(FormatFixed(value, 3))
                                            : Fixed3(value);
}

// 1234567 -> "1,234,567".
std::string WithThousands(int64_t count) {
  const std::string digits = std::to_string(count < 0 ? -count : count);
  std::string text = count < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text.push_back(',');
    text.push_back(digits[i]);
  }
  return text;
}

void SetUnitAxis(Axis& axis, const std::string& label) {
  axis.label = label;
  axis.min = kUnitMin;
  axis.max = kUnitMax;
}

Line CurveLine(const NamedCurve& curve, const std::string& summary_name, Color color,
               LineStyle style) {
  Line line;
  const std::string summary = summary_name + " = " + Fixed3(curve.summary);
  line.label = curve.name.empty() ? summary : curve.name + " (" + summary + ")";
  line.x = curve.x;
  line.y = curve.y;
  line.color = color;
  line.style = style;
  line.width = 2.2;
  return line;
}

// Solid for the first eight curves, dashed once the palette repeats.
LineStyle NthCurveStyle(size_t index) { return index < 8 ? LineStyle::kSolid : LineStyle::kDashed; }

Panel RocPanel(const std::string& title) {
  Panel panel;
  panel.title = title;
  SetUnitAxis(panel.x, "False Positive Rate");
  SetUnitAxis(panel.y, "True Positive Rate");
  panel.legend = Corner::kLowerRight;
  panel.series.push_back(Line{.label = "Random (AUC = 0.500)",
                              .x = {0, 1},
                              .y = {0, 1},
                              .color = kReference,
                              .style = LineStyle::kDashed,
                              .width = 1.3});
  return panel;
}

Result<Panel> PrPanel(const std::string& title, double positive_rate) {
  if (!(positive_rate >= 0 && positive_rate <= 1)) {
    return InvalidArgument("positive rate must be in [0, 1], got " + FormatShortest(positive_rate));
  }
  Panel panel;
  panel.title = title;
  SetUnitAxis(panel.x, "Recall");
  SetUnitAxis(panel.y, "Precision");
  panel.legend = Corner::kLowerLeft;
  panel.series.push_back(ReferenceLine{.orientation = ReferenceLine::Orientation::kHorizontal,
                                       .value = positive_rate,
                                       .label = "Random (AP = " + Fixed3(positive_rate) + ")",
                                       .color = kReference,
                                       .style = LineStyle::kDotted,
                                       .width = 1.6});
  return panel;
}

// Lists series 1..n-1, newest first when `newest_first`, then series 0 (the reference line
// drawn beneath the curves).
void ListReferenceLast(Panel& panel, bool newest_first) {
  for (size_t i = 1; i < panel.series.size(); ++i) {
    panel.legend_order.push_back(newest_first ? panel.series.size() - i : i);
  }
  panel.legend_order.push_back(0);
}

Figure SinglePanel(Panel panel, double width = 800, double height = 600) {
  Figure figure;
  figure.width = width;
  figure.height = height;
  figure.panels.push_back(std::move(panel));
  return figure;
}

// [0, 1] (probabilities), widened to any finite score outside it.
std::array<double, 2> ScoreRange(std::initializer_list<std::span<const double>> groups) {
  double lo = 0, hi = 1;
  for (std::span<const double> scores : groups) {
    for (double s : scores) {
      if (std::isfinite(s)) {
        lo = std::min(lo, s);
        hi = std::max(hi, s);
      }
    }
  }
  return {lo, hi};
}

// Rows and bin counts of one group.
struct GroupBins {
  int64_t rows = 0;
  std::vector<double> counts = std::vector<double>(kScoreBins, 0.0);
};

std::vector<GroupBins> BinByGroup(const ScoreGroups& groups, std::array<double, 2> range) {
  std::vector<GroupBins> bins(groups.names.size());
  for (size_t row = 0; row < groups.scores.size(); ++row) {
    GroupBins& group = bins[groups.groups[row]];
    ++group.rows;
    const int bin = HistogramBin(groups.scores[row], range[0], range[1], kScoreBins);
    if (bin >= 0) group.counts[bin] += 1;
  }
  return bins;
}

Histogram ClassHistogram(const std::string& name, GroupBins bins, Color color,
                         std::array<double, 2> range) {
  return Histogram{.label = name + " (n = " + WithThousands(bins.rows) + ")",
                   .bin_counts = std::move(bins.counts),
                   .bins = kScoreBins,
                   .range_min = range[0],
                   .range_max = range[1],
                   .density = true,
                   .color = color,
                   .alpha = 0.4};
}

Panel HistogramPanel(const std::string& title, const std::string& x_label,
                     const ScoreGroups& groups, std::array<double, 2> range) {
  Panel panel;
  panel.title = title;
  panel.x.label = x_label;
  panel.y.label = "Density";
  panel.y.upper_margin = 0.3;  // room for the legend above the bars
  panel.legend = Corner::kUpperCenter;
  std::vector<GroupBins> bins = BinByGroup(groups, range);
  for (size_t i = 0; i < bins.size(); ++i) {
    panel.series.push_back(ClassHistogram(groups.names[i], std::move(bins[i]),
                                          PaletteColor(static_cast<int>(i)), range));
  }
  return panel;
}

Status CheckSameSize(size_t a, size_t b, const std::string& what) {
  if (a == b) return Status::Ok();
  return InvalidArgument(what + " have different lengths (" + std::to_string(a) + " and " +
                         std::to_string(b) + ")");
}

// Scores split by binary label: [0] negatives, [1] positives.
Result<std::array<std::vector<double>, 2>> SplitByLabel(std::span<const double> scores,
                                                        std::span<const int32_t> labels) {
  VERDICT_RETURN_IF_ERROR(CheckSameSize(scores.size(), labels.size(), "scores and labels"));
  std::array<std::vector<double>, 2> split;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (labels[i] != 0 && labels[i] != 1) {
      return InvalidData("row " + std::to_string(i) + ": label " + std::to_string(labels[i]) +
                         " is not 0 or 1");
    }
    split[labels[i]].push_back(scores[i]);
  }
  return split;
}

constexpr std::array<const char*, 2> kClassNames = {"Negative (0)", "Positive (1)"};

// Scores grouped by binary label (labels already checked to be 0 or 1).
ScoreGroups BinaryGroups(std::span<const double> scores, std::span<const int32_t> labels) {
  return {{kClassNames[0], kClassNames[1]}, scores, labels};
}

Result<std::vector<double>> Differences(std::span<const double> minuend,
                                        std::span<const double> subtrahend) {
  VERDICT_RETURN_IF_ERROR(CheckSameSize(minuend.size(), subtrahend.size(), "score vectors"));
  std::vector<double> difference(minuend.size());
  for (size_t i = 0; i < minuend.size(); ++i) difference[i] = minuend[i] - subtrahend[i];
  return difference;
}

// The largest |value| among the finite values (0 when there are none).
double LargestMagnitude(const std::vector<double>& values) {
  double largest = 0;
  for (double v : values) {
    if (std::isfinite(v)) largest = std::max(largest, std::abs(v));
  }
  return largest;
}

}  // namespace

Result<Figure> RocFigure(const std::vector<NamedCurve>& curves, const std::string& title) {
  if (curves.empty()) return InvalidArgument("ROC figure needs at least one curve");
  Panel panel = RocPanel(title);
  for (size_t i = 0; i < curves.size(); ++i) {
    panel.series.push_back(
        CurveLine(curves[i], "AUC", PaletteColor(static_cast<int>(i)), NthCurveStyle(i)));
  }
  ListReferenceLast(panel, /*newest_first=*/false);
  return SinglePanel(std::move(panel));
}

Result<Figure> PrFigure(const std::vector<NamedCurve>& curves, double positive_rate,
                        const std::string& title) {
  if (curves.empty()) return InvalidArgument("PR figure needs at least one curve");
  VERDICT_ASSIGN_OR_RETURN(Panel panel, PrPanel(title, positive_rate));
  for (size_t i = 0; i < curves.size(); ++i) {
    panel.series.push_back(
        CurveLine(curves[i], "AP", PaletteColor(static_cast<int>(i)), NthCurveStyle(i)));
  }
  ListReferenceLast(panel, /*newest_first=*/false);
  return SinglePanel(std::move(panel));
}

int HistogramBin(double value, double lo, double hi, int bins) {
  if (value < lo || value > hi) return -1;
  const double width = (hi - lo) / bins;
  return std::min(static_cast<int>((value - lo) / width), bins - 1);
}

Result<Figure> ScoreDistributionFigure(const ScoreGroups& groups, const std::string& x_label,
                                       const std::string& title) {
  if (groups.scores.size() != groups.groups.size()) {
    return InvalidArgument("score distribution: " + std::to_string(groups.scores.size()) +
                           " scores but " + std::to_string(groups.groups.size()) + " groups");
  }
  for (int32_t group : groups.groups) {
    if (group < 0 || static_cast<size_t>(group) >= groups.names.size()) {
      return InvalidArgument("score distribution: group " + std::to_string(group) + " has no name");
    }
  }
  return SinglePanel(HistogramPanel(title, x_label, groups, ScoreRange({groups.scores})));
}

Result<Figure> CalibrationFigure(const std::vector<CalibrationBin>& bins,
                                 const std::string& title) {
  Bars bars{.label = "Fraction of positives per bin (rows above)",
            .color = PaletteColor(5),
            .alpha = 0.35};
  Line model{.label = "Model", .color = PaletteColor(0), .width = 2.2, .markers = true};
  double narrowest = 1;
  for (size_t i = 0; i < bins.size(); ++i) {
    const CalibrationBin& bin = bins[i];
    if (!(std::isfinite(bin.lower) && std::isfinite(bin.upper) && bin.lower < bin.upper)) {
      return InvalidData("calibration bin " + std::to_string(i) + ": edges [" +
                         FormatShortest(bin.lower) + ", " + FormatShortest(bin.upper) +
                         "] are not an interval");
    }
    if (bin.count <= 0) continue;
    narrowest = std::min(narrowest, bin.upper - bin.lower);
    bars.x.push_back((bin.lower + bin.upper) / 2);
    bars.heights.push_back(bin.observed_rate);
    bars.annotations.push_back(WithThousands(bin.count));
    model.x.push_back(bin.mean_score);
    model.y.push_back(bin.observed_rate);
  }
  bars.bar_width = 0.9 * narrowest;
  Panel panel;
  panel.title = title;
  SetUnitAxis(panel.x, "Mean predicted probability");
  SetUnitAxis(panel.y, "Fraction of positives");
  panel.y.max = 1.1;  // room for the counts above the bars
  panel.legend = Corner::kUpperLeft;
  panel.series.push_back(std::move(bars));
  panel.series.push_back(Line{.label = "Perfectly calibrated",
                              .x = {0, 1},
                              .y = {0, 1},
                              .color = kReference,
                              .style = LineStyle::kDashed,
                              .width = 1.3});
  panel.series.push_back(std::move(model));
  panel.legend_order = {2, 0, 1};  // the model first
  return SinglePanel(std::move(panel));
}

Result<Figure> ThresholdFigure(std::span<const double> thresholds,
                               std::span<const double> precision, std::span<const double> recall,
                               std::span<const double> f1, const std::string& title) {
  VERDICT_RETURN_IF_ERROR(
      CheckSameSize(thresholds.size(), precision.size(), "thresholds and precision"));
  VERDICT_RETURN_IF_ERROR(CheckSameSize(thresholds.size(), recall.size(), "thresholds and recall"));
  VERDICT_RETURN_IF_ERROR(CheckSameSize(thresholds.size(), f1.size(), "thresholds and F1"));
  const std::vector<double> x(thresholds.begin(), thresholds.end());
  Panel panel;
  panel.title = title;
  panel.x.label = "Threshold";
  panel.y.label = "Score";
  panel.y.min = kUnitMin;
  panel.y.max = kUnitMax;
  if (std::all_of(x.begin(), x.end(), [](double t) { return t >= 0 && t <= 1; })) {
    SetUnitAxis(panel.x, "Threshold");
  }
  panel.legend = Corner::kLowerLeft;
  const std::array<std::pair<const char*, std::span<const double>>, 3> curves = {
      {{"Precision", precision}, {"Recall", recall}, {"F1", f1}}};
  for (size_t i = 0; i < curves.size(); ++i) {
    panel.series.push_back(
        Line{.label = curves[i].first,
             .x = x,
             .y = std::vector<double>(curves[i].second.begin(), curves[i].second.end()),
             .color = PaletteColor(static_cast<int>(i)),
             .width = 2.2});
  }
  const auto best = std::max_element(f1.begin(), f1.end());
  if (best != f1.end() && std::isfinite(*best)) {
    const double at = thresholds[best - f1.begin()];
    panel.series.push_back(
        ReferenceLine{.orientation = ReferenceLine::Orientation::kVertical,
                      .value = at,
                      .label = "Best F1 = " + Fixed3(*best) + " at " + Fixed3(at),
                      .color = kReference,
                      .style = LineStyle::kDotted,
                      .width = 1.6});
  }
  return SinglePanel(std::move(panel));
}

Result<Figure> ConfusionMatrixFigure(const std::vector<std::vector<int64_t>>& counts,
                                     const std::vector<std::string>& class_names,
                                     const std::string& title) {
  const size_t k = counts.size();
  VERDICT_RETURN_IF_ERROR(
      CheckSameSize(k, class_names.size(), "confusion matrix rows and class names"));
  if (k == 0) return InvalidArgument("confusion matrix is empty");
  Heatmap heatmap{.colorbar_label = "Fraction of true class"};
  for (size_t t = 0; t < k; ++t) {
    VERDICT_RETURN_IF_ERROR(CheckSameSize(
        k, counts[t].size(), "confusion matrix row " + std::to_string(t) + " and rows"));
    int64_t total = 0;
    for (int64_t c : counts[t]) {
      if (c < 0)
        return InvalidData("confusion matrix row " + std::to_string(t) + " has a negative count");
      total += c;
    }
    std::vector<double>& values = heatmap.values.emplace_back();
    std::vector<std::string>& notes = heatmap.annotations.emplace_back();
    for (int64_t c : counts[t]) {
      values.push_back(total > 0 ? static_cast<double>(c) / total : 0.0);
      notes.push_back(FormatFixed(values.back(), 2) + "\n(" + WithThousands(c) + ")");
    }
  }
  Panel panel;
  panel.title = title;
  panel.x = Axis{.label = "Predicted class", .categories = class_names};
  panel.y = Axis{.label = "True class", .categories = class_names, .inverted = true};
  panel.grid = false;
  panel.legend.reset();
  panel.series.push_back(std::move(heatmap));
  return SinglePanel(std::move(panel));
}

Result<Figure> RocComparisonFigure(const NamedCurve& new_model, const NamedCurve& previous_model) {
  Panel panel = RocPanel(
      "ROC Curve Comparison (Δ AUC = " + Signed3(new_model.summary - previous_model.summary) + ")");
  panel.series.push_back(CurveLine(previous_model, "AUC", PaletteColor(3), LineStyle::kDashed));
  panel.series.push_back(CurveLine(new_model, "AUC", PaletteColor(0), LineStyle::kSolid));
  ListReferenceLast(panel, /*newest_first=*/true);
  return SinglePanel(std::move(panel), 1000, 600);
}

Result<Figure> PrComparisonFigure(const NamedCurve& new_model, const NamedCurve& previous_model,
                                  double positive_rate) {
  VERDICT_ASSIGN_OR_RETURN(Panel panel,
                           PrPanel("Precision-Recall Curve Comparison (Δ AP = " +
                                       Signed3(new_model.summary - previous_model.summary) + ")",
                                   positive_rate));
  panel.series.push_back(CurveLine(previous_model, "AP", PaletteColor(3), LineStyle::kDashed));
  panel.series.push_back(CurveLine(new_model, "AP", PaletteColor(0), LineStyle::kSolid));
  ListReferenceLast(panel, /*newest_first=*/true);
  return SinglePanel(std::move(panel), 1000, 600);
}

Result<Figure> ScoreScatterFigure(std::span<const double> previous_scores,
                                  std::span<const double> new_scores,
                                  std::span<const int32_t> labels, double pearson_r) {
  VERDICT_ASSIGN_OR_RETURN(auto previous, SplitByLabel(previous_scores, labels));
  VERDICT_ASSIGN_OR_RETURN(auto current, SplitByLabel(new_scores, labels));
  Panel panel;
  panel.title = "Model Score Comparison (Correlation = " + Fixed3(pearson_r) + ")";
  panel.x.label = "Previous Model Score";
  panel.y.label = "New Model Score";
  panel.legend = Corner::kLowerRight;
  for (int c = 0; c < 2; ++c) {
    panel.series.push_back(Scatter{.label = kClassNames[c],
                                   .x = std::move(previous[c]),
                                   .y = std::move(current[c]),
                                   .color = PaletteColor(c),
                                   .alpha = 0.5});
  }
  const auto range =
      ScoreRange({std::get<Scatter>(panel.series[0]).x, std::get<Scatter>(panel.series[0]).y,
                  std::get<Scatter>(panel.series[1]).x, std::get<Scatter>(panel.series[1]).y});
  panel.series.push_back(Line{.label = "Perfect correlation",
                              .x = {range[0], range[1]},
                              .y = {range[0], range[1]},
                              .color = kInk,
                              .style = LineStyle::kDashed,
                              .width = 1.3});
  panel.text_boxes.push_back(TextBox{.text = "Pearson r = " + Fixed3(pearson_r)});
  return SinglePanel(std::move(panel), 800, 640);
}

Result<Figure> ScoreDistributionsComparisonFigure(std::span<const double> previous_scores,
                                                  std::span<const double> new_scores,
                                                  std::span<const int32_t> labels) {
  VERDICT_ASSIGN_OR_RETURN(auto previous, SplitByLabel(previous_scores, labels));
  VERDICT_ASSIGN_OR_RETURN(auto current, SplitByLabel(new_scores, labels));
  VERDICT_ASSIGN_OR_RETURN(std::vector<double> difference,
                           Differences(new_scores, previous_scores));
  const std::array<double, 2> score_range = ScoreRange({previous_scores, new_scores});
  const double largest_change = std::max(1e-3, LargestMagnitude(difference));
  Figure figure;
  figure.title = "Score Distributions: New vs. Previous Model";
  figure.rows = 2;
  figure.cols = 2;
  figure.width = 1200;
  figure.height = 800;
  figure.panels.push_back(
      HistogramPanel("New Model Scores", "Score", BinaryGroups(new_scores, labels), score_range));
  figure.panels.push_back(HistogramPanel("Previous Model Scores", "Score",
                                         BinaryGroups(previous_scores, labels), score_range));
  Panel change =
      HistogramPanel("Score Difference (New − Previous)", "Difference",
                     BinaryGroups(difference, labels), {-largest_change, largest_change});
  change.series.push_back(ReferenceLine{.orientation = ReferenceLine::Orientation::kVertical,
                                        .value = 0,
                                        .color = kInk,
                                        .style = LineStyle::kDashed,
                                        .width = 1.3});
  figure.panels.push_back(std::move(change));
  Panel boxes;
  boxes.title = "Scores by Model and Class";
  boxes.x.categories = {"Prev (Neg)", "New (Neg)", "Prev (Pos)", "New (Pos)"};
  boxes.y.label = "Score";
  boxes.series.push_back(
      BoxPlot{.groups = {std::move(previous[0]), std::move(current[0]), std::move(previous[1]),
                         std::move(current[1])},
              .colors = {PaletteColor(0), PaletteColor(0), PaletteColor(1), PaletteColor(1)}});
  figure.panels.push_back(std::move(boxes));
  return figure;
}

}  // namespace verdict::plot
