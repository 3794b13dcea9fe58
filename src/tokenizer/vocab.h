// Private to the tokenizer stage: an immutable string -> id hash index for vocabulary lookups
// on the hot path (open addressing, one probe sequence per lookup, no allocation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace verdict::tokenizer::internal {

class VocabIndex {
 public:
  static constexpr int32_t kMissing = -1;

  // Adds `token` with `id`; a token added twice keeps the last id.
  void Insert(std::string_view token, int32_t id);
  // The id of `token`, or kMissing.
  int32_t Find(std::string_view token) const;
  // Length in bytes of the longest token.
  size_t max_token_bytes() const { return max_token_bytes_; }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t offset = 0;
    uint32_t length = 0;
    int32_t id = kMissing;
  };
  static uint64_t Hash(std::string_view text);
  std::string_view TokenAt(const Slot& slot) const;
  void Grow();

  std::vector<Slot> slots_;
  std::string pool_;
  size_t size_ = 0;
  size_t max_token_bytes_ = 0;
};

}  // namespace verdict::tokenizer::internal
