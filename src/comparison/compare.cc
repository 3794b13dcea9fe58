#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "comparison/comparison.h"
#include "stats/stats.h"

namespace verdict::comparison {
namespace {

using metrics::keys::AtThreshold;
using metrics::keys::ForClass;
namespace metric_keys = metrics::keys;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kSignificance = 0.05;

// Appends keys to a Comparison, turning NaN into null with a reason.
class KeyWriter {
 public:
  explicit KeyWriter(Comparison& comparison) : comparison_(comparison) {}

  void Number(std::string name, double value, std::string_view reason_if_nan = "undefined") {
    if (std::isnan(value)) {
      Null(std::move(name), std::string(reason_if_nan));
      return;
    }
    comparison_.metrics.push_back({std::move(name), value, ""});
  }
  void Count(std::string name, int64_t value) {
    comparison_.metrics.push_back({std::move(name), value, ""});
  }
  void Flag(std::string name, bool value) {
    comparison_.metrics.push_back({std::move(name), value, ""});
  }
  void Null(std::string name, std::string reason) {
    comparison_.metrics.push_back({std::move(name), std::monostate{}, std::move(reason)});
  }
  void Text(std::string name, std::string value) {
    comparison_.text_values.push_back({std::move(name), std::move(value)});
  }
  void Note(std::string note) { comparison_.notes.push_back(std::move(note)); }

 private:
  Comparison& comparison_;
};

// A numeric metric of an evaluation, NaN when null; the key must be one the evaluation writes.
double EvaluationValue(const metrics::Evaluation& evaluation, std::string_view key) {
  return metrics::Number(evaluation.metrics, key);
}

double LiftPercent(double new_value, double previous_value) {
  if (std::isnan(new_value) || std::isnan(previous_value)) return kNaN;
  return previous_value > 0 ? (new_value - previous_value) / previous_value * 100.0 : 0.0;
}

// Writes new_model_<stem>, previous_model_<stem>, <delta>, <lift> (the seed's AUC/AP pattern).
void WriteModelPair(KeyWriter& keys, const std::string& stem, const std::string& delta_key,
                    const std::string& lift_key, double new_value, double previous_value) {
  const std::string reason = stem + " undefined (a class is absent)";
  keys.Number("new_model_" + stem, new_value, reason);
  keys.Number("previous_model_" + stem, previous_value, reason);
  keys.Number(delta_key, new_value - previous_value, reason);
  if (!lift_key.empty()) keys.Number(lift_key, LiftPercent(new_value, previous_value), reason);
}

double Mean(std::span<const double> values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double PopulationStd(std::span<const double> values) {
  const double mean = Mean(values);
  double sum = 0;
  for (double v : values) sum += (v - mean) * (v - mean);
  return std::sqrt(sum / static_cast<double>(values.size()));
}

Status Validate(const Input& input, const Options& options) {
  const int k = input.num_classes;
  if (k < 2) return InvalidArgument("comparison: num_classes must be at least 2");
  const size_t n = input.labels.size();
  if (n == 0) return InvalidData("comparison: no rows with a previous score");
  if (input.new_probabilities.size() != n * static_cast<size_t>(k)) {
    return InvalidArgument("comparison: new probabilities are not [rows, num_classes]");
  }
  const size_t previous_columns = input.previous_scores.size() / n;
  if (input.previous_scores.size() % n != 0 ||
      (!(previous_columns == 1 && k == 2) && previous_columns != static_cast<size_t>(k))) {
    return InvalidArgument("comparison: previous scores must be one column (binary) or " +
                           std::to_string(k) + " columns");
  }
  if (!input.ids.empty() && input.ids.size() != n) {
    return InvalidArgument("comparison: ids and labels differ in length");
  }
  if (!std::isfinite(options.margin) || options.margin < 0) {
    return InvalidArgument("comparison: margin must be a finite number >= 0");
  }
  for (size_t i = 0; i < n; ++i) {
    if (input.labels[i] < 0 || input.labels[i] >= k) {
      return InvalidData("comparison: row " + std::to_string(i) + ": label " +
                         std::to_string(input.labels[i]) + " outside 0.." + std::to_string(k - 1));
    }
  }
  for (size_t j = 0; j < input.new_probabilities.size(); ++j) {
    if (!std::isfinite(input.new_probabilities[j])) {
      return InvalidData("comparison: row " + std::to_string(j / k) + ": new score not finite");
    }
  }
  for (size_t j = 0; j < input.previous_scores.size(); ++j) {
    if (!std::isfinite(input.previous_scores[j])) {
      return InvalidData("comparison: row " + std::to_string(j / previous_columns) +
                         ": previous score not finite");
    }
  }
  return Status::Ok();
}

// Per-row scores of both models for one class (binary: class 1).
struct PairedScores {
  std::vector<double> new_scores;
  std::vector<double> previous_scores;
};

PairedScores ClassScores(const Input& input, int cls) {
  const size_t n = input.labels.size();
  const size_t k = static_cast<size_t>(input.num_classes);
  const size_t previous_columns = input.previous_scores.size() / n;
  PairedScores scores;
  scores.new_scores.resize(n);
  scores.previous_scores.resize(n);
  for (size_t i = 0; i < n; ++i) {
    scores.new_scores[i] = input.new_probabilities[i * k + cls];
    scores.previous_scores[i] =
        previous_columns == 1 ? input.previous_scores[i] : input.previous_scores[i * k + cls];
  }
  return scores;
}

int ArgMax(std::span<const double> row) {
  return static_cast<int>(std::max_element(row.begin(), row.end()) - row.begin());
}

// Correctness of each model per row: p >= 0.5 against label 1 (binary), argmax (multiclass).
struct Correctness {
  std::vector<uint8_t> new_correct;
  std::vector<uint8_t> previous_correct;
};

Correctness RowCorrectness(const Input& input, const PairedScores& binary, bool multiclass) {
  const size_t n = input.labels.size();
  const size_t k = static_cast<size_t>(input.num_classes);
  Correctness c;
  c.new_correct.resize(n);
  c.previous_correct.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (multiclass) {
      c.new_correct[i] = ArgMax(input.new_probabilities.subspan(i * k, k)) == input.labels[i];
      c.previous_correct[i] = ArgMax(input.previous_scores.subspan(i * k, k)) == input.labels[i];
    } else {
      c.new_correct[i] = (binary.new_scores[i] >= 0.5) == (input.labels[i] == 1);
      c.previous_correct[i] = (binary.previous_scores[i] >= 0.5) == (input.labels[i] == 1);
    }
  }
  return c;
}

// The rows where exactly one model is correct, the most confident first: ranked by the gap
// between the two models' scores for the true class (stable, so ties keep row order).
std::vector<Flip> MostConfidentFlips(const Input& input, const Correctness& correctness,
                                     int top_flips) {
  const size_t n = input.labels.size();
  const size_t k = static_cast<size_t>(input.num_classes);
  const size_t previous_columns = input.previous_scores.size() / n;
  std::vector<Flip> flips;
  for (size_t i = 0; i < n; ++i) {
    if (correctness.new_correct[i] == correctness.previous_correct[i]) continue;
    const int32_t label = input.labels[i];
    Flip flip;
    flip.row = static_cast<int64_t>(i);
    flip.id = input.ids.empty() ? std::to_string(i) : input.ids[i];
    flip.label = label;
    flip.new_score = input.new_probabilities[i * k + label];
    flip.previous_score = previous_columns == 1 ? (label == 1 ? input.previous_scores[i]
                                                              : 1.0 - input.previous_scores[i])
                                                : input.previous_scores[i * k + label];
    flip.new_correct = correctness.new_correct[i] != 0;
    flips.push_back(std::move(flip));
  }
  std::stable_sort(flips.begin(), flips.end(), [](const Flip& a, const Flip& b) {
    return std::fabs(a.new_score - a.previous_score) > std::fabs(b.new_score - b.previous_score);
  });
  if (flips.size() > static_cast<size_t>(std::max(top_flips, 0))) flips.resize(top_flips);
  return flips;
}

void WriteFlipCounts(KeyWriter& keys, const stats::PairedCorrectness& counts) {
  keys.Count("flips_new_correct", counts.new_only_correct);
  keys.Count("flips_previous_correct", counts.previous_only_correct);
  keys.Count("flips_net", counts.new_only_correct - counts.previous_only_correct);
}

void WriteMcNemar(KeyWriter& keys, const stats::PairedCorrectness& counts) {
  keys.Count("correct_both", counts.both_correct);
  keys.Count("new_correct_prev_wrong", counts.new_only_correct);
  keys.Count("new_wrong_prev_correct", counts.previous_only_correct);
  keys.Count("wrong_both", counts.both_wrong);
  const stats::McNemarResult m =
      stats::McNemar(counts.new_only_correct, counts.previous_only_correct);
  keys.Number("mcnemar_statistic", m.chi_square);
  keys.Number("mcnemar_p_value", m.chi_square_p_value);
  keys.Flag("mcnemar_significant", m.chi_square_p_value < kSignificance);
  keys.Number("mcnemar_exact_p_value", m.exact_p_value);
}

// What both tasks record of the rows each model gets right: flip counts, the most confident
// flips and, with the tests on, McNemar.
Status AddAgreement(Comparison& comparison, KeyWriter& keys, const Input& input,
                    const Correctness& correctness, const Options& options) {
  VERDICT_ASSIGN_OR_RETURN(
      stats::PairedCorrectness counts,
      stats::CountPairedCorrectness(correctness.new_correct, correctness.previous_correct));
  WriteFlipCounts(keys, counts);
  comparison.flips = MostConfidentFlips(input, correctness, options.top_flips);
  if (options.statistical_tests) WriteMcNemar(keys, counts);
  return Status::Ok();
}

// Records the decision for one metric's interval.
Status AddDecision(Comparison& comparison, KeyWriter& keys, MetricDecision decision,
                   const std::string& key, double margin) {
  const bool defined = !std::isnan(decision.lower) && !std::isnan(decision.upper);
  stats::Decision d = stats::Decision::kInconclusive;
  if (defined) {
    VERDICT_ASSIGN_OR_RETURN(d, stats::Decide(decision.lower, decision.upper, margin));
  }
  decision.decision = std::string(stats::DecisionName(d));
  keys.Text(key, decision.decision);
  comparison.decisions.push_back(std::move(decision));
  return Status::Ok();
}

stats::BootstrapOptions BootstrapOptionsOf(const Options& options) {
  return {.resamples = options.bootstrap_resamples,
          .seed = options.seed,
          .confidence_level = options.confidence_level};
}

metrics::Options MetricOptions(const Options& options) {
  metrics::Options metric_options;
  metric_options.thresholds = options.thresholds;
  return metric_options;
}

// The job's evaluation of the new model when it passed one, else `evaluate()`.
template <typename Evaluate>
Result<metrics::Evaluation> NewEvaluation(const Input& input, Evaluate evaluate) {
  if (input.new_evaluation != nullptr) return *input.new_evaluation;
  return evaluate();
}

// Bootstrap interval keys <stem>_ci_lower / _ci_upper / _standard_error and the decision.
Status BootstrapDifference(Comparison& comparison, KeyWriter& keys, const Input& input,
                           std::span<const double> new_values,
                           std::span<const double> previous_values,
                           const stats::Statistic& statistic, const std::string& metric,
                           const std::string& stem, const std::string& decision_key,
                           const Options& options) {
  VERDICT_ASSIGN_OR_RETURN(
      stats::BootstrapInterval interval,
      stats::PairedBootstrapDifference(input.labels, new_values, previous_values, statistic,
                                       BootstrapOptionsOf(options)));
  const std::string reason = "fewer than 2 valid bootstrap resamples";
  keys.Number(stem + "_ci_lower", interval.lower, reason);
  keys.Number(stem + "_ci_upper", interval.upper, reason);
  keys.Number(stem + "_standard_error", interval.standard_error, reason);
  keys.Count(stem + "_degenerate_resamples", interval.degenerate_resamples);
  return AddDecision(comparison, keys,
                     {.metric = metric,
                      .method = "bootstrap",
                      .estimate = interval.estimate,
                      .lower = interval.lower,
                      .upper = interval.upper},
                     decision_key, options.margin);
}

// DeLong keys with `suffix` ("" or "_class_<i>"); returns the result, or nullopt-like NaNs when
// a class is absent (recorded as nulls).
Result<stats::DeLongResult> DeLongKeys(KeyWriter& keys, std::span<const int32_t> binary_labels,
                                       const PairedScores& scores, const std::string& suffix,
                                       const Options& options) {
  Result<stats::DeLongResult> delong = stats::DeLongPairedTest(
      binary_labels, scores.new_scores, scores.previous_scores, options.confidence_level);
  if (!delong.ok()) {
    const std::string reason = "DeLong undefined: " + delong.status().message();
    for (const char* stem :
         {"delong_z", "delong_p_value", "delong_auc_delta_ci_lower", "delong_auc_delta_ci_upper"}) {
      keys.Null(stem + suffix, reason);
    }
    return delong;
  }
  const stats::DeLongResult& d = delong.value();
  keys.Number("delong_z" + suffix, d.z);
  keys.Number("delong_p_value" + suffix, d.p_value);
  keys.Number("delong_auc_delta_ci_lower" + suffix, d.ci_lower);
  keys.Number("delong_auc_delta_ci_upper" + suffix, d.ci_upper);
  return delong;
}

void BinaryComparisonMetrics(KeyWriter& keys, const PairedScores& s,
                             const metrics::Evaluation& new_eval,
                             const metrics::Evaluation& previous_eval, const Options& options) {
  const auto pearson = stats::Pearson(s.new_scores, s.previous_scores);
  const auto spearman = stats::Spearman(s.new_scores, s.previous_scores);
  const std::string constant = "a score column is constant";
  if (pearson.ok()) {
    keys.Number("pearson_correlation", pearson.value().statistic, constant);
    keys.Number("pearson_p_value", pearson.value().p_value, constant);
  } else {
    keys.Null("pearson_correlation", pearson.status().message());
    keys.Null("pearson_p_value", pearson.status().message());
  }
  if (spearman.ok()) {
    keys.Number("spearman_correlation", spearman.value().statistic, constant);
    keys.Number("spearman_p_value", spearman.value().p_value, constant);
  } else {
    keys.Null("spearman_correlation", spearman.status().message());
    keys.Null("spearman_p_value", spearman.status().message());
  }
  WriteModelPair(keys, "auc", "auc_delta", "auc_lift_percent",
                 EvaluationValue(new_eval, metric_keys::kAucRoc),
                 EvaluationValue(previous_eval, metric_keys::kAucRoc));
  WriteModelPair(keys, "ap", "ap_delta", "ap_lift_percent",
                 EvaluationValue(new_eval, metric_keys::kAveragePrecision),
                 EvaluationValue(previous_eval, metric_keys::kAveragePrecision));
  for (double t : options.thresholds) {
    const std::string key = AtThreshold(metric_keys::kF1Score, t);
    const std::string at = "_at_" + FormatPythonFloat(t);
    const double new_f1 = EvaluationValue(new_eval, key);
    const double previous_f1 = EvaluationValue(previous_eval, key);
    const std::string reason = "F1 undefined (no positive label and no positive prediction)";
    keys.Number("new_model_f1" + at, new_f1, reason);
    keys.Number("previous_model_f1" + at, previous_f1, reason);
    keys.Number("f1_delta" + at, new_f1 - previous_f1, reason);
  }
  keys.Number("new_score_mean", Mean(s.new_scores));
  keys.Number("previous_score_mean", Mean(s.previous_scores));
  keys.Number("new_score_std", PopulationStd(s.new_scores));
  keys.Number("previous_score_std", PopulationStd(s.previous_scores));
  keys.Number("score_mean_delta", Mean(s.new_scores) - Mean(s.previous_scores));
  for (double t : options.thresholds) {
    int64_t agree = 0;
    for (size_t i = 0; i < s.new_scores.size(); ++i) {
      agree += (s.new_scores[i] >= t) == (s.previous_scores[i] >= t);
    }
    keys.Number(AtThreshold("prediction_agreement", t),
                static_cast<double>(agree) / static_cast<double>(s.new_scores.size()));
  }
}

void PairedScoreTests(KeyWriter& keys, const PairedScores& s, const Options& options) {
  const std::string zero = "every score difference is zero";
  const auto t = stats::PairedTTest(s.new_scores, s.previous_scores, options.confidence_level);
  const stats::PairedTTestResult tt =
      t.ok() ? t.value() : stats::PairedTTestResult{kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};
  const std::string t_reason = t.ok() ? zero : t.status().message();
  keys.Number("paired_t_statistic", tt.statistic, t_reason);
  keys.Number("paired_t_p_value", tt.p_value, t_reason);
  keys.Flag("paired_t_significant", tt.p_value < kSignificance);
  keys.Number("paired_t_mean_difference", tt.mean_difference, t_reason);
  keys.Number("paired_t_ci_lower", tt.ci_lower, t_reason);
  keys.Number("paired_t_ci_upper", tt.ci_upper, t_reason);

  // The seed maps SciPy's ValueError (every difference zero) to NaN, here null.
  const auto w = stats::Wilcoxon(s.new_scores, s.previous_scores);
  const bool defined = w.ok() && w.value().n_nonzero > 0;
  const std::string w_reason = w.ok() ? zero : w.status().message();
  keys.Number("wilcoxon_statistic", defined ? w.value().statistic : kNaN, w_reason);
  keys.Number("wilcoxon_p_value", defined ? w.value().p_value : kNaN, w_reason);
  keys.Flag("wilcoxon_significant", defined && w.value().p_value < kSignificance);
  keys.Count("wilcoxon_zero_differences",
             w.ok() ? w.value().n_zero : static_cast<int64_t>(s.new_scores.size()));
  if (defined)
    keys.Text("wilcoxon_method", std::string(stats::WilcoxonMethodName(w.value().method)));
}

template <typename T>
std::vector<double> AsDoubles(std::span<const T> values) {
  return std::vector<double>(values.begin(), values.end());
}

Status BinaryTests(Comparison& comparison, KeyWriter& keys, const Input& input,
                   const PairedScores& s, const Options& options) {
  PairedScoreTests(keys, s, options);
  const Result<stats::DeLongResult> delong = DeLongKeys(keys, input.labels, s, "", options);
  const stats::DeLongResult primary =
      delong.ok() ? delong.value()
                  : stats::DeLongResult{.difference = kNaN, .ci_lower = kNaN, .ci_upper = kNaN};
  keys.Flag("delong_significant", primary.p_value < kSignificance && !std::isnan(primary.ci_lower));
  VERDICT_RETURN_IF_ERROR(AddDecision(comparison, keys,
                                      {.metric = metric_keys::kAucRoc,
                                       .method = "delong",
                                       .estimate = primary.difference,
                                       .lower = primary.ci_lower,
                                       .upper = primary.ci_upper},
                                      "auc_decision", options.margin));
  keys.Count("bootstrap_resamples", options.bootstrap_resamples);
  const std::vector<double> new_ranks = metrics::DenseRanks(s.new_scores);
  const std::vector<double> previous_ranks = metrics::DenseRanks(s.previous_scores);
  VERDICT_RETURN_IF_ERROR(BootstrapDifference(
      comparison, keys, input, new_ranks, previous_ranks, metrics::AveragePrecisionOfRanks,
      metric_keys::kAveragePrecision, "ap_delta", "ap_decision", options));
  for (double t : options.thresholds) {
    const std::string at = "_at_" + FormatPythonFloat(t);
    const stats::Statistic f1 = [t](std::span<const int32_t> labels,
                                    std::span<const double> scores) {
      return metrics::F1AtThreshold(labels, scores, t);
    };
    VERDICT_RETURN_IF_ERROR(BootstrapDifference(
        comparison, keys, input, s.new_scores, s.previous_scores, f1,
        AtThreshold(metric_keys::kF1Score, t), "f1_delta" + at, "f1_decision" + at, options));
  }
  return Status::Ok();
}

Status CompareBinary(Comparison& comparison, KeyWriter& keys, const Input& input,
                     const Options& options) {
  const PairedScores s = ClassScores(input, 1);
  const metrics::Options metric_options = MetricOptions(options);
  VERDICT_ASSIGN_OR_RETURN(const metrics::Evaluation new_eval, NewEvaluation(input, [&] {
                             return metrics::EvaluateBinary(input.labels, s.new_scores,
                                                            metric_options);
                           }));
  VERDICT_ASSIGN_OR_RETURN(
      const metrics::Evaluation previous_eval,
      metrics::EvaluateBinary(input.labels, s.previous_scores, metric_options));
  for (const metrics::Curve& curve : new_eval.curves) {
    if (curve.name == "roc" || curve.name == "pr") comparison.new_curves.push_back(curve);
  }
  for (const metrics::Curve& curve : previous_eval.curves) {
    if (curve.name == "roc" || curve.name == "pr") comparison.previous_curves.push_back(curve);
  }
  comparison.summary = {
      .new_auc = EvaluationValue(new_eval, metric_keys::kAucRoc),
      .previous_auc = EvaluationValue(previous_eval, metric_keys::kAucRoc),
      .new_ap = EvaluationValue(new_eval, metric_keys::kAveragePrecision),
      .previous_ap = EvaluationValue(previous_eval, metric_keys::kAveragePrecision),
      .positive_rate = Mean(AsDoubles<int32_t>(input.labels)),
      .pearson_r = kNaN};
  if (const auto r = stats::Pearson(s.new_scores, s.previous_scores); r.ok()) {
    comparison.summary.pearson_r = r.value().statistic;
  }
  if (options.comparison_metrics)
    BinaryComparisonMetrics(keys, s, new_eval, previous_eval, options);
  const Correctness correctness = RowCorrectness(input, s, /*multiclass=*/false);
  VERDICT_RETURN_IF_ERROR(AddAgreement(comparison, keys, input, correctness, options));
  if (options.statistical_tests) {
    VERDICT_RETURN_IF_ERROR(BinaryTests(comparison, keys, input, s, options));
  }
  return Status::Ok();
}

std::vector<int32_t> OneVersusRest(std::span<const int32_t> labels, int cls) {
  std::vector<int32_t> binary(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) binary[i] = labels[i] == cls ? 1 : 0;
  return binary;
}

void MulticlassMetrics(KeyWriter& keys, const Input& input, const Correctness& correctness,
                       const metrics::Evaluation& new_eval,
                       const metrics::Evaluation& previous_eval) {
  WriteModelPair(keys, "auc_macro", "auc_macro_delta", "auc_macro_lift_percent",
                 EvaluationValue(new_eval, metric_keys::kAucRocMacro),
                 EvaluationValue(previous_eval, metric_keys::kAucRocMacro));
  WriteModelPair(keys, "ap_macro", "ap_macro_delta", "ap_macro_lift_percent",
                 EvaluationValue(new_eval, metric_keys::kAveragePrecisionMacro),
                 EvaluationValue(previous_eval, metric_keys::kAveragePrecisionMacro));
  const std::vector<double> new_correct = AsDoubles<uint8_t>(correctness.new_correct);
  const std::vector<double> previous_correct = AsDoubles<uint8_t>(correctness.previous_correct);
  WriteModelPair(keys, "accuracy", "accuracy_delta", "",
                 metrics::AccuracyOfCorrectness(new_correct),
                 metrics::AccuracyOfCorrectness(previous_correct));
  for (int c = 0; c < input.num_classes; ++c) {
    const std::string suffix = "_class_" + std::to_string(c);
    WriteModelPair(keys, "auc" + suffix, "auc_delta" + suffix, "",
                   EvaluationValue(new_eval, ForClass(metric_keys::kAucRoc, c)),
                   EvaluationValue(previous_eval, ForClass(metric_keys::kAucRoc, c)));
  }
  const size_t n = input.labels.size();
  const size_t k = static_cast<size_t>(input.num_classes);
  int64_t agree = 0;
  for (size_t i = 0; i < n; ++i) {
    agree += ArgMax(input.new_probabilities.subspan(i * k, k)) ==
             ArgMax(input.previous_scores.subspan(i * k, k));
  }
  keys.Number("prediction_agreement_argmax", static_cast<double>(agree) / static_cast<double>(n));
}

Status MulticlassTests(Comparison& comparison, KeyWriter& keys, const Input& input,
                       const Correctness& correctness, const Options& options) {
  const std::vector<double> new_correct = AsDoubles<uint8_t>(correctness.new_correct);
  const std::vector<double> previous_correct = AsDoubles<uint8_t>(correctness.previous_correct);
  keys.Count("bootstrap_resamples", options.bootstrap_resamples);
  const stats::Statistic accuracy = [](std::span<const int32_t>, std::span<const double> correct) {
    return metrics::AccuracyOfCorrectness(correct);
  };
  VERDICT_RETURN_IF_ERROR(BootstrapDifference(comparison, keys, input, new_correct,
                                              previous_correct, accuracy, metric_keys::kAccuracy,
                                              "accuracy_delta", "accuracy_decision", options));
  std::vector<double> p_values;
  for (int c = 0; c < input.num_classes; ++c) {
    const std::vector<int32_t> binary = OneVersusRest(input.labels, c);
    Result<stats::DeLongResult> d =
        DeLongKeys(keys, binary, ClassScores(input, c), "_class_" + std::to_string(c), options);
    p_values.push_back(d.ok() ? d.value().p_value : kNaN);
  }
  const std::vector<double> adjusted = stats::HolmAdjust(p_values);
  for (int c = 0; c < input.num_classes; ++c) {
    keys.Number("delong_p_value_holm_class_" + std::to_string(c), adjusted[c],
                "DeLong undefined for this class");
  }
  return Status::Ok();
}

Status CompareMulticlass(Comparison& comparison, KeyWriter& keys, const Input& input,
                         const Options& options) {
  std::vector<std::string> names = input.class_names;
  for (int c = static_cast<int>(names.size()); c < input.num_classes; ++c) {
    names.push_back(std::to_string(c));
  }
  const metrics::Options metric_options = MetricOptions(options);
  VERDICT_ASSIGN_OR_RETURN(const metrics::Evaluation new_eval, NewEvaluation(input, [&] {
                             return metrics::EvaluateMulticlass(
                                 input.labels, input.new_probabilities, input.num_classes, names,
                                 metric_options);
                           }));
  VERDICT_ASSIGN_OR_RETURN(const metrics::Evaluation previous_eval,
                           metrics::EvaluateMulticlass(input.labels, input.previous_scores,
                                                       input.num_classes, names, metric_options));
  const Correctness correctness = RowCorrectness(input, {}, /*multiclass=*/true);
  if (options.comparison_metrics) {
    MulticlassMetrics(keys, input, correctness, new_eval, previous_eval);
  }
  VERDICT_RETURN_IF_ERROR(AddAgreement(comparison, keys, input, correctness, options));
  if (options.statistical_tests) {
    VERDICT_RETURN_IF_ERROR(MulticlassTests(comparison, keys, input, correctness, options));
  }
  return Status::Ok();
}

}  // namespace

bool ComparisonMetricsEnabled(std::string_view value) { return value == "all" || value == "basic"; }

Result<Comparison> Compare(const Input& input, const Options& options) {
  VERDICT_RETURN_IF_ERROR(Validate(input, options));
  Comparison comparison;
  comparison.multiclass = input.num_classes > 2;
  comparison.rows = static_cast<int64_t>(input.labels.size());
  comparison.rows_without_previous = input.rows_without_previous;
  KeyWriter keys(comparison);
  keys.Count("comparison_rows", comparison.rows);
  keys.Count("comparison_rows_without_previous", input.rows_without_previous);
  if (comparison.multiclass) {
    VERDICT_RETURN_IF_ERROR(CompareMulticlass(comparison, keys, input, options));
  } else {
    VERDICT_RETURN_IF_ERROR(CompareBinary(comparison, keys, input, options));
  }
  if (!comparison.decisions.empty()) {
    comparison.decision = comparison.decisions.front().decision;
    keys.Text("comparison_decision", comparison.decision);
    keys.Text("comparison_decision_metric", comparison.decisions.front().metric);
    keys.Number("comparison_margin", options.margin);
  } else {
    keys.Note("no decision: STATISTICAL_TESTS is off");
  }
  if (!options.comparison_metrics) keys.Note("comparison metrics skipped (COMPARISON_METRICS)");
  return comparison;
}

const metrics::Metric* FindMetric(const Comparison& comparison, std::string_view name) {
  for (const metrics::Metric& m : comparison.metrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

}  // namespace verdict::comparison
