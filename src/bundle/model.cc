// Running the bundle's programs (bundle::Model, bundle::ChunkPrograms); with program.cc and
// precision.cc the only files of this stage that include LibTorch.
#include <torch/script.h>

#include <functional>
#include <numeric>

#include "bundle/bundle.h"
#include "bundle/program.h"

namespace verdict::bundle {

using internal::FirstLine;
using internal::Program;
using internal::RaisedLine;
using internal::SaysOutOfMemory;
using internal::ToTorch;

namespace {

at::Tensor ToTensor(const HostTensor& host, const torch::Device& device) {
  at::Tensor tensor;
  if (!host.f32.empty() || host.i64.empty()) {
    tensor = torch::from_blob(const_cast<float*>(host.f32.data()), host.shape, torch::kFloat32);
  } else {
    tensor = torch::from_blob(const_cast<int64_t*>(host.i64.data()), host.shape, torch::kInt64);
  }
#ifdef VERDICT_CUDA  // GPU engineer: a pinned host buffer (LibTorch's caching host allocator) and a
  // non-blocking copy on the current stream; the CPU goes on queueing the model (performance.md)
  if (device.is_cuda()) return tensor.pin_memory().to(device, /*non_blocking=*/true);
#endif
  return device.is_cpu() ? tensor : tensor.to(device, /*non_blocking=*/false);
}

Result<at::Tensor> OutputTensor(const c10::IValue& value, const std::string& path) {
  if (value.isTensor()) return value.toTensor();
  if (value.isTuple() && !value.toTupleRef().elements().empty() &&
      value.toTupleRef().elements()[0].isTensor()) {
    return value.toTupleRef().elements()[0].toTensor();
  }
  return InvalidBundle("model '" + path + "' returned " + value.tagKind() +
                       ", not a tensor of logits");
}

// What turns a program's raw output into class probabilities.
struct OutputSpec {
  std::string path;
  ModelOutput output = ModelOutput::kLogits;
  Task task = Task::kBinary;
  int num_classes = 2;
};

OutputSpec OutputOf(const Manifest& manifest, const std::string& path) {
  return {path, manifest.output, manifest.task, manifest.num_classes};
}

}  // namespace

struct Model::State {
  std::unique_ptr<const Program> program;
  Device device;
  OutputSpec spec;
  size_t num_inputs = 0;
};

struct ChunkPrograms::State {
  std::map<std::string, std::unique_ptr<const Program>> encoders;  // by text field
  std::unique_ptr<const Program> head;
  Device device;
  size_t head_inputs = 0;
  OutputSpec output;  // of the head
};

namespace {

// [B, K] class probabilities from the model's raw output.
Result<at::Tensor> ToProbabilities(at::Tensor out, const OutputSpec& s, int64_t batch) {
  out = out.to(torch::kCPU, torch::kFloat32).contiguous();
  bool one_column =
      s.task == Task::kBinary && (out.dim() == 1 || (out.dim() == 2 && out.size(1) == 1));
  if (one_column) {
    at::Tensor p1 = out.reshape({-1});
    if (s.output == ModelOutput::kLogits) p1 = torch::sigmoid(p1);
    out = torch::stack({1 - p1, p1}, 1);
  } else if (out.dim() != 2 || out.size(1) != s.num_classes) {
    std::ostringstream shape;
    shape << out.sizes();
    return InvalidBundle("model '" + s.path + "' returned shape " + shape.str() + ", expected [" +
                         std::to_string(batch) + ", " + std::to_string(s.num_classes) + "]");
  } else if (s.output == ModelOutput::kLogits) {
    out = torch::softmax(out, 1);
  }
  if (out.size(0) != batch) {
    return InvalidBundle("model '" + s.path + "' returned " + std::to_string(out.size(0)) +
                         " rows for a batch of " + std::to_string(batch));
  }
  return out.contiguous();
}

// Loads the program at `path` (the manifest's backend) on `device` in `precision` and checks that
// forward takes `arity` inputs (`listed`: where the manifest lists them) when it records how many.
Result<std::unique_ptr<const Program>> LoadProgram(const Manifest& manifest,
                                                   const std::string& path, const Device& device,
                                                   Precision precision, size_t arity,
                                                   const std::string& listed) {
  VERDICT_ASSIGN_OR_RETURN(std::unique_ptr<const Program> program,
                           Program::Load(path, manifest.backend, device, precision));
  const std::optional<size_t> arguments = program->arity();
  if (arguments && *arguments != arity) {
    return InvalidBundle("model '" + path + "' takes " + std::to_string(*arguments) +
                         " inputs but " + listed + " " + std::to_string(arity));
  }
  return program;
}

// What a failed model call is (GPU engineer): out of memory (the TorchScript interpreter rethrows
// CUDA's OutOfMemoryError as a runtime_error whose message says so; infer halves the batch), any
// other failure on a GPU (a CUDA, cuBLAS or cuDNN error; --fallback-cpu reruns the window on the
// CPU, where a model's own error shows again), or the model's own error.
Status FailedOnBatch(bool cuda, std::string message) {
  if (SaysOutOfMemory(message)) return OutOfMemory(std::move(message));
  return cuda ? DeviceError(std::move(message)) : InvalidBundle(std::move(message));
}

// Runs `program` on host inputs and returns its output tensor; errors name `path`.
Result<at::Tensor> Forward(const Program& program, const std::vector<HostTensor>& inputs,
                           const Device& device, const std::string& path) {
  try {
    const torch::Device target = ToTorch(device);
    std::vector<at::Tensor> args;
    args.reserve(inputs.size());
    for (const HostTensor& input : inputs) args.push_back(ToTensor(input, target));
    c10::IValue out = program.Run(std::move(args));
    return OutputTensor(out, path);
  } catch (const c10::OutOfMemoryError& e) {  // before c10::Error: infer halves the batch
    return OutOfMemory("model '" + path + "' ran out of memory on a batch: " + FirstLine(e.what()));
  } catch (const c10::Error& e) {
    return FailedOnBatch(device.cuda,
                         "model '" + path + "' failed on a batch: " + FirstLine(e.what()));
  } catch (const std::exception& e) {
    return FailedOnBatch(device.cuda,
                         "model '" + path + "' failed on a batch: " + RaisedLine(e.what()));
  }
}

// Class probabilities [B, K] of a program's raw output, as a row-major vector.
Result<std::vector<float>> ProbabilityVector(const at::Tensor& raw, const OutputSpec& spec,
                                             int64_t batch) {
  try {
    VERDICT_ASSIGN_OR_RETURN(at::Tensor probs, ToProbabilities(raw, spec, batch));
    const float* data = probs.data_ptr<float>();
    return std::vector<float>(data, data + probs.numel());
  } catch (const c10::Error& e) {  // a GPU's asynchronous error shows at the copy to the host
    return FailedOnBatch(raw.is_cuda(),
                         "model '" + spec.path + "' failed on a batch: " + FirstLine(e.what()));
  }
}

// Rows of a warm-up call, each one chunk of the field's max_sen_len tokens: enough work (4 x 128
// tokens for a BERT) that every intra-op thread takes part.
constexpr int64_t kWarmUpRows = 4;

int64_t WarmUpTokens(const Manifest& manifest, const std::string& field) {
  for (const TextField& text : manifest.text_fields) {
    if (text.name == field) return std::max(text.max_sen_len, 1);
  }
  return 128;
}

int64_t ElementsOf(const std::vector<int64_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

HostTensor FloatZeros(std::vector<int64_t> shape) {
  const int64_t n = ElementsOf(shape);
  return {std::move(shape), std::vector<float>(n, 0.0f), {}};
}

// Token ids 0 (every vocabulary has an id 0) under a mask of ones: `ids` true gives the ids.
HostTensor TokenInput(std::vector<int64_t> shape, bool ids) {
  const int64_t n = ElementsOf(shape);
  return {std::move(shape), {}, std::vector<int64_t>(n, ids ? 0 : 1)};
}

// Runs `program` once on made-up inputs and drops its output, and any error (a real batch reports
// its own). Why: a program's first call can compute some rows differently from every later call.
// On an Intel Xeon with AMX, in about one run in six, the rows that one of the two intra-op
// threads took in the first call came out up to 8e-6 away in the pooled vector (4e-5 in
// probabilities) from eager PyTorch and from the same rows in any later call, on identical inputs
// (MKL_CBWR did not change it); with this call at load, 38 of 38 runs agreed (performance.md).
// Returns the output's width (dim 1), 0 when there is none.
int64_t WarmUp(const Program& program, const std::vector<HostTensor>& inputs, const Device& device,
               const std::string& path) {
  c10::InferenceMode guard;
  Result<at::Tensor> out = Forward(program, inputs, device, path);
  return out.ok() && out->dim() == 2 ? out->size(1) : 0;
}

void WarmUpModel(const Program& program, const Manifest& manifest, const Device& device) {
  std::vector<HostTensor> inputs;
  for (const InputSpec& input : manifest.inputs) {
    if (input.kind == InputKind::kTabular) {
      inputs.push_back(FloatZeros({kWarmUpRows}));
    } else {
      inputs.push_back(TokenInput({kWarmUpRows, 1, WarmUpTokens(manifest, input.field)},
                                  input.kind == InputKind::kTextIds));
    }
  }
  WarmUp(program, inputs, device, manifest.model_file);
}

}  // namespace

Model::Model(std::unique_ptr<State> state) : state_(std::move(state)) {}
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;
const Device& Model::device() const { return state_->device; }

Result<Model> Model::Load(const Manifest& manifest, const Device& device, Precision precision) {
  auto state = std::make_unique<State>();
  state->device = device;
  state->spec = OutputOf(manifest, manifest.model_file);
  state->num_inputs = manifest.inputs.size();
  VERDICT_ASSIGN_OR_RETURN(
      state->program, LoadProgram(manifest, manifest.model_file, device, precision,
                                  manifest.inputs.size(), std::string(kManifestFile) + " lists"));
  WarmUpModel(*state->program, manifest, device);
  return Model(std::move(state));
}

Result<std::vector<float>> Model::Run(const std::vector<HostTensor>& inputs) const {
  const State& s = *state_;
  if (inputs.size() != s.num_inputs) {
    return Internal("model '" + s.spec.path + "' expects " + std::to_string(s.num_inputs) +
                    " inputs, got " + std::to_string(inputs.size()));
  }
  c10::InferenceMode guard;
  VERDICT_ASSIGN_OR_RETURN(at::Tensor raw, Forward(*s.program, inputs, s.device, s.spec.path));
  return ProbabilityVector(raw, s.spec, inputs.front().shape.front());
}

ChunkPrograms::ChunkPrograms(std::unique_ptr<State> state) : state_(std::move(state)) {}
ChunkPrograms::ChunkPrograms(ChunkPrograms&&) noexcept = default;
ChunkPrograms& ChunkPrograms::operator=(ChunkPrograms&&) noexcept = default;
ChunkPrograms::~ChunkPrograms() = default;

Result<ChunkPrograms> ChunkPrograms::Load(const Manifest& manifest, const Device& device,
                                          Precision precision) {
  if (!manifest.chunk_execution) {
    return Internal("bundle '" + manifest.dir + "' has no chunk_execution");
  }
  const ChunkExecution& chunked = *manifest.chunk_execution;
  auto state = std::make_unique<State>();
  state->device = device;
  state->output = OutputOf(manifest, chunked.head);
  state->head_inputs = chunked.head_inputs.size();
  for (const auto& [field, path] : chunked.encoders) {
    VERDICT_ASSIGN_OR_RETURN(state->encoders[field], LoadProgram(manifest, path, device, precision,
                                                                 2, "a chunk encoder takes"));
  }
  VERDICT_ASSIGN_OR_RETURN(
      state->head, LoadProgram(manifest, chunked.head, device, Precision::kFp32, state->head_inputs,
                               std::string(kManifestFile) + " chunk_execution head_inputs lists"));
  std::map<std::string, int64_t> widths;  // of each encoder's pooled vector
  for (const auto& [field, encoder] : state->encoders) {
    const int64_t tokens = WarmUpTokens(manifest, field);
    widths[field] =
        WarmUp(*encoder,
               {TokenInput({kWarmUpRows, tokens}, true), TokenInput({kWarmUpRows, tokens}, false)},
               device, field + " encoder");
  }
  std::vector<HostTensor> head_inputs;
  for (const HeadInput& input : chunked.head_inputs) {
    head_inputs.push_back(input.kind == HeadInput::Kind::kTextPooled
                              ? FloatZeros({kWarmUpRows, widths[input.field]})
                              : FloatZeros({kWarmUpRows}));
  }
  WarmUp(*state->head, head_inputs, device, chunked.head);
  return ChunkPrograms(std::move(state));
}

Result<HostTensor> ChunkPrograms::Encode(const std::string& field, const HostTensor& ids,
                                         const HostTensor& mask) const {
  const State& s = *state_;
  auto encoder = s.encoders.find(field);
  if (encoder == s.encoders.end()) {
    return Internal("no chunk encoder for text field " + Quote(field));
  }
  const int64_t chunks = ids.shape.front();
  c10::InferenceMode guard;
  VERDICT_ASSIGN_OR_RETURN(at::Tensor pooled,
                           Forward(*encoder->second, {ids, mask}, s.device, field + " encoder"));
  try {
    pooled = pooled.to(torch::kCPU, torch::kFloat32).contiguous();
  } catch (const c10::Error& e) {
    return FailedOnBatch(
        s.device.cuda, "the encoder of '" + field + "' failed on a batch: " + FirstLine(e.what()));
  }
  if (pooled.dim() != 2 || pooled.size(0) != chunks) {
    std::ostringstream shape;
    shape << pooled.sizes();
    return InvalidBundle("the encoder of '" + field + "' returned shape " + shape.str() + " for " +
                         std::to_string(chunks) + " chunks; expected [N, H]");
  }
  HostTensor out;
  out.shape = {pooled.size(0), pooled.size(1)};
  out.f32.assign(pooled.data_ptr<float>(), pooled.data_ptr<float>() + pooled.numel());
  return out;
}

Result<std::vector<float>> ChunkPrograms::Head(const std::vector<HostTensor>& inputs) const {
  const State& s = *state_;
  if (inputs.size() != s.head_inputs) {
    return Internal("head '" + s.output.path + "' expects " + std::to_string(s.head_inputs) +
                    " inputs, got " + std::to_string(inputs.size()));
  }
  c10::InferenceMode guard;
  VERDICT_ASSIGN_OR_RETURN(at::Tensor raw, Forward(*s.head, inputs, s.device, s.output.path));
  return ProbabilityVector(raw, s.output, inputs.front().shape.front());
}

}  // namespace verdict::bundle
