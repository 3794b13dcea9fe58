// infer: batched model inference on CPU or CUDA.
//
// Takes the per-row model inputs of features/, cuts them into batches of the configured size,
// builds the input tensors and runs the bundle's model, returning class probabilities in row
// order. Also resolves the DEVICE setting the seed pipeline used.
//
// Usage:
//   VERDICT_ASSIGN_OR_RETURN(bundle::Device device, infer::ResolveDevice("auto"));
//   VERDICT_ASSIGN_OR_RETURN(infer::Runner runner, infer::Runner::Create(manifest, device, {}));
//   VERDICT_ASSIGN_OR_RETURN(std::vector<float> probs, runner.Predict(feature_batch));
#pragma once

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

class Runner {
 public:
  static Result<Runner> Create(const bundle::Manifest& manifest, const bundle::Device& device,
                               const Options& options);

  // Probabilities [rows, K] row-major for every row of `batch`, in row order.
  Result<std::vector<float>> Predict(const features::FeatureBatch& batch) const;

  int num_classes() const { return num_classes_; }
  const bundle::Device& device() const { return model_.device(); }

 private:
  Runner(bundle::Model model, int num_classes, Options options)
      : model_(std::move(model)), num_classes_(num_classes), options_(options) {}
  bundle::Model model_;
  int num_classes_;
  Options options_;
};

}  // namespace verdict::infer
