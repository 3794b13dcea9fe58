// Lower precision: verdict.json "precision", ChoosePrecision, CheckPrecision, and the programs run
// in bf16 against fp32 on the fixture src/bundle/testdata/chunked.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bundle/bundle.h"
#include "bundle/test_fixture.h"

namespace verdict::bundle {
namespace {

using nlohmann::json;

const std::string kFixture = "src/bundle/testdata/chunked";
const std::string kExpected = "src/bundle/testdata/chunked_expected.json";

std::string Edited(const std::string& name, const std::function<void(json&)>& edit) {
  return EditedFixture(kFixture, "verdict_precision_test/" + name, edit);
}

// The fixture's first `rows` rows as the model's inputs: ids and mask [B, C, T], x [B].
std::vector<HostTensor> ModelInputs(size_t rows) {
  const json expected = json::parse(std::ifstream(kExpected));
  int64_t chunks = 0, tokens = 0;
  for (size_t r = 0; r < rows; ++r) {
    const json& row = expected["rows"][r]["chunks"];
    chunks = std::max<int64_t>(chunks, static_cast<int64_t>(row.size()));
    for (const json& chunk : row) tokens = std::max<int64_t>(tokens, chunk.size());
  }
  const auto b = static_cast<int64_t>(rows);
  HostTensor ids{{b, chunks, tokens}, {}, std::vector<int64_t>(b * chunks * tokens, 0)};
  HostTensor mask = ids;
  HostTensor x{{b}, {}, {}};
  for (size_t r = 0; r < rows; ++r) {
    const json& row = expected["rows"][r];
    for (size_t c = 0; c < row["chunks"].size(); ++c) {
      const auto chunk = row["chunks"][c].get<std::vector<int64_t>>();
      for (size_t t = 0; t < chunk.size(); ++t) {
        ids.i64[(r * chunks + c) * tokens + t] = chunk[t];
        mask.i64[(r * chunks + c) * tokens + t] = 1;
      }
    }
    x.f32.push_back(row["x"].get<float>());
  }
  return {ids, mask, x};
}

double MaxAbsDifference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]));
  }
  return worst;
}

TEST(Precision, Names) {
  EXPECT_STREQ(PrecisionName(Precision::kFp32), "fp32");
  EXPECT_STREQ(PrecisionName(Precision::kBf16), "bf16");
  EXPECT_STREQ(PrecisionName(Precision::kFp16), "fp16");
}

TEST(Precision, ManifestKeyAndDefault) {
  auto older = LoadManifest(kFixture);
  ASSERT_TRUE(older.ok()) << older.status().ToString();
  EXPECT_TRUE(older->precision.empty());
  EXPECT_EQ(PrecisionToleranceOf(*older, Precision::kBf16), kDefaultPrecisionTolerance);

  auto stated = LoadManifest(Edited("stated", [](json& m) {
    m["precision"] = {{"bf16", {{"max_abs_dp", 0.004}, {"tolerance", 0.01}}}};
  }));
  ASSERT_TRUE(stated.ok()) << stated.status().ToString();
  EXPECT_EQ(PrecisionToleranceOf(*stated, Precision::kBf16), 0.01);
  EXPECT_EQ(stated->precision.at(Precision::kBf16).measured, 0.004);
  EXPECT_EQ(PrecisionToleranceOf(*stated, Precision::kFp16), kDefaultPrecisionTolerance);
  const std::string text = Describe(*stated);
  EXPECT_NE(text.find("precision:   bf16 tolerance 0.01, exporter measured max |dp| 0.004; fp16 "
                      "tolerance 0.05 (default)"),
            std::string::npos)
      << text;
}

TEST(Precision, ManifestErrorsNameTheKey) {
  const std::vector<std::pair<std::function<void(json&)>, std::string>> cases = {
      {[](json& m) { m["precision"] = 1; }, "key 'precision' must be an object"},
      {[](json& m) {
         m["precision"] = {{"int8", {{"tolerance", 0.1}}}};
       },
       "key 'int8' is not a lower precision"},
      {[](json& m) {
         m["precision"] = {{"bf16", {{"max_abs_dp", 0.1}}}};
       },
       "key 'tolerance' is missing"},
      {[](json& m) {
         m["precision"] = {{"bf16", {{"tolerance", -1}}}};
       },
       "key 'tolerance' must be 0 or more"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    auto m = LoadManifest(Edited("bad" + std::to_string(i), cases[i].first));
    ASSERT_FALSE(m.ok()) << i;
    EXPECT_NE(m.status().message().find(cases[i].second), std::string::npos)
        << m.status().message();
  }
}

TEST(Precision, CheckFailsOverTheToleranceInOneLine) {
  auto m = LoadManifest(Edited("tiny", [](json& m) {
    m["precision"] = {{"bf16", {{"max_abs_dp", 0.001}, {"tolerance", 1e-9}}}};
  }));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(CheckPrecision(*m, Precision::kBf16, 1e-9, 64).ok());
  const Status status = CheckPrecision(*m, Precision::kBf16, 0.003, 64);
  ASSERT_FALSE(status.ok());
  const std::string& error = status.message();
  EXPECT_NE(error.find("bundle '" + m->dir + "' under --precision bf16"), std::string::npos)
      << error;
  EXPECT_NE(error.find("max |dp| 0.003 from fp32 on the first 64 rows, over its tolerance 1e-09 "
                       "(verdict.json precision.bf16.tolerance); run it with --precision fp32"),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(Precision, Choice) {
  auto m = LoadManifest(kFixture);
  ASSERT_TRUE(m.ok());
  const Device cpu;
  auto fp32 = ChoosePrecision("FP32", *m, cpu);
  ASSERT_TRUE(fp32.ok());
  EXPECT_EQ(fp32->precision, Precision::kFp32);
  EXPECT_FALSE(fp32->automatic);
  auto bf16 = ChoosePrecision("bf16", *m, cpu);  // any CPU: with a warning where it is emulated
  ASSERT_TRUE(bf16.ok());
  EXPECT_EQ(bf16->precision, Precision::kBf16);
  auto automatic = ChoosePrecision("", *m, cpu);
  ASSERT_TRUE(automatic.ok());
  EXPECT_TRUE(automatic->automatic);
  EXPECT_EQ(automatic->precision, Precision::kFp32);  // on every CPU, AMX-BF16 or not
  auto fp16 = ChoosePrecision("fp16", *m, cpu);
  ASSERT_FALSE(fp16.ok());
  EXPECT_NE(fp16.status().message().find("fp16 needs a GPU"), std::string::npos);
  auto bogus = ChoosePrecision("int8", *m, cpu);
  ASSERT_FALSE(bogus.ok());
  EXPECT_NE(bogus.status().message().find("'int8' is not one of auto, fp32, bf16, fp16"),
            std::string::npos);
  Manifest aoti = *m;
  aoti.backend = "aoti";
  EXPECT_FALSE(ChoosePrecision("bf16", aoti, cpu).ok());
  auto aoti_auto = ChoosePrecision("auto", aoti, cpu);
  ASSERT_TRUE(aoti_auto.ok());
  EXPECT_EQ(aoti_auto->precision, Precision::kFp32);
}

TEST(Precision, CpuFeaturesAreDescribed) {
  const std::string text = DetectCpu().ToString();
  EXPECT_NE(text.find("avx512_bf16 "), std::string::npos) << text;
  EXPECT_NE(text.find(", amx_bf16 "), std::string::npos) << text;
  EXPECT_NE(text.find(", ATen kernels "), std::string::npos) << text;
}

// The fixture's model in bf16 stays close to fp32 and differs from it (the conversion happened);
// the check passes within a tolerance and fails on one injected too small.
TEST(Precision, ModelInBf16IsCloseToFp32) {
  auto m = LoadManifest(kFixture);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto fp32 = Model::Load(*m, Device{});
  auto bf16 = Model::Load(*m, Device{}, Precision::kBf16);
  ASSERT_TRUE(fp32.ok()) << fp32.status().ToString();
  ASSERT_TRUE(bf16.ok()) << bf16.status().ToString();
  const std::vector<HostTensor> inputs = ModelInputs(2);
  auto reference = fp32->Run(inputs);
  auto lower = bf16->Run(inputs);
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  ASSERT_TRUE(lower.ok()) << lower.status().ToString();
  // The fixture is a random tiny model: bf16 moves its probabilities by a few hundredths.
  const double difference = MaxAbsDifference(*lower, *reference);
  EXPECT_LT(difference, 0.1);
  EXPECT_GT(difference, 0.0);
  Manifest lenient = *m;
  lenient.precision[Precision::kBf16].tolerance = 0.1;
  EXPECT_TRUE(CheckPrecision(lenient, Precision::kBf16, difference, 2).ok());
  Manifest strict = *m;
  strict.precision[Precision::kBf16].tolerance = 1e-9;
  EXPECT_FALSE(CheckPrecision(strict, Precision::kBf16, difference, 2).ok());
}

// Chunk-level: the encoder runs in bf16 (its pooled vectors come back float32, close to fp32's).
TEST(Precision, EncoderInBf16IsCloseToFp32) {
  auto m = LoadManifest(kFixture);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto fp32 = ChunkPrograms::Load(*m, Device{});
  auto bf16 = ChunkPrograms::Load(*m, Device{}, Precision::kBf16);
  ASSERT_TRUE(fp32.ok()) << fp32.status().ToString();
  ASSERT_TRUE(bf16.ok()) << bf16.status().ToString();
  HostTensor ids{{1, 4}, {}, {2, 10, 11, 3}};
  HostTensor mask{{1, 4}, {}, {1, 1, 1, 1}};
  auto reference = fp32->Encode("t", ids, mask);
  auto lower = bf16->Encode("t", ids, mask);
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  ASSERT_TRUE(lower.ok()) << lower.status().ToString();
  EXPECT_EQ(lower->shape, reference->shape);
  const double difference = MaxAbsDifference(lower->f32, reference->f32);
  EXPECT_GT(difference, 0.0);
  EXPECT_LT(difference, 0.1);
}

}  // namespace
}  // namespace verdict::bundle
