// infer (internal): chunk-level execution of a bundle with "chunk_execution".
//
// A model built like the seed's BERT families runs a text encoder on every chunk of a row, takes
// the mean of the pooled chunk vectors and passes it, with the tabular fields, through a head.
// Run as one program, every row is padded to the batch's chunk count C and every chunk to T
// tokens. ChunkedModel runs the bundle's two halves instead: the encoder on the real chunks only,
// sorted by length across the batch's rows and padded to the longest in each encoder call (to
// max_sen_len when the encoder is not padding-invariant), then the means, then the head. The
// probabilities equal the whole model's under the same batching (docs/bundle-format.md):
//   kServed  each row as if alone: the mean over its own c chunks;
//   kSeed    the seed's DataLoader batch: (sum of the row's pooled + (C - c) * P_pad(T)) / C, C the
//            batch's most chunks, T its token count (max_sen_len, or its longest chunk when the
//            bundle is padding-invariant), P_pad(T) the encoder's output for one all-zero chunk of
//            T tokens, computed once per T and field and cached.
//
// Usage (the runner's call site):
//   VERDICT_ASSIGN_OR_RETURN(ChunkedModel model, ChunkedModel::Load(manifest, device));
//   VERDICT_ASSIGN_OR_RETURN(std::vector<float> probs, model.Run(batch, rows, Batching::kServed));
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "bundle/bundle.h"
#include "core/core.h"
#include "features/features.h"
#include "infer/backoff.h"
#include "infer/infer.h"

namespace verdict::infer {

class ChunkedModel {
 public:
  // Loads the bundle's encoders (in `precision`) and head; the manifest must have chunk_execution.
  static Result<ChunkedModel> Load(const bundle::Manifest& manifest, const bundle::Device& device,
                                   bundle::Precision precision = bundle::Precision::kFp32);

  // Probabilities [rows.size(), K] row-major of rows `rows` (indices into `batch`) run as one
  // model batch under `batching`. A text row without any chunk is an error.
  Result<std::vector<float>> Run(const features::FeatureBatch& batch, std::span<const int64_t> rows,
                                 Batching batching) const;
  // The same for several model batches (a window's): each batch's probabilities, in order. The
  // encoder runs once over the real chunks of all of them, sorted by length across the batches,
  // so seed batches (consecutive rows of mixed lengths) pad as little as served ones; each
  // batch's means (its own C and T under kSeed) and head are its own, so the probabilities are
  // those of Run on each batch.
  Result<std::vector<std::vector<float>>> RunBatches(const features::FeatureBatch& batch,
                                                     std::span<const std::vector<int64_t>> batches,
                                                     Batching batching) const;

  // The backoff of the encoder calls (in chunks): a call that runs out of memory is run again in
  // halves, each padded to the call's token count, so no pooled vector changes.
  Backoff& encoder_backoff() const { return *encoder_backoff_; }

 private:
  struct PadCache {  // P_pad(T) by (text field, T); Run may be called from several threads
    std::mutex mutex;
    std::map<std::pair<std::string, int64_t>, std::vector<float>> vectors;
  };

  ChunkedModel(bundle::Manifest manifest, bundle::ChunkPrograms programs)
      : manifest_(std::move(manifest)),
        programs_(std::move(programs)),
        pads_(std::make_unique<PadCache>()),
        encoder_backoff_(std::make_unique<Backoff>("chunks")) {}

  // The head input of text field `field` for each of `batches`: float32 [rows, H], the rows'
  // pooled means.
  Result<std::vector<bundle::HostTensor>> PooledMeans(const features::FeatureBatch& batch,
                                                      std::span<const std::vector<int64_t>> batches,
                                                      const std::string& field,
                                                      Batching batching) const;
  // The pooled means of one batch's `rows` from their chunks' pooled vectors `pooled` (row by row,
  // `width` floats each).
  Result<bundle::HostTensor> BatchMeans(const features::FeatureColumn& column,
                                        const std::string& field, std::span<const int64_t> rows,
                                        Batching batching, const float* pooled,
                                        int64_t width) const;
  // Pooled vectors [chunks, H] of `chunks` (chunk indices of `column`), in that order, run in
  // encoder calls of at most `per_call` chunks (a batch's rows), sorted by length and cut
  // where that saves more padding than a call costs; H goes to `width`.
  Result<std::vector<float>> EncodeChunks(const features::FeatureColumn& column,
                                          const std::string& field, int64_t max_sen_len,
                                          std::span<const int64_t> chunks, size_t per_call,
                                          int64_t* width) const;
  // P_pad(T) of text field `field`, [H].
  Result<std::vector<float>> PaddingChunk(const std::string& field, int64_t tokens) const;

  bundle::Manifest manifest_;
  bundle::ChunkPrograms programs_;
  std::unique_ptr<PadCache> pads_;
  std::unique_ptr<Backoff> encoder_backoff_;
};

}  // namespace verdict::infer
