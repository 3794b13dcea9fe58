#include "infer/infer.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <algorithm>

namespace verdict::infer {

bool CudaAvailable() { return torch::cuda::is_available(); }

namespace {

Result<bundle::Device> CudaDevice(int index, std::string_view spec) {
  if (!CudaAvailable()) {
    return InvalidArgument("DEVICE " + Quote(spec) +
                           " asks for a GPU, but CUDA is not available (this LibTorch build or "
                           "machine has none); use DEVICE=cpu or auto");
  }
  int count = static_cast<int>(torch::cuda::device_count());
  if (index < 0 || index >= count) {
    return InvalidArgument("DEVICE " + Quote(spec) + " names GPU " + std::to_string(index) +
                           ", but only " + std::to_string(count) + " are visible");
  }
  return bundle::Device{true, index};
}

Status MultiGpuUnsupported(std::string_view spec) {
  return Unsupported("DEVICE " + Quote(spec) +
                     " asks for several GPUs; multi-GPU evaluation is not supported yet (use one)");
}

// "[0]", "[1, 2]" -> GPU ids.
Result<std::vector<int>> ParseIdList(std::string_view spec) {
  std::string_view body = TrimAscii(spec);
  body = TrimAscii(body.substr(1, body.size() - 2));
  std::vector<int> ids;
  if (body.empty()) return ids;
  for (const std::string& piece : Split(body, ',')) {
    std::optional<int64_t> id = ParseInt(piece);
    if (!id) return InvalidArgument("DEVICE " + Quote(spec) + " is not a JSON list of GPU ids");
    ids.push_back(static_cast<int>(*id));
  }
  return ids;
}

}  // namespace

Result<bundle::Device> ResolveDevice(std::string_view spec) {
  std::string value = AsciiLower(TrimAscii(spec));
  if (value.empty() || value == "auto") {
    return CudaAvailable() ? bundle::Device{true, 0} : bundle::Device{};
  }
  if (value == "cpu") return bundle::Device{};
  if (value == "cuda" || value == "gpu") return CudaDevice(0, spec);
  if (value.rfind("cuda:", 0) == 0) {
    std::optional<int64_t> index = ParseInt(value.substr(5));
    if (index) return CudaDevice(static_cast<int>(*index), spec);
  }
  if (std::optional<int64_t> count = ParseInt(value)) {
    if (*count == 0) return bundle::Device{};
    if (*count == 1) return CudaDevice(0, spec);
    if (*count > 1) return MultiGpuUnsupported(spec);
  }
  if (value.front() == '[' && value.back() == ']') {
    VERDICT_ASSIGN_OR_RETURN(std::vector<int> ids, ParseIdList(value));
    if (ids.empty()) return bundle::Device{};
    if (ids.size() > 1) return MultiGpuUnsupported(spec);
    return CudaDevice(ids.front(), spec);
  }
  return InvalidArgument(
      "DEVICE " + Quote(spec) +
      " is not one of auto, cpu, cuda, gpu, a GPU count or a JSON list of GPU ids");
}

Result<Runner> Runner::Create(const bundle::Manifest& manifest, const bundle::Device& device,
                              const Options& options) {
  if (options.batch_size < 1) return InvalidArgument("batch size must be at least 1");
  if (options.threads < 0) return InvalidArgument("thread count must be 0 (default) or more");
  if (options.threads > 0) at::set_num_threads(options.threads);
  VERDICT_ASSIGN_OR_RETURN(bundle::Model model, bundle::Model::Load(manifest, device));
  return Runner(std::move(model), manifest.num_classes, options);
}

Result<std::vector<float>> Runner::Predict(const features::FeatureBatch& batch) const {
  std::vector<float> probabilities;
  probabilities.reserve(static_cast<size_t>(batch.rows) * num_classes_);
  for (int64_t start = 0; start < batch.rows; start += options_.batch_size) {
    int64_t rows = std::min<int64_t>(options_.batch_size, batch.rows - start);
    std::vector<bundle::HostTensor> inputs;
    inputs.reserve(batch.columns.size());
    for (const features::FeatureColumn& column : batch.columns) {
      bundle::HostTensor tensor;
      tensor.shape = {rows};
      tensor.f32.assign(column.values.begin() + start, column.values.begin() + start + rows);
      inputs.push_back(std::move(tensor));
    }
    VERDICT_ASSIGN_OR_RETURN(std::vector<float> out, model_.Run(inputs));
    probabilities.insert(probabilities.end(), out.begin(), out.end());
  }
  return probabilities;
}

}  // namespace verdict::infer
