// ChunkedModel on the chunk-level fixture bundle (src/bundle/testdata/chunked): both batchings
// equal the whole model run the same way, as eager PyTorch computed it (chunked_expected.json,
// gen_chunked_fixture.py) and as the bundle's model.pt runs here, within 1e-5.
#include "infer/chunked.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>

namespace verdict::infer {
namespace {

using nlohmann::json;

const std::string kFixture = "src/bundle/testdata/chunked";
constexpr double kTolerance = 1e-5;

struct Fixture {
  bundle::Manifest manifest;
  json expected;
  features::FeatureBatch batch;  // every row of the fixture, in order
};

Fixture Load() {
  Fixture f;
  auto manifest = bundle::LoadManifest(kFixture);
  EXPECT_TRUE(manifest.ok()) << manifest.status().ToString();
  f.manifest = *manifest;
  f.expected = json::parse(std::ifstream("src/bundle/testdata/chunked_expected.json"));
  // Inputs: t_input_ids, t_attention_mask (carries nothing), x.
  f.batch.columns = {features::FeatureColumn::Text(), {}, {}};
  for (const json& row : f.expected["rows"]) {
    f.batch.columns[0].AddRow(row["chunks"].get<features::ChunkIds>());
    f.batch.columns[2].values.push_back(row["x"].get<float>());
    ++f.batch.rows;
  }
  return f;
}

std::vector<int64_t> Range(int64_t begin, int64_t end) {
  std::vector<int64_t> rows(end - begin);
  std::iota(rows.begin(), rows.end(), begin);
  return rows;
}

void ExpectNear(const std::vector<float>& got, const json& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size() * 2) << what;
  for (size_t r = 0; r < want.size(); ++r) {
    for (size_t k = 0; k < 2; ++k) {
      EXPECT_NEAR(got[r * 2 + k], want[r][k].get<double>(), kTolerance) << what << " row " << r;
    }
  }
}

// The seed's collate of `rows` for the whole model: C = the most chunks, T = max_sen_len (the
// fixture is not padding-invariant), zeros elsewhere.
std::vector<bundle::HostTensor> SeedInputs(const Fixture& f, const std::vector<int64_t>& rows) {
  const features::FeatureColumn& text = f.batch.columns[0];
  const int64_t tokens = f.manifest.text_fields[0].max_sen_len;
  int64_t chunks = 0;
  for (int64_t r : rows) chunks = std::max(chunks, text.ChunkCount(r));
  const auto n = static_cast<int64_t>(rows.size());
  bundle::HostTensor ids{{n, chunks, tokens}, {}, std::vector<int64_t>(n * chunks * tokens, 0)};
  bundle::HostTensor mask = ids;
  bundle::HostTensor x{{n}, {}, {}};
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t c = 0; c < text.ChunkCount(rows[i]); ++c) {
      const auto chunk = text.Chunk(text.FirstChunk(rows[i]) + c);
      for (size_t t = 0; t < chunk.size(); ++t) {
        ids.i64[(i * chunks + c) * tokens + t] = chunk[t];
        mask.i64[(i * chunks + c) * tokens + t] = 1;
      }
    }
    x.f32.push_back(f.batch.columns[2].values[rows[i]]);
  }
  return {ids, mask, x};
}

TEST(ChunkedModel, ServedScoresEachRowAlone) {
  Fixture f = Load();
  auto model = ChunkedModel::Load(f.manifest, bundle::Device{});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const std::vector<int64_t> all = Range(0, f.batch.rows);
  auto probs = model->Run(f.batch, all, Batching::kServed);
  ASSERT_TRUE(probs.ok()) << probs.status().ToString();
  ExpectNear(*probs, f.expected["served"], "all rows at once");
  // Neighbours, batch size and order do not matter.
  for (int64_t r = 0; r < f.batch.rows; ++r) {
    const std::vector<int64_t> alone = {r};
    auto one = model->Run(f.batch, alone, Batching::kServed);
    ASSERT_TRUE(one.ok()) << one.status().ToString();
    ExpectNear(*one, json::array({f.expected["served"][r]}), "row alone");
  }
  const std::vector<int64_t> reversed(all.rbegin(), all.rend());
  auto back = model->Run(f.batch, reversed, Batching::kServed);
  ASSERT_TRUE(back.ok());
  json want = json::array();
  for (int64_t r : reversed) want.push_back(f.expected["served"][r]);
  ExpectNear(*back, want, "reversed");
}

TEST(ChunkedModel, SeedBatchesEqualTheWholeModel) {
  Fixture f = Load();
  auto model = ChunkedModel::Load(f.manifest, bundle::Device{});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto whole = bundle::Model::Load(f.manifest, bundle::Device{});
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  const int64_t size = f.expected["batch_size"].get<int64_t>();
  for (int64_t start = 0; start < f.batch.rows; start += size) {
    const std::vector<int64_t> rows = Range(start, std::min(start + size, f.batch.rows));
    auto probs = model->Run(f.batch, rows, Batching::kSeed);
    ASSERT_TRUE(probs.ok()) << probs.status().ToString();
    json want = json::array();
    for (int64_t r : rows) want.push_back(f.expected["seed"][r]);
    ExpectNear(*probs, want, "seed batch from row " + std::to_string(start));
    // The whole model (model.pt) on the same batch, collated like the seed.
    auto reference = whole->Run(SeedInputs(f, rows));
    ASSERT_TRUE(reference.ok()) << reference.status().ToString();
    ASSERT_EQ(reference->size(), probs->size());
    for (size_t i = 0; i < probs->size(); ++i) {
      EXPECT_NEAR((*probs)[i], (*reference)[i], kTolerance) << "batch " << start << " value " << i;
    }
  }
}

TEST(ChunkedModel, SeveralBatchesAtOnceAreEachBatchAlone) {
  // One encoder pass over the chunks of every batch, sorted across them; each batch keeps its own
  // padding chunks (seed) and means.
  Fixture f = Load();
  auto model = ChunkedModel::Load(f.manifest, bundle::Device{});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const int64_t size = f.expected["batch_size"].get<int64_t>();
  std::vector<std::vector<int64_t>> batches;
  for (int64_t start = 0; start < f.batch.rows; start += size) {
    batches.push_back(Range(start, std::min(start + size, f.batch.rows)));
  }
  for (const Batching batching : {Batching::kSeed, Batching::kServed}) {
    auto probs = model->RunBatches(f.batch, batches, batching);
    ASSERT_TRUE(probs.ok()) << probs.status().ToString();
    ASSERT_EQ(probs->size(), batches.size());
    const json& want = f.expected[batching == Batching::kSeed ? "seed" : "served"];
    for (size_t b = 0; b < batches.size(); ++b) {
      json rows = json::array();
      for (int64_t r : batches[b]) rows.push_back(want[r]);
      ExpectNear((*probs)[b], rows, std::string(BatchingName(batching)) + " batch");
    }
  }
}

TEST(ChunkedModel, PaddingChunksDependOnTheBatch) {
  // Row 0 (one chunk) batched with row 6 (four chunks) averages three padding chunks in: its
  // seed score differs from its served one, as in the seed's own evaluation.
  Fixture f = Load();
  auto model = ChunkedModel::Load(f.manifest, bundle::Device{});
  ASSERT_TRUE(model.ok());
  const std::vector<int64_t> rows = {0, 6};
  auto seed = model->Run(f.batch, rows, Batching::kSeed);
  auto served = model->Run(f.batch, rows, Batching::kServed);
  ASSERT_TRUE(seed.ok() && served.ok());
  EXPECT_GT(std::abs((*seed)[1] - (*served)[1]), 1e-4);
  ExpectNear(std::vector<float>(served->begin(), served->begin() + 2),
             json::array({f.expected["served"][0]}), "served row 0");
  auto whole = bundle::Model::Load(f.manifest, bundle::Device{});
  ASSERT_TRUE(whole.ok());
  auto reference = whole->Run(SeedInputs(f, rows));
  ASSERT_TRUE(reference.ok());
  for (size_t i = 0; i < seed->size(); ++i) EXPECT_NEAR((*seed)[i], (*reference)[i], kTolerance);
}

TEST(ChunkedModel, ARowWithoutChunksIsAnError) {
  Fixture f = Load();
  f.batch.columns[0].AddRow({});
  f.batch.columns[2].values.push_back(0);
  ++f.batch.rows;
  auto model = ChunkedModel::Load(f.manifest, bundle::Device{});
  ASSERT_TRUE(model.ok());
  const std::vector<int64_t> rows = {f.batch.rows - 1};
  auto probs = model->Run(f.batch, rows, Batching::kServed);
  ASSERT_FALSE(probs.ok());
  EXPECT_NE(probs.status().message().find("has no chunk"), std::string::npos);
}

TEST(ChunkedModel, ABundleWithoutChunkExecutionIsRefused) {
  auto manifest = bundle::LoadManifest("tests/golden/bundle/tiny");
  ASSERT_TRUE(manifest.ok());
  EXPECT_FALSE(ChunkedModel::Load(*manifest, bundle::Device{}).ok());
}

}  // namespace
}  // namespace verdict::infer
