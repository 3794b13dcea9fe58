#include "infer/backoff.h"

#include <algorithm>

namespace verdict::infer {

Result<std::vector<float>> Backoff::Run(int64_t n, const Call& call) {
  std::vector<float> outputs;
  int64_t begin = 0;
  while (begin < n) {
    const int64_t size = std::min(n - begin, limit_.load());
    Result<std::vector<float>> out = size > fail_above_.load()
                                         ? Result<std::vector<float>>(OutOfMemory(
                                               "injected out of memory above " +
                                               std::to_string(fail_above_.load()) + " " + unit_))
                                         : call(begin, begin + size);
    if (out.ok()) {
      outputs.insert(outputs.end(), out->begin(), out->end());
      begin += size;
      continue;
    }
    if (out.status().code() != StatusCode::kOutOfMemory) return out.status();
    if (size == 1) {
      return OutOfMemory("out of memory on a batch of one of the " + unit_ +
                         ", the least there is (it does not fit this device; --fallback-cpu or "
                         "DEVICE=cpu runs it on the CPU): " +
                         out.status().message());
    }
    Halve(size);
  }
  return outputs;
}

void Backoff::Halve(int64_t failed) {
  const int64_t half = (failed + 1) / 2;
  int64_t current = limit_.load();
  while (half < current) {
    if (limit_.compare_exchange_weak(current, half)) {
      LogWarning("out of memory on a batch of " + std::to_string(failed) + " " + unit_ +
                 "; retrying in halves; continuing with " + std::to_string(half));
      return;
    }
  }
}

}  // namespace verdict::infer
