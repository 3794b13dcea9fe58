#include "pipeline/precision.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <numeric>
#include <sstream>
#include <vector>

namespace verdict::pipeline::internal {

namespace {

// The rows the check runs: the first model batch of the data, at most 64 rows.
constexpr int64_t kCheckRows = 64;

// The largest |a - b|; infinite where either is NaN (a lower precision that overflowed).
double MaxAbsDifference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const double difference = std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    if (std::isnan(difference)) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, difference);
  }
  return worst;
}

}  // namespace

Result<PrecisionRunner> CreateRunnerInPrecision(const bundle::Manifest& manifest,
                                                const bundle::Device& device,
                                                infer::Options options, std::string_view requested,
                                                const FirstRows& first_rows) {
  VERDICT_ASSIGN_OR_RETURN(bundle::PrecisionChoice choice,
                           bundle::ChoosePrecision(requested, manifest, device));
  const std::string name = bundle::PrecisionName(choice.precision);
  const std::string cpu = bundle::DetectCpu().ToString();
  const std::string how = choice.automatic ? " (auto)" : " (asked for)";
  options.precision = choice.precision;
  VERDICT_ASSIGN_OR_RETURN(infer::Runner runner, infer::Runner::Create(manifest, device, options));
  if (choice.precision == bundle::Precision::kFp32) {
    return PrecisionRunner{std::move(runner), name + how, cpu};
  }
  VERDICT_ASSIGN_OR_RETURN(std::optional<features::FeatureBatch> first, first_rows());
  const int64_t rows =
      first ? std::min({first->rows, int64_t{options.batch_size}, kCheckRows}) : int64_t{0};
  if (rows == 0) return PrecisionRunner{std::move(runner), name + how + "; no rows to check", cpu};
  std::vector<int64_t> slice(static_cast<size_t>(rows));
  std::iota(slice.begin(), slice.end(), int64_t{0});
  VERDICT_ASSIGN_OR_RETURN(std::vector<float> lower, runner.Run(*first, slice));
  options.precision = bundle::Precision::kFp32;
  VERDICT_ASSIGN_OR_RETURN(infer::Runner fp32, infer::Runner::Create(manifest, device, options));
  VERDICT_ASSIGN_OR_RETURN(std::vector<float> reference, fp32.Run(*first, slice));
  const double difference = MaxAbsDifference(lower, reference);
  std::ostringstream measured;
  measured << std::setprecision(3) << difference;
  const std::string checked =
      "max |dp| " + measured.str() + " from fp32 on the first " + std::to_string(rows) +
      " rows, tolerance " +
      FormatShortest(bundle::PrecisionToleranceOf(manifest, choice.precision));
  const Status status = bundle::CheckPrecision(manifest, choice.precision, difference, rows);
  if (status.ok()) return PrecisionRunner{std::move(runner), name + how + "; " + checked, cpu};
  if (!choice.automatic) return status;
  LogWarning("precision auto: " + name + " " + checked + ": over it, so the model runs in fp32");
  return PrecisionRunner{std::move(fp32), "fp32 (auto; " + name + " " + checked + ")", cpu};
}

}  // namespace verdict::pipeline::internal
