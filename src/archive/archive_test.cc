#include "archive/archive.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace verdict::archive {
namespace {

namespace fs = std::filesystem;

// A tar member as the test writes it (ustar headers; `pax_path` adds a pax 'x' record).
struct Entry {
  std::string name;
  char type = '0';
  std::string content;
  std::string link;
  std::string pax_path;
};

std::string Octal(uint64_t value, size_t width) {
  char text[32];
  std::snprintf(text, sizeof(text), "%0*llo", static_cast<int>(width - 1),
                static_cast<unsigned long long>(value));
  return std::string(text, width - 1) + '\0';
}

std::string Header(const std::string& name, char type, uint64_t size, const std::string& link) {
  std::string block(512, '\0');
  block.replace(0, std::min<size_t>(name.size(), 100), name.substr(0, 100));
  block.replace(100, 8, Octal(0644, 8));
  block.replace(108, 8, Octal(0, 8));
  block.replace(116, 8, Octal(0, 8));
  block.replace(124, 12, Octal(size, 12));
  block.replace(136, 12, Octal(0, 12));
  block[156] = type;
  block.replace(157, std::min<size_t>(link.size(), 100), link.substr(0, 100));
  block.replace(257, 6, std::string("ustar\0", 6));
  block.replace(263, 2, "00");
  block.replace(148, 8, std::string(8, ' '));
  unsigned sum = 0;
  for (char c : block) sum += static_cast<unsigned char>(c);
  block.replace(148, 7, Octal(sum, 7));
  return block;
}

std::string Padded(const std::string& data) {
  return data + std::string((512 - data.size() % 512) % 512, '\0');
}

std::string Tar(const std::vector<Entry>& entries) {
  std::string tar;
  for (const Entry& e : entries) {
    if (!e.pax_path.empty()) {
      const std::string body = " path=" + e.pax_path + "\n";
      size_t length = body.size() + 1;  // the record's length counts its own digits
      while (std::to_string(length).size() + body.size() != length) ++length;
      const std::string record = std::to_string(length) + body;
      tar += Header("PaxHeader", 'x', record.size(), "") + Padded(record);
    }
    tar += Header(e.name, e.type, e.content.size(), e.link) + Padded(e.content);
  }
  return tar + std::string(1024, '\0');
}

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("verdict-archive-test-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "model");
    fs::create_directories(root_ / "out");
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string WriteGz(const std::string& tar) {
    const std::string path = (root_ / "model" / kModelArchive).string();
    gzFile file = gzopen(path.c_str(), "wb");
    gzwrite(file, tar.data(), static_cast<unsigned>(tar.size()));
    gzclose(file);
    return path;
  }

  Status Extract(const std::vector<Entry>& entries, const Limits& limits = {}) {
    return ExtractTarGz(WriteGz(Tar(entries)), (root_ / "out").string(), limits);
  }

  fs::path root_;
};

TEST_F(ArchiveTest, UnpacksFilesFoldersLinksInsideAndPaxNames) {
  const std::string long_name = std::string(120, 'n') + ".txt";
  const Status status = Extract({{"./", '5'},
                                 {"./verdict.json", '0', "{}"},
                                 {"tokenizer", '5'},
                                 {"tokenizer/vocab.txt", '0', "a\nb\n"},
                                 {"short", '0', "long", "", long_name},
                                 {"alias", '2', "", "tokenizer/vocab.txt"},
                                 {"tokenizer/up", '2', "", "../verdict.json"},
                                 {"hard", '1', "", "verdict.json"}});
  ASSERT_TRUE(status.ok()) << status.message();
  std::ifstream vocab(root_ / "out" / "tokenizer" / "vocab.txt");
  std::string text((std::istreambuf_iterator<char>(vocab)), {});
  EXPECT_EQ(text, "a\nb\n");
  EXPECT_TRUE(fs::is_regular_file(root_ / "out" / long_name));
  EXPECT_TRUE(fs::is_symlink(root_ / "out" / "alias"));
  EXPECT_TRUE(fs::is_regular_file(root_ / "out" / "tokenizer" / "up"));
  EXPECT_TRUE(fs::is_regular_file(root_ / "out" / "hard"));
}

// Each way out of the folder is refused with one line naming the member; nothing is written
// outside.
TEST_F(ArchiveTest, RefusesEveryMemberThatLeavesTheFolder) {
  const std::string outside = (root_ / "escaped").string();
  const struct {
    Entry entry;
    std::string message;
  } cases[] = {
      {{outside, '0', "x"}, "is an absolute path"},
      {{"../escaped", '0', "x"}, "has a '..' component"},
      {{"a/../../escaped", '0', "x"}, "has a '..' component"},
      {{"ok", '0', "x", "", "../escaped"}, "has a '..' component"},
      {{"link", '2', "", outside}, "links to the absolute path"},
      {{"link", '2', "", "../escaped"}, "outside the folder"},
      {{"sub/link", '2', "", "../../escaped"}, "outside the folder"},
      {{"hard", '1', "", "../escaped"}, "has a '..' component"},
      {{"hard", '1', "", outside}, "is an absolute path"},
      {{"fifo", '6'}, "special file"},
      {{"dev", '3'}, "special file"},
  };
  for (const auto& c : cases) {
    const Status status = Extract({{"first", '0', "1"}, c.entry});
    ASSERT_FALSE(status.ok()) << c.message;
    EXPECT_NE(status.message().find(c.message), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("refused"), std::string::npos) << status.message();
    EXPECT_EQ(status.message().find('\n'), std::string::npos);
    EXPECT_FALSE(fs::exists(root_ / "escaped"));
    fs::remove_all(root_ / "out");
    fs::create_directories(root_ / "out");
  }
}

TEST_F(ArchiveTest, WritesNothingThroughALinkMadeEarlier) {
  // A link inside the folder, then a member reusing its name: refused (a path given twice).
  const Status status = Extract({{"dir", '2', "", "."}, {"dir", '0', "x"}});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("appears twice"), std::string::npos) << status.message();
}

TEST_F(ArchiveTest, LimitsGuardAgainstArchiveBombs) {
  const std::string big(10'000, 'z');  // compresses to a few bytes
  Status status = Extract({{"a", '0', big}, {"b", '0', big}}, {.max_bytes = 15'000});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("member 'b' would unpack the archive to more than its limit of "
                                  "15000 bytes"),
            std::string::npos)
      << status.message();
  EXPECT_FALSE(fs::exists(root_ / "out" / "b"));
  fs::remove_all(root_ / "out");
  fs::create_directories(root_ / "out");
  status = Extract({{"a", '0'}, {"b", '0'}, {"c", '0'}}, {.max_members = 2});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("limit of 2 members"), std::string::npos) << status.message();
}

TEST_F(ArchiveTest, CorruptOrTruncatedArchives) {
  std::string tar = Tar({{"a", '0', std::string(2000, 'q')}});
  Status status = ExtractTarGz(WriteGz(tar.substr(0, 1024)), (root_ / "out").string());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("truncated"), std::string::npos) << status.message();
  tar[10] ^= 1;  // the checksum no longer matches
  status = ExtractTarGz(WriteGz(tar), (root_ / "out").string());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("not a tar archive"), std::string::npos) << status.message();
  status = ExtractTarGz((root_ / "missing.tar.gz").string(), (root_ / "out").string());
  EXPECT_FALSE(status.ok());
}

TEST_F(ArchiveTest, ModelFolderUnpacksIntoAPrivateFolderRemovedAfterwards) {
  WriteGz(Tar({{"bundle", '5'}, {"bundle/verdict.json", '0', "{}"}}));
  std::string unpacked;
  {
    Result<ModelFolder> folder = ModelFolder::Open((root_ / "model").string());
    ASSERT_TRUE(folder.ok()) << folder.status().message();
    unpacked = folder->unpacked_into();
    EXPECT_EQ(folder->path(), unpacked + "/bundle");
    struct stat info;
    ASSERT_EQ(stat(unpacked.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
  }
  EXPECT_FALSE(fs::exists(unpacked));
  EXPECT_EQ(std::distance(fs::directory_iterator(root_ / "model"), fs::directory_iterator()), 1);
}

TEST_F(ArchiveTest, ModelFolderWithABundleOrWithoutAnArchiveIsUsedAsItIs) {
  Result<ModelFolder> plain = ModelFolder::Open((root_ / "model").string());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->path(), (root_ / "model").string());
  EXPECT_TRUE(plain->unpacked_into().empty());
}

TEST_F(ArchiveTest, AnArchiveWithoutABundleSaysHowToExport) {
  WriteGz(Tar({{"model.pth", '0', "w"}, {"hyperparameters.json", '0', "{}"}}));
  Result<ModelFolder> folder = ModelFolder::Open((root_ / "model").string());
  ASSERT_FALSE(folder.ok());
  EXPECT_NE(folder.status().message().find("verdict-export --training-output"), std::string::npos);
}

}  // namespace
}  // namespace verdict::archive
