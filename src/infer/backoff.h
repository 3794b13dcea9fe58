// infer (internal): out-of-memory backoff. A model call that runs out of memory (on a GPU, a
// batch too large for its free memory) is retried in halves, down to one item, and the calls that
// follow keep the smaller size.
//
// Usage (the runner's call site; `rows` one model batch):
//   Backoff backoff("rows");
//   VERDICT_ASSIGN_OR_RETURN(std::vector<float> probs,
//                            backoff.Run(rows.size(), [&](int64_t begin, int64_t end) {
//                              return model.Run(Collate(rows.subspan(begin, end - begin)));
//                            }));
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/core.h"

namespace verdict::infer {

class Backoff {
 public:
  // One call's outputs for items [begin, end), in item order.
  using Call = std::function<Result<std::vector<float>>(int64_t begin, int64_t end)>;

  // `unit`: what the items of a call are, plural, for the log ("rows", "chunks").
  explicit Backoff(std::string unit) : unit_(std::move(unit)) {}

  // Runs items [0, n) in calls of at most limit() consecutive items, in order, and returns their
  // outputs concatenated. A call that fails with StatusCode::kOutOfMemory is run again in two
  // halves (the first one the larger), and the half becomes the limit for every later call,
  // logged once as "out of memory on a batch of 64 rows; retrying in halves; continuing with 32".
  // One item that does not fit is an OutOfMemory error; any other error is returned as it is.
  // Safe to call from several threads (the limit is shared).
  Result<std::vector<float>> Run(int64_t n, const Call& call);

  // The most items per call: unlimited until a call runs out of memory.
  int64_t limit() const { return limit_.load(); }

  // For tests (the injected failure): a call of more than `items` items fails as out of memory
  // without running.
  void FailAbove(int64_t items) { fail_above_.store(items); }

 private:
  // Lowers the limit to half of `failed` items (rounded up) and logs it, unless it is lower.
  void Halve(int64_t failed);

  static constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();
  std::string unit_;
  std::atomic<int64_t> limit_ = kUnlimited;
  std::atomic<int64_t> fail_above_ = kUnlimited;
};

}  // namespace verdict::infer
