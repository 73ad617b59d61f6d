// The step model against published training throughput (docs/models.md, "Calibration
// and validation"). One set of constants per chip and compute format is fitted only on
// the calibration runs; the validation runs, which share no run with them, check the
// model where it was not fitted.
//
// Like with like: every published figure is turned into the measured time of one step,
// with the source's own FLOP count where it publishes FLOP/s or MFU (Narayanan et al.
// 2021 count recomputation and full attention, PaLM's MFU counts attention, ...; see
// published_runs.hpp), and compared with the predicted step time. Throughput in our own
// count (causal attention, no recomputation) follows from the same step time.
//
// The fit (fit() below): for each chip and format, eta_mm (= eta_att) minimises the sum of
// squared log errors of the step times, for each eta_net of 0.30, 0.35, ..., 1.00 when the
// calibration has two runs or more (else eta_net = kDefaultNetworkEfficiency), and for each
// eta_mem of 0.20, 0.25, ..., 1.00 (then to 0.01 around the best) when it has at least six
// (two per fitted constant; else the table's assumed 0.8); the table in
// models/workloads/step_model.cpp must equal the fit (checked here) and every calibration
// run must be within 10 %, every validation run within 20 %.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "models/accelerators/accelerator.hpp"
#include "models/workloads/step_model.hpp"
#include "models/workloads/transformer.hpp"
#include "published_runs.hpp"

using namespace footprint::models;
namespace units = footprint::units;
namespace pub = footprint::validation;

namespace {

constexpr double kTera = 1e12;
constexpr double kPaperFlopsPerParameterToken = 6.0;
/// Data-parallel gradient reduction overlapped with the last microbatch's backward pass, and
/// ZeRO's parameter all-gather with the next first forward pass, as far as those passes
/// last: all of it, the same for every calibration and validation run (PyTorch DDP and
/// Megatron's distributed optimizer reduce in buckets while the backward pass goes on; the
/// step model bounds the hidden part by the pass's length).
constexpr double kDataParallelOverlap = 1.0;
/// eta_net where a calibration has one run only.
constexpr double kDefaultNetworkEfficiency = 0.7;
/// eta_mem is fitted (with eta_mm and eta_net) where a calibration has at least two runs
/// per fitted constant; elsewhere it keeps the table's assumed value.
constexpr std::size_t kRunsToFitMemory = 6;
constexpr double kCalibrationTolerance = 0.10;
constexpr double kValidationTolerance = 0.20;

const AcceleratorType& chip(const std::string& name) {
  static const AcceleratorLibrary lib;
  const auto* t = lib.find(name);
  REQUIRE(t != nullptr);
  return *t;
}

/// A published run as the step model sees it, and its measured step time.
struct Measured {
  std::string name;
  std::string chip;
  StepModelInput in;
  double measured_s = 0;
  bool calibration = false;
  /// Layout keys the run's source does not publish are searched (auto_layout), as the
  /// run's engineers tuned them: empty when every key is published.
  std::optional<LayoutRequest> search;
  bool recompute_searched = false;  ///< recomputation not published: searched too
};

std::string phases_of(const StepEstimate& e) {
  std::string out;
  for (const auto& p : e.phases) {
    out += fmt::format("{} {:.4g} s; ", p.name, units::to_seconds(p.duration));
  }
  return out;
}

double predicted_s(const Measured& r, const ChipCalibration& cal, std::string* phases = nullptr) {
  const auto& c = chip(r.chip);
  const auto net = job_network(c);
  // Unpublished recomputation: the fastest setting that fits, as the run's engineers chose.
  std::vector<Recompute> settings{r.in.precision.recompute};
  if (r.recompute_searched) {
    settings = {Recompute::kNone, Recompute::kSelective, Recompute::kFull};
  }
  std::optional<StepEstimate> best;
  std::string why;
  for (const Recompute setting : settings) {
    StepModelInput in = r.in;
    in.precision.recompute = setting;
    try {
      if (r.search) {
        in.layout = auto_layout_with(in, c, net, in.layout.devices(), *r.search, cal);
      }
      auto e = estimate_step_with(in, c, net, cal);
      if (!best || e.step_duration < best->step_duration) {
        best = std::move(e);
      }
    } catch (const std::invalid_argument& x) {
      why = x.what();
    }
  }
  if (!best) {
    throw std::invalid_argument(why);
  }
  const auto& e = *best;
  if (phases != nullptr) {
    *phases = phases_of(e);
  }
  return units::to_seconds(e.step_duration);
}

/// A run from before FlashAttention: scores materialised, with the attention dropout of
/// Megatron-LM's default (0.1).
TransformerSpec before_flash_attention(TransformerSpec m) {
  constexpr double kAttentionDropout = 0.1;
  m.scores = AttentionScores::kMaterialised;
  m.attention_dropout = kAttentionDropout;
  return m;
}

TransformerSpec gpt3() {
  // Brown et al. 2020, Table 2.1 and section 2.1: 96 layers, d_model 12288, 96 heads of
  // 128, d_ff = 4 d_model, context 2048; GPT-2's BPE vocabulary (50257).
  TransformerSpec m;
  m.decoder_layers = 96;
  m.d_model = 12288;
  m.d_ff = 4 * 12288;
  m.heads = 96;
  m.d_head = 128;
  m.vocabulary = 50257;
  m.sequence = 2048;
  // 2020, before FlashAttention: attention dropout as GPT-2's 0.1 (an assumption: the paper
  // does not give it).
  return before_flash_attention(m);
}

TransformerSpec gshard600b() {
  // Lepikhin et al. 2021, Table 1 (MoE(2048E, 36L)): 36 layers (18 encoder, 18 decoder),
  // d_model 1024, d_ff 8192, 16 heads of 128, top-2 gating over 2048 experts in every
  // other layer, 32k vocabulary; sequences of 1024 tokens.
  TransformerSpec m;
  m.encoder_layers = 18;
  m.decoder_layers = 18;
  m.d_model = 1024;
  m.d_ff = 8192;
  m.heads = 16;
  m.d_head = 128;
  m.vocabulary = 32000;
  m.sequence = 1024;
  m.experts = 2048;
  m.top_k = 2;
  m.moe_every = 2;
  m.capacity_factor = 2.0;
  return m;
}

TransformerSpec switch_c() {
  // Fedus et al. 2022, Table 9 (Switch-C): d_model 2080, d_ff 6144, 32 heads of 64, 15
  // layers in each of encoder and decoder, 2048 experts in every layer, top-1; T5's
  // vocabulary (32128); T5's span corruption: 512 input tokens, 114 target tokens.
  TransformerSpec m;
  m.encoder_layers = 15;
  m.decoder_layers = 15;
  m.d_model = 2080;
  m.d_ff = 6144;
  m.heads = 32;
  m.d_head = 64;
  m.vocabulary = 32128;
  m.sequence = 512;
  m.target_sequence = 114;
  m.experts = 2048;
  m.top_k = 1;
  m.moe_every = 1;
  return m;
}

TransformerSpec t5_11b() {
  // Raffel et al. 2020, section 3.7: 24 + 24 layers, d_model 1024, d_ff 65536, 128 heads of
  // 128, vocabulary 32128; pre-training on 2^11 sequences of 512 input tokens per batch,
  // span-corruption targets of about 114 tokens.
  TransformerSpec m;
  m.encoder_layers = 24;
  m.decoder_layers = 24;
  m.d_model = 1024;
  m.d_ff = 65536;
  m.heads = 128;
  m.d_head = 128;
  m.vocabulary = 32128;
  m.sequence = 512;
  m.target_sequence = 114;
  return m;
}

TransformerSpec megatron(std::int64_t layers, std::int64_t d, std::int64_t heads) {
  // Shoeybi et al. 2019, Table 2: GPT-2 configurations; vocabulary 51200, context 1024.
  TransformerSpec m;
  m.decoder_layers = layers;
  m.d_model = d;
  m.d_ff = 4 * d;
  m.heads = heads;
  m.vocabulary = 51200;
  m.sequence = 1024;
  // Megatron-LM 2019 (its fused kernel is scale, mask and softmax; dropout its default).
  return before_flash_attention(m);
}

// --- Patterson et al. 2021's runs (V100, TPU v3) ----------------------------------------

struct Run {
  std::string name;  ///< "source: run"
  std::string chip;
  std::int64_t chips = 0;
  TransformerSpec model;
  ParallelLayout layout;
  TrainingPrecision precision;
  double tokens_per_step = 0;
  double paper_active_parameters = 0;  ///< as the measurement's source counts them
  double measured_tflops_per_chip = 0;
  double gradient_overlap = 0;
};

TrainingPrecision adafactor() {
  TrainingPrecision p;
  p.optimizer = Optimizer::kAdafactor;
  p.recompute = Recompute::kFull;
  return p;
}

TrainingPrecision adam_recompute() {
  TrainingPrecision p;
  p.recompute = Recompute::kFull;
  return p;
}

// Layouts the papers do not state are marked as assumptions.
std::vector<Run> calibration_runs() {
  return {
      // 1.2B GPT-2 (40 layers, 1536, 16 heads) on one V100, batch 8: 39 TFLOP/s.
      {"Shoeybi et al. 2019: Megatron-LM 1.2B on 1 V100", "V100", 1, megatron(40, 1536, 16),
       ParallelLayout{}, adam_recompute(), 8 * 1024.0, 1.2e9, 39.0},
      // 8.3B (72 layers, 3072, 32 heads) on 512 V100: 8-way tensor x 64-way data,
      // batch 512: 15.1 PFLOP/s / 512 = 29.5 TFLOP/s.
      {"Shoeybi et al. 2019: Megatron-LM 8.3B on 512 V100", "V100", 512, megatron(72, 3072, 32),
       ParallelLayout{.data = 64, .tensor = 8}, adam_recompute(), 512 * 1024.0, 8.3e9, 15.1e3 / 512,
       kDataParallelOverlap},
      // T5-11B on 512 TPU v3 chips; 16-way model parallelism (an assumption: Mesh
      // TensorFlow splits d_ff and heads) x 32-way data. 45.6 TFLOP/s per chip.
      {"Patterson et al. 2021, Table 4: T5-11B on 512 TPU v3", "TPUv3", 512, t5_11b(),
       ParallelLayout{.data = 32, .tensor = 16}, adafactor(), 2048 * (512.0 + 114.0), 11e9, 45.6},
  };
}

std::vector<Run> validation_runs() {
  return {
      // GPT-3 on 10,000 V100: 24.6 TFLOP/s per chip (Patterson et al. 2021, Table 4).
      // Layout of Narayanan et al. 2021 (Table 1, 175B: tensor 8, pipeline 16), with 78
      // data-parallel replicas on 9,984 of the 10,000 GPUs; 3.2M-token batches (Brown et
      // al. 2020, Table 2.1).
      {"Patterson et al. 2021, Table 4: GPT-3 on 10,000 V100", "V100", 10000, gpt3(),
       ParallelLayout{.data = 78, .tensor = 8, .pipeline = 16, .microbatches = 19},
       adam_recompute(), 3.2e6, 175e9, 24.6, kDataParallelOverlap},
      // GShard-600B on 1024 TPU v3: 48.0 TFLOP/s per chip; dense weights replicated, the
      // 2048 experts spread 2 per chip (Lepikhin et al. 2021, section 3); 4M tokens per
      // batch; active parameters 0.25 % of 619B (Patterson et al. 2021, Table 4).
      {"Patterson et al. 2021, Table 4: GShard-600B on 1024 TPU v3", "TPUv3", 1024, gshard600b(),
       ParallelLayout{.data = 1024, .expert = 1024}, adafactor(), 4.0 * 1024 * 1024, 0.0025 * 619e9,
       48.0},
      // Switch Transformer (Switch-C) on 1024 TPU v3: 34.4 TFLOP/s per chip; expert
      // parallelism over all chips; 2^20 tokens per batch (an assumption: T5's batch of
      // 2048 sequences); active parameters 0.10 % of 1500B (Patterson et al. 2021).
      {"Patterson et al. 2021, Table 4: Switch Transformer on 1024 TPU v3", "TPUv3", 1024,
       switch_c(), ParallelLayout{.data = 1024, .expert = 1024}, adafactor(),
       2048 * (512.0 + 114.0), 0.001 * 1500e9, 34.4},
  };
}

Measured measured(const Run& r, bool calibration) {
  Measured m;
  m.name = r.name;
  m.chip = r.chip;
  m.in.model = r.model;
  m.in.layout = r.layout;
  m.in.precision = r.precision;
  m.in.tokens_per_step = r.tokens_per_step;
  m.in.gradient_overlap = r.gradient_overlap;
  // Patterson et al. count 6 x active parameters per token: a step of B tokens is
  // 6 N B FLOPs at the measured rate on every chip.
  m.measured_s = kPaperFlopsPerParameterToken * r.paper_active_parameters * r.tokens_per_step /
                 (static_cast<double>(r.chips) * r.measured_tflops_per_chip * kTera);
  m.calibration = calibration;
  return m;
}

// --- The published runs of published_runs.hpp --------------------------------------------

TransformerSpec spec_of(const pub::PublishedRun& r) {
  TransformerSpec m;
  m.decoder_layers = r.layers;
  m.d_model = r.d_model;
  m.d_ff = r.d_ff;
  m.heads = r.heads;
  m.d_head = r.d_head;
  m.vocabulary = r.vocabulary;
  m.sequence = r.sequence;
  m.ffn = r.gated_ffn ? FfnKind::kGated : FfnKind::kTwoMatrix;
  m.tied_embeddings = r.tied_embeddings;
  if (r.materialised_scores) {
    m.scores = AttentionScores::kMaterialised;
    m.attention_dropout = r.attention_dropout;
  }
  if (r.mla) {
    m.attention = AttentionKind::kLatent;
    m.q_rank = r.q_rank;
    m.kv_rank = r.kv_rank;
    m.rope_dim = r.rope_dim;
  } else {
    m.kv_heads = r.kv_heads == r.heads ? 0 : r.kv_heads;
  }
  if (r.experts > 0) {
    m.experts = r.experts;
    m.top_k = r.top_k;
    m.expert_d_ff = r.expert_d_ff;
    m.shared_experts = r.shared_experts;
    m.dense_layers = r.dense_layers;
    m.moe_every = r.moe_every;
    m.routing_groups = r.routing_groups;
    m.routing_group_limit = r.routing_group_limit;
  }
  return m;
}

/// The source's FLOPs of one step, for figures published as FLOP/s or MFU (each formula as
/// published_runs.hpp quotes it from its source).
double source_flops_per_step(const pub::PublishedRun& r) {
  const double B = r.batch_sequences;
  const double s = static_cast<double>(r.sequence);
  const double l = static_cast<double>(r.layers);
  const double h = static_cast<double>(r.d_model);
  const double V = static_cast<double>(r.vocabulary);
  const double a = static_cast<double>(r.heads);
  const double g = static_cast<double>(r.kv_heads > 0 ? r.kv_heads : r.heads);
  const double d_head = r.d_head > 0 ? static_cast<double>(r.d_head) : h / a;
  const double ff = static_cast<double>(r.d_ff);
  switch (r.count) {
    case pub::FlopCount::kNarayanan2021: {
      // 96 B s l h^2 (1 + s / 6h + V / 16 l h): recomputation (4 passes), full attention.
      constexpr double kNarayanan = 96;
      constexpr double kSixth = 6;
      constexpr double kSixteenth = 16;
      return kNarayanan * B * s * l * h * h * (1 + s / (kSixth * h) + V / (kSixteenth * l * h));
    }
    case pub::FlopCount::kMegatronCore: {
      // 12 B s l h^2 [(1 + g/a + s/h)(a d_head / h) + (d_ff / h) k (3/2 if gated) + V / 2lh].
      constexpr double kTwelve = 12;
      constexpr double kGated = 1.5;
      const double k = r.experts > 0 ? static_cast<double>(r.top_k) : 1.0;
      return kTwelve * B * s * l * h * h *
             ((1 + g / a + s / h) * (a * d_head / h) + ff / h * k * (r.gated_ffn ? kGated : 1.0) +
              V / (2 * l * h));
    }
    case pub::FlopCount::kMaxText: {
      // 3 [(ffn + qkv + proj) l + logits] + 3 attn l, over the global batch.
      const double bs = B * s;
      const double ffn = 2 * bs * ff * h * (r.gated_ffn ? 2.0 : 1.0) + 2 * bs * ff * h;
      const double qkv = 2 * bs * h * (a + 2 * g) * d_head;
      const double proj = 2 * bs * h * a * d_head;
      const double logits = 2 * bs * h * V;
      const double attention = 4 * bs * s * a * d_head;
      return 3 * ((ffn + qkv + proj) * l + logits) + 3 * attention * l;
    }
    case pub::FlopCount::kSixN:
      return kPaperFlopsPerParameterToken * count_transformer(spec_of(r)).parameters * B * s;
    case pub::FlopCount::kNemo:
    case pub::FlopCount::kPalm:
    case pub::FlopCount::kNone:
      break;
  }
  FAIL("no FLOP count for " << r.name);
  return 0;
}

Measured measured(const pub::PublishedRun& r) {
  Measured m;
  m.name = std::string(r.name);
  m.chip = std::string(r.chip);
  m.calibration = r.calibration;
  m.in.model = spec_of(r);
  auto& l = m.in.layout;
  l.data = r.data;
  l.tensor = r.tensor;
  l.pipeline = r.pipeline;
  l.context = r.context;
  l.expert = r.expert;
  l.virtual_stages = r.virtual_stages;
  const double per_replica = r.batch_sequences / static_cast<double>(r.data);
  // Microbatches of the published size; virtual stages as published (0: not published).
  // What is not published is searched, the rest fixed.
  const std::int64_t size = r.microbatch > 0 ? r.microbatch : 1;
  l.microbatches = static_cast<std::int64_t>(per_replica / static_cast<double>(size));
  l.virtual_stages = std::max<std::int64_t>(r.virtual_stages, 1);
  if (r.microbatch == 0 || r.virtual_stages == 0) {
    LayoutRequest q{.data = l.data,
                    .tensor = l.tensor,
                    .pipeline = l.pipeline,
                    .context = l.context,
                    .expert = l.expert};
    if (r.microbatch > 0) {
      q.microbatch = r.microbatch;
    }
    if (r.virtual_stages > 0) {
      q.virtual_stages = r.virtual_stages;
    }
    m.search = q;
  }
  auto& p = m.in.precision;
  p.compute = r.compute == "fp8" ? ComputeFormat::kFp8 : ComputeFormat::k16Bit;
  m.recompute_searched = r.recompute.empty();
  p.recompute = r.recompute == "full"        ? Recompute::kFull
                : r.recompute == "selective" ? Recompute::kSelective
                : r.recompute == "dots"      ? Recompute::kDots
                                             : Recompute::kNone;
  p.shard = r.shard == "parameters"  ? Sharding::kParameters
            : r.shard == "gradients" ? Sharding::kGradients
            : r.shard == "optimizer" ? Sharding::kOptimizer
                                     : Sharding::kNone;
  p.shard_group = r.shard_group;
  p.offload_layers = r.offload_layers;
  m.in.tokens_per_step = r.batch_sequences * static_cast<double>(r.sequence);
  m.in.gradient_overlap = kDataParallelOverlap;
  m.in.dispatch.per_domain = r.dispatch_per_node;
  m.in.dispatch.format = r.dispatch_fp8 ? ComputeFormat::kFp8 : ComputeFormat::k16Bit;
  m.in.dispatch.overlap = r.dispatch_overlap;
  const double devices = static_cast<double>(r.devices);
  switch (r.figure) {
    case pub::Figure::kTokensPerSecondPerDevice:
      m.measured_s = m.in.tokens_per_step / (devices * r.value);
      break;
    case pub::Figure::kTokensPerSecondTotal:
      m.measured_s = m.in.tokens_per_step / r.value;
      break;
    case pub::Figure::kTflopsPerDevice:
      m.measured_s = source_flops_per_step(r) / (devices * r.value * kTera);
      break;
    case pub::Figure::kMfu: {
      const auto& c = chip(m.chip);
      const double peak = matmul_peak(c, p.compute).si();
      m.measured_s = source_flops_per_step(r) / (devices * r.value * peak);
      break;
    }
  }
  return m;
}

std::vector<Measured> all_runs() {
  std::vector<Measured> out;
  for (const auto& r : calibration_runs()) {
    out.push_back(measured(r, true));
  }
  for (const auto& r : validation_runs()) {
    out.push_back(measured(r, false));
  }
  for (const auto& r : pub::kPublishedRuns) {
    out.push_back(measured(r));
  }
  return out;
}

ComputeFormat format_of(const Measured& m) {
  return m.in.precision.compute;
}

struct Fit {
  double eta_mm = 0;
  double eta_net = 0;
  double eta_mem = 0;
  double max_error = 0;  ///< largest |predicted / measured - 1|
  std::size_t runs = 0;
};

double sum_squared_log_error(const std::vector<const Measured*>& rows, const ChipCalibration& cal) {
  double sse = 0;
  for (const auto* r : rows) {
    const double e = std::log(predicted_s(*r, cal) / r->measured_s);
    sse += e * e;
  }
  return sse;
}

/// eta_mm by golden-section search on [0.05, 1] for a given eta_net.
ChipCalibration best_for(const std::vector<const Measured*>& rows, ChipCalibration cal) {
  constexpr double kLow = 0.05;
  constexpr double kHigh = 1.0;
  constexpr double kTolerance = 1e-6;
  const double golden = (std::sqrt(5.0) - 1) / 2;
  double a = kLow;
  double b = kHigh;
  const auto f = [&](double x) {
    cal.matmul_efficiency = x;
    cal.attention_efficiency = x;
    return sum_squared_log_error(rows, cal);
  };
  double c = b - golden * (b - a);
  double d = a + golden * (b - a);
  double fc = f(c);
  double fd = f(d);
  while (b - a > kTolerance) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - golden * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + golden * (b - a);
      fd = f(d);
    }
  }
  cal.matmul_efficiency = (a + b) / 2;
  cal.attention_efficiency = cal.matmul_efficiency;
  return cal;
}

/// eta_net on its grid and eta_mm for each, for a given eta_mem: the pair with the least
/// sum of squared log errors.
ChipCalibration best_network(const std::vector<const Measured*>& rows, ChipCalibration cal) {
  ChipCalibration best;
  double best_sse = std::numeric_limits<double>::infinity();
  std::vector<double> nets;
  if (rows.size() >= 2) {
    constexpr int kSteps = 14;
    constexpr double kFirst = 0.30;
    constexpr double kStep = 0.05;
    for (int i = 0; i <= kSteps; ++i) {
      nets.push_back(kFirst + kStep * i);
    }
  } else {
    nets.push_back(kDefaultNetworkEfficiency);
  }
  for (const double net : nets) {
    cal.network_efficiency = net;
    const ChipCalibration c = best_for(rows, cal);
    const double sse = sum_squared_log_error(rows, c);
    if (sse < best_sse) {
      best_sse = sse;
      best = c;
    }
  }
  return best;
}

Fit fit(const std::vector<const Measured*>& rows, const ChipCalibration& table) {
  ChipCalibration best;
  if (rows.size() < kRunsToFitMemory) {
    best = best_network(rows, table);
  } else {
    // eta_mem in hundredths: every kCoarse from kLow to kWhole (0.20 to 1), then each hundredth
    // within kCoarse of the best.
    constexpr int kLow = 20;
    constexpr int kCoarse = 5;
    constexpr int kWhole = 100;
    double best_sse = std::numeric_limits<double>::infinity();
    int best_hundredths = kLow;
    const auto at = [&](int hundredths) {
      ChipCalibration cal = table;
      cal.memory_efficiency = hundredths / static_cast<double>(kWhole);
      const ChipCalibration c = best_network(rows, cal);
      const double sse = sum_squared_log_error(rows, c);
      if (sse < best_sse) {
        best_sse = sse;
        best = c;
        best_hundredths = hundredths;
      }
    };
    for (int h = kLow; h <= kWhole; h += kCoarse) {
      at(h);
    }
    const int centre = best_hundredths;
    for (int h = std::max(kLow, centre - kCoarse + 1); h <= std::min(kWhole, centre + kCoarse - 1);
         ++h) {
      if (h != centre) {
        at(h);
      }
    }
  }
  Fit out;
  out.eta_mm = best.matmul_efficiency;
  out.eta_net = best.network_efficiency;
  out.eta_mem = best.memory_efficiency;
  out.runs = rows.size();
  for (const auto* r : rows) {
    out.max_error = std::max(out.max_error, std::abs(predicted_s(*r, best) / r->measured_s - 1));
  }
  return out;
}

std::vector<const Measured*> calibration_rows(const std::vector<Measured>& runs,
                                              const ChipCalibration& cal) {
  std::vector<const Measured*> rows;
  for (const auto& r : runs) {
    if (r.calibration && r.chip == cal.chip && format_of(r) == cal.compute) {
      rows.push_back(&r);
    }
  }
  return rows;
}

/// The largest |error| over every run of the chip and format that the model can place
/// (calibration and validation), with the table's constants: the error band.
double observed_band(const std::vector<Measured>& runs, const ChipCalibration& cal) {
  double band = 0;
  for (const auto& r : runs) {
    if (r.chip == cal.chip && format_of(r) == cal.compute) {
      try {
        band = std::max(band, std::abs(predicted_s(r, cal) / r.measured_s - 1));
      } catch (const std::invalid_argument&) {
        // A run the model cannot place (memory): a known miss, not an error size.
      }
    }
  }
  return band;
}

/// Runs the model misses by more than its target (10 % for calibration runs, 20 % for the
/// others), with the error documented in docs/models.md ("Known misses") and why. Each is
/// pinned to its documented error within kMissPin, so a change of the model that moves one
/// shows here. NaN: the model cannot place the run at all (the reason in the note).
struct KnownMiss {
  std::string_view name;
  double error;  ///< predicted / measured - 1
  std::string_view why;
};
constexpr double kMissPin = 0.03;
constexpr std::array<KnownMiss, 8> kKnownMisses{{
    {"MT-NLG 530B on 3360 A100", -0.208,
     "DeepSpeed's pipeline engine loses more with fewer microbatches than the 1F1B bubble: from "
     "2240 to 3360 GPUs (batch 1920, 240 to 160 microbatches per pipeline) the GPU-seconds per "
     "step grow 11.5 % measured, 6.5 % predicted; the microbatch size is not published"},
    {"MaxText 1024B on v5p-4096 (2048 TPU v5p chips)", 0.159,
     "remat_policy full: the model charges the recomputed forward pass (a third more matmul time) "
     "and the tensor-parallel all-reduces (16 % of the predicted step) in full; the runs of the "
     "same fit with remat_policy minimal ('dots') are 6 to 7 % fast, so the recomputation as "
     "charged costs more than MaxText's"},
    {"Llama 3 405B on 16384 H100, TP8 CP16 PP16, seq 131072", 0.517,
     "FLOPs counted as 6N, which the paper does not confirm: at 128K tokens causal attention is "
     "40 % of the step's FLOPs, and counted with it (as Megatron-LM and PaLM count MFU) the "
     "published 380 TFLOP/s per GPU is a 1.665x longer step and the error -8.9 %; the 8K runs, "
     "where attention is 4 %, are within 7 % either way"},
    {"Megatron-Bridge 25.11: DeepSeek-V3 MXFP8 on 256 B200", -0.478,
     "a fixed cost per expert a device holds, which the model does not charge (0.42 to 0.50 ms "
     "per expert, layer and microbatch on the three MXFP8 runs: docs/models.md), with token "
     "permutation, the router and load imbalance (step_sim samples it in runs, not here); "
     "not the grouped matmuls' size: each expert gets 1024 tokens a microbatch (8 ranks x 4096 "
     "tokens x 8 of 256 experts, 32 on each rank)"},
    {"Megatron-Bridge 25.11: Qwen3-235B-A22B MXFP8 on 64 B200", -0.556,
     "a fixed cost per expert a device holds, which the model does not charge (0.42 to 0.50 ms "
     "per expert, layer and microbatch on the three MXFP8 runs: docs/models.md), with token "
     "permutation, the router and load imbalance (step_sim samples it in runs, not here); "
     "not the grouped matmuls' size: each expert gets 2048 tokens a microbatch (8 ranks x 4096 "
     "tokens x 8 of 128 experts, 16 on each rank)"},
    {"Megatron-Bridge 25.11: DeepSeek-V3 MXFP8 on 256 GB200", -0.244,
     "a fixed cost per expert a device holds, which the model does not charge (0.42 to 0.50 ms "
     "per expert, layer and microbatch on the three MXFP8 runs: docs/models.md), with token "
     "permutation, the router and load imbalance (step_sim samples it in runs, not here); "
     "not the grouped matmuls' size: each expert gets 4096 tokens a microbatch (32 ranks x 4096 "
     "tokens x 8 of 256 experts, 8 on each rank)"},
    {"MaxText 22B on v4-128 (64 TPU v4 chips)", 0.296,
     "architecture inferred from a 2023 MaxText config (low confidence); TPU v4 is calibrated on "
     "one run (PaLM)"},
    {"MaxText 52B on v4-384 (192 TPU v4 chips)", 0.257,
     "architecture inferred from a 2023 MaxText config (low confidence); TPU v4 is calibrated on "
     "one run (PaLM)"},
}};

const KnownMiss* known_miss(const std::string& name) {
  for (const auto& k : kKnownMisses) {
    if (k.name == name) {
      return &k;
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("Step model: the calibration table is the fit on its calibration runs",
          "[step_model][calibration]") {
  const auto runs = all_runs();
  for (const auto& cal : builtin_calibrations()) {
    const auto rows = calibration_rows(runs, cal);
    if (rows.empty()) {
      continue;  // an entry that repeats another's constants (its source says which)
    }
    const Fit f = fit(rows, cal);
    INFO(fmt::format(
        "{} {}: fit eta_mm {:.4f} eta_net {:.2f} eta_mem {:.2f} max error {:.3f} on {} runs; "
        "table {:.4f} {:.2f} {:.2f} {:.3f}",
        cal.chip, cal.compute == ComputeFormat::kFp8 ? "FP8" : "16-bit", f.eta_mm, f.eta_net,
        f.eta_mem, f.max_error, f.runs, cal.matmul_efficiency, cal.network_efficiency,
        cal.memory_efficiency, cal.calibration_error));
    CHECK(cal.matmul_efficiency == Approx(f.eta_mm).epsilon(0.002));
    CHECK(cal.attention_efficiency == cal.matmul_efficiency);
    CHECK(cal.network_efficiency == Approx(f.eta_net).margin(0.001));
    CHECK(cal.memory_efficiency == Approx(f.eta_mem).margin(0.001));
    // The error band: the largest error over all the chip's runs, rounded up to 0.5 %.
    const double band = observed_band(runs, cal);
    CHECK(cal.calibration_error >= band);
    CHECK(cal.calibration_error <= band + 0.005 + 1e-9);
  }
}

namespace {

/// Every run of one set (calibration or not), known misses aside, within `tolerance`.
void check_runs_within(bool calibration, double tolerance) {
  for (const auto& r : all_runs()) {
    if (r.calibration != calibration || known_miss(r.name) != nullptr) {
      continue;
    }
    const auto choice = require_calibration(chip(r.chip), format_of(r));
    std::string phases;
    INFO(r.name);
    double p = 0;
    REQUIRE_NOTHROW(p = predicted_s(r, *choice.calibration, &phases));
    INFO(phases);
    INFO(
        fmt::format("{}: predicted {:.4g} s per step, measured {:.4g} s ({:+.1f} %){}", r.name, p,
                    r.measured_s, 100 * (p / r.measured_s - 1),
                    choice.borrowed_from.empty() ? "" : ", borrowed from " + choice.borrowed_from));
    CHECK(p == Approx(r.measured_s).epsilon(tolerance));
  }
}

}  // namespace

TEST_CASE("Step model: calibration runs are reproduced within 10 %", "[step_model]") {
  check_runs_within(true, kCalibrationTolerance);
}

TEST_CASE("Step model: runs it was not fitted on are predicted within 20 %", "[step_model]") {
  check_runs_within(false, kValidationTolerance);
}

TEST_CASE("Step model: the known misses stay where docs/models.md puts them", "[step_model]") {
  const auto runs = all_runs();
  for (const auto& k : kKnownMisses) {
    const auto it =
        std::find_if(runs.begin(), runs.end(), [&](const Measured& r) { return r.name == k.name; });
    REQUIRE(it != runs.end());
    const auto& c = chip(it->chip);
    const auto choice = require_calibration(c, format_of(*it));
    INFO(k.name << ": " << k.why);
    const double e = predicted_s(*it, *choice.calibration) / it->measured_s - 1;
    INFO("error " << e);
    CHECK(e == Approx(k.error).margin(kMissPin));
    CHECK(std::abs(e) > (it->calibration ? kCalibrationTolerance : kValidationTolerance));
  }
}

TEST_CASE("Step model: the calibration and validation sets share no run", "[step_model]") {
  std::set<std::string> calibration;
  std::set<std::string> validation;
  for (const auto& r : all_runs()) {
    (r.calibration ? calibration : validation).insert(r.name);
  }
  for (const auto& name : validation) {
    CHECK(calibration.count(name) == 0);
  }
  // Every calibrated chip and format has its runs, and names them in its source.
  const auto runs = all_runs();
  for (const auto& cal : builtin_calibrations()) {
    INFO(cal.chip << ": " << cal.source);
    CHECK((!calibration_rows(runs, cal).empty() || cal.source.starts_with("=")));
  }
}

TEST_CASE("Step model: GShard-600B needs about 45x fewer processor-years than GPT-3",
          "[step_model]") {
  // Patterson et al. 2021, section 4 and Table 4: GPT-3 10,000 chips x 14.8 d, GShard-600B
  // 1024 x 3.1 d: 46.6x (the text says about 45x). Predicted chip-time = F / (predicted
  // FLOP/s per chip) with each run's published F; the ratio must land within 1.5x of 45.
  const auto runs = validation_runs();
  const auto tflops = [](const Run& r) {
    const Measured m = measured(r, false);
    const auto& c = chip(r.chip);
    const double t = predicted_s(m, *require_calibration(c, ComputeFormat::k16Bit).calibration);
    return kPaperFlopsPerParameterToken * r.paper_active_parameters * r.tokens_per_step /
           (static_cast<double>(r.chips) * t) / kTera;
  };
  const double gpt3_flops = 3.14e23;
  const double gshard_flops = 1.33e22;
  const double gpt3_chip_s = gpt3_flops / (tflops(runs[0]) * kTera);
  const double gshard_chip_s = gshard_flops / (tflops(runs[1]) * kTera);
  const double ratio = gpt3_chip_s / gshard_chip_s;
  INFO("predicted processor-time ratio GPT-3 / GShard-600B: " << ratio);
  CHECK(ratio >= 45.0 / 1.5);
  CHECK(ratio <= 45.0 * 1.5);
}

TEST_CASE("Step model: print the fit (run by hand to refit the table)", "[.fit]") {
  const auto runs = all_runs();
  for (const auto& cal : builtin_calibrations()) {
    const auto rows = calibration_rows(runs, cal);
    if (rows.empty()) {
      continue;
    }
    const Fit f = fit(rows, cal);
    ChipCalibration fitted = cal;
    fitted.matmul_efficiency = f.eta_mm;
    fitted.attention_efficiency = f.eta_mm;
    fitted.network_efficiency = f.eta_net;
    fitted.memory_efficiency = f.eta_mem;
    for (const auto& r : runs) {
      if (r.chip != cal.chip || format_of(r) != cal.compute) {
        continue;
      }
      std::string phases;
      try {
        const double p = predicted_s(r, fitted, &phases);
        WARN(fmt::format("  {}{}: {:+.1f} % ({:.4g} s vs {:.4g} s) {}", r.calibration ? "" : "[v] ",
                         r.name, 100 * (p / r.measured_s - 1), p, r.measured_s, phases));
      } catch (const std::exception& e) {
        WARN(fmt::format("  {}: {}", r.name, e.what()));
      }
    }
    const double band = std::ceil(observed_band(runs, fitted) * 200) / 200;
    WARN(fmt::format(
        "{} {}: eta_mm {:.4f}, eta_net {:.2f}, eta_mem {:.2f}, max error {:.4f} on {} runs, band "
        "{:.3f}",
        cal.chip, cal.compute == ComputeFormat::kFp8 ? "kFp8" : "k16Bit", f.eta_mm, f.eta_net,
        f.eta_mem, f.max_error, f.runs, band));
  }
}

TEST_CASE("Step model: print every run's phases (run by hand)", "[.phases]") {
  for (const auto& r : all_runs()) {
    const auto choice = require_calibration(chip(r.chip), format_of(r));
    std::string phases;
    try {
      const double p = predicted_s(r, *choice.calibration, &phases);
      WARN(fmt::format("{}: {:+.1f} % ({:.4g} s vs {:.4g} s) {}", r.name,
                       100 * (p / r.measured_s - 1), p, r.measured_s, phases));
    } catch (const std::invalid_argument& e) {
      WARN(fmt::format("{}: {}", r.name, e.what()));
    }
  }
}

TEST_CASE("Step model: print every run as a docs/models.md table row", "[.table]") {
  for (const auto& r : all_runs()) {
    const auto& c = chip(r.chip);
    const auto choice = require_calibration(c, format_of(r));
    std::string cell;
    try {
      const double p = predicted_s(r, *choice.calibration);
      cell =
          fmt::format("{:.3g} | {:.3g} | {:+.1f} %", p, r.measured_s, 100 * (p / r.measured_s - 1));
    } catch (const std::invalid_argument&) {
      cell = fmt::format("does not fit | {:.3g} | -", r.measured_s);
    }
    WARN(fmt::format(
        "| {} | {} {} | {} | {}{} |", r.name, r.chip,
        format_of(r) == ComputeFormat::kFp8 ? "FP8" : "16-bit",
        r.calibration ? "calibration" : "validation", cell,
        choice.borrowed_from.empty() ? "" : " (borrowed: " + choice.borrowed_from + ")"));
  }
}
