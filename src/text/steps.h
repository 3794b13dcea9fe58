// The seed's text processors, one function each (private to src/text; TextPipeline composes
// them). Inputs are valid UTF-8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "tokenizer/tokenizer.h"

namespace verdict::text {

// dialogue_splitter: the inner text of every non-overlapping [bom]...[eom] pair (shortest match,
// case-sensitive, newlines included), stripped (Python str.strip()), kept when non-empty and at
// least min_length code points long. Text outside the pairs is dropped.
std::vector<std::string> SplitDialogue(std::string_view text, size_t min_length = 1);

// emoji_remover (the seed's, kept for parity): deletes every code point in U+1F600-1F64F,
// U+1F300-1F5FF, U+1F680-1F6FF, U+1F1E0-1F1FF, U+2702-27B0 and U+24C2-1F251. The last range
// also deletes CJK, kana, Hangul, full-width forms and private-use text.
std::string RemoveEmojiSeed(std::string_view text);

// emoji_remover_v2 (corrected): deletes emoji only. Removed are the Extended_Pictographic code
// points from U+2300 up (Unicode emoji-data), regional indicators, skin-tone modifiers, the
// variation selectors U+FE0E/U+FE0F, the keycap mark U+20E3, tag characters U+E0020-E007F, and a
// zero-width joiner that follows a removed code point. Text in every script is kept, and so are
// ©, ®, ™, arrows and other symbols below U+2300.
std::string RemoveEmojiV2(std::string_view text);

// text_normalizer: Python text.strip(), .lower(), then re.sub(r"\s+", " ", ...).
std::string NormalizeText(std::string_view text);

// text_upper: Python text.strip(), .upper(), then re.sub(r"\s+", " ", ...).
std::string UpperText(std::string_view text);

struct ChunkerOptions {
  size_t max_tokens = 512;      // config max_sen_len
  bool truncate = false;        // config chunk_trancate
  size_t max_total_chunks = 5;  // only used when truncate
  size_t max_chunks = 64;       // more chunks than this is an error (PipelineOptions::max_chunks)
};

// dialogue_chunker (the src/ version, seed §5.6): greedily packs messages into chunks of at most
// max_tokens content tokens; a longer message is cut to its first max_tokens ids, decoded like
// Hugging Face, and re-encoded to count it. Returns {"."} when no chunk has text. Error
// (InvalidData): more than max_chunks chunks, reported as soon as the next one is complete.
Result<std::vector<std::string>> ChunkDialogue(const std::vector<std::string>& messages,
                                               const tokenizer::WordPiece& tokenizer,
                                               const ChunkerOptions& options);

// tokenizer step, one chunk: [CLS] ... [SEP] truncated to max_sen_len tokens, unpadded; a blank
// chunk is tokenized as "".
std::vector<int32_t> TokenizeChunk(std::string_view chunk, const tokenizer::WordPiece& tokenizer,
                                   size_t max_sen_len);

}  // namespace verdict::text
