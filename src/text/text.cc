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

Status TooManyMessages(size_t limit) {
  return InvalidData("the text has more than " + std::to_string(limit) +
                     " messages (the limit per cell)");
}

// The seed iterates a bare string where it expects a list: one item per character. A text of
// more than `limit` characters is an error, found before the list is built.
Result<std::vector<std::string>> AsList(Value value, size_t limit) {
  if (value.is_list) return std::move(value.items);
  std::vector<std::string> characters;
  const std::string& text = value.items.front();
  size_t pos = 0;
  while (pos < text.size()) {
    if (characters.size() == limit) return TooManyMessages(limit);
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

// A size_t option as the user wrote it: callers convert ints, so -1 arrives as SIZE_MAX.
std::string Shown(size_t value) { return std::to_string(static_cast<int64_t>(value)); }

Status CheckRange(std::string_view name, size_t value, size_t low, size_t high) {
  if (value >= low && value <= high) return Status::Ok();
  return InvalidArgument("text option " + std::string(name) + " is " + Shown(value) +
                         "; it must be between " + std::to_string(low) + " and " +
                         std::to_string(high));
}

// Error when an option is out of range. max_sen_len is checked whatever the steps: callers pad
// chunks to it.
Status CheckOptions(const PipelineOptions& options) {
  const size_t kNoLimit = static_cast<size_t>(INT64_MAX);
  VERDICT_RETURN_IF_ERROR(CheckRange("max_sen_len", options.max_sen_len, 2, kMaxSenLen));
  VERDICT_RETURN_IF_ERROR(CheckRange("max_cell_bytes", options.max_cell_bytes, 1, kNoLimit));
  VERDICT_RETURN_IF_ERROR(CheckRange("max_messages", options.max_messages, 1, kNoLimit));
  VERDICT_RETURN_IF_ERROR(CheckRange("max_chunks", options.max_chunks, 1, kNoLimit));
  if (!options.chunk_truncate) return Status::Ok();
  return CheckRange("max_total_chunks", options.max_total_chunks, 1, options.max_chunks);
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
  VERDICT_RETURN_IF_ERROR(CheckOptions(options));
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

Result<ProcessedText> TextPipeline::Run(std::string_view raw) const {
  if (raw.size() > options_.max_cell_bytes) {
    return InvalidData("the text is " + std::to_string(raw.size()) + " bytes, more than " +
                       std::to_string(options_.max_cell_bytes) + " (the limit per cell)");
  }
  Value value{false, {SanitizeUtf8(raw)}};
  ProcessedText out;
  for (Step step : steps_) {
    switch (step) {
      case Step::kDialogueSplitter:
        value = Value{true, SplitDialogue(value.items.front())};
        if (value.items.size() > options_.max_messages) {
          return TooManyMessages(options_.max_messages);
        }
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
                                     options_.max_total_chunks, options_.max_chunks};
        VERDICT_ASSIGN_OR_RETURN(auto messages, AsList(std::move(value), options_.max_messages));
        VERDICT_ASSIGN_OR_RETURN(auto chunks, ChunkDialogue(messages, *tokenizer_, chunker));
        value = Value{true, std::move(chunks)};
        break;
      }
      case Step::kTokenizer: {
        // Chunks from the chunker are within max_chunks; a single text's characters are not.
        VERDICT_ASSIGN_OR_RETURN(auto chunks, AsList(std::move(value), options_.max_chunks));
        value = Value{true, std::move(chunks)};
        for (const std::string& chunk : value.items) {
          out.input_ids.push_back(TokenizeChunk(chunk, *tokenizer_, options_.max_sen_len));
        }
        break;
      }
    }
  }
  out.chunks = std::move(value.items);
  return out;
}

}  // namespace verdict::text
