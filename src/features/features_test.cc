#include "features/features.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

namespace verdict::features {
namespace {

namespace fs = std::filesystem;

table::Batch ReadCsv(const std::string& name, const std::string& body) {
  std::string dir = ::testing::TempDir() + "/verdict_features_test";
  fs::create_directories(dir);
  std::string path = dir + "/" + name + ".csv";
  std::ofstream(path, std::ios::binary) << body;
  auto reader = table::Reader::Open(*table::ResolveDataSource(path));
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  return **reader->Next();
}

bundle::Manifest Fixture() {
  auto manifest = bundle::LoadManifest("tests/golden/bundle/tiny");
  EXPECT_TRUE(manifest.ok()) << manifest.status().ToString();
  return *manifest;
}

TEST(LookupRisk, PythonSpellingsOfTheSameValue) {
  bundle::RiskTable table{{{"1.0", 0.7}, {"nan", 0.2}, {"red", 0.4}, {"3", 0.9}}, 0.5};
  EXPECT_EQ(LookupRisk(table, std::string("red")), 0.4);
  EXPECT_EQ(LookupRisk(table, std::string("1")), 0.7);    // int column read with NaNs -> "1.0"
  EXPECT_EQ(LookupRisk(table, std::string("3.0")), 0.9);  // float text, int key
  EXPECT_EQ(LookupRisk(table, std::nullopt), 0.2);        // missing -> "nan"
  EXPECT_FALSE(LookupRisk(table, std::string("blue")).has_value());
}

TEST(Encoder, TabularAndRiskFields) {
  bundle::Manifest manifest = Fixture();
  auto encoder = Encoder::Create(manifest);
  ASSERT_TRUE(encoder.ok());
  EXPECT_EQ(encoder->RequiredColumns(), (std::vector<std::string>{"a", "b"}));
  table::Batch batch = ReadCsv("ok", "id,a,b,label\n1,2.5,p,x\n2,,q,z\n3,nan,,y\n");
  auto rows = encoder->Encode(batch);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->columns[0].values, (std::vector<float>{2.5f, -1.0f, -1.0f}));
  EXPECT_EQ(rows->columns[1].values, (std::vector<float>{0.25f, 0.1f, 0.1f}));
  EXPECT_EQ(rows->columns[0].missing, 2);  // "" and "nan"
  EXPECT_EQ(rows->columns[1].missing, 1);
  auto labels = encoder->EncodeLabels(batch, "label");
  ASSERT_TRUE(labels.ok());
  EXPECT_EQ(*labels, (std::vector<int32_t>{0, 2, 1}));
}

TEST(Encoder, BadCellsNameTheRow) {
  auto encoder = Encoder::Create(Fixture());
  table::Batch batch = ReadCsv("bad", "id,a,b,label\n1,2.5,p,x\n2,inf,q,w\n");
  auto rows = encoder->Encode(batch);
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("column 'a' row 2: value is infinite"), std::string::npos);
  auto labels = encoder->EncodeLabels(batch, "label");
  ASSERT_FALSE(labels.ok());
  EXPECT_NE(labels.status().message().find(
                "row 2: label 'w' is not one of the model's classes (x, y, z)"),
            std::string::npos)
      << labels.status().message();
}

// float32 is what the model sees: a finite double beyond its range is refused, not made inf.
TEST(Encoder, NumbersBeyondFloat32AreRefused) {
  auto encoder = Encoder::Create(Fixture());
  for (const std::string& cell : {"1e39", "-1e39", "3.5e38", "1.7976931348623157e308"}) {
    table::Batch batch = ReadCsv("huge", "id,a,b,label\n1,2.5,p,x\n2," + cell + ",q,y\n");
    auto rows = encoder->Encode(batch);
    ASSERT_FALSE(rows.ok()) << cell;
    EXPECT_EQ(rows.status().code(), StatusCode::kInvalidData);
    EXPECT_NE(rows.status().message().find("column 'a' row 2: value "), std::string::npos)
        << rows.status().message();
    EXPECT_NE(rows.status().message().find("is beyond float32's range"), std::string::npos);
    EXPECT_EQ(rows.status().message().find('\n'), std::string::npos);
  }
  table::Batch batch = ReadCsv("edge", "id,a,b,label\n1,3.4e38,p,x\n2,1e-50,q,y\n3,-3.4e38,,z\n");
  auto rows = encoder->Encode(batch);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->columns[0].values[1], 0.0f);  // underflow to zero is not an error
}

// A manifest with one text field configured like the text stage's golden case `golden_case`.
bundle::Manifest TextManifest(const nlohmann::json& golden_case) {
  bundle::Manifest manifest;
  manifest.dir = "tests/golden/text";
  bundle::TextField field;
  field.name = "dialogue";
  field.steps = golden_case["steps"].get<std::vector<std::string>>();
  field.max_sen_len = golden_case["max_sen_len"].get<int>();
  field.chunk_truncate = golden_case["chunk_truncate"].get<bool>();
  field.max_total_chunks = golden_case["max_total_chunks"].get<int>();
  field.tokenizer = golden_case["tokenizer"].get<std::string>();
  manifest.text_fields.push_back(field);
  manifest.inputs = {{"dialogue_input_ids", bundle::InputKind::kTextIds, "dialogue"},
                     {"dialogue_attention_mask", bundle::InputKind::kAttentionMask, "dialogue"}};
  return manifest;
}

// The text stage's pipeline goldens (seed processors in Python, exact ids), grouped by their
// configuration, through Encoder::EncodeText with one and with four threads. Tolerance: none.
TEST(Encoder, TextFieldsGiveTheSeedsIdsWithAnyThreadCount) {
  nlohmann::json golden = nlohmann::json::parse(std::ifstream("tests/golden/text/pipeline.json"));
  std::map<std::string, std::vector<const nlohmann::json*>> groups;
  for (const auto& c : golden["cases"]) {
    if (c["steps"].back() != "tokenizer") continue;
    groups[c["tokenizer"].dump() + c["steps"].dump() + c["max_sen_len"].dump() +
           c["chunk_truncate"].dump() + c["max_total_chunks"].dump()]
        .push_back(&c);
  }
  ASSERT_GE(groups.size(), 5u);
  for (const auto& [key, cases] : groups) {
    std::vector<std::optional<std::string>> cells;
    std::vector<ChunkIds> want;
    for (const nlohmann::json* c : cases) {
      // "nan" is also what a missing cell must give (the seed's str() of NaN).
      if ((*c)["input"] == "nan")
        cells.emplace_back(std::nullopt);
      else
        cells.emplace_back((*c)["input"].get<std::string>());
      want.push_back((*c)["input_ids"].get<ChunkIds>());
    }
    for (int threads : {1, 4}) {
      auto encoder = Encoder::Create(TextManifest(*cases.front()), {threads});
      ASSERT_TRUE(encoder.ok()) << encoder.status().ToString();
      auto ids = encoder->EncodeText("dialogue", cells);
      ASSERT_TRUE(ids.ok()) << ids.status().ToString();
      std::vector<ChunkIds> got;
      for (int64_t row = 0; row + 1 < static_cast<int64_t>(ids->row_chunks.size()); ++row) {
        got.push_back(ids->RowIds(row));
      }
      EXPECT_EQ(got, want) << key << " threads " << threads;
    }
  }
}

TEST(Encoder, TextStepsMustEndWithTheTokenizer) {
  nlohmann::json c = {{"steps", {"dialogue_splitter", "text_normalizer"}},
                      {"max_sen_len", 16},
                      {"chunk_truncate", false},
                      {"max_total_chunks", 5},
                      {"tokenizer", "tests/golden/tokenizer/uncased/tokenizer.json"}};
  auto encoder = Encoder::Create(TextManifest(c));
  ASSERT_FALSE(encoder.ok());
  EXPECT_NE(
      encoder.status().message().find("text field 'dialogue': the steps must end with 'tokenizer'"),
      std::string::npos)
      << encoder.status().message();
}

// A text cell beyond a limit of the text stage fails Encode, naming file, column and row; with
// several failing rows and any thread count, the first one.
TEST(Encoder, TextCellsBeyondTheLimitsNameTheRow) {
  nlohmann::json c = {{"steps", {"dialogue_splitter", "text_normalizer", "tokenizer"}},
                      {"max_sen_len", 16},
                      {"chunk_truncate", false},
                      {"max_total_chunks", 5},
                      {"tokenizer", "tests/golden/tokenizer/uncased/tokenizer.json"}};
  std::string many;  // over the default 10,000 messages
  for (int i = 0; i < 10001; ++i) many += "[bom]m[eom]";
  for (int bad_row : {1, 40, 70}) {
    std::string csv = "dialogue\n";
    for (int row = 1; row <= 80; ++row) {
      csv += (row == bad_row || row == 75 ? many : "[bom] hi [eom]") + "\n";
    }
    table::Batch batch = ReadCsv("many", csv);
    for (int threads : {1, 4}) {
      auto encoder = Encoder::Create(TextManifest(c), {threads});
      ASSERT_TRUE(encoder.ok()) << encoder.status().ToString();
      auto rows = encoder->Encode(batch);
      ASSERT_FALSE(rows.ok());
      EXPECT_EQ(rows.status().code(), StatusCode::kInvalidData);
      EXPECT_EQ(rows.status().message(),
                batch.Where("dialogue", bad_row - 1) +
                    ": the text has more than 10000 messages (the limit per cell)");
    }
  }
}

// A text column of rows {[101 102]}, {[101 7 102], [101 9 102]}.
FeatureColumn TwoTextRows() {
  FeatureColumn column = FeatureColumn::Text();
  column.AddRow({{101, 102}});
  column.AddRow({{101, 7, 102}, {101, 9, 102}});
  return column;
}

TEST(FeatureColumn, RaggedTextStorage) {
  FeatureColumn column = TwoTextRows();
  EXPECT_TRUE(column.is_text());
  EXPECT_EQ(column.ids, (std::vector<int32_t>{101, 102, 101, 7, 102, 101, 9, 102}));
  EXPECT_EQ(column.chunk_offsets, (std::vector<int64_t>{0, 2, 5, 8}));
  EXPECT_EQ(column.row_chunks, (std::vector<int64_t>{0, 1, 3}));
  EXPECT_EQ(column.ChunkCount(1), 2);
  EXPECT_EQ(column.FirstChunk(1), 1);
  EXPECT_EQ(column.LongestChunk(0), 2);
  EXPECT_EQ(std::vector<int32_t>(column.Chunk(2).begin(), column.Chunk(2).end()),
            (std::vector<int32_t>{101, 9, 102}));
  EXPECT_FALSE(FeatureColumn{}.is_text());
}

TEST(FeatureBatch, AppendAndDropFrontKeepRowOrder) {
  FeatureBatch a{2, {{{1, 2}}, TwoTextRows()}};
  FeatureColumn text = FeatureColumn::Text();
  text.AddRow({{101, 8, 102}});
  FeatureBatch b{1, {{{3}}, std::move(text)}};
  a.Append(std::move(b));
  EXPECT_EQ(a.rows, 3);
  EXPECT_EQ(a.columns[0].values, (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(a.columns[1].RowIds(2), (ChunkIds{{101, 8, 102}}));
  FeatureBatch tail = a.Slice(1, 3);
  EXPECT_EQ(tail.rows, 2);
  EXPECT_EQ(tail.columns[0].values, (std::vector<float>{2, 3}));
  EXPECT_EQ(tail.columns[1].chunk_offsets, (std::vector<int64_t>{0, 3, 6, 9}));
  EXPECT_EQ(tail.columns[1].row_chunks, (std::vector<int64_t>{0, 2, 3}));
  EXPECT_EQ(tail.columns[1].RowIds(1), (ChunkIds{{101, 8, 102}}));
  a.DropFront(1);
  EXPECT_EQ(a.rows, 2);
  EXPECT_EQ(a.columns[0].values, (std::vector<float>{2, 3}));
  EXPECT_EQ(a.columns[1].RowIds(0), (ChunkIds{{101, 7, 102}, {101, 9, 102}}));
  EXPECT_EQ(a.columns[1].RowIds(1), (ChunkIds{{101, 8, 102}}));
  EXPECT_EQ(a.columns[1].chunk_offsets, (std::vector<int64_t>{0, 3, 6, 9}));
  EXPECT_EQ(a.columns[1].row_chunks, (std::vector<int64_t>{0, 2, 3}));
  a.DropFront(2);
  EXPECT_EQ(a.rows, 0);
  EXPECT_EQ(a.columns[1].row_chunks, (std::vector<int64_t>{0}));
  EXPECT_TRUE(a.columns[1].ids.empty());
}

}  // namespace
}  // namespace verdict::features
