#include "models/workloads/transformer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace footprint::models {
namespace {

/// Weight matrices of a feed-forward block: in and out, plus the gate when gated.
constexpr double kTwoMatrixWeights = 2;
constexpr double kGatedWeights = 3;
/// Multi-head attention's Q and O projections (d x d_attn each), which act on the
/// queries' tokens, and its K and V projections (d x kv_heads d_head each), which
/// cross-attention applies to the encoder's output.
constexpr double kQueryOutputProjections = 2;
constexpr double kKeyValueProjections = 2;
/// FLOPs per multiply-add.
constexpr double kFlopsPerMultiplyAdd = 2;
/// Training = forward + backward = 3 x forward: the backward pass computes gradients with
/// respect to both inputs and weights (Kaplan et al. 2020, sec. 2.1).
constexpr double kTrainingOverForward = 3;

// Optimizer state per parameter.
/// Adam, mixed precision: fp32 master weights, momentum and variance (ZeRO, sec. 3.1).
constexpr double kAdamBytes = 12;
/// Adafactor: fp32 master weights; its factored second moments are O(rows + columns).
constexpr double kAdafactorBytes = 4;
/// SGD with momentum: fp32 master weights and momentum.
constexpr double kSgdMomentumBytes = 8;

// Activations kept for the backward pass, bytes per element: 16-bit values, FP8 linear-layer
// inputs under FP8 compute.
constexpr double kHalfBytes = 2;
constexpr double kFp8Bytes = 1;
/// The dropout mask of materialised attention scores: one byte per score (PyTorch keeps a
/// boolean mask).
constexpr double kDropoutMaskBytes = 1;
/// Layer-norm inputs per layer: before attention and before the feed-forward block.
constexpr double kLayerNorms = 2;

/// Under full sharding (ZeRO-3/FSDP) the layer being computed and the one prefetched are
/// gathered whole.
constexpr double kGatheredLayers = 2;

double as_double(std::int64_t v) {
  return static_cast<double>(v);
}

std::string spec_error(const char* field, std::int64_t value, const char* requirement) {
  return std::string("TransformerSpec.") + field + " " + requirement + " (got " +
         std::to_string(value) + ")";
}

void require_positive(const char* field, std::int64_t value) {
  if (value <= 0) {
    throw std::invalid_argument(spec_error(field, value, "must be positive"));
  }
}

void require_non_negative(const char* field, std::int64_t value) {
  if (value < 0) {
    throw std::invalid_argument(spec_error(field, value, "must not be negative"));
  }
}

/// kv_heads, and the latent attention's ranks.
void validate_attention(const TransformerSpec& s) {
  require_non_negative("kv_heads", s.kv_heads);
  require_non_negative("q_rank", s.q_rank);
  require_non_negative("kv_rank", s.kv_rank);
  require_non_negative("rope_dim", s.rope_dim);
  if (s.attention == AttentionKind::kLatent) {
    if (s.kv_heads != 0) {
      throw std::invalid_argument(spec_error(
          "kv_heads", s.kv_heads,
          "is for multi-head attention; latent attention has no key/value heads (must be 0)"));
    }
    require_positive("kv_rank", s.kv_rank);
    return;
  }
  if (s.kv_heads > 0 && s.heads % s.kv_heads != 0) {
    throw std::invalid_argument("TransformerSpec.kv_heads (" + std::to_string(s.kv_heads) +
                                ") does not divide heads (" + std::to_string(s.heads) + ")");
  }
  const std::array<std::pair<const char*, std::int64_t>, 3> latent_only{
      {{"q_rank", s.q_rank}, {"kv_rank", s.kv_rank}, {"rope_dim", s.rope_dim}}};
  for (const auto& [field, value] : latent_only) {
    if (value != 0) {
      throw std::invalid_argument(spec_error(field, value, "is for latent attention (must be 0)"));
    }
  }
}

/// routing_groups and routing_group_limit: none, or groups dividing the experts and a limit
/// in [1, groups] whose groups hold at least top_k experts.
void validate_routing(const TransformerSpec& s) {
  require_non_negative("routing_groups", s.routing_groups);
  require_non_negative("routing_group_limit", s.routing_group_limit);
  if (s.routing_groups == 0 && s.routing_group_limit == 0) {
    return;
  }
  if (s.experts == 0) {
    throw std::invalid_argument("TransformerSpec.routing_groups is for a model with experts");
  }
  if (s.routing_groups == 0 || s.experts % s.routing_groups != 0) {
    throw std::invalid_argument("TransformerSpec.routing_groups (" +
                                std::to_string(s.routing_groups) + ") must divide experts (" +
                                std::to_string(s.experts) + ")");
  }
  if (s.routing_group_limit < 1 || s.routing_group_limit > s.routing_groups) {
    throw std::invalid_argument("TransformerSpec.routing_group_limit (" +
                                std::to_string(s.routing_group_limit) + ") must be 1 to " +
                                std::to_string(s.routing_groups));
  }
  if (s.routing_group_limit * (s.experts / s.routing_groups) < s.top_k) {
    throw std::invalid_argument("TransformerSpec.routing_group_limit (" +
                                std::to_string(s.routing_group_limit) + ") groups of " +
                                std::to_string(s.experts / s.routing_groups) +
                                " experts hold fewer than top_k (" + std::to_string(s.top_k) + ")");
  }
}

/// shared_experts and dense_layers, with experts > 0.
void validate_expert_layers(const TransformerSpec& s) {
  require_non_negative("shared_experts", s.shared_experts);
  require_non_negative("dense_layers", s.dense_layers);
  const std::int64_t shortest =
      s.encoder_layers > 0 ? std::min(s.encoder_layers, s.decoder_layers) : s.decoder_layers;
  if (s.dense_layers >= shortest) {
    throw std::invalid_argument("TransformerSpec.dense_layers (" + std::to_string(s.dense_layers) +
                                ") leaves a stack without MoE layers: it must be less than " +
                                std::to_string(shortest));
  }
}

void validate(const TransformerSpec& s) {
  require_non_negative("encoder_layers", s.encoder_layers);
  require_positive("decoder_layers", s.decoder_layers);
  require_positive("d_model", s.d_model);
  require_positive("d_ff", s.d_ff);
  require_positive("heads", s.heads);
  require_non_negative("d_head", s.d_head);
  require_positive("vocabulary", s.vocabulary);
  require_positive("sequence", s.sequence);
  require_non_negative("target_sequence", s.target_sequence);
  if (s.d_head == 0 && s.d_model % s.heads != 0) {
    throw std::invalid_argument("TransformerSpec.heads (" + std::to_string(s.heads) +
                                ") does not divide d_model (" + std::to_string(s.d_model) +
                                "); give d_head");
  }
  validate_attention(s);
  if (!(s.attention_dropout >= 0 && s.attention_dropout < 1)) {
    throw std::invalid_argument("TransformerSpec.attention_dropout must be in [0, 1) (got " +
                                std::to_string(s.attention_dropout) + ")");
  }
  if (s.encoder_layers == 0 && s.target_sequence != 0) {
    throw std::invalid_argument(
        spec_error("target_sequence", s.target_sequence,
                   "is for an encoder-decoder, but encoder_layers is 0 (must be 0)"));
  }
  require_non_negative("experts", s.experts);
  if (s.experts > 0) {
    require_positive("top_k", s.top_k);
    if (s.top_k > s.experts) {
      throw std::invalid_argument("TransformerSpec.top_k (" + std::to_string(s.top_k) +
                                  ") exceeds experts (" + std::to_string(s.experts) + ")");
    }
    require_positive("moe_every", s.moe_every);
    require_non_negative("expert_d_ff", s.expert_d_ff);
    validate_expert_layers(s);
    if (!(s.capacity_factor > 0) || !std::isfinite(s.capacity_factor)) {
      throw std::invalid_argument(
          "TransformerSpec.capacity_factor must be positive and finite (got " +
          std::to_string(s.capacity_factor) + ")");
    }
  }
  validate_routing(s);
}

double ffn_weights(FfnKind kind) {
  return kind == FfnKind::kGated ? kGatedWeights : kTwoMatrixWeights;
}

/// Sizes every count derives from, in parameters (all weights, no biases or norms).
struct Blocks {
  bool encoder_decoder = false;
  double d = 0;
  double d_attn = 0;
  double attention = 0;     ///< one attention block's projections
  double attention_kv = 0;  ///< of those, the ones on the keys' and values' tokens
  /// Key/value heads of multi-head attention (0 with latent attention): with more tensor
  /// ranks than these, the K and V projections are replicated.
  double kv_heads = 0;
  double score_width = 0;  ///< query/key width summed over the heads
  double value_width = 0;  ///< value width summed over the heads
  double dense_ffn = 0;    ///< one dense feed-forward block
  double expert = 0;       ///< one expert (routed or shared)
  double router = 0;       ///< one MoE layer's router
  double shared = 0;       ///< one MoE layer's shared experts
  double embedding = 0;    ///< vocabulary x d_model, one copy
  double encoder_tokens = 0;
  double decoder_tokens = 0;
};

Blocks blocks(const TransformerSpec& s) {
  Blocks b;
  b.encoder_decoder = s.encoder_layers > 0;
  b.d = as_double(s.d_model);
  const std::int64_t d_head = s.d_head > 0 ? s.d_head : s.d_model / s.heads;
  b.d_attn = as_double(s.heads) * as_double(d_head);
  if (s.attention == AttentionKind::kLatent) {
    // DeepSeek-V2, sec. 2.1: queries (compressed through q_rank, or not), the key/value
    // latent's down-projection, the shared RoPE key, the keys' and values' up-projections,
    // and the output. Every weight is counted as a matmul (the un-absorbed form).
    const double rope = as_double(s.rope_dim);
    const double heads = as_double(s.heads);
    const double q_rank = as_double(s.q_rank);
    const double kv_rank = as_double(s.kv_rank);
    b.score_width = heads * (as_double(d_head) + rope);
    b.value_width = b.d_attn;
    const double query = s.q_rank > 0 ? b.d * q_rank + q_rank * b.score_width : b.d * b.score_width;
    b.attention_kv = b.d * kv_rank + b.d * rope + kv_rank * b.d_attn + kv_rank * b.d_attn;
    b.attention = query + b.attention_kv + b.d_attn * b.d;
  } else {
    const std::int64_t kv_heads = s.kv_heads > 0 ? s.kv_heads : s.heads;
    const double d_kv = as_double(kv_heads) * as_double(d_head);
    b.kv_heads = as_double(kv_heads);
    b.score_width = b.d_attn;
    b.value_width = b.d_attn;
    b.attention_kv = kKeyValueProjections * b.d * d_kv;
    b.attention = kQueryOutputProjections * b.d * b.d_attn + b.attention_kv;
  }
  b.dense_ffn = ffn_weights(s.ffn) * b.d * as_double(s.d_ff);
  const std::int64_t expert_d_ff = s.expert_d_ff > 0 ? s.expert_d_ff : s.d_ff;
  b.expert = ffn_weights(s.expert_ffn.value_or(s.ffn)) * b.d * as_double(expert_d_ff);
  b.router = b.d * as_double(s.experts);
  b.shared = as_double(s.shared_experts) * b.expert;
  b.embedding = as_double(s.vocabulary) * b.d;
  if (b.encoder_decoder) {
    b.encoder_tokens = as_double(s.sequence);
    b.decoder_tokens = as_double(decoder_sequence(s));
  } else {
    b.decoder_tokens = as_double(s.sequence);
  }
  return b;
}

/// Is layer `index` (0-based, within its own stack) a MoE layer?
bool is_moe(const TransformerSpec& s, std::int64_t index) {
  return s.experts > 0 && index >= s.dense_layers &&
         (index - s.dense_layers + 1) % s.moe_every == 0;
}

/// One layer of the whole model, numbered encoder first, then decoder.
struct Layer {
  double dense = 0;    ///< parameters outside the experts
  double experts = 0;  ///< parameters of all its experts
  double tokens = 0;   ///< tokens per sequence of its stack
  double kv = 0;       ///< of `dense`, the multi-head K and V projections
  bool moe = false;
  bool cross = false;  ///< a decoder layer of an encoder-decoder (cross-attention)
};

Layer layer(const TransformerSpec& s, const Blocks& b, std::int64_t global_index) {
  const bool decoder = global_index >= s.encoder_layers;
  const std::int64_t index = decoder ? global_index - s.encoder_layers : global_index;
  Layer l;
  l.dense = b.attention;
  l.kv = b.kv_heads > 0 ? b.attention_kv : 0;
  if (decoder && b.encoder_decoder) {
    l.dense += b.attention;  // cross-attention
    l.kv += l.kv;
    l.cross = true;
  }
  if (is_moe(s, index)) {
    l.moe = true;
    l.dense += b.router + b.shared;
    l.experts = as_double(s.experts) * b.expert;
  } else {
    l.dense += b.dense_ffn;
  }
  l.tokens = decoder ? b.decoder_tokens : b.encoder_tokens;
  return l;
}

std::string layout_error(const std::string& what) {
  return "device_memory: " + what;
}

void validate(const TransformerSpec& s, const ParallelLayout& p, const TrainingPrecision& precision,
              double sequences_per_step, std::int64_t layers) {
  const auto at_least_one = [](const char* field, std::int64_t v) {
    if (v < 1) {
      throw std::invalid_argument(layout_error(std::string("ParallelLayout.") + field +
                                               " must be at least 1 (got " + std::to_string(v) +
                                               ")"));
    }
  };
  at_least_one("data", p.data);
  at_least_one("tensor", p.tensor);
  at_least_one("pipeline", p.pipeline);
  at_least_one("expert", p.expert);
  at_least_one("microbatches", p.microbatches);
  at_least_one("context", p.context);
  at_least_one("virtual_stages", p.virtual_stages);
  if (p.virtual_stages > 1 && p.pipeline == 1) {
    throw std::invalid_argument(layout_error("virtual_stages (" + std::to_string(p.virtual_stages) +
                                             ") needs pipeline > 1"));
  }
  const std::int64_t decoder_tokens = decoder_sequence(s);
  if (s.sequence % p.context != 0 || decoder_tokens % p.context != 0) {
    throw std::invalid_argument(layout_error("context (" + std::to_string(p.context) +
                                             ") does not divide the sequence (" +
                                             std::to_string(s.sequence) + ")"));
  }
  if (precision.shard_group < 0 ||
      (precision.shard_group > 0 && (p.data * p.context) % precision.shard_group != 0)) {
    throw std::invalid_argument(layout_error(
        "shard_group (" + std::to_string(precision.shard_group) +
        ") does not divide data x context (" + std::to_string(p.data * p.context) + ")"));
  }
  if (s.heads % p.tensor != 0) {
    throw std::invalid_argument(layout_error("tensor (" + std::to_string(p.tensor) +
                                             ") does not divide heads (" + std::to_string(s.heads) +
                                             ")"));
  }
  if (p.pipeline * p.virtual_stages > layers) {
    throw std::invalid_argument(
        layout_error("pipeline x virtual_stages (" + std::to_string(p.pipeline * p.virtual_stages) +
                     ") exceeds the layers (" + std::to_string(layers) + ")"));
  }
  if (precision.offload_layers < 0 || precision.offload_layers >= layers / p.pipeline) {
    throw std::invalid_argument(
        layout_error("offload_layers (" + std::to_string(precision.offload_layers) +
                     ") must be 0 or more and below the layers of the smallest pipeline stage (" +
                     std::to_string(layers / p.pipeline) + ")"));
  }
  if (s.experts == 0) {
    if (p.expert != 1) {
      throw std::invalid_argument(layout_error("expert (" + std::to_string(p.expert) +
                                               ") must be 1 for a model without experts"));
    }
  } else {
    if (p.data % p.expert != 0) {
      throw std::invalid_argument(layout_error("expert (" + std::to_string(p.expert) +
                                               ") does not divide data (" + std::to_string(p.data) +
                                               ")"));
    }
    if (s.experts % p.expert != 0) {
      throw std::invalid_argument(layout_error("expert (" + std::to_string(p.expert) +
                                               ") does not divide experts (" +
                                               std::to_string(s.experts) + ")"));
    }
  }
  if (!(sequences_per_step > 0) || !std::isfinite(sequences_per_step)) {
    throw std::invalid_argument(
        layout_error("sequences_per_step must be positive and finite (got " +
                     std::to_string(sequences_per_step) + ")"));
  }
  const auto bytes = [](const char* field, double v) {
    if (!(v >= 0) || !std::isfinite(v)) {
      throw std::invalid_argument(layout_error(std::string("TrainingPrecision.") + field +
                                               " must be finite and not negative (got " +
                                               std::to_string(v) + ")"));
    }
  };
  bytes("parameter_bytes", precision.parameter_bytes);
  bytes("gradient_bytes", precision.gradient_bytes);
}

}  // namespace

std::int64_t moe_layers_in_stack(const TransformerSpec& spec, std::int64_t stack_layers) {
  if (spec.experts == 0 || stack_layers <= spec.dense_layers) {
    return 0;
  }
  return (stack_layers - spec.dense_layers) / spec.moe_every;
}

TransformerCounts count_transformer(const TransformerSpec& spec) {
  validate(spec);
  const Blocks b = blocks(spec);
  TransformerCounts c;
  const std::int64_t moe_encoder = moe_layers_in_stack(spec, spec.encoder_layers);
  const std::int64_t moe_decoder = moe_layers_in_stack(spec, spec.decoder_layers);
  c.layers = spec.encoder_layers + spec.decoder_layers;
  c.moe_layers = moe_encoder + moe_decoder;
  c.dense_ffn_layers = c.layers - c.moe_layers;
  c.decoder_tokens_per_sequence = decoder_sequence(spec);
  c.tokens_per_sequence =
      b.encoder_decoder ? spec.sequence + c.decoder_tokens_per_sequence : spec.sequence;

  const double encoder_layers = as_double(spec.encoder_layers);
  const double decoder_layers = as_double(spec.decoder_layers);
  const double moe_layers = as_double(c.moe_layers);
  const double top_k = as_double(spec.top_k);
  const double attention_blocks =
      encoder_layers + decoder_layers + (b.encoder_decoder ? decoder_layers : 0);

  c.embedding_parameters = b.embedding * (spec.tied_embeddings ? 1 : 2);
  c.expert_parameters = moe_layers * as_double(spec.experts) * b.expert;
  c.dense_parameters = c.embedding_parameters + attention_blocks * b.attention +
                       as_double(c.dense_ffn_layers) * b.dense_ffn + moe_layers * b.router +
                       moe_layers * b.shared;
  c.parameters = c.dense_parameters + c.expert_parameters;
  c.active_parameters = c.dense_parameters + moe_layers * top_k * b.expert;

  // Weights one token meets in a stack's feed-forward blocks: dense blocks, or top_k
  // experts, the router and the shared experts.
  const auto ffn_used = [&](std::int64_t stack_layers, std::int64_t stack_moe) {
    return as_double(stack_layers - stack_moe) * b.dense_ffn +
           as_double(stack_moe) * (top_k * b.expert + b.router + b.shared);
  };
  const double encoder_weights_per_token =
      encoder_layers * b.attention + ffn_used(spec.encoder_layers, moe_encoder);
  double decoder_weights_per_token =
      decoder_layers * b.attention + ffn_used(spec.decoder_layers, moe_decoder) + b.embedding;
  double cross_kv_weights_per_encoder_token = 0;
  if (b.encoder_decoder) {
    decoder_weights_per_token += decoder_layers * (b.attention - b.attention_kv);
    cross_kv_weights_per_encoder_token = decoder_layers * b.attention_kv;
  }
  c.forward_matmul_flops_per_sequence =
      kFlopsPerMultiplyAdd *
      (b.encoder_tokens * (encoder_weights_per_token + cross_kv_weights_per_encoder_token) +
       b.decoder_tokens * decoder_weights_per_token);

  // Token x context pairs over all attention blocks: all pairs for the encoder's
  // self-attention and for cross-attention, the causal half (s (s + 1) / 2) for the
  // decoder's self-attention.
  const auto causal = [](double s) { return s * (s + 1) / 2; };
  double pairs = encoder_layers * b.encoder_tokens * b.encoder_tokens +
                 decoder_layers * causal(b.decoder_tokens);
  if (b.encoder_decoder) {
    pairs += decoder_layers * b.decoder_tokens * b.encoder_tokens;
  }
  const double full_pairs =
      pairs + decoder_layers * (b.decoder_tokens * b.decoder_tokens - causal(b.decoder_tokens));
  // Per token and context position: the scores Q K^T and the weighted sum of V.
  c.forward_attention_flops_per_sequence =
      kFlopsPerMultiplyAdd * (b.score_width + b.value_width) * pairs;
  c.full_forward_attention_flops_per_sequence =
      kFlopsPerMultiplyAdd * (b.score_width + b.value_width) * full_pairs;

  c.training_flops_per_token =
      kTrainingOverForward *
      (c.forward_matmul_flops_per_sequence + c.forward_attention_flops_per_sequence) /
      as_double(c.tokens_per_sequence);
  return c;
}

double TrainingPrecision::optimizer_bytes() const {
  switch (optimizer) {
    case Optimizer::kAdam:
      return kAdamBytes;
    case Optimizer::kAdafactor:
      return kAdafactorBytes;
    case Optimizer::kSgdMomentum:
      return kSgdMomentumBytes;
  }
  throw std::invalid_argument("TrainingPrecision.optimizer is not a known optimizer");
}

namespace {

/// Width of the keys and values one token keeps: the latent attention's expanded keys (as
/// wide as the queries) and values, or 2 x kv_heads x d_head.
double kept_kv_width(const TransformerSpec& spec, const Blocks& b) {
  if (spec.attention == AttentionKind::kLatent) {
    return b.score_width + b.value_width;
  }
  return 2 * b.kv_heads * (b.d_attn / as_double(spec.heads));
}

/// Recompute::kDots: the layer's input and, in 16 bits, the output of every matmul with
/// the weights: Q, K and V (the latent attention's expanded widths), the attention's output
/// projection, the feed-forward block's up projections (two for a gated block) and its
/// down projection, for each expert a token uses. Scores, softmax, activations and layer
/// norms are recomputed.
double dots_bytes_per_token(const TransformerSpec& spec, const Blocks& b, bool moe_layer,
                            bool cross_attention) {
  const double attention = kHalfBytes * (b.score_width + kept_kv_width(spec, b) + b.d);
  const auto ffn = [&](FfnKind kind, double width) {
    const double ups = kind == FfnKind::kGated ? 2 : 1;
    return kHalfBytes * (ups * width + b.d);
  };
  double feed_forward = 0;
  if (moe_layer) {
    const FfnKind kind = spec.expert_ffn.value_or(spec.ffn);
    const double width = as_double(spec.expert_d_ff > 0 ? spec.expert_d_ff : spec.d_ff);
    feed_forward = ffn(kind, width) * as_double(spec.top_k + spec.shared_experts);
  } else {
    feed_forward = ffn(spec.ffn, as_double(spec.d_ff));
  }
  return kHalfBytes * b.d + attention * (cross_attention ? 2 : 1) + feed_forward;
}

}  // namespace

double materialised_score_bytes_per_token(const TransformerSpec& spec) {
  if (spec.scores != AttentionScores::kMaterialised) {
    return 0;
  }
  const double per_key =
      kHalfBytes + (spec.attention_dropout > 0 ? kDropoutMaskBytes + kHalfBytes : 0.0);
  return per_key * as_double(spec.heads) * as_double(spec.sequence);
}

double activation_bytes_per_token(const TransformerSpec& spec, bool moe_layer, bool cross_attention,
                                  ComputeFormat compute, Recompute recompute) {
  const Blocks b = blocks(spec);
  if (recompute == Recompute::kFull) {
    return kHalfBytes * b.d;
  }
  if (recompute == Recompute::kDots) {
    return dots_bytes_per_token(spec, b, moe_layer, cross_attention);
  }
  const double linear_input = compute == ComputeFormat::kFp8 ? kFp8Bytes : kHalfBytes;
  const double kv_width = kept_kv_width(spec, b);
  const double attention =
      linear_input * b.d + kHalfBytes * (b.score_width + kv_width) + linear_input * b.d_attn;
  const auto hidden = [&](FfnKind kind, double width) {
    // The activation's inputs (1 for a two-matrix block, 2 for a gated one), 16-bit, and
    // the second matrix's input.
    const double activation_inputs = kind == FfnKind::kGated ? 2 : 1;
    return kHalfBytes * activation_inputs * width + linear_input * width;
  };
  double ffn = linear_input * b.d;
  if (moe_layer) {
    const FfnKind kind = spec.expert_ffn.value_or(spec.ffn);
    const double width = as_double(spec.expert_d_ff > 0 ? spec.expert_d_ff : spec.d_ff);
    const double used = as_double(spec.top_k + spec.shared_experts);
    ffn += hidden(kind, width) * used + kHalfBytes * as_double(spec.top_k) * b.d;
  } else {
    ffn += hidden(spec.ffn, as_double(spec.d_ff));
  }
  // Materialised scores kept for the backward pass without recomputation (Korthikanti et
  // al. 2022, section 4.1: the softmax output, and with dropout its mask and output, per
  // head and key; selective recomputation recomputes exactly these): the keys of a block
  // taken as the whole sequence.
  const double scores =
      recompute == Recompute::kNone ? materialised_score_bytes_per_token(spec) : 0.0;
  return kLayerNorms * kHalfBytes * b.d + (attention + scores) * (cross_attention ? 2 : 1) + ffn;
}

std::int64_t shard_degree(const ParallelLayout& layout, const TrainingPrecision& precision) {
  if (precision.shard == Sharding::kNone) {
    return 1;
  }
  return precision.shard_group > 0 ? precision.shard_group : layout.data * layout.context;
}

DeviceMemory device_memory(const TransformerSpec& spec, const ParallelLayout& layout,
                           const TrainingPrecision& precision, double sequences_per_step) {
  const TransformerCounts counts = count_transformer(spec);  // validates the spec
  validate(spec, layout, precision, sequences_per_step, counts.layers);
  const Blocks b = blocks(spec);

  const double tensor = as_double(layout.tensor);
  // K and V projections are split over at most kv_heads ranks (replicated beyond).
  const double kv_split = b.kv_heads > 0 ? std::min(tensor, b.kv_heads) : tensor;
  const double expert_split = as_double(layout.expert) * tensor;
  // Sharding: the dense weights over the shard group; each expert's over its replicas in
  // the group (the group's share of the data x context / expert replicas), at least 1.
  const double degree = as_double(shard_degree(layout, precision));
  const double expert_degree =
      std::max(1.0, degree / as_double(layout.data * layout.context) *
                        as_double(layout.data * layout.context / layout.expert));
  const auto sharded = [&](Sharding level) { return precision.shard >= level; };
  const double microbatch_sequences =
      sequences_per_step / (as_double(layout.data) * as_double(layout.microbatches));
  const double context = as_double(layout.context);
  // Bytes per token of each kind of layer (dense or MoE, with or without cross-attention),
  // once, not per layer.
  std::array<std::array<double, 2>, 2> per_token{};
  for (const bool moe : {false, true}) {
    for (const bool cross : {false, true}) {
      per_token[moe ? 1 : 0][cross ? 1 : 0] =
          activation_bytes_per_token(spec, moe, cross, precision.compute, precision.recompute);
    }
  }
  const auto activation_bytes = [&](const Layer& l) {
    return per_token[l.moe ? 1 : 0][l.cross ? 1 : 0] * (l.tokens / context) * microbatch_sequences /
           tensor;
  };

  const std::int64_t stages = layout.pipeline;
  const std::int64_t per_stage = counts.layers / stages;
  const std::int64_t with_one_more = counts.layers % stages;
  // The layers left over go one each to stages 1, 2, ..., so the last stage takes one only
  // when every stage after the first does: the first stage keeps the most microbatches in
  // flight and the input embedding, the last the output projection (Dubey et al. 2024,
  // sec. 3.3.2: Llama 3's first and last stages hold one layer fewer).
  const auto one_more = [&](std::int64_t stage) { return stage >= 1 && stage <= with_one_more; };
  // Interleaving keeps more microbatches in flight on the first stage (Korthikanti et al.
  // 2022, section 4.2.3): L (1 + (p - 1) / (p v)) layers' worth instead of L.
  const double interleave =
      layout.virtual_stages > 1
          ? 1.0 + as_double(stages - 1) / (as_double(stages) * as_double(layout.virtual_stages))
          : 1.0;
  DeviceMemory most;
  double most_offloaded = 0;
  std::int64_t next_layer = 0;
  for (std::int64_t stage = 0; stage < stages; ++stage) {
    const std::int64_t stage_layers = per_stage + (one_more(stage) ? 1 : 0);
    double dense_here = 0;
    double experts = 0;
    double largest_layer = 0;
    double activations_per_microbatch = 0;
    double offloaded_per_microbatch = 0;
    double copy_buffer = 0;  // the largest offloaded layer's, while it is copied
    for (std::int64_t i = next_layer; i < next_layer + stage_layers; ++i) {
      const Layer l = layer(spec, b, i);
      const double here = (l.dense - l.kv) / tensor + l.kv / kv_split;
      dense_here += here;
      experts += l.experts;
      largest_layer = std::max(largest_layer, here + l.experts / expert_split);
      if (i - next_layer < precision.offload_layers) {
        offloaded_per_microbatch += activation_bytes(l);
        copy_buffer = std::max(copy_buffer, activation_bytes(l));
      } else {
        activations_per_microbatch += activation_bytes(l);
      }
    }
    next_layer += stage_layers;
    if (stage == 0) {
      dense_here += b.embedding / tensor;  // input embedding
    }
    if (stage == stages - 1 && (!spec.tied_embeddings || stages > 1)) {
      dense_here += b.embedding / tensor;  // output projection, or the tied embedding's copy
    }
    const double experts_here = experts / expert_split;
    const std::int64_t in_flight = std::min(stages - stage, layout.microbatches);
    const double dense_kept = dense_here / (sharded(Sharding::kParameters) ? degree : 1.0);
    const double experts_kept =
        experts_here / (sharded(Sharding::kParameters) ? expert_degree : 1.0);

    DeviceMemory m;
    m.parameters = (dense_kept + experts_kept) * precision.parameter_bytes;
    if (sharded(Sharding::kParameters)) {
      m.parameters += kGatheredLayers * largest_layer * precision.parameter_bytes;
    }
    m.gradients = (dense_here / (sharded(Sharding::kGradients) ? degree : 1.0) +
                   experts_here / (sharded(Sharding::kGradients) ? expert_degree : 1.0)) *
                  precision.gradient_bytes;
    m.optimizer = (dense_here / (sharded(Sharding::kOptimizer) ? degree : 1.0) +
                   experts_here / (sharded(Sharding::kOptimizer) ? expert_degree : 1.0)) *
                  precision.optimizer_bytes();
    const double microbatches_kept = as_double(in_flight) * (stage == 0 ? interleave : 1.0);
    m.activations = activations_per_microbatch * microbatches_kept + copy_buffer;
    m.offloaded = offloaded_per_microbatch * microbatches_kept;
    if (stage == 0 || m.total() > most.total()) {
      most = m;
    }
    most_offloaded = std::max(most_offloaded, m.offloaded);
  }
  most.offloaded = most_offloaded;  // host memory: the stage that offloads the most
  return most;
}

}  // namespace footprint::models
