#include "metrics/bootstrap.h"

#include <random>

namespace verdict::metrics::internal {
namespace {

// Uniform index in [0, size) from one 64-bit draw (Lemire's multiply-shift).
size_t UniformIndex(uint64_t draw, size_t size) {
  return static_cast<size_t>((static_cast<unsigned __int128>(draw) * size) >> 64);
}

// Draws ascending.size() elements with replacement; the result is ascending too.
void Resample(const std::vector<uint64_t>& ascending, std::mt19937_64& random,
              std::vector<uint32_t>& draws, std::vector<uint64_t>& resampled) {
  draws.assign(ascending.size(), 0);
  for (size_t i = 0; i < ascending.size(); ++i) ++draws[UniformIndex(random(), ascending.size())];
  resampled.clear();
  for (size_t i = 0; i < ascending.size(); ++i)
    resampled.insert(resampled.end(), draws[i], ascending[i]);
}

const double* FindNumber(const std::vector<Metric>& metrics, const std::string& name) {
  for (const Metric& metric : metrics) {
    if (metric.name == name) return std::get_if<double>(&metric.value);
  }
  return nullptr;
}

}  // namespace

std::vector<NamedInterval> BootstrapIntervals(const ClassSortedScores& sorted,
                                              const Options& options,
                                              const std::vector<std::string>& names,
                                              std::vector<std::string>& notes) {
  std::mt19937_64 random(options.bootstrap_seed);
  std::vector<std::vector<double>> replicates(names.size());
  ClassSortedScores resampled;
  std::vector<uint32_t> draws;
  for (int b = 0; b < options.bootstrap_resamples; ++b) {
    Resample(sorted.positives, random, draws, resampled.positives);
    Resample(sorted.negatives, random, draws, resampled.negatives);
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
        {names[i], PercentileInterval(replicates[i], options.confidence_level), ""});
  }
  return intervals;
}

}  // namespace verdict::metrics::internal
