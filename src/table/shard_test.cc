// Shares of the data for distributed runs (shard.cc): every row in exactly one share, in order,
// with the row numbers a single reader gives, for CSV (quoted newlines, CRLF, empty lines, a
// BOM), Parquet row groups and folders of files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "table/table.h"

namespace verdict::table {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/verdict_shard_test/" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void WriteText(const std::string& path, const std::string& body) {
  std::ofstream(path, std::ios::binary) << body;
}

// "id@file:row" for every row read from `source`, in order.
std::vector<std::string> RowsOf(const DataSource& source, int64_t csv_block_bytes = 4 << 20) {
  std::vector<std::string> rows;
  if (source.files.empty()) return rows;
  ReadOptions options;
  options.csv_block_bytes = csv_block_bytes;
  options.parquet_batch_rows = 3;
  Result<Reader> reader = Reader::Open(source, options);
  EXPECT_TRUE(reader.ok()) << reader.status().message();
  if (!reader.ok()) return rows;
  while (true) {
    Result<std::optional<Batch>> batch = reader->Next();
    EXPECT_TRUE(batch.ok()) << batch.status().message();
    if (!batch.ok() || !*batch) break;
    auto ids = (*batch)->Strings("id");
    for (int64_t r = 0; r < (*batch)->num_rows(); ++r) {
      rows.push_back(ids->at(r).value_or("NA") + "@" +
                     fs::path((*batch)->file()).filename().string() + ":" +
                     std::to_string((*batch)->first_row() + r));
    }
  }
  return rows;
}

// RowsOf reading only some columns.
std::vector<std::string> IdsOf(const DataSource& source, const ReadOptions& options) {
  std::vector<std::string> ids;
  Result<Reader> reader = Reader::Open(source, options);
  EXPECT_TRUE(reader.ok()) << reader.status().message();
  while (reader.ok()) {
    Result<std::optional<Batch>> batch = reader->Next();
    EXPECT_TRUE(batch.ok()) << batch.status().message();
    if (!batch.ok() || !*batch) break;
    Result<std::vector<std::optional<std::string>>> cells = (*batch)->Strings("id");
    EXPECT_TRUE(cells.ok()) << cells.status().message();
    if (!cells.ok()) break;
    for (const auto& id : *cells) ids.push_back(id.value_or("NA"));
  }
  return ids;
}

// Every split of `path` into 1..5 shares, aligned to 1, 4 and 5 rows, reads the rows of one
// reader once each, in order, each share starting at a multiple of the alignment.
void ExpectSharesCoverEveryRowOnce(const std::string& path, int64_t csv_block_bytes = 4 << 20) {
  Result<DataSource> all = ResolveDataSource(path);
  ASSERT_TRUE(all.ok()) << all.status().message();
  const std::vector<std::string> expected = RowsOf(*all, csv_block_bytes);
  ASSERT_FALSE(expected.empty());
  for (int64_t align : {1, 4, 5}) {
    for (int count = 1; count <= 5; ++count) {
      std::vector<std::string> joined;
      for (int index = 0; index < count; ++index) {
        Result<DataSource> share =
            ShareOf(*all, {.index = index, .count = count, .align_rows = align});
        ASSERT_TRUE(share.ok()) << share.status().message();
        std::vector<std::string> rows = RowsOf(*share, csv_block_bytes);
        if (!rows.empty()) {
          EXPECT_EQ(joined.size() % align, 0u) << "share " << index << " of " << count;
        }
        joined.insert(joined.end(), rows.begin(), rows.end());
      }
      EXPECT_EQ(joined, expected) << "align " << align << ", " << count << " shares";
    }
  }
}

TEST(ShareOf, CsvQuotedNewlinesCrlfEmptyLinesAndBom) {
  std::string dir = TempDir("csv");
  std::string body = "\xEF\xBB\xBF\"id\",text\r\n";
  for (int r = 0; r < 23; ++r) {
    const std::string id = std::to_string(r);
    switch (r % 5) {
      case 0:
        body += id + ",\"two\nlines\"\n";
        break;
      case 1:
        body += "\"" + id + "\",\"say \"\"hi\"\"\r\n, and go\"\r\n";
        break;
      case 2:
        body += id + ",plain\n\n";
        break;  // followed by an empty line
      case 3:
        body += id + ",a\"b\"\r";
        break;  // a quote inside an unquoted field; CR alone
      default:
        body += id + ",\"\"\n";
        break;
    }
  }
  body += "23,last row without a line end";
  WriteText(dir + "/d.csv", body);
  ExpectSharesCoverEveryRowOnce(dir + "/d.csv");
}

TEST(ShareOf, TsvInSmallBlocks) {
  std::string dir = TempDir("tsv");
  std::string body = "id\tx\n";
  for (int r = 0; r < 40; ++r) body += std::to_string(r) + "\t\"v\tq\"\n";
  WriteText(dir + "/d.tsv", body);
  ExpectSharesCoverEveryRowOnce(dir + "/d.tsv", /*csv_block_bytes=*/64);
}

TEST(ShareOf, FolderOfFilesWithAnEmptyOne) {
  std::string dir = TempDir("folder");
  WriteText(dir + "/a.csv", "id,x\n0,1\n1,1\n2,1\n");
  WriteText(dir + "/b.csv", "id,x\n");
  WriteText(dir + "/c.csv", "id,x\n3,1\n4,1\n5,1\n6,1\n7,1\n8,1\n9,1\n");
  ExpectSharesCoverEveryRowOnce(dir);
}

TEST(ShareOf, ParquetRowGroupsCutToTheRow) {
  std::string dir = TempDir("parquet");
  std::string csv;
  for (int r = 0; r < 60; ++r) csv += std::to_string(r) + ",x\n";
  WriteText(dir + "/in.csv", "id,v\n" + csv);
  Result<DataSource> in = ResolveDataSource(dir + "/in.csv");
  ASSERT_TRUE(in.ok());
  ReadOptions small;
  small.csv_block_bytes = 16;  // several batches: one row group each
  Result<Reader> reader = Reader::Open(*in, small);
  ASSERT_TRUE(reader.ok());
  fs::create_directories(dir + "/pq");
  for (const char* name : {"/pq/a.parquet", "/pq/b.parquet"}) {
    Result<Writer> writer = Writer::Open(dir + name, Format::kParquet);
    ASSERT_TRUE(writer.ok());
    for (int b = 0; b < 4; ++b) {
      Result<std::optional<Batch>> batch = reader->Next();
      ASSERT_TRUE(batch.ok() && *batch);
      ASSERT_TRUE(writer->Write(**batch, {{"id", "id", {}}}).ok());
    }
    ASSERT_TRUE(writer->Commit().ok());
  }
  ExpectSharesCoverEveryRowOnce(dir + "/pq");
}

TEST(ShareOf, ARowLongerThanTheBlockAfterEmptyLinesInASliceReadingSomeColumns) {
  std::string dir = TempDir("long");
  std::string body = "text,id,x\n";
  for (int r = 0; r < 12; ++r) {
    body += (r == 9 ? std::string(500, 'w') : "t") + "," + std::to_string(r) + ",1\n";
    if (r == 7) body += "\n\r\n";  // empty lines: no rows (a reader skipping rows counts them)
  }
  WriteText(dir + "/d.csv", body);
  Result<DataSource> all = ResolveDataSource(dir + "/d.csv");
  ASSERT_TRUE(all.ok());
  Result<DataSource> second = ShareOf(*all, {.index = 1, .count = 2, .align_rows = 2});
  ASSERT_TRUE(second.ok());
  ReadOptions options;
  options.csv_block_bytes = 64;  // row 9 needs the block grown, then read again from there
  options.columns = {"id", "x"};
  EXPECT_EQ(IdsOf(*second, options), (std::vector<std::string>{"6", "7", "8", "9", "10", "11"}));
}

TEST(ShareOf, MoreSharesThanBatchesLeavesSomeEmpty) {
  std::string dir = TempDir("few");
  WriteText(dir + "/d.csv", "id\n1\n2\n3\n");
  Result<DataSource> all = ResolveDataSource(dir + "/d.csv");
  ASSERT_TRUE(all.ok());
  Result<DataSource> first = ShareOf(*all, {.index = 0, .count = 3, .align_rows = 64});
  Result<DataSource> last = ShareOf(*all, {.index = 2, .count = 3, .align_rows = 64});
  ASSERT_TRUE(first.ok() && last.ok());
  EXPECT_EQ(RowsOf(*first).size(), 3u);
  EXPECT_TRUE(last->files.empty());
}

}  // namespace
}  // namespace verdict::table
