// Transformer parameter counts, FLOPs and device memory (models/workloads/transformer).
// Published counts include biases, layer norms and position embeddings, which the model
// leaves out, and round to 1-3 significant figures: each tolerance says how much of that
// it covers. docs/models.md ("Transformer architectures") has the equations.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "models/workloads/step_model.hpp"
#include "models/workloads/transformer.hpp"

using footprint::models::count_transformer;
using footprint::models::device_memory;
using footprint::models::DeviceMemory;
using footprint::models::FfnKind;
using footprint::models::Optimizer;
using footprint::models::ParallelLayout;
using footprint::models::Recompute;
using footprint::models::Sharding;
using footprint::models::TrainingPrecision;
using footprint::models::TransformerSpec;
namespace units = footprint::units;

namespace {

/// GPT-3 175B, Brown et al. 2020, Table 2.1: 96 layers, d_model 12288, 96 heads of 128,
/// d_ff = 4 d_model, context 2048; vocabulary 50257 (sec. 2.1, the GPT-2 tokenizer);
/// tied input and output embeddings.
TransformerSpec gpt3() {
  TransformerSpec s;
  s.decoder_layers = 96;
  s.d_model = 12288;
  s.d_ff = 4 * 12288;
  s.heads = 96;
  s.d_head = 128;
  s.vocabulary = 50257;
  s.sequence = 2048;
  return s;
}

/// GPT-3 on 14 pipeline stages, tensor 8, data 8, 192 microbatches: 96 layers do not divide
/// over 14 stages.
constexpr ParallelLayout kGpt3On14Stages{
    .data = 8, .tensor = 8, .pipeline = 14, .expert = 1, .microbatches = 192};

/// T5 v1.0 (Raffel et al. 2020): ReLU two-matrix feed-forward, tied embeddings, the
/// 32128-token SentencePiece vocabulary, 512-token inputs.
TransformerSpec t5(std::int64_t layers, std::int64_t d_model, std::int64_t d_ff, std::int64_t heads,
                   std::int64_t d_kv) {
  TransformerSpec s;
  s.encoder_layers = layers;
  s.decoder_layers = layers;
  s.d_model = d_model;
  s.d_ff = d_ff;
  s.heads = heads;
  s.d_head = d_kv;
  s.vocabulary = 32128;
  s.sequence = 512;
  return s;
}

}  // namespace

TEST_CASE("GPT-3 175B and GPT-3 Small match their published sizes", "[models][transformer]") {
  // Per layer 4 d^2 (attention) + 8 d^2 (feed-forward) = 12 d^2 = 1,811,939,328;
  // x 96 = 173,946,175,488; embedding 50257 x 12288 = 617,558,016; total
  // 174,563,733,504, 0.25 % under the published 175.0e9 (the 2048 x 12288 position
  // embeddings, 25 M, and biases make up most of the gap). Tolerance 1 %.
  const auto c = count_transformer(gpt3());
  CHECK(c.parameters == 174'563'733'504.0);
  CHECK(c.embedding_parameters == 617'558'016.0);
  CHECK(c.parameters == Approx(175.0e9).epsilon(0.01));
  CHECK(c.active_parameters == c.parameters);
  CHECK(c.expert_parameters == 0);
  CHECK(c.layers == 96);
  CHECK(c.dense_ffn_layers == 96);
  CHECK(c.tokens_per_sequence == 2048);

  // GPT-3 Small, same table: 12 layers, d_model 768, 12 heads of 64. 12 x 12 x 768^2
  // = 84,934,656 + 50257 x 768 = 38,597,376 -> 123,532,032, 1.2 % under 125e6 (position
  // embeddings 2048 x 768 = 1.6 M are most of the gap). Tolerance 5 %.
  TransformerSpec small = gpt3();
  small.decoder_layers = 12;
  small.d_model = 768;
  small.d_ff = 4 * 768;
  small.heads = 12;
  small.d_head = 64;
  CHECK(count_transformer(small).parameters == 123'532'032.0);
  CHECK(count_transformer(small).parameters == Approx(125e6).epsilon(0.05));
}

TEST_CASE("T5-11B and T5-Base match their published sizes", "[models][transformer]") {
  // T5-11B, Raffel et al. 2020, sec. 3.7 and Table 14: 24 + 24 layers, d_model 1024,
  // d_ff 65536, 128 heads, d_kv 128 (d_attn = 16384). Encoder layer 4 x 1024 x 16384 +
  // 2 x 1024 x 65536 = 201,326,592; decoder layer adds cross-attention: 268,435,456;
  // embedding 32128 x 1024. Total 11,307,188,224: 2.8 % over "11B" (rounded down from
  // 11.3). Tolerance 5 %.
  const auto xxl = count_transformer(t5(24, 1024, 65536, 128, 128));
  CHECK(xxl.parameters == 11'307'188'224.0);
  CHECK(xxl.parameters == Approx(11e9).epsilon(0.05));
  CHECK(xxl.tokens_per_sequence == 1024);

  // T5-Base, Raffel et al. 2020, sec. 3.1.1 ("about 220 million parameters"): 12 + 12
  // layers, 768, d_ff 3072, 12 heads of 64. 222,855,168: 1.3 % over. Tolerance 5 %.
  const auto base = count_transformer(t5(12, 768, 3072, 12, 64));
  CHECK(base.parameters == 222'855'168.0);
  CHECK(base.parameters == Approx(220e6).epsilon(0.05));
}

TEST_CASE("Switch-Base matches Table 9 of the Switch Transformer paper", "[models][transformer]") {
  // Fedus et al. 2022, Table 9: Switch-Base, 7B parameters, d_model 768, FFN_GEGLU,
  // d_ff 2048, d_kv 64, 12 heads, 12 layers (per stack), expert frequency 1/2, 128
  // experts, top-1. The GEGLU variant is T5 v1.1 (untied embeddings). MoE layers: 6 per
  // stack (layers 1, 3, ..., 11). Experts: 12 x 128 x 3 x 768 x 2048 = 7,247,757,312;
  // dense: attention 36 x 4 x 768^2 = 84,934,656, dense FFN 12 x 4,718,592 = 56,623,104,
  // routers 12 x 768 x 128 = 1,179,648, embeddings 2 x 32128 x 768 = 49,348,608.
  // Total 7,439,843,328: 6.3 % over the table's "7B" (one significant figure, so +-7 %),
  // 0.5 % over the often-quoted 7.4B. Tolerance 10 %.
  TransformerSpec s = t5(12, 768, 2048, 12, 64);
  s.ffn = FfnKind::kGated;
  s.tied_embeddings = false;
  s.experts = 128;
  s.top_k = 1;
  s.moe_every = 2;
  const auto c = count_transformer(s);
  CHECK(c.moe_layers == 12);
  CHECK(c.dense_ffn_layers == 12);
  CHECK(c.expert_parameters == 7'247'757'312.0);
  CHECK(c.parameters == 7'439'843'328.0);
  CHECK(c.parameters == Approx(7e9).epsilon(0.10));
  // Active: dense 192,086,016 + 12 layers x 1 expert x 4,718,592.
  CHECK(c.active_parameters == 192'086'016.0 + 12 * 4'718'592.0);

  // The released checkpoint (google/switch-base-128: ReLU, d_ff 3072, tied) has the same
  // feed-forward sizes (2 x 3072 = 3 x 2048) and one embedding fewer: 7,415,169,024.
  TransformerSpec released = t5(12, 768, 3072, 12, 64);
  released.experts = 128;
  CHECK(count_transformer(released).parameters == 7'415'169'024.0);
}

TEST_CASE("GShard MoE(2048E, 36L) matches its 600B", "[models][transformer]") {
  // Lepikhin et al. 2021, Table 1: 36 layers (18 encoder + 18 decoder), d_model 1024,
  // d_ff 8192, 16 heads of 128, 2048 experts in every other layer, top-2, vocabulary
  // 32000. Experts: 18 x 2048 x 2 x 1024 x 8192 = 618,475,290,624; dense: attention
  // 54 x 4 x 1024 x 2048 = 452,984,832, dense FFN 18 x 16,777,216 = 301,989,888,
  // routers 18 x 1024 x 2048 = 37,748,736, embedding 32,768,000. Total 619,300,782,080:
  // the paper's "600B" is a round name (3.2 % over); Patterson et al. 2021, Table 4,
  // count 619B (0.05 % under). Tolerance 5 % against 600B, 1 % against 619B.
  TransformerSpec s;
  s.encoder_layers = 18;
  s.decoder_layers = 18;
  s.d_model = 1024;
  s.d_ff = 8192;
  s.heads = 16;
  s.d_head = 128;
  s.vocabulary = 32000;
  s.sequence = 1024;
  s.experts = 2048;
  s.top_k = 2;
  s.moe_every = 2;
  const auto c = count_transformer(s);
  CHECK(c.moe_layers == 18);
  CHECK(c.parameters == 619'300'782'080.0);
  CHECK(c.parameters == Approx(600e9).epsilon(0.05));
  CHECK(c.parameters == Approx(619e9).epsilon(0.01));
}

TEST_CASE("GLaM 64B/64E matches its 1.2T total and 96.6B active", "[models][transformer]") {
  // Du et al. 2022, Table 4, GLaM (64B/64E): d_model 8192, d_ff 32768, 128 heads of 128,
  // 64 experts, top-2, decoder-only, vocabulary 256k. Its layer count is 64, not 32: 32
  // is the number of MoE layers ("64 experts per MoE layer with 32 MoE layers in total",
  // Google AI blog, Dec. 2021), one in every other layer. GEGLU replaces only the
  // non-MoE feed-forward blocks ("Model architecture" section), so the experts have two
  // matrices. Embeddings tied.
  //   attention   64 x 4 x 8192 x 16384       =    34,359,738,368
  //   dense FFN   32 x 3 x 8192 x 32768       =    25,769,803,776
  //   routers     32 x 8192 x 64              =        16,777,216
  //   embedding   256000 x 8192               =     2,097,152,000
  //   experts     32 x 64 x 2 x 8192 x 32768  = 1,099,511,627,776
  // Total 1,161,755,099,136 (3.2 % under 1.2T, a rounded figure); active = dense
  // 62,243,471,360 + 32 x 2 x 536,870,912 = 96,603,209,728 (0.003 % over 96.6B).
  // With 32 layers the total would be 0.58T; with gated experts 1.71T; with no gating
  // anywhere the active count would be 88.0B (9 % under). Tolerance 5 %.
  TransformerSpec s;
  s.decoder_layers = 64;
  s.d_model = 8192;
  s.d_ff = 32768;
  s.heads = 128;
  s.d_head = 128;
  s.vocabulary = 256000;
  s.sequence = 1024;
  s.ffn = FfnKind::kGated;
  s.expert_ffn = FfnKind::kTwoMatrix;
  s.experts = 64;
  s.top_k = 2;
  s.moe_every = 2;
  const auto c = count_transformer(s);
  CHECK(c.moe_layers == 32);
  CHECK(c.parameters == 1'161'755'099'136.0);
  CHECK(c.active_parameters == 96'603'209'728.0);
  CHECK(c.parameters == Approx(1.2e12).epsilon(0.05));
  CHECK(c.active_parameters == Approx(96.6e9).epsilon(0.05));
  CHECK(c.dense_parameters + c.expert_parameters == c.parameters);
}

TEST_CASE("GPT-3 training FLOPs: 6 N per token plus attention", "[models][transformer]") {
  // Matmuls: forward 2 x (non-embedding weights + the logits' d V) per token; training
  // 3 x that: 6 x 173,946,175,488 + 6 x 12288 x 50257 = 1,043,677,052,928 +
  // 3,705,348,096 = 1,047,382,401,024 FLOP per token.
  // Attention, causal: each token attends to itself and those before it, (2048 + 1) / 2
  // positions on average: 3 x 2 x 2 x 96 layers x 1024.5 x 12288 = 14,502,592,512 per token.
  const auto c = count_transformer(gpt3());
  constexpr double kTokens = 2048;
  constexpr double kHandMatmul = 1'047'382'401'024.0;
  constexpr double kHandAttention = 3.0 * 2 * 2 * 96 * 1024.5 * 12288;
  constexpr double kHandTolerance = 1e-3;
  CHECK(3 * c.forward_matmul_flops_per_sequence / kTokens ==
        Approx(kHandMatmul).epsilon(kHandTolerance));
  CHECK(3 * c.forward_attention_flops_per_sequence / kTokens == kHandAttention);
  CHECK(kHandAttention == 14'502'592'512.0);
  CHECK(c.training_flops_per_token == Approx(kHandMatmul + kHandAttention).epsilon(1e-12));
}

TEST_CASE("Encoder-decoder FLOPs: own lengths, cross-attention K/V on encoder tokens",
          "[models][transformer]") {
  // 2 encoder + 3 decoder layers, d 4, 2 heads of 3 (d_attn 6), gated d_ff 8, vocabulary
  // 10 untied, 5 encoder and 3 decoder tokens. Attention block 4 x 4 x 6 = 96; gated FFN
  // 3 x 4 x 8 = 96; embeddings 2 x 40.
  // Parameters: 2 x (96 + 96) + 3 x (96 + 96 + 96) + 80 = 1328.
  // Matmul FLOPs: encoder 5 x 2 x 2 x 192 = 3840; decoder 3 x 2 x (3 x (96 + 48 + 96) +
  // 40 logits) = 4560; cross K, V on encoder tokens 2 x 3 x 48 x 5 = 1440: 9840.
  // Attention: 2 x 2 x 6 x (2 x 5^2 encoder + 3 x (3 x 4 / 2) causal decoder + 3 x 3 x 5
  // cross) = 24 x 113 = 2712. Training per token: 3 x (9840 + 2712) / 8 = 4707.
  TransformerSpec s;
  s.encoder_layers = 2;
  s.decoder_layers = 3;
  s.d_model = 4;
  s.d_ff = 8;
  s.heads = 2;
  s.d_head = 3;
  s.vocabulary = 10;
  s.sequence = 5;
  s.target_sequence = 3;
  s.ffn = FfnKind::kGated;
  s.tied_embeddings = false;
  const auto c = count_transformer(s);
  CHECK(c.parameters == 1328);
  CHECK(c.embedding_parameters == 80);
  CHECK(c.tokens_per_sequence == 8);
  CHECK(c.forward_matmul_flops_per_sequence == 9840);
  CHECK(c.forward_attention_flops_per_sequence == 2712);
  CHECK(c.training_flops_per_token == 4707);
}

namespace {
/// A small decoder-only MoE: 4 layers (1 and 3 MoE), d 8, d_ff 32, 2 heads of 4, 4
/// experts, top-1, vocabulary 100 tied, 16 tokens. Attention 256, dense FFN or one expert
/// 512, router 32, embedding 800.
TransformerSpec small_moe() {
  TransformerSpec s;
  s.decoder_layers = 4;
  s.d_model = 8;
  s.d_ff = 32;
  s.heads = 2;
  s.vocabulary = 100;
  s.sequence = 16;
  s.experts = 4;
  s.top_k = 1;
  s.moe_every = 2;
  return s;
}
}  // namespace

TEST_CASE("MoE counts: experts apart, routers dense, top_k experts active",
          "[models][transformer]") {
  // Dense: 800 + 4 x 256 + 2 x 512 + 2 x 32 = 2912; experts 2 x 4 x 512 = 4096; active
  // 2912 + 2 x 1 x 512 = 3936. Forward matmul per token: 2 x (1024 attention + 1024 dense
  // FFN + 2 x (512 + 32) + 800 logits) = 7872; x 16 tokens = 125,952. Attention:
  // causal, 2 x 2 x 8 x 4 layers x (16 x 17 / 2) = 17,408. Training per token
  // 3 x 143,360 / 16 = 26,880.
  const auto c = count_transformer(small_moe());
  CHECK(c.moe_layers == 2);
  CHECK(c.dense_ffn_layers == 2);
  CHECK(c.dense_parameters == 2912);
  CHECK(c.expert_parameters == 4096);
  CHECK(c.parameters == 7008);
  CHECK(c.active_parameters == 3936);
  CHECK(c.forward_matmul_flops_per_sequence == 125'952);
  CHECK(c.forward_attention_flops_per_sequence == 17'408);
  CHECK(c.training_flops_per_token == 26'880);

  // top-2 uses one more expert per MoE layer: +2 x 512 active, +2 x 2 x 512 x 16 FLOP.
  auto top2 = small_moe();
  top2.top_k = 2;
  CHECK(count_transformer(top2).active_parameters == 3936 + 1024);
  CHECK(count_transformer(top2).forward_matmul_flops_per_sequence == 125'952 + 2 * 1024 * 16);

  // moe_every 1: every layer; 3: only layer 2 of 4 (0-based).
  auto every = small_moe();
  every.moe_every = 1;
  CHECK(count_transformer(every).moe_layers == 4);
  every.moe_every = 3;
  CHECK(count_transformer(every).moe_layers == 1);
  // expert_d_ff sizes the experts only.
  auto wide = small_moe();
  wide.expert_d_ff = 64;
  CHECK(count_transformer(wide).expert_parameters == 2 * 4 * 2 * 8 * 64);
  CHECK(count_transformer(wide).dense_parameters == 2912);
}

namespace {
/// A Llama-style decoder: SwiGLU, untied embeddings, heads of 128, `kv_heads` key/value
/// heads (grouped-query attention).
TransformerSpec llama(std::int64_t layers, std::int64_t d_model, std::int64_t d_ff,
                      std::int64_t heads, std::int64_t kv_heads, std::int64_t vocabulary) {
  TransformerSpec s;
  s.decoder_layers = layers;
  s.d_model = d_model;
  s.d_ff = d_ff;
  s.heads = heads;
  s.kv_heads = kv_heads;
  s.vocabulary = vocabulary;
  s.sequence = 8192;
  s.ffn = FfnKind::kGated;
  s.tied_embeddings = false;
  return s;
}

/// DeepSeek-V3 (DeepSeek-AI 2024, arXiv 2412.19437, sec. 4.2): 61 layers, d_model 7168,
/// the first 3 dense (SwiGLU, d_ff 18432), then MoE in every layer: 1 shared and 256
/// routed experts of 2048, top-8; multi-head latent attention with 128 heads of d_h 128,
/// rope_dim 64, q_rank 1536, kv_rank 512; vocabulary 129280, untied.
TransformerSpec deepseek_v3() {
  TransformerSpec s;
  s.decoder_layers = 61;
  s.d_model = 7168;
  s.d_ff = 18432;
  s.heads = 128;
  s.d_head = 128;
  s.attention = footprint::models::AttentionKind::kLatent;
  s.q_rank = 1536;
  s.kv_rank = 512;
  s.rope_dim = 64;
  s.vocabulary = 129280;
  s.sequence = 4096;
  s.ffn = FfnKind::kGated;
  s.tied_embeddings = false;
  s.experts = 256;
  s.expert_d_ff = 2048;
  s.shared_experts = 1;
  s.top_k = 8;
  s.moe_every = 1;
  s.dense_layers = 3;
  return s;
}
}  // namespace

TEST_CASE("Llama 3 405B and Mistral 7B: grouped-query attention", "[models][transformer]") {
  // Llama 3 405B (Dubey et al. 2024, "The Llama 3 Herd of Models", Table 3): 126 layers,
  // d_model 16384, SwiGLU d_ff 53248, 128 heads, 8 key/value heads, vocabulary 128256,
  // untied. Attention 2 x 16384^2 (Q, O) + 2 x 16384 x 8 x 128 (K, V) = 570,425,344;
  // feed-forward 3 x 16384 x 53248 = 2,617,245,696; x 126 = 401,646,551,040; embeddings
  // 2 x 128256 x 16384 = 4,202,692,608. Total 405,849,243,648: 0.21 % over 405B (norms
  // not counted). Tolerance 1 %. With full multi-head K/V it would be 467.2e9.
  const auto c = count_transformer(llama(126, 16384, 53248, 128, 8, 128256));
  CHECK(c.parameters == 405'849'243'648.0);
  CHECK(c.parameters == Approx(405e9).epsilon(0.01));
  CHECK(c.active_parameters == c.parameters);
  const auto mha = count_transformer(llama(126, 16384, 53248, 128, 128, 128256));
  CHECK(mha.parameters - c.parameters == 126 * 2 * 16384.0 * (16384 - 1024));
  // Every query head still attends: the attention products do not shrink.
  CHECK(c.forward_attention_flops_per_sequence == mha.forward_attention_flops_per_sequence);
  CHECK(mha.forward_matmul_flops_per_sequence - c.forward_matmul_flops_per_sequence ==
        2 * 8192 * (mha.parameters - c.parameters));
  // kv_heads = heads is the default (0).
  const auto given = count_transformer(llama(126, 16384, 53248, 128, 0, 128256));
  CHECK(given.parameters == mha.parameters);
  CHECK(given.forward_matmul_flops_per_sequence == mha.forward_matmul_flops_per_sequence);

  // Mistral 7B (Jiang et al. 2023, Table 1): 32 layers, d_model 4096, d_ff 14336, 32 heads
  // of 128, 8 key/value heads, vocabulary 32000, untied. Attention 2 x 4096^2 + 2 x 4096
  // x 1024 = 41,943,040; feed-forward 176,160,768; x 32 = 6,979,321,856; embeddings
  // 262,144,000. Total 7,241,465,856 against the released checkpoint's 7.24B: 0.02 %.
  // Tolerance 1 %.
  const auto mistral = count_transformer(llama(32, 4096, 14336, 32, 8, 32000));
  CHECK(mistral.parameters == 7'241'465'856.0);
  CHECK(mistral.parameters == Approx(7.24e9).epsilon(0.01));
}

TEST_CASE("DeepSeek-V3 matches its 671B total and 37B activated", "[models][transformer]") {
  // Per layer, latent attention (DeepSeek-V2, arXiv 2405.04434, sec. 2.1), h = 128, d_h =
  // 128, d_r = 64:
  //   query   7168 x 1536 + 1536 x 128 x 192            =  48,758,784
  //   key/value 7168 x 512 + 7168 x 64 + 2 x 512 x 128 x 128 = 20,905,984
  //   output  128 x 128 x 7168                           = 117,440,512
  //   = 187,105,280; x 61 = 11,413,422,080
  //   dense FFN  3 x 3 x 7168 x 18432                   =   1,189,085,184
  //   one expert 3 x 7168 x 2048 = 44,040,192; 58 MoE layers:
  //   routed     58 x 256 x 44,040,192                  = 653,908,770,816
  //   shared     58 x 44,040,192                        =   2,554,331,136
  //   routers    58 x 7168 x 256                        =     106,430,464
  //   embeddings 2 x 129280 x 7168                      =   1,853,358,080
  // Dense 17,116,626,944; total 671,025,397,760 (671B, the paper's count without its
  // 14B multi-token-prediction module: +0.004 %); active = dense + 58 x 8 x 44,040,192 =
  // 37,551,276,032 (37B: +1.5 %, the paper rounds down). Tolerances 1 % and 2 %.
  const auto c = count_transformer(deepseek_v3());
  CHECK(c.moe_layers == 58);
  CHECK(c.dense_ffn_layers == 3);
  CHECK(c.expert_parameters == 653'908'770'816.0);
  CHECK(c.dense_parameters == 17'116'626'944.0);
  CHECK(c.parameters == 671'025'397'760.0);
  CHECK(c.active_parameters == 37'551'276'032.0);
  CHECK(c.parameters == Approx(671e9).epsilon(0.01));
  CHECK(c.active_parameters == Approx(37e9).epsilon(0.02));
  // Matmuls: every active weight once per token, except the input embedding (a lookup).
  CHECK(c.forward_matmul_flops_per_sequence == 2 * 4096 * (37'551'276'032.0 - 926'679'040.0));
  // Attention: scores over 128 x (128 + 64), values over 128 x 128, causal context.
  CHECK(c.forward_attention_flops_per_sequence ==
        2.0 * (128 * 192 + 128 * 128) * 61 * 4096.0 * 4097.0 / 2);
}

TEST_CASE("Latent attention, grouped-query attention, shared experts, dense layers: by hand",
          "[models][transformer]") {
  // 2 layers, d 8, 2 heads of 4, ReLU d_ff 32 (512), vocabulary 100 tied, 16 tokens.
  TransformerSpec s;
  s.decoder_layers = 2;
  s.d_model = 8;
  s.d_ff = 32;
  s.heads = 2;
  s.vocabulary = 100;
  s.sequence = 16;
  // Multi-query (1 key/value head): Q, O 2 x 8 x 8 = 128, K, V 2 x 8 x 4 = 64.
  s.kv_heads = 1;
  auto c = count_transformer(s);
  CHECK(c.parameters == 2 * (192 + 512) + 800);
  CHECK(c.forward_attention_flops_per_sequence == 2 * 2 * 8 * 2 * (16.0 * 17 / 2));  // causal
  // Latent, rope_dim 2, q_rank 3, kv_rank 5: scores 2 x (4 + 2) = 12 wide, values 8.
  // Query 8 x 3 + 3 x 12 = 60; key/value 8 x 5 + 8 x 2 + 5 x 8 + 5 x 8 = 136; output
  // 8 x 8 = 64: 260 per layer. Parameters 2 x (260 + 512) + 800 = 2344. Forward matmul
  // 2 x 16 x 2344 = 75,008; attention 2 x (12 + 8) x 2 layers x (16 x 17 / 2) = 10,880.
  s.kv_heads = 0;
  s.attention = footprint::models::AttentionKind::kLatent;
  s.rope_dim = 2;
  s.q_rank = 3;
  s.kv_rank = 5;
  c = count_transformer(s);
  CHECK(c.parameters == 2344);
  CHECK(c.forward_matmul_flops_per_sequence == 75'008);
  CHECK(c.forward_attention_flops_per_sequence == 10'880);
  // Uncompressed queries (q_rank 0): 8 x 12 = 96 instead of 60.
  s.q_rank = 0;
  CHECK(count_transformer(s).parameters == 2344 + 2 * 36);

  // small_moe with 1 dense layer first and 1 shared expert: MoE layers counted from
  // layer 1, every 2nd: layer 2 only. Dense 800 + 4 x 256 + 3 x 512 + (32 router + 512
  // shared) = 3904; experts 4 x 512 = 2048; active 3904 + 512 = 4416. Forward matmul per
  // token 2 x (1024 + 1536 + 512 + 32 + 512 + 800) = 8832.
  auto moe = small_moe();
  moe.dense_layers = 1;
  moe.shared_experts = 1;
  c = count_transformer(moe);
  CHECK(c.moe_layers == 1);
  CHECK(c.dense_ffn_layers == 3);
  CHECK(footprint::models::moe_layers_in_stack(moe, 4) == 1);
  CHECK(c.dense_parameters == 3904);
  CHECK(c.expert_parameters == 2048);
  CHECK(c.active_parameters == 4416);
  CHECK(c.forward_matmul_flops_per_sequence == 8832 * 16);
  // moe_every 1 after 1 dense layer: layers 1, 2, 3.
  moe.moe_every = 1;
  CHECK(count_transformer(moe).moe_layers == 3);

  // Shared experts are dense weights: split over tensor only, not over the expert group.
  // moe_every 2 again, data 2, tensor 2, expert 2, one stage: 3904 / 2 + 2048 / 4 = 2464
  // weights per device; ZeRO-1 state 12 x (1952 / 2 + 512 / 1).
  moe.moe_every = 2;
  TrainingPrecision adam;
  const ParallelLayout layout{.data = 2, .tensor = 2, .pipeline = 1, .expert = 2};
  CHECK(device_memory(moe, layout, adam, 16).parameters == 2 * 2464);
  adam.shard = Sharding::kOptimizer;
  CHECK(device_memory(moe, layout, adam, 16).optimizer == 12 * (976 + 512));
}

TEST_CASE("GPT-3 on tensor 8 x pipeline 16 with Adam: memory of the first stage",
          "[models][transformer]") {
  // 1536 sequences per step over data 8 in 192 microbatches: b = 1 sequence.
  // First stage: 96 / 16 = 6 layers x 1,811,939,328 + the embedding 617,558,016 =
  // 11,489,193,984 weights / tensor 8 = 1,436,149,248 per device (the rough 175e9 / 128
  // = 1.37e9, i.e. 21.9 GB, would spread the embedding over the pipeline too). Bytes: weights 2,
  // gradients 2, Adam 12 -> 22,978,387,968 = 23.0 GB.
  // Activations (activation_bytes_per_token: layer-norm inputs 4h, QKV input 2h, Q, K, V
  // 6h, output projection input 2h, MLP input 2h, GELU input 8h, second matrix input 8h:
  // 32h bytes per token), split by sequence parallelism: 32 x 2048 x 12288 / 8 =
  // 100,663,296 per layer and microbatch; x 6 layers x min(16, 192) = 16 in flight =
  // 9,663,676,416. Total 32.6 GB.
  const ParallelLayout layout{
      .data = 8, .tensor = 8, .pipeline = 16, .expert = 1, .microbatches = 192};
  TrainingPrecision adam;
  constexpr double kSequences = 1536;
  const DeviceMemory m = device_memory(gpt3(), layout, adam, kSequences);
  CHECK(m.parameters == 2 * 1'436'149'248.0);
  CHECK(m.gradients == 2 * 1'436'149'248.0);
  CHECK(m.optimizer == 12 * 1'436'149'248.0);
  CHECK(m.activations == 9'663'676'416.0);
  CHECK(m.total() == 22'978'387'968.0 + 9'663'676'416.0);

  // Full recomputation keeps 2 s b h / 8 = 6,291,456 per layer and microbatch: x 6 x 16.
  TrainingPrecision recompute = adam;
  recompute.recompute = Recompute::kFull;
  CHECK(device_memory(gpt3(), layout, recompute, kSequences).activations == 603'979'776.0);

  // ZeRO-1 divides the optimizer state by data = 8.
  TrainingPrecision zero = adam;
  zero.shard = Sharding::kOptimizer;
  CHECK(device_memory(gpt3(), layout, zero, kSequences).optimizer == 12 * 1'436'149'248.0 / 8);

  // 8 microbatches: only 8 in flight; b = 1536 / (8 x 8) = 24 sequences.
  ParallelLayout few = layout;
  few.microbatches = 8;
  CHECK(device_memory(gpt3(), few, adam, kSequences).activations == 100'663'296.0 * 24 * 6 * 8);

  // One device: all 174.6e9 weights x 16 bytes; Adafactor 4 and SGD 8 bytes of state.
  CHECK(adam.optimizer_bytes() == 12);
  TrainingPrecision adafactor;
  adafactor.optimizer = Optimizer::kAdafactor;
  CHECK(adafactor.optimizer_bytes() == 4);
  TrainingPrecision sgd;
  sgd.optimizer = Optimizer::kSgdMomentum;
  CHECK(sgd.optimizer_bytes() == 8);
  const DeviceMemory one = device_memory(gpt3(), ParallelLayout{}, adam, 1);
  CHECK(one.parameters + one.gradients + one.optimizer == 16 * 174'563'733'504.0);
}

TEST_CASE("Uneven pipeline stages: the layers left over go to the stages after the first",
          "[models][transformer]") {
  // GPT-3's 96 layers on 14 stages: 6 each and 12 left over, one each to stages 1 to 12;
  // stages 0 and 13 hold 6 (as Llama 3 balanced its pipeline). The most loaded device is
  // then stage 1: 7 layers x 1,811,939,328 / tensor 8 = 1,585,446,912 weights, and 7 layers
  // x 13 microbatches in flight x 100,663,296 bytes of activations (b = 1 sequence), 34.5 GB;
  // stage 0 holds 6 layers and the embedding (1,436,149,248 weights) and 6 x 14 layers'
  // activations, 31.4 GB. Had stage 0 taken a 7th layer it would need 36.5 GB.
  TrainingPrecision adam;
  const DeviceMemory m = device_memory(gpt3(), kGpt3On14Stages, adam, 1536);
  CHECK(m.parameters == 2 * 1'585'446'912.0);
  CHECK(m.optimizer == 12 * 1'585'446'912.0);
  CHECK(m.activations == 100'663'296.0 * 7 * 13);
  CHECK(m.total() == Approx(34.53e9).epsilon(0.001));
}

TEST_CASE("Offloaded activations wait in host memory, one layer's copy on the device",
          "[models][transformer]") {
  // The layout above with the first 3 layers of each stage offloaded. Stage 1 (7 layers, 13
  // microbatches in flight) keeps 4 layers x 13 microbatches on the device and one layer of
  // one microbatch being copied: 53 x 100,663,296 bytes; it stays the most loaded (stage 0:
  // 3 x 14 + 1 = 43 layer-microbatches and fewer weights). Host memory is the stage that
  // offloads the most: stage 0, 3 layers x 14 microbatches.
  const ParallelLayout layout = kGpt3On14Stages;
  TrainingPrecision adam;
  adam.offload_layers = 3;
  const DeviceMemory m = device_memory(gpt3(), layout, adam, 1536);
  CHECK(m.parameters == 2 * 1'585'446'912.0);
  CHECK(m.activations == 100'663'296.0 * (4 * 13 + 1));
  CHECK(m.offloaded == 100'663'296.0 * 3 * 14);
  // Weights, gradients and Adam's state (2 + 2 + 12 bytes a weight) and the activations:
  // 30.7 GB against 34.5 GB without offloading.
  CHECK(m.total() == 16 * 1'585'446'912.0 + 100'663'296.0 * 53);
  // Every stage keeps at least one layer on the device: the smallest holds 6.
  adam.offload_layers = 5;
  CHECK_NOTHROW(device_memory(gpt3(), layout, adam, 1536));
  adam.offload_layers = 6;
  CHECK_THROWS_WITH(device_memory(gpt3(), layout, adam, 1536),
                    Catch::Matchers::Contains("offload_layers (6) must be 0 or more and below "
                                              "the layers of the smallest pipeline stage (6)"));
  adam.offload_layers = -1;
  CHECK_THROWS_AS(device_memory(gpt3(), layout, adam, 1536), std::invalid_argument);
}

TEST_CASE("MoE memory: experts split over expert x tensor, ZeRO over their replicas",
          "[models][transformer]") {
  // small_moe on data 2, tensor 2, pipeline 2, expert 2, 4 microbatches, 16 sequences
  // (b = 2). Stage 0: layers 0-1, dense 256 + 512 + 256 + 32 + embedding 800 = 1856,
  // experts 4 x 512 = 2048. Stage 1: the same (layers 2-3 and the tied embedding's copy).
  // Per device: 1856 / 2 + 2048 / (2 x 2) = 928 + 512 = 1440 weights.
  // Activations per token: a dense layer 4 x 8 (layer norms) + 80 (attention: 2 x 8
  // inputs, 2 x (8 + 16) Q, K, V, 2 x 8 output) + 144 (FFN: 2 x 8 input, 2 x 32 GELU input,
  // 2 x 32 second matrix) = 256; the MoE layer 32 + 80 + 16 + 128 (one expert) + 16 (its
  // dispatched token, 2 x 1 x 8) = 272. Per microbatch 16 tokens x 2 sequences / tensor 2 =
  // 16: (256 + 272) x 16 = 8448; stage 0 keeps min(2, 4) = 2 microbatches: 16,896.
  const ParallelLayout layout{
      .data = 2, .tensor = 2, .pipeline = 2, .expert = 2, .microbatches = 4};
  TrainingPrecision adam;
  const DeviceMemory m = device_memory(small_moe(), layout, adam, 16);
  CHECK(m.parameters == 2 * 1440);
  CHECK(m.gradients == 2 * 1440);
  CHECK(m.optimizer == 12 * 1440);
  CHECK(m.activations == 16'896);
  // ZeRO-1: dense state over data 2, expert state over data / expert = 1 replica:
  // 12 x (928 / 2 + 512) = 11,712.
  adam.shard = Sharding::kOptimizer;
  CHECK(device_memory(small_moe(), layout, adam, 16).optimizer == 11'712);
}

TEST_CASE("The most loaded stage can be a later one", "[models][transformer]") {
  // 1 encoder + 3 decoder layers (d 4, 2 heads, ReLU d_ff 8, vocabulary 10 tied; 5 + 3
  // tokens) on 2 stages, 1 microbatch of 1 sequence, recomputation. Encoder layer 64 +
  // 64 = 128 weights, decoder layer 64 + 64 + 64 = 192. Stage 0: encoder, decoder 0 and
  // the embedding 40 = 360; stage 1: decoders 1 and 2 and the embedding's copy = 424.
  // Bytes: stage 0 360 x 16 + activations 2 x (5 + 3) x 4 = 5824; stage 1 424 x 16 +
  // 2 x 2 x 3 x 4 = 6832: stage 1 is reported.
  TransformerSpec s;
  s.encoder_layers = 1;
  s.decoder_layers = 3;
  s.d_model = 4;
  s.d_ff = 8;
  s.heads = 2;
  s.vocabulary = 10;
  s.sequence = 5;
  s.target_sequence = 3;
  TrainingPrecision precision;
  precision.recompute = Recompute::kFull;
  const DeviceMemory m = device_memory(s, ParallelLayout{.pipeline = 2}, precision, 1);
  CHECK(m.parameters == 2 * 424);
  CHECK(m.activations == 48);
  CHECK(m.total() == 6832);
}

TEST_CASE("Invalid specs and layouts throw, naming the field", "[models][transformer]") {
  using Catch::Matchers::Contains;
  auto s = gpt3();
  s.d_model = 0;
  CHECK_THROWS_WITH(count_transformer(s), Contains("d_model"));
  s = gpt3();
  s.decoder_layers = 0;
  CHECK_THROWS_WITH(count_transformer(s), Contains("decoder_layers"));
  s = gpt3();
  s.vocabulary = -1;
  CHECK_THROWS_WITH(count_transformer(s), Contains("vocabulary"));
  s = gpt3();
  s.d_head = 0;
  s.heads = 100;  // does not divide 12288
  CHECK_THROWS_WITH(count_transformer(s), Contains("heads (100)"));
  s = gpt3();
  s.target_sequence = 10;  // decoder-only
  CHECK_THROWS_WITH(count_transformer(s), Contains("target_sequence"));
  auto moe = small_moe();
  moe.top_k = 5;
  CHECK_THROWS_WITH(count_transformer(moe), Contains("top_k (5)"));
  moe = small_moe();
  moe.moe_every = 0;
  CHECK_THROWS_WITH(count_transformer(moe), Contains("moe_every"));
  moe = small_moe();
  moe.capacity_factor = 0;
  CHECK_THROWS_WITH(count_transformer(moe), Contains("capacity_factor"));
  moe = small_moe();
  moe.dense_layers = 4;
  CHECK_THROWS_WITH(count_transformer(moe), Contains("dense_layers (4)"));
  moe = small_moe();
  moe.shared_experts = -1;
  CHECK_THROWS_WITH(count_transformer(moe), Contains("shared_experts"));
  s = gpt3();
  s.kv_heads = 5;  // does not divide 96
  CHECK_THROWS_WITH(count_transformer(s), Contains("kv_heads (5) does not divide heads (96)"));
  s.attention = footprint::models::AttentionKind::kLatent;
  s.kv_rank = 512;
  CHECK_THROWS_WITH(count_transformer(s), Contains("kv_heads"));
  s.kv_heads = 0;
  s.kv_rank = 0;
  CHECK_THROWS_WITH(count_transformer(s), Contains("kv_rank"));
  s = gpt3();
  s.rope_dim = 64;  // multi-head attention has none
  CHECK_THROWS_WITH(count_transformer(s), Contains("rope_dim"));

  const TrainingPrecision adam;
  CHECK_THROWS_WITH(device_memory(gpt3(), ParallelLayout{.tensor = 5}, adam, 1),
                    Contains("tensor (5) does not divide heads (96)"));
  CHECK_THROWS_WITH(device_memory(gpt3(), ParallelLayout{.data = 0}, adam, 1), Contains("data"));
  CHECK_THROWS_WITH(device_memory(gpt3(), ParallelLayout{.microbatches = 0}, adam, 1),
                    Contains("microbatches"));
  CHECK_THROWS_WITH(device_memory(gpt3(), ParallelLayout{.pipeline = 97}, adam, 1),
                    Contains("pipeline x virtual_stages (97) exceeds the layers (96)"));
  CHECK_THROWS_WITH(device_memory(gpt3(), ParallelLayout{.data = 2, .expert = 2}, adam, 1),
                    Contains("expert (2) must be 1"));
  CHECK_THROWS_WITH(device_memory(small_moe(), ParallelLayout{.data = 4, .expert = 3}, adam, 1),
                    Contains("expert (3) does not divide data (4)"));
  CHECK_THROWS_WITH(device_memory(small_moe(), ParallelLayout{.data = 8, .expert = 8}, adam, 1),
                    Contains("expert (8) does not divide experts (4)"));
  CHECK_THROWS_WITH(device_memory(gpt3(), ParallelLayout{}, adam, 0),
                    Contains("sequences_per_step"));
  s = gpt3();
  s.sequence = 0;
  CHECK_THROWS_AS(device_memory(s, ParallelLayout{}, adam, 1), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------
// auto_layout against brute force (models/workloads/step_model).

namespace {

/// Every layout of `devices` by plain loops, with the same bounds as auto_layout's (tensor
/// <= 64 and within the scale-up domain, context <= 64 and dividing the sequence,
/// microbatches dividing each replica's sequences, virtual stages 1, 2, 4 or 8 with
/// microbatches a multiple of pipeline), and the fastest that fits.
std::pair<double, footprint::models::ParallelLayout> brute_force(
    footprint::models::StepModelInput in, const footprint::models::AcceleratorType& chip,
    const footprint::models::JobNetwork& net, std::int64_t devices) {
  using namespace footprint::models;
  double best = std::numeric_limits<double>::infinity();
  ParallelLayout arg;
  const std::int64_t layers = in.model.encoder_layers + in.model.decoder_layers;
  const double sequences = in.tokens_per_step / static_cast<double>(in.model.sequence);
  for (std::int64_t d = 1; d <= devices; ++d) {
    for (std::int64_t t = 1; t <= std::min<std::int64_t>(64, net.scale_up_domain); ++t) {
      for (std::int64_t c = 1; c <= 64; ++c) {
        for (std::int64_t p = 1; p <= layers; ++p) {
          if (d * t * p * c != devices || in.model.heads % t != 0 || in.model.sequence % c != 0) {
            continue;
          }
          const double replica = sequences / static_cast<double>(d);
          for (std::int64_t e = 1; e <= d; ++e) {
            const bool ok_e =
                in.model.experts == 0 ? e == 1 : (d % e == 0 && in.model.experts % e == 0);
            if (!ok_e) {
              continue;
            }
            for (const std::int64_t v : {1, 2, 4, 8}) {
              if (v > 1 && (p == 1 || p * v > layers)) {
                continue;
              }
              for (std::int64_t m = 1; m <= static_cast<std::int64_t>(replica); ++m) {
                const double b = replica / static_cast<double>(m);
                if (b != std::floor(b) || b < 1 || (v > 1 && m % p != 0)) {
                  continue;
                }
                in.layout = {d, t, p, c, e, m, v};
                try {
                  const double s = units::to_seconds(estimate_step(in, chip, net).step_duration);
                  if (s < best) {
                    best = s;
                    arg = in.layout;
                  }
                } catch (const std::invalid_argument&) {
                }
              }
            }
          }
        }
      }
    }
  }
  return {best, arg};
}

}  // namespace

TEST_CASE("auto_layout finds the fastest layout that brute force finds", "[transformer][auto]") {
  using namespace footprint::models;
  const AcceleratorLibrary lib;
  for (const bool moe : {false, true}) {
    // A small GPT-like model on 16 V100, and its MoE version with 16 experts.
    StepModelInput in;
    in.model.decoder_layers = 8;
    in.model.d_model = 2048;
    in.model.d_ff = 8192;
    in.model.heads = 16;
    in.model.vocabulary = 32000;
    in.model.sequence = 1024;
    if (moe) {
      in.model.experts = 16;
      in.model.top_k = 2;
    }
    in.tokens_per_step = 256 * 1024.0;
    const auto& chip = *lib.find("V100");
    const std::int64_t devices = 16;
    const auto net = job_network(chip);
    const auto [best, arg] = brute_force(in, chip, net, devices);
    REQUIRE(std::isfinite(best));
    const auto chosen = auto_layout(in, chip, net, devices);
    in.layout = chosen;
    const double s = units::to_seconds(estimate_step(in, chip, net).step_duration);
    INFO("moe " << moe << ": auto " << chosen.data << "x" << chosen.tensor << "x" << chosen.pipeline
                << "x" << chosen.context << " e" << chosen.expert << " m" << chosen.microbatches
                << " v" << chosen.virtual_stages << " " << s << " s; brute force " << arg.data
                << "x" << arg.tensor << "x" << arg.pipeline << "x" << arg.context << " e"
                << arg.expert << " m" << arg.microbatches << " v" << arg.virtual_stages << " "
                << best);
    CHECK(s == best);  // the same minimum, exactly: the same estimates over the same set
  }
  // A model too large for 2 devices has no layout.
  StepModelInput big;
  big.model.decoder_layers = 96;
  big.model.d_model = 12288;
  big.model.d_ff = 49152;
  big.model.heads = 96;
  big.model.vocabulary = 50257;
  big.model.sequence = 2048;
  big.tokens_per_step = 2048;
  const auto& v100 = *lib.find("V100");
  // The error names the closest candidates with their memory by kind.
  CHECK_THROWS_AS(auto_layout(big, v100, job_network(v100), 2), NoLayoutFits);
  CHECK_THROWS_WITH(auto_layout(big, v100, job_network(v100), 2),
                    Catch::Matchers::Contains("no layout of 2 V100 fits in its 32.0 GB") &&
                        Catch::Matchers::Contains("parameters") &&
                        Catch::Matchers::Contains("activations"));
}

TEST_CASE("auto_layout on a chip without a calibration says so", "[transformer][auto]") {
  using namespace footprint::models;
  const AcceleratorLibrary lib;
  StepModelInput in;
  in.model.decoder_layers = 2;
  in.model.d_model = 256;
  in.model.d_ff = 1024;
  in.model.heads = 4;
  in.model.vocabulary = 1000;
  in.model.sequence = 128;
  in.tokens_per_step = 128 * 8;
  const auto& tpu2 = *lib.find("TPUv2");
  // The reason is the calibration, not memory: a tiny model fits any layout of 8 chips.
  CHECK_THROWS_WITH(auto_layout(in, tpu2, job_network(tpu2), 8),
                    Catch::Matchers::StartsWith("no step-model calibration for TPUv2 BF16: the "
                                                "calibrated chips are V100 FP16, TPUv3 BF16"));
  // FP8 on a chip without an FP8 peak.
  const auto& a100 = *lib.find("A100");
  in.precision.compute = ComputeFormat::kFp8;
  CHECK_THROWS_WITH(auto_layout(in, a100, job_network(a100), 8),
                    "A100 has no FP8 peak in the library: compute in its 16-bit format");
  in.precision.compute = ComputeFormat::k16Bit;
  CHECK_NOTHROW(auto_layout(in, a100, job_network(a100), 8));
  // Borrowed constants say so.
  const auto& h800 = *lib.find("H800");
  in.layout = ParallelLayout{.data = 8};
  CHECK(estimate_step(in, h800, job_network(h800)).borrowed_from == "H100 BF16");
  CHECK(estimate_step(in, a100, job_network(a100)).borrowed_from.empty());
}
