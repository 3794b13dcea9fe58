#include "text/text.h"

#include <algorithm>
#include <utility>

#include "text/html_text.h"
#include "text/steps.h"
#include "text/unicode.h"

namespace verdict::text {

enum class TextPipeline::Step {
  kDialogueSplitter,
  kHtmlNormalizer,
  kEmojiRemover,
  kEmojiRemoverV2,
  kTextNormalizer,
  kTextUpper,
  kDialogueChunker,
  kTokenizer,
};

namespace {

using Step = TextPipeline::Step;

struct StepName {
  std::string_view name;
  Step step;
};

constexpr StepName kSteps[] = {
    {"dialogue_splitter", Step::kDialogueSplitter}, {"html_normalizer", Step::kHtmlNormalizer},
    {"emoji_remover", Step::kEmojiRemover},         {"emoji_remover_v2", Step::kEmojiRemoverV2},
    {"text_normalizer", Step::kTextNormalizer},     {"text_upper", Step::kTextUpper},
    {"dialogue_chunker", Step::kDialogueChunker},   {"tokenizer", Step::kTokenizer},
};

constexpr std::string_view kNotSupportedYet[] = {"cs_chat_splitter", "cs_adapter",
                                                 "custom_bpe_tokenizer"};
constexpr std::string_view kNotBuildableInSeed[] = {
    "fasttext_embedding", "sequence_ordering", "sequence_padding", "temporal_mask", "time_delta"};

template <size_t N>
bool Contains(const std::string_view (&names)[N], std::string_view name) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

// A step's input or output: one text, or a list of texts (messages or chunks).
struct Value {
  bool is_list = false;
  std::vector<std::string> items;
};

// The seed iterates a bare string where it expects a list: one item per character.
std::vector<std::string> AsList(Value value) {
  if (value.is_list) return std::move(value.items);
  std::vector<std::string> characters;
  const std::string& text = value.items.front();
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = pos;
    NextCodePoint(text, &pos);
    characters.push_back(text.substr(start, pos - start));
  }
  return characters;
}

template <typename Fn>
Value MapItems(Value value, Fn fn) {
  for (std::string& item : value.items) item = fn(item);
  return value;
}

Status StepError(size_t index, std::string_view name, std::string_view what) {
  return InvalidArgument("text step " + std::to_string(index + 1) + " '" + std::string(name) +
                         "': " + std::string(what));
}

Result<Step> ParseStep(size_t index, std::string_view name) {
  for (const StepName& known : kSteps) {
    if (known.name == name) return known.step;
  }
  if (Contains(kNotSupportedYet, name)) {
    return Unsupported("text step " + std::to_string(index + 1) + " '" + std::string(name) +
                       "' is not supported yet");
  }
  if (Contains(kNotBuildableInSeed, name)) {
    return Unsupported("text step " + std::to_string(index + 1) + " '" + std::string(name) +
                       "' is not supported (the seed cannot build it either)");
  }
  return StepError(index, name, "unknown step name");
}

}  // namespace

Result<TextPipeline> TextPipeline::Build(const std::vector<std::string>& names,
                                         const tokenizer::WordPiece* tokenizer,
                                         PipelineOptions options) {
  std::vector<Step> steps;
  bool produces_list = false;
  for (size_t i = 0; i < names.size(); ++i) {
    VERDICT_ASSIGN_OR_RETURN(Step step, ParseStep(i, names[i]));
    if (!steps.empty() && steps.back() == Step::kTokenizer) {
      return StepError(i, names[i], "no step may follow 'tokenizer'");
    }
    const bool needs_text = step == Step::kDialogueSplitter || step == Step::kTextUpper;
    if (needs_text && produces_list) {
      return StepError(i, names[i], "needs a single text, but an earlier step produced a list");
    }
    const bool needs_tokenizer = step == Step::kDialogueChunker || step == Step::kTokenizer;
    if (needs_tokenizer && tokenizer == nullptr) {
      return StepError(i, names[i], "needs a tokenizer, but none was given");
    }
    if (needs_tokenizer && options.max_sen_len < 2) {
      return StepError(i, names[i], "max_sen_len must be at least 2 ([CLS] and [SEP])");
    }
    produces_list =
        produces_list || step == Step::kDialogueSplitter || step == Step::kDialogueChunker;
    steps.push_back(step);
  }
  return TextPipeline(std::move(steps), tokenizer, options);
}

std::vector<std::string> TextPipeline::DefaultSteps(bool secondary) {
  if (secondary) return {"dialogue_splitter", "text_normalizer", "dialogue_chunker", "tokenizer"};
  return {"dialogue_splitter", "html_normalizer",  "emoji_remover",
          "text_normalizer",   "dialogue_chunker", "tokenizer"};
}

bool TextPipeline::tokenizes() const {
  return !steps_.empty() && steps_.back() == Step::kTokenizer;
}

ProcessedText TextPipeline::Run(std::string_view raw) const {
  Value value{false, {SanitizeUtf8(raw)}};
  ProcessedText out;
  for (Step step : steps_) {
    switch (step) {
      case Step::kDialogueSplitter:
        value = Value{true, SplitDialogue(value.items.front())};
        break;
      case Step::kHtmlNormalizer:
        value = MapItems(std::move(value), HtmlToText);
        break;
      case Step::kEmojiRemover:
        value = MapItems(std::move(value), RemoveEmojiSeed);
        break;
      case Step::kEmojiRemoverV2:
        value = MapItems(std::move(value), RemoveEmojiV2);
        break;
      case Step::kTextNormalizer:
        value = MapItems(std::move(value), NormalizeText);
        break;
      case Step::kTextUpper:
        value = MapItems(std::move(value), UpperText);
        break;
      case Step::kDialogueChunker: {
        const ChunkerOptions chunker{options_.max_sen_len, options_.chunk_truncate,
                                     options_.max_total_chunks};
        value = Value{true, ChunkDialogue(AsList(std::move(value)), *tokenizer_, chunker)};
        break;
      }
      case Step::kTokenizer:
        value = Value{true, AsList(std::move(value))};
        for (const std::string& chunk : value.items) {
          out.input_ids.push_back(TokenizeChunk(chunk, *tokenizer_, options_.max_sen_len));
        }
        break;
    }
  }
  out.chunks = std::move(value.items);
  return out;
}

}  // namespace verdict::text
