// MetricsJsonOf: `verdict metrics` on scores held in memory (the Python API's verdict.metrics).
// Without previous scores the metrics are computed on the caller's arrays as they are (no copy,
// no file); with them the rows go through the same assess as `verdict metrics`, in a private
// temporary folder, because the comparison also writes its files.
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pipeline/assess.h"
#include "pipeline/pipeline.h"
#include "pipeline/scored_rows.h"
#include "report/report.h"

namespace verdict::pipeline {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> ClassNames(const ScoresInMemory& scores) {
  if (!scores.class_names.empty()) return scores.class_names;
  std::vector<std::string> names;
  for (int c = 0; c < scores.num_classes; ++c) names.push_back(std::to_string(c));
  return names;
}

// The checks ReadScoredRows makes on a predictions file, naming the row (0-based) instead of a
// file line.
Status CheckScores(const ScoresInMemory& scores) {
  const size_t width = scores.binary ? 1 : static_cast<size_t>(scores.num_classes);
  if (scores.num_classes < 2) return InvalidArgument("at least 2 classes are needed");
  if (static_cast<int>(ClassNames(scores).size()) != scores.num_classes) {
    return InvalidArgument(std::to_string(scores.class_names.size()) + " class labels given for " +
                           std::to_string(scores.num_classes) + " classes");
  }
  if (scores.labels.empty()) return InvalidArgument("no rows");
  if (scores.scores.size() != scores.labels.size() * width) {
    return InvalidArgument("y_score has " + std::to_string(scores.scores.size()) + " values for " +
                           std::to_string(scores.labels.size()) + " rows of " +
                           std::to_string(width) + " score(s)");
  }
  for (size_t i = 0; i < scores.labels.size(); ++i) {
    if (scores.labels[i] < 0 || scores.labels[i] >= scores.num_classes) {
      return InvalidArgument("y_true row " + std::to_string(i) + ": label " +
                             std::to_string(scores.labels[i]) + " is not a class index in [0, " +
                             std::to_string(scores.num_classes - 1) + "]");
    }
  }
  for (size_t i = 0; i < scores.scores.size(); ++i) {
    if (!std::isfinite(scores.scores[i])) {
      return InvalidArgument("y_score row " + std::to_string(i / width) +
                             ": the score is missing or not finite");
    }
  }
  if (scores.previous.empty()) return Status::Ok();
  if (scores.previous.size() != scores.scores.size()) {
    return InvalidArgument("previous has " + std::to_string(scores.previous.size()) +
                           " values; y_score has " + std::to_string(scores.scores.size()));
  }
  for (size_t i = 0; i < scores.previous.size(); ++i) {
    const double p = scores.previous[i];
    if (!std::isnan(p) && !(p >= 0 && p <= 1)) {
      return InvalidArgument("previous row " + std::to_string(i / width) + ": " +
                             FormatShortest(p) + " is not a probability in [0, 1]");
    }
  }
  return Status::Ok();
}

// A private folder under the system's temporary directory, removed with its contents on
// destruction.
class TemporaryFolder {
 public:
  static Result<TemporaryFolder> Create() {
    std::string pattern = (fs::temp_directory_path() / "verdict-metrics-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return IoError("cannot create a temporary folder in " + fs::temp_directory_path().string());
    }
    return TemporaryFolder(pattern);
  }
  TemporaryFolder(TemporaryFolder&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  ~TemporaryFolder() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  explicit TemporaryFolder(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// With previous scores: the scored rows (copied) through assess, as `verdict metrics` runs it.
Result<std::string> AssessInTemporaryFolder(const ScoresInMemory& scores,
                                            const MetricsConfig& config) {
  internal::ScoredRows rows;
  rows.num_classes = scores.num_classes;
  rows.binary = scores.binary;
  rows.class_names = ClassNames(scores);
  rows.rows = static_cast<int64_t>(scores.labels.size());
  rows.labels.assign(scores.labels.begin(), scores.labels.end());
  rows.scores.assign(scores.scores.begin(), scores.scores.end());
  rows.previous.assign(scores.previous.begin(), scores.previous.end());
  VERDICT_ASSIGN_OR_RETURN(TemporaryFolder folder, TemporaryFolder::Create());
  internal::AssessConfig assess{.metrics_dir = folder.path(),
                                .thresholds = config.thresholds,
                                .plots = false,
                                .comparison = config.comparison,
                                .without_labels_note = "",
                                .error_context = ""};
  VERDICT_RETURN_IF_ERROR(internal::Assess(rows, assess, report::RunInfo{}));
  std::ifstream in(folder.path() + "/metrics.json", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return IoError("cannot read the metrics written into " + folder.path());
  return text.str();
}

}  // namespace

Result<std::string> MetricsJsonOf(const ScoresInMemory& scores, const MetricsConfig& config) {
  VERDICT_RETURN_IF_ERROR(CheckScores(scores));
  if (!scores.previous.empty()) return AssessInTemporaryFolder(scores, config);
  metrics::Options options;
  options.thresholds = config.thresholds;
  VERDICT_ASSIGN_OR_RETURN(
      metrics::Evaluation evaluation,
      scores.binary ? metrics::EvaluateBinary(scores.labels, scores.scores, options)
                    : metrics::EvaluateMulticlass(scores.labels, scores.scores, scores.num_classes,
                                                  ClassNames(scores), options));
  for (const std::string& note : evaluation.notes) LogWarning(note);
  return report::MetricsJson(evaluation.metrics);
}

}  // namespace verdict::pipeline
