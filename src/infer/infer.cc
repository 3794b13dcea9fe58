#include "infer/infer.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <algorithm>
#include <future>
#include <numeric>
#include <span>

#ifdef VERDICT_CUDA  // a build against the CUDA LibTorch (CMakeLists.txt)
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#endif

#include "infer/backoff.h"
#include "infer/chunked.h"

namespace verdict::infer {

bool CudaAvailable() { return torch::cuda::is_available(); }

namespace {

Result<bundle::Device> CudaDevice(int index, std::string_view spec) {
  if (!CudaAvailable()) {
    return DeviceError("DEVICE " + Quote(spec) +
                       " asks for a GPU, but CUDA is not available (this LibTorch build or "
                       "machine has none); use DEVICE=cpu or auto");
  }
  int count = static_cast<int>(torch::cuda::device_count());
  if (index < 0 || index >= count) {
    return DeviceError("DEVICE " + Quote(spec) + " names GPU " + std::to_string(index) +
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

#ifdef VERDICT_CUDA
std::string GiB(size_t bytes) {
  return FormatFixed(static_cast<double>(bytes) / (1 << 30), 1) + " GiB";
}

// "13.0" of CUDA's 13000.
std::string CudaVersion(int version) {
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

// "9.20.0" of cuDNN's 92000 (major * 10000 + minor * 100 + patch, cuDNN 9).
std::string CudnnVersion(long version) {
  return std::to_string(version / 10000) + "." + std::to_string(version % 10000 / 100) + "." +
         std::to_string(version % 100);
}

std::string GpuFacts(int index) {
  cudaDeviceProp properties{};
  size_t free = 0, total = 0;
  {
    c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(index));
    if (cudaGetDeviceProperties(&properties, index) != cudaSuccess ||
        cudaMemGetInfo(&free, &total) != cudaSuccess) {
      (void)cudaGetLastError();  // the facts are for the log: report what was read
    }
  }
  int runtime = 0, driver = 0;
  (void)cudaRuntimeGetVersion(&runtime);
  (void)cudaDriverGetVersion(&driver);
  const at::CUDAHooksInterface& hooks = at::detail::getCUDAHooks();
  return "GPU " + std::to_string(index) + ": " + properties.name + ", " +
         GiB(properties.totalGlobalMem) + " memory, " + GiB(free) + " free, compute capability " +
         std::to_string(properties.major) + "." + std::to_string(properties.minor) +
         ", CUDA runtime " + CudaVersion(runtime) + ", driver " + CudaVersion(driver) +
         (hooks.hasCuDNN() ? ", cuDNN " + CudnnVersion(hooks.versionCuDNN()) : ", no cuDNN");
}

// A window's model calls on a CUDA stream of their own, from LibTorch's pool, rather than the
// legacy default stream, which synchronizes with every other stream.
class WindowStream {
 public:
  explicit WindowStream(const bundle::Device& device) {
    if (device.cuda) guard_.emplace(c10::cuda::getStreamFromPool(false, device.index));
  }

 private:
  std::optional<c10::cuda::CUDAStreamGuard> guard_;
};
#else
struct WindowStream {  // a CPU build runs on the CPU only
  explicit WindowStream(const bundle::Device&) {}
};
#endif

}  // namespace

std::string DeviceFacts([[maybe_unused]] const bundle::Device& device) {
  std::string facts = "LibTorch " TORCH_VERSION ", CPU capability " + at::get_cpu_capability();
#ifdef VERDICT_CUDA
  if (device.cuda) facts += "; " + GpuFacts(device.index);
#endif
  return facts;
}

std::string FallbackWarning(const Status& why) {
  return "the GPU cannot be used (" + why.message() +
         "); running on the CPU instead (--fallback-cpu)";
}

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

namespace {

// The int64 [B, C, T] ids or mask of one text input for `rows`, in that order, with the C and T
// of `padded_like`.
bundle::HostTensor CollateText(const features::FeatureColumn& ids, bool mask,
                               std::span<const int64_t> rows, std::span<const int64_t> padded_like,
                               int64_t max_sen_len, bool pad_to_longest) {
  int64_t chunks = 0;
  int64_t longest = 0;
  for (const int64_t r : padded_like) {
    chunks = std::max(chunks, ids.ChunkCount(r));
    longest = std::max(longest, ids.LongestChunk(r));
  }
  const int64_t tokens = pad_to_longest ? longest : max_sen_len;
  const auto batch = static_cast<int64_t>(rows.size());
  bundle::HostTensor tensor;
  tensor.shape = {batch, chunks, tokens};
  tensor.i64.assign(static_cast<size_t>(batch * chunks * tokens), 0);
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t first = ids.FirstChunk(rows[b]);
    for (int64_t c = 0; c < ids.ChunkCount(rows[b]); ++c) {
      int64_t* out = tensor.i64.data() + (b * chunks + c) * tokens;
      const std::span<const int32_t> chunk = ids.Chunk(first + c);
      const auto length = static_cast<int64_t>(chunk.size());
      for (int64_t t = 0; t < tokens; ++t) {
        const bool real = t < length;
        out[t] = mask ? (real ? 1 : 0) : (real ? chunk[t] : ids.pad_id);
      }
    }
  }
  return tensor;
}

int InputIndex(const bundle::Manifest& manifest, const std::string& field, bundle::InputKind kind) {
  for (size_t i = 0; i < manifest.inputs.size(); ++i) {
    if (manifest.inputs[i].field == field && manifest.inputs[i].kind == kind) {
      return static_cast<int>(i);
    }
  }
  VERDICT_CHECK(false);  // LoadManifest guarantees each text field has ids and mask inputs
  __builtin_unreachable();
}

const bundle::TextField& TextFieldOf(const bundle::Manifest& manifest, const std::string& name) {
  for (const bundle::TextField& field : manifest.text_fields) {
    if (field.name == name) return field;
  }
  VERDICT_CHECK(false);
  __builtin_unreachable();
}

}  // namespace

std::vector<bundle::HostTensor> CollateInputs(const bundle::Manifest& manifest,
                                              const features::FeatureBatch& batch,
                                              std::span<const int64_t> rows) {
  return CollateInputs(manifest, batch, rows, rows);
}

std::vector<bundle::HostTensor> CollateInputs(const bundle::Manifest& manifest,
                                              const features::FeatureBatch& batch,
                                              std::span<const int64_t> rows,
                                              std::span<const int64_t> padded_like) {
  VERDICT_CHECK(batch.columns.size() == manifest.inputs.size());
  std::vector<bundle::HostTensor> inputs;
  inputs.reserve(manifest.inputs.size());
  for (size_t i = 0; i < manifest.inputs.size(); ++i) {
    const bundle::InputSpec& input = manifest.inputs[i];
    if (input.kind == bundle::InputKind::kTabular) {
      bundle::HostTensor tensor;
      tensor.shape = {static_cast<int64_t>(rows.size())};
      tensor.f32.reserve(rows.size());
      for (const int64_t r : rows) tensor.f32.push_back(batch.columns[i].values[r]);
      inputs.push_back(std::move(tensor));
      continue;
    }
    const int ids = InputIndex(manifest, input.field, bundle::InputKind::kTextIds);
    const bundle::TextField& field = TextFieldOf(manifest, input.field);
    inputs.push_back(CollateText(batch.columns[ids],
                                 input.kind == bundle::InputKind::kAttentionMask, rows, padded_like,
                                 field.max_sen_len, manifest.padding_invariant));
  }
  return inputs;
}

std::vector<bundle::HostTensor> CollateInputs(const bundle::Manifest& manifest,
                                              const features::FeatureBatch& batch, int64_t begin,
                                              int64_t end) {
  VERDICT_CHECK(0 <= begin && begin <= end && end <= batch.rows);
  std::vector<int64_t> rows(static_cast<size_t>(end - begin));
  std::iota(rows.begin(), rows.end(), begin);
  return CollateInputs(manifest, batch, rows);
}

std::string_view BatchingName(Batching batching) {
  return batching == Batching::kServed ? "served" : "seed";
}

Result<Batching> ChooseBatching(std::string_view requested, const bundle::Manifest& manifest) {
  const std::string name = AsciiLower(TrimAscii(requested));
  if (name.empty() || name == "auto") {
    return manifest.padding_invariant ? Batching::kServed : Batching::kSeed;
  }
  if (name == "served") return Batching::kServed;
  if (name == "seed") return Batching::kSeed;
  return InvalidArgument("BATCHING " + Quote(requested) + " is not one of served, seed, auto");
}

namespace {

// Consecutive runs of `order`, at most `batch_size` rows each, cut also where `same_group` says
// two neighbours differ.
template <typename SameGroup>
std::vector<std::vector<int64_t>> CutBatches(const std::vector<int64_t>& order, int batch_size,
                                             SameGroup same_group) {
  std::vector<std::vector<int64_t>> batches;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i == 0 || batches.back().size() == static_cast<size_t>(batch_size) ||
        !same_group(order[i - 1], order[i])) {
      batches.emplace_back();
    }
    batches.back().push_back(order[i]);
  }
  return batches;
}

}  // namespace

std::vector<std::vector<int64_t>> PlanBatches(const features::FeatureBatch& batch, int batch_size,
                                              Batching batching) {
  VERDICT_CHECK(batch_size >= 1);
  std::vector<int64_t> order(static_cast<size_t>(batch.rows));
  std::iota(order.begin(), order.end(), 0);
  std::vector<const features::FeatureColumn*> text;
  for (const features::FeatureColumn& column : batch.columns) {
    if (column.is_text()) text.push_back(&column);
  }
  if (batching == Batching::kSeed || text.empty()) {
    return CutBatches(order, batch_size, [](int64_t, int64_t) { return true; });
  }
  // Each row's group (its chunk count in every text input) and then its longest chunk.
  std::vector<std::vector<int64_t>> keys(order.size());
  for (const int64_t row : order) {
    int64_t longest = 0;
    for (const features::FeatureColumn* column : text) {
      keys[row].push_back(column->ChunkCount(row));
      longest = std::max(longest, column->LongestChunk(row));
    }
    keys[row].push_back(longest);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return keys[a] < keys[b]; });
  return CutBatches(order, batch_size, [&](int64_t a, int64_t b) {
    return std::equal(keys[a].begin(), keys[a].end() - 1, keys[b].begin());
  });
}

std::string_view ExecutionName(Execution execution) {
  return execution == Execution::kChunks ? "chunks" : "model";
}

Result<Execution> ChooseExecution(std::string_view requested, const bundle::Manifest& manifest) {
  const std::string name = AsciiLower(TrimAscii(requested));
  const bool chunks = manifest.chunk_execution.has_value();
  if (name.empty() || name == "auto") return chunks ? Execution::kChunks : Execution::kModel;
  if (name == "model") return Execution::kModel;
  if (name != "chunks") {
    return InvalidArgument("EXECUTION " + Quote(requested) + " is not one of chunks, model, auto");
  }
  if (!chunks) {
    return InvalidArgument("EXECUTION 'chunks' needs a bundle with chunk_execution; '" +
                           manifest.dir + "' has none (export it again, or use model)");
  }
  return Execution::kChunks;
}

Runner::Runner(bundle::Manifest manifest, Options options)
    : manifest_(std::move(manifest)),
      options_(options),
      backoff_(std::make_unique<Backoff>("rows")) {}
Runner::Runner(Runner&&) noexcept = default;
Runner& Runner::operator=(Runner&&) noexcept = default;
Runner::~Runner() = default;

Result<Runner> Runner::Create(const bundle::Manifest& manifest, const bundle::Device& device,
                              const Options& options) {
  if (options.batch_size < 1) return InvalidArgument("batch size must be at least 1");
  if (options.threads < 0) return InvalidArgument("thread count must be 0 (default) or more");
  if (options.threads > 0) at::set_num_threads(options.threads);
  Runner runner(manifest, options);
  const Status loaded = runner.Load(device);
  if (!loaded.ok() && device.cuda && options.fallback_cpu) {
    VERDICT_RETURN_IF_ERROR(runner.FallBack(DeviceError(loaded.message())));
  } else {
    VERDICT_RETURN_IF_ERROR(loaded);
  }
  return runner;
}

Status Runner::Load(const bundle::Device& device) {
  model_.reset();
  chunked_.reset();
  if (options_.execution == Execution::kChunks) {
    VERDICT_ASSIGN_OR_RETURN(ChunkedModel chunked,
                             ChunkedModel::Load(manifest_, device, options_.precision));
    chunked_ = std::make_shared<const ChunkedModel>(std::move(chunked));
  } else {
    VERDICT_ASSIGN_OR_RETURN(bundle::Model model,
                             bundle::Model::Load(manifest_, device, options_.precision));
    model_.emplace(std::move(model));
  }
  device_ = device;
  return Status::Ok();
}

Status Runner::FallBack(const Status& why) {
  fallback_ = FallbackWarning(why);
  // A precision chosen for (and checked on) the GPU says nothing of the CPU, where fp16 cannot
  // run at all: the CPU runs the reference precision.
  if (options_.precision != bundle::Precision::kFp32) {
    fallback_ += std::string(", in fp32 (not ") + bundle::PrecisionName(options_.precision) + ")";
    options_.precision = bundle::Precision::kFp32;
  }
  LogWarning(fallback_);
  backoff_ = std::make_unique<Backoff>("rows");  // what fitted the GPU says nothing of the CPU
  return Load(bundle::Device{});
}

template <typename Call>
auto Runner::WithFallback(const Call& call) {
  auto result = call();
  const bool gpu_failed = !result.ok() && (result.status().code() == StatusCode::kDeviceError ||
                                           result.status().code() == StatusCode::kOutOfMemory);
  if (!gpu_failed || !device_.cuda || !options_.fallback_cpu) return result;
  if (Status moved = FallBack(result.status()); !moved.ok()) return decltype(result)(moved);
  return call();
}

int64_t Runner::window_rows() const {
  const int64_t batches = manifest_.text_fields.empty() ? 1 : kWindowBatches;
  return batches * options_.batch_size;
}

void Runner::FailAbove(int64_t rows) {
  backoff_->FailAbove(rows);
  if (chunked_) chunked_->encoder_backoff().FailAbove(rows);
}

Result<std::vector<float>> Runner::Run(const features::FeatureBatch& batch,
                                       std::span<const int64_t> rows) {
  return WithFallback([&]() -> Result<std::vector<float>> {
    if (chunked_) return chunked_->Run(batch, rows, options_.batching);
    WindowStream stream(device_);
    return RunHere(batch, rows, CollateInputs(manifest_, batch, rows));
  });
}

Result<std::vector<float>> Runner::RunHere(const features::FeatureBatch& batch,
                                           std::span<const int64_t> rows,
                                           std::vector<bundle::HostTensor> inputs) const {
  const auto n = static_cast<int64_t>(rows.size());
  return backoff_->Run(n, [&](int64_t begin, int64_t end) {
    if (end - begin == n) return model_->Run(inputs);
    // A piece of a batch that ran out of memory keeps the whole batch's padding.
    return model_->Run(CollateInputs(manifest_, batch, rows.subspan(begin, end - begin), rows));
  });
}

Result<std::vector<float>> Runner::Predict(const features::FeatureBatch& batch) {
  return Predict(batch, PlanBatches(batch, options_.batch_size, options_.batching));
}

Result<std::vector<float>> Runner::Predict(const features::FeatureBatch& batch,
                                           const std::vector<std::vector<int64_t>>& plan) {
  return WithFallback([&] { return PredictHere(batch, plan); });
}

Result<std::vector<float>> Runner::PredictHere(
    const features::FeatureBatch& batch, const std::vector<std::vector<int64_t>>& plan) const {
  const auto k = static_cast<size_t>(manifest_.num_classes);
  std::vector<float> probabilities(static_cast<size_t>(batch.rows) * k);
  auto place = [&](const std::vector<int64_t>& rows, const std::vector<float>& out) {
    for (size_t i = 0; i < rows.size(); ++i) {
      std::copy_n(out.begin() + static_cast<std::ptrdiff_t>(i * k), k,
                  probabilities.begin() + static_cast<std::ptrdiff_t>(rows[i] * k));
    }
  };
  WindowStream stream(device_);
  if (chunked_) {
    // One encoder pass over the window's chunks, sorted across its batches (ChunkedModel).
    VERDICT_ASSIGN_OR_RETURN(std::vector<std::vector<float>> outs,
                             chunked_->RunBatches(batch, plan, options_.batching));
    for (size_t b = 0; b < plan.size(); ++b) place(plan[b], outs[b]);
    return probabilities;
  }
  // The next batch's inputs are collated while this one runs: on a GPU on a helper thread (the
  // CPU would only wait for the GPU), on the CPU in turn (a helper would take a core from the
  // intra-op threads).
  const std::launch policy = device_.cuda ? std::launch::async : std::launch::deferred;
  auto collate = [&](size_t b) { return CollateInputs(manifest_, batch, plan[b]); };
  std::future<std::vector<bundle::HostTensor>> next;
  if (!plan.empty()) next = std::async(policy, collate, 0);
  for (size_t b = 0; b < plan.size(); ++b) {
    std::vector<bundle::HostTensor> inputs = next.get();
    if (b + 1 < plan.size()) next = std::async(policy, collate, b + 1);
    VERDICT_ASSIGN_OR_RETURN(std::vector<float> out, RunHere(batch, plan[b], std::move(inputs)));
    place(plan[b], out);
  }
  return probabilities;
}

std::vector<features::FeatureBatch> Windower::Add(features::FeatureBatch rows) {
  if (taken_ > 0) {
    pending_.DropFront(taken_);
    taken_ = 0;
  }
  pending_.Append(std::move(rows));
  std::vector<features::FeatureBatch> windows;
  while (pending_.rows - taken_ >= window_rows_) {
    windows.push_back(pending_.Slice(taken_, taken_ + window_rows_));
    taken_ += window_rows_;
  }
  return windows;
}

std::optional<features::FeatureBatch> Windower::Finish() {
  if (pending_rows() == 0) return std::nullopt;
  features::FeatureBatch last = pending_.Slice(taken_, pending_.rows);
  pending_ = {};
  taken_ = 0;
  return last;
}

}  // namespace verdict::infer
