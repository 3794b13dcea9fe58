#include "features/features.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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

TEST(ClassIndex, ExactThenNumeric) {
  std::vector<std::string> labels = {"0", "1"};
  EXPECT_EQ(ClassIndex(labels, "1"), 1);
  EXPECT_EQ(ClassIndex(labels, "1.0"), 1);
  EXPECT_EQ(ClassIndex(labels, "2"), -1);
  EXPECT_EQ(ClassIndex({"cat", "dog"}, "dog"), 1);
  EXPECT_EQ(ClassIndex({"cat", "dog"}, "Dog"), -1);
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

}  // namespace
}  // namespace verdict::features
