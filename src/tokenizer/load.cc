// Loading: tokenizer.json, or vocab.txt with tokenizer_config.json, into WordPiece::Impl.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "tokenizer/impl.h"

namespace verdict::tokenizer {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ImplPtr = std::shared_ptr<WordPiece::Impl>;

// The files a tokenizer is read from.
struct TokenizerFiles {
  std::string main;  // tokenizer.json or vocab.txt
  bool vocab_txt = false;
  std::string config;  // tokenizer_config.json beside a vocab.txt; empty when there is none
};

Result<json> ReadJson(const std::string& path) {
  VERDICT_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return InvalidData(path + ": not valid JSON");
  return parsed;
}

// The string of a field that is absent or null, a string, or an object with "content"
// (transformers writes special tokens either way).
std::optional<std::string> TokenField(const json& object, const char* key) {
  if (!object.contains(key) || object[key].is_null()) return std::nullopt;
  const json& value = object[key];
  if (value.is_object()) return value.at("content").get<std::string>();
  return value.get<std::string>();
}

void SetToken(WordPiece::Impl* impl, int32_t id, const std::string& token) {
  if (static_cast<size_t>(id) >= impl->id_to_token.size()) {
    impl->id_to_token.resize(id + 1);
    impl->special_id.resize(id + 1, false);
  }
  impl->id_to_token[id] = token;
}

// `id_bound`: the number of ids the file can define (its entry count), so a stray huge id is
// refused before id_to_token grows to it.
Status AddVocabToken(WordPiece::Impl* impl, const std::string& token, int64_t id,
                     const std::string& key, size_t id_bound) {
  if (id < 0 || static_cast<uint64_t>(id) >= id_bound) {
    return InvalidData("key '" + key + "': token " + Quote(token) + " has id " +
                       std::to_string(id) + ", outside 0.." + std::to_string(id_bound - 1) +
                       " (ids must be below the number of entries, " + std::to_string(id_bound) +
                       ")");
  }
  impl->vocab[token] = static_cast<int32_t>(id);
  SetToken(impl, static_cast<int32_t>(id), token);
  return Status::Ok();
}

// Adds an added token; one with the same content replaces the earlier entry, as in tokenizers.
void AddAddedToken(WordPiece::Impl* impl, internal::AddedToken token) {
  if (token.content.empty()) return;
  for (auto* list : {&impl->raw_added, &impl->normalized_added}) {
    std::erase_if(*list, [&](const internal::AddedToken& t) { return t.content == token.content; });
  }
  SetToken(impl, token.id, token.content);
  if (token.special) impl->special_id[token.id] = true;
  (token.normalized ? impl->normalized_added : impl->raw_added).push_back(std::move(token));
}

internal::AddedToken ParseAddedToken(const json& entry, int64_t id) {
  internal::AddedToken token;
  token.id = static_cast<int32_t>(id);
  token.content = entry.at("content").get<std::string>();
  token.single_word = entry.value("single_word", false);
  token.lstrip = entry.value("lstrip", false);
  token.rstrip = entry.value("rstrip", false);
  token.normalized = entry.value("normalized", !entry.value("special", false));
  token.special = entry.value("special", false);
  return token;
}

// The id of `token` in the model vocabulary, or -1.
int32_t VocabId(const WordPiece::Impl& impl, const std::string& token) {
  const auto it = impl.vocab.find(token);
  return it == impl.vocab.end() ? -1 : it->second;
}

// The id a special token gets: its added-token or vocabulary id, else -1.
int32_t IdOf(const WordPiece::Impl& impl, const std::string& token) {
  for (const auto* list : {&impl.raw_added, &impl.normalized_added}) {
    for (const internal::AddedToken& added : *list) {
      if (added.content == token) return added.id;
    }
  }
  return VocabId(impl, token);
}

// The id tokenizers gives an added token when it loads tokenizer.json (the "id" written in the
// file is not used): the id of the same content if known (added token or vocabulary), else the
// next id after the vocabulary and the added tokens so far.
int32_t AssignAddedTokenId(const WordPiece::Impl& impl, const std::string& content) {
  const int32_t known = IdOf(impl, content);
  if (known >= 0) return known;
  const auto vocab_count = static_cast<int32_t>(impl.vocab.size());
  int32_t max_added = -1;
  for (const auto* list : {&impl.raw_added, &impl.normalized_added}) {
    for (const internal::AddedToken& added : *list) max_added = std::max(max_added, added.id);
  }
  if (max_added < 0) return vocab_count;
  return max_added >= vocab_count || vocab_count == 0 ? max_added + 1 : vocab_count;
}

void SetTemplate(WordPiece::Impl* impl, std::vector<internal::TemplateItem> items) {
  impl->template_special_count = 0;
  bool seen_sequence = false;
  for (const internal::TemplateItem& item : items) {
    if (item.is_sequence) {
      seen_sequence = true;
      continue;
    }
    impl->template_special_count += item.ids.size();
    if (item.ids.empty()) continue;
    if (!seen_sequence) impl->cls = item.ids.back();
    if (seen_sequence && impl->sep < 0) impl->sep = item.ids.front();
  }
  impl->single_template = std::move(items);
}

internal::TemplateItem SpecialItem(std::vector<int32_t> ids) {
  return internal::TemplateItem{false, std::move(ids)};
}

Status ParseModel(const json& model, WordPiece::Impl* impl) {
  const std::string type = model.value("type", "WordPiece");
  if (type != "WordPiece") return Unsupported("model type " + Quote(type) + " (WordPiece only)");
  impl->continuing_prefix = model.value("continuing_subword_prefix", "##");
  // A non-negative integer, as in tokenizers (a float such as 2e70 would not fit a size_t).
  impl->max_input_chars_per_word = 100;
  if (model.contains("max_input_chars_per_word") &&
      !model.at("max_input_chars_per_word").is_null()) {
    const json& max_chars = model.at("max_input_chars_per_word");
    if (!max_chars.is_number_unsigned()) {
      return InvalidData(
          "key 'model.max_input_chars_per_word' must be a non-negative integer, not " +
          Quote(max_chars.dump()));
    }
    impl->max_input_chars_per_word = max_chars.get<uint64_t>();
  }
  const json& vocab = model.at("vocab");
  if (!vocab.is_object()) return InvalidData("key 'model.vocab' must be an object of token -> id");
  // Ids below the entry count, each of one token: every id then names a token (two tokens of one
  // id would leave another id without any, which encoding could still emit).
  std::vector<bool> taken(vocab.size(), false);
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer()) {
      return InvalidData("key 'model.vocab': the id of token " + Quote(token) +
                         " is not an integer");
    }
    const int64_t value = id.get<int64_t>();
    if (value >= 0 && static_cast<uint64_t>(value) < taken.size() && taken[value]) {
      return InvalidData("key 'model.vocab': tokens " + Quote(impl->id_to_token[value]) + " and " +
                         Quote(token) + " both have id " + std::to_string(value) +
                         " (each id names one token)");
    }
    VERDICT_RETURN_IF_ERROR(AddVocabToken(impl, token, value, "model.vocab", vocab.size()));
    taken[value] = true;
  }
  const std::string unk = model.value("unk_token", "[UNK]");
  impl->unk = VocabId(*impl, unk);
  if (impl->unk < 0) return InvalidData("unk_token " + Quote(unk) + " is not in the vocabulary");
  return Status::Ok();
}

Status ParseNormalizer(const json& normalizer, WordPiece::Impl* impl) {
  if (normalizer.is_null()) return Status::Ok();
  const std::string type = normalizer.value("type", "");
  if (type != "BertNormalizer") {
    return Unsupported("normalizer type " + Quote(type) + " (BertNormalizer or none only)");
  }
  internal::NormalizerOptions& options = impl->normalizer;
  options.enabled = true;
  options.clean_text = normalizer.value("clean_text", true);
  options.handle_chinese_chars = normalizer.value("handle_chinese_chars", true);
  options.lowercase = normalizer.value("lowercase", true);
  const json strip = normalizer.value("strip_accents", json());
  options.strip_accents = strip.is_null() ? options.lowercase : strip.get<bool>();
  return Status::Ok();
}

Status ParsePreTokenizer(const json& pre_tokenizer) {
  const std::string type =
      pre_tokenizer.is_null() ? std::string("none") : pre_tokenizer.value("type", "");
  if (type != "BertPreTokenizer") {
    return Unsupported("pre_tokenizer type " + Quote(type) + " (BertPreTokenizer only)");
  }
  return Status::Ok();
}

// The id `value` at `key` gives a special token: an entry of the vocabulary or the added tokens
// (an id beyond them would index past the model's embedding table).
Result<int32_t> SpecialTokenId(const WordPiece::Impl& impl, const json& value,
                               const std::string& key) {
  if (!value.is_number_integer()) return InvalidData("key '" + key + "' must be an integer id");
  const auto id = value.get<int64_t>();
  const size_t size = impl.id_to_token.size();
  if (id < 0 || static_cast<uint64_t>(id) >= size) {
    return InvalidData("key '" + key + "': id " + std::to_string(id) +
                       " is outside the vocabulary (ids 0.." + std::to_string(size - 1) + ")");
  }
  return static_cast<int32_t>(id);
}

Result<std::vector<int32_t>> SpecialTokenIds(const WordPiece::Impl& impl, const json& values,
                                             const std::string& key) {
  if (!values.is_array()) return InvalidData("key '" + key + "' must be a list of ids");
  std::vector<int32_t> ids;
  for (const json& value : values) {
    VERDICT_ASSIGN_OR_RETURN(int32_t id, SpecialTokenId(impl, value, key));
    ids.push_back(id);
  }
  return ids;
}

Result<std::vector<internal::TemplateItem>> ParseTemplate(const json& processor,
                                                          const WordPiece::Impl& impl) {
  std::vector<internal::TemplateItem> items;
  for (const json& piece : processor.at("single")) {
    if (piece.contains("Sequence")) {
      items.push_back(internal::TemplateItem{true, {}});
      continue;
    }
    const std::string name = piece.at("SpecialToken").at("id").get<std::string>();
    const json& special = processor.at("special_tokens");
    if (!special.contains(name)) return InvalidData("template token " + Quote(name) + " undefined");
    VERDICT_ASSIGN_OR_RETURN(
        std::vector<int32_t> ids,
        SpecialTokenIds(impl, special.at(name).at("ids"),
                        "post_processor.special_tokens[\"" + name + "\"].ids"));
    items.push_back(SpecialItem(std::move(ids)));
  }
  return items;
}

Status ParsePostProcessor(const json& processor, WordPiece::Impl* impl) {
  if (processor.is_null()) {
    SetTemplate(impl, {internal::TemplateItem{true, {}}});
    return Status::Ok();
  }
  const std::string type = processor.value("type", "");
  if (type == "TemplateProcessing") {
    VERDICT_ASSIGN_OR_RETURN(auto items, ParseTemplate(processor, *impl));
    SetTemplate(impl, std::move(items));
    return Status::Ok();
  }
  if (type == "BertProcessing") {
    VERDICT_ASSIGN_OR_RETURN(
        int32_t cls, SpecialTokenId(*impl, processor.at("cls").at(1), "post_processor.cls"));
    VERDICT_ASSIGN_OR_RETURN(
        int32_t sep, SpecialTokenId(*impl, processor.at("sep").at(1), "post_processor.sep"));
    SetTemplate(impl, {SpecialItem({cls}), internal::TemplateItem{true, {}}, SpecialItem({sep})});
    return Status::Ok();
  }
  return Unsupported("post_processor type " + Quote(type) +
                     " (TemplateProcessing, BertProcessing or none only)");
}

Status ParseDecoder(const json& decoder, WordPiece::Impl* impl) {
  if (decoder.is_null()) {
    impl->wordpiece_decoder = false;
    return Status::Ok();
  }
  const std::string type = decoder.value("type", "");
  if (type != "WordPiece") return Unsupported("decoder type " + Quote(type) + " (WordPiece only)");
  impl->decoder_prefix = decoder.value("prefix", "##");
  impl->decoder_cleanup = decoder.value("cleanup", true);
  return Status::Ok();
}

Status ParseTokenizerJson(const json& root, WordPiece::Impl* impl) {
  VERDICT_RETURN_IF_ERROR(ParseModel(root.at("model"), impl));
  for (const json& entry : root.value("added_tokens", json::array())) {
    const std::string content = entry.at("content").get<std::string>();
    AddAddedToken(impl, ParseAddedToken(entry, AssignAddedTokenId(*impl, content)));
  }
  VERDICT_RETURN_IF_ERROR(ParseNormalizer(root.value("normalizer", json()), impl));
  VERDICT_RETURN_IF_ERROR(ParsePreTokenizer(root.value("pre_tokenizer", json())));
  VERDICT_RETURN_IF_ERROR(ParsePostProcessor(root.value("post_processor", json()), impl));
  VERDICT_RETURN_IF_ERROR(ParseDecoder(root.value("decoder", json()), impl));
  if (impl->cls < 0) impl->cls = IdOf(*impl, "[CLS]");
  if (impl->sep < 0) impl->sep = IdOf(*impl, "[SEP]");
  const json padding = root.value("padding", json());
  if (!padding.is_object()) {
    impl->pad = IdOf(*impl, "[PAD]");
  } else if (padding.contains("pad_id")) {
    VERDICT_ASSIGN_OR_RETURN(impl->pad, SpecialTokenId(*impl, padding["pad_id"], "padding.pad_id"));
  }
  return Status::Ok();
}

// vocab.txt lines as Python's readlines() + rstrip("\n") gives them (a '\r' stays).
std::vector<std::string> VocabLines(const std::string& text) {
  std::vector<std::string> lines = Split(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// What transformers' BertTokenizer builds from vocab.txt and tokenizer_config.json.
Status ParseVocabTxt(const std::string& vocab_text, const json& config, WordPiece::Impl* impl) {
  const std::vector<std::string> lines = VocabLines(vocab_text);
  for (size_t i = 0; i < lines.size(); ++i) {
    VERDICT_RETURN_IF_ERROR(
        AddVocabToken(impl, lines[i], static_cast<int64_t>(i), "vocab.txt", lines.size()));
  }
  internal::NormalizerOptions& options = impl->normalizer;
  options.enabled = true;
  options.lowercase = config.value("do_lower_case", true);
  options.handle_chinese_chars = config.value("tokenize_chinese_chars", true);
  const json strip = config.value("strip_accents", json());
  options.strip_accents = strip.is_null() ? options.lowercase : strip.get<bool>();

  if (config.contains("added_tokens_decoder")) {
    const json& decoder = config.at("added_tokens_decoder");
    const size_t id_bound = lines.size() + decoder.size();
    for (const auto& [id, entry] : decoder.items()) {
      const std::optional<int64_t> parsed = ParseInt(id);
      if (!parsed) return InvalidData("added_tokens_decoder key " + Quote(id) + " is not an id");
      if (*parsed < 0 || static_cast<uint64_t>(*parsed) >= id_bound) {
        return InvalidData("tokenizer_config.json key 'added_tokens_decoder': id " + id +
                           " is outside 0.." + std::to_string(id_bound - 1) +
                           " (the vocabulary and the added tokens have " +
                           std::to_string(id_bound) + " entries)");
      }
      AddAddedToken(impl, ParseAddedToken(entry, *parsed));
    }
  }
  int32_t next_id = static_cast<int32_t>(impl->id_to_token.size());
  const auto special = [&](const char* key, const char* fallback) {
    const std::string token = TokenField(config, key).value_or(fallback);
    const int32_t id = IdOf(*impl, token);
    if (id >= 0 && impl->special_id[id]) return id;
    internal::AddedToken added;
    added.content = token;
    added.id = id < 0 ? next_id++ : id;
    added.special = true;
    AddAddedToken(impl, added);
    return added.id;
  };
  // An empty special token would get an id without a token (added tokens need content).
  for (const char* key : {"unk_token", "sep_token", "pad_token", "cls_token", "mask_token"}) {
    if (TokenField(config, key) == std::optional<std::string>("")) {
      return InvalidData("tokenizer_config.json key '" + std::string(key) +
                         "' is empty; a special token needs content");
    }
  }
  const std::string unk = TokenField(config, "unk_token").value_or("[UNK]");
  impl->unk = VocabId(*impl, unk);
  if (impl->unk < 0) return InvalidData("unk_token " + Quote(unk) + " is not in the vocabulary");
  special("unk_token", "[UNK]");
  const int32_t sep = special("sep_token", "[SEP]");
  impl->pad = special("pad_token", "[PAD]");
  const int32_t cls = special("cls_token", "[CLS]");
  special("mask_token", "[MASK]");
  SetTemplate(impl, {SpecialItem({cls}), internal::TemplateItem{true, {}}, SpecialItem({sep})});
  return Status::Ok();
}

Result<ImplPtr> LoadTokenizerJson(const std::string& path) {
  VERDICT_ASSIGN_OR_RETURN(json root, ReadJson(path));
  auto impl = std::make_shared<WordPiece::Impl>();
  try {
    VERDICT_RETURN_IF_ERROR(ParseTokenizerJson(root, impl.get()).WithContext(path));
  } catch (const json::exception& e) {
    return InvalidData(path + ": " + e.what());
  }
  return impl;
}

Result<ImplPtr> LoadVocabTxt(const TokenizerFiles& files) {
  VERDICT_ASSIGN_OR_RETURN(std::string vocab_text, ReadFile(files.main));
  json config = json::object();
  if (!files.config.empty()) {
    VERDICT_ASSIGN_OR_RETURN(config, ReadJson(files.config));
  }
  auto impl = std::make_shared<WordPiece::Impl>();
  try {
    VERDICT_RETURN_IF_ERROR(ParseVocabTxt(vocab_text, config, impl.get()).WithContext(files.main));
  } catch (const json::exception& e) {
    return InvalidData(files.config + ": " + e.what());
  }
  return impl;
}

// Whether `path` exists; errors other than "does not exist" (a name component over 255 bytes,
// no permission) are errors naming the path, never exceptions.
Result<bool> Exists(const fs::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory) {
    return IoError(path.string() + ": cannot read the tokenizer: " + ec.message());
  }
  return fs::exists(status);
}

// The files Load(path) reads; see WordPiece::Files.
Result<TokenizerFiles> ResolveFiles(const std::string& path) {
  const fs::path p(path);
  VERDICT_ASSIGN_OR_RETURN(bool exists, Exists(p));
  if (!exists) return NotFound(path + ": no such tokenizer file");
  std::error_code ec;
  fs::path main = p;
  if (fs::is_directory(p, ec)) {
    VERDICT_ASSIGN_OR_RETURN(bool has_json, Exists(p / "tokenizer.json"));
    VERDICT_ASSIGN_OR_RETURN(bool has_vocab, Exists(p / "vocab.txt"));
    if (!has_json && !has_vocab) {
      return NotFound(path + ": no tokenizer.json or vocab.txt in this directory");
    }
    main = p / (has_json ? "tokenizer.json" : "vocab.txt");
  }
  TokenizerFiles files{
      .main = main.string(), .vocab_txt = main.extension() == ".txt", .config = ""};
  if (files.vocab_txt) {
    const fs::path config = main.parent_path() / "tokenizer_config.json";
    VERDICT_ASSIGN_OR_RETURN(bool has_config, Exists(config));
    if (has_config) files.config = config.string();
  }
  return files;
}

Result<ImplPtr> LoadImpl(const std::string& path) {
  VERDICT_ASSIGN_OR_RETURN(TokenizerFiles files, ResolveFiles(path));
  return files.vocab_txt ? LoadVocabTxt(files) : LoadTokenizerJson(files.main);
}

}  // namespace

Result<std::vector<std::string>> WordPiece::Files(const std::string& path) {
  VERDICT_ASSIGN_OR_RETURN(TokenizerFiles files, ResolveFiles(path));
  std::vector<std::string> paths = {files.main};
  if (!files.config.empty()) paths.push_back(files.config);
  return paths;
}

Result<WordPiece> WordPiece::Load(const std::string& path) {
  VERDICT_ASSIGN_OR_RETURN(ImplPtr impl, LoadImpl(path));
  internal::FinalizeImpl(impl.get());
  return WordPiece(std::move(impl));
}

}  // namespace verdict::tokenizer
