// The TorchScript backend: the only file of this stage that includes LibTorch.
#include <torch/script.h>

#include "bundle/bundle.h"

namespace verdict::bundle {

struct Model::State {
  torch::jit::Module module;
  Device device;
  std::string path;
  ModelOutput output = ModelOutput::kLogits;
  Task task = Task::kBinary;
  int num_classes = 2;
  size_t num_inputs = 0;
};

namespace {

// LibTorch messages carry a C++ backtrace after the first line; keep the first line only.
std::string FirstLine(const char* what) {
  std::string text(what);
  size_t end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

// An exception raised inside the model's forward (a TorchScript `raise`) arrives as a TorchScript
// traceback whose last line is the Python exception ("builtins.ValueError: ..."): keep that line.
std::string RaisedLine(const char* what) {
  std::string text(what);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.find("Traceback") == std::string::npos) return FirstLine(text.c_str());
  const size_t start = text.rfind('\n');
  return start == std::string::npos ? text : text.substr(start + 1);
}

torch::Device ToTorch(const Device& device) {
  return device.cuda ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(device.index))
                     : torch::Device(torch::kCPU);
}

at::Tensor ToTensor(const HostTensor& host, const torch::Device& device) {
  at::Tensor tensor;
  if (!host.f32.empty() || host.i64.empty()) {
    tensor = torch::from_blob(const_cast<float*>(host.f32.data()), host.shape, torch::kFloat32);
  } else {
    tensor = torch::from_blob(const_cast<int64_t*>(host.i64.data()), host.shape, torch::kInt64);
  }
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

// [B, K] class probabilities from the model's raw output.
Result<at::Tensor> ToProbabilities(at::Tensor out, const Model::State& s, int64_t batch) {
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

}  // namespace

Model::Model(std::unique_ptr<State> state) : state_(std::move(state)) {}
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;
const Device& Model::device() const { return state_->device; }

Result<Model> Model::Load(const Manifest& manifest, const Device& device) {
  auto state = std::make_unique<State>();
  state->device = device;
  state->path = manifest.model_file;
  state->output = manifest.output;
  state->task = manifest.task;
  state->num_classes = manifest.num_classes;
  state->num_inputs = manifest.inputs.size();
  try {
    state->module = torch::jit::load(manifest.model_file, ToTorch(device));
    state->module.eval();
    const c10::FunctionSchema& schema = state->module.get_method("forward").function().getSchema();
    size_t arguments = schema.arguments().size() - 1;  // minus self
    if (arguments != manifest.inputs.size()) {
      return InvalidBundle("model '" + manifest.model_file + "' takes " +
                           std::to_string(arguments) + " inputs but " + kManifestFile + " lists " +
                           std::to_string(manifest.inputs.size()));
    }
  } catch (const c10::Error& e) {
    return InvalidBundle("cannot load model '" + manifest.model_file + "': " + FirstLine(e.what()));
  } catch (const std::exception& e) {
    return InvalidBundle("cannot load model '" + manifest.model_file + "': " + FirstLine(e.what()));
  }
  return Model(std::move(state));
}

Result<std::vector<float>> Model::Run(const std::vector<HostTensor>& inputs) const {
  const State& s = *state_;
  if (inputs.size() != s.num_inputs) {
    return Internal("model '" + s.path + "' expects " + std::to_string(s.num_inputs) +
                    " inputs, got " + std::to_string(inputs.size()));
  }
  const int64_t batch = inputs.front().shape.front();
  try {
    c10::InferenceMode guard;
    torch::Device device = ToTorch(s.device);
    std::vector<c10::IValue> args;
    args.reserve(inputs.size());
    for (const HostTensor& input : inputs) args.emplace_back(ToTensor(input, device));
    c10::IValue out = const_cast<torch::jit::Module&>(s.module).forward(std::move(args));
    VERDICT_ASSIGN_OR_RETURN(at::Tensor raw, OutputTensor(out, s.path));
    VERDICT_ASSIGN_OR_RETURN(at::Tensor probs, ToProbabilities(raw, s, batch));
    const float* data = probs.data_ptr<float>();
    return std::vector<float>(data, data + probs.numel());
  } catch (const c10::Error& e) {
    return InvalidBundle("model '" + s.path + "' failed on a batch: " + FirstLine(e.what()));
  } catch (const std::exception& e) {
    return InvalidBundle("model '" + s.path + "' failed on a batch: " + RaisedLine(e.what()));
  }
}

}  // namespace verdict::bundle
