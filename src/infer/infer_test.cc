#include "infer/infer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

namespace verdict::infer {
namespace {

TEST(ResolveDevice, SeedValues) {
  EXPECT_FALSE(ResolveDevice("cpu")->cuda);
  EXPECT_FALSE(ResolveDevice("0")->cuda);
  EXPECT_FALSE(ResolveDevice("[]")->cuda);
  EXPECT_EQ(ResolveDevice("auto")->cuda, CudaAvailable());
  auto bad = ResolveDevice("tpu");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("is not one of auto, cpu"), std::string::npos);
  EXPECT_EQ(ResolveDevice("2").status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(ResolveDevice("[0,1]").status().code(), StatusCode::kUnsupported);
  if (!CudaAvailable()) {
    auto cuda = ResolveDevice("cuda");
    ASSERT_FALSE(cuda.ok());
    EXPECT_NE(cuda.status().message().find("CUDA is not available"), std::string::npos);
    EXPECT_FALSE(ResolveDevice("gpu").ok());
    EXPECT_FALSE(ResolveDevice("[0]").ok());
  }
}

TEST(Runner, BatchesGiveTheSameProbabilitiesAsOneCall) {
  auto manifest = bundle::LoadManifest("tests/golden/bundle/tiny");
  ASSERT_TRUE(manifest.ok());
  nlohmann::json expected =
      nlohmann::json::parse(std::ifstream("tests/golden/bundle/expected.json"));
  features::FeatureBatch batch;
  batch.rows = 3;
  batch.columns = {{expected["a"].get<std::vector<float>>()},
                   {expected["b"].get<std::vector<float>>()}};
  for (int batch_size : {1, 2, 3, 64}) {
    auto runner = Runner::Create(*manifest, bundle::Device{}, {batch_size, 1});
    ASSERT_TRUE(runner.ok()) << runner.status().ToString();
    auto probs = runner->Predict(batch);
    ASSERT_TRUE(probs.ok()) << probs.status().ToString();
    std::vector<double> want = expected["probabilities"].get<std::vector<double>>();
    ASSERT_EQ(probs->size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR((*probs)[i], want[i], 1e-6);  // tol 1e-6
  }
}

TEST(Runner, RejectsBadOptions) {
  auto manifest = bundle::LoadManifest("tests/golden/bundle/tiny");
  EXPECT_FALSE(Runner::Create(*manifest, bundle::Device{}, {0, 1}).ok());
  EXPECT_FALSE(Runner::Create(*manifest, bundle::Device{}, {8, -1}).ok());
}

}  // namespace
}  // namespace verdict::infer
