// bundle (internal to model.cc): one loaded program, the model file or a chunk encoder or head,
// behind one interface whatever the bundle's backend:
//   torchscript  a TorchScript module (torch::jit::load); in bf16 with its weights converted at
//                load (LibTorch's autocast when the graph refuses them), in fp16 under autocast
//                (program.cc says why);
//   aoti         an AOTInductor package (.pt2, torch._inductor.aoti_compile_and_package) run by
//                torch::inductor::AOTIModelPackageLoader; it runs in the precision it was
//                compiled in (fp32), for the device it was compiled for.
// What a program returns is left as it is (model.cc converts it to float32 on the host).
#pragma once

#include <torch/script.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bundle/bundle.h"

namespace verdict::bundle::internal {

// The first line of a LibTorch message (they carry a C++ backtrace after it).
std::string FirstLine(const char* what);

// The line that says why a model call failed: an exception raised inside forward (a TorchScript
// `raise`, or an op's error) arrives as a TorchScript traceback whose last line is the exception
// ("builtins.ValueError: ...", "RuntimeError: ..."); otherwise the first line.
std::string RaisedLine(const char* what);

// True when a LibTorch message says a device ran out of memory (CUDA's OutOfMemoryError, also
// when the TorchScript interpreter rethrows it as a runtime_error).
bool SaysOutOfMemory(std::string_view message);

// The LibTorch device of `device`.
torch::Device ToTorch(const Device& device);

class Program {
 public:
  // Loads the program at `path` for `manifest`'s backend on `device`, in `precision`. Errors name
  // the file: a corrupt or foreign file, a package compiled for another device.
  static Result<std::unique_ptr<const Program>> Load(const std::string& path,
                                                     const std::string& backend,
                                                     const Device& device, Precision precision);
  virtual ~Program() = default;

  // The number of inputs forward takes, when the program records it.
  virtual std::optional<size_t> arity() const = 0;

  // Runs forward on `inputs` (tensors on the program's device) and returns what it returns.
  // Throws what LibTorch throws (c10::Error, std::exception).
  virtual c10::IValue Run(std::vector<at::Tensor> inputs) const = 0;
};

}  // namespace verdict::bundle::internal
