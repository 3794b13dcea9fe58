#include "tokenizer/vocab.h"

#include <cstring>

namespace verdict::tokenizer::internal {
namespace {

constexpr uint64_t kMultiplier = 0x9E3779B97F4A7C15ull;

uint64_t Mix(uint64_t h, uint64_t word) {
  h = (h ^ word) * kMultiplier;
  return h ^ (h >> 29);
}

}  // namespace

uint64_t VocabIndex::Hash(std::string_view text) {
  uint64_t h = text.size() * kMultiplier;
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    h = Mix(h, word);
  }
  if (i < text.size()) {
    uint64_t word = 0;
    std::memcpy(&word, text.data() + i, text.size() - i);
    h = Mix(h, word);
  }
  return Mix(h, h >> 32) | 1;  // never 0, which marks an empty slot
}

std::string_view VocabIndex::TokenAt(const Slot& slot) const {
  return std::string_view(pool_).substr(slot.offset, slot.length);
}

void VocabIndex::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, Slot());
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.hash == 0) continue;
    size_t i = slot.hash & mask;
    while (slots_[i].hash != 0) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

void VocabIndex::Insert(std::string_view token, int32_t id) {
  if ((size_ + 1) * 2 > slots_.size()) Grow();
  const uint64_t hash = Hash(token);
  const size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  while (slots_[i].hash != 0) {
    if (slots_[i].hash == hash && TokenAt(slots_[i]) == token) {
      slots_[i].id = id;
      return;
    }
    i = (i + 1) & mask;
  }
  slots_[i] =
      Slot{hash, static_cast<uint32_t>(pool_.size()), static_cast<uint32_t>(token.size()), id};
  pool_.append(token);
  ++size_;
  if (token.size() > max_token_bytes_) max_token_bytes_ = token.size();
}

int32_t VocabIndex::Find(std::string_view token) const {
  if (slots_.empty()) return kMissing;
  const uint64_t hash = Hash(token);
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.hash == 0) return kMissing;
    if (slot.hash == hash && slot.length == token.size() &&
        std::memcmp(pool_.data() + slot.offset, token.data(), token.size()) == 0) {
      return slot.id;
    }
  }
}

}  // namespace verdict::tokenizer::internal
