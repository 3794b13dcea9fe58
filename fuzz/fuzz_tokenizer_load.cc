// Fuzz target: the tokenizer loader (src/tokenizer WordPiece::Load) on arbitrary bytes as a
// tokenizer.json, as a vocab.txt, or as a vocab.txt with a tokenizer_config.json (the last byte
// chooses; with a config, a length-prefixed piece of the input is the config). Invariants: Load
// never crashes and its errors have a message; a loaded tokenizer encodes and decodes a sample text
// with every id in the vocabulary and a token for each.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "tokenizer/tokenizer.h"

namespace verdict::fuzz {
namespace {

enum class Layout { kTokenizerJson, kVocabTxt, kVocabTxtWithConfig };

// Writes the input as the files of `layout` in a directory of their own and returns its path.
std::string WriteTokenizer(Layout layout, FuzzedDataProvider& input) {
  static const char* kDirs[] = {"/json", "/vocab", "/vocab_config"};
  const std::string dir = ScratchDir() + kDirs[static_cast<int>(layout)];
  std::filesystem::create_directories(dir);
  if (layout == Layout::kVocabTxtWithConfig) {
    WriteBytes(dir + "/tokenizer_config.json", input.ConsumeRandomLengthString(4096));
  }
  const char* name = layout == Layout::kTokenizerJson ? "/tokenizer.json" : "/vocab.txt";
  WriteBytes(dir + name, input.ConsumeRemainingBytesAsString());
  return dir;
}

void CheckUsable(const tokenizer::WordPiece& wordpiece) {
  static constexpr const char* kSample =
      "Hello, WORLD! [CLS] h\xC3\xA9llo \xE4\xB8\xAD\xE6\x96\x87 ##ab don't [UNK] \xF0\x9F\x98\x80";
  const std::vector<int32_t> ids = wordpiece.Encode(kSample, 16);
  for (int32_t id : ids) {
    Check(id >= 0 && static_cast<size_t>(id) < wordpiece.vocab_size(), "an id out of range");
    // Not TokenToId(IdToToken(id)) == id: a normalized added token decodes (IdToToken) as its
    // normalized content, while TokenToId knows it by its content, both as in tokenizers.
    // An id names a token: a non-empty one, or the empty token itself (a blank vocab.txt line).
    Check(!wordpiece.IdToToken(id).empty() || wordpiece.TokenToId("") == id,
          "an encoded id without a token");
  }
  const std::string decoded = wordpiece.Decode(ids);
  Check(SanitizeUtf8(decoded) == decoded, "Decode returned invalid UTF-8");
}

}  // namespace
}  // namespace verdict::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace verdict;
  FuzzedDataProvider input(data, size);
  const auto layout = static_cast<fuzz::Layout>(input.ConsumeIntegralInRange<int>(0, 2));
  const std::string dir = fuzz::WriteTokenizer(layout, input);
  const auto wordpiece = tokenizer::WordPiece::Load(dir);
  if (wordpiece.ok()) {
    fuzz::CheckUsable(*wordpiece);
  } else {
    fuzz::CheckError(wordpiece.status());
  }
  return 0;
}
