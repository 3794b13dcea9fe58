#include "metrics/binary_metrics.h"

#include <cmath>
#include <future>
#include <optional>
#include <utility>

#include "metrics/calibration.h"
#include "metrics/naming.h"

namespace verdict::metrics::internal {
namespace {

constexpr char kNoPositives[] = "no positive rows (label 1)";
constexpr char kNoNegatives[] = "no negative rows (label 0)";
constexpr char kNotProbabilities[] = "scores outside [0, 1] are not probabilities";
constexpr double kDefaultThreshold = 0.5;

using keys::AtThreshold;

std::string RecallAtPrecisionKey(double precision) {
  return "recall_at_precision_" + FormatPythonFloat(precision);
}

// Counts of the 2x2 confusion matrix at one decision rule.
struct Confusion {
  int64_t tp, fp, fn, tn;
};

Confusion ConfusionOf(const ThresholdCounts& counts) {
  return {counts.true_positives, counts.false_positives, counts.positives - counts.true_positives,
          counts.negatives - counts.false_positives};
}

class BinaryMetricBuilder {
 public:
  // The probability metrics (one pass each over every row) are summed on a second thread while
  // the ranking walk runs here; each is computed whole by one thread, so the result is the same.
  BinaryMetricBuilder(const ClassSortedScores& sorted, const Options& options)
      : sorted_(sorted),
        options_(options),
        m_(sorted.PositiveCount()),
        n_(sorted.NegativeCount()),
        probability_(std::async(std::launch::async,
                                [&sorted, &options] { return Probability(sorted, options); })),
        summary_(SummarizeRanking(sorted, options.recall_at_precision)) {}

  BinaryEstimates Build() {
    AddRanking();
    AddF1(std::string(keys::kF1Score), Confusion05());
    for (double threshold : options_.thresholds) AddThresholdMetrics(threshold);
    AddDecisionMetrics(Confusion05());
    AddProbabilityMetrics();
    AddOptimalF1();
    for (size_t level = 0; level < options_.recall_at_precision.size(); ++level) {
      AddRecallAtPrecision(options_.recall_at_precision[level],
                           summary_.recall_at_precision_points[level]);
    }
    AddCounts();
    return std::move(estimates_);
  }

 private:
  // The decision rule of f1_score, accuracy, MCC and the confusion matrix: p > 0.5.
  Confusion Confusion05() const {
    return ConfusionOf(CountAtThreshold(sorted_, kDefaultThreshold, Inclusion::kStrict));
  }

  const char* MissingClassReason() const { return m_ == 0 ? kNoPositives : kNoNegatives; }

  void Number(std::string name, double value) {
    estimates_.metrics.push_back(NumberMetric(std::move(name), value));
  }
  void Count(std::string name, int64_t value) {
    estimates_.metrics.push_back(CountMetric(std::move(name), value));
  }
  void Null(std::string name, std::string reason) {
    estimates_.metrics.push_back(NullMetric(std::move(name), std::move(reason)));
  }
  void AddInterval(const std::string& name, std::optional<Interval> interval,
                   std::string null_reason) {
    estimates_.intervals.push_back({name, interval, std::move(null_reason)});
  }

  // A proportion successes / trials with its Wilson interval; null when trials == 0.
  void Rate(const std::string& name, int64_t successes, int64_t trials, const char* reason) {
    if (trials == 0) {
      Null(name, reason);
      AddInterval(name, std::nullopt, reason);
      return;
    }
    Number(name, static_cast<double>(successes) / static_cast<double>(trials));
    AddInterval(name, WilsonInterval(successes, trials, options_.confidence_level), "");
  }

  void AddRanking() {
    if (m_ == 0 || n_ == 0) {
      Null(keys::kAucRoc, MissingClassReason());
      AddInterval(keys::kAucRoc, std::nullopt, MissingClassReason());
    } else {
      Number(keys::kAucRoc, summary_.auc);
      if (std::isnan(summary_.auc_variance)) {
        AddInterval(keys::kAucRoc, std::nullopt, "DeLong variance needs two rows of each class");
      } else {
        AddInterval(keys::kAucRoc,
                    NormalIntervalInUnitRange(summary_.auc, summary_.auc_variance,
                                              options_.confidence_level),
                    "");
      }
    }
    if (m_ == 0) {
      Null(keys::kAveragePrecision, kNoPositives);
    } else {
      Number(keys::kAveragePrecision, summary_.average_precision);
    }
  }

  void AddF1(std::string name, const Confusion& c) {
    const int64_t denominator = 2 * c.tp + c.fp + c.fn;
    if (denominator == 0) {
      Null(std::move(name), "no positive rows and none predicted positive");
    } else {
      Number(std::move(name), 2.0 * static_cast<double>(c.tp) / static_cast<double>(denominator));
    }
  }

  void AddThresholdMetrics(double threshold) {
    const Confusion c = ConfusionOf(CountAtThreshold(sorted_, threshold, Inclusion::kInclusive));
    AddF1(AtThreshold(keys::kF1Score, threshold), c);
    Rate(AtThreshold("precision", threshold), c.tp, c.tp + c.fp,
         "no row predicted positive at this threshold");
    Rate(AtThreshold("recall", threshold), c.tp, m_, kNoPositives);
  }

  void AddDecisionMetrics(const Confusion& c) {
    Rate(keys::kAccuracy, c.tp + c.tn, m_ + n_, "no rows");
    if (m_ == 0 || n_ == 0) {
      Null("balanced_accuracy", MissingClassReason());
    } else {
      Number("balanced_accuracy", (static_cast<double>(c.tp) / static_cast<double>(m_) +
                                   static_cast<double>(c.tn) / static_cast<double>(n_)) /
                                      2);
    }
    AddMatthews(c);
    Count("confusion_matrix_true_0_pred_0", c.tn);
    Count("confusion_matrix_true_0_pred_1", c.fp);
    Count("confusion_matrix_true_1_pred_0", c.fn);
    Count("confusion_matrix_true_1_pred_1", c.tp);
  }

  void AddMatthews(const Confusion& c) {
    const double tp = static_cast<double>(c.tp), fp = static_cast<double>(c.fp);
    const double fn = static_cast<double>(c.fn), tn = static_cast<double>(c.tn);
    const double product = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn);
    if (product == 0) {
      Null("mcc", "a row or column of the confusion matrix is empty");
    } else {
      Number("mcc", (tp * tn - fp * fn) / std::sqrt(product));
    }
  }

  // Log loss, Brier score and expected calibration error; nullopt unless every score is a
  // probability.
  struct ProbabilityMetrics {
    double log_loss = 0;
    double brier_score = 0;
    double expected_calibration_error = 0;
  };
  static std::optional<ProbabilityMetrics> Probability(const ClassSortedScores& sorted,
                                                       const Options& options) {
    if (!ScoresAreProbabilities(sorted)) return std::nullopt;
    return ProbabilityMetrics{
        BinaryLogLoss(sorted), BrierScore(sorted),
        ExpectedCalibrationError(CalibrationBins(sorted, options.calibration_bins))};
  }

  void AddProbabilityMetrics() {
    const std::optional<ProbabilityMetrics> probability = probability_.get();
    if (!probability) {
      for (const char* name : {"log_loss", "brier_score", "expected_calibration_error"}) {
        Null(name, kNotProbabilities);
      }
      return;
    }
    Number("log_loss", probability->log_loss);
    Number("brier_score", probability->brier_score);
    Number("expected_calibration_error", probability->expected_calibration_error);
  }

  void AddOptimalF1() {
    const char* names[] = {"f1_optimal_threshold", "f1_optimal_f1_score", "f1_optimal_precision",
                           "f1_optimal_recall"};
    if (m_ == 0) {
      for (const char* name : names) Null(name, kNoPositives);
      return;
    }
    const OperatingPoint& best = summary_.best_f1_point;
    Number(names[0], best.threshold);
    Number(names[1], F1AtPoint(best, m_));
    Number(names[2], static_cast<double>(best.true_positives) /
                         static_cast<double>(best.true_positives + best.false_positives));
    Number(names[3], static_cast<double>(best.true_positives) / static_cast<double>(m_));
  }

  void AddRecallAtPrecision(double precision, const OperatingPoint& best) {
    const std::string key = RecallAtPrecisionKey(precision);
    if (m_ == 0) {
      Null(key, kNoPositives);
      Null(key + "_threshold", kNoPositives);
      return;
    }
    Number(key, static_cast<double>(best.true_positives) / static_cast<double>(m_));
    if (best.true_positives == 0) {
      Null(key + "_threshold", "no threshold reaches this precision");
    } else {
      Number(key + "_threshold", best.threshold);
    }
  }

  void AddCounts() {
    Count("count", m_ + n_);
    Count("positive_count", m_);
    Count("negative_count", n_);
    Rate("positive_rate", m_, m_ + n_, "no rows");
  }

  const ClassSortedScores& sorted_;
  const Options& options_;
  const int64_t m_;
  const int64_t n_;
  std::future<std::optional<ProbabilityMetrics>> probability_;
  const RankingSummary summary_;
  BinaryEstimates estimates_;
};

}  // namespace

BinaryEstimates EstimateBinary(const ClassSortedScores& sorted, const Options& options) {
  return BinaryMetricBuilder(sorted, options).Build();
}

std::vector<std::string> BootstrapMetricNames(const Options& options) {
  std::vector<std::string> names = {keys::kAveragePrecision, std::string(keys::kF1Score)};
  for (double threshold : options.thresholds) {
    names.push_back(AtThreshold(keys::kF1Score, threshold));
  }
  for (const char* name :
       {"balanced_accuracy", "mcc", "log_loss", "brier_score", "expected_calibration_error"}) {
    names.push_back(name);
  }
  return names;
}

std::vector<Metric> WithIntervals(const std::vector<Metric>& metrics,
                                  const std::vector<NamedInterval>& intervals) {
  std::vector<Metric> result;
  for (const Metric& metric : metrics) {
    result.push_back(metric);
    for (const NamedInterval& named : intervals) {
      if (named.metric != metric.name) continue;
      if (named.interval) {
        result.push_back(NumberMetric(metric.name + "_ci_lower", named.interval->lower));
        result.push_back(NumberMetric(metric.name + "_ci_upper", named.interval->upper));
      } else {
        result.push_back(NullMetric(metric.name + "_ci_lower", named.null_reason));
        result.push_back(NullMetric(metric.name + "_ci_upper", named.null_reason));
      }
    }
  }
  return result;
}

}  // namespace verdict::metrics::internal
