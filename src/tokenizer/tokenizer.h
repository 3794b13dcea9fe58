// tokenizer: BERT WordPiece tokenization with the exact ids of the Hugging Face fast tokenizer
// (`tokenizers` Tokenizer.from_file(...).encode(text).ids) and its decode.
//
// Reads a tokenizer.json (BertNormalizer or none, BertPreTokenizer, WordPiece model, added and
// special tokens with their single_word / lstrip / rstrip / normalized flags, TemplateProcessing
// or BertProcessing post-processor, WordPiece decoder), or a vocab.txt with an optional
// tokenizer_config.json (do_lower_case, strip_accents, tokenize_chinese_chars, special tokens,
// added_tokens_decoder), which gives what transformers' BertTokenizerFast builds from them.
// Truncation and padding settings stored in tokenizer.json are ignored: callers pass max_length.
//
// Hostile files: every id the file gives (vocabulary entries, added tokens, the post-processor's
// special tokens, padding.pad_id) must lie below the number of entries that define ids, so a
// stray id like 10^8 is an error naming the file and the key before anything is allocated for it.
// Loading reports bad paths (a name over 255 bytes, no permission) as errors, never exceptions.
//
// Unicode: the character tables (clean_text controls, whitespace, punctuation, CJK ranges, NFD,
// combining classes, lowercase) are generated from the `tokenizers` package itself into
// generated/unicode_data.inc by tools/generate/unicode_tokenizer.py (`make generate`), so they
// follow its Unicode data, not this machine's.
//
// Invalid UTF-8: each maximal ill-formed subsequence is read as one U+FFFD (core's UTF-8 codec,
// exactly like Python's bytes.decode("utf-8", errors="replace")), and then tokenized as HF would
// tokenize that decoded string (clean_text deletes U+FFFD; without clean_text it becomes [UNK]
// or its own id). Input never makes the tokenizer fail or crash.
//
// Thread safety: a WordPiece is immutable after Load; all methods are const and may be called
// from many threads at once. Copies are cheap (they share the loaded data).
//
// Usage:
//   VERDICT_ASSIGN_OR_RETURN(auto wp, tokenizer::WordPiece::Load(bundle_dir + "/tokenizer.json"));
//   std::vector<int32_t> ids = wp.Encode("Hello, world!", /*max_length=*/128);
//   // ids == {101, 7592, 1010, 2088, 999, 102} for bert-base-uncased
//   std::string text = wp.Decode(ids);  // "hello, world!"
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace verdict::tokenizer {

class WordPiece {
 public:
  // `path` is a tokenizer.json file, a directory holding tokenizer.json (preferred) or
  // vocab.txt, or a vocab.txt file; a tokenizer_config.json beside a vocab.txt supplies its
  // settings. Errors name the file and what is wrong or unsupported in it.
  static Result<WordPiece> Load(const std::string& path);
  // The files Load(path) reads: the tokenizer.json or vocab.txt, and the tokenizer_config.json
  // beside a vocab.txt when there is one (the bundle's integrity check covers each of them).
  static Result<std::vector<std::string>> Files(const std::string& path);

  // Token ids of `text`, without special tokens and without truncation.
  std::vector<int32_t> EncodeNoSpecial(std::string_view text) const;

  // The post-processor's single-sequence template around the ids ([CLS] ids [SEP] for BERT).
  // When max_length > 0 the result has at most max_length tokens: content tokens are dropped
  // from the end, the special tokens kept. Like HF, a max_length smaller than the number of
  // special tokens leaves the sequence untruncated.
  std::vector<int32_t> Encode(std::string_view text, size_t max_length = 0) const;

  // Hugging Face transformers decode(ids, skip_special_tokens=True,
  // clean_up_tokenization_spaces=True): special tokens and unknown ids skipped, the WordPiece
  // decoder (tokens joined by spaces, continuing-subword prefixes glued, its per-token cleanup),
  // then the cleanup of spaces before . , ! ? and the contractions 's 'm 've 're n't.
  std::string Decode(std::span<const int32_t> ids) const;

  // Id of a token string in the model vocabulary or the added tokens, or -1.
  int32_t TokenToId(std::string_view token) const;
  // The token string of an id, or "" when the id is unknown.
  std::string_view IdToToken(int32_t id) const;

  // Ids of the special tokens; -1 when the tokenizer does not define one.
  int32_t pad_id() const;
  int32_t cls_id() const;
  int32_t sep_id() const;
  int32_t unk_id() const;
  // Number of ids (largest id + 1), model vocabulary and added tokens together.
  size_t vocab_size() const;

  struct Impl;

 private:
  explicit WordPiece(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace verdict::tokenizer
