// The programs' backends (program.h, through Model and ChunkPrograms): an AOTInductor bundle
// whose package is corrupt, and the precision an AOTInductor package refuses.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "bundle/bundle.h"
#include "bundle/sha256.h"
#include "bundle/test_fixture.h"

namespace verdict::bundle {
namespace {

using nlohmann::json;

// The fixture as an AOTInductor bundle whose model.pt2 holds `bytes` (its digest recorded).
std::string AotiBundle(const std::string& name, const std::string& bytes) {
  const std::string dir =
      EditedFixture("src/bundle/testdata/chunked", "verdict_program_test/" + name, [](json&) {});
  std::ofstream(dir + "/model.pt2", std::ios::binary) << bytes;
  auto digest = internal::Sha256OfFiles({dir + "/model.pt2"});
  EXPECT_TRUE(digest.ok());
  json manifest = json::parse(std::ifstream(dir + "/verdict.json"));
  manifest["backend"] = "aoti";
  manifest["model_file"] = "model.pt2";
  manifest["sha256"]["model.pt2"] = digest->front();
  std::ofstream(dir + "/verdict.json") << manifest.dump(2);
  return dir;
}

TEST(Program, CorruptAotiPackageIsOneLineNamingTheFile) {
  const std::string dir = AotiBundle("corrupt", "not a zip archive");
  auto m = LoadManifest(dir);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->backend, "aoti");
  auto model = Model::Load(*m, Device{});
  ASSERT_FALSE(model.ok());
  const std::string& error = model.status().message();
  EXPECT_NE(error.find("cannot load model '" + dir + "/model.pt2': "), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST(Program, AotiRunsInFp32Only) {
  const std::string dir = AotiBundle("bf16", "not a zip archive");
  auto m = LoadManifest(dir);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto model = Model::Load(*m, Device{}, Precision::kBf16);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("runs in the precision it was compiled in (fp32)"),
            std::string::npos)
      << model.status().message();
}

TEST(Program, OtherBackendsAreRefused) {
  const std::string dir = EditedFixture("src/bundle/testdata/chunked", "verdict_program_test/onnx",
                                        [](json& m) { m["backend"] = "onnx"; });
  auto m = LoadManifest(dir);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("key 'backend' must be 'torchscript' or 'aoti', not 'onnx'"),
            std::string::npos)
      << m.status().message();
}

}  // namespace
}  // namespace verdict::bundle
