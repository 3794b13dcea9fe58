// stats_bench: times verdict's paired statistics on raw arrays, single thread. Driven by
// bench_stats.py, which times SciPy / statsmodels / NumPy on the same arrays.
//
//   stats_bench LABELS.int32 NEW.float64 PREVIOUS.float64 REPEATS RESAMPLES
//
// Prints one JSON object: each test's values and its best wall time in ms.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "stats/stats.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace stats = verdict::stats;

template <typename T>
std::vector<T> ReadRaw(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const std::streamsize bytes = in.tellg();
  std::vector<T> values(static_cast<size_t>(bytes) / sizeof(T));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(values.data()), bytes);
  return values;
}

// Best wall time of `repeats` runs of `body`, in ms.
double BestMs(int repeats, const std::function<void()>& body) {
  double best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < repeats; ++r) {
    const Clock::time_point start = Clock::now();
    body();
    best = std::min(best, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return best;
}

double F1AtHalf(std::span<const int32_t> labels, std::span<const double> scores) {
  int64_t tp = 0;
  int64_t fp = 0;
  int64_t fn = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const bool predicted = scores[i] >= 0.5;
    tp += predicted && labels[i] == 1;
    fp += predicted && labels[i] == 0;
    fn += !predicted && labels[i] == 1;
  }
  return 2.0 * static_cast<double>(tp) / static_cast<double>(2 * tp + fp + fn);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr,
                 "usage: stats_bench LABELS.int32 NEW.float64 PREVIOUS.float64 REPEATS "
                 "RESAMPLES\n");
    return 2;
  }
  const std::vector<int32_t> labels = ReadRaw<int32_t>(argv[1]);
  const std::vector<double> new_scores = ReadRaw<double>(argv[2]);
  const std::vector<double> previous_scores = ReadRaw<double>(argv[3]);
  const int repeats = std::stoi(argv[4]);
  stats::BootstrapOptions options;
  options.resamples = std::stoi(argv[5]);

  stats::CorrelationResult pearson;
  stats::CorrelationResult spearman;
  stats::PairedTTestResult t;
  stats::WilcoxonResult wilcoxon;
  stats::McNemarResult mcnemar;
  stats::DeLongResult delong;
  stats::BootstrapInterval bootstrap;
  const double pearson_ms =
      BestMs(repeats, [&] { pearson = *stats::Pearson(new_scores, previous_scores); });
  const double spearman_ms =
      BestMs(repeats, [&] { spearman = *stats::Spearman(new_scores, previous_scores); });
  const double t_ms =
      BestMs(repeats, [&] { t = *stats::PairedTTest(new_scores, previous_scores, 0.95); });
  const double wilcoxon_ms =
      BestMs(repeats, [&] { wilcoxon = *stats::Wilcoxon(new_scores, previous_scores); });
  const double mcnemar_ms = BestMs(repeats, [&] {
    std::vector<uint8_t> new_correct(labels.size());
    std::vector<uint8_t> previous_correct(labels.size());
    for (size_t i = 0; i < labels.size(); ++i) {
      new_correct[i] = (new_scores[i] >= 0.5) == (labels[i] == 1);
      previous_correct[i] = (previous_scores[i] >= 0.5) == (labels[i] == 1);
    }
    const stats::PairedCorrectness counts =
        *stats::CountPairedCorrectness(new_correct, previous_correct);
    mcnemar = stats::McNemar(counts.new_only_correct, counts.previous_only_correct);
  });
  const double delong_ms = BestMs(repeats, [&] {
    delong = *stats::DeLongPairedTest(labels, new_scores, previous_scores, 0.95);
  });
  const double bootstrap_ms = BestMs(1, [&] {
    bootstrap =
        *stats::PairedBootstrapDifference(labels, new_scores, previous_scores, F1AtHalf, options);
  });

  std::printf(
      "{\"pearson\": [%.17g, %.17g, %.3f], \"spearman\": [%.17g, %.17g, %.3f], "
      "\"paired_t\": [%.17g, %.17g, %.3f], \"wilcoxon\": [%.17g, %.17g, %.3f], "
      "\"mcnemar\": [%.17g, %.17g, %.3f], \"delong\": [%.17g, %.17g, %.3f], "
      "\"bootstrap_f1\": [%.17g, %.17g, %.3f]}\n",
      pearson.statistic, pearson.p_value, pearson_ms, spearman.statistic, spearman.p_value,
      spearman_ms, t.statistic, t.p_value, t_ms, wilcoxon.statistic, wilcoxon.p_value, wilcoxon_ms,
      mcnemar.chi_square, mcnemar.exact_p_value, mcnemar_ms, delong.difference, delong.p_value,
      delong_ms, bootstrap.lower, bootstrap.upper, bootstrap_ms);
  return 0;
}
