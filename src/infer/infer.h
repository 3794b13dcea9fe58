// infer: batched model inference on CPU or CUDA.
//
// Takes the per-row model inputs of features/, cuts them into batches of the configured size,
// builds the input tensors and runs the bundle's model, returning class probabilities in row
// order. Also resolves the DEVICE setting the seed pipeline used.
//
// Model batches are the seed's DataLoader batches: consecutive rows in data order, batch_size
// each, the last one partial. A Stream keeps rows across table batches so that this holds however
// the data is cut into record batches; it matters for text models, whose outputs depend on the
// batch through its padding chunks (seed-pipeline-behavior.md §3.6).
//
// Text inputs are collated like the seed's collate (§6): ids and masks int64 [B, C, T], C = the
// most chunks of a row in the batch (missing chunks all zero, ids and mask), T = max_sen_len
// (chunks padded with the tokenizer's pad id, mask 0), or the longest chunk in the batch when the
// bundle says the model is padding-invariant.
//
// Usage:
//   VERDICT_ASSIGN_OR_RETURN(bundle::Device device, infer::ResolveDevice("auto"));
//   VERDICT_ASSIGN_OR_RETURN(infer::Runner runner, infer::Runner::Create(manifest, device, {}));
//   infer::Stream stream(runner);
//   for (...) { VERDICT_ASSIGN_OR_RETURN(auto done, stream.Add(std::move(rows))); ... }
//   VERDICT_ASSIGN_OR_RETURN(std::vector<float> rest, stream.Finish());
#pragma once

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
// on a build or machine without it is an error; more than one GPU is not supported yet.
Result<bundle::Device> ResolveDevice(std::string_view spec);

// True when this build of LibTorch can use a CUDA device here.
bool CudaAvailable();

struct Options {
  int batch_size = 64;  // rows per model call
  int threads = 0;      // intra-op CPU threads; 0 keeps LibTorch's default (one per core)
};

// The model input tensors of `rows` (indices into `batch`, in that order), collated as above
// (one model batch).
std::vector<bundle::HostTensor> CollateInputs(const bundle::Manifest& manifest,
                                              const features::FeatureBatch& batch,
                                              std::span<const int64_t> rows);
// The same for rows [begin, end).
std::vector<bundle::HostTensor> CollateInputs(const bundle::Manifest& manifest,
                                              const features::FeatureBatch& batch, int64_t begin,
                                              int64_t end);

class Runner {
 public:
  static Result<Runner> Create(const bundle::Manifest& manifest, const bundle::Device& device,
                               const Options& options);

  // Probabilities [rows, K] row-major for every row of `batch`, in row order, in model batches
  // of batch_size rows starting at the first row.
  Result<std::vector<float>> Predict(const features::FeatureBatch& batch) const;

  // Probabilities [end - begin, K] of rows [begin, end) of `batch`, run as one model batch.
  Result<std::vector<float>> RunBatch(const features::FeatureBatch& batch, int64_t begin,
                                      int64_t end) const;

  int num_classes() const { return manifest_.num_classes; }
  int batch_size() const { return options_.batch_size; }
  const bundle::Device& device() const { return model_.device(); }

 private:
  Runner(bundle::Model model, bundle::Manifest manifest, Options options)
      : model_(std::move(model)), manifest_(std::move(manifest)), options_(options) {}
  bundle::Model model_;
  bundle::Manifest manifest_;
  Options options_;
};

// Feeds rows that arrive in pieces (table batches) to a Runner in model batches of exactly
// batch_size consecutive rows. Holds fewer than batch_size rows between calls.
class Stream {
 public:
  explicit Stream(const Runner& runner) : runner_(runner) {}

  // Appends `rows` after the rows given before, runs every complete model batch and returns the
  // probabilities [n, K] of the n rows that completed, continuing in row order.
  Result<std::vector<float>> Add(features::FeatureBatch rows);
  // Runs the rows still held (the last, partial batch) and returns their probabilities.
  Result<std::vector<float>> Finish();

  int64_t pending_rows() const { return pending_.rows; }

 private:
  const Runner& runner_;
  features::FeatureBatch pending_;
};

}  // namespace verdict::infer
