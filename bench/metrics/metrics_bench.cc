// metrics_bench: times verdict's exact AUC, AP and F1 at three thresholds on a raw file of
// binary predictions, and the whole EvaluateBinary, single thread. Driven by bench_metrics.py.
//
//   metrics_bench LABELS.int32 SCORES.float32 REPEATS
//
// Prints one JSON object: the values of the metrics and the best wall and CPU time of each part
// in ms.
//
//   metrics_bench --once LABELS.int32 SCORES.float32 CLASSES DUMP
//
// Runs EvaluateBinary (CLASSES 2, one score per row) or EvaluateMulticlass (row-major scores)
// once with default options and prints the wall and CPU time and the peak RSS of the process
// before and after it: the memory of the metrics computation alone. Writes every metric and
// curve point to DUMP (%.17g) so that two builds can be compared bit for bit.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "metrics/metrics.h"
#include "metrics/ranking.h"  // the stage's ranking core, timed on its own

namespace {

using Clock = std::chrono::steady_clock;
namespace internal = verdict::metrics::internal;

template <typename T>
std::vector<T> ReadRaw(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const std::streamsize bytes = in.tellg();
  std::vector<T> values(static_cast<size_t>(bytes) / sizeof(T));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(values.data()), bytes);
  return values;
}

struct CoreResult {
  double auc;
  double average_precision;
  double f1[3];
};

double F1(const internal::ThresholdCounts& c) {
  return 2.0 * c.true_positives / (c.true_positives + c.false_positives + c.positives);
}

// Exactly what scikit-learn computes in the comparison: AUC, AP, F1 of p >= T for 3 thresholds.
CoreResult CoreMetrics(const std::vector<int32_t>& labels, const std::vector<double>& scores) {
  const internal::ClassSortedScores sorted = internal::SortByClass(
      labels.size(), [&](size_t row) { return labels[row] == 1; },
      [&](size_t row) { return scores[row]; });
  const internal::RankingSummary summary = internal::SummarizeRanking(sorted, {});
  CoreResult result{summary.auc, summary.average_precision, {}};
  const double thresholds[3] = {0.3, 0.5, 0.7};
  for (int i = 0; i < 3; ++i) {
    result.f1[i] =
        F1(internal::CountAtThreshold(sorted, thresholds[i], internal::Inclusion::kInclusive));
  }
  return result;
}

double CpuMilliseconds() {
  timespec now;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

// Best wall time and best CPU time of `repeats` runs, in ms.
struct Timing {
  double wall = 1e300;
  double cpu = 1e300;
};

template <typename Work>
Timing BestMilliseconds(int repeats, Work work) {
  Timing best;
  for (int i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    const double cpu_start = CpuMilliseconds();
    work();
    best.cpu = std::min(best.cpu, CpuMilliseconds() - cpu_start);
    best.wall = std::min(best.wall,
                         std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return best;
}

// Peak resident set size of this process so far, in MB.
double PeakRssMegabytes() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void Dump(const verdict::metrics::Evaluation& evaluation, const std::string& path) {
  std::FILE* out = std::fopen(path.c_str(), "w");
  for (const verdict::metrics::Metric& metric : evaluation.metrics) {
    std::fprintf(out, "%s %.17g\n", metric.name.c_str(),
                 verdict::metrics::Number(evaluation.metrics, metric.name));
  }
  for (const verdict::metrics::Curve& curve : evaluation.curves) {
    std::fprintf(out, "curve %s %zu\n", curve.name.c_str(), curve.x.size());
    for (size_t i = 0; i < curve.x.size(); ++i) {
      std::fprintf(out, "%.17g %.17g %.17g\n", curve.x[i], curve.y[i], curve.thresholds[i]);
    }
  }
  std::fclose(out);
}

// The --once mode: one evaluation, its time, the peak RSS around it and a dump of its result.
int RunOnce(char** argv) {
  const std::vector<int32_t> labels = ReadRaw<int32_t>(argv[2]);
  const int classes = std::stoi(argv[4]);
  std::vector<double> scores;
  {
    const std::vector<float> scores32 = ReadRaw<float>(argv[3]);
    scores.assign(scores32.begin(), scores32.end());
  }
  const double rss_before = PeakRssMegabytes();
  const auto start = Clock::now();
  const double cpu_start = CpuMilliseconds();
  std::vector<std::string> names;
  for (int c = 0; c < classes; ++c) names.push_back(std::to_string(c));
  auto evaluation = classes == 2
                        ? verdict::metrics::EvaluateBinary(labels, scores, {})
                        : verdict::metrics::EvaluateMulticlass(labels, scores, classes, names, {});
  const double cpu_ms = CpuMilliseconds() - cpu_start;
  const double wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (!evaluation.ok()) {
    std::fprintf(stderr, "%s\n", evaluation.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "{\"rows\": %zu, \"classes\": %d, \"wall_ms\": %.1f, \"cpu_ms\": %.1f, "
      "\"peak_rss_before_mb\": %.1f, \"peak_rss_after_mb\": %.1f}\n",
      labels.size(), classes, wall_ms, cpu_ms, rss_before, PeakRssMegabytes());
  Dump(*evaluation, argv[5]);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 6 && std::string(argv[1]) == "--once") return RunOnce(argv);
  if (argc != 4) {
    std::fprintf(stderr,
                 "usage: metrics_bench LABELS.int32 SCORES.float32 REPEATS\n"
                 "       metrics_bench --once LABELS.int32 SCORES.float32 CLASSES DUMP\n");
    return 2;
  }
  const std::vector<int32_t> labels = ReadRaw<int32_t>(argv[1]);
  const std::vector<float> scores32 = ReadRaw<float>(argv[2]);
  const std::vector<double> scores(scores32.begin(), scores32.end());
  const int repeats = std::stoi(argv[3]);

  CoreResult core{};
  const Timing core_ms = BestMilliseconds(repeats, [&] { core = CoreMetrics(labels, scores); });
  size_t metric_count = 0;
  const Timing full_ms = BestMilliseconds(repeats, [&] {
    auto evaluation = verdict::metrics::EvaluateBinary(labels, scores, {});
    if (!evaluation.ok()) {
      std::fprintf(stderr, "%s\n", evaluation.status().ToString().c_str());
      std::exit(1);
    }
    metric_count = evaluation->metrics.size();
  });
  std::printf(
      "{\"rows\": %zu, \"auc_roc\": %.17g, \"average_precision\": %.17g, "
      "\"f1_score_at_0.3\": %.17g, \"f1_score_at_0.5\": %.17g, \"f1_score_at_0.7\": %.17g, "
      "\"core_ms\": %.3f, \"core_cpu_ms\": %.3f, \"evaluate_binary_ms\": %.3f, "
      "\"evaluate_binary_cpu_ms\": %.3f, \"evaluate_binary_metrics\": %zu}\n",
      labels.size(), core.auc, core.average_precision, core.f1[0], core.f1[1], core.f1[2],
      core_ms.wall, core_ms.cpu, full_ms.wall, full_ms.cpu, metric_count);
  return 0;
}
