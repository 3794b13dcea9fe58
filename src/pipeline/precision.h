// pipeline (internal to the model-running half): the precision the model runs in (PRECISION),
// checked against fp32 on the data's first model batch before a lower one is trusted.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "bundle/bundle.h"
#include "core/core.h"
#include "features/features.h"
#include "infer/infer.h"

namespace verdict::pipeline::internal {

struct PrecisionRunner {
  infer::Runner runner;
  // For the log and run info: the precision chosen and why, and what the CPU offers.
  std::string precision_text;
  std::string cpu_text;
};

// The first rows of the data as model inputs (none when it has no rows); read only when a lower
// precision is to be checked.
using FirstRows = std::function<Result<std::optional<features::FeatureBatch>>()>;

// The runner of `manifest` on `device` in the precision `requested` asks for
// (bundle::ChoosePrecision). A lower precision runs the first rows of `first_rows()` (at most
// `options.batch_size`, at most 64) in it and in fp32; a max |dp| over the bundle's tolerance is
// the one-line error of bundle::CheckPrecision, or, when auto chose that precision, fp32 with a
// warning. No rows (empty data): nothing to check.
Result<PrecisionRunner> CreateRunnerInPrecision(const bundle::Manifest& manifest,
                                                const bundle::Device& device,
                                                infer::Options options, std::string_view requested,
                                                const FirstRows& first_rows);

}  // namespace verdict::pipeline::internal
