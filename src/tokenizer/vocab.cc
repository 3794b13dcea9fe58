#include "tokenizer/vocab.h"

#include <map>

namespace verdict::tokenizer::internal {

namespace {

constexpr uint32_t kNoChild = 0;  // offset 0 is the root record, never a child

// The trie while it is built: children by byte, and the id of the token ending at each node.
struct BuildTrie {
  std::vector<std::map<uint8_t, uint32_t>> children{1};
  std::vector<int32_t> ids{PrefixTrie::kMissing};

  void Insert(std::string_view token, int32_t id) {
    uint32_t node = 0;
    for (const char c : token) {
      auto [it, inserted] = children[node].emplace(static_cast<uint8_t>(c), 0);
      if (inserted) {
        it->second = static_cast<uint32_t>(ids.size());
        children.emplace_back();
        ids.push_back(PrefixTrie::kMissing);
      }
      node = it->second;
    }
    ids[node] = id;
  }
};

// Nodes with more children than this store a direct table of 256 child offsets instead.
constexpr size_t kMaxSparseEdges = 16;
constexpr uint32_t kDenseFlag = 0x80000000u;

size_t RecordWords(size_t edges) {
  return edges > kMaxSparseEdges ? 2 + 256 : 2 + (edges + 3) / 4 + edges;
}

}  // namespace

PrefixTrie::PrefixTrie(const std::vector<std::pair<std::string_view, int32_t>>& tokens) {
  BuildTrie build;
  for (const auto& [token, id] : tokens) {
    if (!token.empty()) build.Insert(token, id);
  }
  // Breadth-first order keeps the frequently visited upper levels close together.
  std::vector<uint32_t> order{0};
  for (size_t i = 0; i < order.size(); ++i) {
    for (const auto& [byte, child] : build.children[order[i]]) order.push_back(child);
  }
  std::vector<uint32_t> offset(order.size());
  size_t total = 0;
  for (uint32_t node : order) {
    offset[node] = static_cast<uint32_t>(total);
    total += RecordWords(build.children[node].size());
  }
  data_.assign(total, 0);
  for (uint32_t node : order) {
    const auto& children = build.children[node];
    uint32_t* record = data_.data() + offset[node];
    record[0] = static_cast<uint32_t>(build.ids[node]);
    record[1] = static_cast<uint32_t>(children.size());
    if (children.size() > kMaxSparseEdges) {
      record[1] |= kDenseFlag;
      for (const auto& [byte, child] : children) record[2 + byte] = offset[child];
      continue;
    }
    auto* bytes = reinterpret_cast<uint8_t*>(record + 2);
    uint32_t* targets = record + 2 + (children.size() + 3) / 4;
    size_t k = 0;
    for (const auto& [byte, child] : children) {
      bytes[k] = byte;
      targets[k] = offset[child];
      ++k;
    }
  }
  for (const auto& [byte, child] : build.children[0]) root_children_[byte] = offset[child];
}

uint32_t PrefixTrie::Child(uint32_t record, uint8_t byte) const {
  if (record == 0) return root_children_[byte];
  const uint32_t* r = data_.data() + record;
  if (r[1] & kDenseFlag) return r[2 + byte];
  const uint32_t count = r[1];
  const auto* bytes = reinterpret_cast<const uint8_t*>(r + 2);
  for (uint32_t i = 0; i < count; ++i) {
    if (bytes[i] == byte) return r[2 + (count + 3) / 4 + i];
    if (bytes[i] > byte) break;
  }
  return kNoChild;
}

int32_t PrefixTrie::LongestPrefix(std::string_view text, size_t* length) const {
  int32_t best = kMissing;
  *length = 0;
  uint32_t record = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    record = Child(record, static_cast<uint8_t>(text[i]));
    if (record == kNoChild) break;
    const auto id = static_cast<int32_t>(data_[record]);
    if (id != kMissing) {
      best = id;
      *length = i + 1;
    }
  }
  return best;
}

}  // namespace verdict::tokenizer::internal
