#include "text/text.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "text/html_text.h"
#include "text/steps.h"
#include "text/unicode.h"

namespace verdict::text {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Unit cases (exact string equality).

TEST(UnicodeTest, PythonStripLowerUpper) {
  EXPECT_EQ(StripSpace("\xC2\xA0 a b\xE3\x80\x80\x1C"), "a b");  // NBSP, U+3000, U+001C
  EXPECT_EQ(StripSpace("\xE2\x80\x8B"
                       "a"),
            "\xE2\x80\x8B"
            "a");                               // U+200B is not space
  EXPECT_EQ(PyLower("\xC4\xB0"), "i\xCC\x87");  // İ -> i̇
  EXPECT_EQ(PyLower("\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3"), "\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82");
  EXPECT_EQ(PyLower("\xCE\xA3"), "\xCF\x83");  // lone Σ -> σ
  EXPECT_EQ(PyUpper("stra\xC3\x9F"
                    "e"),
            "STRASSE");
  EXPECT_EQ(CollapseSpace("a \t\n b\xC2\x85"
                          "c"),
            "a b c");
}

TEST(StepsTest, SplitterKeepsNestedOpenMarkerAndDropsOutside) {
  EXPECT_EQ(SplitDialogue("x [bom] a [bom] b [eom] y [bom]  [eom][bom]c[eom][bom]d"),
            (std::vector<std::string>{"a [bom] b", "c"}));
  EXPECT_TRUE(SplitDialogue("nan").empty());
}

TEST(StepsTest, SeedEmojiRemoverAlsoDeletesCjk) {
  EXPECT_EQ(RemoveEmojiSeed("ok \xF0\x9F\x98\x80 \xE4\xBD\xA0\xE5\xA5\xBD \xD0\xB4"),
            "ok   \xD0\xB4");
}

TEST(StepsTest, EmojiRemoverV2KeepsCjkAndDropsSequences) {
  // 👍🏽, 👨‍👩‍👧, 🇫🇷, ❤️, 你好, ©
  EXPECT_EQ(RemoveEmojiV2("a\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD b"), "a b");
  EXPECT_EQ(
      RemoveEmojiV2("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7!"),
      "!");
  EXPECT_EQ(RemoveEmojiV2("\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7 \xE2\x9D\xA4\xEF\xB8\x8F"), " ");
  EXPECT_EQ(RemoveEmojiV2("\xE4\xBD\xA0\xE5\xA5\xBD \xC2\xA9 \xE0\xA4\x95\xE2\x80\x8D"),
            "\xE4\xBD\xA0\xE5\xA5\xBD \xC2\xA9 \xE0\xA4\x95\xE2\x80\x8D");
}

// The gaps between an HTML5 parser (gumbo) and html.parser that ARCHITECTURE.md names; the same
// inputs are also in steps.json with BeautifulSoup's output.
TEST(HtmlTest, KeepsWhatHtmlParserKeeps) {
  EXPECT_EQ(HtmlToText("x\r\ny\x01z\x7f"), "x\r\ny\x01z\x7f");  // CR LF and controls kept
  EXPECT_EQ(HtmlToText("see <details"), "see <details");        // unfinished tag stays text
  EXPECT_EQ(HtmlToText("\xC2\xA0 a \xC2\xA0"), "a");            // str.strip() removes NBSP
  EXPECT_EQ(HtmlToText("<b>x</b>\xC2\xA0<i>y</i>"), "x y");     // NBSP-only node dropped
  EXPECT_EQ(HtmlToText("a &amp b &notit; &#x80;"), "a & b &notit \xE2\x82\xAC");
}

TEST(HtmlTest, DeparturesWhereTheSeedRaises) {
  EXPECT_EQ(HtmlToText("a &#xD800; b"), "a \xEF\xBF\xBD b");
  EXPECT_EQ(HtmlToText("a <![foo[ x ]]> b"), "a <![foo[ x ]]> b");
  EXPECT_EQ(HtmlToText("<![ CDATA[x]]>y"), "<![ CDATA[x]]>y");
}

TEST(PipelineTest, BuildRejectsUnknownUnsupportedAndMisplacedSteps) {
  auto unknown = TextPipeline::Build({"dialogue_splitter", "lowercase"}, nullptr, {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("step 2 'lowercase'"), std::string::npos);
  auto seed_cannot = TextPipeline::Build({"fasttext_embedding"}, nullptr, {});
  ASSERT_FALSE(seed_cannot.ok());
  EXPECT_EQ(seed_cannot.status().code(), StatusCode::kUnsupported);
  auto not_yet = TextPipeline::Build({"cs_chat_splitter"}, nullptr, {});
  ASSERT_FALSE(not_yet.ok());
  EXPECT_EQ(not_yet.status().code(), StatusCode::kUnsupported);
  EXPECT_FALSE(TextPipeline::Build({"dialogue_splitter", "text_upper"}, nullptr, {}).ok());
  EXPECT_FALSE(TextPipeline::Build({"dialogue_splitter", "dialogue_splitter"}, nullptr, {}).ok());
  EXPECT_FALSE(TextPipeline::Build({"dialogue_chunker"}, nullptr, {}).ok());
  auto wordpiece = tokenizer::WordPiece::Load("tests/golden/tokenizer/uncased/tokenizer.json");
  ASSERT_TRUE(wordpiece.ok()) << wordpiece.status().ToString();
  EXPECT_FALSE(TextPipeline::Build({"tokenizer", "text_normalizer"}, &*wordpiece, {}).ok());
  EXPECT_FALSE(TextPipeline::Build({"tokenizer"}, &*wordpiece, {.max_sen_len = 1}).ok());
}

// Options arrive as size_t converted from ints: -1 is SIZE_MAX and is shown as -1.
TEST(PipelineTest, BuildChecksTheOptionRanges) {
  auto wordpiece = tokenizer::WordPiece::Load("tests/golden/tokenizer/uncased/tokenizer.json");
  ASSERT_TRUE(wordpiece.ok()) << wordpiece.status().ToString();
  const std::vector<std::string> steps = TextPipeline::DefaultSteps(false);
  auto build = [&](PipelineOptions options) {
    return TextPipeline::Build(steps, &*wordpiece, options).status();
  };
  for (size_t bad : {size_t{0}, size_t{1}, kMaxSenLen + 1, static_cast<size_t>(-1)}) {
    const Status status = build({.max_sen_len = bad});
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(status.message().find("max_sen_len is"), std::string::npos) << status.message();
  }
  EXPECT_EQ(build({.max_sen_len = static_cast<size_t>(-1)}).message(),
            "text option max_sen_len is -1; it must be between 2 and 65536");
  // Even without a step that uses it: the caller pads chunks to max_sen_len.
  EXPECT_FALSE(TextPipeline::Build({"text_normalizer"}, nullptr, {.max_sen_len = 0}).ok());
  for (size_t good : {size_t{2}, kMaxSenLen}) EXPECT_TRUE(build({.max_sen_len = good}).ok());

  for (size_t bad : {size_t{0}, kDefaultMaxChunks + 1, static_cast<size_t>(-1)}) {
    const Status status = build({.chunk_truncate = true, .max_total_chunks = bad});
    EXPECT_NE(status.message().find("max_total_chunks is"), std::string::npos) << bad;
  }
  EXPECT_TRUE(build({.chunk_truncate = true, .max_total_chunks = 1}).ok());
  EXPECT_TRUE(build({.chunk_truncate = true, .max_total_chunks = kDefaultMaxChunks}).ok());
  // max_total_chunks is unused without chunk_truncate.
  EXPECT_TRUE(build({.chunk_truncate = false, .max_total_chunks = 0}).ok());

  EXPECT_FALSE(build({.max_cell_bytes = 0}).ok());
  EXPECT_FALSE(build({.max_messages = 0}).ok());
  EXPECT_FALSE(build({.max_chunks = 0}).ok());
}

std::string Dialogue(int messages, const std::string& message) {
  std::string text;
  for (int i = 0; i < messages; ++i) text += "[bom] " + message + " [eom]";
  return text;
}

// Each limit: the last accepted size and the first refused one, as one-line InvalidData errors.
TEST(PipelineTest, RunRefusesCellsBeyondTheLimits) {
  auto wordpiece = tokenizer::WordPiece::Load("tests/golden/tokenizer/uncased/tokenizer.json");
  ASSERT_TRUE(wordpiece.ok()) << wordpiece.status().ToString();
  const std::vector<std::string> steps = TextPipeline::DefaultSteps(false);
  auto run = [&](PipelineOptions options, const std::string& raw) {
    auto pipeline = TextPipeline::Build(steps, &*wordpiece, options);
    EXPECT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    return pipeline->Run(raw);
  };
  auto expect_refused = [](const Result<ProcessedText>& out, const std::string& what) {
    ASSERT_FALSE(out.ok()) << what;
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidData);
    EXPECT_EQ(out.status().message(), what);
  };

  const std::string text = Dialogue(3, "hello there");  // 3 x 23 bytes
  EXPECT_TRUE(run({.max_cell_bytes = 69}, text).ok());
  expect_refused(run({.max_cell_bytes = 68}, text),
                 "the text is 69 bytes, more than 68 (the limit per cell)");

  EXPECT_TRUE(run({.max_messages = 3}, text).ok());
  expect_refused(run({.max_messages = 2}, text),
                 "the text has more than 2 messages (the limit per cell)");

  // "hello there" is 2 tokens: with max_sen_len 2 each message is a chunk.
  auto chunks = run({.max_sen_len = 2, .max_chunks = 3}, text);
  ASSERT_TRUE(chunks.ok()) << chunks.status().ToString();
  EXPECT_EQ(chunks->input_ids.size(), 3u);
  expect_refused(run({.max_sen_len = 2, .max_chunks = 2}, text),
                 "the text makes more than 2 chunks of max_sen_len 2 tokens (the limit per cell)");
  // chunk_truncate stops at max_total_chunks, within the limit.
  auto truncated =
      run({.max_sen_len = 2, .chunk_truncate = true, .max_total_chunks = 2, .max_chunks = 2}, text);
  ASSERT_TRUE(truncated.ok()) << truncated.status().ToString();
  EXPECT_EQ(truncated->input_ids.size(), 2u);
}

// A single text reaches dialogue_chunker / tokenizer as one message / chunk per character.
TEST(PipelineTest, SingleTextCharactersCountAsMessagesAndChunks) {
  auto wordpiece = tokenizer::WordPiece::Load("tests/golden/tokenizer/uncased/tokenizer.json");
  ASSERT_TRUE(wordpiece.ok()) << wordpiece.status().ToString();
  auto chunker = TextPipeline::Build({"dialogue_chunker", "tokenizer"}, &*wordpiece,
                                     {.max_sen_len = 16, .max_messages = 4});
  ASSERT_TRUE(chunker.ok()) << chunker.status().ToString();
  EXPECT_TRUE(chunker->Run("abcd").ok());
  EXPECT_EQ(chunker->Run("abcde").status().message(),
            "the text has more than 4 messages (the limit per cell)");
  auto tokenizer =
      TextPipeline::Build({"tokenizer"}, &*wordpiece, {.max_sen_len = 16, .max_chunks = 4});
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().ToString();
  const std::string sigma = "\xCE\xA3";  // one character of two bytes
  EXPECT_EQ(tokenizer->Run(sigma + "bcd")->input_ids.size(), 4u);
  EXPECT_FALSE(tokenizer->Run(sigma + "bcde").ok());
}

// The case at the default limits: 5,000 and 50,000 messages, chunk_truncate off. Refused
// (chunks, then messages) instead of growing without bound.
TEST(PipelineTest, DefaultLimitsRefuseHugeDialogues) {
  auto wordpiece = tokenizer::WordPiece::Load("tests/golden/tokenizer/uncased/tokenizer.json");
  ASSERT_TRUE(wordpiece.ok()) << wordpiece.status().ToString();
  auto pipeline =
      TextPipeline::Build(TextPipeline::DefaultSteps(false), &*wordpiece, {.max_sen_len = 16});
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  const std::string message = "a message of about sixteen tokens, long enough to fill a chunk";
  EXPECT_TRUE(pipeline->Run(Dialogue(kDefaultMaxChunks, message)).ok());
  EXPECT_NE(pipeline->Run(Dialogue(5000, message)).status().message().find("more than 64 chunks"),
            std::string::npos);
  EXPECT_NE(pipeline->Run(Dialogue(50000, "hi")).status().message().find("10000 messages"),
            std::string::npos);
}

TEST(PipelineTest, CleaningStepsWithoutTokenizer) {
  auto pipeline = TextPipeline::Build(
      {"dialogue_splitter", "html_normalizer", "emoji_remover", "text_normalizer"}, nullptr, {});
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  EXPECT_FALSE(pipeline->tokenizes());
  const ProcessedText out =
      *pipeline->Run("[bom] Hello <b>W\xC3\x96RLD</b>&nbsp;\xF0\x9F\x98\x80 [eom]x[bom]\xFF[eom]");
  // U+FFFD (from the invalid byte) lies in the seed emoji range U+24C2-U+1F251.
  EXPECT_EQ(out.chunks, (std::vector<std::string>{"hello w\xC3\xB6rld", ""}));
  EXPECT_TRUE(out.input_ids.empty());
}

TEST(PipelineTest, RunIsThreadSafe) {
  auto wordpiece = tokenizer::WordPiece::Load("tests/golden/tokenizer/uncased/tokenizer.json");
  ASSERT_TRUE(wordpiece.ok()) << wordpiece.status().ToString();
  auto pipeline =
      TextPipeline::Build(TextPipeline::DefaultSteps(false), &*wordpiece, {.max_sen_len = 16});
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  const std::string input =
      "[bom] Hello <b>there</b> &amp; welcome \xCE\xA3\xCE\xA3 [eom][bom] second message, a bit "
      "longer than sixteen tokens for sure, with <i>html</i> [eom]";
  const ProcessedText expected = *pipeline->Run(input);
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < 200; ++r) {
        const ProcessedText out = *pipeline->Run(input);
        if (out.chunks != expected.chunks || out.input_ids != expected.input_ids) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
  EXPECT_EQ(expected.chunks.size(), 2u);
}

TEST(PipelineTest, DefaultSteps) {
  EXPECT_EQ(TextPipeline::DefaultSteps(false).size(), 6u);
  EXPECT_EQ(TextPipeline::DefaultSteps(true),
            (std::vector<std::string>{"dialogue_splitter", "text_normalizer", "dialogue_chunker",
                                      "tokenizer"}));
}

// ---------------------------------------------------------------------------------------------
// Golden replays: files written by tests/golden/text/gen_text_golden.py (the seed's processors
// in Python: BeautifulSoup 4.12.3 html.parser, the seed's emoji regex, str methods, HF
// `tokenizers`). Tolerance: none; every string and id must be identical.

constexpr const char* kGoldenDir = "tests/golden/text/";

json LoadGolden(const std::string& name) {
  std::ifstream in(std::string(kGoldenDir) + name);
  if (!in) {
    ADD_FAILURE() << "missing golden file " << kGoldenDir << name;
    return json::object({{"cases", json::array()}});
  }
  return json::parse(in);
}

std::string HexToBytes(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

json RunStep(const std::string& step, const std::string& input) {
  if (step == "dialogue_splitter") return SplitDialogue(input);
  if (step == "html_normalizer") return HtmlToText(input);
  if (step == "emoji_remover") return RemoveEmojiSeed(input);
  if (step == "text_normalizer") return NormalizeText(input);
  if (step == "text_upper") return UpperText(input);
  ADD_FAILURE() << "unknown step in golden file: " << step;
  return nullptr;
}

TEST(GoldenTest, SingleStepsMatchTheSeedProcessors) {
  const json golden = LoadGolden("steps.json");
  ASSERT_GT(golden["cases"].size(), 500u);
  size_t failures = 0;
  for (const json& c : golden["cases"]) {
    const std::string step = c["step"];
    const std::string input = c["input"];
    const json actual = RunStep(step, input);
    if (actual != c["expected"] && ++failures <= 20) {
      ADD_FAILURE() << step << " on " << json(input).dump() << "\n  expected "
                    << c["expected"].dump() << "\n  actual   " << actual.dump();
    }
  }
  EXPECT_EQ(failures, 0u);
}

TEST(GoldenTest, InvalidUtf8IsReplacedLikePython) {
  const json golden = LoadGolden("utf8.json");
  ASSERT_FALSE(golden["cases"].empty());
  for (const json& c : golden["cases"]) {
    EXPECT_EQ(SanitizeUtf8(HexToBytes(c["hex"])), c["expected"].get<std::string>())
        << "bytes " << c["hex"];
  }
}

TEST(GoldenTest, PipelinesMatchTheSeedChunksAndIds) {
  const json golden = LoadGolden("pipeline.json");
  ASSERT_FALSE(golden["cases"].empty());
  std::map<std::string, tokenizer::WordPiece> tokenizers;
  size_t failures = 0;
  for (const json& c : golden["cases"]) {
    const std::string path = c["tokenizer"];
    if (!tokenizers.contains(path)) {
      auto loaded = tokenizer::WordPiece::Load(path);
      ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
      tokenizers.emplace(path, *loaded);
    }
    const tokenizer::WordPiece& wordpiece = tokenizers.at(path);
    const PipelineOptions options{c["max_sen_len"].get<size_t>(), c["chunk_truncate"].get<bool>(),
                                  c["max_total_chunks"].get<size_t>()};
    auto pipeline = TextPipeline::Build(c["steps"], &wordpiece, options);
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    auto run = pipeline->Run(c["input"].get<std::string>());
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    const ProcessedText& out = *run;
    const json actual_chunks = out.chunks;
    const json actual_ids = out.input_ids;
    if ((actual_chunks != c["chunks"] || actual_ids != c["input_ids"]) && ++failures <= 10) {
      ADD_FAILURE() << path << " " << json(c["steps"]).dump() << " max_sen_len "
                    << options.max_sen_len << " on " << c["input"].dump() << "\n  expected "
                    << c["chunks"].dump() << "\n  actual   " << actual_chunks.dump()
                    << "\n  expected ids " << c["input_ids"].dump() << "\n  actual ids   "
                    << actual_ids.dump();
    }
  }
  EXPECT_EQ(failures, 0u);
}

}  // namespace
}  // namespace verdict::text
