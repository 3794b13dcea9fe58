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

// Rows of 1 and 2 chunks, max_sen_len 5: the seed's collate (ids padded with the pad id, mask 0,
// the missing chunk all zero), or T = the longest chunk for a padding-invariant model.
TEST(CollateInputs, SeedCollateOrLongestChunk) {
  bundle::Manifest manifest;
  manifest.text_fields.push_back({"t", {"tokenizer"}, 5, false, 5, ""});
  manifest.inputs = {{"t_input_ids", bundle::InputKind::kTextIds, "t"},
                     {"t_attention_mask", bundle::InputKind::kAttentionMask, "t"}};
  features::FeatureColumn ids = features::FeatureColumn::Text();
  for (const features::ChunkIds& row :
       {features::ChunkIds{{1, 2}}, {{1, 7, 2}, {1, 2}}, {{1, 9, 9, 2}}}) {
    ids.AddRow(row);
  }
  features::FeatureBatch batch{3, {std::move(ids), {}}};
  std::vector<bundle::HostTensor> inputs = CollateInputs(manifest, batch, 0, 2);
  ASSERT_EQ(inputs.size(), 2u);
  EXPECT_EQ(inputs[0].shape, (std::vector<int64_t>{2, 2, 5}));
  EXPECT_EQ(inputs[0].i64, (std::vector<int64_t>{1, 2, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                                 1, 7, 2, 0, 0, 1, 2, 0, 0, 0}));
  EXPECT_EQ(inputs[1].i64, (std::vector<int64_t>{1, 1, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                                 1, 1, 1, 0, 0, 1, 1, 0, 0, 0}));
  manifest.padding_invariant = true;
  inputs = CollateInputs(manifest, batch, 1, 3);
  EXPECT_EQ(inputs[0].shape, (std::vector<int64_t>{2, 2, 4}));
  EXPECT_EQ(inputs[0].i64, (std::vector<int64_t>{1, 7, 2, 0, 1, 2, 0, 0,  //
                                                 1, 9, 9, 2, 0, 0, 0, 0}));
}

// Rows arriving in pieces of 1 and 2 with batch size 2 are run as the batches {0, 1}, {2}.
TEST(Stream, ModelBatchesSpanThePieces) {
  auto manifest = bundle::LoadManifest("tests/golden/bundle/tiny");
  ASSERT_TRUE(manifest.ok());
  nlohmann::json expected =
      nlohmann::json::parse(std::ifstream("tests/golden/bundle/expected.json"));
  auto a = expected["a"].get<std::vector<float>>();
  auto b = expected["b"].get<std::vector<float>>();
  auto runner = Runner::Create(*manifest, bundle::Device{}, {2, 1});
  ASSERT_TRUE(runner.ok());
  Stream stream(*runner);
  auto first = stream.Add({1, {{{a[0]}}, {{b[0]}}}});
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->empty());
  EXPECT_EQ(stream.pending_rows(), 1);
  auto second = stream.Add({2, {{{a[1], a[2]}}, {{b[1], b[2]}}}});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->size(), 2u * runner->num_classes());
  EXPECT_EQ(stream.pending_rows(), 1);
  auto rest = stream.Finish();
  ASSERT_TRUE(rest.ok());
  std::vector<float> got = *second;
  got.insert(got.end(), rest->begin(), rest->end());
  std::vector<double> want = expected["probabilities"].get<std::vector<double>>();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6);  // tol 1e-6
  EXPECT_EQ(stream.pending_rows(), 0);
}

TEST(Runner, RejectsBadOptions) {
  auto manifest = bundle::LoadManifest("tests/golden/bundle/tiny");
  EXPECT_FALSE(Runner::Create(*manifest, bundle::Device{}, {0, 1}).ok());
  EXPECT_FALSE(Runner::Create(*manifest, bundle::Device{}, {8, -1}).ok());
}

}  // namespace
}  // namespace verdict::infer
