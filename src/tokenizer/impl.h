// Private to the tokenizer stage: the loaded tokenizer (WordPiece::Impl) and the functions the
// loader, the encoder and the decoder share.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab.h"

namespace verdict::tokenizer {
namespace internal {

struct AddedToken {
  std::string content;  // as written in the tokenizer file
  std::string pattern;  // what is matched: the content, normalized for normalized tokens
  int32_t id = -1;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
  bool special = false;
};

struct NormalizerOptions {
  bool enabled = false;  // false: tokenizer.json has no normalizer
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;
  bool lowercase = true;
};

// One element of the post-processor's single-sequence template.
struct TemplateItem {
  bool is_sequence = false;
  std::vector<int32_t> ids;  // the special token's ids when !is_sequence
};

// What the pre-tokenizer does with an ASCII character (after normalization).
enum class AsciiClass : uint8_t { kWordChar, kWhitespace, kPunctuation };

// Normalization of each ASCII byte alone: -1 when dropped, else the resulting ASCII byte.
using AsciiNormalization = std::array<int16_t, 128>;

}  // namespace internal

struct WordPiece::Impl {
  internal::NormalizerOptions normalizer;
  std::unordered_map<std::string, int32_t> vocab;  // the WordPiece model's vocabulary
  internal::PrefixTrie word_start_trie;            // the vocabulary
  internal::PrefixTrie continuation_trie;  // entries starting with the prefix, prefix cut off
  std::string continuing_prefix = "##";
  size_t max_input_chars_per_word = 100;
  int32_t unk = -1;
  int32_t cls = -1;
  int32_t sep = -1;
  int32_t pad = -1;

  std::vector<std::string> id_to_token;         // model vocabulary and added tokens
  std::vector<bool> special_id;                 // id is a special added token (skipped by Decode)
  std::vector<internal::AddedToken> raw_added;  // matched in the raw text
  std::vector<internal::AddedToken> normalized_added;  // matched in the normalized text
  std::string raw_first_bytes;         // distinct first bytes of the raw_added patterns
  std::string normalized_first_bytes;  // same for normalized_added

  std::vector<internal::TemplateItem> single_template;
  size_t template_special_count = 0;

  bool wordpiece_decoder = true;  // false: tokens are joined by single spaces
  std::string decoder_prefix = "##";
  bool decoder_cleanup = true;

  internal::AsciiNormalization ascii_normalization{};
  std::array<internal::AsciiClass, 128> ascii_class{};
};

namespace internal {

// Fills the derived fields of `impl` (tries, ASCII tables, added-token patterns) once its
// configuration, vocabulary and added tokens are set.
void FinalizeImpl(WordPiece::Impl* impl);

// The normalizer's output for `text` (used for normalized added tokens and for the tables).
std::string NormalizeText(const WordPiece::Impl& impl, std::string_view text);

}  // namespace internal
}  // namespace verdict::tokenizer
