// metrics: classification metrics from labels and predicted probabilities.
//
// Input is the evaluation's ground truth as class indices 0..K-1 and the model's probabilities.
// Output is an ordered list of named metrics (the keys of metrics.json, see docs/metrics.md)
// plus the curves the report draws. Nothing here reads files or knows about models.
//
// Usage:
//   metrics::Options options;                       // thresholds 0.3/0.5/0.7, ...
//   VERDICT_ASSIGN_OR_RETURN(metrics::Evaluation ev,
//                            metrics::EvaluateBinary(labels, p_class_1, options));
//   for (const metrics::Metric& m : ev.metrics) ...  // name, value (or null + reason)
//
// Conventions (the full list with definitions is docs/metrics.md, printed by
// `verdict metrics --list` from Registry()):
//   - binary: the positive class is index 1 and the score is P(class 1);
//   - undefined values (e.g. AUC with one class present) are null with a reason, and every other
//     metric is still computed;
//   - NaN or infinite scores, labels outside 0..K-1, mismatched lengths and empty input are
//     InvalidData errors naming the first offending row (0-based data row index);
//   - f1_score, accuracy, MCC and the binary confusion matrix use p > 0.5 (strict);
//     *_at_<T> keys use p >= T (inclusive), T spelled as Python's str(float);
//   - multiclass headline keys: auc_roc = auc_roc_macro, average_precision =
//     average_precision_macro, f1_score = f1_score_micro (the seed's PyTorch evaluation);
//   - ranking metrics and curves are exact with tied scores (computed by sorting each class's
//     scores once; 32-bit radix keys when every score is a float32 value).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/core.h"
#include "numeric/numeric.h"

namespace verdict::metrics {

// A metric value: null (undefined, see Metric::null_reason), a real number, a count or a flag.
using Value = std::variant<std::monostate, double, int64_t, bool>;

// One entry of metrics.json.
struct Metric {
  std::string name;         // e.g. "auc_roc", "f1_score_at_0.3", "auc_roc_class_2"
  Value value;              // std::monostate when undefined
  std::string null_reason;  // why the value is undefined (empty otherwise)
};

// A curve as parallel arrays of points, in drawing order.
struct Curve {
  std::string name;  // "roc", "pr", "roc_class_0", ...
  std::vector<double> x;
  std::vector<double> y;
  std::vector<double> thresholds;  // score threshold of each point (may be empty)
};

// Default thresholds of the *_at_<T> keys (the seed's), shared by comparison, pipeline and cli.
inline const std::vector<double> kDefaultThresholds = {0.3, 0.5, 0.7};
// How far a row of class probabilities may sum from 1 and still count as probabilities (float32
// softmax rounding is about 1e-7 per class). Beyond it, multiclass log loss warns (and is still
// computed, as scikit-learn does) and eval refuses the model's outputs.
inline constexpr double kRowSumTolerance = 1e-4;

// Names of the keys other stages read back (report headlines, comparison). The metric code
// writes them through these names too, so a renamed key cannot leave a reader behind.
namespace keys {
inline constexpr char kAucRoc[] = "auc_roc";
inline constexpr char kAveragePrecision[] = "average_precision";
inline constexpr char kF1Score[] = "f1_score";
inline constexpr char kAccuracy[] = "accuracy";
inline constexpr char kAucRocMacro[] = "auc_roc_macro";
inline constexpr char kAveragePrecisionMacro[] = "average_precision_macro";
// "<prefix>_at_<T>", T spelled as Python's str(float): AtThreshold(kF1Score, 0.3) is
// "f1_score_at_0.3".
std::string AtThreshold(std::string_view prefix, double threshold);
// "<prefix>_class_<c>", e.g. ForClass(kAucRoc, 2) is "auc_roc_class_2".
std::string ForClass(std::string_view prefix, int class_index);
}  // namespace keys

struct Options {
  // Thresholds for f1_score_at_T, precision_at_T, recall_at_T (predicted positive iff p >= T).
  std::vector<double> thresholds = kDefaultThresholds;
  // Number of equal-width bins on [0, 1] for the expected calibration error and the
  // reliability diagram.
  int calibration_bins = 10;
  // Precision levels for recall_at_precision_P.
  std::vector<double> recall_at_precision = {0.9};
  // k values for top_k_accuracy (multiclass; k < K only).
  std::vector<int> top_k = {2, 3};
  // Stratified bootstrap resamples for confidence intervals of threshold metrics (0 = off).
  int bootstrap_resamples = 0;
  uint64_t bootstrap_seed = numeric::kDefaultSeed;
  double confidence_level = numeric::kDefaultConfidenceLevel;
  // Curves are computed exactly; for reports they are down-sampled to at most this many points
  // (evenly along the curve's length, first and last point kept).
  int max_curve_points = 2000;
};

struct Evaluation {
  std::vector<Metric> metrics;     // metrics.json order
  std::vector<Curve> curves;       // down-sampled for reports
  std::vector<std::string> notes;  // human-readable remarks (e.g. "class 2 absent from labels")
};

// The metric called `key`, or nullptr when `metrics` has none.
const Metric* Find(const std::vector<Metric>& metrics, std::string_view key);
// The numeric value (a real number or a count) of the metric called `key`; NaN when it is null.
// The key must be present: reading a key the evaluation does not write is a programming error
// and aborts (VERDICT_CHECK), so a renamed key fails every test that reads it instead of turning
// into a silent NaN.
double Number(const std::vector<Metric>& metrics, std::string_view key);

// Binary evaluation. `scores[i]` is P(class 1) of row i (any finite score works for the ranking
// and threshold metrics; log loss, Brier score and ECE are null unless all lie in [0, 1]);
// `labels[i]` is 0 or 1. Curves: "roc", "pr", "calibration". Intervals: DeLong (AUC), Wilson
// (rates) and, when options.bootstrap_resamples > 0, a stratified percentile bootstrap.
Result<Evaluation> EvaluateBinary(std::span<const int32_t> labels, std::span<const double> scores,
                                  const Options& options);

// Multiclass evaluation (K >= 2). `probabilities` is row-major [N, K] (row i at i*K).
// `class_names[c]` is the label value of class c as it appears in the data (used for
// class_<c>_count keys). One-vs-rest per class; macro averages leave out classes where the
// per-class value is undefined. Curves: "roc_class_<i>", "pr_class_<i>".
Result<Evaluation> EvaluateMulticlass(std::span<const int32_t> labels,
                                      std::span<const double> probabilities, int num_classes,
                                      const std::vector<std::string>& class_names,
                                      const Options& options);

// DeLong's structural components of the AUC of one scorer (DeLong, DeLong & Clarke-Pearson 1988;
// the fast O(n log n) algorithm of Sun & Xu 2014). `positive_placements[i]` is V10 of the i-th
// positive row (fraction of negatives scored below it, ties counting one half), in row order;
// `negative_placements[j]` is V01 of the j-th negative row (fraction of positives scored above
// it). AUC = mean(V10) = mean(V01). Used for the AUC confidence interval here and for the paired
// DeLong test in stats/. Errors: empty input, labels other than 0/1, one class absent,
// non-finite scores, mismatched lengths.
struct DeLongPlacements {
  double auc = 0;
  std::vector<double> positive_placements;
  std::vector<double> negative_placements;
};
Result<DeLongPlacements> ComputeDeLongPlacements(std::span<const int32_t> labels,
                                                 std::span<const double> scores);

// ---------------------------------------------------------------------------------------------
// Per-metric kernels over plain label and score arrays, for callers that recompute one metric
// many times on resampled rows (comparison's paired bootstrap). Labels are 0/1 (1 = positive).
// Each returns NaN where the metric is undefined, and agrees with the key of the same name that
// EvaluateBinary writes.

// Dense ranks of `scores` as doubles (0 = lowest; equal scores share a rank). Ranking metrics on
// the ranks equal those on the scores, and let AveragePrecisionOfRanks count instead of sort.
std::vector<double> DenseRanks(std::span<const double> scores);
// average_precision (scikit-learn's step-wise sum) of rows scored by their dense ranks; NaN
// without positives. O(N + max rank).
double AveragePrecisionOfRanks(std::span<const int32_t> labels, std::span<const double> ranks);
// f1_score_at_<T>: F1 with a row predicted positive iff score >= threshold; NaN when there is no
// positive label and no positive prediction.
double F1AtThreshold(std::span<const int32_t> labels, std::span<const double> scores,
                     double threshold);
// accuracy from per-row correctness flags (1 = correct, 0 = wrong); NaN when empty.
double AccuracyOfCorrectness(std::span<const double> correct);

// The documented metric keys, one entry per key pattern (e.g. "auc_roc_class_<i>").
struct RegistryEntry {
  std::string key;         // key or key pattern
  std::string task;        // "binary", "multiclass" or "both"
  std::string definition;  // one line: formula and conventions
};
const std::vector<RegistryEntry>& Registry();

}  // namespace verdict::metrics
