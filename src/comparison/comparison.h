// comparison: comparison mode, the new model against the previous model's scores on the same rows.
//
// Computes the seed's comparison keys (correlation, AUC/AP/F1 deltas and lifts, score statistics,
// agreement, McNemar, paired t-test, Wilcoxon) and, beyond the seed, DeLong's test for the AUC
// difference with its interval, paired bootstrap intervals for the AP and F1 differences, a
// ship decision with an optional non-inferiority margin, a multiclass comparison (macro AUC,
// per-class DeLong with Holm-adjusted p-values, McNemar on the argmax) and a flip analysis.
// WriteOutputs writes comparison_report.txt, comparison_flips.csv and the comparison plots.
// Every key and formula: docs/comparison.md.
//
// Usage:
//   comparison::Input input{.labels = labels,
//                           .new_probabilities = probs,  // [N, K]
//                           .previous_scores = previous, // [N] or [N, K]
//                           .num_classes = 2,
//                           .class_names = {"0", "1"},
//                           .ids = ids};
//   comparison::Options options;  // options.margin = 0.005; ...
//   VERDICT_ASSIGN_OR_RETURN(comparison::Comparison c, comparison::Compare(input, options));
//   for (const metrics::Metric& m : c.metrics) ...        // numeric keys for metrics.json
//   for (const comparison::TextValue& t : c.text_values) ...  // string keys, JSON strings
//   VERDICT_RETURN_IF_ERROR(comparison::WriteOutputs(metrics_dir, input, c, options));
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "metrics/metrics.h"
#include "numeric/numeric.h"

namespace verdict::comparison {

struct Options {
  // COMPARISON_METRICS: the seed computes the same metric set for "all" and "basic"; any other
  // value skips the comparison metric keys (ComparisonMetricsEnabled).
  bool comparison_metrics = true;
  bool statistical_tests = true;  // STATISTICAL_TESTS: McNemar, t-test, Wilcoxon, DeLong, bootstrap
  bool plots = true;              // COMPARISON_PLOTS
  // F1 and agreement thresholds (p >= t).
  std::vector<double> thresholds = metrics::kDefaultThresholds;
  double margin = 0;  // non-inferiority margin of the decision (>= 0, in metric units)
  // Paired bootstrap size for the AP/F1 (binary) and accuracy (multiclass) intervals. Binary
  // runs 1 + thresholds.size() bootstraps, each drawing `resamples` times all N rows.
  int bootstrap_resamples = numeric::kDefaultBootstrapResamples;
  uint64_t seed = numeric::kDefaultSeed;
  double confidence_level = numeric::kDefaultConfidenceLevel;  // of DeLong and bootstrap intervals
  int top_flips = 50;  // most confident flips kept in Comparison::flips
};

// True for the COMPARISON_METRICS values that enable the comparison metrics ("all", "basic").
bool ComparisonMetricsEnabled(std::string_view value);

// The rows that have a previous score (the caller leaves the others out and counts them).
struct Input {
  std::span<const int32_t> labels;            // class indices 0..K-1
  std::span<const double> new_probabilities;  // row-major [N, K]
  std::span<const double> previous_scores;    // [N] (binary: P(class 1)) or [N, K] (multiclass)
  int num_classes = 2;                        // K >= 2
  std::vector<std::string> class_names;       // label value of each class (may be empty)
  std::vector<std::string> ids;               // per row, for the flips file (empty: row numbers)
  int64_t rows_without_previous = 0;          // reported, not compared
  // The new model's evaluation over exactly these rows, as the job already computed it (with
  // Options::thresholds among its thresholds), or nullptr: Compare then evaluates the new model
  // itself. The job passes it when no row was left out for a missing previous score.
  const metrics::Evaluation* new_evaluation = nullptr;
};

// A string-valued key for metrics.json, e.g. {"comparison_decision", "better"}.
struct TextValue {
  std::string name;
  std::string value;
};

// The decision for one metric, from the interval of (new - previous).
struct MetricDecision {
  std::string metric;   // "auc_roc", "average_precision", "f1_score_at_0.5", "accuracy"
  std::string method;   // "delong" or "bootstrap"
  double estimate = 0;  // new - previous
  double lower = 0;     // interval at Options::confidence_level (NaN when undefined)
  double upper = 0;
  std::string decision;  // "better", "not_worse", "worse", "inconclusive"
};

// A row that one model classifies correctly and the other does not (rule p >= 0.5 for binary,
// argmax for multiclass). Scores are the probability each model gives the true class.
struct Flip {
  int64_t row = 0;  // index in Input
  std::string id;   // Input::ids[row], or the row number
  int32_t label = 0;
  double new_score = 0;
  double previous_score = 0;
  bool new_correct = false;  // true: fixed by the new model; false: broken by it
};

// Binary headline numbers the plots need even when the comparison keys are off (NaN: undefined).
struct BinarySummary {
  double new_auc = 0;
  double previous_auc = 0;
  double new_ap = 0;
  double previous_ap = 0;
  double positive_rate = 0;
  double pearson_r = 0;
};

struct Comparison {
  bool multiclass = false;
  int64_t rows = 0;
  int64_t rows_without_previous = 0;
  std::vector<metrics::Metric> metrics;  // comparison keys, metrics.json order (NaN -> null)
  std::vector<TextValue> text_values;    // comparison_decision, wilcoxon_method, ...
  // decisions[0] is the primary one (AUC by DeLong for binary, accuracy by bootstrap for
  // multiclass) and gives `decision`; empty when STATISTICAL_TESTS is off.
  std::vector<MetricDecision> decisions;
  std::string decision;            // "better", "not_worse", "worse", "inconclusive", or ""
  std::vector<Flip> flips;         // the most confident flips, most confident first
  std::vector<std::string> notes;  // why a key is null, skipped sections, ...
  // Binary: ROC and PR curves of both models ("roc", "pr") and headline numbers, for the plots.
  std::vector<metrics::Curve> new_curves;
  std::vector<metrics::Curve> previous_curves;
  BinarySummary summary;
};

// Computes the comparison. Errors: mismatched lengths, K < 2, labels outside 0..K-1, non-finite
// scores (naming the row), no rows, margin negative or non-finite.
Result<Comparison> Compare(const Input& input, const Options& options);

// Looks up a numeric key; nullptr when absent.
const metrics::Metric* FindMetric(const Comparison& comparison, std::string_view name);

// comparison_report.txt: the seed's sections (header, PERFORMANCE SUMMARY, CORRELATION ANALYSIS,
// STATISTICAL SIGNIFICANCE, RECOMMENDATIONS, footer) with intervals, the decision and the flips;
// a missing or null key prints "N/A". `generated` is the timestamp "YYYY-mm-dd HH:MM:SS".
std::string ReportText(const Comparison& comparison, const Options& options,
                       std::string_view generated);

// comparison_flips.csv: a header line, then one line per flip in Comparison::flips order:
// id,label,new_score,previous_score,correct_model (label: the class name when given; scores:
// each model's probability of the true class; correct_model: "new" or "previous").
std::string FlipsCsv(const Input& input, const Comparison& comparison);

// Writes into metrics_dir: comparison_report.txt, comparison_flips.csv and, when options.plots
// and binary, comparison_roc_curves.jpg, comparison_pr_curves.jpg, score_scatter_plot.jpg,
// score_distributions.jpg. Files are written atomically.
Status WriteOutputs(const std::string& metrics_dir, const Input& input,
                    const Comparison& comparison, const Options& options);

// An HTML fragment for report.html: the decision, a table of the keys and inline SVG plots
// (binary with options.plots).
Result<std::string> HtmlSection(const Input& input, const Comparison& comparison,
                                const Options& options);

}  // namespace verdict::comparison
