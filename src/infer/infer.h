// infer: batched model inference on CPU or CUDA.
//
// Takes the per-row model inputs of features/, cuts them into batches of the configured size,
// builds the input tensors and runs the bundle's model, returning class probabilities in row
// order. Also resolves the DEVICE setting the seed pipeline used.
//
// Two batchings, by name (docs/configuration.md BATCHING):
//   served: each row is scored as if it were alone, as the seed's single-record serving does:
//           its own chunk count, no padding chunks, so a score never depends on batch size,
//           order or neighbours. Rows of a window (16 model batches of rows) are grouped by chunk
//           count (every text input) and sorted by their longest chunk, and model batches of
//           batch_size rows are cut within each group; results come back in row order.
//   seed:   the seed's DataLoader batches: consecutive rows in data order, batch_size each, the
//           last one partial. Windows are whole model batches, so this holds however the data is
//           cut into table batches; it matters for text models, whose outputs depend on the
//           batch through its padding chunks (seed-pipeline-behavior.md §3.6).
//
// Text inputs are collated like the seed's collate (§6): ids and masks int64 [B, C, T], C = the
// most chunks of a row in the batch (missing chunks all zero, ids and mask; under served
// batching every row of a batch has C chunks), T = max_sen_len (chunks padded with the
// tokenizer's pad id, mask 0), or the longest chunk in the batch when the bundle says the model
// is padding-invariant.
//
// Usage:
//   VERDICT_ASSIGN_OR_RETURN(bundle::Device device, infer::ResolveDevice("auto"));
//   VERDICT_ASSIGN_OR_RETURN(infer::Runner runner, infer::Runner::Create(manifest, device, {}));
//   infer::Windower windows(runner.window_rows());
//   for (...) for (features::FeatureBatch& window : windows.Add(std::move(rows))) {
//     VERDICT_ASSIGN_OR_RETURN(std::vector<float> probs, runner.Predict(window)); ... }
//   if (auto last = windows.Finish()) ...
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bundle/bundle.h"
#include "core/core.h"
#include "features/features.h"

namespace verdict::infer {

// The seed's DEVICE values: "auto" (CUDA when available, else CPU), "cpu", "cuda" or "gpu" (one
// GPU), an integer (that many GPUs; 0 means CPU) or a JSON list of GPU ids ("[0]"). CUDA asked for
// on a build or machine without it, or a GPU id not visible, is a DeviceError (--fallback-cpu
// runs on the CPU instead); more than one GPU is not supported yet.
Result<bundle::Device> ResolveDevice(std::string_view spec);

// --fallback-cpu: the warning logged, once, when the GPU cannot be used (`why`: a DeviceError, or
// out of memory on one row) and the job runs on the CPU instead; run info records it.
std::string FallbackWarning(const Status& why);

// True when this build of LibTorch can use a CUDA device here.
bool CudaAvailable();

// What the log and run info say about where the model runs: the LibTorch version and the CPU
// capability its kernels use (ATEN_CPU_CAPABILITY lowers it), and on a GPU its name, total and
// free memory, compute capability and the CUDA runtime, driver and cuDNN versions, e.g.
// "LibTorch 2.13.0, CPU capability AVX512; GPU 0: NVIDIA H200, 139.8 GiB memory, 139.2 GiB free,
// compute capability 9.0, CUDA runtime 13.0, driver 13.0, cuDNN 9.20.0". The GPU's facts need a
// CUDA build (VERDICT_CUDA); a CPU build never runs on a GPU.
std::string DeviceFacts(const bundle::Device& device);

enum class Batching { kServed, kSeed };

// "served" or "seed".
std::string_view BatchingName(Batching batching);

// The batching asked for ("served" or "seed"), or, when `requested` is empty or "auto", served
// for a padding-invariant bundle and seed otherwise. Served on a bundle that is not
// padding-invariant still scores each row alone (chunks padded to max_sen_len).
Result<Batching> ChooseBatching(std::string_view requested, const bundle::Manifest& manifest);

// How the model runs: the bundle's whole model file (a black box), or chunk-level (a bundle with
// chunk_execution: each text field's encoder on the real chunks only, then the head; the same
// probabilities under the same batching, docs/bundle-format.md).
enum class Execution { kChunks, kModel };

// "chunks" or "model".
std::string_view ExecutionName(Execution execution);

// The execution asked for ("chunks" or "model"), or, when `requested` is empty or "auto", chunks
// for a bundle with chunk_execution and model otherwise. "chunks" on a bundle without
// chunk_execution is an error.
Result<Execution> ChooseExecution(std::string_view requested, const bundle::Manifest& manifest);

struct Options {
  int batch_size = 64;  // rows per model call
  int threads = 0;      // intra-op CPU threads; 0 keeps LibTorch's default (one per core)
  Batching batching = Batching::kSeed;
  Execution execution = Execution::kModel;
  // When the GPU fails (the model does not load on it, a CUDA error, out of memory on one row),
  // load the model on the CPU and run the failed window again there, with one warning.
  bool fallback_cpu = false;
  // The programs' precision (bundle::ChoosePrecision); chunk-level: the encoders, the head in fp32.
  bundle::Precision precision = bundle::Precision::kFp32;
};

class ChunkedModel;  // chunk-level execution (chunked.h, internal)
class Backoff;       // out-of-memory backoff (backoff.h, internal)

// Model batches per window of a model with text inputs: the rows grouped under served batching
// and held at once. A window is a multiple of the batch size, so seed batches never straddle two
// windows.
constexpr int kWindowBatches = 16;

// The model batches that cover every row of `batch` (a window), as lists of row indices: under
// seed batching consecutive rows, batch_size at a time; under served batching rows grouped by
// their chunk count in every text input, sorted by their longest chunk (then row order), at most
// batch_size rows per batch. For tabular models both are the consecutive batches.
std::vector<std::vector<int64_t>> PlanBatches(const features::FeatureBatch& batch, int batch_size,
                                              Batching batching);

// The model input tensors of `rows` (indices into `batch`, in that order), collated as above
// (one model batch).
std::vector<bundle::HostTensor> CollateInputs(const bundle::Manifest& manifest,
                                              const features::FeatureBatch& batch,
                                              std::span<const int64_t> rows);
// The same, padded like the model batch `padded_like` (rows a subset of it): its chunk count C
// and token count T, so that a batch run in pieces (out of memory) scores as the whole batch.
std::vector<bundle::HostTensor> CollateInputs(const bundle::Manifest& manifest,
                                              const features::FeatureBatch& batch,
                                              std::span<const int64_t> rows,
                                              std::span<const int64_t> padded_like);
// The same for rows [begin, end).
std::vector<bundle::HostTensor> CollateInputs(const bundle::Manifest& manifest,
                                              const features::FeatureBatch& batch, int64_t begin,
                                              int64_t end);

// Runs the model batches of windows. A model call that runs out of memory is retried in halves
// (Backoff; the later calls keep the smaller size, logged once), each half padded like the whole
// model batch, so the probabilities do not change. With options.fallback_cpu, a model that does
// not load on the GPU, or a window that fails there (DeviceError, or out of memory on one row),
// moves the runner to the CPU, with one warning (fallback()), and the window runs again there.
// Not thread-safe: one thread runs the windows.
class Runner {
 public:
  // Loads the model file, or the chunk-level programs (Execution::kChunks), on `device`, and sets
  // LibTorch's intra-op threads to options.threads when it is positive: the one place verdict
  // sets them.
  static Result<Runner> Create(const bundle::Manifest& manifest, const bundle::Device& device,
                               const Options& options);
  Runner(Runner&&) noexcept;
  Runner& operator=(Runner&&) noexcept;
  ~Runner();

  // Probabilities [rows, K] row-major for every row of `batch` (a window), in row order, in the
  // model batches PlanBatches gives.
  Result<std::vector<float>> Predict(const features::FeatureBatch& batch);

  // The same, running the model batches `plan` (PlanBatches of `batch`).
  Result<std::vector<float>> Predict(const features::FeatureBatch& batch,
                                     const std::vector<std::vector<int64_t>>& plan);

  // Probabilities [rows.size(), K] of `rows` (indices into `batch`), run as one model batch.
  Result<std::vector<float>> Run(const features::FeatureBatch& batch,
                                 std::span<const int64_t> rows);

  // Where the model runs now: the device asked for, or the CPU after a fallback.
  const bundle::Device& device() const { return device_; }
  // The warning of the fallback to the CPU (FallbackWarning); empty while on the device asked for.
  const std::string& fallback() const { return fallback_; }
  // For tests (the injected failure): a model call of more than `rows` rows fails as out of memory.
  void FailAbove(int64_t rows);

  int num_classes() const { return manifest_.num_classes; }
  int batch_size() const { return options_.batch_size; }
  Batching batching() const { return options_.batching; }
  // Rows per window: kWindowBatches model batches for a model with text inputs; one model batch
  // for a model without, whose batches are consecutive rows under either batching (there is
  // nothing to group), so that the job's first rows reach the model and the writer sooner.
  int64_t window_rows() const;
  Execution execution() const { return options_.execution; }

 private:
  Runner(bundle::Manifest manifest, Options options);
  // Loads the programs on `device`, replacing those held.
  Status Load(const bundle::Device& device);
  // Moves to the CPU after `why` (the GPU failed): logs the warning and loads the programs there.
  Status FallBack(const Status& why);
  // `call()` (a Result), and after a GPU failure that allows a fallback, `call()` again on the CPU.
  template <typename Call>
  auto WithFallback(const Call& call);
  // Predict and Run on the device held now.
  Result<std::vector<float>> PredictHere(const features::FeatureBatch& batch,
                                         const std::vector<std::vector<int64_t>>& plan) const;
  // One model batch, `inputs` its collated inputs, through the out-of-memory backoff.
  Result<std::vector<float>> RunHere(const features::FeatureBatch& batch,
                                     std::span<const int64_t> rows,
                                     std::vector<bundle::HostTensor> inputs) const;

  bundle::Manifest manifest_;
  Options options_;
  bundle::Device device_;
  std::string fallback_;
  std::optional<bundle::Model> model_;           // Execution::kModel
  std::shared_ptr<const ChunkedModel> chunked_;  // Execution::kChunks
  std::unique_ptr<Backoff> backoff_;             // of model calls (the encoders have their own)
};

// Cuts rows that arrive in pieces (table batches) into windows of `window_rows` consecutive
// rows, in order. Holds fewer than window_rows rows between calls.
class Windower {
 public:
  explicit Windower(int64_t window_rows) : window_rows_(window_rows) {}

  // Appends `rows` after the rows given before and returns the windows now complete.
  std::vector<features::FeatureBatch> Add(features::FeatureBatch rows);
  // The rows still held (the last, partial window), if any.
  std::optional<features::FeatureBatch> Finish();

  int64_t pending_rows() const { return pending_.rows - taken_; }

 private:
  int64_t window_rows_;
  features::FeatureBatch pending_;
  int64_t taken_ = 0;  // leading rows of pending_ already handed out
};

}  // namespace verdict::infer
