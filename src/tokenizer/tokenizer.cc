// Decoding and accessors.
#include <array>
#include <utility>

#include "tokenizer/impl.h"

namespace verdict::tokenizer {
namespace {

using Replacement = std::pair<std::string_view, std::string_view>;

// The WordPiece decoder's per-token cleanup (tokenizers decoders::wordpiece::cleanup).
constexpr std::array<Replacement, 11> kDecoderCleanup = {{
    {" .", "."},
    {" ?", "?"},
    {" !", "!"},
    {" ,", ","},
    {" ' ", "'"},
    {" n't", "n't"},
    {" 'm", "'m"},
    {" do not", " don't"},
    {" 's", "'s"},
    {" 've", "'ve"},
    {" 're", "'re"},
}};

// transformers' clean_up_tokenization, on the whole decoded text.
constexpr std::array<Replacement, 10> kTransformersCleanup = {{
    {" .", "."},
    {" ?", "?"},
    {" !", "!"},
    {" ,", ","},
    {" ' ", "'"},
    {" n't", "n't"},
    {" 'm", "'m"},
    {" 's", "'s"},
    {" 've", "'ve"},
    {" 're", "'re"},
}};

// Python str.replace: every non-overlapping occurrence, left to right.
void ReplaceAll(std::string* text, std::string_view from, std::string_view to) {
  size_t pos = text->find(from);
  while (pos != std::string::npos) {
    text->replace(pos, from.size(), to);
    pos = text->find(from, pos + to.size());
  }
}

template <size_t N>
void ApplyReplacements(const std::array<Replacement, N>& replacements, std::string* text) {
  for (const auto& [from, to] : replacements) ReplaceAll(text, from, to);
}

}  // namespace

std::string WordPiece::Decode(std::span<const int32_t> ids) const {
  std::string text;
  size_t kept = 0;
  for (int32_t id : ids) {
    const std::string_view token = IdToToken(id);
    if (token.empty() || impl_->special_id[id]) continue;
    std::string piece;
    if (impl_->wordpiece_decoder && kept > 0 && token.starts_with(impl_->decoder_prefix)) {
      piece = token.substr(impl_->decoder_prefix.size());
    } else {
      if (kept > 0) piece.push_back(' ');
      piece.append(token);
    }
    if (impl_->wordpiece_decoder && impl_->decoder_cleanup) {
      ApplyReplacements(kDecoderCleanup, &piece);
    }
    text += piece;
    ++kept;
  }
  ApplyReplacements(kTransformersCleanup, &text);
  return text;
}

int32_t WordPiece::TokenToId(std::string_view token) const {
  for (const auto* list : {&impl_->raw_added, &impl_->normalized_added}) {
    for (const internal::AddedToken& added : *list) {
      if (added.content == token) return added.id;
    }
  }
  const auto it = impl_->vocab.find(std::string(token));
  return it == impl_->vocab.end() ? -1 : it->second;
}

std::string_view WordPiece::IdToToken(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->id_to_token.size()) return {};
  return impl_->id_to_token[id];
}

int32_t WordPiece::pad_id() const { return impl_->pad; }
int32_t WordPiece::cls_id() const { return impl_->cls; }
int32_t WordPiece::sep_id() const { return impl_->sep; }
int32_t WordPiece::unk_id() const { return impl_->unk; }
size_t WordPiece::vocab_size() const { return impl_->id_to_token.size(); }

}  // namespace verdict::tokenizer
