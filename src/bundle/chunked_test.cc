// verdict.json "chunk_execution" and "reference", and bundle::ChunkPrograms, on the fixture
// src/bundle/testdata/chunked (written by gen_chunked_fixture.py with the exporter's functions).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "bundle/bundle.h"
#include "bundle/test_fixture.h"

namespace verdict::bundle {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kFixture = "src/bundle/testdata/chunked";
const std::string kExpected = "src/bundle/testdata/chunked_expected.json";

// A copy of the fixture whose manifest is changed by `edit`.
std::string Edited(const std::string& name, const std::function<void(json&)>& edit) {
  return EditedFixture(kFixture, "verdict_chunked_test/" + name, edit);
}

// The one-line error of loading `dir`; it names `key`.
void ExpectError(const std::string& dir, const std::string& key, const std::string& text) {
  auto manifest = LoadManifest(dir);
  ASSERT_FALSE(manifest.ok());
  const std::string& error = manifest.status().message();
  EXPECT_NE(error.find("key '" + key + "'"), std::string::npos) << error;
  EXPECT_NE(error.find(text), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST(ChunkExecution, LoadsTheFixture) {
  auto m = LoadManifest(kFixture);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_TRUE(m->chunk_execution.has_value());
  const ChunkExecution& chunked = *m->chunk_execution;
  ASSERT_EQ(chunked.encoders.size(), 1u);
  EXPECT_EQ(fs::path(chunked.encoders.at("t")).filename(), "encoder_t.pt");
  EXPECT_EQ(fs::path(chunked.head).filename(), "head.pt");
  ASSERT_EQ(chunked.head_inputs.size(), 2u);
  EXPECT_EQ(chunked.head_inputs[0].name, "t_pooled");
  EXPECT_EQ(chunked.head_inputs[0].kind, HeadInput::Kind::kTextPooled);
  EXPECT_EQ(chunked.head_inputs[1].kind, HeadInput::Kind::kTabular);
  EXPECT_EQ(chunked.head_inputs[1].field, "x");
  EXPECT_TRUE(chunked.padding_invariant);
  ASSERT_TRUE(m->reference.has_value());
  EXPECT_EQ(m->reference->transformers, "n/a");
  EXPECT_EQ(fs::path(m->reference->probabilities).filename(), "reference_probabilities.json");
  EXPECT_TRUE(m->sha256.contains("encoder_t.pt"));
  EXPECT_TRUE(m->sha256.contains("head.pt"));

  const std::string text = Describe(*m);
  EXPECT_NE(text.find("chunk execution: yes; encoder padding invariant: yes"), std::string::npos)
      << text;
  EXPECT_NE(text.find("encoder of 't': encoder_t.pt"), std::string::npos) << text;
  EXPECT_NE(text.find("head: head.pt  inputs: t_pooled (pooled mean of 't') x"), std::string::npos)
      << text;
  EXPECT_NE(text.find("reference:   torch "), std::string::npos) << text;
  EXPECT_NE(text.find("transformers n/a, attention n/a; probabilities "
                      "reference_probabilities.json"),
            std::string::npos)
      << text;
}

TEST(ChunkExecution, OlderBundlesSayWhatTheyLack) {
  auto m = LoadManifest("tests/golden/bundle/tiny");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_FALSE(m->chunk_execution.has_value());
  EXPECT_FALSE(m->reference.has_value());
  const std::string text = Describe(*m);
  EXPECT_NE(text.find("chunk execution: no"), std::string::npos) << text;
  EXPECT_NE(text.find("reference:   not recorded"), std::string::npos) << text;
}

TEST(ChunkExecution, ErrorsNameTheKey) {
  ExpectError(Edited("not_object", [](json& m) { m["chunk_execution"] = 3; }), "chunk_execution",
              "must be an object");
  ExpectError(Edited("no_encoder", [](json& m) { m["chunk_execution"]["encoders"].erase("t"); }),
              "encoders", "has no encoder for text field 't'");
  ExpectError(Edited("unknown_field",
                     [](json& m) { m["chunk_execution"]["encoders"]["u"] = "encoder_t.pt"; }),
              "u", "is not a text field");
  ExpectError(Edited("missing_head", [](json& m) { m["chunk_execution"]["head"] = "nope.pt"; }),
              "head", "which does not exist");
  ExpectError(
      Edited("kind", [](json& m) { m["chunk_execution"]["head_inputs"][0]["kind"] = "text"; }),
      "kind", "must be 'text_pooled' or 'tabular'");
  ExpectError(Edited("twice",
                     [](json& m) {
                       m["chunk_execution"]["head_inputs"][1] =
                           m["chunk_execution"]["head_inputs"][0];
                     }),
              "head_inputs", "text field 't' exactly once");
  ExpectError(
      Edited("tabular", [](json& m) { m["chunk_execution"]["head_inputs"][1]["field"] = "y"; }),
      "field", "not a tabular input of the model");
  ExpectError(Edited("no_text",
                     [](json& m) {
                       m["text_fields"] = json::array();
                       m["inputs"].erase(0);
                       m["inputs"].erase(0);
                     }),
              "chunk_execution", "needs text fields");
  ExpectError(Edited("reference", [](json& m) { m["reference"].erase("torch"); }), "torch",
              "is missing");
  ExpectError(Edited("no_encoders", [](json& m) { m["chunk_execution"].erase("encoders"); }),
              "encoders", "is missing");
  ExpectError(Edited("no_head_inputs", [](json& m) { m["chunk_execution"].erase("head_inputs"); }),
              "head_inputs", "is missing");
}

TEST(ChunkExecution, PathsStayInsideTheBundleAndAreDigested) {
  ExpectError(Edited("parent", [](json& m) { m["chunk_execution"]["head"] = "../head.pt"; }),
              "head", "leaves the bundle directory");
  ExpectError(
      Edited("absolute", [](json& m) { m["chunk_execution"]["encoders"]["t"] = "/etc/passwd"; }),
      "t", "an absolute path");
  ExpectError(Edited("unlisted", [](json& m) { m["sha256"].erase("encoder_t.pt"); }), "sha256",
              "does not list 'encoder_t.pt'");
  ExpectError(Edited("unlisted_reference",
                     [](json& m) { m["sha256"].erase("reference_probabilities.json"); }),
              "sha256", "does not list 'reference_probabilities.json'");
  const std::string changed = Edited("changed", [](json&) {});
  std::ofstream(changed + "/head.pt", std::ios::app) << "x";
  ExpectError(changed, "sha256", "does not match");
}

// ---------------------------------------------------------------------------------------------
// Running the programs

HostTensor Ids(const std::vector<std::vector<int64_t>>& chunks, int64_t tokens, bool mask) {
  HostTensor tensor;
  tensor.shape = {static_cast<int64_t>(chunks.size()), tokens};
  tensor.i64.assign(chunks.size() * tokens, 0);
  for (size_t c = 0; c < chunks.size(); ++c) {
    for (size_t t = 0; t < chunks[c].size(); ++t) {
      tensor.i64[c * tokens + t] = mask ? 1 : chunks[c][t];
    }
  }
  return tensor;
}

TEST(ChunkPrograms, PaddingChunkAndHeadMatchPyTorch) {
  auto m = LoadManifest(kFixture);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto programs = ChunkPrograms::Load(*m, Device{});
  ASSERT_TRUE(programs.ok()) << programs.status().ToString();
  const json expected = json::parse(std::ifstream(kExpected));
  for (const auto& [tokens, want] : expected["padding_chunk"].items()) {
    const int64_t t = std::stoll(tokens);
    std::vector<std::vector<int64_t>> zero = {{}};
    auto pooled = programs->Encode("t", Ids(zero, t, false), Ids(zero, t, true));
    ASSERT_TRUE(pooled.ok()) << pooled.status().ToString();
    ASSERT_EQ(pooled->shape, (std::vector<int64_t>{1, static_cast<int64_t>(want.size())}));
    for (size_t h = 0; h < want.size(); ++h) {
      EXPECT_NEAR(pooled->f32[h], want[h].get<double>(), 1e-5) << "T " << t << " h " << h;
    }
  }
  // Row 0 has one chunk: its pooled mean is its pooled vector, whatever the padding.
  const auto chunk = expected["rows"][0]["chunks"].get<std::vector<std::vector<int64_t>>>();
  auto pooled = programs->Encode("t", Ids(chunk, 7, false), Ids(chunk, 7, true));
  ASSERT_TRUE(pooled.ok()) << pooled.status().ToString();
  HostTensor x{{1}, {expected["rows"][0]["x"].get<float>()}, {}};
  auto probs = programs->Head({*pooled, x});
  ASSERT_TRUE(probs.ok()) << probs.status().ToString();
  ASSERT_EQ(probs->size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_NEAR((*probs)[k], expected["served"][0][k].get<double>(), 1e-5);
  }
}

TEST(ChunkPrograms, HeadArityIsChecked) {
  const std::string dir = Edited("arity", [](json& m) {
    m["chunk_execution"]["head_inputs"].push_back(
        {{"name", "x2"}, {"kind", "tabular"}, {"field", "x"}});
  });
  auto m = LoadManifest(dir);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto programs = ChunkPrograms::Load(*m, Device{});
  ASSERT_FALSE(programs.ok());
  EXPECT_NE(programs.status().message().find(
                "takes 2 inputs but verdict.json chunk_execution head_inputs lists 3"),
            std::string::npos)
      << programs.status().message();
}

TEST(ChunkPrograms, UnknownFieldIsAnError) {
  auto m = LoadManifest(kFixture);
  ASSERT_TRUE(m.ok());
  auto programs = ChunkPrograms::Load(*m, Device{});
  ASSERT_TRUE(programs.ok());
  std::vector<std::vector<int64_t>> one = {{2, 3}};
  EXPECT_FALSE(programs->Encode("nope", Ids(one, 2, false), Ids(one, 2, true)).ok());
}

}  // namespace
}  // namespace verdict::bundle
