// Encoding: added-token extraction, BertNormalizer, BertPreTokenizer and WordPiece, streamed
// character by character so that no intermediate string is built per word.
#include <algorithm>
#include <cstring>
#include <utility>

#include "tokenizer/impl.h"
#include "tokenizer/unicode.h"

namespace verdict::tokenizer {
namespace internal {
namespace {

bool HasFlag(char32_t cp, uint8_t flag) { return (LookupChar(cp).flags & flag) != 0; }

bool EndsWithWordChar(std::string_view text, size_t end) {
  if (end == 0) return false;
  size_t pos = PreviousCodePointStart(text, end);
  return HasFlag(NextCodePoint(text, &pos), kWordChar);
}

bool StartsWithWordChar(std::string_view text, size_t begin) {
  if (begin >= text.size()) return false;
  return HasFlag(NextCodePoint(text, &begin), kWordChar);
}

// Start of the run of whitespace that ends at `end`.
size_t WhitespaceRunStart(std::string_view text, size_t end) {
  while (end > 0) {
    size_t start = PreviousCodePointStart(text, end);
    size_t pos = start;
    if (!HasFlag(NextCodePoint(text, &pos), kWhitespace)) break;
    end = start;
  }
  return end;
}

// End of the run of whitespace that starts at `begin`.
size_t WhitespaceRunEnd(std::string_view text, size_t begin) {
  while (begin < text.size()) {
    size_t pos = begin;
    if (!HasFlag(NextCodePoint(text, &pos), kWhitespace)) break;
    begin = pos;
  }
  return begin;
}

// The longest added token starting at `pos`, or nullptr.
const AddedToken* LongestMatchAt(std::string_view text, size_t pos,
                                 const std::vector<AddedToken>& tokens) {
  const AddedToken* best = nullptr;
  for (const AddedToken& token : tokens) {
    if (text.compare(pos, token.pattern.size(), token.pattern) == 0 &&
        (best == nullptr || token.pattern.size() > best->pattern.size())) {
      best = &token;
    }
  }
  return best;
}

// The first position at or after `pos` holding one of `first_bytes`, or text.size().
size_t NextCandidate(std::string_view text, size_t pos, std::string_view first_bytes) {
  // An empty text's data() may be null, which memchr must not get even with a zero length.
  if (pos >= text.size()) return text.size();
  if (first_bytes.size() == 1) {
    const void* hit = std::memchr(text.data() + pos, first_bytes[0], text.size() - pos);
    return hit ? static_cast<const char*>(hit) - text.data() : text.size();
  }
  return std::min(text.find_first_of(first_bytes, pos), text.size());
}

// Splits `text` on the added tokens, leftmost-longest and non-overlapping, honouring the
// single_word, lstrip and rstrip flags the way the tokenizers AddedVocabulary does.
// `first_bytes` holds the distinct first bytes of the tokens' patterns. Calls
// on_split(begin, end, id) for consecutive ranges covering `text`; id is the added token's, or -1
// for plain text.
template <typename OnSplit>
void SplitOnAddedTokens(std::string_view text, const std::vector<AddedToken>& tokens,
                        std::string_view first_bytes, OnSplit&& on_split) {
  size_t covered = 0;  // end of the last split
  for (size_t pos = NextCandidate(text, 0, first_bytes); pos < text.size();
       pos = NextCandidate(text, pos, first_bytes)) {
    const AddedToken* match = LongestMatchAt(text, pos, tokens);
    if (match == nullptr) {
      ++pos;
      continue;
    }
    size_t start = pos;
    size_t stop = pos + match->pattern.size();
    pos = stop;
    if (match->single_word && (EndsWithWordChar(text, start) || StartsWithWordChar(text, stop))) {
      continue;
    }
    if (match->lstrip) start = WhitespaceRunStart(text, start);
    start = std::max(start, covered);
    if (match->rstrip) stop = WhitespaceRunEnd(text, stop);
    if (covered < start) on_split(covered, start, -1);
    on_split(start, stop, match->id);
    covered = stop;
  }
  if (covered < text.size()) on_split(covered, text.size(), -1);
}

// The bytes of the word being built; appending is a store and an increment.
class WordBuffer {
 public:
  void Push(char c) {
    if (size_ == bytes_.size()) bytes_.resize(bytes_.size() * 2);
    bytes_[size_++] = c;
  }
  void PushUtf8(char32_t cp) {
    char encoded[4];
    const size_t length = EncodeCodePoint(cp, encoded);
    for (size_t i = 0; i < length; ++i) Push(encoded[i]);
  }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }
  std::string_view view() const { return std::string_view(bytes_.data(), size_); }

 private:
  std::string bytes_ = std::string(64, '\0');
  size_t size_ = 0;
};

// BertPreTokenizer followed by WordPiece: receives normalized characters and appends ids.
class WordSink {
 public:
  WordSink(const WordPiece::Impl& impl, std::vector<int32_t>* ids) : impl_(impl), ids_(ids) {}

  void AsciiChar(unsigned char c) {
    switch (impl_.ascii_class[c]) {
      case AsciiClass::kWordChar:
        word_.Push(static_cast<char>(c));
        ++word_chars_;
        break;
      case AsciiClass::kWhitespace:
        EndWord();
        break;
      case AsciiClass::kPunctuation:
        EndWord();
        word_.Push(static_cast<char>(c));
        word_chars_ = 1;
        EndWord();
        break;
    }
  }

  void Char(char32_t cp) {
    if (cp < 0x80) return AsciiChar(static_cast<unsigned char>(cp));
    const uint8_t flags = LookupChar(cp).flags;
    if (flags & (kWhitespace | kPunctuation)) EndWord();
    if (flags & kWhitespace) return;
    word_.PushUtf8(cp);
    ++word_chars_;
    if (flags & kPunctuation) EndWord();
  }

  // An added token found in the text: it ends the current word and keeps its own id.
  void PushAddedToken(int32_t id) {
    EndWord();
    ids_->push_back(id);
  }

  // Ends the current word (a split boundary also ends it).
  void EndWord() {
    if (word_.empty()) return;
    TokenizeWord();
    word_.clear();
    word_chars_ = 0;
  }

 private:
  // Greedy longest-match-first; a word with an unmatched position becomes one unknown token.
  void TokenizeWord() {
    if (word_chars_ > impl_.max_input_chars_per_word) {
      ids_->push_back(impl_.unk);
      return;
    }
    const std::string_view word = word_.view();
    const size_t first_id = ids_->size();
    for (size_t start = 0; start < word.size();) {
      const PrefixTrie& trie = start == 0 ? impl_.word_start_trie : impl_.continuation_trie;
      size_t length = 0;
      const int32_t id = trie.LongestPrefix(word.substr(start), &length);
      if (id == PrefixTrie::kMissing) {
        ids_->resize(first_id);
        ids_->push_back(impl_.unk);
        return;
      }
      ids_->push_back(id);
      start += length;
    }
  }

  const WordPiece::Impl& impl_;
  std::vector<int32_t>* ids_;
  WordBuffer word_;
  size_t word_chars_ = 0;
};

// Collects normalized text.
class StringSink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  void AsciiChar(unsigned char c) { out_->push_back(static_cast<char>(c)); }
  void Char(char32_t cp) { AppendUtf8(cp, out_); }

 private:
  std::string* out_;
};

// BertNormalizer (clean_text, handle_chinese_chars, strip_accents, lowercase, in that order),
// streamed into a sink. strip_accents holds back non-starters until the next starter so that
// they can be put in canonical order, as NFD does, before nonspacing marks are dropped.
template <typename Sink>
class Normalizer {
 public:
  Normalizer(const WordPiece::Impl& impl, Sink* sink)
      : options_(impl.normalizer), ascii_(impl.ascii_normalization), sink_(sink) {}

  // Normalizes one split of the input.
  void Run(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
      const auto byte = static_cast<unsigned char>(text[i]);
      if (byte < 0x80 && pending_.empty()) {
        ++i;
        if (ascii_[byte] >= 0) sink_->AsciiChar(static_cast<unsigned char>(ascii_[byte]));
        continue;
      }
      Char(NextCodePoint(text, &i));
    }
    FlushPending();
  }

  // Normalizes one code point (the slow path: any character, and ASCII while marks wait).
  void Char(char32_t cp) {
    if (!options_.enabled) return sink_->Char(cp);
    const CharInfo& info = LookupChar(cp);
    if (options_.clean_text) {
      if (info.flags & kCleanRemove) return;
      if (info.flags & kCleanSpace) return StripAccents(U' ', LookupChar(U' '));
    }
    if (options_.handle_chinese_chars && (info.flags & kChinese)) {
      StripAccents(U' ', LookupChar(U' '));
      StripAccents(cp, info);
      return StripAccents(U' ', LookupChar(U' '));
    }
    StripAccents(cp, info);
  }

  void FlushPending() {
    std::stable_sort(pending_.begin(), pending_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [combining_class, cp] : pending_) {
      const CharInfo& info = LookupChar(cp);
      if (!(info.flags & kNonspacing)) Lowercase(cp, info);
    }
    pending_.clear();
  }

 private:
  void StripAccents(char32_t cp, const CharInfo& info) {
    if (!options_.strip_accents) return Lowercase(cp, info);
    char32_t parts[4];
    const size_t count = Decompose(cp, info, parts);
    for (size_t k = 0; k < count; ++k) {
      const CharInfo& part = count == 1 ? info : LookupChar(parts[k]);
      if (part.combining_class != 0) {
        pending_.emplace_back(part.combining_class, parts[k]);
        continue;
      }
      FlushPending();
      if (!(part.flags & kNonspacing)) Lowercase(parts[k], part);
    }
  }

  void Lowercase(char32_t cp, const CharInfo& info) {
    if (!options_.lowercase) return sink_->Char(cp);
    char32_t lower[4];
    const size_t count = internal::Lowercase(cp, info, lower);
    for (size_t k = 0; k < count; ++k) sink_->Char(lower[k]);
  }

  const NormalizerOptions& options_;
  const AsciiNormalization& ascii_;
  Sink* sink_;
  std::vector<std::pair<uint8_t, char32_t>> pending_;
};

// Feeds already normalized text to the pre-tokenizer.
void PreTokenize(std::string_view normalized, WordSink* sink) {
  size_t i = 0;
  while (i < normalized.size()) sink->Char(NextCodePoint(normalized, &i));
  sink->EndWord();
}

// A plain-text split: normalization, then normalized added tokens when there are any.
void EncodeTextSplit(const WordPiece::Impl& impl, std::string_view text, WordSink* sink) {
  if (impl.normalized_added.empty()) {
    Normalizer<WordSink>(impl, sink).Run(text);
    sink->EndWord();
    return;
  }
  const std::string normalized = NormalizeText(impl, text);
  SplitOnAddedTokens(normalized, impl.normalized_added, impl.normalized_first_bytes,
                     [&](size_t begin, size_t end, int32_t id) {
                       if (id >= 0) return sink->PushAddedToken(id);
                       PreTokenize(std::string_view(normalized).substr(begin, end - begin), sink);
                     });
}

void AddFirstByte(const AddedToken& token, std::string* first_bytes) {
  if (first_bytes->find(token.pattern[0]) == std::string::npos)
    first_bytes->push_back(token.pattern[0]);
}

}  // namespace

std::string NormalizeText(const WordPiece::Impl& impl, std::string_view text) {
  std::string out;
  StringSink sink(&out);
  Normalizer<StringSink>(impl, &sink).Run(text);
  return out;
}

void FinalizeImpl(WordPiece::Impl* impl) {
  std::vector<std::pair<std::string_view, int32_t>> tokens, continuations;
  const std::string& prefix = impl->continuing_prefix;
  for (const auto& [token, id] : impl->vocab) {
    tokens.emplace_back(token, id);
    if (token.size() > prefix.size() && token.starts_with(prefix)) {
      continuations.emplace_back(std::string_view(token).substr(prefix.size()), id);
    }
  }
  impl->word_start_trie = PrefixTrie(tokens);
  impl->continuation_trie = PrefixTrie(continuations);
  for (int c = 0; c < 128; ++c) {
    const uint8_t flags = LookupChar(static_cast<char32_t>(c)).flags;
    impl->ascii_class[c] = (flags & kWhitespace)    ? AsciiClass::kWhitespace
                           : (flags & kPunctuation) ? AsciiClass::kPunctuation
                                                    : AsciiClass::kWordChar;
  }
  // Each ASCII byte goes through the general path (Char), which does not read the table.
  for (int c = 0; c < 128; ++c) {
    std::string out;
    StringSink sink(&out);
    Normalizer<StringSink> normalizer(*impl, &sink);
    normalizer.Char(static_cast<char32_t>(c));
    normalizer.FlushPending();
    VERDICT_CHECK(out.size() <= 1);
    impl->ascii_normalization[c] = out.empty() ? int16_t{-1} : static_cast<int16_t>(out[0]);
  }
  for (AddedToken& token : impl->raw_added) token.pattern = token.content;
  // tokenizers matches and decodes a normalized added token by its normalized content.
  for (AddedToken& token : impl->normalized_added) {
    token.pattern = NormalizeText(*impl, token.content);
    impl->id_to_token[token.id] = token.pattern;
  }
  std::erase_if(impl->normalized_added, [](const AddedToken& t) { return t.pattern.empty(); });
  for (const AddedToken& token : impl->raw_added) AddFirstByte(token, &impl->raw_first_bytes);
  for (const AddedToken& token : impl->normalized_added) {
    AddFirstByte(token, &impl->normalized_first_bytes);
  }
}

}  // namespace internal

namespace {

void EncodeContent(const WordPiece::Impl& impl, std::string_view text, std::vector<int32_t>* ids) {
  internal::WordSink sink(impl, ids);
  if (impl.raw_added.empty()) {
    internal::EncodeTextSplit(impl, text, &sink);
    return;
  }
  internal::SplitOnAddedTokens(
      text, impl.raw_added, impl.raw_first_bytes, [&](size_t begin, size_t end, int32_t id) {
        if (id >= 0) return ids->push_back(id);
        internal::EncodeTextSplit(impl, text.substr(begin, end - begin), &sink);
      });
}

}  // namespace

std::vector<int32_t> WordPiece::EncodeNoSpecial(std::string_view text) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 4 + 4);
  EncodeContent(*impl_, text, &ids);
  return ids;
}

std::vector<int32_t> WordPiece::Encode(std::string_view text, size_t max_length) const {
  const size_t specials = impl_->template_special_count;
  const bool truncate = max_length > 0 && max_length >= specials;
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 4 + specials + 4);
  for (const internal::TemplateItem& item : impl_->single_template) {
    if (!item.is_sequence) {
      ids.insert(ids.end(), item.ids.begin(), item.ids.end());
      continue;
    }
    const size_t content_start = ids.size();
    EncodeContent(*impl_, text, &ids);
    if (truncate && ids.size() - content_start + specials > max_length) {
      ids.resize(content_start + max_length - specials);
    }
  }
  return ids;
}

}  // namespace verdict::tokenizer
