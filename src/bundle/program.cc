// The two backends of internal::Program: TorchScript and AOTInductor.
#include "bundle/program.h"

#include <ATen/autocast_mode.h>
#include <torch/csrc/inductor/aoti_package/model_package_loader.h>

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
// `dtype` (casting their inputs and weights per call) and keeps the rest in float32. Weights are
// not converted once at load instead: a traced graph keeps the float32 dtypes it saw at trace
// time (a `.to(torch.float32)` of an input, an attention bias made with mask.to(x.dtype)), which
// then meet bf16 weights in ops that refuse mixed dtypes (BatchNorm of the tabular example).
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

class TorchScriptProgram final : public Program {
 public:
  TorchScriptProgram(torch::jit::Module module, at::DeviceType device, at::ScalarType dtype)
      : module_(std::move(module)), device_(device), dtype_(dtype) {}

  std::optional<size_t> arity() const override {
    const c10::FunctionSchema& schema = module_.get_method("forward").function().getSchema();
    return schema.arguments().size() - 1;  // minus self
  }

  c10::IValue Run(std::vector<at::Tensor> inputs) const override {
    std::vector<c10::IValue> args(std::make_move_iterator(inputs.begin()),
                                  std::make_move_iterator(inputs.end()));
    torch::jit::Module& module = const_cast<torch::jit::Module&>(module_);
    if (dtype_ == at::kFloat) return module.forward(std::move(args));
    AutocastGuard autocast(device_, dtype_);
    return module.forward(std::move(args));
  }

 private:
  torch::jit::Module module_;
  at::DeviceType device_;
  at::ScalarType dtype_;
};

Result<std::unique_ptr<const Program>> LoadTorchScript(const std::string& path,
                                                       const Device& device, Precision precision) {
  const torch::Device target =
      device.cuda ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(device.index))
                  : torch::Device(torch::kCPU);
  torch::jit::Module module = torch::jit::load(path, target);
  module.eval();
  return std::unique_ptr<const Program>(
      new TorchScriptProgram(std::move(module), target.type(), DtypeOf(precision)));
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
