#include "infer/chunked.h"

#include <algorithm>
#include <limits>
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

// What one encoder call costs beyond its padded tokens, in tokens: measured on MiniLM-L6 on 2 CPU
// threads, a call of 16 chunks of 128 tokens costs about 3 chunks more than a quarter of a call
// of 64.
constexpr int64_t kCallOverheadTokens = 512;

// The ends of the encoder calls over chunks of sorted `lengths` (each call runs consecutive
// chunks, padded to `tokens(longest)`, at most `per_call` of them) that minimise the padded tokens
// plus kCallOverheadTokens per call: one call when the lengths are alike, several when short and
// long chunks would otherwise pad to the longest.
template <typename Tokens>
std::vector<size_t> CallEnds(const std::vector<int64_t>& lengths, size_t per_call,
                             const Tokens& tokens) {
  const size_t n = lengths.size();
  std::vector<int64_t> cost(n + 1, 0);  // cost[j]: the best cost of the first j chunks
  std::vector<size_t> start(n + 1, 0);  // where the last call of that best starts
  for (size_t j = 1; j <= n; ++j) {
    cost[j] = std::numeric_limits<int64_t>::max();
    for (size_t i = j; i-- > 0 && j - i <= per_call;) {
      const int64_t candidate =
          cost[i] + static_cast<int64_t>(j - i) * tokens(lengths[j - 1]) + kCallOverheadTokens;
      if (candidate < cost[j]) {
        cost[j] = candidate;
        start[j] = i;
      }
    }
  }
  std::vector<size_t> ends;
  for (size_t j = n; j > 0; j = start[j]) ends.push_back(j);
  std::reverse(ends.begin(), ends.end());
  return ends;
}

}  // namespace

Result<ChunkedModel> ChunkedModel::Load(const bundle::Manifest& manifest,
                                        const bundle::Device& device, bundle::Precision precision) {
  VERDICT_ASSIGN_OR_RETURN(bundle::ChunkPrograms programs,
                           bundle::ChunkPrograms::Load(manifest, device, precision));
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
  // Sorted by length and cut into calls of alike lengths, so that each call pads little.
  std::vector<size_t> order(chunks.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return column.ChunkLength(chunks[a]) < column.ChunkLength(chunks[b]);
  });
  std::vector<int64_t> lengths;
  lengths.reserve(order.size());
  for (size_t i : order) lengths.push_back(column.ChunkLength(chunks[i]));
  const bool dynamic = manifest_.chunk_execution->padding_invariant;
  auto tokens = [&](int64_t longest) { return dynamic ? longest : std::max(longest, max_sen_len); };
  std::vector<float> pooled;
  *width = 0;
  size_t start = 0;
  for (size_t end : CallEnds(lengths, per_call, tokens)) {
    std::vector<int64_t> call;
    call.reserve(end - start);
    for (size_t i = start; i < end; ++i) call.push_back(chunks[order[i]]);
    const int64_t padded = tokens(lengths[end - 1]);
    auto encode = [&](int64_t begin, int64_t stop) -> Result<std::vector<float>> {
      auto [ids, mask] =
          CollateChunks(column, std::span(call).subspan(begin, stop - begin), padded);
      VERDICT_ASSIGN_OR_RETURN(bundle::HostTensor out, programs_.Encode(field, ids, mask));
      *width = out.shape[1];
      return std::move(out.f32);
    };
    VERDICT_ASSIGN_OR_RETURN(std::vector<float> out,
                             encoder_backoff_->Run(static_cast<int64_t>(call.size()), encode));
    if (pooled.empty()) pooled.assign(chunks.size() * *width, 0.0f);
    for (size_t i = start; i < end; ++i) {
      std::copy_n(out.begin() + (i - start) * *width, *width, pooled.begin() + order[i] * *width);
    }
    start = end;
  }
  return pooled;
}

Result<std::vector<bundle::HostTensor>> ChunkedModel::PooledMeans(
    const features::FeatureBatch& batch, std::span<const std::vector<int64_t>> batches,
    const std::string& field, Batching batching) const {
  VERDICT_ASSIGN_OR_RETURN(size_t input, InputOf(manifest_, field, bundle::InputKind::kTextIds));
  const features::FeatureColumn& column = batch.columns[input];
  std::vector<int64_t> chunks;  // every real chunk of the rows, batch by batch and row by row
  size_t per_call = 1;
  for (const std::vector<int64_t>& rows : batches) {
    per_call = std::max(per_call, rows.size());
    for (int64_t row : rows) {
      if (column.ChunkCount(row) == 0) {
        return InvalidArgument("row " + std::to_string(row + 1) + " of text field " + Quote(field) +
                               " has no chunk");
      }
      for (int64_t c = 0; c < column.ChunkCount(row); ++c) {
        chunks.push_back(column.FirstChunk(row) + c);
      }
    }
  }
  const int64_t max_sen_len = MaxSenLen(manifest_, field);
  int64_t width = 0;
  VERDICT_ASSIGN_OR_RETURN(std::vector<float> pooled,
                           EncodeChunks(column, field, max_sen_len, chunks, per_call, &width));
  std::vector<bundle::HostTensor> means;
  means.reserve(batches.size());
  const float* next = pooled.data();
  for (const std::vector<int64_t>& rows : batches) {
    VERDICT_ASSIGN_OR_RETURN(bundle::HostTensor batch_means,
                             BatchMeans(column, field, rows, batching, next, width));
    means.push_back(std::move(batch_means));
    for (int64_t row : rows) next += column.ChunkCount(row) * width;
  }
  return means;
}

Result<bundle::HostTensor> ChunkedModel::BatchMeans(const features::FeatureColumn& column,
                                                    const std::string& field,
                                                    std::span<const int64_t> rows,
                                                    Batching batching, const float* pooled,
                                                    int64_t width) const {
  const auto n = static_cast<int64_t>(rows.size());
  int64_t most = 0, longest = 0;
  for (int64_t row : rows) {
    most = std::max(most, column.ChunkCount(row));
    longest = std::max(longest, column.LongestChunk(row));
  }
  std::vector<float> pad;
  if (batching == Batching::kSeed) {
    // The seed's batch: T is max_sen_len, or its longest chunk when the bundle is invariant.
    const int64_t tokens = manifest_.padding_invariant ? longest : MaxSenLen(manifest_, field);
    VERDICT_ASSIGN_OR_RETURN(pad, PaddingChunk(field, tokens));
  }
  bundle::HostTensor means{{n, width}, std::vector<float>(n * width, 0.0f), {}};
  for (int64_t r = 0; r < n; ++r) {
    const int64_t count = column.ChunkCount(rows[r]);
    float* mean = means.f32.data() + r * width;
    for (int64_t c = 0; c < count; ++c, pooled += width) {
      for (int64_t h = 0; h < width; ++h) mean[h] += pooled[h];
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
  const std::vector<std::vector<int64_t>> one = {std::vector<int64_t>(rows.begin(), rows.end())};
  VERDICT_ASSIGN_OR_RETURN(std::vector<std::vector<float>> probabilities,
                           RunBatches(batch, one, batching));
  return std::move(probabilities.front());
}

Result<std::vector<std::vector<float>>> ChunkedModel::RunBatches(
    const features::FeatureBatch& batch, std::span<const std::vector<int64_t>> batches,
    Batching batching) const {
  VERDICT_CHECK(batch.columns.size() == manifest_.inputs.size());
  const std::vector<bundle::HeadInput>& head_inputs = manifest_.chunk_execution->head_inputs;
  // inputs[b][i]: head input i of batch b.
  std::vector<std::vector<bundle::HostTensor>> inputs(batches.size());
  for (const bundle::HeadInput& input : head_inputs) {
    if (input.kind == bundle::HeadInput::Kind::kTextPooled) {
      VERDICT_ASSIGN_OR_RETURN(std::vector<bundle::HostTensor> means,
                               PooledMeans(batch, batches, input.field, batching));
      for (size_t b = 0; b < batches.size(); ++b) inputs[b].push_back(std::move(means[b]));
      continue;
    }
    VERDICT_ASSIGN_OR_RETURN(size_t index,
                             InputOf(manifest_, input.field, bundle::InputKind::kTabular));
    for (size_t b = 0; b < batches.size(); ++b) {
      bundle::HostTensor values{{static_cast<int64_t>(batches[b].size())}, {}, {}};
      values.f32.reserve(batches[b].size());
      for (int64_t row : batches[b]) values.f32.push_back(batch.columns[index].values[row]);
      inputs[b].push_back(std::move(values));
    }
  }
  std::vector<std::vector<float>> probabilities;
  probabilities.reserve(batches.size());
  for (const std::vector<bundle::HostTensor>& head : inputs) {
    VERDICT_ASSIGN_OR_RETURN(std::vector<float> out, programs_.Head(head));
    probabilities.push_back(std::move(out));
  }
  return probabilities;
}

}  // namespace verdict::infer
