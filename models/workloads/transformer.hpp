// Transformer architectures, dense and mixture-of-experts, from first principles:
// parameter counts, active parameters per token, FLOPs per token from the matmuls and the
// attention, and the memory a device needs under a parallel layout. docs/models.md
// ("Transformer architectures") has every equation, its source and its limits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace footprint::models {

/// Feed-forward block: two matrices (d -> d_ff -> d, ReLU/GELU) or three (gated: GLU,
/// GEGLU, SwiGLU).
enum class FfnKind { kTwoMatrix, kGated };

/// Attention block: multi-head (Vaswani et al. 2017), with `kv_heads` < `heads` grouped-query
/// (Ainslie et al. 2023) or, with 1, multi-query (Shazeer 2019); or DeepSeek's multi-head
/// latent attention (DeepSeek-V2, arXiv 2405.04434, sec. 2.1), whose keys and values come
/// from a compressed latent of `kv_rank` and whose queries and keys carry `rope_dim` more
/// dimensions per head for the decoupled rotary position embedding.
enum class AttentionKind { kMultiHead, kLatent };

/// Where attention's query-key scores go. kFused: FlashAttention-style kernels (Dao et al.
/// 2022) keep them on chip and skip the masked half of causal attention. kMaterialised:
/// a batched matmul writes every score (the masked half too) to device memory, a softmax
/// kernel (scale, mask and softmax fused, as Megatron-LM's) reads and rewrites them, and,
/// with attention dropout, a dropout kernel reads them again and writes them with a
/// one-byte mask; the backward pass reads and writes them once more per kernel. So ran
/// Megatron-LM, Megatron-DeepSpeed and DeepSpeed before FlashAttention (2022).
enum class AttentionScores { kFused, kMaterialised };

/// A transformer. Decoder-only: `decoder_layers` > 0, `encoder_layers` = 0. Encoder-decoder:
/// both > 0; each decoder layer then also has cross-attention over the encoder's output.
struct TransformerSpec {
  std::int64_t encoder_layers = 0;
  std::int64_t decoder_layers = 0;
  std::int64_t d_model = 0;
  std::int64_t d_ff = 0;  ///< hidden size of a dense feed-forward block
  std::int64_t heads = 0;
  std::int64_t d_head = 0;  ///< 0: d_model / heads (with kLatent: the value width d_h)
  /// Key/value heads of multi-head attention, dividing `heads`; 0: heads. Only with
  /// kMultiHead.
  std::int64_t kv_heads = 0;
  AttentionKind attention = AttentionKind::kMultiHead;
  // kLatent only: the query's compressed rank (0: queries are not compressed), the
  // keys' and values' compressed rank (>= 1), and the decoupled RoPE width per head.
  std::int64_t q_rank = 0;
  std::int64_t kv_rank = 0;
  std::int64_t rope_dim = 0;
  AttentionScores scores = AttentionScores::kFused;
  /// Attention dropout probability, in [0, 1): with materialised scores, more than 0 adds
  /// the dropout kernel's traffic (and, kept for the backward pass, its output and mask).
  double attention_dropout = 0;
  std::int64_t vocabulary = 0;
  std::int64_t sequence = 0;         ///< tokens per sequence (encoder input, or the decoder's)
  std::int64_t target_sequence = 0;  ///< encoder-decoder: decoder tokens (0: = sequence)
  FfnKind ffn = FfnKind::kTwoMatrix;
  bool tied_embeddings = true;  ///< the output projection reuses the input embedding
  // Mixture of experts: experts > 0 makes every `moe_every`-th feed-forward block of each
  // stack after its first `dense_layers` (encoder and decoder counted separately: 0-based
  // layers dense_layers + moe_every - 1, dense_layers + 2 moe_every - 1, ...; every one
  // after the dense ones with 1) a layer of `experts` routed experts of hidden size
  // `expert_d_ff` (0: d_ff), of which each token uses `top_k`, plus `shared_experts` of
  // the same size that every token uses (DeepSeekMoE, Dai et al. 2024), plus a d_model x
  // experts router.
  std::int64_t experts = 0;
  std::int64_t top_k = 1;
  std::int64_t moe_every = 2;
  std::int64_t expert_d_ff = 0;
  std::int64_t shared_experts = 0;
  std::int64_t dense_layers = 0;  ///< the first layers of each stack: dense feed-forward
  /// The experts' feed-forward kind; unset: `ffn`. GLaM gates only its dense blocks (Du et
  /// al. 2022, "Model architecture": GLU in "the non-MoE Transformer feed-forward
  /// sub-layers"), so its experts are two-matrix.
  std::optional<FfnKind> expert_ffn;
  double capacity_factor = 1.0;  ///< expert capacity = factor x tokens x top_k / experts
  /// Group-limited routing (DeepSeek-V2's device-limited and DeepSeek-V3's node-limited
  /// routing; Hugging Face configs' n_group and topk_group): a MoE layer's experts lie in
  /// `routing_groups` equal groups and each token's top_k are chosen within at most
  /// `routing_group_limit` of them. 0 and 0: no limit. It changes no FLOP or parameter; a
  /// dispatch that sends each token once per scale-up domain (step_model.hpp,
  /// ExpertDispatch) crosses the scale-out network to fewer domains.
  std::int64_t routing_groups = 0;
  std::int64_t routing_group_limit = 0;
};

/// What the architecture implies. Parameter counts leave out biases and layer norms
/// (about 0.1 % or less of any model here) and position embeddings (learned ones are
/// 0.01 % of GPT-3 175B but 1.3 % of GPT-3 Small; relative position biases are tiny).
/// FLOPs count a multiply-add as 2.
struct TransformerCounts {
  double parameters = 0;            ///< all
  double embedding_parameters = 0;  ///< vocabulary x d_model (x2 when not tied)
  /// All routed experts of all MoE layers (routers and shared experts excluded).
  double expert_parameters = 0;
  /// parameters - expert_parameters (embeddings, routers and shared experts included).
  double dense_parameters = 0;
  double active_parameters = 0;  ///< used per token: dense + top_k experts per MoE layer
  std::int64_t moe_layers = 0;   ///< feed-forward blocks that are MoE
  std::int64_t dense_ffn_layers = 0;
  std::int64_t layers = 0;  ///< encoder + decoder layers
  /// Tokens per sequence: sequence (+ target_sequence for an encoder-decoder).
  std::int64_t tokens_per_sequence = 0;
  /// The decoder's tokens per sequence (target_sequence, else sequence): those that get
  /// logits and a loss.
  std::int64_t decoder_tokens_per_sequence = 0;
  /// Forward FLOPs of one sequence, by kind: matmuls with the weights, 2 per weight per
  /// token that uses it (the output logits, 2 x d_model x vocabulary per output token,
  /// even with tied embeddings; the embedding lookup is free; a MoE block counts its
  /// top_k experts and its router; cross-attention's Q and O projections act on decoder
  /// tokens, its K and V projections on encoder tokens), and attention's score and value
  /// products (2 x 2 x context x d_attn per token per attention block, d_attn = heads x
  /// d_head, whatever kv_heads; with kLatent 2 x context x heads (d_head + rope_dim) for
  /// the scores and 2 x context x heads x d_head for the values). The context of a token is
  /// what it attends to: the whole other sequence for cross-attention and encoder
  /// self-attention, the tokens up to itself for the decoder's causal self-attention
  /// (s (s + 1) / 2 pairs per sequence of s tokens, not s^2: the masked half is not
  /// computed by fused attention kernels).
  double forward_matmul_flops_per_sequence = 0;
  double forward_attention_flops_per_sequence = 0;
  /// forward_attention_flops_per_sequence over every query-key pair, the masked half of the
  /// decoder's causal self-attention included (s^2 per block of s tokens: what materialised
  /// scores compute).
  double full_forward_attention_flops_per_sequence = 0;
  /// Training (forward + backward = 3 x forward) FLOPs per token, all kinds.
  double training_flops_per_token = 0;
};

/// Throws std::invalid_argument naming the field for an inconsistent spec (sizes not
/// positive, heads not dividing d_model when d_head is 0, kv_heads not dividing heads,
/// top_k > experts, ...).
TransformerCounts count_transformer(const TransformerSpec& spec);

/// The decoder's tokens per sequence: target_sequence when given (an encoder-decoder),
/// else sequence.
[[nodiscard]] inline std::int64_t decoder_sequence(const TransformerSpec& s) {
  return s.target_sequence > 0 ? s.target_sequence : s.sequence;
}

/// The MoE feed-forward blocks of a stack of `stack_layers` layers (0 without experts):
/// (stack_layers - dense_layers) / moe_every, at least 0.
std::int64_t moe_layers_in_stack(const TransformerSpec& spec, std::int64_t stack_layers);

/// How the work of a step is spread: data x tensor x pipeline x context = devices.
/// Tensor parallelism (Megatron, with sequence parallelism whenever tensor > 1) splits
/// every layer's weights; context parallelism (ring attention) splits each sequence's
/// tokens; pipeline parallelism splits the layers into stages, each stage into
/// `virtual_stages` chunks (the interleaved schedule; 1 is plain 1F1B); experts are spread
/// over `expert` devices of the data-parallel dimension (1 <= expert <= data, dividing
/// it, and dividing the number of experts); the global batch of each step is split into
/// `microbatches` per data-parallel replica.
struct ParallelLayout {
  std::int64_t data = 1;
  std::int64_t tensor = 1;
  std::int64_t pipeline = 1;
  std::int64_t context = 1;
  std::int64_t expert = 1;
  std::int64_t microbatches = 1;
  std::int64_t virtual_stages = 1;
  [[nodiscard]] std::int64_t devices() const { return data * tensor * pipeline * context; }
  friend bool operator==(const ParallelLayout&, const ParallelLayout&) = default;
};

enum class Optimizer { kAdam, kAdafactor, kSgdMomentum };

/// The number format of the matmuls: the chip's 16-bit format (BF16, or FP16 on chips
/// without BF16), or FP8 (Transformer Engine style: the linear layers' matmuls in FP8,
/// attention's products in 16 bits).
enum class ComputeFormat { k16Bit, kFp8 };

/// Activation recomputation: none; selective (Korthikanti et al. 2022: the attention
/// products are recomputed in the backward pass); full (each layer's forward pass is run
/// again in the backward pass, only its input kept); dots (the outputs of the matmuls with
/// the weights are kept, with the layer's input, and everything else is recomputed: the
/// attention products, the element-wise work, the expert dispatch; JAX's
/// checkpoint_dots_with_no_batch_dims, MaxText's remat_policy "minimal").
enum class Recompute { kNone, kSelective, kFull, kDots };

/// What is sharded over the data-parallel replicas: nothing; the optimizer state (ZeRO
/// stage 1, Rajbhandari et al. 2020); optimizer state and gradients (stage 2); and the
/// parameters too (stage 3, FSDP).
enum class Sharding { kNone, kOptimizer, kGradients, kParameters };

struct TrainingPrecision {
  double parameter_bytes = 2;  ///< bf16/fp16 weights
  double gradient_bytes = 2;
  Optimizer optimizer = Optimizer::kAdam;
  /// Adam with fp32 master weights and two fp32 moments: 12 bytes per parameter
  /// (Rajbhandari et al. 2020, ZeRO, section 3); Adafactor: fp32 master weights and
  /// factored second moments, about 4; SGD with momentum: 8.
  [[nodiscard]] double optimizer_bytes() const;
  ComputeFormat compute = ComputeFormat::k16Bit;
  Recompute recompute = Recompute::kNone;
  Sharding shard = Sharding::kNone;
  /// Data-parallel devices per sharding group (hybrid sharding: sharded within a group,
  /// replicated across groups, as PaLM per pod); 0: all of them (data x context).
  std::int64_t shard_group = 0;
  /// Layers of each pipeline stage (its first ones) whose kept activations wait in host
  /// memory between their forward and backward passes, copied out and back over the host
  /// link (Megatron-Core's cpu_offloading_num_layers); fewer than the stage's layers.
  std::int64_t offload_layers = 0;
};

/// Bytes of activations one layer keeps per token for its backward pass, before sequence
/// and context parallelism split them (divide by tensor x context), with fused attention
/// (no sequence x sequence scores) and no dropout. From each block's stored inputs
/// (Korthikanti et al. 2022, section 4.1, generalised beyond GPT's shapes): two layer-norm
/// inputs (2 d each); attention: the QKV projection's input (2 d), Q, K and V (2 bytes
/// per element of their widths: kv_heads x d_head for K and V, the latent attention's
/// expanded widths), the output projection's input (2 d_attn); feed-forward: its input
/// (2 d), and 2 bytes per hidden element for each of the activation's inputs and the
/// second matrix's input (2 per hidden element for a two-matrix block, 3 for a gated one;
/// a MoE block's top_k experts and shared experts, plus its dispatched tokens, 2 top_k d).
/// With FP8 compute the linear layers keep their inputs in FP8 (1 byte). With full
/// recomputation only the layer's input is kept (2 d). A decoder layer of an
/// encoder-decoder has a second attention block.
double activation_bytes_per_token(const TransformerSpec& spec, bool moe_layer, bool cross_attention,
                                  ComputeFormat compute, Recompute recompute);

/// Bytes per token of one attention block's materialised scores as kept for the backward
/// pass: per head and key (the whole sequence) the softmax output, 2 bytes, and with
/// attention dropout its 1-byte mask and 2-byte output; 0 with fused scores.
double materialised_score_bytes_per_token(const TransformerSpec& spec);

/// Devices over which the weights of `layout` are sharded (1 without sharding): the
/// shard group, or all data x context replicas.
std::int64_t shard_degree(const ParallelLayout& layout, const TrainingPrecision& precision);

/// Bytes one device holds, by kind, for the most loaded device: the pipeline stage with the
/// largest total (the first stage, which keeps min(pipeline, microbatches) microbatches
/// of activations in flight under 1F1B, unless a later stage holds heavier layers, as the
/// decoder layers of an encoder-decoder can be).
struct DeviceMemory {
  double parameters = 0;
  double gradients = 0;
  double optimizer = 0;
  double activations = 0;
  /// Host memory the offloaded activations take (offload_layers), on the stage that
  /// offloads the most (the first, which keeps the most microbatches); not device memory.
  double offloaded = 0;
  /// Device memory; `offloaded` is not in it.
  [[nodiscard]] double total() const { return parameters + gradients + optimizer + activations; }
};

/// Dense weights are split over tensor x pipeline and replicated over data x context
/// (key and value projections over min(tensor, kv_heads) ranks: with fewer key/value heads
/// than tensor ranks they are replicated); experts over expert x tensor x pipeline.
/// Pipeline stages hold contiguous layers (encoder, then decoder), as evenly as possible
/// (the layers % pipeline left over one each to the stages after the first, the last stage
/// last, as Llama 3 balanced its pipeline); the first stage also holds the input
/// embedding, the last the output projection (a copy of the embedding when tied and
/// pipeline > 1, as Megatron-LM keeps). Sharding divides optimizer state (kOptimizer and
/// up), gradients (kGradients and up) and parameters (kParameters, which then keeps two
/// layers gathered for the pass in flight) by shard_degree() (experts by their share of
/// it). Activations per layer and microbatch, with b = sequences_per_step / (data x
/// microbatches) sequences of s / context tokens (each stack's own length), h = d_model,
/// t = tensor (Korthikanti et al. 2022, "Reducing Activation Recomputation in Large
/// Transformer Models", with sequence parallelism whenever t > 1):
/// activation_bytes_per_token() x s b / t for each layer; stage i keeps min(pipeline - i,
/// microbatches) microbatches in flight, x (1 + (pipeline - 1) / (pipeline x virtual_stages)) under
/// the interleaved schedule (ibid., section 4.2.3). With `offload_layers` N, the first N
/// layers of each stage keep their activations in host memory (`offloaded`, for the same
/// microbatches in flight) but for one layer's of one microbatch, the largest of them, in
/// device memory while it is copied. `sequences_per_step` is the global batch in
/// sequences. Throws std::invalid_argument for a layout that does not divide the model (see
/// ParallelLayout; also pipeline x virtual_stages > layers, context not dividing the
/// sequence, offload_layers not below every stage's layers) or a batch that is not positive.
DeviceMemory device_memory(const TransformerSpec& spec, const ParallelLayout& layout,
                           const TrainingPrecision& precision, double sequences_per_step);

}  // namespace footprint::models
