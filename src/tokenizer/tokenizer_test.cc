#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
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

}  // namespace
}  // namespace verdict::tokenizer
