#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>

#include "comparison/comparison.h"
#include "plot/plot.h"

namespace verdict::comparison {
namespace {

const std::string kSectionRule(30, '-');

// A key's value as a number, NaN when absent or null.
double ValueOf(const Comparison& comparison, std::string_view name) {
  const metrics::Metric* m = FindMetric(comparison, name);
  if (m == nullptr) return std::nan("");
  if (const double* v = std::get_if<double>(&m->value)) return *v;
  if (const int64_t* v = std::get_if<int64_t>(&m->value)) return static_cast<double>(*v);
  if (const bool* v = std::get_if<bool>(&m->value)) return *v ? 1.0 : 0.0;
  return std::nan("");
}

// printf-style number, or "N/A" when undefined (the seed crashed here instead).
std::string Fixed(double value, int decimals, bool sign = false) {
  if (std::isnan(value)) return "N/A";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), sign ? "%+.*f" : "%.*f", decimals, value);
  return buffer;
}

std::string Line(std::string_view label, const std::string& value) {
  return std::string(label) + value + "\n";
}

std::string Section(std::string_view title) {
  return std::string(title) + "\n" + kSectionRule + "\n";
}

// "[-0.0123, +0.0456]" (appended piecewise: g++ 12 misreports "[" + std::string as overlapping).
std::string FormatInterval(double lower, double upper) {
  std::string text = "[";
  text += Fixed(lower, 4, true);
  text += ", ";
  text += Fixed(upper, 4, true);
  text += "]";
  return text;
}

std::string Interval(const Comparison& c, const std::string& stem) {
  const double lower = ValueOf(c, stem + "_ci_lower");
  const double upper = ValueOf(c, stem + "_ci_upper");
  if (std::isnan(lower) || std::isnan(upper)) return "N/A";
  return FormatInterval(lower, upper);
}

std::string PerformanceSummary(const Comparison& c, const Options& options) {
  const std::string level = Fixed(options.confidence_level * 100, 0) + "%";
  const std::string b = "B=" + std::to_string(options.bootstrap_resamples);
  std::string s = Section("PERFORMANCE SUMMARY");
  if (!c.multiclass) {
    s += Line("New Model AUC-ROC:      ", Fixed(ValueOf(c, "new_model_auc"), 4));
    s += Line("Previous Model AUC-ROC: ", Fixed(ValueOf(c, "previous_model_auc"), 4));
    s += Line("AUC Delta:              ", Fixed(ValueOf(c, "auc_delta"), 4, true));
    s += Line("AUC Lift:               ", Fixed(ValueOf(c, "auc_lift_percent"), 2, true) + "%");
    s += Line("AUC Delta " + level + " CI (DeLong): ", Interval(c, "delong_auc_delta"));
    s += "\n";
    s += Line("New Model Avg Precision: ", Fixed(ValueOf(c, "new_model_ap"), 4));
    s += Line("Previous Model Avg Precision: ", Fixed(ValueOf(c, "previous_model_ap"), 4));
    s += Line("AP Delta:               ", Fixed(ValueOf(c, "ap_delta"), 4, true));
    s += Line("AP Lift:                ", Fixed(ValueOf(c, "ap_lift_percent"), 2, true) + "%");
    s += Line("AP Delta " + level + " CI (bootstrap, " + b + "): ", Interval(c, "ap_delta"));
    s += "\n";
    for (double t : options.thresholds) {
      const std::string at = "_at_" + FormatPythonFloat(t);
      s += Line("F1 Delta at " + FormatPythonFloat(t) + ": ",
                Fixed(ValueOf(c, "f1_delta" + at), 4, true) + "  " + level + " CI " +
                    Interval(c, "f1_delta" + at));
    }
  } else {
    s += Line("New Model Macro AUC-ROC:      ", Fixed(ValueOf(c, "new_model_auc_macro"), 4));
    s += Line("Previous Model Macro AUC-ROC: ", Fixed(ValueOf(c, "previous_model_auc_macro"), 4));
    s += Line("Macro AUC Delta:              ", Fixed(ValueOf(c, "auc_macro_delta"), 4, true));
    s += Line("Macro AUC Lift:               ",
              Fixed(ValueOf(c, "auc_macro_lift_percent"), 2, true) + "%");
    s += "\n";
    s += Line("New Model Accuracy:      ", Fixed(ValueOf(c, "new_model_accuracy"), 4));
    s += Line("Previous Model Accuracy: ", Fixed(ValueOf(c, "previous_model_accuracy"), 4));
    s += Line("Accuracy Delta:          ", Fixed(ValueOf(c, "accuracy_delta"), 4, true));
    s += Line("Accuracy Delta " + level + " CI (bootstrap, " + b + "): ",
              Interval(c, "accuracy_delta"));
  }
  return s + "\n";
}

std::string CorrelationAnalysis(const Comparison& c) {
  std::string s = Section("CORRELATION ANALYSIS");
  if (c.multiclass) {
    s += Line("Argmax Agreement:       ", Fixed(ValueOf(c, "prediction_agreement_argmax"), 4));
  } else {
    s += Line("Pearson Correlation:    ", Fixed(ValueOf(c, "pearson_correlation"), 4));
    s += Line("Spearman Correlation:   ", Fixed(ValueOf(c, "spearman_correlation"), 4));
  }
  return s + "\n";
}

std::string Verdict(const Comparison& c, const std::string& flag) {
  const metrics::Metric* m = FindMetric(c, flag);
  if (m == nullptr) return "N/A";
  return ValueOf(c, flag) == 1.0 ? "Significant" : "Not Significant";
}

std::string StatisticalSignificance(const Comparison& c) {
  std::string s = Section("STATISTICAL SIGNIFICANCE");
  s += Line("McNemar's Test p-value: ", Fixed(ValueOf(c, "mcnemar_p_value"), 4));
  s += Line("McNemar's Test Result:  ", Verdict(c, "mcnemar_significant"));
  s += Line("McNemar's Exact p-value: ", Fixed(ValueOf(c, "mcnemar_exact_p_value"), 4));
  if (!c.multiclass) {
    s += Line("Paired t-test p-value:  ", Fixed(ValueOf(c, "paired_t_p_value"), 4));
    s += Line("Paired t-test Result:   ", Verdict(c, "paired_t_significant"));
    s += Line("Wilcoxon p-value:       ", Fixed(ValueOf(c, "wilcoxon_p_value"), 4));
    s += Line("Wilcoxon Result:        ", Verdict(c, "wilcoxon_significant"));
    s += Line("DeLong AUC p-value:     ", Fixed(ValueOf(c, "delong_p_value"), 4));
    s += Line("DeLong AUC Result:      ", Verdict(c, "delong_significant"));
  } else {
    for (int cls = 0; FindMetric(c, "delong_p_value_holm_class_" + std::to_string(cls)); ++cls) {
      const std::string suffix = "_class_" + std::to_string(cls);
      s += Line("DeLong AUC p-value, class " + std::to_string(cls) + ": ",
                Fixed(ValueOf(c, "delong_p_value" + suffix), 4) + " (Holm " +
                    Fixed(ValueOf(c, "delong_p_value_holm" + suffix), 4) + ")");
    }
  }
  return s + "\n";
}

std::string FlipAnalysis(const Comparison& c) {
  std::string s = Section("FLIP ANALYSIS");
  s += Line("Fixed by the new model:  ", Fixed(ValueOf(c, "flips_new_correct"), 0));
  s += Line("Broken by the new model: ", Fixed(ValueOf(c, "flips_previous_correct"), 0));
  s += "Most confident flips: see comparison_flips.csv\n";
  return s + "\n";
}

// The seed's recommendation from the AUC delta (the macro AUC delta for multiclass).
std::string SeedRecommendation(double auc_delta) {
  if (std::isnan(auc_delta)) return "? NO RECOMMENDATION: AUC delta undefined.";
  if (auc_delta > 0.01) return "✓ NEW MODEL RECOMMENDED: Significant AUC improvement detected.";
  if (auc_delta > 0.005) return "? MARGINAL IMPROVEMENT: Small AUC gain. Consider business impact.";
  if (auc_delta > -0.005) return "≈ SIMILAR PERFORMANCE: Models perform similarly.";
  return "✗ PREVIOUS MODEL PREFERRED: New model shows performance degradation.";
}

std::string Recommendations(const Comparison& c, const Options& options) {
  std::string s = Section("RECOMMENDATIONS");
  s += SeedRecommendation(ValueOf(c, c.multiclass ? "auc_macro_delta" : "auc_delta")) + "\n";
  if (c.decisions.empty()) return s + "DECISION: none (statistical tests are off)\n\n";
  const std::string level = Fixed(options.confidence_level * 100, 0) + "%";
  s += "DECISION: " + c.decision + " (" + c.decisions.front().metric + ", " +
       c.decisions.front().method + " " + level + " CI, margin " + Fixed(options.margin, 4) + ")\n";
  for (const MetricDecision& d : c.decisions) {
    s += "  " + d.metric + ": " + d.decision + "  delta " + Fixed(d.estimate, 4, true) + "  CI " +
         FormatInterval(d.lower, d.upper) + " (" + d.method + ")\n";
  }
  return s + "\n";
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char ch : text) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return quoted + "\"";
}

const metrics::Curve* CurveNamed(const std::vector<metrics::Curve>& curves, std::string_view name) {
  for (const metrics::Curve& curve : curves) {
    if (curve.name == name) return &curve;
  }
  return nullptr;
}

struct NamedFigure {
  std::string stem;  // file name without extension
  plot::Figure figure;
};

// The binary comparison plots; the scatter is left out when Pearson r is undefined, and the
// curve plots when a class is absent (no curves).
Result<std::vector<NamedFigure>> Figures(const Input& input, const Comparison& c) {
  std::vector<NamedFigure> figures;
  if (c.multiclass) return figures;
  const BinarySummary& s = c.summary;
  const metrics::Curve* new_roc = CurveNamed(c.new_curves, "roc");
  const metrics::Curve* previous_roc = CurveNamed(c.previous_curves, "roc");
  if (new_roc && previous_roc && !std::isnan(s.new_auc) && !std::isnan(s.previous_auc)) {
    VERDICT_ASSIGN_OR_RETURN(plot::Figure roc, plot::RocComparisonFigure(
                                                   {"New Model", new_roc->x, new_roc->y, s.new_auc},
                                                   {"Previous Model", previous_roc->x,
                                                    previous_roc->y, s.previous_auc}));
    figures.push_back({"comparison_roc_curves", std::move(roc)});
  }
  const metrics::Curve* new_pr = CurveNamed(c.new_curves, "pr");
  const metrics::Curve* previous_pr = CurveNamed(c.previous_curves, "pr");
  if (new_pr && previous_pr && !std::isnan(s.new_ap) && !std::isnan(s.previous_ap)) {
    VERDICT_ASSIGN_OR_RETURN(
        plot::Figure pr,
        plot::PrComparisonFigure({"New Model", new_pr->x, new_pr->y, s.new_ap},
                                 {"Previous Model", previous_pr->x, previous_pr->y, s.previous_ap},
                                 s.positive_rate));
    figures.push_back({"comparison_pr_curves", std::move(pr)});
  }
  const size_t n = input.labels.size();
  std::vector<double> new_scores(n);
  std::vector<double> previous_scores(n);
  const size_t previous_columns = input.previous_scores.size() / n;
  for (size_t i = 0; i < n; ++i) {
    new_scores[i] = input.new_probabilities[i * 2 + 1];
    previous_scores[i] = input.previous_scores[i * previous_columns + previous_columns - 1];
  }
  if (!std::isnan(s.pearson_r)) {
    VERDICT_ASSIGN_OR_RETURN(
        plot::Figure scatter,
        plot::ScoreScatterFigure(previous_scores, new_scores, input.labels, s.pearson_r));
    figures.push_back({"score_scatter_plot", std::move(scatter)});
  }
  VERDICT_ASSIGN_OR_RETURN(
      plot::Figure distributions,
      plot::ScoreDistributionsComparisonFigure(previous_scores, new_scores, input.labels));
  figures.push_back({"score_distributions", std::move(distributions)});
  return figures;
}

std::string MetricText(const metrics::Metric& m) {
  if (const double* v = std::get_if<double>(&m.value)) return Fixed(*v, 6);
  if (const int64_t* v = std::get_if<int64_t>(&m.value)) return std::to_string(*v);
  if (const bool* v = std::get_if<bool>(&m.value)) return *v ? "true" : "false";
  return "null (" + m.null_reason + ")";
}

}  // namespace

std::string ReportText(const Comparison& comparison, const Options& options,
                       std::string_view generated) {
  std::string s = "MODEL COMPARISON REPORT\n" + std::string(60, '=') + "\n";
  s += "Generated: " + std::string(generated) + "\n";
  s += "Rows compared: " + std::to_string(comparison.rows) + " (" +
       std::to_string(comparison.rows_without_previous) +
       " rows without a previous score left out)\n\n";
  s += PerformanceSummary(comparison, options);
  s += CorrelationAnalysis(comparison);
  s += StatisticalSignificance(comparison);
  s += FlipAnalysis(comparison);
  s += Recommendations(comparison, options);
  for (const std::string& note : comparison.notes) s += "Note: " + note + "\n";
  if (!comparison.notes.empty()) s += "\n";
  s += "For detailed metrics, see metrics.json\n";
  s += "For visualizations, see generated plot files\n";
  return s;
}

std::string FlipsCsv(const Input& input, const Comparison& comparison) {
  std::string csv = "id,label,new_score,previous_score,correct_model\n";
  for (const Flip& f : comparison.flips) {
    const std::string label = static_cast<size_t>(f.label) < input.class_names.size()
                                  ? input.class_names[f.label]
                                  : std::to_string(f.label);
    csv += CsvField(f.id) + "," + CsvField(label) + "," + FormatPythonFloat(f.new_score) + "," +
           FormatPythonFloat(f.previous_score) + "," + (f.new_correct ? "new" : "previous") + "\n";
  }
  return csv;
}

Status WriteOutputs(const std::string& metrics_dir, const Input& input,
                    const Comparison& comparison, const Options& options) {
  const std::filesystem::path dir(metrics_dir);
  char generated[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(generated, sizeof(generated), "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  VERDICT_RETURN_IF_ERROR(WriteFileAtomic((dir / "comparison_report.txt").string(),
                                          ReportText(comparison, options, generated)));
  VERDICT_RETURN_IF_ERROR(
      WriteFileAtomic((dir / "comparison_flips.csv").string(), FlipsCsv(input, comparison)));
  if (!options.plots) return Status::Ok();
  VERDICT_ASSIGN_OR_RETURN(std::vector<NamedFigure> figures, Figures(input, comparison));
  for (const NamedFigure& f : figures) {
    VERDICT_RETURN_IF_ERROR(plot::WriteJpeg(f.figure, (dir / (f.stem + ".jpg")).string()).status());
  }
  return Status::Ok();
}

Result<std::string> HtmlSection(const Input& input, const Comparison& comparison,
                                const Options& options) {
  std::string html = "<section id=\"comparison\">\n<h2>Comparison with the previous model</h2>\n";
  html += "<p>Rows compared: " + std::to_string(comparison.rows) + " (" +
          std::to_string(comparison.rows_without_previous) +
          " without a previous score left out).</p>\n";
  if (!comparison.decisions.empty()) {
    const MetricDecision& d = comparison.decisions.front();
    html += "<p><strong>Decision: " + HtmlEscape(comparison.decision) + "</strong> (" +
            HtmlEscape(d.metric) + ", " + d.method + " interval " +
            FormatInterval(d.lower, d.upper) + ", margin " + Fixed(options.margin, 4) + ")</p>\n";
  }
  html += "<table>\n<tr><th>key</th><th>value</th></tr>\n";
  for (const metrics::Metric& m : comparison.metrics) {
    html +=
        "<tr><td>" + HtmlEscape(m.name) + "</td><td>" + HtmlEscape(MetricText(m)) + "</td></tr>\n";
  }
  for (const TextValue& t : comparison.text_values) {
    html += "<tr><td>" + HtmlEscape(t.name) + "</td><td>" + HtmlEscape(t.value) + "</td></tr>\n";
  }
  html += "</table>\n";
  if (options.plots) {
    VERDICT_ASSIGN_OR_RETURN(std::vector<NamedFigure> figures, Figures(input, comparison));
    for (const NamedFigure& f : figures) {
      VERDICT_ASSIGN_OR_RETURN(
          plot::Rendered svg,
          plot::RenderSvg(f.figure, {.id_prefix = f.stem + "_", .xml_declaration = false}));
      html += "<figure>" + svg.data + "</figure>\n";
    }
  }
  return html + "</section>\n";
}

}  // namespace verdict::comparison
