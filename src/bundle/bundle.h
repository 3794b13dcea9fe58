// bundle: the model bundle, the contract between training and evaluation.
//
// A bundle is a directory with a manifest, verdict.json (format in docs/bundle-format.md), the
// exported model (model.pt, TorchScript; or model.pt2, an AOTInductor package, backend "aoti") and
// the preprocessing artifacts the manifest names. This stage reads and validates the manifest (no
// LibTorch needed for that) and runs the model, in a chosen precision. LibTorch stays inside
// model.cc, program.cc and precision.cc: this header is plain C++, so stages that only need the
// manifest compile without it.
//
// Usage:
//   VERDICT_ASSIGN_OR_RETURN(bundle::Manifest manifest, bundle::LoadManifest("model/"));
//   VERDICT_ASSIGN_OR_RETURN(bundle::Model model, bundle::Model::Load(manifest, {}));
//   VERDICT_ASSIGN_OR_RETURN(std::vector<float> probs, model.Run(inputs));  // [B, K] row-major
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace verdict::bundle {

// The newest manifest format this engine reads (older ones are read too).
constexpr int kFormatVersion = 1;
constexpr const char* kManifestFile = "verdict.json";

enum class Task { kBinary, kMulticlass };
enum class ModelOutput { kLogits, kProbabilities };

// What one positional model input carries.
enum class InputKind {
  kTabular,        // float32 [B]: one tabular field
  kTextIds,        // int64 [B, C, T]: token ids of a text field
  kAttentionMask,  // int64 [B, C, T]: attention mask of a text field
};

struct InputSpec {
  std::string name;  // e.g. "age", "dialogue_input_ids"
  InputKind kind = InputKind::kTabular;
  std::string field;  // the data column it is computed from
};

// Risk-table mapping of a categorical field: the text of a cell -> a number.
struct RiskTable {
  std::map<std::string, double> bins;
  double default_bin = 0;
};

struct TabularField {
  std::string name;
  // Value used for a missing cell. The seed's batch evaluation filled missing numbers with -1.0
  // before imputation could run; the exporter records whichever value the training used.
  double missing_value = -1.0;
  std::optional<RiskTable> risk_table;  // categorical field mapped through a risk table
};

struct TextField {
  std::string name;
  std::vector<std::string> steps;  // processing steps, in order (seed names)
  int max_sen_len = 512;
  bool chunk_truncate = false;
  int max_total_chunks = 5;
  std::string tokenizer;  // path of tokenizer.json, resolved against the bundle directory
};

// One positional input of the head of chunk-level execution.
struct HeadInput {
  enum class Kind {
    kTextPooled,  // float32 [B, H]: the mean of the row's pooled chunk vectors of text field
                  // `field`
    kTabular,     // float32 [B]: the tabular field `field`, as in the model's inputs
  };
  std::string name;
  Kind kind = Kind::kTabular;
  std::string field;
};

// Chunk-level execution (verdict.json "chunk_execution", written by the exporter for models built
// like the seed's BERT families): each text field's chunk encoder, (ids int64 [N, T], mask int64
// [N, T]) -> pooled float32 [N, H], and the head, (head inputs...) -> what the model returns. The
// model file stays the reference and the black-box path.
struct ChunkExecution {
  std::map<std::string, std::string> encoders;  // text field -> resolved path of its encoder
  std::string head;                             // resolved path
  std::vector<HeadInput> head_inputs;           // the head's positional inputs, in order
  // The encoder's pooled vector of a real chunk does not change with token padding (checked at
  // export): each encoder call may pad only to its longest chunk, not to max_sen_len.
  bool padding_invariant = false;
};

// What produced the exporter's reference probabilities (verdict.json "reference"): the same
// weights give other probabilities under another torch or attention implementation.
struct Reference {
  std::string torch;                     // torch version, e.g. "2.13.0+cpu"
  std::string transformers;              // transformers version, or "n/a"
  std::string attention_implementation;  // e.g. "sdpa", "eager", or "n/a" (no Hugging Face model)
  std::string probabilities;             // resolved path of the reference probabilities (JSON)
};

// The floating-point format the model's programs run in (PRECISION, docs/configuration.md).
enum class Precision { kFp32, kBf16, kFp16 };

// "fp32", "bf16" or "fp16".
const char* PrecisionName(Precision precision);
// The precision named "fp32", "bf16" or "fp16" (PrecisionName's inverse); nullopt for any other.
std::optional<Precision> PrecisionFromName(std::string_view name);

// The largest max |dp| against fp32 that eval accepts from a lower precision when the bundle
// states none (verdict.json "precision", docs/bundle-format.md).
constexpr double kDefaultPrecisionTolerance = 0.05;

// verdict.json "precision" entry of one lower precision: how far the exporter measured it from
// fp32 on its sample rows (max |dp|; absent when it could not run it) and the largest max |dp|
// eval accepts when it checks a slice of the data before trusting that precision.
struct PrecisionTolerance {
  std::optional<double> measured;
  double tolerance = kDefaultPrecisionTolerance;
};

struct Manifest {
  std::string dir;  // the bundle directory
  int format_version = kFormatVersion;
  std::string backend = "torchscript";
  std::string model_file;  // resolved path
  Task task = Task::kBinary;
  int num_classes = 2;
  std::vector<std::string> class_labels;  // label value of class i as it appears in the data
  ModelOutput output = ModelOutput::kLogits;
  std::string id_field;
  std::string label_field;
  std::vector<InputSpec> inputs;  // positional model inputs, in order
  std::vector<TabularField> tabular_fields;
  std::vector<TextField> text_fields;
  bool padding_invariant = false;  // output unchanged by extra pad tokens (checked at export)
  int batch_size = 64;
  std::string created_by;  // exporter and torch versions, for `inspect`
  std::optional<ChunkExecution> chunk_execution;
  std::optional<Reference> reference;
  std::map<Precision, PrecisionTolerance> precision;  // bf16 and fp16 entries the bundle states
  // Verified SHA-256 digests (64 hex digits) by path relative to the bundle; empty when the
  // bundle records none (older exporters) or the model file was not required.
  std::map<std::string, std::string> sha256;
};

// Reads `dir`/verdict.json and checks it: version, files present, inputs consistent with fields.
// Errors name the bundle file and the key at fault.
//
// Every path in verdict.json must stay inside the bundle: relative, without '..', and not a
// symlink that resolves outside `dir`. When verdict.json has the "sha256" key (path relative to
// the bundle -> digest), every listed file must exist in the bundle with that digest, and every
// file the manifest uses (the model file, the chunk encoders and head, the reference
// probabilities, each text field's tokenizer files) must be listed; a bundle without the key
// (older exporters) loads with one warning. Files are hashed in blocks.
//
// "chunk_execution", when present, names an encoder for every text field and no other, and head
// inputs that are each text field's pooled mean once and tabular fields of the model's inputs.
//
// `require_model_file` = false accepts a bundle under construction: the model files need not be
// written yet (the exporter computes example inputs before it traces) and the digests are not
// checked.
Result<Manifest> LoadManifest(const std::string& dir, bool require_model_file = true);

// Human-readable description of a bundle, for `verdict inspect`.
std::string Describe(const Manifest& manifest);

// "binary" or "multiclass".
const char* TaskName(Task task);

// The tolerance the bundle states for `precision` (lower than fp32), or the default.
double PrecisionToleranceOf(const Manifest& manifest, Precision precision);

// Ok when `max_abs_dp`, the largest |dp| between `precision` and fp32 on `rows` rows of the data,
// is within the bundle's tolerance; else the one-line error naming the bundle, both numbers and
// the fix (--precision fp32).
Status CheckPrecision(const Manifest& manifest, Precision precision, double max_abs_dp,
                      int64_t rows);

// ---------------------------------------------------------------------------------------------
// Running the model

struct Device {
  bool cuda = false;
  int index = 0;
  std::string ToString() const;  // "cpu", "cuda:0"
};

// A host tensor handed to the model: float32 or int64, row-major.
struct HostTensor {
  std::vector<int64_t> shape;
  std::vector<float> f32;    // used when the input is tabular
  std::vector<int64_t> i64;  // used for token ids and masks
};

// What this CPU offers a lower precision: AVX512-BF16 and AMX (cpuid), and the kernels ATen
// chose for it (at::get_cpu_capability(): "AVX512", "AVX2", "DEFAULT", ...).
struct CpuFeatures {
  bool avx512_bf16 = false;
  bool amx_bf16 = false;
  bool amx_tile = false;
  std::string capability;
  // "avx512_bf16 yes, amx_bf16 no, amx_tile no, ATen kernels AVX512"
  std::string ToString() const;
};

CpuFeatures DetectCpu();

struct PrecisionChoice {
  Precision precision = Precision::kFp32;
  bool automatic = false;  // chosen by auto: a failed check falls back to fp32 instead of failing
};

// The precision asked for ("auto", "fp32", "bf16", "fp16"; empty means auto) on `device`:
//   auto  bf16 on a CUDA GPU of compute capability 8.0 or more; fp32 elsewhere, on every CPU
//         (bf16 must be asked for there, so the default scores agree across CPUs) and for
//         AOTInductor bundles;
//   fp16  needs a GPU (LibTorch's CPU fp16 kernels are far slower than fp32): an error on CPU;
//   bf16  on a CPU with neither AVX512-BF16 nor AMX-BF16: allowed, with a warning (slow).
// An AOTInductor bundle runs in the precision it was compiled in (fp32): bf16 or fp16 asked for
// it is an error.
Result<PrecisionChoice> ChoosePrecision(std::string_view requested, const Manifest& manifest,
                                        const Device& device);

class Model {
 public:
  // Loads the model file on `device` and checks its signature against the manifest's inputs. In
  // a lower `precision` the program runs under LibTorch's autocast to it (matmuls, linear layers
  // and convolutions in that dtype, weights kept float32); the output is converted back to
  // float32 before softmax or sigmoid.
  static Result<Model> Load(const Manifest& manifest, const Device& device,
                            Precision precision = Precision::kFp32);
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  ~Model();

  // Runs one batch (inputs in manifest order, equal batch size B) and returns class
  // probabilities [B, K] row-major: softmax of logits, or the model's probabilities as they are.
  // A binary model may also return one logit per row ([B] or [B, 1]): P(class 1) = sigmoid.
  Result<std::vector<float>> Run(const std::vector<HostTensor>& inputs) const;

  const Device& device() const;

  struct State;

 private:
  explicit Model(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// The chunk-level programs of a bundle with "chunk_execution": each text field's encoder and the
// head, loaded on one device. infer::ChunkedModel schedules them; this class only runs them.
class ChunkPrograms {
 public:
  // Loads every encoder and the head and checks their arity (2 inputs; head_inputs). The encoders
  // run in `precision` (as Model's; their pooled vectors come back float32), the head in fp32:
  // it is a few small layers, so fp32 costs nothing there and keeps the means' accuracy.
  static Result<ChunkPrograms> Load(const Manifest& manifest, const Device& device,
                                    Precision precision = Precision::kFp32);
  ChunkPrograms(ChunkPrograms&&) noexcept;
  ChunkPrograms& operator=(ChunkPrograms&&) noexcept;
  ~ChunkPrograms();

  // Pooled vectors of N chunks of text field `field`: ids and mask int64 [N, T] -> float32 [N, H]
  // (the result's shape and f32).
  Result<HostTensor> Encode(const std::string& field, const HostTensor& ids,
                            const HostTensor& mask) const;
  // Class probabilities [B, K] row-major from the head inputs (head_inputs order; float32 [B, H]
  // pooled means and float32 [B] tabular values), converted like Model::Run's.
  Result<std::vector<float>> Head(const std::vector<HostTensor>& inputs) const;

  struct State;

 private:
  explicit ChunkPrograms(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace verdict::bundle
