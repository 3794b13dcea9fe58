// Fuzz target: WordPiece encode and decode (src/tokenizer) on arbitrary bytes as the text, with
// each golden tokenizer (uncased and cased tokenizer.json, a vocab.txt with its config). The
// first bytes choose the tokenizer and max_length. Invariants: every id lies in the vocabulary;
// Encode is [CLS] + EncodeNoSpecial, truncated to max_length, + [SEP]; Decode returns valid UTF-8.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "tokenizer/tokenizer.h"

namespace verdict::fuzz {
namespace {

std::vector<tokenizer::WordPiece> Tokenizers() {
  std::vector<tokenizer::WordPiece> loaded;
  for (const char* dir : {"uncased", "cased", "vocab_dir"}) {
    auto wordpiece = tokenizer::WordPiece::Load(SourcePath("tests/golden/tokenizer/") + dir);
    Check(wordpiece.ok(), wordpiece.status().message());
    loaded.push_back(*std::move(wordpiece));
  }
  return loaded;
}

}  // namespace
}  // namespace verdict::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace verdict;
  static const std::vector<tokenizer::WordPiece> kTokenizers = fuzz::Tokenizers();
  FuzzedDataProvider input(data, size);
  const auto& wordpiece =
      kTokenizers[input.ConsumeIntegralInRange<size_t>(0, kTokenizers.size() - 1)];
  const size_t max_length = input.ConsumeIntegralInRange<size_t>(0, 40);
  const std::string text = input.ConsumeRemainingBytesAsString();

  const std::vector<int32_t> content = wordpiece.EncodeNoSpecial(text);
  const std::vector<int32_t> ids = wordpiece.Encode(text, max_length);
  fuzz::CheckIdsInVocabulary(content, wordpiece.vocab_size());
  fuzz::CheckIdsInVocabulary(ids, wordpiece.vocab_size());
  // The BERT template: [CLS] content [SEP]; max_length >= 2 keeps the first max_length - 2
  // content ids, a smaller one leaves the sequence untruncated.
  const size_t kept = max_length >= 2 ? std::min(content.size(), max_length - 2) : content.size();
  std::vector<int32_t> expected = {wordpiece.cls_id()};
  expected.insert(expected.end(), content.begin(), content.begin() + kept);
  expected.push_back(wordpiece.sep_id());
  fuzz::Check(ids == expected, "Encode is not [CLS] + EncodeNoSpecial + [SEP]");
  const std::string decoded = wordpiece.Decode(ids);
  fuzz::Check(SanitizeUtf8(decoded) == decoded, "Decode returned invalid UTF-8");
  return 0;
}
