// The seeded generator and stratified resampling.
#include <map>
#include <utility>

#include "numeric/numeric.h"

namespace verdict::numeric {
namespace {

uint64_t RotateLeft(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

Generator::Generator(uint64_t seed) {
  for (uint64_t& word : state_) word = SplitMix64(seed);
}

uint64_t Generator::Next() {
  const uint64_t result = RotateLeft(state_[1] * 5, 7) * 9;
  const uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = RotateLeft(state_[3], 45);
  return result;
}

uint64_t Generator::Below(uint64_t bound) {
  unsigned __int128 product = static_cast<unsigned __int128>(Next()) * bound;
  uint64_t low = static_cast<uint64_t>(product);
  if (low < bound) {
    const uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      product = static_cast<unsigned __int128>(Next()) * bound;
      low = static_cast<uint64_t>(product);
    }
  }
  return static_cast<uint64_t>(product >> 64);
}

StratifiedResampler::StratifiedResampler(std::span<const int32_t> labels) {
  std::map<int32_t, std::vector<size_t>> by_label;
  for (size_t i = 0; i < labels.size(); ++i) by_label[labels[i]].push_back(i);
  resampled_labels_.reserve(labels.size());
  for (auto& [label, rows] : by_label) {
    resampled_labels_.insert(resampled_labels_.end(), rows.size(), label);
    strata_.push_back(std::move(rows));
  }
}

void StratifiedResampler::Draw(Generator& rng, std::vector<size_t>& rows) const {
  rows.resize(resampled_labels_.size());
  size_t out = 0;
  for (const std::vector<size_t>& stratum : strata_) {
    for (size_t k = 0; k < stratum.size(); ++k) rows[out++] = stratum[rng.Below(stratum.size())];
  }
}

}  // namespace verdict::numeric
