#include "infer/infer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>

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

// Rows arriving in pieces of 1 and 2 in windows of 2 rows (batch size 2) are run as the batches
// {0, 1}, {2}.
TEST(Windower, ModelBatchesSpanThePieces) {
  auto manifest = bundle::LoadManifest("tests/golden/bundle/tiny");
  ASSERT_TRUE(manifest.ok());
  nlohmann::json expected =
      nlohmann::json::parse(std::ifstream("tests/golden/bundle/expected.json"));
  auto a = expected["a"].get<std::vector<float>>();
  auto b = expected["b"].get<std::vector<float>>();
  auto runner = Runner::Create(*manifest, bundle::Device{}, {2, 1});
  ASSERT_TRUE(runner.ok());
  Windower windows(2);
  auto first = windows.Add({1, {{{a[0]}}, {{b[0]}}}});
  EXPECT_TRUE(first.empty());
  EXPECT_EQ(windows.pending_rows(), 1);
  auto second = windows.Add({2, {{{a[1], a[2]}}, {{b[1], b[2]}}}});
  ASSERT_EQ(second.size(), 1u);
  auto probs = runner->Predict(second.front());
  ASSERT_TRUE(probs.ok());
  EXPECT_EQ(probs->size(), 2u * runner->num_classes());
  EXPECT_EQ(windows.pending_rows(), 1);
  auto last = windows.Finish();
  ASSERT_TRUE(last.has_value());
  auto rest = runner->Predict(*last);
  ASSERT_TRUE(rest.ok());
  std::vector<float> got = *probs;
  got.insert(got.end(), rest->begin(), rest->end());
  std::vector<double> want = expected["probabilities"].get<std::vector<double>>();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6);  // tol 1e-6
  EXPECT_EQ(windows.pending_rows(), 0);
  EXPECT_FALSE(windows.Finish().has_value());
}

// The text fixture (tests/golden/infer/gen_text_fixture.py): rows mean their chunks' pooled
// vectors, and a padding chunk pools to a non-zero vector.
bundle::Manifest TextFixture(bool padding_invariant) {
  bundle::Manifest manifest;
  manifest.dir = "tests/golden/infer/text";
  manifest.model_file = "tests/golden/infer/text/model.pt";
  manifest.class_labels = {"0", "1"};
  manifest.text_fields.push_back({"t", {"tokenizer"}, 6, false, 5, ""});
  manifest.inputs = {{"t_input_ids", bundle::InputKind::kTextIds, "t"},
                     {"t_attention_mask", bundle::InputKind::kAttentionMask, "t"}};
  manifest.padding_invariant = padding_invariant;
  return manifest;
}

// Rows of 1 to 3 chunks of 2 to 6 tokens, from a fixed generator.
features::FeatureBatch TextRows(int64_t rows) {
  std::mt19937 random(5);
  features::FeatureColumn ids = features::FeatureColumn::Text();
  for (int64_t r = 0; r < rows; ++r) {
    features::ChunkIds chunks(1 + random() % 3);
    for (auto& chunk : chunks) {
      chunk.resize(2 + random() % 5);
      for (int32_t& id : chunk) id = static_cast<int32_t>(1 + random() % 127);
    }
    ids.AddRow(chunks);
  }
  return {rows, {std::move(ids), {}}};
}

TEST(PlanBatches, SeedIsConsecutiveServedGroupsByChunkCount) {
  features::FeatureBatch batch = TextRows(7);
  const std::vector<std::vector<int64_t>> seed = PlanBatches(batch, 3, Batching::kSeed);
  EXPECT_EQ(seed, (std::vector<std::vector<int64_t>>{{0, 1, 2}, {3, 4, 5}, {6}}));
  std::vector<int64_t> covered;
  for (const std::vector<int64_t>& rows : PlanBatches(batch, 3, Batching::kServed)) {
    ASSERT_LE(rows.size(), 3u);
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(batch.columns[0].ChunkCount(rows[i]), batch.columns[0].ChunkCount(rows[0]));
      if (i > 0) {
        EXPECT_LE(batch.columns[0].LongestChunk(rows[i - 1]),
                  batch.columns[0].LongestChunk(rows[i]));
      }
    }
    covered.insert(covered.end(), rows.begin(), rows.end());
  }
  std::sort(covered.begin(), covered.end());
  EXPECT_EQ(covered, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6}));
}

// Under served batching a row's probabilities are those of the row alone, whatever the batch
// size, the row order and the neighbours, padding-invariant bundle or not; under seed batching
// they are not (padding chunks). Tolerance 1e-6: batch shapes change float32 summation order.
TEST(Runner, ServedScoresDoNotDependOnTheBatch) {
  const int64_t n = 40;
  features::FeatureBatch batch = TextRows(n);
  for (bool padding_invariant : {true, false}) {
    const bundle::Manifest manifest = TextFixture(padding_invariant);
    auto alone = Runner::Create(manifest, bundle::Device{}, {1, 1, Batching::kServed});
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    auto want = alone->Predict(batch);
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    // The same rows reversed: row r of `reversed` is row n - 1 - r of `batch`.
    std::vector<int64_t> backwards(n);
    std::iota(backwards.rbegin(), backwards.rend(), 0);
    features::FeatureBatch reversed{n, {features::FeatureColumn::Text(), {}}};
    for (int64_t r : backwards) reversed.columns[0].AddRow(batch.columns[0].RowIds(r));
    for (int batch_size : {2, 3, 64}) {
      auto served = Runner::Create(manifest, bundle::Device{}, {batch_size, 1, Batching::kServed});
      ASSERT_TRUE(served.ok());
      auto got = served->Predict(batch);
      auto got_reversed = served->Predict(reversed);
      ASSERT_TRUE(got.ok() && got_reversed.ok());
      for (int64_t r = 0; r < n; ++r) {
        for (int c = 0; c < 2; ++c) {
          EXPECT_NEAR((*got)[r * 2 + c], (*want)[r * 2 + c], 1e-6) << "row " << r;
          EXPECT_NEAR((*got_reversed)[(n - 1 - r) * 2 + c], (*want)[r * 2 + c], 1e-6);
        }
      }
      auto seed = Runner::Create(manifest, bundle::Device{}, {batch_size, 1, Batching::kSeed});
      auto got_seed = seed->Predict(batch);
      ASSERT_TRUE(got_seed.ok());
      float most = 0;
      for (int64_t i = 0; i < n * 2; ++i)
        most = std::max(most, std::abs((*got_seed)[i] - (*want)[i]));
      EXPECT_GT(most, 1e-3) << "seed batching pads rows with chunks; batch size " << batch_size;
    }
  }
}

TEST(ChooseBatching, ByNameOrFromTheBundle) {
  bundle::Manifest manifest;
  EXPECT_EQ(*ChooseBatching("", manifest), Batching::kSeed);
  manifest.padding_invariant = true;
  EXPECT_EQ(*ChooseBatching("auto", manifest), Batching::kServed);
  EXPECT_EQ(*ChooseBatching("seed", manifest), Batching::kSeed);
  EXPECT_EQ(*ChooseBatching(" Served ", manifest), Batching::kServed);
  auto bad = ChooseBatching("dynamic", manifest);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "BATCHING 'dynamic' is not one of served, seed, auto");
}

// The rows of the chunk-level fixture bundle (src/bundle/testdata/chunked_expected.json), one
// column per model input: the text ids, the attention mask (collated from the ids) and x.
features::FeatureBatch ChunkedFixtureRows() {
  nlohmann::json expected =
      nlohmann::json::parse(std::ifstream("src/bundle/testdata/chunked_expected.json"));
  features::FeatureBatch batch{0, {features::FeatureColumn::Text(), {}, {}}};
  for (const nlohmann::json& row : expected["rows"]) {
    batch.columns[0].AddRow(row["chunks"].get<features::ChunkIds>());
    batch.columns[2].values.push_back(row["x"].get<float>());
    ++batch.rows;
  }
  return batch;
}

// The chunk-level fixture bundle (src/bundle/testdata/chunked, CHUNK's): the runner gives the same
// probabilities through its chunk-level programs as through its model file, under both batchings
// (tolerance 1e-5, the exporter's bound).
TEST(Runner, ChunksAndModelAgree) {
  auto manifest = bundle::LoadManifest("src/bundle/testdata/chunked");
  ASSERT_TRUE(manifest.ok()) << manifest.status().ToString();
  EXPECT_EQ(*ChooseExecution("", *manifest), Execution::kChunks);
  EXPECT_EQ(*ChooseExecution("model", *manifest), Execution::kModel);
  const features::FeatureBatch batch = ChunkedFixtureRows();
  for (Batching batching : {Batching::kServed, Batching::kSeed}) {
    auto chunks = Runner::Create(*manifest, bundle::Device{}, {3, 1, batching, Execution::kChunks});
    auto model = Runner::Create(*manifest, bundle::Device{}, {3, 1, batching, Execution::kModel});
    ASSERT_TRUE(chunks.ok() && model.ok()) << chunks.status().ToString();
    auto got = chunks->Predict(batch);
    auto want = model->Predict(batch);
    ASSERT_TRUE(got.ok() && want.ok()) << got.status().ToString() << want.status().ToString();
    ASSERT_EQ(got->size(), want->size());
    for (size_t i = 0; i < want->size(); ++i) {
      EXPECT_NEAR((*got)[i], (*want)[i], 1e-5) << BatchingName(batching) << " " << i;
    }
  }
}

TEST(ChooseExecution, ChunksOnlyWhereTheBundleHasThem) {
  bundle::Manifest manifest;
  manifest.dir = "b";
  EXPECT_EQ(*ChooseExecution("auto", manifest), Execution::kModel);
  auto chunks = ChooseExecution("chunks", manifest);
  ASSERT_FALSE(chunks.ok());
  EXPECT_NE(chunks.status().message().find("needs a bundle with chunk_execution"),
            std::string::npos);
  EXPECT_FALSE(ChooseExecution("fast", manifest).ok());
}

// Out of memory under seed batching (the injected failure: a call of more than 3 rows fails): each
// model batch of 8 rows runs in pieces of 4, then 2, padded like the whole batch (its C and T), so
// every row's input is the unhalved run's and so is its probability, padding-invariant bundle or
// not. Tolerance 1e-6: a call of fewer rows may run the matrix products in other blocks (float32
// summation order; bit-equal on AMD Zen 5, not on an Intel CPU with AMX). Under model execution
// the pieces go through Runner::Run's backoff.
TEST(Runner, HalvedSeedBatchesKeepTheirPaddingAndScores) {
  features::FeatureBatch batch = TextRows(40);
  for (bool padding_invariant : {true, false}) {
    const bundle::Manifest manifest = TextFixture(padding_invariant);
    auto whole = Runner::Create(manifest, bundle::Device{}, {8, 1, Batching::kSeed});
    auto halved = Runner::Create(manifest, bundle::Device{}, {8, 1, Batching::kSeed});
    ASSERT_TRUE(whole.ok() && halved.ok()) << whole.status().ToString();
    halved->FailAbove(3);
    auto want = whole->Predict(batch);
    testing::internal::CaptureStderr();
    auto got = halved->Predict(batch);
    const std::string log = testing::internal::GetCapturedStderr();
    ASSERT_TRUE(want.ok() && got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), want->size());
    for (size_t i = 0; i < want->size(); ++i) {
      EXPECT_NEAR((*got)[i], (*want)[i], 1e-6)
          << "padding invariant " << padding_invariant << " " << i;
    }
    EXPECT_NE(log.find("out of memory on a batch of 8 rows; retrying in halves; continuing with 4"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("continuing with 2"), std::string::npos) << log;
    // A piece is padded like the whole batch: its C and T.
    const std::vector<int64_t> rows = {0, 1, 2, 3, 4, 5, 6, 7};
    const std::vector<int64_t> shape = CollateInputs(manifest, batch, rows)[0].shape;
    EXPECT_EQ(CollateInputs(manifest, batch, std::span(rows).first(2), rows)[0].shape,
              (std::vector<int64_t>{2, shape[1], shape[2]}));
  }
}

// The chunk-level fixture with encoder calls of more than 2 chunks failing: the encoder runs in
// smaller calls, each padded to its call's token count, so no chunk's input changes and the
// probabilities are the unhalved runner's under both batchings. Tolerance 1e-6, as above: an
// encoder call of fewer chunks may run the fixture's matrix products in other blocks.
TEST(Runner, HalvedChunkEncoderCallsKeepTheScores) {
  auto manifest = bundle::LoadManifest("src/bundle/testdata/chunked");
  ASSERT_TRUE(manifest.ok()) << manifest.status().ToString();
  const features::FeatureBatch batch = ChunkedFixtureRows();
  for (Batching batching : {Batching::kServed, Batching::kSeed}) {
    const Options options{4, 1, batching, Execution::kChunks};
    auto whole = Runner::Create(*manifest, bundle::Device{}, options);
    auto halved = Runner::Create(*manifest, bundle::Device{}, options);
    ASSERT_TRUE(whole.ok() && halved.ok()) << whole.status().ToString();
    halved->FailAbove(2);
    auto want = whole->Predict(batch);
    testing::internal::CaptureStderr();
    auto got = halved->Predict(batch);
    const std::string log = testing::internal::GetCapturedStderr();
    ASSERT_TRUE(want.ok() && got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), want->size());
    for (size_t i = 0; i < want->size(); ++i) {
      EXPECT_NEAR((*got)[i], (*want)[i], 1e-6) << BatchingName(batching) << " " << i;
    }
    EXPECT_NE(log.find("chunks; retrying in halves; continuing with 2"), std::string::npos) << log;
  }
}

// Out of memory on one row: a one-line OutOfMemory error (on the CPU there is nothing to fall
// back to, --fallback-cpu or not).
TEST(Runner, OneRowOutOfMemoryIsAnError) {
  auto manifest = bundle::LoadManifest("tests/golden/bundle/tiny");
  ASSERT_TRUE(manifest.ok());
  Options options{4, 1};
  options.fallback_cpu = true;
  auto runner = Runner::Create(*manifest, bundle::Device{}, options);
  ASSERT_TRUE(runner.ok());
  runner->FailAbove(0);
  features::FeatureBatch batch{2, {{{0.5f, 1.5f}}, {{1.0f, 2.0f}}}};
  testing::internal::CaptureStderr();
  auto probs = runner->Predict(batch);
  testing::internal::GetCapturedStderr();
  ASSERT_FALSE(probs.ok());
  EXPECT_EQ(probs.status().code(), StatusCode::kOutOfMemory);
  EXPECT_NE(probs.status().message().find("out of memory on a batch of one of the rows"),
            std::string::npos);
  EXPECT_TRUE(runner->fallback().empty());
}

// --fallback-cpu where CUDA is not available (this CPU build): the model cannot load on the GPU,
// so the runner loads it on the CPU, with one warning, and scores as a CPU runner does. Without
// the option the load fails.
TEST(Runner, FallsBackToTheCpuWhenTheGpuCannotBeUsed) {
  if (CudaAvailable()) GTEST_SKIP() << "needs a machine without CUDA";
  auto manifest = bundle::LoadManifest("tests/golden/bundle/tiny");
  ASSERT_TRUE(manifest.ok());
  const bundle::Device gpu{true, 0};
  EXPECT_FALSE(Runner::Create(*manifest, gpu, {4, 1}).ok());
  EXPECT_EQ(ResolveDevice("cuda").status().code(), StatusCode::kDeviceError);
  Options options{4, 1};
  options.fallback_cpu = true;
  testing::internal::CaptureStderr();
  auto runner = Runner::Create(*manifest, gpu, options);
  const std::string log = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(runner.ok()) << runner.status().ToString();
  EXPECT_FALSE(runner->device().cuda);
  EXPECT_NE(runner->fallback().find("the GPU cannot be used ("), std::string::npos);
  EXPECT_NE(runner->fallback().find("); running on the CPU instead (--fallback-cpu)"),
            std::string::npos);
  EXPECT_NE(log.find(runner->fallback()), std::string::npos) << log;
  auto cpu = Runner::Create(*manifest, bundle::Device{}, {4, 1});
  features::FeatureBatch batch{2, {{{0.5f, 1.5f}}, {{1.0f, 2.0f}}}};
  EXPECT_EQ(*runner->Predict(batch), *cpu->Predict(batch));
}

// A precision chosen for the GPU is not carried to the CPU: the fallback runs fp32 and says so.
TEST(Runner, FallsBackToTheCpuInFp32) {
  if (CudaAvailable()) GTEST_SKIP() << "needs a machine without CUDA";
  auto manifest = bundle::LoadManifest("tests/golden/bundle/tiny");
  ASSERT_TRUE(manifest.ok());
  Options options{4, 1};
  options.fallback_cpu = true;
  options.precision = bundle::Precision::kFp16;
  testing::internal::CaptureStderr();
  auto runner = Runner::Create(*manifest, bundle::Device{true, 0}, options);
  testing::internal::GetCapturedStderr();
  ASSERT_TRUE(runner.ok()) << runner.status().ToString();
  EXPECT_NE(runner->fallback().find(", in fp32 (not fp16)"), std::string::npos)
      << runner->fallback();
  auto cpu = Runner::Create(*manifest, bundle::Device{}, {4, 1});
  features::FeatureBatch batch{2, {{{0.5f, 1.5f}}, {{1.0f, 2.0f}}}};
  EXPECT_EQ(*runner->Predict(batch), *cpu->Predict(batch));
}

TEST(Runner, RejectsBadOptions) {
  auto manifest = bundle::LoadManifest("tests/golden/bundle/tiny");
  EXPECT_FALSE(Runner::Create(*manifest, bundle::Device{}, {0, 1}).ok());
  EXPECT_FALSE(Runner::Create(*manifest, bundle::Device{}, {8, -1}).ok());
}

}  // namespace
}  // namespace verdict::infer
