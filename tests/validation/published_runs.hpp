// Published LLM training throughput, with the architecture and parallel layout of each run, as
// data for calibrating (calibration = true) and validating (calibration = false) a step-time
// model.
//
// Every figure is copied from the cited source; every field the source does not give is named in
// the row's note as an assumption. Where a source gives both tokens/s and TFLOP/s, tokens/s is the
// figure (no FLOP convention needed) and the TFLOP/s is quoted in the note. Sources were read
// through stored copies of public repositories and pages (GitHub files are cited by
// repository/path and, where the file changed over time, by the commit that was read).
//
// Header-only; no dependencies beyond the standard library.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace footprint::validation {

/// What the published number is.
enum class Figure {
  kTflopsPerDevice,           ///< TFLOP/s per GPU or chip, counted as `count` says
  kTokensPerSecondPerDevice,  ///< training tokens per second per GPU or chip
  kTokensPerSecondTotal,      ///< training tokens per second, whole job
  kMfu,                       ///< model FLOPs utilization as a fraction, counted as `count` says
};

/// How the source counts its FLOPs when it reports TFLOP/s or MFU (so a test can turn the figure
/// into a step time). B = sequences per step, s = sequence, l = layers, h = d_model,
/// V = vocabulary.
enum class FlopCount {
  /// The figure is tokens/s: no FLOP count needed.
  kNone,
  /// Narayanan et al. 2021 (SC21) eq. (3): F = 96 B s l h^2 (1 + s/(6h) + V/(16 l h)) per step.
  /// Counts forward + backward + one recomputed forward (factor 4 x 24), full non-causal
  /// attention, d_ff = 4h, MHA. Megatron-DeepSpeed's logged "TFLOPs" (BLOOM) is the same
  /// expression with checkpoint_activations_factor 4.
  kNarayanan2021,
  /// Megatron-LM megatron/training/training.py num_floating_point_operations (mid-2024,
  /// r0.7-r0.8):
  ///   F = 12 B s l h^2 [ (1 + g/a + s/h) (a d_head / h)          attention: QKV, scores, output
  ///                      + (d_ff / h) k (3/2 if SwiGLU else 1)   MLP, k = top-k (1 if dense)
  ///                      + V / (2 l h) ]                         logits
  /// with a heads, g query groups (g = a without GQA). Forward + backward, no recompute,
  /// attention not halved for causality. For the GPT rows here (MHA, d_ff = 4h) it is
  /// 72 B s l h^2 (1 + s/(6h) + V/(12 l h)).
  kMegatronCore,
  /// NeMo nemo/utils/flops_formulas.py as used by the 24.x performance tables, e.g. gpt3:
  ///   F = (24 B s h^2 + 4 B s^2 h) * 3 l + 6 B s h V
  /// (identical to kMegatronCore for GPT-3; later NeMo releases halve the s^2 term for causal
  /// attention). llama: B s l h^2 (12 + 12 g/a + 18 d_ff/h + 12 s/h + 6 V/(l h)).
  kNemo,
  /// PaLM (Chowdhery et al. 2022) Appendix B: model FLOPs per token = 6 N + 12 L H Q T, with N
  /// the parameter count, L layers, H heads, Q head dimension, T sequence length (12 L H Q T is
  /// the attention score and value matmuls, forward and backward, no causal halving);
  /// MFU = tokens/s x that / (chips x peak). Reproduces PaLM 540B's 46.2 % from 238.3K tokens/s
  /// with N = 540.35e9 and 275 TFLOP/s per TPU v4 chip.
  kPalm,
  /// MaxText maxtext_utils.calculate_tflops_training_per_device (2024), per device per step,
  /// with b = per_device_batch_size, E = emb_dim, M = mlp_dim, H query heads, K kv heads,
  /// D = head_dim:
  ///   ffn  = 2 b s M E (#mlp_activations) + 2 b s M E        (3 matrices when gated)
  ///   qkv  = 2 b s E (H + 2K) D,  proj = 2 b s E H D,  logits = 2 b s E V
  ///   attn = 4 b s^2 H D                                      (non-causal)
  ///   TFLOPs = 3 [ (ffn + qkv + proj) l + logits ] + 3 attn l
  /// MFU = TFLOPs / step time / peak. Earlier (2023 to early 2024) MaxText used
  /// 6 N s b + 12 H l D s^2 b / 2 (PaLM-style with causal halving); for the v5p shapes here the
  /// two differ by < 1.5 %.
  kMaxText,
  /// 6 x parameters per token (forward + backward, no attention term).
  kSixN,
};

struct PublishedRun {
  std::string_view name;     ///< short and unique
  std::string_view source;   ///< paper/README + table + row, precise enough to find again
  std::string_view chip;     ///< A100 H100 H800 H200 B200 GB200 TPUv4 TPUv5p MI300X V100 TPUv3
  std::string_view compute;  ///< "bf16" or "fp8" (input precision of the GEMMs)
  bool calibration;          ///< true: fixes the per-chip constants; false: validation only
  // Architecture (decoder-only).
  std::int64_t layers, d_model, d_ff, heads, kv_heads, vocabulary, sequence;
  std::int64_t d_head;  ///< 0 = d_model / heads
  bool gated_ffn;       ///< SwiGLU/GeGLU (3 matrices)
  bool tied_embeddings;
  // MoE (experts 0 = dense): routed experts, top_k, expert_d_ff, shared_experts, dense_layers
  // (first N layers dense, with d_ff), moe_every (1 = every layer after the dense ones; 0 when
  // dense).
  std::int64_t experts, top_k, expert_d_ff, shared_experts, dense_layers, moe_every;
  // MLA (DeepSeek): q_rank, kv_rank, rope_dim; d_head is then the value head width.
  bool mla;
  std::int64_t q_rank, kv_rank, rope_dim;
  // Layout: devices = data x tensor x pipeline x context; expert divides data (expert parallel).
  std::int64_t devices, data, tensor, pipeline, context, expert;
  std::int64_t virtual_stages;  ///< 0 when not published (a test may search it)
  std::int64_t microbatch;      ///< sequences per microbatch (0 if not published)
  std::string_view recompute;   ///< "none", "selective" or "full"; "" when not published
  std::string_view shard;       ///< "none", "optimizer", "gradients", "parameters" (ZeRO-1/2/3)
  std::int64_t shard_group;     ///< devices per sharding group (0 = all of data)
  double batch_sequences;       ///< global batch in sequences
  Figure figure;
  double value;           ///< as published: TFLOP/s per device, tokens/s, or MFU fraction
  FlopCount count;        ///< how the source counts FLOPs for that figure
  std::string_view note;  ///< assumptions, anything not published, conversions
  /// Attention scores written to device memory (kernels before FlashAttention), with the
  /// framework's attention dropout: Megatron-LM's default 0.1 where the run's scripts do
  /// not set it.
  bool materialised_scores = false;
  double attention_dropout = 0;
  /// Group-limited routing (Hugging Face configs' n_group and topk_group; 0: none).
  std::int64_t routing_groups = 0;
  std::int64_t routing_group_limit = 0;
  /// How the expert all-to-all runs: each token sent once per node and forwarded inside it
  /// (DeepSeek-V3's kernels, DeepEP, Megatron's flex dispatcher), the forward dispatch in FP8,
  /// and the share of it overlapped with another microbatch's computation.
  bool dispatch_per_node = false;
  bool dispatch_fp8 = false;
  double dispatch_overlap = 0;
  /// Layers per pipeline stage whose activations are offloaded to host memory
  /// (Megatron-Core's cpu_offloading_num_layers; 0: none).
  std::int64_t offload_layers = 0;
};

// clang-format off
inline constexpr std::array<PublishedRun, 50> kPublishedRuns{{
    // ======================================================================================
    // CALIBRATION (calibration = true)
    // ======================================================================================

    // Narayanan, Shoeybi, Casper, LeGresley, Patwary, Korthikanti, Vainbrand, Kashinkunti,
    // Bernauer, Catanzaro, Phanishayee, Zaharia, "Efficient Large-Scale Language Model Training on
    // GPU Clusters Using Megatron-LM" (SC21, arXiv 2104.04473), Table 1: weak scaling of GPT models
    // on A100-80GB (Selene), sequence 2048, vocabulary 51,200, TFLOP/s per GPU counted with the
    // paper's eq. 96 B s l h^2 (1 + s/(6h) + V/(16 l h)) per iteration (it includes the recomputed
    // forward pass). Architecture: GPT (d_ff = 4 d_model, two-matrix GELU FFN, multi-head
    // attention, learned position embeddings, input and output embeddings tied: the paper's
    // parameter count 12 l h^2 (1 + 13/(12h) + (V+s)/(12 l h)) counts the word embedding once).
    // Layout, microbatch and interleaving per row from NVIDIA/Megatron-LM
    // examples/sc21/run_table_1.sh (the script the paper's artifact used): MBS, GBS, TP, PP, nodes,
    // and --num-layers-per-virtual-pipeline-stage (virtual_stages = layers / PP / that value);
    // every row runs --recompute-method uniform (full activation recomputation). The data-parallel
    // all-reduce is plain DDP (DDP=torch for PP 1, DDP=local otherwise): no ZeRO sharding in 2021.
    {.name = "Narayanan 2021 Table 1: 1.7B on 32 A100",
     .source = "Narayanan et al. SC21 (arXiv 2104.04473) Table 1, row 1.7B (24 heads, h 2304, 24 "
               "layers, TP 1, PP 1, 32 GPUs, batch 512); layout: NVIDIA/Megatron-LM "
               "examples/sc21/run_table_1.sh MODEL_SIZE=1.7B",
     .chip = "A100", .compute = "bf16", .calibration = true, .layers = 24, .d_model = 2304,
     .d_ff = 9216, .heads = 24, .kv_heads = 24, .vocabulary = 51200, .sequence = 2048, .d_head = 0,
     .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0, .expert_d_ff = 0,
     .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false, .q_rank = 0,
     .kv_rank = 0, .rope_dim = 0, .devices = 32, .data = 32, .tensor = 1, .pipeline = 1,
     .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 16, .recompute = "full",
     .shard = "none", .shard_group = 0, .batch_sequences = 512.0,
     .figure = Figure::kTflopsPerDevice, .value = 137.0, .count = FlopCount::kNarayanan2021,
     .note = "compute: the SC21 scripts pass --fp16 (fp16 mixed precision, not bf16); A100 dense "
             "fp16 and bf16 tensor peaks are both 312 TFLOP/s, so the row is usable as bf16. "
             "Microbatch 16 from run_table_1.sh. Aggregate 4.4 PFLOP/s.",
     .materialised_scores = true, .attention_dropout = 0.1},
    {.name = "Narayanan 2021 Table 1: 3.6B on 64 A100",
     .source = "Narayanan et al. SC21 (arXiv 2104.04473) Table 1, row 3.6B (32 heads, h 3072, 30 "
               "layers, TP 2, PP 1, 64 GPUs, batch 512); layout: NVIDIA/Megatron-LM "
               "examples/sc21/run_table_1.sh MODEL_SIZE=3.6B",
     .chip = "A100", .compute = "bf16", .calibration = true, .layers = 30, .d_model = 3072,
     .d_ff = 12288, .heads = 32, .kv_heads = 32, .vocabulary = 51200, .sequence = 2048, .d_head = 0,
     .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0, .expert_d_ff = 0,
     .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false, .q_rank = 0,
     .kv_rank = 0, .rope_dim = 0, .devices = 64, .data = 32, .tensor = 2, .pipeline = 1,
     .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 16, .recompute = "full",
     .shard = "none", .shard_group = 0, .batch_sequences = 512.0,
     .figure = Figure::kTflopsPerDevice, .value = 138.0, .count = FlopCount::kNarayanan2021,
     .note = "compute: the SC21 scripts pass --fp16 (fp16 mixed precision, not bf16); A100 dense "
             "fp16 and bf16 tensor peaks are both 312 TFLOP/s, so the row is usable as bf16. "
             "Microbatch 16 from run_table_1.sh. Aggregate 8.8 PFLOP/s.",
     .materialised_scores = true, .attention_dropout = 0.1},
    {.name = "Narayanan 2021 Table 1: 7.5B on 128 A100",
     .source = "Narayanan et al. SC21 (arXiv 2104.04473) Table 1, row 7.5B (32 heads, h 4096, 36 "
               "layers, TP 4, PP 1, 128 GPUs, batch 512); layout: NVIDIA/Megatron-LM "
               "examples/sc21/run_table_1.sh MODEL_SIZE=7.5B",
     .chip = "A100", .compute = "bf16", .calibration = true, .layers = 36, .d_model = 4096,
     .d_ff = 16384, .heads = 32, .kv_heads = 32, .vocabulary = 51200, .sequence = 2048, .d_head = 0,
     .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0, .expert_d_ff = 0,
     .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false, .q_rank = 0,
     .kv_rank = 0, .rope_dim = 0, .devices = 128, .data = 32, .tensor = 4, .pipeline = 1,
     .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 16, .recompute = "full",
     .shard = "none", .shard_group = 0, .batch_sequences = 512.0,
     .figure = Figure::kTflopsPerDevice, .value = 142.0, .count = FlopCount::kNarayanan2021,
     .note = "compute: the SC21 scripts pass --fp16 (fp16 mixed precision, not bf16); A100 dense "
             "fp16 and bf16 tensor peaks are both 312 TFLOP/s, so the row is usable as bf16. "
             "Microbatch 16 from run_table_1.sh. Aggregate 18.2 PFLOP/s.",
     .materialised_scores = true, .attention_dropout = 0.1},
    {.name = "Narayanan 2021 Table 1: 18.4B on 256 A100",
     .source = "Narayanan et al. SC21 (arXiv 2104.04473) Table 1, row 18.4B (48 heads, h 6144, 40 "
               "layers, TP 8, PP 1, 256 GPUs, batch 1024); layout: NVIDIA/Megatron-LM "
               "examples/sc21/run_table_1.sh MODEL_SIZE=18B",
     .chip = "A100", .compute = "bf16", .calibration = true, .layers = 40, .d_model = 6144,
     .d_ff = 24576, .heads = 48, .kv_heads = 48, .vocabulary = 51200, .sequence = 2048, .d_head = 0,
     .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0, .expert_d_ff = 0,
     .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false, .q_rank = 0,
     .kv_rank = 0, .rope_dim = 0, .devices = 256, .data = 32, .tensor = 8, .pipeline = 1,
     .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 8, .recompute = "full",
     .shard = "none", .shard_group = 0, .batch_sequences = 1024.0,
     .figure = Figure::kTflopsPerDevice, .value = 135.0, .count = FlopCount::kNarayanan2021,
     .note = "compute: the SC21 scripts pass --fp16 (fp16 mixed precision, not bf16); A100 dense "
             "fp16 and bf16 tensor peaks are both 312 TFLOP/s, so the row is usable as bf16. "
             "Microbatch 8 from run_table_1.sh. Aggregate 34.6 PFLOP/s.",
     .materialised_scores = true, .attention_dropout = 0.1},
    {.name = "Narayanan 2021 Table 1: 39.1B on 512 A100",
     .source = "Narayanan et al. SC21 (arXiv 2104.04473) Table 1, row 39.1B (64 heads, h 8192, 48 "
               "layers, TP 8, PP 2, 512 GPUs, batch 1536); layout: NVIDIA/Megatron-LM "
               "examples/sc21/run_table_1.sh MODEL_SIZE=39B",
     .chip = "A100", .compute = "bf16", .calibration = true, .layers = 48, .d_model = 8192,
     .d_ff = 32768, .heads = 64, .kv_heads = 64, .vocabulary = 51200, .sequence = 2048, .d_head = 0,
     .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0, .expert_d_ff = 0,
     .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false, .q_rank = 0,
     .kv_rank = 0, .rope_dim = 0, .devices = 512, .data = 32, .tensor = 8, .pipeline = 2,
     .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 4, .recompute = "full",
     .shard = "none", .shard_group = 0, .batch_sequences = 1536.0,
     .figure = Figure::kTflopsPerDevice, .value = 138.0, .count = FlopCount::kNarayanan2021,
     .note = "compute: the SC21 scripts pass --fp16 (fp16 mixed precision, not bf16); A100 dense "
             "fp16 and bf16 tensor peaks are both 312 TFLOP/s, so the row is usable as bf16. "
             "run_table_1.sh sets no --num-layers-per-virtual-pipeline-stage for this size, so "
             "the non-interleaved 1F1B schedule is assumed (virtual_stages 1). Microbatch 4 from "
             "run_table_1.sh. Aggregate 70.7 PFLOP/s.",
     .materialised_scores = true, .attention_dropout = 0.1},
    {.name = "Narayanan 2021 Table 1: 76.1B on 1024 A100",
     .source = "Narayanan et al. SC21 (arXiv 2104.04473) Table 1, row 76.1B (80 heads, h 10240, "
               "60 layers, TP 8, PP 4, 1024 GPUs, batch 1792); layout: NVIDIA/Megatron-LM "
               "examples/sc21/run_table_1.sh MODEL_SIZE=76B",
     .chip = "A100", .compute = "bf16", .calibration = true, .layers = 60, .d_model = 10240,
     .d_ff = 40960, .heads = 80, .kv_heads = 80, .vocabulary = 51200, .sequence = 2048, .d_head = 0,
     .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0, .expert_d_ff = 0,
     .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false, .q_rank = 0,
     .kv_rank = 0, .rope_dim = 0, .devices = 1024, .data = 32, .tensor = 8, .pipeline = 4,
     .context = 1, .expert = 1, .virtual_stages = 3, .microbatch = 2, .recompute = "full",
     .shard = "none", .shard_group = 0, .batch_sequences = 1792.0,
     .figure = Figure::kTflopsPerDevice, .value = 140.0, .count = FlopCount::kNarayanan2021,
     .note = "compute: the SC21 scripts pass --fp16 (fp16 mixed precision, not bf16); A100 dense "
             "fp16 and bf16 tensor peaks are both 312 TFLOP/s, so the row is usable as bf16. "
             "Interleaved schedule: --num-layers-per-virtual-pipeline-stage 5 (15 layers per "
             "stage, 3 chunks). Microbatch 2 from run_table_1.sh. Aggregate 143.4 PFLOP/s.",
     .materialised_scores = true, .attention_dropout = 0.1},
    {.name = "Narayanan 2021 Table 1: 145.6B on 1536 A100",
     .source = "Narayanan et al. SC21 (arXiv 2104.04473) Table 1, row 145.6B (96 heads, h 12288, "
               "80 layers, TP 8, PP 8, 1536 GPUs, batch 2304); layout: NVIDIA/Megatron-LM "
               "examples/sc21/run_table_1.sh MODEL_SIZE=145B",
     .chip = "A100", .compute = "bf16", .calibration = true, .layers = 80, .d_model = 12288,
     .d_ff = 49152, .heads = 96, .kv_heads = 96, .vocabulary = 51200, .sequence = 2048, .d_head = 0,
     .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0, .expert_d_ff = 0,
     .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false, .q_rank = 0,
     .kv_rank = 0, .rope_dim = 0, .devices = 1536, .data = 24, .tensor = 8, .pipeline = 8,
     .context = 1, .expert = 1, .virtual_stages = 2, .microbatch = 2, .recompute = "full",
     .shard = "none", .shard_group = 0, .batch_sequences = 2304.0,
     .figure = Figure::kTflopsPerDevice, .value = 148.0, .count = FlopCount::kNarayanan2021,
     .note = "compute: the SC21 scripts pass --fp16 (fp16 mixed precision, not bf16); A100 dense "
             "fp16 and bf16 tensor peaks are both 312 TFLOP/s, so the row is usable as bf16. "
             "Interleaved schedule: --num-layers-per-virtual-pipeline-stage 5 (10 layers per "
             "stage, 2 chunks). Microbatch 2 from run_table_1.sh. Aggregate 227.3 PFLOP/s.",
     .materialised_scores = true, .attention_dropout = 0.1},
    {.name = "Narayanan 2021 Table 1: 310.1B on 1920 A100",
     .source = "Narayanan et al. SC21 (arXiv 2104.04473) Table 1, row 310.1B (128 heads, h 16384, "
               "96 layers, TP 8, PP 16, 1920 GPUs, batch 2160); layout: NVIDIA/Megatron-LM "
               "examples/sc21/run_table_1.sh MODEL_SIZE=310B",
     .chip = "A100", .compute = "bf16", .calibration = true, .layers = 96, .d_model = 16384,
     .d_ff = 65536, .heads = 128, .kv_heads = 128, .vocabulary = 51200, .sequence = 2048,
     .d_head = 0, .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 1920, .data = 15, .tensor = 8,
     .pipeline = 16, .context = 1, .expert = 1, .virtual_stages = 2, .microbatch = 1,
     .recompute = "full", .shard = "none", .shard_group = 0, .batch_sequences = 2160.0,
     .figure = Figure::kTflopsPerDevice, .value = 155.0, .count = FlopCount::kNarayanan2021,
     .note = "compute: the SC21 scripts pass --fp16 (fp16 mixed precision, not bf16); A100 dense "
             "fp16 and bf16 tensor peaks are both 312 TFLOP/s, so the row is usable as bf16. "
             "Interleaved schedule: --num-layers-per-virtual-pipeline-stage 3 (6 layers per "
             "stage, 2 chunks). Microbatch 1 from run_table_1.sh. Aggregate 297.6 PFLOP/s.",
     .materialised_scores = true, .attention_dropout = 0.1},
    {.name = "Narayanan 2021 Table 1: 529.6B on 2520 A100",
     .source = "Narayanan et al. SC21 (arXiv 2104.04473) Table 1, row 529.6B (128 heads, h 20480, "
               "105 layers, TP 8, PP 35, 2520 GPUs, batch 2520); layout: NVIDIA/Megatron-LM "
               "examples/sc21/run_table_1.sh MODEL_SIZE=530B",
     .chip = "A100", .compute = "bf16", .calibration = true, .layers = 105, .d_model = 20480,
     .d_ff = 81920, .heads = 128, .kv_heads = 128, .vocabulary = 51200, .sequence = 2048,
     .d_head = 0, .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 2520, .data = 9, .tensor = 8,
     .pipeline = 35, .context = 1, .expert = 1, .virtual_stages = 3, .microbatch = 1,
     .recompute = "full", .shard = "none", .shard_group = 0, .batch_sequences = 2520.0,
     .figure = Figure::kTflopsPerDevice, .value = 163.0, .count = FlopCount::kNarayanan2021,
     .note = "compute: the SC21 scripts pass --fp16 (fp16 mixed precision, not bf16); A100 dense "
             "fp16 and bf16 tensor peaks are both 312 TFLOP/s, so the row is usable as bf16. "
             "Interleaved schedule: --num-layers-per-virtual-pipeline-stage 1 (3 layers per "
             "stage, 3 chunks). Microbatch 1 from run_table_1.sh. Aggregate 410.8 PFLOP/s.",
     .materialised_scores = true, .attention_dropout = 0.1},
    {.name = "Narayanan 2021 Table 1: 1008B on 3072 A100",
     .source = "Narayanan et al. SC21 (arXiv 2104.04473) Table 1, row 1008B (160 heads, h 25600, "
               "128 layers, TP 8, PP 64, 3072 GPUs, batch 3072); layout: NVIDIA/Megatron-LM "
               "examples/sc21/run_table_1.sh MODEL_SIZE=1T",
     .chip = "A100", .compute = "bf16", .calibration = true, .layers = 128, .d_model = 25600,
     .d_ff = 102400, .heads = 160, .kv_heads = 160, .vocabulary = 51200, .sequence = 2048,
     .d_head = 0, .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 3072, .data = 6, .tensor = 8,
     .pipeline = 64, .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 1,
     .recompute = "full", .shard = "none", .shard_group = 0, .batch_sequences = 3072.0,
     .figure = Figure::kTflopsPerDevice, .value = 163.0, .count = FlopCount::kNarayanan2021,
     .note = "compute: the SC21 scripts pass --fp16 (fp16 mixed precision, not bf16); A100 dense "
             "fp16 and bf16 tensor peaks are both 312 TFLOP/s, so the row is usable as bf16. "
             "run_table_1.sh sets no --num-layers-per-virtual-pipeline-stage for this size, so "
             "the non-interleaved 1F1B schedule is assumed (virtual_stages 1). Microbatch 1 from "
             "run_table_1.sh. Aggregate 500.7 PFLOP/s.",
     .materialised_scores = true, .attention_dropout = 0.1},

    // NVIDIA/Megatron-LM README, section "Training Speed and Scalability" (Megatron-Core r0.8.0
    // era): weak scaling of GPT models on up to 6144 H100, vocabulary 131,072, sequence 4096,
    // data-parallel size 48 in every row, "fine-grained overlapping of data-parallel
    // (--overlap-grad-reduce --overlap-param-gather), tensor-parallel (--tp-comm-overlap) and
    // pipeline-parallel communication", throughput end to end. The table itself is an image
    // (images/model_table.png); the numbers below are the ones given in the brief for that image
    // and could not be re-read as text here; the README text confirms vocabulary, sequence, GPU
    // count and the MFU range (41 % smallest, 47-48 % largest). Architecture: the parameter counts
    // fit 12 l h^2 + 2 V h exactly (7.1B: 12*30*4096^2 + 2*131072*4096 = 7.11e9; tied would give
    // 6.58e9), so d_ff = 4 h, two-matrix FFN, untied input/output embeddings, MHA. TFLOP/s per GPU
    // is Megatron-LM training.py num_floating_point_operations of that release (kMegatronCore),
    // which for this GPT reduces to 72 B s l h^2 (1 + s/(6h) + V/(12 l h)); MFU = TFLOP/s / 989
    // (dense BF16 peak), e.g. 408.8 / 989 = 41 %, which also says the runs were BF16.
    {.name = "Megatron-Core r0.8.0 weak scaling: 1.7B on 48 H100",
     .source = "NVIDIA/Megatron-LM README 'Training Speed and Scalability', "
               "images/model_table.png, row 1.7B (16 heads, h 2048, 24 layers, TP 1, PP 1, 48 "
               "GPUs, batch 192)",
     .chip = "H100", .compute = "bf16", .calibration = true, .layers = 24, .d_model = 2048,
     .d_ff = 8192, .heads = 16, .kv_heads = 16, .vocabulary = 131072, .sequence = 4096, .d_head = 0,
     .gated_ffn = false, .tied_embeddings = false, .experts = 0, .top_k = 0, .expert_d_ff = 0,
     .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false, .q_rank = 0,
     .kv_rank = 0, .rope_dim = 0, .devices = 48, .data = 48, .tensor = 1, .pipeline = 1,
     .context = 1, .expert = 1, .virtual_stages = 0, .microbatch = 0, .recompute = "",
     .shard = "optimizer", .shard_group = 0, .batch_sequences = 192.0,
     .figure = Figure::kTflopsPerDevice, .value = 408.8, .count = FlopCount::kMegatronCore,
     .note = "README MFU 41 %. Not published (assumed): microbatch (0), virtual pipeline stages "
             "(1), recomputation (none). shard 'optimizer' is inferred: --overlap-param-gather "
             "exists only with Megatron's distributed optimizer (ZeRO-1 over the 48 data-parallel "
             "ranks)."},
    {.name = "Megatron-Core r0.8.0 weak scaling: 7.1B on 96 H100",
     .source = "NVIDIA/Megatron-LM README 'Training Speed and Scalability', "
               "images/model_table.png, row 7.1B (32 heads, h 4096, 30 layers, TP 2, PP 1, 96 "
               "GPUs, batch 192)",
     .chip = "H100", .compute = "bf16", .calibration = true, .layers = 30, .d_model = 4096,
     .d_ff = 16384, .heads = 32, .kv_heads = 32, .vocabulary = 131072, .sequence = 4096,
     .d_head = 0, .gated_ffn = false, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 96, .data = 48, .tensor = 2,
     .pipeline = 1, .context = 1, .expert = 1, .virtual_stages = 0, .microbatch = 0,
     .recompute = "", .shard = "optimizer", .shard_group = 0, .batch_sequences = 192.0,
     .figure = Figure::kTflopsPerDevice, .value = 465.9, .count = FlopCount::kMegatronCore,
     .note = "README MFU 47 %. Not published (assumed): microbatch (0), virtual pipeline stages "
             "(1), recomputation (none). shard 'optimizer' is inferred: --overlap-param-gather "
             "exists only with Megatron's distributed optimizer (ZeRO-1 over the 48 data-parallel "
             "ranks)."},
    {.name = "Megatron-Core r0.8.0 weak scaling: 16B on 192 H100",
     .source = "NVIDIA/Megatron-LM README 'Training Speed and Scalability', "
               "images/model_table.png, row 16B (48 heads, h 6144, 32 layers, TP 4, PP 1, 192 "
               "GPUs, batch 192)",
     .chip = "H100", .compute = "bf16", .calibration = true, .layers = 32, .d_model = 6144,
     .d_ff = 24576, .heads = 48, .kv_heads = 48, .vocabulary = 131072, .sequence = 4096,
     .d_head = 0, .gated_ffn = false, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 192, .data = 48, .tensor = 4,
     .pipeline = 1, .context = 1, .expert = 1, .virtual_stages = 0, .microbatch = 0,
     .recompute = "", .shard = "optimizer", .shard_group = 0, .batch_sequences = 192.0,
     .figure = Figure::kTflopsPerDevice, .value = 489.1, .count = FlopCount::kMegatronCore,
     .note = "README MFU 49 %. Not published (assumed): microbatch (0), virtual pipeline stages "
             "(1), recomputation (none). shard 'optimizer' is inferred: --overlap-param-gather "
             "exists only with Megatron's distributed optimizer (ZeRO-1 over the 48 data-parallel "
             "ranks)."},
    {.name = "Megatron-Core r0.8.0 weak scaling: 32B on 384 H100",
     .source = "NVIDIA/Megatron-LM README 'Training Speed and Scalability', "
               "images/model_table.png, row 32B (56 heads, h 7168, 48 layers, TP 8, PP 1, 384 "
               "GPUs, batch 192)",
     .chip = "H100", .compute = "bf16", .calibration = true, .layers = 48, .d_model = 7168,
     .d_ff = 28672, .heads = 56, .kv_heads = 56, .vocabulary = 131072, .sequence = 4096,
     .d_head = 0, .gated_ffn = false, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 384, .data = 48, .tensor = 8,
     .pipeline = 1, .context = 1, .expert = 1, .virtual_stages = 0, .microbatch = 0,
     .recompute = "", .shard = "optimizer", .shard_group = 0, .batch_sequences = 192.0,
     .figure = Figure::kTflopsPerDevice, .value = 459.6, .count = FlopCount::kMegatronCore,
     .note = "README MFU 46 %. Not published (assumed): microbatch (0), virtual pipeline stages "
             "(1), recomputation (none). shard 'optimizer' is inferred: --overlap-param-gather "
             "exists only with Megatron's distributed optimizer (ZeRO-1 over the 48 data-parallel "
             "ranks)."},
    {.name = "Megatron-Core r0.8.0 weak scaling: 70B on 768 H100",
     .source = "NVIDIA/Megatron-LM README 'Training Speed and Scalability', "
               "images/model_table.png, row 70B (64 heads, h 8192, 84 layers, TP 8, PP 2, 768 "
               "GPUs, batch 384)",
     .chip = "H100", .compute = "bf16", .calibration = true, .layers = 84, .d_model = 8192,
     .d_ff = 32768, .heads = 64, .kv_heads = 64, .vocabulary = 131072, .sequence = 4096,
     .d_head = 0, .gated_ffn = false, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 768, .data = 48, .tensor = 8,
     .pipeline = 2, .context = 1, .expert = 1, .virtual_stages = 0, .microbatch = 0,
     .recompute = "", .shard = "optimizer", .shard_group = 0, .batch_sequences = 384.0,
     .figure = Figure::kTflopsPerDevice, .value = 419.7, .count = FlopCount::kMegatronCore,
     .note = "README MFU 42 %. Not published (assumed): microbatch (0), virtual pipeline stages "
             "(1), recomputation (none). shard 'optimizer' is inferred: --overlap-param-gather "
             "exists only with Megatron's distributed optimizer (ZeRO-1 over the 48 data-parallel "
             "ranks)."},
    {.name = "Megatron-Core r0.8.0 weak scaling: 119B on 1536 H100",
     .source = "NVIDIA/Megatron-LM README 'Training Speed and Scalability', "
               "images/model_table.png, row 119B (80 heads, h 10240, 92 layers, TP 8, PP 4, 1536 "
               "GPUs, batch 768)",
     .chip = "H100", .compute = "bf16", .calibration = true, .layers = 92, .d_model = 10240,
     .d_ff = 40960, .heads = 80, .kv_heads = 80, .vocabulary = 131072, .sequence = 4096,
     .d_head = 0, .gated_ffn = false, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 1536, .data = 48, .tensor = 8,
     .pipeline = 4, .context = 1, .expert = 1, .virtual_stages = 0, .microbatch = 0,
     .recompute = "", .shard = "optimizer", .shard_group = 0, .batch_sequences = 768.0,
     .figure = Figure::kTflopsPerDevice, .value = 420.5, .count = FlopCount::kMegatronCore,
     .note = "README MFU 43 %. Not published (assumed): microbatch (0), virtual pipeline stages "
             "(1), recomputation (none). shard 'optimizer' is inferred: --overlap-param-gather "
             "exists only with Megatron's distributed optimizer (ZeRO-1 over the 48 data-parallel "
             "ranks)."},
    {.name = "Megatron-Core r0.8.0 weak scaling: 177B on 2304 H100",
     .source = "NVIDIA/Megatron-LM README 'Training Speed and Scalability', "
               "images/model_table.png, row 177B (96 heads, h 12288, 96 layers, TP 8, PP 6, 2304 "
               "GPUs, batch 1152)",
     .chip = "H100", .compute = "bf16", .calibration = true, .layers = 96, .d_model = 12288,
     .d_ff = 49152, .heads = 96, .kv_heads = 96, .vocabulary = 131072, .sequence = 4096,
     .d_head = 0, .gated_ffn = false, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 2304, .data = 48, .tensor = 8,
     .pipeline = 6, .context = 1, .expert = 1, .virtual_stages = 0, .microbatch = 0,
     .recompute = "", .shard = "optimizer", .shard_group = 0, .batch_sequences = 1152.0,
     .figure = Figure::kTflopsPerDevice, .value = 432.8, .count = FlopCount::kMegatronCore,
     .note = "README MFU 44 %. Not published (assumed): microbatch (0), virtual pipeline stages "
             "(1), recomputation (none). shard 'optimizer' is inferred: --overlap-param-gather "
             "exists only with Megatron's distributed optimizer (ZeRO-1 over the 48 data-parallel "
             "ranks)."},
    {.name = "Megatron-Core r0.8.0 weak scaling: 314B on 3072 H100",
     .source = "NVIDIA/Megatron-LM README 'Training Speed and Scalability', "
               "images/model_table.png, row 314B (128 heads, h 16384, 96 layers, TP 8, PP 8, 3072 "
               "GPUs, batch 1536)",
     .chip = "H100", .compute = "bf16", .calibration = true, .layers = 96, .d_model = 16384,
     .d_ff = 65536, .heads = 128, .kv_heads = 128, .vocabulary = 131072, .sequence = 4096,
     .d_head = 0, .gated_ffn = false, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 3072, .data = 48, .tensor = 8,
     .pipeline = 8, .context = 1, .expert = 1, .virtual_stages = 0, .microbatch = 0,
     .recompute = "", .shard = "optimizer", .shard_group = 0, .batch_sequences = 1536.0,
     .figure = Figure::kTflopsPerDevice, .value = 474.4, .count = FlopCount::kMegatronCore,
     .note = "README MFU 48 %. Not published (assumed): microbatch (0), virtual pipeline stages "
             "(1), recomputation (none). shard 'optimizer' is inferred: --overlap-param-gather "
             "exists only with Megatron's distributed optimizer (ZeRO-1 over the 48 data-parallel "
             "ranks)."},
    {.name = "Megatron-Core r0.8.0 weak scaling: 462B on 6144 H100",
     .source = "NVIDIA/Megatron-LM README 'Training Speed and Scalability', "
               "images/model_table.png, row 462B (144 heads, h 18432, 112 layers, TP 8, PP 16, "
               "6144 GPUs, batch 3072)",
     .chip = "H100", .compute = "bf16", .calibration = true, .layers = 112, .d_model = 18432,
     .d_ff = 73728, .heads = 144, .kv_heads = 144, .vocabulary = 131072, .sequence = 4096,
     .d_head = 0, .gated_ffn = false, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 6144, .data = 48, .tensor = 8,
     .pipeline = 16, .context = 1, .expert = 1, .virtual_stages = 0, .microbatch = 0,
     .recompute = "", .shard = "optimizer", .shard_group = 0, .batch_sequences = 3072.0,
     .figure = Figure::kTflopsPerDevice, .value = 459.9, .count = FlopCount::kMegatronCore,
     .note = "README MFU 47 %. Not published (assumed): microbatch (0), virtual pipeline stages "
             "(1), recomputation (none). shard 'optimizer' is inferred: --overlap-param-gather "
             "exists only with Megatron's distributed optimizer (ZeRO-1 over the 48 data-parallel "
             "ranks)."},

    // NVIDIA NeMo / Megatron-Bridge performance summaries. Tokens/s/GPU is the figure used (no FLOP
    // convention needed); the tables' "Model TFLOP/sec/GPU" is quoted in the notes.
    // - NeMo 24.07: NVIDIA/NeMo docs/source/performance/performance_summary.md ("Container:
    //   NeMo24.07, System: DGX-H100", FP8 pre-training table). GPT-3 175B architecture: Brown et
    //   al. 2020 Table 2.1 (96 layers, d_model 12288, 96 heads of 128, d_ff 4 d_model, context
    //   2048); GPT-2 BPE vocabulary 50257 (Megatron pads it to a multiple of 128 x TP); Megatron
    //   GPT ties input and output embeddings by default.
    // - Megatron-Bridge 25.11: NVIDIA-NeMo/Megatron-Bridge docs/performance-summary.md, "25.11 NeMo
    //   Container", tables "System: DGX-H100 / DGX-B200 / DGX-GB200" (also kept in
    //   docs/performance-summary-archive.md). Llama 3.1 405B architecture: Dubey et al. 2024 (The
    //   Llama 3 Herd of Models) Table 3 / HF config: 126 layers, d_model 16384, FFN 53248 (SwiGLU),
    //   128 heads of 128, 8 KV heads, vocabulary 128,256, untied. Layout extras (recompute, FSDP,
    //   offload) from scripts/performance/configs/llama/llama31_workload_base_configs.py as stored
    //   (a later revision than the 25.11 tag; its presets match the 25.11 table layouts).
    {.name = "NeMo 24.07: GPT-3 175B FP8 on 512 H100",
     .source = "NVIDIA/NeMo docs/source/performance/performance_summary.md (NeMo 24.07, DGX-H100, "
               "pre-training, FP8), row GPT3-175B, 512 GPUs, GBS 2048, MBS 2, seq 2048, TP 4, PP "
               "8, CP 1, VP 6",
     .chip = "H100", .compute = "fp8", .calibration = true, .layers = 96, .d_model = 12288,
     .d_ff = 49152, .heads = 96, .kv_heads = 96, .vocabulary = 50257, .sequence = 2048,
     .d_head = 128, .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 512, .data = 16, .tensor = 4,
     .pipeline = 8, .context = 1, .expert = 1, .virtual_stages = 6, .microbatch = 2,
     .recompute = "none", .shard = "optimizer", .shard_group = 0, .batch_sequences = 2048.0,
     .figure = Figure::kTokensPerSecondPerDevice, .value = 782.0, .count = FlopCount::kNone,
     .note = "Same row: 842 Model TFLOP/s/GPU (linked to MLCommons); 782 tok/s x NeMo's gpt3 "
             "formula ((24 h^2 + 4 s h) * 3 L + 6 h V per token, attention not halved for "
             "causality) = 842, reproduced. Vocabulary 50257 assumed from the GPT-2 tokenizer "
             "(padding changes the count < 0.1 %). Not published (assumed): recomputation none, "
             "distributed optimizer (NeMo default)."},
    {.name = "Megatron-Bridge 25.11: Llama 3.1 405B FP8 on 1024 H100",
     .source = "NVIDIA-NeMo/Megatron-Bridge docs/performance-summary.md, 25.11 NeMo Container, "
               "System DGX-H100, row LLAMA3.1_405B: 1024 GPUs, FP8-CS, GBS 512, MBS 1, seq 8192, "
               "FSDP 0, TP 8, PP 8, CP 2, VP 8, EP 1, GA 64",
     .chip = "H100", .compute = "fp8", .calibration = true, .layers = 126, .d_model = 16384,
     .d_ff = 53248, .heads = 128, .kv_heads = 8, .vocabulary = 128256, .sequence = 8192,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 1024, .data = 8, .tensor = 8,
     .pipeline = 8, .context = 2, .expert = 1, .virtual_stages = 8, .microbatch = 1,
     .recompute = "none", .shard = "optimizer", .shard_group = 0, .batch_sequences = 512.0,
     .figure = Figure::kTokensPerSecondPerDevice, .value = 292.0, .count = FlopCount::kNone,
     .note = "Same row: 737 Model TFLOP/s/GPU. FP8 current scaling (per-tensor). The 26.02 "
             "archive table has the same layout at GBS 1536: 311 tok/s. Recompute none: the "
             "stored H100 FP8_CS preset sets no recompute (library-recipe defaults not checked). "
             "shard 'optimizer' assumed (distributed optimizer, Megatron-Bridge default)."},
    {.name = "Megatron-Bridge 25.11: Llama 3.1 405B FP8 on 128 B200",
     .source = "NVIDIA-NeMo/Megatron-Bridge docs/performance-summary.md, 25.11, System DGX-B200, "
               "row LLAMA3.1_405B: 128 GPUs, FP8-CS (FP8-MX), GBS 64, MBS 1, seq 8192, FSDP 0, TP "
               "4, PP 8, CP 2, VP 8, EP 1, GA 32",
     .chip = "B200", .compute = "fp8", .calibration = true, .layers = 126, .d_model = 16384,
     .d_ff = 53248, .heads = 128, .kv_heads = 8, .vocabulary = 128256, .sequence = 8192,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 128, .data = 2, .tensor = 4,
     .pipeline = 8, .context = 2, .expert = 1, .virtual_stages = 8, .microbatch = 1,
     .recompute = "none", .shard = "optimizer", .shard_group = 0, .batch_sequences = 64.0,
     .figure = Figure::kTokensPerSecondPerDevice, .value = 661.0, .count = FlopCount::kNone,
     .note = "661 is FP8 current scaling (per-tensor); the same row gives 624 tok/s with MXFP8 "
             "(32x32 blocks). Model TFLOP/s/GPU 1667 (1576). Recompute none per the stored B200 "
             "FP8_CS preset. shard 'optimizer' assumed (distributed optimizer)."},
    {.name = "Megatron-Bridge 25.11: Llama 3.1 405B FP8 on 256 GB200",
     .source = "NVIDIA-NeMo/Megatron-Bridge docs/performance-summary.md, 25.11, System DGX-GB200, "
               "row LLAMA3.1_405B: 256 GPUs, FP8-CS, GBS 1536, MBS 1, seq 8192, FSDP 0, TP 4, PP "
               "16, CP 1, VP 4, EP 1, GA 384",
     .chip = "GB200", .compute = "fp8", .calibration = true, .layers = 126, .d_model = 16384,
     .d_ff = 53248, .heads = 128, .kv_heads = 8, .vocabulary = 128256, .sequence = 8192,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 256, .data = 4, .tensor = 4,
     .pipeline = 16, .context = 1, .expert = 1, .virtual_stages = 4, .microbatch = 1,
     .recompute = "none", .shard = "optimizer", .shard_group = 0, .batch_sequences = 1536.0,
     .figure = Figure::kTokensPerSecondPerDevice, .value = 813.0, .count = FlopCount::kNone,
     .note = "Model TFLOP/s/GPU 2053. FP8 current scaling. 126 layers over PP 16 x VP 4 = 64 "
             "chunks: Bridge accounts the embedding and loss as pipeline layers, so chunks are "
             "uneven. Recompute none and no FSDP/offload per the stored GB200 FP8_CS V2 preset. "
             "shard 'optimizer' assumed."},

    // Chowdhery et al. 2022, "PaLM: Scaling Language Modeling with Pathways" (arXiv 2204.02311).
    // Architecture (Table 1 and section 2): 118 layers, d_model 18432, 48 heads of 256 (query width
    // 12288, not d_model), multi-query attention (one shared K/V head), SwiGLU FFN d_ff = 4 d_model
    // = 73728, parallel attention+FFN block, no biases, RoPE, shared input/output embedding,
    // SentencePiece vocabulary 256k (256,000): these give 540.35e9 parameters, the paper's count.
    // Training (section 4): 6144 TPU v4 chips in two pods; in each pod 12-way model parallelism x
    // 256-way fully sharded data parallelism (2D-sharded weights), data parallelism across the two
    // pods; sequence 2048; batch 512 -> 1024 -> 2048 sequences over training. Section 4.1 / Table
    // 3: 238.3K tokens/s, MFU 46.2 % (HFU 57.8 %), FLOPs per Appendix B (kPalm).
    {.name = "PaLM 540B on 6144 TPU v4",
     .source = "Chowdhery et al. 2022 (arXiv 2204.02311), section 4 (Training Infrastructure), "
               "section 4.1 and Table 3 (MFU), Appendix B (FLOP count)",
     .chip = "TPUv4", .compute = "bf16", .calibration = true, .layers = 118, .d_model = 18432,
     .d_ff = 73728, .heads = 48, .kv_heads = 1, .vocabulary = 256000, .sequence = 2048,
     .d_head = 256, .gated_ffn = true, .tied_embeddings = true, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 6144, .data = 512, .tensor = 12,
     .pipeline = 1, .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 0,
     .recompute = "selective", .shard = "parameters", .shard_group = 256, .batch_sequences = 2048.0,
     .figure = Figure::kTokensPerSecondTotal, .value = 238300.0, .count = FlopCount::kNone,
     .note = "Published together: MFU 0.462 with kPalm (6N + 12 L H Q T per token, N = 540.35e9, "
             "peak 275 TFLOP/s): 238.3e3 x (6 x 540.35e9 + 12 x 118 x 48 x 256 x 2048) / (6144 x "
             "275e12) = 0.4623, reproduced. Assumed: batch 2048 (the final and longest phase; the "
             "paper does not tie the throughput to a batch phase); microbatch not published. "
             "recompute 'selective' is inferred, not stated: HFU/MFU = 57.8/46.2 = 1.25, below "
             "the 1.33 of full rematerialization. data 512 = 2 pods x 256-way FSDP, each FSDP "
             "group (256 chips) holds a full copy."},

    // AI-Hypercomputer/maxtext (formerly google/maxtext) MaxText/configs/v5p/README.md "High
    // Performance Model Configs on TPU v5p" (TFLOP/sec/chip and MFU, bf16); the same figures are in
    // the top-level "Runtime Performance Results" table. v5p-N has N TensorCores = N/2 chips; the
    // peak used for MFU is 459 TFLOP/s bf16 per chip (328 / 459 = 71.5 %). Configs:
    // MaxText/configs/v5p/{32b,64b,128b,512b,1024b}.sh, which run MaxText/configs/base.yml with
    // global_parameter_scale=S, ici_fsdp_parallelism=-1 (FSDP over all remaining chips),
    // ici_tensor_parallelism, per_device_batch_size, remat_policy, max_target_length=2048,
    // attention='flash', synthetic data. pyconfig.get_individual_scales: with log2 S = 3 q + r,
    // heads and mlp scale 2^(q + [r>0]), emb 2^(q + [r>1]), layers 2^q, applied to base.yml (2024):
    // base_emb_dim 2048, base_num_query_heads = base_num_kv_heads = 16, base_mlp_dim 7168,
    // base_num_decoder_layers 16, head_dim 128 (so query width = heads x 128 can exceed d_model),
    // mlp_activations [silu, linear] (gated), vocab 32000, logits_via_embedding False (untied). The
    // scripts have several stored versions with different batch or TP; each row names the version
    // used.
    {.name = "MaxText 32B on v5p-128 (64 TPU v5p chips)",
     .source = "AI-Hypercomputer/maxtext MaxText/configs/v5p/README.md, '32B model' table, row "
               "'1x v5p-128': 328 TFLOP/sec/chip, 71.47 % MFU; config MaxText/configs/v5p/32b.sh",
     .chip = "TPUv5p", .compute = "bf16", .calibration = true, .layers = 32, .d_model = 8192,
     .d_ff = 28672, .heads = 64, .kv_heads = 64, .vocabulary = 32000, .sequence = 2048,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 64, .data = 16, .tensor = 4,
     .pipeline = 1, .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 24,
     .recompute = "dots", .shard = "parameters", .shard_group = 0, .batch_sequences = 384.0,
     .figure = Figure::kMfu, .value = 0.7147, .count = FlopCount::kMaxText,
     .note = "global_parameter_scale=32: 32 layers, emb 8192, mlp 28672, 64 heads of 128. 32b.sh "
             "at commit 8c3d2e65: per_device_batch_size=6, ici_tensor_parallelism=4, "
             "remat_policy=minimal. Another stored version of 32b.sh (0d9779a5) has "
             "per_device_batch_size=7; which one produced the README row is not recorded. Batch = "
             "per_device_batch_size x chips = 384; microbatch = sequences per FSDP rank (no "
             "gradient accumulation). remat_policy=minimal (saves the outputs of the matmuls with the weights, recomputes the rest): recompute 'dots'. Same row: 328 "
             "TFLOP/s/chip. The MaxText FLOP formula changed over 2024 (PaLM-style 6N + causal "
             "attention before, matmul count with non-causal attention after); for these shapes "
             "the two differ by < 1.5 %."},
    {.name = "MaxText 128B on v5p-256 (128 TPU v5p chips)",
     .source = "AI-Hypercomputer/maxtext MaxText/configs/v5p/README.md, '128B model' table, row "
               "'1x v5p-256': 315 TFLOP/sec/chip, 68.68 % MFU; config MaxText/configs/v5p/128b.sh",
     .chip = "TPUv5p", .compute = "bf16", .calibration = true, .layers = 64, .d_model = 8192,
     .d_ff = 57344, .heads = 128, .kv_heads = 128, .vocabulary = 32000, .sequence = 2048,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 128, .data = 16, .tensor = 8,
     .pipeline = 1, .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 8,
     .recompute = "dots", .shard = "parameters", .shard_group = 0, .batch_sequences = 128.0,
     .figure = Figure::kMfu, .value = 0.6868, .count = FlopCount::kMaxText,
     .note = "global_parameter_scale=128: 64 layers, emb 8192, mlp 57344, 128 heads of 128. "
             "128b.sh at commits 5431d43a and 07775101 (same values): per_device_batch_size=1, "
             "ici_tensor_parallelism=8, remat_policy=minimal. Batch = per_device_batch_size x "
             "chips = 128; microbatch = sequences per FSDP rank (no gradient accumulation). "
             "remat_policy=minimal (saves the outputs of the matmuls with the weights, recomputes the rest): recompute 'dots'. Same row: 315 TFLOP/s/chip. The "
             "MaxText FLOP formula changed over 2024 (PaLM-style 6N + causal attention before, "
             "matmul count with non-causal attention after); for these shapes the two differ by < "
             "1.5 %."},
    {.name = "MaxText 1024B on v5p-4096 (2048 TPU v5p chips)",
     .source = "AI-Hypercomputer/maxtext MaxText/configs/v5p/README.md, '1024B model' table, row "
               "'1x v5p-4096': 297 TFLOP/sec/chip, 64.80 % MFU; config "
               "MaxText/configs/v5p/1024b.sh",
     .chip = "TPUv5p", .compute = "bf16", .calibration = true, .layers = 128, .d_model = 16384,
     .d_ff = 114688, .heads = 256, .kv_heads = 256, .vocabulary = 32000, .sequence = 2048,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 2048, .data = 128, .tensor = 16,
     .pipeline = 1, .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 32,
     .recompute = "full", .shard = "parameters", .shard_group = 0, .batch_sequences = 4096.0,
     .figure = Figure::kMfu, .value = 0.648, .count = FlopCount::kMaxText,
     .note = "global_parameter_scale=1024: 128 layers, emb 16384, mlp 114688, 256 heads of 128. "
             "1024b.sh at commit 8c3d2e65: per_device_batch_size=2, ici_tensor_parallelism=16, "
             "remat_policy=full. Other stored versions use ici_tensor_parallelism=8 (with a "
             "malformed ici_data_parallelism=16) or no tensor parallelism; which one produced the "
             "README row is not recorded. Batch = per_device_batch_size x chips = 4096; "
             "microbatch = sequences per FSDP rank (no gradient accumulation). remat_policy=full "
             "recorded as 'full'. Same row: 297 TFLOP/s/chip. The MaxText FLOP formula changed "
             "over 2024 (PaLM-style 6N + causal attention before, matmul count with non-causal "
             "attention after); for these shapes the two differ by < 1.5 %."},

    // ======================================================================================
    // VALIDATION (calibration = false)
    // ======================================================================================

    // BLOOM-176B (BigScience 2022; arXiv 2211.05100): bigscience-workshop/bigscience
    // train/tr11-176B-ml/README.md and tr11-176B-ml.slurm. 70 layers, hidden 14336, 112 heads (of
    // 128), d_ff 4 h (GELU, two matrices), ALiBi, embedding LayerNorm, tied embeddings ("tied
    // embedding layers" in the README), vocabulary 250,680 padded to 250,880 (--pad-vocab-size-to),
    // sequence 2048; 48 nodes x 8 A100-80GB = 384 GPUs, TP 4, PP 12, DP 8, MBS 2, GBS 2048, bf16,
    // --checkpoint-activations, DeepSpeed BF16_Optimizer (its own ZeRO stage 1). The README quotes
    // the log line at iteration 85376: 104.70 s per iteration, 19.561 samples/s, "TFLOPs: 149.77"
    // (Megatron-DeepSpeed counts 96 B s l h^2 (1 + s/(6h) + V/(16 l h)) with V = 250880;
    // reproduced: 149.76).
    {.name = "BLOOM-176B on 384 A100",
     .source = "bigscience-workshop/bigscience train/tr11-176B-ml/README.md ('Important "
               "checkpoints' log line, 'Replica setup', 'Throughput') and tr11-176B-ml.slurm",
     .chip = "A100", .compute = "bf16", .calibration = false, .layers = 70, .d_model = 14336,
     .d_ff = 57344, .heads = 112, .kv_heads = 112, .vocabulary = 250880, .sequence = 2048,
     .d_head = 0, .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 384, .data = 8, .tensor = 4,
     .pipeline = 12, .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 2,
     .recompute = "full", .shard = "optimizer", .shard_group = 0, .batch_sequences = 2048.0,
     .figure = Figure::kTflopsPerDevice, .value = 149.77, .count = FlopCount::kNarayanan2021,
     .note = "Measured iteration time 104.70 s at GBS 2048 (equivalently 19.561 samples/s = 104.3 "
             "tokens/s/GPU). The BLOOM paper rounds this to 'about 150 TFLOP/s'. Pipeline "
             "partition 'type:transformer|embedding' (first and last stage hold 5 blocks + "
             "embedding, the others 6).",
     .materialised_scores = true, .attention_dropout = 0.1},

    // Smith et al. 2022, "Using DeepSpeed and Megatron to Train Megatron-Turing NLG 530B" (arXiv
    // 2201.11990), section 2 (system): 105 layers, hidden 20480, 128 heads, d_ff 4 h, sequence
    // 2048, GPT-2 BPE vocabulary (51,200 after Megatron padding), tied embeddings (Megatron GPT
    // default); 8-way tensor x 35-way pipeline parallelism, data parallelism across the rest;
    // global batch 1920 on 280 / 350 / 420 DGX A100 nodes: 60.1 / 50.2 / 44.4 s per iteration = 126
    // / 121 / 113 TFLOP/s per GPU. (Numbers as quoted from the paper's section 2.4 by
    // cli99/llm-analysis examples/megatron-turing-nlg/README.md; the paper text itself was not in
    // the stored corpus.) The TFLOP/s are reproduced to < 1 % by the Narayanan 2021 formula with V
    // = 51200, which counts the recomputed forward pass.
    {.name = "MT-NLG 530B on 2240 A100",
     .source = "Smith et al. 2022 (arXiv 2201.11990) section 2.4: 280 DGX A100 nodes, batch 1920, "
               "60.1 s per iteration, 126 TFLOP/s per GPU",
     .chip = "A100", .compute = "bf16", .calibration = false, .layers = 105, .d_model = 20480,
     .d_ff = 81920, .heads = 128, .kv_heads = 128, .vocabulary = 51200, .sequence = 2048,
     .d_head = 0, .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 2240, .data = 8, .tensor = 8,
     .pipeline = 35, .context = 1, .expert = 1, .virtual_stages = 0, .microbatch = 0,
     .recompute = "full", .shard = "optimizer", .shard_group = 0, .batch_sequences = 1920.0,
     .figure = Figure::kTflopsPerDevice, .value = 126.0, .count = FlopCount::kNarayanan2021,
     .note = "Measured iteration time 60.1 s. Assumed (not in the available text): microbatch "
             "(0), no interleaving (1), full recomputation (consistent with the 96-coefficient "
             "FLOP count reproducing 126), ZeRO-1 optimizer sharding over the data-parallel ranks "
             "(DeepSpeed; cli99/llm-analysis models it as ZeRO-3 instead), bf16 (A100 fp16 and "
             "bf16 peaks are equal). TP 8 x PP 35 also as in llm-analysis run_train.sh.",
     .materialised_scores = true, .attention_dropout = 0.1},
    {.name = "MT-NLG 530B on 2800 A100",
     .source = "Smith et al. 2022 (arXiv 2201.11990) section 2.4: 350 DGX A100 nodes, batch 1920, "
               "50.2 s per iteration, 121 TFLOP/s per GPU",
     .chip = "A100", .compute = "bf16", .calibration = false, .layers = 105, .d_model = 20480,
     .d_ff = 81920, .heads = 128, .kv_heads = 128, .vocabulary = 51200, .sequence = 2048,
     .d_head = 0, .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 2800, .data = 10, .tensor = 8,
     .pipeline = 35, .context = 1, .expert = 1, .virtual_stages = 0, .microbatch = 0,
     .recompute = "full", .shard = "optimizer", .shard_group = 0, .batch_sequences = 1920.0,
     .figure = Figure::kTflopsPerDevice, .value = 121.0, .count = FlopCount::kNarayanan2021,
     .note = "Measured iteration time 50.2 s. Assumed (not in the available text): microbatch "
             "(0), no interleaving (1), full recomputation (consistent with the 96-coefficient "
             "FLOP count reproducing 121), ZeRO-1 optimizer sharding over the data-parallel ranks "
             "(DeepSpeed; cli99/llm-analysis models it as ZeRO-3 instead), bf16 (A100 fp16 and "
             "bf16 peaks are equal). TP 8 x PP 35 also as in llm-analysis run_train.sh.",
     .materialised_scores = true, .attention_dropout = 0.1},
    {.name = "MT-NLG 530B on 3360 A100",
     .source = "Smith et al. 2022 (arXiv 2201.11990) section 2.4: 420 DGX A100 nodes, batch 1920, "
               "44.4 s per iteration, 113 TFLOP/s per GPU",
     .chip = "A100", .compute = "bf16", .calibration = false, .layers = 105, .d_model = 20480,
     .d_ff = 81920, .heads = 128, .kv_heads = 128, .vocabulary = 51200, .sequence = 2048,
     .d_head = 0, .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 3360, .data = 12, .tensor = 8,
     .pipeline = 35, .context = 1, .expert = 1, .virtual_stages = 0, .microbatch = 0,
     .recompute = "full", .shard = "optimizer", .shard_group = 0, .batch_sequences = 1920.0,
     .figure = Figure::kTflopsPerDevice, .value = 113.0, .count = FlopCount::kNarayanan2021,
     .note = "Measured iteration time 44.4 s. Assumed (not in the available text): microbatch "
             "(0), no interleaving (1), full recomputation (consistent with the 96-coefficient "
             "FLOP count reproducing 113), ZeRO-1 optimizer sharding over the data-parallel ranks "
             "(DeepSpeed; cli99/llm-analysis models it as ZeRO-3 instead), bf16 (A100 fp16 and "
             "bf16 peaks are equal). TP 8 x PP 35 also as in llm-analysis run_train.sh.",
     .materialised_scores = true, .attention_dropout = 0.1},

    // Dubey et al. 2024, "The Llama 3 Herd of Models" (arXiv 2407.21783). Architecture Table 3:
    // 405B = 126 layers, d_model 16384, FFN 53248 (SwiGLU), 128 heads, 8 KV heads, vocabulary
    // 128,256, untied. Section 3.3.2, Table 4 (scaling configurations and MFU of the 405B
    // pre-training stages, BF16, H100): GPUs, TP, CP, PP, DP, sequence, tokens per batch (16M),
    // TFLOP/s per GPU 430 / 400 / 380. The GPU / TP / CP / PP / tokens-per-batch / TFLOP/s columns
    // were checked against a reproduction of the table (P. Balaji, SC'24 talk, quoted on
    // glennklockwood.com/garden/llama-3.1); DP and sequences per step are derived (DP = GPUs / (TP
    // CP PP); batch = 16,777,216 tokens / sequence). Data parallelism is FSDP that "shards the
    // model, optimizer and gradients".
    {.name = "Llama 3 405B on 8192 H100, TP8 CP1 PP16, seq 8192",
     .source = "Dubey et al. 2024 (arXiv 2407.21783) Table 4, row 8192 GPUs, TP 8, CP 1, PP 16, "
               "DP 64, seq 8192, 16M tokens/batch, 430 TFLOPs/GPU",
     .chip = "H100", .compute = "bf16", .calibration = false, .layers = 126, .d_model = 16384,
     .d_ff = 53248, .heads = 128, .kv_heads = 8, .vocabulary = 128256, .sequence = 8192,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 8192, .data = 64, .tensor = 8,
     .pipeline = 16, .context = 1, .expert = 1, .virtual_stages = 0, .microbatch = 0,
     .recompute = "", .shard = "parameters", .shard_group = 0, .batch_sequences = 2048.0,
     .figure = Figure::kTflopsPerDevice, .value = 430.0, .count = FlopCount::kSixN,
     .note = "Assumptions: FLOP convention kSixN (6 x 405e9 per token) -- the paper does not say "
             "how it counts (treat this row's FLOP-to-time conversion as uncertain); virtual "
             "stages (the paper uses an interleaved schedule but the count is not in Table 4), "
             "microbatch not published, recomputation searched (sec. 3.3.2 says the 8K runs used no "
             "activation checkpointing; the search finds none at all three); batch derived from 16M "
             "tokens."},
    {.name = "Llama 3 405B on 16384 H100, TP8 CP1 PP16, seq 8192",
     .source = "Dubey et al. 2024 (arXiv 2407.21783) Table 4, row 16384 GPUs, TP 8, CP 1, PP 16, "
               "DP 128, seq 8192, 16M tokens/batch, 400 TFLOPs/GPU",
     .chip = "H100", .compute = "bf16", .calibration = false, .layers = 126, .d_model = 16384,
     .d_ff = 53248, .heads = 128, .kv_heads = 8, .vocabulary = 128256, .sequence = 8192,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 16384, .data = 128, .tensor = 8,
     .pipeline = 16, .context = 1, .expert = 1, .virtual_stages = 0, .microbatch = 0,
     .recompute = "", .shard = "parameters", .shard_group = 0, .batch_sequences = 2048.0,
     .figure = Figure::kTflopsPerDevice, .value = 400.0, .count = FlopCount::kSixN,
     .note = "Assumptions: FLOP convention kSixN (6 x 405e9 per token) -- the paper does not say "
             "how it counts (treat this row's FLOP-to-time conversion as uncertain); virtual "
             "stages (the paper uses an interleaved schedule but the count is not in Table 4), "
             "microbatch not published, recomputation searched (sec. 3.3.2 says the 8K runs used no "
             "activation checkpointing; the search finds none at all three); batch derived from 16M "
             "tokens."},
    {.name = "Llama 3 405B on 16384 H100, TP8 CP16 PP16, seq 131072",
     .source = "Dubey et al. 2024 (arXiv 2407.21783) Table 4, row 16384 GPUs, TP 8, CP 16, PP 16, "
               "DP 8, seq 131072, 16M tokens/batch, 380 TFLOPs/GPU",
     .chip = "H100", .compute = "bf16", .calibration = false, .layers = 126, .d_model = 16384,
     .d_ff = 53248, .heads = 128, .kv_heads = 8, .vocabulary = 128256, .sequence = 131072,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 16384, .data = 8, .tensor = 8,
     .pipeline = 16, .context = 16, .expert = 1, .virtual_stages = 0, .microbatch = 0,
     .recompute = "", .shard = "parameters", .shard_group = 0, .batch_sequences = 128.0,
     .figure = Figure::kTflopsPerDevice, .value = 380.0, .count = FlopCount::kSixN,
     .note = "Assumptions: FLOP convention kSixN (6 x 405e9 per token) -- the paper does not say "
             "how it counts (treat this row's FLOP-to-time conversion as uncertain); virtual "
             "stages (the paper uses an interleaved schedule but the count is not in Table 4), "
             "microbatch not published, recomputation searched (sec. 3.3.2 says the 8K runs used no "
             "activation checkpointing; the search finds none at all three); batch derived from 16M "
             "tokens. "
             "Long-context stage: at 128K tokens attention FLOPs are comparable to the 6N term, "
             "so the FLOP convention matters most in this row."},

    // NeMo 24.07 (NVIDIA/NeMo docs/source/performance/performance_summary.md, DGX-H100, FP8) and
    // Megatron-Bridge 25.11 (docs/performance-summary.md) rows other than the calibration ones.
    // Llama 3 architectures from the Llama 3 paper Table 3 / HF configs (8B: 32 layers, 4096, FFN
    // 14336, 32 heads, 8 KV; 70B: 80 layers, 8192, FFN 28672, 64 heads, 8 KV; vocabulary 128,256,
    // untied, SwiGLU). Presets (recompute, FSDP, offload) from the stored
    // scripts/performance/configs/llama/llama3_workload_base_configs.py.
    {.name = "NeMo 24.07: GPT-3 175B FP8 on 128 H100",
     .source = "NVIDIA/NeMo docs/source/performance/performance_summary.md (NeMo 24.07, DGX-H100, "
               "FP8), row GPT3-175B: 128 GPUs, GBS 256, MBS 1, seq 2048, TP 4, PP 8, CP 1, VP 6",
     .chip = "H100", .compute = "fp8", .calibration = false, .layers = 96, .d_model = 12288,
     .d_ff = 49152, .heads = 96, .kv_heads = 96, .vocabulary = 50257, .sequence = 2048,
     .d_head = 128, .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 128, .data = 4, .tensor = 4,
     .pipeline = 8, .context = 1, .expert = 1, .virtual_stages = 6, .microbatch = 1,
     .recompute = "none", .shard = "optimizer", .shard_group = 0, .batch_sequences = 256.0,
     .figure = Figure::kTokensPerSecondPerDevice, .value = 726.0, .count = FlopCount::kNone,
     .note = "Same row: 782 Model TFLOP/s/GPU. Assumed: recomputation none, distributed optimizer "
             "(NeMo default)."},
    {.name = "NeMo 24.07: Llama 3 70B FP8 on 64 H100",
     .source = "NVIDIA/NeMo docs/source/performance/performance_summary.md (NeMo 24.07, DGX-H100, "
               "FP8), row LLAMA3-70B: 64 GPUs, GBS 128, MBS 1, seq 8192, TP 4, PP 4, CP 2, VP 5",
     .chip = "H100", .compute = "fp8", .calibration = false, .layers = 80, .d_model = 8192,
     .d_ff = 28672, .heads = 64, .kv_heads = 8, .vocabulary = 128256, .sequence = 8192,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 64, .data = 2, .tensor = 4, .pipeline = 4,
     .context = 2, .expert = 1, .virtual_stages = 5, .microbatch = 1, .recompute = "none",
     .shard = "optimizer", .shard_group = 0, .batch_sequences = 128.0,
     .figure = Figure::kTokensPerSecondPerDevice, .value = 1533.0, .count = FlopCount::kNone,
     .note = "Same row: 738 Model TFLOP/s/GPU. Assumed: recomputation none, distributed optimizer "
             "(NeMo default)."},
    {.name = "Megatron-Bridge 25.11: Llama 3 70B FP8 on 64 H100",
     .source = "NVIDIA-NeMo/Megatron-Bridge docs/performance-summary.md, 25.11, System DGX-H100, "
               "row LLAMA3_70B: 64 GPUs, FP8-CS, GBS 128, MBS 1, seq 8192, FSDP 0, TP 4, PP 8, CP "
               "1, VP 5, EP 1, GA 64",
     .chip = "H100", .compute = "fp8", .calibration = false, .layers = 80, .d_model = 8192,
     .d_ff = 28672, .heads = 64, .kv_heads = 8, .vocabulary = 128256, .sequence = 8192,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 64, .data = 2, .tensor = 4, .pipeline = 8,
     .context = 1, .expert = 1, .virtual_stages = 5, .microbatch = 1, .recompute = "none",
     .shard = "optimizer", .shard_group = 0, .batch_sequences = 128.0,
     .figure = Figure::kTokensPerSecondPerDevice, .value = 1602.0, .count = FlopCount::kNone,
     .note = "Same row: 719 Model TFLOP/s/GPU. Recompute none per the stored H100 FP8_CS V1 "
             "preset; shard 'optimizer' assumed (distributed optimizer). The 26.02 archive table "
             "gives 1621 tok/s for the same layout at GBS 256."},

    // DeepSeek-AI 2024, "DeepSeek-V3 Technical Report" (arXiv 2412.19437). Architecture (section
    // 4.2 and the released config.json): 61 layers, d_model 7168, 128 heads, MLA with q LoRA rank
    // 1536, KV rank 512, decoupled RoPE dimension 64, per-head nope dimension 128 and value head
    // 128; first 3 layers dense SwiGLU FFN 18432; the other 58 MoE: 1 shared + 256 routed experts
    // of 2048, top-8 (node-limited to 4 nodes); vocabulary 129,280; untied; one
    // multi-token-prediction module (depth 1), which the struct cannot express. Pre-training:
    // sequence 4096, batch ramped 3072 -> 15360 over the first 469B tokens then 15360. Section
    // 3.1-3.2: 2048 H800 GPUs, 16-way pipeline (DualPipe), 64-way expert parallelism across 8
    // nodes, ZeRO-1 data parallelism, no tensor parallelism, FP8 GEMMs (section 3.3), recomputation
    // of RMSNorm and MLA up-projections (section 3.2.3). Section 1 / 5.1: "training DeepSeek-V3 on
    // each trillion tokens requires only 180K H800 GPU hours, i.e., 3.7 days on our cluster with
    // 2048 H800 GPUs".
    {.name = "DeepSeek-V3 671B FP8 on 2048 H800",
     .source = "DeepSeek-V3 Technical Report (arXiv 2412.19437) section 1 and Table 1 (180K H800 "
               "GPU hours per trillion tokens), 3.1-3.3 (cluster, parallelism, FP8), 4.2 "
               "(hyper-parameters)",
     .chip = "H800", .compute = "fp8", .calibration = false, .layers = 61, .d_model = 7168,
     .d_ff = 18432, .heads = 128, .kv_heads = 128, .vocabulary = 129280, .sequence = 4096,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 256, .top_k = 8,
     .expert_d_ff = 2048, .shared_experts = 1, .dense_layers = 3, .moe_every = 1, .mla = true,
     .q_rank = 1536, .kv_rank = 512, .rope_dim = 64, .devices = 2048, .data = 128, .tensor = 1,
     .pipeline = 16, .context = 1, .expert = 64, .virtual_stages = 0, .microbatch = 0,
     .recompute = "", .shard = "optimizer", .shard_group = 0, .batch_sequences = 15360.0,
     .figure = Figure::kTokensPerSecondPerDevice, .value = 1543.21, .count = FlopCount::kNone,
     .note = "Conversion: 1e12 tokens / (180e3 GPU-h x 3600 s) = 1543.2 tokens/s per GPU (3.16M "
             "tokens/s on 2048 GPUs). It is a whole-run average (includes the batch ramp from "
             "3072 and any stalls), not a steady-state step measurement. data 128 = 2048 / PP 16. "
             "DualPipe is bidirectional and keeps two copies of each stage's parameters; "
             "virtual_stages 1 and microbatch 0 because the report gives neither. MTP module not "
             "modelled. Routing node-limited to 4 of 8 groups (section 2.1.2; config.json n_group "
             "8, topk_group 4), each token sent once per node over InfiniBand and forwarded over "
             "NVLink (3.2.2), dispatch in FP8 and combine in BF16 (3.3.3), the all-to-all "
             "overlapped with computation by DualPipe (3.2.1: 'both all-to-all and PP "
             "communication can be fully hidden'): overlap 1.",
     .routing_groups = 8, .routing_group_limit = 4, .dispatch_per_node = true,
     .dispatch_fp8 = true, .dispatch_overlap = 1.0},

    // Blackwell rows: Megatron-Bridge 25.11 tables "System: DGX-B200" and "System: DGX-GB200"
    // (docs/performance-summary.md and -archive.md; MoE rows are force-balanced and
    // token-dropless), and the NeMo 25.02 FP8 table for DGX-B200
    // (docs.nvidia.com/nemo-framework/user-guide/latest/performance/performance_summary.html,
    // "Container: NeMo 25.02"). Qwen3-235B-A22B architecture (HF config): 94 layers, d_model 4096,
    // 64 query heads / 4 KV heads of 128, every layer MoE with 128 experts of 1536, top-8, no
    // shared expert, vocabulary 151,936, untied. Mixtral 8x7B (Jiang et al. 2024 / HF config): 32
    // layers, 4096, 32 heads / 8 KV, 8 experts of 14336, top-2, vocabulary 32000, untied.
    // DeepSeek-V3 as above. Presets from the stored
    // scripts/performance/configs/{deepseek,qwen,llama}/*_workload_base_configs.py (later than the
    // 25.11 tag: where a stored preset and the 25.11 table disagree, the table is used and the note
    // says so).
    {.name = "Megatron-Bridge 25.11: Llama 3 8B FP8 on 8 B200",
     .source = "NVIDIA-NeMo/Megatron-Bridge docs/performance-summary.md, 25.11, System DGX-B200, "
               "row LLAMA3_8B: 8 GPUs, FP8-CS (FP8-MX), GBS 128, MBS 2, seq 8192, FSDP 0, TP 1, "
               "PP 1, CP 1, EP 1, GA 8",
     .chip = "B200", .compute = "fp8", .calibration = false, .layers = 32, .d_model = 4096,
     .d_ff = 14336, .heads = 32, .kv_heads = 8, .vocabulary = 128256, .sequence = 8192,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 8, .data = 8, .tensor = 1, .pipeline = 1,
     .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 2, .recompute = "none",
     .shard = "optimizer", .shard_group = 0, .batch_sequences = 128.0,
     .figure = Figure::kTokensPerSecondPerDevice, .value = 30624.0, .count = FlopCount::kNone,
     .note = "FP8 current scaling; 29521 tok/s with MXFP8. Same row: 1576 (1519) Model "
             "TFLOP/s/GPU. Stored preset: MBS 2, full-iteration CUDA graph, no recompute. shard "
             "'optimizer' assumed."},
    {.name = "Megatron-Bridge 25.11: DeepSeek-V3 MXFP8 on 256 B200",
     .source = "NVIDIA-NeMo/Megatron-Bridge docs/performance-summary.md, 25.11, System DGX-B200, "
               "row DeepSeekV3 (w/ MTP in the archive copy): 256 GPUs, FP8-MX, GBS 2048, MBS 1, "
               "seq 4096, FSDP 0, TP 1, PP 16, CP 1, VP 1, EP 8, GA 128",
     .chip = "B200", .compute = "fp8", .calibration = false, .layers = 61, .d_model = 7168,
     .d_ff = 18432, .heads = 128, .kv_heads = 128, .vocabulary = 129280, .sequence = 4096,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 256, .top_k = 8,
     .expert_d_ff = 2048, .shared_experts = 1, .dense_layers = 3, .moe_every = 1, .mla = true,
     .q_rank = 1536, .kv_rank = 512, .rope_dim = 64, .devices = 256, .data = 16, .tensor = 1,
     .pipeline = 16, .context = 1, .expert = 8, .virtual_stages = 1, .microbatch = 1,
     .recompute = "selective", .shard = "optimizer", .shard_group = 0, .batch_sequences = 2048.0,
     .figure = Figure::kTokensPerSecondPerDevice, .value = 2139.0, .count = FlopCount::kNone,
     .note = "MXFP8 (32x32 scaling blocks). Same row: 557 Model TFLOP/s/GPU. Trained with the MTP "
             "module (not modelled). Recompute 'selective' = recompute_modules [mla_up_proj] in "
             "the stored B200 V1 preset. Token routing force-balanced. shard 'optimizer' assumed. Routing groups 8, limit 4 as "
             "config.json; dispatch per node (moe_flex_dispatcher_backend in every stored "
             "DeepSeek-V3 preset; the expert group lies inside one NVLink domain, so it changes "
             "nothing); the all-to-all overlap is not in the 25.11 table and left at 0.",
     .routing_groups = 8, .routing_group_limit = 4, .dispatch_per_node = true},
    {.name = "Megatron-Bridge 25.11: Qwen3-235B-A22B MXFP8 on 64 B200",
     .source = "NVIDIA-NeMo/Megatron-Bridge docs/performance-summary.md, 25.11, System DGX-B200, "
               "row Qwen3_235B_a22B: 64 GPUs, FP8-MX, GBS 1024, MBS 1, seq 4096, FSDP 0, TP 1, PP "
               "8, CP 1, VP 2, EP 8, GA 128",
     .chip = "B200", .compute = "fp8", .calibration = false, .layers = 94, .d_model = 4096,
     .d_ff = 12288, .heads = 64, .kv_heads = 4, .vocabulary = 151936, .sequence = 4096,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 128, .top_k = 8,
     .expert_d_ff = 1536, .shared_experts = 0, .dense_layers = 0, .moe_every = 1, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 64, .data = 8, .tensor = 1, .pipeline = 8,
     .context = 1, .expert = 8, .virtual_stages = 2, .microbatch = 1, .recompute = "none",
     .shard = "optimizer", .shard_group = 0, .batch_sequences = 1024.0,
     .figure = Figure::kTokensPerSecondPerDevice, .value = 3269.0, .count = FlopCount::kNone,
     .note = "MXFP8. Same row: 484 Model TFLOP/s/GPU. The stored B200 preset has no VP; the "
             "table's VP 2 is used. No recompute in the stored preset (library-recipe default not "
             "checked). Token routing force-balanced. shard 'optimizer' assumed."},
    {.name = "NeMo 25.02: Mixtral 8x7B FP8 on 64 B200",
     .source = "NeMo Framework user guide, Performance summary (Container NeMo 25.02, System "
               "DGX-B200, FP8 pre-training), row Mixtral-8x7B: 64 GPUs, GBS 256, MBS 2, seq 4096, "
               "TP 1, PP 1, CP 1, VP 1, EP 8, GA 2",
     .chip = "B200", .compute = "fp8", .calibration = false, .layers = 32, .d_model = 4096,
     .d_ff = 14336, .heads = 32, .kv_heads = 8, .vocabulary = 32000, .sequence = 4096,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 8, .top_k = 2,
     .expert_d_ff = 14336, .shared_experts = 0, .dense_layers = 0, .moe_every = 1, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 64, .data = 64, .tensor = 1,
     .pipeline = 1, .context = 1, .expert = 8, .virtual_stages = 1, .microbatch = 2,
     .recompute = "none", .shard = "optimizer", .shard_group = 0, .batch_sequences = 256.0,
     .figure = Figure::kTokensPerSecondPerDevice, .value = 15457.0, .count = FlopCount::kNone,
     .note = "FP8 per-tensor current scaling. Same row: 1282 Model TFLOP/s/GPU. Read from the "
             "stored docs page (search result text), not from a repository file. Assumed: "
             "recomputation none, distributed optimizer, routing as in NeMo's perf recipes (not "
             "stated whether force-balanced)."},
    {.name = "Megatron-Bridge 25.11: Llama 3 70B FP8 FSDP on 64 GB200",
     .source = "NVIDIA-NeMo/Megatron-Bridge docs/performance-summary.md, 25.11, System DGX-GB200, "
               "row LLAMA3_70B: 64 GPUs, FP8-CS, GBS 256, MBS 2, seq 8192, FSDP 64 (archive) / 1 "
               "(main page), TP 1, PP 1, CP 1, VP 1, EP 1, GA 2",
     .chip = "GB200", .compute = "fp8", .calibration = false, .layers = 80, .d_model = 8192,
     .d_ff = 28672, .heads = 64, .kv_heads = 8, .vocabulary = 128256, .sequence = 8192,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 64, .data = 64, .tensor = 1,
     .pipeline = 1, .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 2,
     .recompute = "none", .shard = "parameters", .shard_group = 64, .batch_sequences = 256.0,
     .figure = Figure::kTokensPerSecondPerDevice, .value = 4312.0, .count = FlopCount::kNone,
     .note = "Megatron-FSDP over all 64 GPUs. Same row: 1937 Model TFLOP/s/GPU. The stored GB200 "
             "FP8_CS V2 preset also sets cpu_offloading_num_layers=40 (activations of 40 of 80 "
             "layers offloaded to Grace memory): offload_layers 40.",
     .offload_layers = 40},
    {.name = "Megatron-Bridge 25.11: DeepSeek-V3 BF16 on 256 GB200",
     .source = "NVIDIA-NeMo/Megatron-Bridge docs/performance-summary.md, 25.11, System DGX-GB200, "
               "row DeepSeekV3 (w/o MTP in the archive copy), BF16: 256 GPUs, GBS 4096, MBS 1, "
               "seq 4096, FSDP 0, TP 1, PP 4, CP 1, VP 4, EP 64, GA 64",
     .chip = "GB200", .compute = "bf16", .calibration = false, .layers = 61, .d_model = 7168,
     .d_ff = 18432, .heads = 128, .kv_heads = 128, .vocabulary = 129280, .sequence = 4096,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 256, .top_k = 8,
     .expert_d_ff = 2048, .shared_experts = 1, .dense_layers = 3, .moe_every = 1, .mla = true,
     .q_rank = 1536, .kv_rank = 512, .rope_dim = 64, .devices = 256, .data = 64, .tensor = 1,
     .pipeline = 4, .context = 1, .expert = 64, .virtual_stages = 4, .microbatch = 1,
     .recompute = "selective", .shard = "optimizer", .shard_group = 0, .batch_sequences = 4096.0,
     .figure = Figure::kTokensPerSecondPerDevice, .value = 3139.0, .count = FlopCount::kNone,
     .note = "Same row: 782 Model TFLOP/s/GPU. Without the MTP module. Recompute 'selective' = "
             "recompute_modules [mla_up_proj] in the stored GB200 BF16 preset. Token routing "
             "force-balanced. shard 'optimizer' assumed. Routing groups 8, limit 4 as "
             "config.json; dispatch per node (moe_flex_dispatcher_backend in every stored "
             "DeepSeek-V3 preset; the expert group lies inside one NVLink domain, so it changes "
             "nothing); the all-to-all overlap is not in the 25.11 table and left at 0.",
     .routing_groups = 8, .routing_group_limit = 4, .dispatch_per_node = true},
    {.name = "Megatron-Bridge 25.11: DeepSeek-V3 MXFP8 on 256 GB200",
     .source = "NVIDIA-NeMo/Megatron-Bridge docs/performance-summary.md, 25.11, System DGX-GB200, "
               "row DeepSeekV3 (w/o MTP), FP8-MX: 256 GPUs, GBS 4096, MBS 1, seq 4096, FSDP 0, TP "
               "1, PP 8, CP 1, VP 4, EP 32, GA 128",
     .chip = "GB200", .compute = "fp8", .calibration = false, .layers = 61, .d_model = 7168,
     .d_ff = 18432, .heads = 128, .kv_heads = 128, .vocabulary = 129280, .sequence = 4096,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 256, .top_k = 8,
     .expert_d_ff = 2048, .shared_experts = 1, .dense_layers = 3, .moe_every = 1, .mla = true,
     .q_rank = 1536, .kv_rank = 512, .rope_dim = 64, .devices = 256, .data = 32, .tensor = 1,
     .pipeline = 8, .context = 1, .expert = 32, .virtual_stages = 4, .microbatch = 1,
     .recompute = "selective", .shard = "optimizer", .shard_group = 0, .batch_sequences = 4096.0,
     .figure = Figure::kTokensPerSecondPerDevice, .value = 4018.0, .count = FlopCount::kNone,
     .note = "MXFP8. Same row: 1003 Model TFLOP/s/GPU. Without MTP. The stored (later) GB200 "
             "FP8_MX preset uses PP 4 / EP 64 and full-iteration CUDA graphs; the 25.11 table's "
             "PP 8 / EP 32 is used here. Recompute assumed 'selective' (mla_up_proj in every "
             "stored GB200 DeepSeek preset). shard 'optimizer' assumed. Routing groups 8, limit 4 as "
             "config.json; dispatch per node (moe_flex_dispatcher_backend in every stored "
             "DeepSeek-V3 preset; the expert group lies inside one NVLink domain, so it changes "
             "nothing); the all-to-all overlap is not in the 25.11 table and left at 0.",
     .routing_groups = 8, .routing_group_limit = 4, .dispatch_per_node = true},
    {.name = "Megatron-Bridge 25.11: Qwen3-235B-A22B BF16 on 256 GB200",
     .source = "NVIDIA-NeMo/Megatron-Bridge docs/performance-summary.md, 25.11, System DGX-GB200, "
               "row Qwen3_235B_a22B: 256 GPUs, BF16, GBS 8192, MBS 1, seq 4096, FSDP 0, TP 1, PP "
               "8, CP 1, VP 3, EP 32, GA 256",
     .chip = "GB200", .compute = "bf16", .calibration = false, .layers = 94, .d_model = 4096,
     .d_ff = 12288, .heads = 64, .kv_heads = 4, .vocabulary = 151936, .sequence = 4096,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 128, .top_k = 8,
     .expert_d_ff = 1536, .shared_experts = 0, .dense_layers = 0, .moe_every = 1, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 256, .data = 32, .tensor = 1,
     .pipeline = 8, .context = 1, .expert = 32, .virtual_stages = 3, .microbatch = 1,
     .recompute = "none", .shard = "optimizer", .shard_group = 0, .batch_sequences = 8192.0,
     .figure = Figure::kTokensPerSecondPerDevice, .value = 4916.0, .count = FlopCount::kNone,
     .note = "Same row: 728 Model TFLOP/s/GPU. The stored GB200 BF16 V2 preset (PP 8, EP 8) "
             "differs from the table's EP 32; the table is used. No recompute in the stored "
             "preset. Token routing force-balanced. shard 'optimizer' assumed."},

    // MaxText validation rows. v5p: same README and base.yml as the calibration rows (64b.sh at
    // commit 3d048f7b, 512b.sh at 07775101). TPU v4: MaxText/configs/v4/README.md ("High
    // Performance Model Configs on TPU v4": 22B on 1x v4-128 156 TFLOP/s/chip 56.7 % MFU; 52B on 1x
    // v4-384 154 TFLOP/s/chip 56.0 %; v4-N = N/2 chips, peak 275) with MaxText/configs/v4/22b.sh
    // (ici_fsdp_parallelism=64, per_device_batch_size=13, remat_policy=full, base_emb_dim=6144, 24
    // heads, base_mlp_dim=24576, 48 layers) and 52b.sh (ici_fsdp_parallelism=192,
    // per_device_batch_size=7, remat_policy=full, base_emb_dim=12288, 32 heads, base_mlp_dim=49152,
    // 32 layers). LOW CONFIDENCE for the v4 rows: the v4 numbers date from 2023, when base.yml had
    // head_dim 256, mlp_activations [relu] (two-matrix FFN), logits_via_embedding True (tied),
    // vocab 32,768 and max_target_length 1024 (seen in the stored 2023 forks CarperAI/maxtext and
    // EleutherAI/maxtext); the scripts override none of these. Those values are assumed because
    // they reproduce the names: 48 x (4 x 6144 x 6144 + 2 x 6144 x 24576) + 32768 x 6144 = 21.9e9
    // ("22B") and 32 x (4 x 12288 x 8192 + 2 x 12288 x 49152) + 32768 x 12288 = 52.0e9 ("52B");
    // today's base.yml (head_dim 128, gated, untied 32000) would give 25.8e9 and 65.2e9. The
    // MaxText FLOP count of that time was 6 N T B + causal attention 12 H L Dh T^2 B / 2 (PaLM
    // Appendix B style, per device).
    {.name = "MaxText 64B on v5p-128 (64 TPU v5p chips)",
     .source = "AI-Hypercomputer/maxtext MaxText/configs/v5p/README.md, '64B model' table, row "
               "'1x v5p-128': 323 TFLOP/sec/chip, 70.31 % MFU; config MaxText/configs/v5p/64b.sh",
     .chip = "TPUv5p", .compute = "bf16", .calibration = false, .layers = 64, .d_model = 8192,
     .d_ff = 28672, .heads = 64, .kv_heads = 64, .vocabulary = 32000, .sequence = 2048,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 64, .data = 16, .tensor = 4,
     .pipeline = 1, .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 12,
     .recompute = "dots", .shard = "parameters", .shard_group = 0, .batch_sequences = 192.0,
     .figure = Figure::kMfu, .value = 0.7031, .count = FlopCount::kMaxText,
     .note = "global_parameter_scale=64: 64 layers, emb 8192, mlp 28672, 64 heads of 128. 64b.sh "
             "at commit 3d048f7b: per_device_batch_size=3, ici_tensor_parallelism=4, "
             "remat_policy=minimal. Batch = per_device_batch_size x chips = 192; microbatch = "
             "sequences per FSDP rank (no gradient accumulation). remat_policy=minimal recorded "
             "as recompute 'dots'. Same row: 323 TFLOP/s/chip. The MaxText FLOP formula changed over "
             "2024 (PaLM-style 6N + causal attention before, matmul count with non-causal "
             "attention after); for these shapes the two differ by < 1.5 %."},
    {.name = "MaxText 512B on v5p-1024 (512 TPU v5p chips)",
     .source = "AI-Hypercomputer/maxtext MaxText/configs/v5p/README.md, '512B model' table, row "
               "'1x v5p-1024': 294 TFLOP/sec/chip, 63.99 % MFU; config MaxText/configs/v5p/512b.sh",
     .chip = "TPUv5p", .compute = "bf16", .calibration = false, .layers = 128, .d_model = 16384,
     .d_ff = 57344, .heads = 128, .kv_heads = 128, .vocabulary = 32000, .sequence = 2048,
     .d_head = 128, .gated_ffn = true, .tied_embeddings = false, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 512, .data = 64, .tensor = 8,
     .pipeline = 1, .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 16,
     .recompute = "full", .shard = "parameters", .shard_group = 0, .batch_sequences = 1024.0,
     .figure = Figure::kMfu, .value = 0.6399, .count = FlopCount::kMaxText,
     .note = "global_parameter_scale=512: 128 layers, emb 16384, mlp 57344, 128 heads of 128. "
             "512b.sh at commit 07775101: per_device_batch_size=2, ici_tensor_parallelism=8, "
             "remat_policy=full. Batch = per_device_batch_size x chips = 1024; microbatch = "
             "sequences per FSDP rank (no gradient accumulation). remat_policy=full recorded as "
             "'full'. Same row: 294 TFLOP/s/chip. The MaxText FLOP formula changed over 2024 "
             "(PaLM-style 6N + causal attention before, matmul count with non-causal attention "
             "after); for these shapes the two differ by < 1.5 %."},
    {.name = "MaxText 22B on v4-128 (64 TPU v4 chips)",
     .source = "AI-Hypercomputer/maxtext MaxText/configs/v4/README.md, '22B model' table, row '1x "
               "v4-128': 156 TFLOP/sec/chip, 56.7 % MFU; config MaxText/configs/v4/22b.sh",
     .chip = "TPUv4", .compute = "bf16", .calibration = false, .layers = 48, .d_model = 6144,
     .d_ff = 24576, .heads = 24, .kv_heads = 24, .vocabulary = 32768, .sequence = 1024,
     .d_head = 256, .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 64, .data = 64, .tensor = 1,
     .pipeline = 1, .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 13,
     .recompute = "full", .shard = "parameters", .shard_group = 0, .batch_sequences = 832.0,
     .figure = Figure::kMfu, .value = 0.567, .count = FlopCount::kMaxText,
     .note = "ASSUMED (2023 base.yml, see group comment): d_head 256, two-matrix FFN, tied "
             "embeddings, vocabulary 32768, sequence 1024. Published: chips, FSDP 64, "
             "per_device_batch_size 13 (batch 832), remat full, 156 TFLOP/s/chip. MFU here uses "
             "the 2023 MaxText count (6N + causal attention)."},
    {.name = "MaxText 52B on v4-384 (192 TPU v4 chips)",
     .source = "AI-Hypercomputer/maxtext MaxText/configs/v4/README.md, '52B model' table, row '1x "
               "v4-384': 154 TFLOP/sec/chip, 56.0 % MFU; config MaxText/configs/v4/52b.sh",
     .chip = "TPUv4", .compute = "bf16", .calibration = false, .layers = 32, .d_model = 12288,
     .d_ff = 49152, .heads = 32, .kv_heads = 32, .vocabulary = 32768, .sequence = 1024,
     .d_head = 256, .gated_ffn = false, .tied_embeddings = true, .experts = 0, .top_k = 0,
     .expert_d_ff = 0, .shared_experts = 0, .dense_layers = 0, .moe_every = 0, .mla = false,
     .q_rank = 0, .kv_rank = 0, .rope_dim = 0, .devices = 192, .data = 192, .tensor = 1,
     .pipeline = 1, .context = 1, .expert = 1, .virtual_stages = 1, .microbatch = 7,
     .recompute = "full", .shard = "parameters", .shard_group = 0, .batch_sequences = 1344.0,
     .figure = Figure::kMfu, .value = 0.56, .count = FlopCount::kMaxText,
     .note = "ASSUMED (2023 base.yml, see group comment): d_head 256, two-matrix FFN, tied "
             "embeddings, vocabulary 32768, sequence 1024. Published: chips, FSDP 192, "
             "per_device_batch_size 7 (batch 1344), remat full, 154 TFLOP/s/chip. MFU here uses "
             "the 2023 MaxText count (6N + causal attention)."},
}};
// clang-format on

// Looked for but not included (could not be verified well enough, or not expressible):
//
// - OPT-175B (Zhang et al. 2022, arXiv 2205.01068, section 2.4): "992 80GB A100 GPUs ... Fully
//   Sharded Data Parallel with Megatron-LM Tensor Parallelism ... utilization of up to 147 TFLOP/s
//   per GPU"; Table 1: 96 layers, 96 heads, d_model 12288, batch 2M tokens, ReLU, sequence 2048,
//   fp16. Left out: the tensor-parallel degree, microbatch and the FLOP convention are not stated,
//   and "up to" is a peak, not a sustained figure.
// - LLaMA 65B (Touvron et al. 2023): 380 tokens/s/GPU on 2048 A100-80GB, 4M-token batches; the
//   model/sequence-parallel degrees and microbatch are not published.
// - Llama 3 405B, Table 4's BF16 MFU column (38-43 % per secondary sources): not re-read from the
//   paper text here, so only the TFLOP/s column is used.
// - Megatron-LM README strong scaling of GPT-3 175B (96 -> 4608 H100, batch 1152, MFU 47 % ->
//   42 %): the per-point numbers and layouts are only in images/strong_scaling.png.
// - Megatron-Bridge 25.11 H100 Qwen3-235B-A22B FP8 (256 GPUs, GBS 2048, TP 2, PP 8, VP 4, EP 32:
//   1575 tok/s): EP 32 spans TP x DP (Megatron "MoE parallel folding", expert-tensor 1) and does
//   not divide data (16), which this struct cannot express. Same for other rows with EP > DP.
// - Megatron-Bridge 25.09 H100 DeepSeek-V3 (1024 GPUs, 1297 tok/s): that table has no precision
//   column.
// - GPT-OSS 120B (Bridge tables): sliding-window attention and attention sinks not expressible.
// - NeMo 25.02/25.04 Nemotron-4 340B and GPT-3 175B on B200/GB200: seen only in partial search
//   excerpts of docs.nvidia.com (some TFLOP/s cells blank); not transcribed.
// - MaxText v5p 256B (v5p-1024, 67.09 %) and the 2-slice rows: 256b.sh not read; multi-slice DCN
//   layouts not recorded.
// - MLPerf Training GPT-3 175B results: published as time-to-train from a checkpoint, not as
//   throughput with a stated layout.
// - GLaM, Gopher (TPU v3), LaMDA, OpenLLaMA (TPU v4, "over 2200 tokens/s/chip" for 7B, but chip
//   count and batch not stated): no per-step throughput with a full layout found.
// - Early MaxText TPU v4 22B/52B rows are included above but flagged LOW CONFIDENCE (2023
//   base.yml values assumed).

}  // namespace footprint::validation
