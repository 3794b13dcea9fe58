// Private to the tokenizer stage: a byte trie over the WordPiece vocabulary. Greedy
// longest-match-first WordPiece needs, at each position, the longest vocabulary entry that is a
// prefix of the rest of the word; one walk down the trie finds it, instead of shrinking a
// candidate one character at a time and hashing each.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace verdict::tokenizer::internal {

class PrefixTrie {
 public:
  static constexpr int32_t kMissing = -1;

  // Builds the trie from (token, id) pairs; empty tokens are ignored, and a token listed twice
  // keeps the last id.
  explicit PrefixTrie(const std::vector<std::pair<std::string_view, int32_t>>& tokens = {});

  // The id of the longest token that is a prefix of `text`, its length in *length; kMissing
  // (and *length 0) when no token is.
  int32_t LongestPrefix(std::string_view text, size_t* length) const;

 private:
  // Node records, breadth-first, each one contiguous in data_: the id (kMissing when no token
  // ends here), the edge count n, n edge bytes (sorted) packed four to a word, then n child
  // record offsets; a node with many children has a direct table of 256 child offsets instead
  // (flagged in the count word). The root's children are also kept in a direct table.
  uint32_t Child(uint32_t record, uint8_t byte) const;

  std::vector<uint32_t> data_;
  std::array<uint32_t, 256> root_children_{};
};

}  // namespace verdict::tokenizer::internal
