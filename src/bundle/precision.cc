// What the machine offers a lower precision, and the choice of PRECISION (bundle.h).
#include <ATen/Version.h>
#include <ATen/detail/CUDAHooksInterface.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "bundle/bundle.h"

namespace verdict::bundle {

CpuFeatures DetectCpu() {
  CpuFeatures cpu;
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
    cpu.amx_bf16 = (edx >> 22) & 1;  // CPUID.(EAX=7,ECX=0):EDX[22]
    cpu.amx_tile = (edx >> 24) & 1;  // CPUID.(EAX=7,ECX=0):EDX[24]
    const unsigned max_subleaf = eax;
    if (max_subleaf >= 1 && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) {
      cpu.avx512_bf16 = (eax >> 5) & 1;  // CPUID.(EAX=7,ECX=1):EAX[5]
    }
  }
#endif
  cpu.capability = at::get_cpu_capability();
  return cpu;
}

std::string CpuFeatures::ToString() const {
  auto yes = [](bool has) { return has ? "yes" : "no"; };
  return std::string("avx512_bf16 ") + yes(avx512_bf16) + ", amx_bf16 " + yes(amx_bf16) +
         ", amx_tile " + yes(amx_tile) + ", ATen kernels " + capability;
}

namespace {

// bf16 on a CUDA GPU: compute capability 8.0 or more (Ampere on), which is what LibTorch's check
// for cuDNN bf16 tests on the current device; false on a build without CUDA.
bool CudaHasBf16() { return at::detail::getCUDAHooks().supportsBFloat16ConvolutionWithCuDNNv8(); }

// fp32 on every CPU, so a bundle scores the same on any CPU it runs on, AMX or not, within 1e-5
// of eager PyTorch; bf16 only on a GPU that has it, where a run is not the CPU's bit for bit
// anyway.
Result<PrecisionChoice> Automatic(const Manifest& manifest, const Device& device) {
  const bool bf16 = device.cuda && manifest.backend != "aoti" && CudaHasBf16();
  return PrecisionChoice{bf16 ? Precision::kBf16 : Precision::kFp32, true};
}

}  // namespace

Result<PrecisionChoice> ChoosePrecision(std::string_view requested, const Manifest& manifest,
                                        const Device& device) {
  const std::string name = AsciiLower(TrimAscii(requested));
  if (name.empty() || name == "auto") return Automatic(manifest, device);
  const std::optional<Precision> named = PrecisionFromName(name);
  if (!named) {
    return InvalidArgument("PRECISION " + Quote(requested) +
                           " is not one of auto, fp32, bf16, fp16");
  }
  const Precision precision = *named;
  if (precision == Precision::kFp32) return PrecisionChoice{Precision::kFp32, false};
  if (manifest.backend == "aoti") {
    return InvalidArgument("PRECISION " + name + ": bundle '" + manifest.dir +
                           "' is AOTInductor, which runs in the precision it was compiled in "
                           "(fp32); use --precision fp32 or auto, or a torchscript bundle");
  }
  if (precision == Precision::kFp16 && !device.cuda) {
    return InvalidArgument(
        "PRECISION fp16 needs a GPU: LibTorch's CPU fp16 kernels are far slower than fp32 "
        "(docs/performance.md); on the CPU use bf16 or fp32");
  }
  if (precision == Precision::kBf16 && !device.cuda) {
    const CpuFeatures cpu = DetectCpu();
    if (!cpu.avx512_bf16 && !cpu.amx_bf16) {
      LogWarning("PRECISION bf16 on a CPU with neither AVX512-BF16 nor AMX-BF16 (" +
                 cpu.ToString() + "): it runs, emulated, and slower than fp32");
    }
  }
  return PrecisionChoice{precision, false};
}

}  // namespace verdict::bundle
