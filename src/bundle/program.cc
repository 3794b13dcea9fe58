// The two backends of internal::Program: TorchScript and AOTInductor.
#include "bundle/program.h"

#include <ATen/autocast_mode.h>
#include <torch/csrc/inductor/aoti_package/model_package_loader.h>

#include <mutex>
#include <string_view>
#include <utility>

namespace verdict::bundle::internal {

namespace {

at::ScalarType DtypeOf(Precision precision) {
  switch (precision) {
    case Precision::kBf16:
      return at::kBFloat16;
    case Precision::kFp16:
      return at::kHalf;
    case Precision::kFp32:
      break;
  }
  return at::kFloat;
}

// Autocast to `dtype` on `device` while alive (this thread), the previous state restored after:
// LibTorch runs matmuls, linear layers, convolutions and the other ops of its autocast lists in
// `dtype` (casting their inputs and weights per call) and keeps the rest in float32.
class AutocastGuard {
 public:
  AutocastGuard(at::DeviceType device, at::ScalarType dtype)
      : device_(device),
        enabled_(at::autocast::is_autocast_enabled(device)),
        dtype_(at::autocast::get_autocast_dtype(device)) {
    at::autocast::set_autocast_enabled(device, true);
    at::autocast::set_autocast_dtype(device, dtype);
  }
  ~AutocastGuard() {
    at::autocast::set_autocast_enabled(device_, enabled_);
    at::autocast::set_autocast_dtype(device_, dtype_);
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  at::DeviceType device_;
  bool enabled_;
  at::ScalarType dtype_;
};

// The module's floating-point parameters and buffers in `dtype`. (Module::to would convert its
// integer buffers too, such as BERT's position ids, which then fail as indices.)
void ConvertFloating(torch::jit::Module& module, at::ScalarType dtype) {
  for (at::Tensor tensor : module.parameters()) {
    if (tensor.is_floating_point()) tensor.set_data(tensor.to(dtype));
  }
  for (at::Tensor tensor : module.buffers()) {
    if (tensor.is_floating_point()) tensor.set_data(tensor.to(dtype));
  }
}

torch::jit::Module LoadModule(const std::string& path, const torch::Device& device) {
  torch::jit::Module module = torch::jit::load(path, device);
  module.eval();
  return module;
}

// A TorchScript module in fp32, bf16 or fp16.
//
// bf16 runs with the weights converted once, at load: every op then runs in bf16 with no casts
// between ops (under autocast, each linear layer's input and output were cast, which took as
// long as the bf16 matmuls saved: 150 casts per MiniLM call). bf16 has float32's exponent range,
// so float32 constants a traced graph holds (an attention mask's finfo.min) keep their meaning.
// A graph that refuses the converted weights throws on its call (a traced `.to(torch.float32)`
// meeting a bf16 BatchNorm, as in the tabular example); the program then reloads the fp32
// weights and runs under autocast from then on, with a warning. fp16, whose range is narrower,
// always runs under autocast. The precision check (pipeline/precision.h) compares either with
// fp32 before the run trusts it.
class TorchScriptProgram final : public Program {
 public:
  TorchScriptProgram(std::string path, torch::Device device, at::ScalarType dtype)
      : path_(std::move(path)), device_(device), dtype_(dtype), converted_(dtype == at::kBFloat16) {
    module_ = std::make_shared<torch::jit::Module>(LoadModule(path_, device_));
    if (converted_) ConvertFloating(*module_, dtype_);
  }

  std::optional<size_t> arity() const override {
    const c10::FunctionSchema& schema =
        Current().first->get_method("forward").function().getSchema();
    return schema.arguments().size() - 1;  // minus self
  }

  c10::IValue Run(std::vector<at::Tensor> inputs) const override {
    auto [module, converted] = Current();
    if (dtype_ == at::kFloat) return Forward(*module, std::move(inputs));
    if (converted) {
      try {
        return Forward(*module, CastFloating(inputs));
      } catch (const std::exception& e) {
        if (SaysOutOfMemory(e.what())) throw;
        module = UseAutocast(e);
      }
    }
    AutocastGuard autocast(device_.type(), dtype_);
    return Forward(*module, std::move(inputs));
  }

 private:
  static c10::IValue Forward(torch::jit::Module& module, std::vector<at::Tensor> inputs) {
    return module.forward(std::vector<c10::IValue>(std::make_move_iterator(inputs.begin()),
                                                   std::make_move_iterator(inputs.end())));
  }

  // The floating-point inputs (tabular features) in the converted weights' dtype.
  std::vector<at::Tensor> CastFloating(const std::vector<at::Tensor>& inputs) const {
    std::vector<at::Tensor> cast;
    cast.reserve(inputs.size());
    for (const at::Tensor& input : inputs) {
      cast.push_back(input.is_floating_point() ? input.to(dtype_) : input);
    }
    return cast;
  }

  // The module to run now, and whether its weights are converted.
  std::pair<std::shared_ptr<torch::jit::Module>, bool> Current() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {module_, converted_};
  }

  // After the converted graph failed with `why`: the fp32 weights, run under autocast from now on.
  std::shared_ptr<torch::jit::Module> UseAutocast(const std::exception& why) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (converted_) {
      LogWarning("model '" + path_ + "' does not run with its weights in bf16 (" +
                 RaisedLine(why.what()) + "); it runs under autocast instead, slower");
      module_ = std::make_shared<torch::jit::Module>(LoadModule(path_, device_));
      converted_ = false;
    }
    return module_;
  }

  const std::string path_;
  const torch::Device device_;
  const at::ScalarType dtype_;
  mutable std::mutex mutex_;  // guards the switch to autocast
  mutable std::shared_ptr<torch::jit::Module> module_;
  mutable bool converted_;
};

Result<std::unique_ptr<const Program>> LoadTorchScript(const std::string& path,
                                                       const Device& device, Precision precision) {
  return std::unique_ptr<const Program>(
      new TorchScriptProgram(path, ToTorch(device), DtypeOf(precision)));
}

// The AOTInductor package's metadata key naming the device it was compiled for, and the key the
// exporter adds with the number of inputs (python/verdict/aoti.py).
constexpr const char* kAotiDeviceKey = "AOTI_DEVICE_KEY";
constexpr const char* kInputsKey = "verdict_inputs";

class AotiProgram final : public Program {
 public:
  AotiProgram(std::unique_ptr<torch::inductor::AOTIModelPackageLoader> loader,
              std::optional<size_t> arity)
      : loader_(std::move(loader)), arity_(arity) {}

  std::optional<size_t> arity() const override { return arity_; }

  c10::IValue Run(std::vector<at::Tensor> inputs) const override {
    std::vector<at::Tensor> outputs = loader_->run(inputs);
    if (outputs.size() == 1) return outputs.front();
    return c10::ivalue::Tuple::create(std::vector<c10::IValue>(outputs.begin(), outputs.end()));
  }

 private:
  // run() is not const in LibTorch; the package's model container serializes concurrent calls.
  std::unique_ptr<torch::inductor::AOTIModelPackageLoader> loader_;
  std::optional<size_t> arity_;
};

Result<std::unique_ptr<const Program>> LoadAoti(const std::string& path, const Device& device,
                                                Precision precision) {
  if (precision != Precision::kFp32) {
    return InvalidArgument("model '" + path + "' is an AOTInductor package, which runs in the " +
                           "precision it was compiled in (fp32); run it with --precision fp32");
  }
  const std::unordered_map<std::string, std::string> metadata =
      torch::inductor::AOTIModelPackageLoader::load_metadata_from_package(path, "model");
  const auto compiled_for = metadata.find(kAotiDeviceKey);
  const std::string wanted = device.cuda ? "cuda" : "cpu";
  if (compiled_for != metadata.end() && compiled_for->second != wanted) {
    return InvalidBundle("model '" + path + "' was compiled for " + compiled_for->second +
                         ", not " + wanted + " (export it again on a " + wanted +
                         " machine, or run it with --device " + compiled_for->second + ")");
  }
  std::optional<size_t> arity;
  if (const auto inputs = metadata.find(kInputsKey); inputs != metadata.end()) {
    if (std::optional<int64_t> count = ParseInt(inputs->second); count && *count >= 0) {
      arity = static_cast<size_t>(*count);
    }
  }
  auto loader = std::make_unique<torch::inductor::AOTIModelPackageLoader>(
      path, "model", /*run_single_threaded=*/false, /*num_runners=*/1,
      device.cuda ? static_cast<c10::DeviceIndex>(device.index) : c10::DeviceIndex{-1});
  return std::unique_ptr<const Program>(new AotiProgram(std::move(loader), arity));
}

}  // namespace

bool SaysOutOfMemory(std::string_view message) {
  return message.find("out of memory") != std::string_view::npos;
}

torch::Device ToTorch(const Device& device) {
  return device.cuda ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(device.index))
                     : torch::Device(torch::kCPU);
}

std::string RaisedLine(const char* what) {
  std::string text(what);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.find("Traceback") == std::string::npos) return FirstLine(text.c_str());
  const size_t start = text.rfind('\n');
  return start == std::string::npos ? text : text.substr(start + 1);
}

std::string FirstLine(const char* what) {
  std::string text(what);
  const size_t end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

Result<std::unique_ptr<const Program>> Program::Load(const std::string& path,
                                                     const std::string& backend,
                                                     const Device& device, Precision precision) {
  try {
    if (backend == "aoti") return LoadAoti(path, device, precision);
    return LoadTorchScript(path, device, precision);
  } catch (const std::exception& e) {  // c10::Error included
    return InvalidBundle("cannot load model '" + path + "': " + FirstLine(e.what()));
  }
}

}  // namespace verdict::bundle::internal
