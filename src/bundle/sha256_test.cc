#include "bundle/sha256.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace verdict::bundle::internal {
namespace {

// Test vectors of FIPS 180-4's examples (NIST CSRC "SHA256.pdf") and the long-message vector.
TEST(Sha256, NistVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
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

}  // namespace
}  // namespace verdict::bundle::internal
