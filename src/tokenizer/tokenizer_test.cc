#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace verdict::tokenizer {
namespace {

using nlohmann::json;

const char kGoldenDir[] = "tests/golden/tokenizer/";

std::string HexToBytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

struct Golden {
  std::vector<std::string> texts;
  json tokenizers;
};

const Golden& LoadGolden() {
  static const Golden golden = [] {
    std::ifstream in(std::string(kGoldenDir) + "golden.json");
    const json root = json::parse(in);
    Golden g;
    for (const json& c : root.at("cases")) {
      g.texts.push_back(c.contains("hex") ? HexToBytes(c.at("hex").get<std::string>())
                                          : c.at("text").get<std::string>());
    }
    g.tokenizers = root.at("tokenizers");
    return g;
  }();
  return golden;
}

WordPiece LoadOrDie(const std::string& relative) {
  Result<WordPiece> loaded = WordPiece::Load(std::string(kGoldenDir) + relative);
  EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
  return std::move(loaded).value();
}

// Every golden case, for every tokenizer: exact ids (tolerance: none) and exact decoded text.
TEST(WordPieceGolden, IdsAndDecodeMatchHuggingFace) {
  const Golden& golden = LoadGolden();
  ASSERT_GT(golden.texts.size(), 300u);
  for (const json& t : golden.tokenizers) {
    const std::string name = t.at("tokenizer").get<std::string>();
    SCOPED_TRACE(name);
    const WordPiece wp = LoadOrDie(name);
    const size_t truncate_at = t.at("truncated_at").get<size_t>();
    int failures = 0;
    for (size_t i = 0; i < golden.texts.size() && failures < 5; ++i) {
      const std::string& text = golden.texts[i];
      const auto ids = t.at("ids")[i].get<std::vector<int32_t>>();
      const bool ok =
          wp.Encode(text) == ids &&
          wp.Encode(text, truncate_at) == t.at("truncated_ids")[i].get<std::vector<int32_t>>() &&
          wp.EncodeNoSpecial(text) == t.at("no_special_ids")[i].get<std::vector<int32_t>>() &&
          wp.Decode(ids) == t.at("decoded")[i].get<std::string>();
      if (!ok) {
        ++failures;
        ADD_FAILURE() << "case " << i << " text "
                      << json(text).dump(-1, ' ', false, json::error_handler_t::replace)
                      << "\n want " << t.at("ids")[i].dump() << "\n got  "
                      << json(wp.Encode(text)).dump() << "\n want decoded "
                      << t.at("decoded")[i].dump() << "\n got decoded  "
                      << json(wp.Decode(ids)).dump(-1, ' ', false, json::error_handler_t::replace);
      }
    }
  }
}

TEST(WordPiece, SpecialIdsAndVocabSize) {
  const WordPiece wp = LoadOrDie("uncased/tokenizer.json");
  EXPECT_EQ(wp.pad_id(), 0);
  EXPECT_EQ(wp.unk_id(), 100);
  EXPECT_EQ(wp.cls_id(), 101);
  EXPECT_EQ(wp.sep_id(), 102);
  EXPECT_EQ(wp.vocab_size(), 30522u);
  EXPECT_EQ(wp.TokenToId("hello"), 7592);
  EXPECT_EQ(wp.IdToToken(7592), "hello");
  EXPECT_EQ(wp.IdToToken(-1), "");
  EXPECT_EQ(wp.IdToToken(30522), "");
  EXPECT_EQ(wp.Encode("Hello, world!"), (std::vector<int32_t>{101, 7592, 1010, 2088, 999, 102}));
  EXPECT_EQ(wp.Decode(wp.Encode("Hello, world!")), "hello, world!");
}

TEST(WordPiece, VocabTxtDirectoryAndFileLoadTheSame) {
  const WordPiece dir = LoadOrDie("vocab_dir");
  const WordPiece file = LoadOrDie("vocab_dir/vocab.txt");
  for (const std::string& text : LoadGolden().texts) EXPECT_EQ(dir.Encode(text), file.Encode(text));
  EXPECT_EQ(dir.cls_id(), 2);
  EXPECT_EQ(dir.sep_id(), 3);
  EXPECT_EQ(dir.pad_id(), 0);
}

TEST(WordPiece, TruncationShorterThanSpecialTokensLeavesSequenceWhole) {
  const WordPiece wp = LoadOrDie("uncased/tokenizer.json");
  const std::vector<int32_t> whole = wp.Encode("hello world foo bar");
  EXPECT_EQ(wp.Encode("hello world foo bar", 1), whole);
  EXPECT_EQ(wp.Encode("hello world foo bar", 2), (std::vector<int32_t>{101, 102}));
  EXPECT_EQ(wp.Encode("hello world foo bar", 3), (std::vector<int32_t>{101, 7592, 102}));
}

TEST(WordPiece, ConcurrentEncodeMatchesSerial) {
  const WordPiece wp = LoadOrDie("uncased/tokenizer.json");
  const std::vector<std::string>& texts = LoadGolden().texts;
  std::vector<std::vector<int32_t>> serial;
  for (const std::string& text : texts) serial.push_back(wp.Encode(text));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        for (size_t i = 0; i < texts.size(); ++i) mismatches[t] += wp.Encode(texts[i]) != serial[i];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

class WordPieceLoadErrors : public ::testing::Test {
 protected:
  std::string WriteTemp(const std::string& name, const std::string& contents) {
    const std::filesystem::path path = std::filesystem::path(::testing::TempDir()) / name;
    std::ofstream(path) << contents;
    return path.string();
  }
};

TEST_F(WordPieceLoadErrors, MissingFile) {
  Result<WordPiece> r = WordPiece::Load("tests/golden/tokenizer/no_such_tokenizer.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("no_such_tokenizer.json"), std::string::npos);
}

TEST_F(WordPieceLoadErrors, InvalidJson) {
  Result<WordPiece> r = WordPiece::Load(WriteTemp("broken.json", "{\"model\": "));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(r.status().message().find("broken.json"), std::string::npos);
}

TEST_F(WordPieceLoadErrors, UnsupportedNormalizerIsNamed) {
  const std::string text = R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}},
      "normalizer": {"type": "NFKC"}, "pre_tokenizer": {"type": "BertPreTokenizer"}})";
  Result<WordPiece> r = WordPiece::Load(WriteTemp("nfkc.json", text));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("NFKC"), std::string::npos);
}

TEST_F(WordPieceLoadErrors, MissingUnknownToken) {
  const std::string text =
      R"({"model": {"type": "WordPiece", "vocab": {"a": 0}, "unk_token": "[UNK]"},
      "pre_tokenizer": {"type": "BertPreTokenizer"}})";
  Result<WordPiece> r = WordPiece::Load(WriteTemp("nounk.json", text));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(r.status().message().find("[UNK]"), std::string::npos);
}

TEST_F(WordPieceLoadErrors, WrongFieldTypeNamesFile) {
  const std::string text = R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": "zero"}},
      "pre_tokenizer": {"type": "BertPreTokenizer"}})";
  Result<WordPiece> r = WordPiece::Load(WriteTemp("badid.json", text));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(r.status().message().find("badid.json"), std::string::npos);
}

// A small valid tokenizer.json: ids 0..4, [CLS] hello [SEP] = 2 4 3.
json SmallTokenizer() {
  json vocab = {{"[PAD]", 0}, {"[UNK]", 1}, {"[CLS]", 2}, {"[SEP]", 3}, {"hello", 4}};
  json special = {
      {"[CLS]", {{"id", "[CLS]"}, {"ids", json::array({2})}, {"tokens", json::array({"[CLS]"})}}},
      {"[SEP]", {{"id", "[SEP]"}, {"ids", json::array({3})}, {"tokens", json::array({"[SEP]"})}}}};
  json single = json::array({{{"SpecialToken", {{"id", "[CLS]"}, {"type_id", 0}}}},
                             {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                             {{"SpecialToken", {{"id", "[SEP]"}, {"type_id", 0}}}}});
  return {{"model", {{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"vocab", vocab}}},
          {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
          {"post_processor",
           {{"type", "TemplateProcessing"}, {"single", single}, {"special_tokens", special}}}};
}

// Loads SmallTokenizer() changed by `edit` and expects one line of InvalidData that names the
// file and `key`.
void ExpectIdError(const std::string& name, const std::function<void(json&)>& edit,
                   const std::string& key) {
  SCOPED_TRACE(name);
  json tokenizer = SmallTokenizer();
  edit(tokenizer);
  const std::string path = ::testing::TempDir() + "/" + name + ".json";
  std::ofstream(path) << tokenizer.dump();
  Result<WordPiece> r = WordPiece::Load(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(key), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
}

TEST_F(WordPieceLoadErrors, SmallTokenizerLoads) {
  const std::string path = WriteTemp("small.json", SmallTokenizer().dump());
  Result<WordPiece> loaded = WordPiece::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const WordPiece& wp = *loaded;
  EXPECT_EQ(wp.Encode("hello"), (std::vector<int32_t>{2, 4, 3}));
  EXPECT_EQ(wp.vocab_size(), 5u);
}

// Special token ids beyond the vocabulary would index past the model's embedding table.
TEST_F(WordPieceLoadErrors, SpecialTokenIdsOutsideTheVocabulary) {
  const std::string cls_key = "post_processor.special_tokens[\"[CLS]\"].ids";
  for (const json& bad : {json(999999999), json(5), json(-1), json(int64_t{1} << 40),
                          json(uint64_t{18446744073709551615u}), json("2"), json(2.5)}) {
    ExpectIdError(
        "cls_" + bad.dump(),
        [&](json& t) { t["post_processor"]["special_tokens"]["[CLS]"]["ids"] = {bad}; }, cls_key);
  }
  ExpectIdError(
      "sep_second_id",
      [](json& t) {
        t["post_processor"]["special_tokens"]["[SEP]"]["ids"] = {3, 2147483647};
      },
      "post_processor.special_tokens[\"[SEP]\"].ids");
  ExpectIdError(
      "pad_id",
      [](json& t) {
        t["padding"] = {{"pad_id", 100000000}};
      },
      "padding.pad_id");
  ExpectIdError(
      "bert_processing",
      [](json& t) {
        t["post_processor"] = {
            {"type", "BertProcessing"}, {"cls", {"[CLS]", 2}}, {"sep", {"[SEP]", 999999999}}};
      },
      "post_processor.sep");
}

// Vocabulary ids must lie below the number of entries: a stray huge id is refused before
// anything is allocated for it.
TEST_F(WordPieceLoadErrors, VocabularyIdsBeyondTheEntryCount) {
  for (const json& bad : {json(2147483647), json(100000000), json(5), json(-1)}) {
    ExpectIdError(
        "vocab_" + bad.dump(), [&](json& t) { t["model"]["vocab"]["[UNK]"] = bad; }, "model.vocab");
  }
  ExpectIdError(
      "vocab_text_id", [](json& t) { t["model"]["vocab"]["hello"] = "4"; }, "model.vocab");
  ExpectIdError(
      "vocab_array", [](json& t) { t["model"]["vocab"] = json::array({"a"}); }, "model.vocab");
}

// Two tokens of one id leave another id without a token, which the post-processor could still
// emit ([CLS]'s id here; found by fuzz/fuzz_tokenizer_load).
TEST_F(WordPieceLoadErrors, VocabularyIdSharedByTwoTokens) {
  ExpectIdError(
      "vocab_shared_id", [](json& t) { t["model"]["vocab"]["[CLS]"] = 1; }, "model.vocab");
  ExpectIdError(
      "vocab_shared_id_named", [](json& t) { t["model"]["vocab"]["hello"] = 0; }, "both have id 0");
}

// max_input_chars_per_word is a non-negative integer: a float beyond size_t's range was converted
// to it (undefined behaviour; found by fuzz/fuzz_tokenizer_load under UBSan).
TEST_F(WordPieceLoadErrors, MaxInputCharsPerWordIsANonNegativeInteger) {
  const std::vector<json> bad = {json(2.2e70), json(100.0), json(-1), json("100"), json::array()};
  for (size_t i = 0; i < bad.size(); ++i) {
    ExpectIdError(
        "max_chars_" + std::to_string(i),
        [&](json& t) { t["model"]["max_input_chars_per_word"] = bad[i]; },
        "model.max_input_chars_per_word");
  }
}

TEST_F(WordPieceLoadErrors, AddedTokenDecoderIdBeyondTheEntryCount) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "vocab_bad_ids";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "vocab.txt") << "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n";
  std::ofstream(dir / "tokenizer_config.json")
      << R"({"added_tokens_decoder": {"100000000": {"content": "[X]", "special": true}}})";
  Result<WordPiece> r = WordPiece::Load(dir.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(r.status().message().find("added_tokens_decoder"), std::string::npos);
  EXPECT_NE(r.status().message().find("vocab.txt"), std::string::npos);
}

// An empty special token in tokenizer_config.json left its id without a token, which encoding
// emitted (found by fuzz/fuzz_tokenizer_load).
TEST_F(WordPieceLoadErrors, EmptySpecialTokenInTheConfig) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "empty_special";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "vocab.txt") << "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n";
  for (const char* config : {R"({"sep_token": ""})", R"({"cls_token": {"content": ""}})"}) {
    std::ofstream(dir / "tokenizer_config.json") << config;
    Result<WordPiece> r = WordPiece::Load(dir.string());
    ASSERT_FALSE(r.ok()) << config;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidData);
    EXPECT_NE(r.status().message().find("is empty; a special token needs content"),
              std::string::npos)
        << r.status().message();
  }
}

// A path component over 255 bytes (ENAMETOOLONG) is an error naming the path, not an exception.
TEST_F(WordPieceLoadErrors, OverlongPathComponent) {
  const std::string long_name(300, 'a');
  for (const std::string& path :
       {::testing::TempDir() + "/" + long_name, ::testing::TempDir() + "/" + long_name + "/x.json",
        ::testing::TempDir() + "/" + long_name + ".txt"}) {
    Result<WordPiece> r = WordPiece::Load(path);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(long_name), std::string::npos);
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
    EXPECT_FALSE(WordPiece::Files(path).ok());
  }
}

TEST(WordPieceFiles, ListsWhatLoadReads) {
  auto json_files = WordPiece::Files(std::string(kGoldenDir) + "uncased");
  ASSERT_TRUE(json_files.ok()) << json_files.status().ToString();
  EXPECT_EQ(*json_files,
            std::vector<std::string>{std::string(kGoldenDir) + "uncased/tokenizer.json"});
  auto vocab_files = WordPiece::Files(std::string(kGoldenDir) + "vocab_dir/vocab.txt");
  ASSERT_TRUE(vocab_files.ok()) << vocab_files.status().ToString();
  EXPECT_EQ(*vocab_files, (std::vector<std::string>{
                              std::string(kGoldenDir) + "vocab_dir/vocab.txt",
                              std::string(kGoldenDir) + "vocab_dir/tokenizer_config.json"}));
}

}  // namespace
}  // namespace verdict::tokenizer
