#include "table/table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace verdict::table {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/verdict_table_test/" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void WriteText(const std::string& path, const std::string& body) {
  std::ofstream(path, std::ios::binary) << body;
}

std::vector<Batch> ReadAll(const std::string& path, ReadOptions options = {}) {
  auto source = ResolveDataSource(path);
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  auto reader = Reader::Open(*source, options);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  std::vector<Batch> batches;
  while (true) {
    auto next = reader->Next();
    EXPECT_TRUE(next.ok()) << next.status().ToString();
    if (!next.ok() || !*next) break;
    batches.push_back(**next);
  }
  return batches;
}

TEST(Format, FromPathAndName) {
  EXPECT_EQ(*FormatOfPath("a/b.CSV"), Format::kCsv);
  EXPECT_EQ(*FormatOfPath("x.parquet"), Format::kParquet);
  EXPECT_FALSE(FormatOfPath("x.json").ok());
  EXPECT_EQ(*ParseFormat("TSV"), Format::kTsv);
  EXPECT_FALSE(ParseFormat("xlsx").ok());
}

TEST(PythonFloatRepr, MatchesPython) {
  EXPECT_EQ(PythonFloatRepr(5.0), "5.0");
  EXPECT_EQ(PythonFloatRepr(0.1), "0.1");
  EXPECT_EQ(PythonFloatRepr(1e-05), "1e-05");
  EXPECT_EQ(PythonFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(PythonFloatRepr(1.5e16), "1.5e+16");
  EXPECT_EQ(PythonFloatRepr(1e16), "1e+16");
  EXPECT_EQ(PythonFloatRepr(123456789012345.0), "123456789012345.0");
  EXPECT_EQ(PythonFloatRepr(-2.5), "-2.5");
  EXPECT_EQ(PythonFloatRepr(0.0), "0.0");
  EXPECT_EQ(PythonFloatRepr(std::nan("")), "nan");
}

TEST(Csv, QuotedFieldsNewlinesBomAndMissing) {
  std::string dir = TempDir("csv");
  WriteText(dir + "/d.csv",
            "\xEF\xBB\xBFid,text,x\n"
            "a1,\"hello, \"\"world\"\"\nsecond line\",1.5\n"
            "a2,NA,\n"
            "a3,plain,-2e3\n");
  auto batches = ReadAll(dir + "/d.csv");
  ASSERT_EQ(batches.size(), 1u);
  const Batch& b = batches[0];
  EXPECT_EQ(b.num_rows(), 3);
  EXPECT_TRUE(b.HasColumn("id"));  // BOM stripped from the first header
  auto text = *b.Strings("text");
  EXPECT_EQ(*text[0], "hello, \"world\"\nsecond line");
  EXPECT_FALSE(text[1].has_value());
  auto x = *b.Numbers("x");
  EXPECT_EQ(x[0], 1.5);
  EXPECT_TRUE(std::isnan(x[1]));
  EXPECT_EQ(x[2], -2000.0);
}

TEST(Csv, NonNumericCellNamesFileColumnAndRow) {
  std::string dir = TempDir("bad");
  WriteText(dir + "/d.csv", "id,x\n1,2\n2,abc\n");
  auto batches = ReadAll(dir + "/d.csv");
  auto x = batches[0].Numbers("x");
  ASSERT_FALSE(x.ok());
  EXPECT_NE(x.status().message().find("column 'x' row 2: 'abc' is not a number"), std::string::npos)
      << x.status().message();
  EXPECT_NE(x.status().message().find("d.csv"), std::string::npos);
}

TEST(Csv, EmptyFileIsAClearError) {
  std::string dir = TempDir("empty");
  WriteText(dir + "/d.csv", "");
  auto source = ResolveDataSource(dir + "/d.csv");
  auto reader = Reader::Open(*source);
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.status().message().find("is empty"), std::string::npos);
}

TEST(Csv, MissingRequestedColumn) {
  std::string dir = TempDir("missingcol");
  WriteText(dir + "/d.csv", "id,x\n1,2\n");
  ReadOptions options;
  options.columns = {"id", "y"};
  auto reader = Reader::Open(*ResolveDataSource(dir + "/d.csv"), options);
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.status().message().find("no column 'y'"), std::string::npos);
}

TEST(Csv, InvalidUtf8IsReportedWithRow) {
  std::string dir = TempDir("utf8");
  WriteText(dir + "/d.tsv", "id\ttext\n1\tok\n2\tbad \xFF byte\n");
  auto batches = ReadAll(dir + "/d.tsv");
  auto text = batches[0].Strings("text");
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("row 2: text is not valid UTF-8"), std::string::npos);
}

TEST(Shards, FolderIsReadInSortedOrder) {
  std::string dir = TempDir("shards");
  fs::create_directories(dir + "/sub");
  WriteText(dir + "/part-1.csv", "id,x\n3,3\n");
  WriteText(dir + "/part-0.csv", "id,x\n1,1\n2,2\n");
  WriteText(dir + "/_SUCCESS", "");
  auto reader = Reader::Open(*ResolveDataSource(dir));
  ASSERT_TRUE(reader.ok());
  EXPECT_LT(reader->Fraction(), 1.0);
  while (reader->Next()->has_value()) {
  }
  EXPECT_EQ(reader->Fraction(), 1.0);
  auto batches = ReadAll(dir);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(*batches[0].Strings("id")->at(0), "1");
  EXPECT_EQ(*batches[1].Strings("id")->at(0), "3");
  EXPECT_EQ(batches[1].first_row(), 0);
}

TEST(Shards, MixedFormatsAreRejected) {
  std::string dir = TempDir("mixed");
  WriteText(dir + "/a.csv", "id\n1\n");
  WriteText(dir + "/b.tsv", "id\n1\n");
  EXPECT_FALSE(ResolveDataSource(dir).ok());
}

TEST(Writer, CsvRoundTripAndAtomicity) {
  std::string dir = TempDir("write");
  WriteText(dir + "/in.csv", "id,label\n\"a,1\",1\nb,0\n");
  auto batches = ReadAll(dir + "/in.csv");
  std::string out = dir + "/out/pred.csv";
  {
    auto writer = Writer::Open(out, Format::kCsv);
    ASSERT_TRUE(writer.ok());
    std::vector<OutputColumn> columns = {{"id", "id", {}, false},
                                         {"prob_class_1", "", {0.25, 0.1f}, true}};
    ASSERT_TRUE(writer->Write(batches[0], columns).ok());
    EXPECT_FALSE(fs::exists(out));  // not visible before Commit
    ASSERT_TRUE(writer->Commit().ok());
  }
  std::ifstream in(out);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(body, "id,prob_class_1\n\"a,1\",0.25\nb,0.1\n");
}

TEST(Writer, AbandonedWriterLeavesNothing) {
  std::string dir = TempDir("abandon");
  {
    auto writer = Writer::Open(dir + "/p.parquet", Format::kParquet);
    ASSERT_TRUE(writer.ok());
  }
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(Writer, ParquetKeepsTypesAndReadsBack) {
  std::string dir = TempDir("parquet");
  WriteText(dir + "/in.csv", "id,label\nx,1\ny,0\n");
  auto batches = ReadAll(dir + "/in.csv");
  {
    auto writer = Writer::Open(dir + "/p.parquet", Format::kParquet);
    std::vector<OutputColumn> columns = {{"id", "id", {}, false}, {"p", "", {0.5, 0.125}, false}};
    ASSERT_TRUE(writer->Write(batches[0], columns).ok());
    ASSERT_TRUE(writer->Commit().ok());
  }
  auto back = ReadAll(dir + "/p.parquet");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(*back[0].Strings("id")->at(1), "y");
  EXPECT_EQ(back[0].Numbers("p")->at(1), 0.125);
  EXPECT_EQ(*back[0].Strings("p")->at(0), "0.5");
}

}  // namespace
}  // namespace verdict::table
