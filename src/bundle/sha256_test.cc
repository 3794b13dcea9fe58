#include "bundle/sha256.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

namespace verdict::bundle::internal {
namespace {

// The engines this CPU runs: the portable one always, SHA-NI where the CPU has it.
std::vector<Sha256Engine> Engines() {
  std::vector<Sha256Engine> engines = {Sha256Engine::kPortable};
  if (ShaNiAvailable()) engines.push_back(Sha256Engine::kShaNi);
  return engines;
}

std::string HexWith(Sha256Engine engine, std::string_view bytes) {
  Sha256 hash(engine);
  hash.Update(bytes);
  return hash.HexDigest();
}

// Test vectors of FIPS 180-4's examples (NIST CSRC "SHA256.pdf") and the long-message vector.
TEST(Sha256, NistVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  for (Sha256Engine engine : Engines()) {
    SCOPED_TRACE(static_cast<int>(engine));
    EXPECT_EQ(HexWith(engine, "abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(HexWith(engine, ""),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(HexWith(engine, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(HexWith(engine, std::string(1000000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }
}

// SHA-NI (where the CPU has it) and the portable code agree on random messages of every length
// around the block size and on long ones, fed whole or in random pieces.
TEST(Sha256, EnginesAgreeOnRandomData) {
  if (!ShaNiAvailable()) GTEST_SKIP() << "this CPU has no SHA extensions";
  std::mt19937_64 random(11);
  std::vector<size_t> lengths;
  for (size_t length = 0; length <= 200; ++length) lengths.push_back(length);
  for (size_t length : {1000u, 4096u, 65537u, 1000003u}) lengths.push_back(length);
  for (size_t length : lengths) {
    std::string message(length, '\0');
    for (char& c : message) c = static_cast<char>(random());
    Sha256 pieces(Sha256Engine::kShaNi);
    for (size_t at = 0; at < length;) {
      const size_t take = std::min<size_t>(length - at, random() % 300);
      pieces.Update(std::string_view(message).substr(at, take));
      at += take;
    }
    const std::string portable = HexWith(Sha256Engine::kPortable, message);
    EXPECT_EQ(HexWith(Sha256Engine::kShaNi, message), portable) << length;
    EXPECT_EQ(pieces.HexDigest(), portable) << length;
  }
}

// Padding crosses into a second block when 56..63 bytes are left over; split updates give the
// same digest as one update.
TEST(Sha256, BlockBoundariesAndSplitUpdates) {
  for (size_t length : {55u, 56u, 63u, 64u, 65u, 119u, 120u, 1000u}) {
    std::string message(length, '\0');
    for (size_t i = 0; i < length; ++i) message[i] = static_cast<char>(i * 7 + 3);
    const std::string whole = Sha256Hex(message);
    for (size_t split : {size_t{1}, size_t{13}, size_t{64}}) {
      Sha256 hash;
      for (size_t at = 0; at < length; at += split) {
        hash.Update(std::string_view(message).substr(at, split));
      }
      EXPECT_EQ(hash.HexDigest(), whole) << length << " in pieces of " << split;
    }
  }
  EXPECT_EQ(Sha256Hex(std::string(64, 'a')),
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

// A file larger than one read block hashes like the same bytes in memory.
TEST(Sha256, FileInBlocks) {
  const std::string path = ::testing::TempDir() + "/verdict_sha256_test.bin";
  std::string body((size_t{1} << 20) * 2 + 777, 'x');
  for (size_t i = 0; i < body.size(); i += 4099) body[i] = static_cast<char>(i);
  std::ofstream(path, std::ios::binary) << body;
  auto digest = Sha256OfFile(path);
  ASSERT_TRUE(digest.ok()) << digest.status().ToString();
  EXPECT_EQ(*digest, Sha256Hex(body));
  std::filesystem::remove(path);
  EXPECT_FALSE(Sha256OfFile(path).ok());
}

// Several files hashed on threads: the digests come in the order of the paths; a missing file
// fails the whole call with the first failing path's error.
TEST(Sha256, FilesOnThreads) {
  const std::string dir = ::testing::TempDir() + "/verdict_sha256_files";
  std::filesystem::create_directories(dir);
  std::vector<std::string> paths, bodies;
  for (int i = 0; i < 7; ++i) {
    paths.push_back(dir + "/f" + std::to_string(i));
    bodies.push_back(std::string(static_cast<size_t>(i) * 100003, static_cast<char>('a' + i)));
    std::ofstream(paths.back(), std::ios::binary) << bodies.back();
  }
  for (size_t threads : {0u, 1u, 3u, 16u}) {
    auto digests = Sha256OfFiles(paths, threads);
    ASSERT_TRUE(digests.ok()) << digests.status().ToString();
    ASSERT_EQ(digests->size(), paths.size());
    for (size_t i = 0; i < paths.size(); ++i) EXPECT_EQ((*digests)[i], Sha256Hex(bodies[i]));
  }
  EXPECT_TRUE(Sha256OfFiles({}).ok());
  paths.insert(paths.begin() + 2, dir + "/missing_a");
  paths.push_back(dir + "/missing_b");
  auto failed = Sha256OfFiles(paths, 4);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("missing_a"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace verdict::bundle::internal
