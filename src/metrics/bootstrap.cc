#include "metrics/bootstrap.h"

#include "numeric/numeric.h"

namespace verdict::metrics::internal {
namespace {

// Rows of a resample are positions in [negatives..., positives...]; the resampler's strata are
// the two classes (label 0 first).
std::vector<int32_t> ClassOfPositions(const ClassSortedScores& sorted) {
  std::vector<int32_t> classes(sorted.negatives.size(), 0);
  classes.resize(sorted.negatives.size() + sorted.positives.size(), 1);
  return classes;
}

// One stratified resample. Each class keeps its size and its keys stay ascending: the draws are
// counted per position, then every position is repeated as often as it was drawn.
void Resample(const ClassSortedScores& sorted, const std::vector<size_t>& rows,
              std::vector<uint32_t>& draws, ClassSortedScores& resampled) {
  const size_t negatives = sorted.negatives.size();
  draws.assign(negatives + sorted.positives.size(), 0);
  for (size_t row : rows) ++draws[row];
  resampled.negatives.clear();
  resampled.positives.clear();
  for (size_t i = 0; i < draws.size(); ++i) {
    if (i < negatives) {
      resampled.negatives.insert(resampled.negatives.end(), draws[i], sorted.negatives[i]);
    } else {
      resampled.positives.insert(resampled.positives.end(), draws[i],
                                 sorted.positives[i - negatives]);
    }
  }
}

const double* FindNumber(const std::vector<Metric>& metrics, const std::string& name) {
  const Metric* metric = Find(metrics, name);
  return metric == nullptr ? nullptr : std::get_if<double>(&metric->value);
}

}  // namespace

std::vector<NamedInterval> BootstrapIntervals(const ClassSortedScores& sorted,
                                              const Options& options,
                                              const std::vector<std::string>& names,
                                              std::vector<std::string>& notes) {
  const numeric::StratifiedResampler resampler(ClassOfPositions(sorted));
  numeric::Generator rng(options.bootstrap_seed);
  std::vector<std::vector<double>> replicates(names.size());
  ClassSortedScores resampled;
  std::vector<size_t> rows;
  std::vector<uint32_t> draws;
  for (int b = 0; b < options.bootstrap_resamples; ++b) {
    resampler.Draw(rng, rows);
    Resample(sorted, rows, draws, resampled);
    const std::vector<Metric> metrics = EstimateBinary(resampled, options).metrics;
    for (size_t i = 0; i < names.size(); ++i) {
      if (const double* value = FindNumber(metrics, names[i])) replicates[i].push_back(*value);
    }
  }
  std::vector<NamedInterval> intervals;
  for (size_t i = 0; i < names.size(); ++i) {
    const size_t undefined = options.bootstrap_resamples - replicates[i].size();
    if (replicates[i].empty()) {
      intervals.push_back({names[i], std::nullopt, "undefined in every bootstrap resample"});
      continue;
    }
    if (undefined > 0) {
      notes.push_back("bootstrap: " + names[i] + " undefined in " + std::to_string(undefined) +
                      " of " + std::to_string(options.bootstrap_resamples) + " resamples");
    }
    intervals.push_back(
        {names[i], numeric::PercentileInterval(replicates[i], options.confidence_level), ""});
  }
  return intervals;
}

}  // namespace verdict::metrics::internal
