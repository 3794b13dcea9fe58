// Fuzz target: the text steps (src/text), each one alone and the whole pipelines, on arbitrary
// bytes as the raw cell. The first bytes choose the step list and the options (small token
// budgets and limits included, so the chunker's cuts and the limit errors are reached); the rest
// is the cell. Invariants: Run never crashes; an error has a message; every chunk is valid UTF-8;
// at most max_chunks id lists, each at most max_sen_len ids, all in the vocabulary, [CLS] first
// and [SEP] last.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "text/text.h"
#include "tokenizer/tokenizer.h"

namespace verdict::fuzz {
namespace {

const tokenizer::WordPiece& Tokenizer() {
  static const tokenizer::WordPiece wordpiece = [] {
    auto loaded = tokenizer::WordPiece::Load(SourcePath("tests/golden/tokenizer/uncased"));
    Check(loaded.ok(), loaded.status().message());
    return *std::move(loaded);
  }();
  return wordpiece;
}

// Each step alone, then the step lists bundles use.
std::vector<std::vector<std::string>> StepLists() {
  std::vector<std::vector<std::string>> lists = {
      {"dialogue_splitter"},
      {"html_normalizer"},
      {"emoji_remover"},
      {"emoji_remover_v2"},
      {"text_normalizer"},
      {"text_upper"},
      {"dialogue_chunker"},
      {"tokenizer"},
      {"dialogue_splitter", "emoji_remover_v2", "text_normalizer", "dialogue_chunker", "tokenizer"},
      {"html_normalizer", "text_upper", "tokenizer"},
  };
  lists.push_back(text::TextPipeline::DefaultSteps(/*secondary=*/false));
  lists.push_back(text::TextPipeline::DefaultSteps(/*secondary=*/true));
  return lists;
}

void CheckOutput(const text::ProcessedText& out, const text::PipelineOptions& options,
                 const tokenizer::WordPiece& wordpiece) {
  for (const std::string& chunk : out.chunks) {
    Check(SanitizeUtf8(chunk) == chunk, "a chunk that is not valid UTF-8");
  }
  Check(out.input_ids.size() <= options.max_chunks, "more id lists than max_chunks");
  for (const std::vector<int32_t>& ids : out.input_ids) {
    Check(ids.size() >= 2 && ids.size() <= options.max_sen_len, "an id list of a bad length");
    Check(ids.front() == wordpiece.cls_id() && ids.back() == wordpiece.sep_id(),
          "an id list without [CLS] ... [SEP]");
    CheckIdsInVocabulary(ids, wordpiece.vocab_size());
  }
}

}  // namespace
}  // namespace verdict::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace verdict;
  static const std::vector<std::vector<std::string>> kStepLists = fuzz::StepLists();
  static constexpr size_t kMaxSenLens[] = {2, 3, 5, 16, 128, 512};
  FuzzedDataProvider input(data, size);
  const auto& steps = kStepLists[input.ConsumeIntegralInRange<size_t>(0, kStepLists.size() - 1)];
  text::PipelineOptions options;
  options.max_sen_len = input.PickValueInArray(kMaxSenLens);
  options.chunk_truncate = input.ConsumeBool();
  if (input.ConsumeBool()) {  // small limits, so that their errors are reached too
    options.max_messages = 16;
    options.max_chunks = 4;
    options.max_cell_bytes = 256;
  }
  options.max_total_chunks = input.ConsumeIntegralInRange<size_t>(1, options.max_chunks);
  const std::string raw = input.ConsumeRemainingBytesAsString();

  const tokenizer::WordPiece& wordpiece = fuzz::Tokenizer();
  auto pipeline = text::TextPipeline::Build(steps, &wordpiece, options);
  fuzz::Check(pipeline.ok(), "a valid step list refused: " + pipeline.status().message());
  const auto out = pipeline->Run(raw);
  if (out.ok()) {
    fuzz::CheckOutput(*out, options, wordpiece);
  } else {
    fuzz::CheckError(out.status());
  }
  return 0;
}
