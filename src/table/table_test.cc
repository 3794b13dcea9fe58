#include "table/table.h"

#include <arrow/api.h>
#include <arrow/io/api.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <tuple>

#include "table/internal.h"

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

// Column names come from a byte scan of the header (csv_scan.h), not from an Arrow reader of
// their own; they must be Arrow's. The expected names are what pyarrow.csv.read_csv gives for
// these files (ParseOptions newlines_in_values and ignore_empty_lines on).
TEST(Csv, HeaderNamesAreArrowsForQuotesBomAndLineEnds) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"\"a\"b,c\n1,2\n", {"ab", "c"}},
      {"a\"b,c\n1,2\n", {"a\"b", "c"}},
      {"\"a\"\"b\",c\n1,2\n", {"a\"b", "c"}},
      {"\"a\nb\",c\r\n1,2\n", {"a\nb", "c"}},
      {"\n\n a ,c\n1,2\n", {" a ", "c"}},
      {"\xEF\xBB\xBF"
       "a,c\n1,2\n",
       {"a", "c"}},
      {"a,,c\n1,2,3\n", {"a", "", "c"}},
      {"\"a\" ,c\n1,2\n", {"a ", "c"}},
      {"\r\ra,c\r1,2\r", {"a", "c"}},
      {"\xEF\xBB\xBF\n\xEF\xBB\xBF"
       "a,b\n1,2\n",
       {"\xEF\xBB\xBF"
        "a",
        "b"}},
      {"x\n", {"x"}},
      {"\xEF\xBB,c\n1,2\n", {"\xEF\xBB", "c"}},  // the start of a BOM is data
      {"\xEF\xBB\xBF\"a\n\",b\n1,2\n", {"a\n", "b"}},
  };
  for (const auto& [bytes, names] : cases) {
    auto reader = Reader::Open(InMemorySource("h.csv", Format::kCsv, bytes));
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_EQ(reader->column_names(), names) << Quote(bytes);
  }
  // A header without its line end, or in an unclosed quote, is Arrow's to judge: an error.
  // "\xEF\n" is a header of one column, not a blank line: the next row has one too many.
  for (const std::string bytes : {"a,c", "\"a,c\n1,2\n", "\xEF\n\"a\",b\n1,2\n"}) {
    EXPECT_FALSE(Reader::Open(InMemorySource("h.csv", Format::kCsv, bytes)).ok()) << bytes;
  }
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
    std::vector<OutputColumn> columns = {{"id", "id", {}}, {"prob_class_1", "", {0.25, 0.1}}};
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
    std::vector<OutputColumn> columns = {{"id", "id", {}}, {"p", "", {0.5, 0.125}}};
    ASSERT_TRUE(writer->Write(batches[0], columns).ok());
    ASSERT_TRUE(writer->Commit().ok());
  }
  auto back = ReadAll(dir + "/p.parquet");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(*back[0].Strings("id")->at(1), "y");
  EXPECT_EQ(back[0].Numbers("p")->at(1), 0.125);
  EXPECT_EQ(*back[0].Strings("p")->at(0), "0.5");
}

TEST(ClassIndexOfCell, ExactTextFirstThenNumericEquality) {
  const std::vector<std::string> labels = {"0", "1"};
  EXPECT_EQ(ClassIndexOfCell(labels, "1"), 1);
  EXPECT_EQ(ClassIndexOfCell(labels, "1.0"), 1);
  EXPECT_EQ(ClassIndexOfCell(labels, " 1e0 "), 1);
  EXPECT_EQ(ClassIndexOfCell(labels, "-0.0"), 0);
  EXPECT_EQ(ClassIndexOfCell(labels, "2"), -1);
  EXPECT_EQ(ClassIndexOfCell(labels, "nan"), -1);
  EXPECT_EQ(ClassIndexOfCell({"1", "1.0"}, "1.0"), 1);   // the exact spelling wins
  EXPECT_EQ(ClassIndexOfCell({"1", "1.0"}, "1.00"), 0);  // else the first equal number
  EXPECT_EQ(ClassIndexOfCell({"cat", "nan"}, "nan"), 1);
  EXPECT_EQ(ClassIndexOfCell({"cat", "dog"}, "dog"), 1);
  EXPECT_EQ(ClassIndexOfCell({"cat", "dog"}, "Dog"), -1);
}

template <typename Builder, typename Value>
std::shared_ptr<arrow::Array> MakeArray(const std::vector<std::optional<Value>>& cells,
                                        Builder builder = Builder()) {
  for (const std::optional<Value>& cell : cells) {
    EXPECT_TRUE((cell ? builder.Append(*cell) : builder.AppendNull()).ok());
  }
  std::shared_ptr<arrow::Array> array;
  EXPECT_TRUE(builder.Finish(&array).ok());
  return array;
}

// A Parquet file with a label column of every kind Arrow may hand the reader.
std::string WriteLabelKinds(const std::string& dir) {
  using Text = std::optional<std::string>;
  const double nan = std::nan("");
  std::vector<std::shared_ptr<arrow::Array>> arrays = {
      MakeArray<arrow::Int64Builder, int64_t>({0, 1, std::nullopt, 1, -3, 0, 2, 1, 0}),
      MakeArray<arrow::Int64Builder, int64_t>({0, 1, 5000000000, 1, -3, 0, std::nullopt, 1, 0}),
      MakeArray<arrow::Int8Builder, int8_t>({0, 1, -128, 127, std::nullopt, 0, 2, 1, 0}),
      MakeArray<arrow::UInt64Builder, uint64_t>({0, 1, ~uint64_t{0}, 1, 3, 0, 2, 1, 0}),
      MakeArray<arrow::DoubleBuilder, double>(
          {0.0, 1.0, -0.0, nan, 2.5, 1e-05, std::nullopt, HUGE_VAL, 1.0}),
      MakeArray<arrow::FloatBuilder, float>(
          {0.0f, 1.0f, 0.5f, std::nullopt, 1.0f, 0.0f, 2.0f, -1.0f, 1.0f}),
      MakeArray<arrow::BooleanBuilder, bool>(
          {true, false, std::nullopt, true, true, false, true, false, true}),
      MakeArray<arrow::StringBuilder, std::string>(
          std::vector<Text>{"0", "1", "1.0", " 1", "abc", std::nullopt, "nan", "True", ""}),
      MakeArray<arrow::LargeStringBuilder, std::string>(
          std::vector<Text>{"1", "0", "x", std::nullopt, "1e0", "1.0", "0", "", "-0"}),
      MakeArray<arrow::StringDictionaryBuilder, std::string>(
          std::vector<Text>{"1", "0", "1", std::nullopt, "0.0", "cat", "1", "1", "0"}),
  };
  std::vector<std::shared_ptr<arrow::Field>> fields;
  for (size_t i = 0; i < arrays.size(); ++i) {
    fields.push_back(arrow::field("c" + std::to_string(i), arrays[i]->type()));
  }
  auto table = arrow::Table::Make(arrow::schema(fields), arrays);
  const std::string path = dir + "/labels.parquet";
  auto sink = *arrow::io::FileOutputStream::Open(path);
  // The Arrow schema is stored so that large_string and dictionary columns read back as such.
  auto arrow_properties = parquet::ArrowWriterProperties::Builder().store_schema()->build();
  EXPECT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), sink, 4,
                                         parquet::default_writer_properties(), arrow_properties)
                  .ok());
  EXPECT_TRUE(sink->Close().ok());
  return path;
}

// ClassIndices must be exactly ClassIndexOfCell on the text Strings() reads, for every type.
void ExpectIndicesMatchText(const Batch& batch, const std::string& column,
                            const std::vector<std::string>& labels) {
  auto indices = batch.ClassIndices(column, labels);
  ASSERT_TRUE(indices.ok()) << indices.status().ToString();
  auto cells = batch.Strings(column);
  ASSERT_TRUE(cells.ok()) << cells.status().ToString();
  for (size_t i = 0; i < cells->size(); ++i) {
    const int32_t expected = (*cells)[i] ? ClassIndexOfCell(labels, *(*cells)[i]) : -1;
    EXPECT_EQ((*indices)[i], expected)
        << column << " row " << i << " '" << (*cells)[i].value_or("(missing)") << "'";
  }
}

const std::vector<std::vector<std::string>> kLabelSets = {{"0", "1"},
                                                          {"1", "1.0"},
                                                          {"1.0", "1"},
                                                          {"0.0", "0", "-0.0"},
                                                          {"cat", "nan", "x"},
                                                          {"True", "False"},
                                                          {"-3", "2.5"},
                                                          {"1e-05", "inf"},
                                                          {"5000000000", "127", "-128"},
                                                          {"18446744073709551615", "0"}};

TEST(ClassIndices, SameAsTheRuleOnTheTextForEveryParquetType) {
  const std::string dir = TempDir("label_kinds");
  ReadOptions options;
  options.parquet_batch_rows = 4;  // batches of one row group, and a partial last batch
  auto batches = ReadAll(WriteLabelKinds(dir), options);
  ASSERT_EQ(batches.size(), 3u);
  for (const Batch& batch : batches) {
    for (int c = 0; c < 10; ++c) {
      for (const auto& labels : kLabelSets) {
        ExpectIndicesMatchText(batch, "c" + std::to_string(c), labels);
      }
    }
  }
}

// Texts() views the cells Strings() copies, for every type, and outlives the batch it came from.
TEST(Texts, SameCellsAsStringsAndOutliveTheBatch) {
  const std::string dir = TempDir("texts");
  std::vector<std::vector<std::optional<std::string>>> strings;
  std::vector<TextCells> texts;
  {
    for (const Batch& batch : ReadAll(WriteLabelKinds(dir))) {
      for (int c = 0; c < 10; ++c) {
        strings.push_back(*batch.Strings("c" + std::to_string(c)));
        texts.push_back(*batch.Texts("c" + std::to_string(c)));
      }
    }
  }
  for (size_t c = 0; c < texts.size(); ++c) {
    ASSERT_EQ(texts[c].size(), strings[c].size());
    for (size_t i = 0; i < texts[c].size(); ++i) {
      EXPECT_EQ(texts[c][i].has_value(), strings[c][i].has_value()) << c << " " << i;
      if (texts[c][i]) EXPECT_EQ(*texts[c][i], *strings[c][i]) << c << " " << i;
    }
  }
}

TEST(IsMissingSpelling, PandasSpellingsOnly) {
  for (std::string_view cell :
       {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
        "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}) {
    EXPECT_TRUE(internal::IsMissingSpelling(cell)) << cell;
  }
  for (std::string_view cell :
       {" ", "na", "NAN", "none", "1", "-1", "#N/A N/AX", "Nan", "1.#INF"}) {
    EXPECT_FALSE(internal::IsMissingSpelling(cell)) << cell;
  }
}

TEST(ClassIndices, CsvCellsSpelledAsMissingHaveNoClass) {
  const std::string dir = TempDir("label_csv");
  WriteText(dir + "/d.csv", "label\n1\nNA\n0.0\n\"\"\nnan\n 1\ncat\n-0\n1e0\n");
  auto batches = ReadAll(dir + "/d.csv");
  ASSERT_EQ(batches.size(), 1u);
  for (const auto& labels : kLabelSets) ExpectIndicesMatchText(batches[0], "label", labels);
  EXPECT_EQ(*batches[0].ClassIndices("label", {"0", "1"}),
            (std::vector<int32_t>{1, -1, 0, -1, -1, 1, -1, 0, 1}));
}

TEST(NumbersInto, GathersColumnsRowMajor) {
  const std::string dir = TempDir("numbers_into");
  WriteText(dir + "/d.csv", "a,b\n1,2\nNA,4.5\n-inf,6\n");
  auto batches = ReadAll(dir + "/d.csv");
  std::vector<double> rows(6, -1.0);
  ASSERT_TRUE(batches[0].NumbersInto("a", rows, 2).ok());
  ASSERT_TRUE(batches[0].NumbersInto("b", std::span<double>(rows).subspan(1), 2).ok());
  EXPECT_EQ(rows[0], 1.0);
  EXPECT_TRUE(std::isnan(rows[2]));
  EXPECT_EQ(rows[4], -HUGE_VAL);
  EXPECT_EQ((std::vector<double>{rows[1], rows[3], rows[5]}), (std::vector<double>{2, 4.5, 6}));
}

TEST(Reader, RowCountFromParquetFootersOnly) {
  const std::string dir = TempDir("row_count");
  const std::string parquet = WriteLabelKinds(dir);
  EXPECT_EQ(Reader::Open(*ResolveDataSource(parquet))->RowCount(), 9);
  WriteText(dir + "/d.csv", "a\n1\n");
  EXPECT_FALSE(Reader::Open(*ResolveDataSource(dir + "/d.csv"))->RowCount().has_value());
}

// The first error met resolving, opening and reading every batch of `path`; "" when none.
std::string FirstError(const std::string& path, const ReadOptions& options = {}) {
  auto source = ResolveDataSource(path);
  if (!source.ok()) return source.status().message();
  auto reader = Reader::Open(*source, options);
  if (!reader.ok()) return reader.status().message();
  while (true) {
    auto next = reader->Next();
    if (!next.ok()) return next.status().message();
    if (!*next) return "";
  }
}

void ExpectOneLineNaming(const std::string& message, const std::vector<std::string>& fragments) {
  EXPECT_FALSE(message.empty());
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(message.find('\r'), std::string::npos) << message;
  for (const std::string& fragment : fragments) {
    EXPECT_NE(message.find(fragment), std::string::npos) << fragment << " in " << message;
  }
}

TEST(Shards, DanglingLoopingAndFolderSymlinksAreErrorsNamingThePath) {
  struct Case {
    std::string link, target, says;
  };
  for (const Case& c : {Case{"b.csv", "gone.csv", "which does not exist"},
                        Case{"sub/b.csv", "../nowhere/x.csv", "which does not exist"},
                        Case{"notes", "missing-folder", "which does not exist"},
                        Case{"loop.csv", "loop.csv", "cannot be followed"},
                        Case{"more", ".", "symlink to the folder"}}) {
    std::string dir = TempDir("symlinks");
    WriteText(dir + "/a.csv", "id\n1\n");
    fs::create_directories(fs::path(dir + "/" + c.link).parent_path());
    fs::create_symlink(c.target, dir + "/" + c.link);
    ExpectOneLineNaming(FirstError(dir), {dir + "/" + c.link, c.says});
  }
}

TEST(Shards, SymlinkToAFileIsRead) {
  std::string dir = TempDir("good_link");
  WriteText(dir + "/a.csv", "id\n1\n");
  fs::create_directories(dir + "/data");
  fs::create_symlink("../a.csv", dir + "/data/b.csv");
  EXPECT_EQ(ReadAll(dir + "/data").size(), 1u);
  fs::create_symlink("gone.csv", dir + "/data/.hidden.csv");  // hidden names are not shards
  EXPECT_EQ(FirstError(dir + "/data"), "");
}

TEST(Shards, DanglingDataPathSaysWhereItLeads) {
  std::string dir = TempDir("dangling_path");
  fs::create_symlink("gone.csv", dir + "/d.csv");
  ExpectOneLineNaming(FirstError(dir + "/d.csv"), {dir + "/d.csv", "'gone.csv'"});
}

TEST(Shards, UnreadableFileIsAnError) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads every file";
  std::string dir = TempDir("unreadable");
  WriteText(dir + "/a.csv", "id\n1\n");
  WriteText(dir + "/b.csv", "id\n2\n");
  fs::permissions(dir + "/b.csv", fs::perms::none);
  ExpectOneLineNaming(FirstError(dir), {dir + "/b.csv", "cannot be read"});
  ExpectOneLineNaming(FirstError(dir + "/b.csv"), {dir + "/b.csv", "cannot be read"});
  fs::permissions(dir + "/b.csv", fs::perms::owner_all);
}

TEST(Shards, DifferentColumnsAreNamed) {
  std::string dir = TempDir("shard_columns");
  WriteText(dir + "/a.csv", "id,x,y\n1,2,3\n");
  WriteText(dir + "/b.csv", "id,z\n1,2\n");
  ExpectOneLineNaming(FirstError(dir), {dir + "/b.csv", "missing 'x', 'y'; extra 'z'"});
  WriteText(dir + "/b.csv", "y,id,x\n1,2,3\n");
  ExpectOneLineNaming(FirstError(dir), {"the same names in another order"});
}

// `rows` rows "i,<cell>" with a `long_bytes` cell at row `long_row` (1-based) and short ones else.
// `rows` data rows "i<delimiter>short i", row `long_row`'s cell `long_bytes` long; blank lines
// (which are not rows) after row `blank_after` when it is not 0.
std::string RowsWithALongCell(int rows, int long_row, size_t long_bytes, char delimiter,
                              int blank_after = 0) {
  std::string body = std::string("id") + delimiter + "text\n";
  for (int i = 1; i <= rows; ++i) {
    std::string cell = i == long_row ? std::string(long_bytes, 'x') : "short " + std::to_string(i);
    body += std::to_string(i) + delimiter + cell + "\n";
    if (i == blank_after) body += "\n\n";
  }
  return body;
}

TEST(Csv, BlockGrowsForALongRowWherever) {
  ReadOptions options;
  options.csv_block_bytes = 1024;
  options.csv_max_block_bytes = 64 << 10;
  for (const char* name : {"d.csv", "d.tsv"}) {
    for (int long_row : {1, 150, 300}) {
      for (size_t long_bytes : {size_t{1500}, size_t{40000}}) {
        std::string dir = TempDir("long_row");
        WriteText(dir + "/" + name,
                  RowsWithALongCell(300, long_row, long_bytes, name[2] == 't' ? '\t' : ','));
        std::vector<std::optional<std::string>> ids, texts;
        for (const Batch& batch : ReadAll(dir + "/" + name, options)) {
          EXPECT_EQ(batch.first_row(), static_cast<int64_t>(ids.size()));
          auto batch_ids = *batch.Strings("id");
          auto batch_texts = *batch.Strings("text");
          ids.insert(ids.end(), batch_ids.begin(), batch_ids.end());
          texts.insert(texts.end(), batch_texts.begin(), batch_texts.end());
        }
        ASSERT_EQ(ids.size(), 300u) << name << " " << long_row << " " << long_bytes;
        for (int i = 0; i < 300; ++i) EXPECT_EQ(*ids[i], std::to_string(i + 1));
        EXPECT_EQ(texts[long_row - 1]->size(), long_bytes);
        EXPECT_EQ(*texts[long_row == 1 ? 1 : 0], long_row == 1 ? "short 2" : "short 1");
      }
    }
  }
}

// Reading again from the first row not yet returned, with a larger block, starts at that row's
// byte: blank lines before it are not rows (reading again by a row count skipped too few rows and
// returned some twice).
TEST(Csv, BlankLinesBeforeALongRowAreNotCountedAsRows) {
  ReadOptions options;
  options.csv_block_bytes = 1024;
  options.csv_max_block_bytes = 64 << 10;
  for (const char* name : {"d.csv", "d.tsv"}) {
    for (int blank_after : {5, 140}) {
      std::string dir = TempDir("blank_lines");
      WriteText(dir + "/" + name,
                RowsWithALongCell(300, 150, 40000, name[2] == 't' ? '\t' : ',', blank_after));
      std::vector<std::optional<std::string>> ids;
      for (const Batch& batch : ReadAll(dir + "/" + name, options)) {
        EXPECT_EQ(batch.first_row(), static_cast<int64_t>(ids.size()));
        auto batch_ids = *batch.Strings("id");
        ids.insert(ids.end(), batch_ids.begin(), batch_ids.end());
      }
      ASSERT_EQ(ids.size(), 300u) << name << " " << blank_after;
      for (int i = 0; i < 300; ++i) EXPECT_EQ(*ids[i], std::to_string(i + 1));
    }
  }
}

TEST(Csv, LongHeaderAndLongRowInALaterShard) {
  ReadOptions options;
  options.csv_block_bytes = 1024;
  options.csv_max_block_bytes = 64 << 10;
  std::string dir = TempDir("long_header");
  const std::string column(3000, 'c');
  WriteText(dir + "/a.csv", "id," + column + "\n1,2\n");
  WriteText(dir + "/b.csv", "id," + column + "\n3," + std::string(5000, 'y') + "\n4,5\n");
  int64_t rows = 0;
  for (const Batch& batch : ReadAll(dir, options)) rows += batch.num_rows();
  EXPECT_EQ(rows, 3);
}

TEST(Csv, RowLongerThanTheLimitNamesFileAndLimit) {
  ReadOptions options;
  options.csv_block_bytes = 1024;
  options.csv_max_block_bytes = 2 << 20;
  for (int long_row : {1, 200}) {
    std::string dir = TempDir("too_long");
    WriteText(dir + "/d.csv", RowsWithALongCell(300, long_row, 5 << 20, ','));
    ExpectOneLineNaming(
        FirstError(dir + "/d.csv", options),
        {"cannot read '" + dir + "/d.csv' after row", "longer than 2 MiB", "largest block"});
  }
}

TEST(Csv, UnclosedQuoteIsOneLineWithAShortExcerpt) {
  // The quote runs to the end of the file, so the row has fewer columns than the header.
  for (const std::string& tail : {std::string("\"never closed\n3,4,5\n"),
                                  "\"never closed\n" + std::string(5000, 'z') + "\n3,4,5\n"}) {
    std::string dir = TempDir("unclosed");
    WriteText(dir + "/d.csv", "id,x,y\n1,2,3\n2," + tail);
    std::string message = FirstError(dir + "/d.csv");
    ExpectOneLineNaming(message, {dir + "/d.csv"});
    EXPECT_LT(message.size(), 400u) << message;
  }
}

// Arrow's parallel parser reports a parse error per block; the row is found by reading the file
// again serially, in the first block and in later ones, after quoted line breaks and blank lines.
TEST(Csv, ParseErrorNamesTheExactRow) {
  std::string body = "id,note\n";
  for (int row = 1; row <= 40; ++row) {
    body += std::to_string(row) + (row % 3 == 0 ? ",\"two\nlines\"\n" : ",plain\n");
    if (row % 10 == 0) body += "\n";
  }
  body += "41,too,many\n42,fine\n";
  for (int64_t block : {int64_t{4} << 20, int64_t{64}}) {
    std::string dir = TempDir("exact_row");
    WriteText(dir + "/d.csv", body);
    ReadOptions options;
    options.csv_block_bytes = block;
    ExpectOneLineNaming(
        FirstError(dir + "/d.csv", options),
        {"cannot read '" + dir + "/d.csv' at row 41: ", "Expected 2 columns, got 3"});
  }
}

TEST(Csv, WrongColumnCountQuotesTheRowCut) {
  std::string dir = TempDir("columns");
  WriteText(dir + "/d.csv", "id,x\n1,2\n2,3," + std::string(200, 'w') + "\n");
  std::string message = FirstError(dir + "/d.csv");
  ExpectOneLineNaming(message, {dir + "/d.csv", "Expected 2 columns, got 3: '2,3,www", "...'"});
}

TEST(ArrowMessage, FoldsLinesQuotesRowsAndCuts) {
  EXPECT_EQ(internal::ArrowMessage("a\nb\r\n  c\n"), "a; b; c");
  EXPECT_EQ(internal::ArrowMessage("Row #3: Expected 2 columns, got 1: x\ny"),
            "Row #3: Expected 2 columns, got 1: 'x\\ny'");
  std::string cut = internal::ArrowMessage(std::string(1000, 'm'));
  EXPECT_EQ(cut.size(), 303u);
  EXPECT_EQ(cut.substr(300), "...");
}

// A small valid Parquet file's bytes.
std::string ParquetBytes(const std::string& dir) {
  const std::string path = WriteLabelKinds(dir);
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Parquet, CorruptOrFooterOnlyFilesAreOneLineErrors) {
  std::string dir = TempDir("corrupt_parquet");
  const std::string good = ParquetBytes(dir);
  uint32_t footer = 0;  // the footer length, little-endian and unaligned before the final "PAR1"
  std::memcpy(&footer, good.data() + good.size() - 8, sizeof footer);
  std::string corrupt = good;
  for (size_t i = 4; i < good.size() / 2; i += 3) corrupt[i] = static_cast<char>(0xA5);
  std::string truncated = good.substr(0, good.size() / 2) + good.substr(good.size() - 8);
  const std::string footer_only = "PAR1" + good.substr(good.size() - 8 - footer);
  for (const std::string& body : {corrupt, truncated, footer_only, std::string("PAR1"),
                                  std::string("PAR1\nnot\nparquet\nPAR1")}) {
    WriteText(dir + "/bad.parquet", body);
    ExpectOneLineNaming(FirstError(dir + "/bad.parquet"), {dir + "/bad.parquet"});
  }
}

// Every batch of `source` as text ("first_row: cells|cells;..." per batch), or the first error.
std::string ReadAsText(const DataSource& source, const ReadOptions& options) {
  auto reader = Reader::Open(source, options);
  if (!reader.ok()) return "error: " + reader.status().message();
  std::string text;
  while (true) {
    auto next = reader->Next();
    if (!next.ok()) return text + "error: " + next.status().message();
    if (!*next) return text;
    text += std::to_string((*next)->first_row()) + ":";
    for (const std::string& column : reader->column_names()) {
      auto cells = (*next)->Strings(column);
      if (!cells.ok()) return text + "error: " + cells.status().message();
      for (const auto& cell : *cells) text += (cell ? *cell : "<NA>") + "|";
    }
    text += ";";
  }
}

// The same bytes in memory and in a file read the same, errors included: long rows that grow the
// block after earlier rows, blank lines, a parse error's exact row, Parquet; with and without
// threads.
TEST(InMemorySource, ReadsAsTheSameBytesOnDisk) {
  std::string dir = TempDir("in_memory");
  ReadOptions options;
  options.csv_block_bytes = 64;
  options.csv_max_block_bytes = 64 << 10;
  const std::vector<std::pair<std::string, std::string>> files = {
      {"long.csv", RowsWithALongCell(30, 12, 5000, ',', 4)},
      {"long.tsv", RowsWithALongCell(30, 1, 300, '\t')},
      {"bad.csv", "id,x\n1,2\n\n2,\"a\nb\"\n3,4,5\n"},
      {"empty.csv", ""},
      {"labels.parquet", ParquetBytes(dir)}};
  for (const auto& [name, bytes] : files) {
    const std::string path = dir + "/" + name;
    WriteText(path, bytes);
    const std::string on_disk = ReadAsText(*ResolveDataSource(path), options);
    EXPECT_NE(on_disk, "") << name;
    for (bool threads : {true, false}) {
      ReadOptions in_memory = options;
      in_memory.use_threads = threads;
      EXPECT_EQ(ReadAsText(InMemorySource(path, *FormatOfPath(path), bytes), in_memory), on_disk)
          << name << " threads " << threads;
    }
  }
  EXPECT_NE(ReadAsText(InMemorySource(dir + "/bad.csv", Format::kCsv, files[2].second), options)
                .find("at row 3: "),
            std::string::npos);
}

// Writes `bytes` into the FIFO `path` on a thread of its own (opening a FIFO waits for a reader).
std::thread FeedPipe(const std::string& path, std::string bytes) {
  return std::thread(
      [path, bytes = std::move(bytes)] { std::ofstream(path, std::ios::binary) << bytes; });
}

// A pipe is read once, into a copy that names the pipe in errors and is resolved again without
// reading the pipe twice; its format comes from its name, else from its first bytes.
TEST(Pipe, ReadOnceByNameOrFirstBytes) {
  std::string dir = TempDir("pipe");
  const std::string csv = "id,text\n1,a\n2,\"b\nc\"\n3,x\n";
  const std::string tsv = "id\tlabel\ttext, with a comma\n1\t0\ta\n";
  const std::vector<std::tuple<std::string, std::string, Format>> pipes = {
      {"named.tsv", tsv, Format::kTsv},
      {"63", csv, Format::kCsv},
      {"62", tsv, Format::kTsv},
      {"61", ParquetBytes(dir), Format::kParquet}};
  for (const auto& [name, bytes, format] : pipes) {
    const std::string path = dir + "/" + name;
    ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
    std::thread writer = FeedPipe(path, bytes);
    auto source = ResolveDataSource(path);
    writer.join();
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    EXPECT_EQ(source->format, format) << name;
    EXPECT_EQ(source->files, std::vector<std::string>{path});
    auto again = ResolveDataSource(path);  // no writer: would block if the pipe were read again
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(ReadAsText(*again, {}), ReadAsText(InMemorySource(path, format, bytes), {})) << name;
  }
  // Another pipe under the same name (a FIFO made again, as a new process substitution) is read.
  const std::string again = dir + "/63";
  ASSERT_EQ(unlink(again.c_str()), 0);
  ASSERT_EQ(mkfifo(again.c_str(), 0600), 0);
  std::thread feeder = FeedPipe(again, "other\nfed again\n");
  auto fresh = ResolveDataSource(again);
  feeder.join();
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(ReadAsText(*fresh, {}), "0:fed again|;");
  const std::string bad = dir + "/bad.csv";
  ASSERT_EQ(mkfifo(bad.c_str(), 0600), 0);
  std::thread writer = FeedPipe(bad, "id,x\n1,2\n2,3,4\n");
  auto source = ResolveDataSource(bad);
  writer.join();
  ExpectOneLineNaming(ReadAsText(*source, {}), {"cannot read '" + bad + "' at row 2: "});
}

TEST(Shards, ADeviceAsTheDataPathIsNamedAsSuch) {
  ExpectOneLineNaming(FirstError("/dev/null"), {"'/dev/null' is a socket or device"});
}

TEST(Shards, APipeInAFolderIsAnErrorNamingIt) {
  std::string dir = TempDir("pipe_shard");
  WriteText(dir + "/a.csv", "id\n1\n");
  ASSERT_EQ(mkfifo((dir + "/b.csv").c_str(), 0600), 0);
  ExpectOneLineNaming(FirstError(dir), {"'" + dir + "/b.csv' is a pipe, not a file"});
}

TEST(Writer, ParquetShardsOfOtherTypesNameTheColumn) {
  std::string dir = TempDir("writer_types");
  auto write = [&](const std::string& name, std::shared_ptr<arrow::Array> array) {
    auto table = arrow::Table::Make(arrow::schema({arrow::field("id", array->type())}), {array});
    auto sink = *arrow::io::FileOutputStream::Open(dir + "/in/" + name);
    ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), sink, 4).ok());
    ASSERT_TRUE(sink->Close().ok());
  };
  fs::create_directories(dir + "/in");
  write("a.parquet", MakeArray<arrow::Int64Builder, int64_t>({1, 2}));
  write("b.parquet", MakeArray<arrow::StringBuilder, std::string>({"3"}));
  auto writer = Writer::Open(dir + "/out.parquet", Format::kParquet);
  ASSERT_TRUE(writer.ok());
  auto reader = Reader::Open(*ResolveDataSource(dir + "/in"));
  ASSERT_TRUE(reader.ok());
  Status status = Status::Ok();
  while (status.ok()) {
    auto batch = reader->Next();
    ASSERT_TRUE(batch.ok());
    if (!*batch) break;
    status = writer->Write(**batch, {OutputColumn{"id", "id"}});
  }
  ExpectOneLineNaming(status.message(), {dir + "/in/b.parquet", "column 'id' is 'string'",
                                         "'int64' in earlier shards"});
}

}  // namespace
}  // namespace verdict::table
