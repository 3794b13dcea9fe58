#include "infer/chunked.h"

#include <algorithm>
#include <numeric>

namespace verdict::infer {

namespace {

// The index in manifest.inputs of field `field`'s input of kind `kind`.
Result<size_t> InputOf(const bundle::Manifest& manifest, const std::string& field,
                       bundle::InputKind kind) {
  for (size_t i = 0; i < manifest.inputs.size(); ++i) {
    if (manifest.inputs[i].field == field && manifest.inputs[i].kind == kind) return i;
  }
  return Internal("bundle '" + manifest.dir + "' has no input for field " + Quote(field));
}

int64_t MaxSenLen(const bundle::Manifest& manifest, const std::string& field) {
  for (const bundle::TextField& text : manifest.text_fields) {
    if (text.name == field) return text.max_sen_len;
  }
  return 0;
}

// ids and mask int64 [n, tokens] of chunks `chunks` of `column`: each chunk's ids, then the
// tokenizer's pad id with mask 0.
std::pair<bundle::HostTensor, bundle::HostTensor> CollateChunks(
    const features::FeatureColumn& column, std::span<const int64_t> chunks, int64_t tokens) {
  const auto n = static_cast<int64_t>(chunks.size());
  bundle::HostTensor ids{{n, tokens}, {}, std::vector<int64_t>(n * tokens, column.pad_id)};
  bundle::HostTensor mask{{n, tokens}, {}, std::vector<int64_t>(n * tokens, 0)};
  for (int64_t i = 0; i < n; ++i) {
    const std::span<const int32_t> chunk = column.Chunk(chunks[i]);
    std::copy(chunk.begin(), chunk.end(), ids.i64.begin() + i * tokens);
    std::fill_n(mask.i64.begin() + i * tokens, chunk.size(), 1);
  }
  return {std::move(ids), std::move(mask)};
}

}  // namespace

Result<ChunkedModel> ChunkedModel::Load(const bundle::Manifest& manifest,
                                        const bundle::Device& device) {
  VERDICT_ASSIGN_OR_RETURN(bundle::ChunkPrograms programs,
                           bundle::ChunkPrograms::Load(manifest, device));
  return ChunkedModel(manifest, std::move(programs));
}

Result<std::vector<float>> ChunkedModel::PaddingChunk(const std::string& field,
                                                      int64_t tokens) const {
  {
    std::lock_guard<std::mutex> lock(pads_->mutex);
    auto found = pads_->vectors.find({field, tokens});
    if (found != pads_->vectors.end()) return found->second;
  }
  bundle::HostTensor zeros{{1, tokens}, {}, std::vector<int64_t>(tokens, 0)};
  VERDICT_ASSIGN_OR_RETURN(bundle::HostTensor pad, programs_.Encode(field, zeros, zeros));
  std::lock_guard<std::mutex> lock(pads_->mutex);
  return pads_->vectors.emplace(std::make_pair(field, tokens), std::move(pad.f32)).first->second;
}

Result<std::vector<float>> ChunkedModel::EncodeChunks(const features::FeatureColumn& column,
                                                      const std::string& field, int64_t max_sen_len,
                                                      std::span<const int64_t> chunks,
                                                      size_t per_call, int64_t* width) const {
  // Sorted by length, so that each call pads little.
  std::vector<size_t> order(chunks.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return column.ChunkLength(chunks[a]) < column.ChunkLength(chunks[b]);
  });
  const bool dynamic = manifest_.chunk_execution->padding_invariant;
  std::vector<float> pooled;
  *width = 0;
  for (size_t start = 0; start < order.size(); start += per_call) {
    const size_t end = std::min(order.size(), start + per_call);
    std::vector<int64_t> call;
    call.reserve(end - start);
    for (size_t i = start; i < end; ++i) call.push_back(chunks[order[i]]);
    const int64_t longest = column.ChunkLength(call.back());
    const int64_t tokens = dynamic ? longest : std::max(longest, max_sen_len);
    auto [ids, mask] = CollateChunks(column, call, tokens);
    VERDICT_ASSIGN_OR_RETURN(bundle::HostTensor out, programs_.Encode(field, ids, mask));
    if (*width == 0) {
      *width = out.shape[1];
      pooled.assign(chunks.size() * *width, 0.0f);
    }
    for (size_t i = start; i < end; ++i) {
      std::copy_n(out.f32.begin() + (i - start) * *width, *width,
                  pooled.begin() + order[i] * *width);
    }
  }
  return pooled;
}

Result<bundle::HostTensor> ChunkedModel::PooledMeans(const features::FeatureBatch& batch,
                                                     std::span<const int64_t> rows,
                                                     const std::string& field,
                                                     Batching batching) const {
  VERDICT_ASSIGN_OR_RETURN(size_t input, InputOf(manifest_, field, bundle::InputKind::kTextIds));
  const features::FeatureColumn& column = batch.columns[input];
  const auto n = static_cast<int64_t>(rows.size());
  std::vector<int64_t> chunks;  // every real chunk of the rows, row by row
  int64_t most = 0, longest = 0;
  for (int64_t row : rows) {
    const int64_t count = column.ChunkCount(row);
    if (count == 0) {
      return InvalidArgument("row " + std::to_string(row + 1) + " of text field " + Quote(field) +
                             " has no chunk");
    }
    most = std::max(most, count);
    longest = std::max(longest, column.LongestChunk(row));
    for (int64_t c = 0; c < count; ++c) chunks.push_back(column.FirstChunk(row) + c);
  }
  const int64_t max_sen_len = MaxSenLen(manifest_, field);
  int64_t width = 0;
  VERDICT_ASSIGN_OR_RETURN(
      std::vector<float> pooled,
      EncodeChunks(column, field, max_sen_len, chunks, std::max<size_t>(rows.size(), 1), &width));
  std::vector<float> pad;
  if (batching == Batching::kSeed) {
    // The seed's batch: T is max_sen_len, or its longest chunk when the bundle is invariant.
    const int64_t tokens = manifest_.padding_invariant ? longest : max_sen_len;
    VERDICT_ASSIGN_OR_RETURN(pad, PaddingChunk(field, tokens));
  }
  bundle::HostTensor means{{n, width}, std::vector<float>(n * width, 0.0f), {}};
  const float* next = pooled.data();
  for (int64_t r = 0; r < n; ++r) {
    const int64_t count = column.ChunkCount(rows[r]);
    float* mean = means.f32.data() + r * width;
    for (int64_t c = 0; c < count; ++c, next += width) {
      for (int64_t h = 0; h < width; ++h) mean[h] += next[h];
    }
    const int64_t divisor = batching == Batching::kSeed ? most : count;
    const auto padding = static_cast<float>(divisor - count);
    for (int64_t h = 0; h < width; ++h) {
      mean[h] = (padding > 0 ? mean[h] + padding * pad[h] : mean[h]) / static_cast<float>(divisor);
    }
  }
  return means;
}

Result<std::vector<float>> ChunkedModel::Run(const features::FeatureBatch& batch,
                                             std::span<const int64_t> rows,
                                             Batching batching) const {
  VERDICT_CHECK(batch.columns.size() == manifest_.inputs.size());
  std::vector<bundle::HostTensor> inputs;
  for (const bundle::HeadInput& input : manifest_.chunk_execution->head_inputs) {
    if (input.kind == bundle::HeadInput::Kind::kTextPooled) {
      VERDICT_ASSIGN_OR_RETURN(bundle::HostTensor means,
                               PooledMeans(batch, rows, input.field, batching));
      inputs.push_back(std::move(means));
      continue;
    }
    VERDICT_ASSIGN_OR_RETURN(size_t index,
                             InputOf(manifest_, input.field, bundle::InputKind::kTabular));
    bundle::HostTensor values{{static_cast<int64_t>(rows.size())}, {}, {}};
    values.f32.reserve(rows.size());
    for (int64_t row : rows) values.f32.push_back(batch.columns[index].values[row]);
    inputs.push_back(std::move(values));
  }
  return programs_.Head(inputs);
}

}  // namespace verdict::infer
