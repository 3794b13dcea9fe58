// Parts of an evaluation (parts.h): the binary form round-trips, damage is an error naming the
// part, joined scored rows and predictions are one process's.
#include "pipeline/parts.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace verdict::pipeline::internal {
namespace {

Part MakePart(const std::string& host, int64_t order, std::vector<int32_t> labels,
              std::vector<double> scores, std::string predictions) {
  Part part;
  part.host = host;
  part.order = order;
  part.predictions_name = "eval_predictions.csv";
  part.predictions = std::move(predictions);
  part.settings.thresholds = {0.25, 0.5};
  part.settings.comparison.previous_score_columns = {"old"};
  part.settings.comparison.margin = 0.01;
  part.settings.label_field = "label";
  part.data_files = {"/data/" + host + ".csv"};
  part.rows.rows = static_cast<int64_t>(labels.size());
  part.rows.class_names = {"no", "yes"};
  part.rows.labels = std::move(labels);
  part.rows.scores = std::move(scores);
  part.rows.previous = std::vector<double>(part.rows.labels.size(), std::nan(""));
  part.rows.ids = std::vector<std::string>(part.rows.labels.size(), host);
  part.rows.missing_per_field = {{"age", 1}};
  part.rows.text_lengths = {{"text", std::vector<int64_t>(part.rows.labels.size(), 7)}};
  return part;
}

TEST(PartTest, EncodeDecodeRoundTrips) {
  Part part = MakePart("algo-2", 1, {0, 1, 1}, {0.1, 0.9, 0.7}, "id,p\nx,0.1\n");
  Result<Part> back = DecodePart(EncodePart(part), "part");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->host, "algo-2");
  EXPECT_EQ(back->order, 1);
  EXPECT_EQ(back->predictions, part.predictions);
  EXPECT_EQ(back->settings.thresholds, part.settings.thresholds);
  EXPECT_EQ(back->settings.comparison.previous_score_columns, std::vector<std::string>{"old"});
  EXPECT_EQ(back->settings.comparison.margin, 0.01);
  EXPECT_EQ(back->settings.label_field, "label");
  EXPECT_EQ(back->data_files, part.data_files);
  EXPECT_EQ(back->rows.labels, part.rows.labels);
  EXPECT_EQ(back->rows.scores, part.rows.scores);
  EXPECT_TRUE(std::isnan(back->rows.previous[2]));
  EXPECT_EQ(back->rows.ids, part.rows.ids);
  EXPECT_EQ(back->rows.class_names, part.rows.class_names);
  EXPECT_EQ(back->rows.missing_per_field, part.rows.missing_per_field);
  EXPECT_EQ(back->rows.text_lengths, part.rows.text_lengths);
}

TEST(PartTest, EmptyColumnsRoundTrip) {
  // A part without previous scores or rows (a rank whose share is empty) holds empty sequences.
  Part part = MakePart("algo-1", 0, {}, {}, "");
  part.rows.previous.clear();
  Result<Part> back = DecodePart(EncodePart(part), "part");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->rows.rows, 0);
  EXPECT_TRUE(back->rows.labels.empty());
  EXPECT_TRUE(back->rows.scores.empty());
  EXPECT_TRUE(back->rows.previous.empty());
  EXPECT_EQ(back->rows.text_lengths, part.rows.text_lengths);
}

TEST(PartTest, DamagedOrForeignBytesAreErrorsNamingThePart) {
  std::string bytes = EncodePart(MakePart("a", 0, {1}, {0.5}, ""));
  Result<Part> cut = DecodePart(std::string_view(bytes).substr(0, bytes.size() - 3), "'p.verdict'");
  EXPECT_EQ(cut.status().message(), "'p.verdict' is truncated or damaged");
  Result<Part> foreign = DecodePart("id,label\n", "'x.verdict'");
  EXPECT_NE(foreign.status().message().find("'x.verdict' is not a part"), std::string::npos);
}

TEST(PartTest, JoinedRowsAreThePartsInOrderAndEmptyPartsAddNothing) {
  std::vector<Part> parts = {MakePart("r0", 0, {0, 1}, {0.2, 0.8}, ""),
                             MakePart("r1", 1, {}, {}, ""), MakePart("r2", 2, {1}, {0.6}, "")};
  ScoredRows rows = JoinScoredRows(parts);
  EXPECT_EQ(rows.rows, 3);
  EXPECT_EQ(rows.labels, (std::vector<int32_t>{0, 1, 1}));
  EXPECT_EQ(rows.scores, (std::vector<double>{0.2, 0.8, 0.6}));
  EXPECT_EQ(rows.ids, (std::vector<std::string>{"r0", "r0", "r2"}));
  EXPECT_EQ(rows.missing_per_field[0].second, 2);
  EXPECT_EQ(rows.text_lengths[0].second.size(), 3u);
}

TEST(PartTest, JoinedCsvPredictionsKeepOneHeaderAndRefuseOtherColumns) {
  const std::string dir = ::testing::TempDir() + "/verdict_parts_test";
  std::filesystem::create_directories(dir);
  std::vector<Part> parts = {MakePart("r0", 0, {}, {}, "id,p\n\"a,\nb\",0.5\n"),
                             MakePart("r1", 1, {}, {}, ""),
                             MakePart("r2", 2, {}, {}, "id,p\nc,1\n")};
  ASSERT_TRUE(WriteJoinedPredictions(parts, dir + "/p.csv", dir).ok());
  std::ifstream in(dir + "/p.csv", std::ios::binary);
  std::string joined((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(joined, "id,p\n\"a,\nb\",0.5\nc,1\n");
  parts[2].predictions = "id,q\nc,1\n";
  EXPECT_EQ(WriteJoinedPredictions(parts, dir + "/p.csv", dir).message(),
            "the predictions of r2 have other columns than those of r0");
}

TEST(PartTest, PartFileNames) {
  EXPECT_EQ(PartPredictionsName("eval_predictions.parquet", "algo-1"),
            "eval_predictions.part-algo-1.parquet");
  EXPECT_EQ(PartRowsName("algo-1"), "scored_rows.part-algo-1.verdict");
}

TEST(PartTest, IdentityFromTheResourceConfig) {
  const std::string dir = ::testing::TempDir() + "/verdict_parts_identity";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/rc.json")
      << R"({"current_host": "algo-3", "hosts": ["algo-1", "algo-2", "algo-3"]})";
  Result<Identity> identity = IdentityOf(dir + "/rc.json");
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  EXPECT_EQ(identity->host, "algo-3");
  EXPECT_EQ(identity->order, 2);
  std::ofstream(dir + "/bad.json") << R"({"current_host": "x", "hosts": ["algo-1"]})";
  EXPECT_NE(IdentityOf(dir + "/bad.json").status().message().find("is not one of its hosts"),
            std::string::npos);
  EXPECT_TRUE(IdentityOf(dir + "/missing.json").ok());  // the machine's host name
}

}  // namespace
}  // namespace verdict::pipeline::internal
