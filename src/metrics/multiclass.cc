// EvaluateMulticlass: one-vs-rest ranking metrics per class (each class's scores split by
// "label == c" and sorted), micro averages over the flattened N x K problem, and argmax metrics.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "metrics/intervals.h"
#include "metrics/metrics.h"
#include "metrics/naming.h"
#include "metrics/ranking.h"
#include "metrics/validation.h"

namespace verdict::metrics {
namespace {

using internal::ClassSortedScores;
using internal::CountMetric;
using internal::NullMetric;
using internal::NumberMetric;

constexpr double kDefaultThreshold = 0.5;

struct OneVsRest {
  int64_t support = 0;                      // rows whose label is the class
  std::optional<double> auc;                // undefined when the class is absent or alone
  std::optional<double> average_precision;  // undefined when the class is absent
  std::optional<double> f1_at_half;         // p_c > 0.5 against label == c
};

struct Averages {
  std::optional<double> macro;
  std::optional<double> weighted;
};

class MulticlassEvaluator {
 public:
  MulticlassEvaluator(std::span<const int32_t> labels, std::span<const double> probabilities,
                      int num_classes, const std::vector<std::string>& class_names,
                      const Options& options)
      : labels_(labels),
        probabilities_(probabilities),
        k_(num_classes),
        class_names_(class_names),
        options_(options),
        rows_(labels.size()) {}

  Evaluation Run() {
    std::vector<OneVsRest> classes;
    for (int c = 0; c < k_; ++c) classes.push_back(EvaluateClass(c));
    ComputeArgmaxConfusion();
    const ClassSortedScores micro = SortFlattened();
    const internal::RankingSummary micro_summary = internal::SummarizeRanking(micro, {});
    const Averages auc = Average(classes, &OneVsRest::auc);
    const Averages ap = Average(classes, &OneVsRest::average_precision);
    const std::vector<std::optional<double>> argmax_f1 = ArgmaxF1PerClass();

    AddOptional(keys::kAucRoc, auc.macro, "no class has both labels present");
    AddOptional(keys::kAveragePrecision, ap.macro, "no class is present in the labels");
    Add(NumberMetric(keys::kF1Score, MicroF1()));
    AddPerClass(classes);
    AddOptional(keys::kAucRocMacro, auc.macro, "no class has both labels present");
    Add(NumberMetric("auc_roc_micro", micro_summary.auc));
    AddOptional("auc_roc_weighted", auc.weighted, "no class has both labels present");
    AddOptional(keys::kAveragePrecisionMacro, ap.macro, "no class is present in the labels");
    Add(NumberMetric("average_precision_micro", micro_summary.average_precision));
    AddOptional("f1_score_macro", MacroOf(argmax_f1), "no class is present or predicted");
    Add(NumberMetric("f1_score_micro", MicroF1()));
    Add(NumberMetric("f1_score_weighted", WeightedOf(argmax_f1)));
    AddAccuracy();
    AddTopK();
    AddLogLoss();
    AddConfusionMatrix();
    AddClassCounts();
    return std::move(evaluation_);
  }

 private:
  double Probability(size_t row, int c) const { return probabilities_[row * k_ + c]; }

  double RowSum(size_t row) const {
    double sum = 0;
    for (int c = 0; c < k_; ++c) sum += Probability(row, c);
    return sum;
  }

  // The first row whose probabilities do not sum to 1 within kRowSumTolerance (float32 softmax
  // rounding); log loss on such rows would be a number with no meaning.
  std::optional<size_t> RowNotSummingToOne() const {
    for (size_t row = 0; row < rows_; ++row) {
      if (std::abs(RowSum(row) - 1) > kRowSumTolerance) return row;
    }
    return std::nullopt;
  }

  void Add(Metric metric) { evaluation_.metrics.push_back(std::move(metric)); }
  void AddOptional(std::string name, const std::optional<double>& value, std::string reason) {
    Add(value ? NumberMetric(std::move(name), *value)
              : NullMetric(std::move(name), std::move(reason)));
  }

  OneVsRest EvaluateClass(int c) {
    const ClassSortedScores sorted = internal::SortByClass(
        rows_, [&](size_t row) { return labels_[row] == c; },
        [&](size_t row) { return Probability(row, c); });
    OneVsRest result;
    result.support = sorted.PositiveCount();
    const std::string suffix = "_class_" + std::to_string(c);
    if (sorted.positives.empty()) {
      evaluation_.notes.push_back("class " + std::to_string(c) + " (" + class_names_[c] +
                                  ") absent from labels: its AUC and AP are null and left out "
                                  "of macro averages");
    }
    const bool both_present = !sorted.positives.empty() && !sorted.negatives.empty();
    if (!sorted.positives.empty()) {
      const internal::RankingSummary summary = internal::SummarizeRanking(sorted, {});
      result.average_precision = summary.average_precision;
      if (both_present) result.auc = summary.auc;
      AddCurve("pr" + suffix, internal::PrecisionRecallCurve(sorted, MaxCurvePoints()));
    }
    if (both_present) AddCurve("roc" + suffix, internal::RocCurve(sorted, MaxCurvePoints()));
    const internal::ThresholdCounts counts =
        internal::CountAtThreshold(sorted, kDefaultThreshold, internal::Inclusion::kStrict);
    const int64_t denominator = counts.true_positives + counts.false_positives + counts.positives;
    if (denominator > 0) {
      result.f1_at_half =
          2.0 * static_cast<double>(counts.true_positives) / static_cast<double>(denominator);
    }
    return result;
  }

  size_t MaxCurvePoints() const { return static_cast<size_t>(options_.max_curve_points); }

  void AddCurve(std::string name, internal::CurvePoints kept) {
    evaluation_.curves.push_back(
        {std::move(name), std::move(kept.x), std::move(kept.y), std::move(kept.thresholds)});
  }

  ClassSortedScores SortFlattened() {
    return internal::SortByClass(
        rows_ * k_, [&](size_t i) { return labels_[i / k_] == static_cast<int32_t>(i % k_); },
        [&](size_t i) { return probabilities_[i]; });
  }

  // Means over the classes where the value is defined; weights are class supports.
  Averages Average(const std::vector<OneVsRest>& classes,
                   std::optional<double> OneVsRest::*member) const {
    double sum = 0, weighted_sum = 0, weight = 0;
    int defined = 0;
    for (const OneVsRest& one : classes) {
      if (!(one.*member)) continue;
      sum += *(one.*member);
      weighted_sum += static_cast<double>(one.support) * *(one.*member);
      weight += static_cast<double>(one.support);
      ++defined;
    }
    if (defined == 0) return {};
    return {sum / defined, weighted_sum / weight};
  }

  // Predicted class of a row: the first index of the highest probability.
  int Argmax(size_t row) const {
    int best = 0;
    for (int c = 1; c < k_; ++c) {
      if (Probability(row, c) > Probability(row, best)) best = c;
    }
    return best;
  }

  void ComputeArgmaxConfusion() {
    confusion_.assign(static_cast<size_t>(k_) * k_, 0);
    for (size_t row = 0; row < rows_; ++row) ++confusion_[labels_[row] * k_ + Argmax(row)];
  }

  int64_t Confusion(int truth, int predicted) const { return confusion_[truth * k_ + predicted]; }

  int64_t CorrectCount() const {
    int64_t correct = 0;
    for (int c = 0; c < k_; ++c) correct += Confusion(c, c);
    return correct;
  }

  int64_t Support(int c) const {
    int64_t total = 0;
    for (int predicted = 0; predicted < k_; ++predicted) total += Confusion(c, predicted);
    return total;
  }

  int64_t PredictedCount(int c) const {
    int64_t total = 0;
    for (int truth = 0; truth < k_; ++truth) total += Confusion(truth, c);
    return total;
  }

  // Single-label micro F1: every error is one FP and one FN, so it equals accuracy.
  double MicroF1() const {
    return static_cast<double>(CorrectCount()) / static_cast<double>(rows_);
  }

  std::vector<std::optional<double>> ArgmaxF1PerClass() const {
    std::vector<std::optional<double>> f1(k_);
    for (int c = 0; c < k_; ++c) {
      const int64_t denominator = Support(c) + PredictedCount(c);
      if (denominator > 0) {
        f1[c] = 2.0 * static_cast<double>(Confusion(c, c)) / static_cast<double>(denominator);
      }
    }
    return f1;
  }

  static std::optional<double> MacroOf(const std::vector<std::optional<double>>& values) {
    double sum = 0;
    int defined = 0;
    for (const auto& value : values) {
      if (!value) continue;
      sum += *value;
      ++defined;
    }
    if (defined == 0) return std::nullopt;
    return sum / defined;
  }

  double WeightedOf(const std::vector<std::optional<double>>& values) const {
    double sum = 0;
    for (int c = 0; c < k_; ++c) {
      if (values[c]) sum += static_cast<double>(Support(c)) * *values[c];
    }
    return sum / static_cast<double>(rows_);
  }

  void AddPerClass(const std::vector<OneVsRest>& classes) {
    for (int c = 0; c < k_; ++c) {
      const OneVsRest& one = classes[c];
      AddOptional(keys::ForClass(keys::kAucRoc, c), one.auc,
                  one.support == 0 ? "class absent from labels" : "every row has this class");
      AddOptional(keys::ForClass(keys::kAveragePrecision, c), one.average_precision,
                  "class absent from labels");
      AddOptional(keys::ForClass(keys::kF1Score, c), one.f1_at_half,
                  "class absent from labels and never predicted (p > 0.5)");
    }
  }

  void AddAccuracy() {
    const int64_t correct = CorrectCount();
    const int64_t rows = static_cast<int64_t>(rows_);
    Add(NumberMetric(keys::kAccuracy, static_cast<double>(correct) / static_cast<double>(rows)));
    const internal::Interval interval =
        internal::WilsonInterval(correct, rows, options_.confidence_level);
    Add(NumberMetric("accuracy_ci_lower", interval.lower));
    Add(NumberMetric("accuracy_ci_upper", interval.upper));
  }

  // The true class is in the top k when fewer than k classes outrank it; on equal
  // probabilities the higher class index ranks first (as scikit-learn's top_k_accuracy_score).
  bool InTopK(size_t row, int k) const {
    const int truth = labels_[row];
    const double p = Probability(row, truth);
    int outranking = 0;
    for (int c = 0; c < k_; ++c) {
      const double q = Probability(row, c);
      if (q > p || (q == p && c > truth)) ++outranking;
    }
    return outranking < k;
  }

  void AddTopK() {
    for (int k : options_.top_k) {
      if (k >= k_) continue;
      int64_t hits = 0;
      for (size_t row = 0; row < rows_; ++row) hits += InTopK(row, k) ? 1 : 0;
      Add(NumberMetric("top_" + std::to_string(k) + "_accuracy",
                       static_cast<double>(hits) / static_cast<double>(rows_)));
    }
  }

  void AddLogLoss() {
    const auto [lowest, highest] =
        std::minmax_element(probabilities_.begin(), probabilities_.end());
    if (*lowest < 0 || *highest > 1) {
      Add(NullMetric("log_loss", "probabilities outside [0, 1]"));
      return;
    }
    if (const std::optional<size_t> row = RowNotSummingToOne()) {
      // Computed as scikit-learn does (no renormalisation), with the warning it gives too.
      evaluation_.notes.push_back("the probabilities of row " + std::to_string(*row) + " sum to " +
                                  FormatShortest(RowSum(*row)) +
                                  ", not 1: log_loss takes them as they are; make sure the "
                                  "score columns are probabilities");
    }
    constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
    double sum = 0;
    for (size_t row = 0; row < rows_; ++row) {
      sum -= std::log(std::clamp(Probability(row, labels_[row]), kEpsilon, 1.0 - kEpsilon));
    }
    Add(NumberMetric("log_loss", sum / static_cast<double>(rows_)));
  }

  void AddConfusionMatrix() {
    for (int truth = 0; truth < k_; ++truth) {
      for (int predicted = 0; predicted < k_; ++predicted) {
        Add(CountMetric(
            "confusion_matrix_true_" + std::to_string(truth) + "_pred_" + std::to_string(predicted),
            Confusion(truth, predicted)));
      }
    }
  }

  void AddClassCounts() {
    for (int c = 0; c < k_; ++c) {
      Add(CountMetric("class_" + class_names_[c] + "_count", Support(c)));
      Add(NumberMetric("class_" + class_names_[c] + "_ratio",
                       static_cast<double>(Support(c)) / static_cast<double>(rows_)));
    }
    Add(CountMetric("count", static_cast<int64_t>(rows_)));
  }

  std::span<const int32_t> labels_;
  std::span<const double> probabilities_;
  const int k_;
  const std::vector<std::string>& class_names_;
  const Options& options_;
  const size_t rows_;
  std::vector<int64_t> confusion_;
  Evaluation evaluation_;
};

}  // namespace

Result<Evaluation> EvaluateMulticlass(std::span<const int32_t> labels,
                                      std::span<const double> probabilities, int num_classes,
                                      const std::vector<std::string>& class_names,
                                      const Options& options) {
  VERDICT_RETURN_IF_ERROR(internal::ValidateOptions(options));
  if (num_classes < 2) return InvalidArgument("multiclass evaluation needs at least 2 classes");
  if (class_names.size() != static_cast<size_t>(num_classes)) {
    return InvalidArgument(std::to_string(class_names.size()) + " class names for " +
                           std::to_string(num_classes) + " classes");
  }
  VERDICT_RETURN_IF_ERROR(internal::ValidateInput(labels, probabilities, num_classes, num_classes));
  return MulticlassEvaluator(labels, probabilities, num_classes, class_names, options).Run();
}

}  // namespace verdict::metrics
