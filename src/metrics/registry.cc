// Registry(): the documented metric keys, one entry per key pattern. docs/metrics.md lists the
// same keys (a test checks both directions and that every emitted key matches an entry).
// Placeholders: <T> a threshold and <P> a precision level, spelled as Python's str(float);
// <i>, <j> class indices; <k> an integer; <c> a class label as it appears in the data.
#include "metrics/metrics.h"

namespace verdict::metrics {

const std::vector<RegistryEntry>& Registry() {
  static const std::vector<RegistryEntry> kRegistry = {
      // Headline keys (the seed pipeline's names).
      {"auc_roc", "binary",
       "area under the ROC curve of P(class 1), tied scores counting one half (Mann-Whitney U / "
       "(m n)); null unless both classes are present"},
      {"auc_roc", "multiclass", "equals auc_roc_macro (the seed's PyTorch evaluation)"},
      {"average_precision", "binary",
       "step-wise average precision, sum over distinct thresholds of (R_k - R_{k-1}) P_k (no "
       "interpolation); null without positives"},
      {"average_precision", "multiclass", "equals average_precision_macro"},
      {"f1_score", "binary", "F1 of the rule p > 0.5 (strict); null when 2TP + FP + FN = 0"},
      {"f1_score", "multiclass", "equals f1_score_micro (argmax)"},
      // Binary threshold metrics.
      {"f1_score_at_<T>", "binary", "F1 of the rule p >= T (inclusive)"},
      {"precision_at_<T>", "binary",
       "TP / (TP + FP) of the rule p >= T; null when nothing is predicted positive"},
      {"recall_at_<T>", "binary", "TP / (TP + FN) of the rule p >= T; null without positives"},
      {"accuracy", "both",
       "share of rows predicted right: binary rule p > 0.5, multiclass argmax (first index on "
       "ties)"},
      {"balanced_accuracy", "binary",
       "(TPR + TNR) / 2 of the rule p > 0.5; null unless both classes are present"},
      {"mcc", "binary",
       "Matthews correlation (TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) of the rule "
       "p > 0.5; null when a factor is 0"},
      {"confusion_matrix_true_<i>_pred_<j>", "both",
       "rows of true class i predicted as class j: binary rule p > 0.5, multiclass argmax"},
      // Probability quality.
      {"log_loss", "both",
       "mean -log(p of the true class), p clipped to [eps, 1 - eps] with eps = 2^-52 as "
       "scikit-learn (binary: 1 - p for class 0); null when a probability is outside [0, 1]; "
       "multiclass rows not summing to 1 (within 1e-4) are taken as they are, with a warning"},
      {"brier_score", "binary", "mean (y - p)^2; null when a score is outside [0, 1]"},
      {"expected_calibration_error", "binary",
       "sum over bins of abs(positive share - mean p) x bin share; calibration_bins equal-width "
       "bins [k/B, (k+1)/B), the last closed at 1 (L1)"},
      // Operating points.
      {"f1_optimal_threshold", "binary",
       "the score threshold T (rule p >= T, T a score in the data) with the highest F1; the "
       "highest such T on ties"},
      {"f1_optimal_f1_score", "binary", "F1 at f1_optimal_threshold"},
      {"f1_optimal_precision", "binary", "precision at f1_optimal_threshold"},
      {"f1_optimal_recall", "binary", "recall at f1_optimal_threshold"},
      {"recall_at_precision_<P>", "binary",
       "highest recall over thresholds (p >= T) whose precision is >= P; 0 when none is"},
      {"recall_at_precision_<P>_threshold", "binary",
       "the highest threshold reaching recall_at_precision_<P>; null when no threshold reaches "
       "precision P"},
      // Counts.
      {"count", "both", "number of rows"},
      {"positive_count", "binary", "rows with label 1"},
      {"negative_count", "binary", "rows with label 0"},
      {"positive_rate", "binary", "positive_count / count"},
      {"class_<c>_count", "multiclass", "rows whose label is class c (c as in the data)"},
      {"class_<c>_ratio", "multiclass", "class_<c>_count / count"},
      // Multiclass one-vs-rest and averages.
      {"auc_roc_class_<i>", "multiclass",
       "one-vs-rest AUC of column i against label == i; null when class i is absent or alone"},
      {"average_precision_class_<i>", "multiclass",
       "one-vs-rest average precision of column i; null when class i is absent"},
      {"f1_score_class_<i>", "multiclass",
       "F1 of the rule p_i > 0.5 (strict) against label == i; null when 2TP + FP + FN = 0"},
      {"auc_roc_macro", "multiclass", "mean of the defined auc_roc_class_<i>"},
      {"auc_roc_micro", "multiclass",
       "AUC of the flattened N x K problem (every probability against label == its column)"},
      {"auc_roc_weighted", "multiclass",
       "mean of the defined auc_roc_class_<i> weighted by class support"},
      {"average_precision_macro", "multiclass", "mean of the defined average_precision_class_<i>"},
      {"average_precision_micro", "multiclass", "average precision of the flattened N x K problem"},
      {"f1_score_macro", "multiclass",
       "mean over classes of argmax F1 (classes absent and never predicted left out)"},
      {"f1_score_micro", "multiclass", "argmax F1 pooled over classes (equals accuracy)"},
      {"f1_score_weighted", "multiclass", "argmax F1 per class weighted by class support"},
      {"top_<k>_accuracy", "multiclass",
       "share of rows whose true class is among the k most probable (ties: higher index first, "
       "as scikit-learn); only for k < K"},
      // Confidence intervals (two-sided, Options::confidence_level).
      {"auc_roc_ci_lower", "binary", "DeLong interval of auc_roc, clipped to [0, 1]: lower end"},
      {"auc_roc_ci_upper", "binary", "DeLong interval of auc_roc, clipped to [0, 1]: upper end"},
      {"accuracy_ci_lower", "both", "Wilson score interval of accuracy: lower end"},
      {"accuracy_ci_upper", "both", "Wilson score interval of accuracy: upper end"},
      {"precision_at_<T>_ci_lower", "binary", "Wilson interval of precision_at_<T>: lower end"},
      {"precision_at_<T>_ci_upper", "binary", "Wilson interval of precision_at_<T>: upper end"},
      {"recall_at_<T>_ci_lower", "binary", "Wilson interval of recall_at_<T>: lower end"},
      {"recall_at_<T>_ci_upper", "binary", "Wilson interval of recall_at_<T>: upper end"},
      {"positive_rate_ci_lower", "binary", "Wilson interval of positive_rate: lower end"},
      {"positive_rate_ci_upper", "binary", "Wilson interval of positive_rate: upper end"},
      {"<bootstrapped>_ci_lower", "binary",
       "with bootstrap_resamples > 0, for <bootstrapped> in average_precision, f1_score, "
       "f1_score_at_<T>, balanced_accuracy, mcc, log_loss, brier_score, "
       "expected_calibration_error: stratified percentile bootstrap interval, lower end"},
      {"<bootstrapped>_ci_upper", "binary", "the same interval's upper end"},
  };
  return kRegistry;
}

}  // namespace verdict::metrics
