#include "models/workloads/step_model.hpp"

#include "models/workloads/collectives.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace footprint::models {

namespace {

/// Bytes of an activation or a gradient value on the wire (bf16/fp16).
constexpr double kActivationBytes = 2.0;
/// A forward pass, plus a backward pass of twice its matmul FLOPs (data and weight
/// gradients): 3 passes (Kaplan et al. 2020, section 2.1); full recomputation runs the
/// forward pass once more.
constexpr double kTrainingPasses = 3.0;
constexpr double kForwardPass = 1.0;
constexpr double kRecomputedPass = 1.0;
/// Weights are read once per pass: forward, backward for data, backward for weights.
constexpr double kWeightReadsPerMicrobatch = 3.0;
/// Megatron tensor parallelism: one all-reduce at the end of each attention or
/// feed-forward block in the forward pass (operator g), one at its start in the backward
/// (operator f) (Shoeybi et al. 2019, section 3, figures 3 and 4); with sequence
/// parallelism each becomes an all-gather and a reduce-scatter of the same total bytes
/// (Korthikanti et al. 2022, section 4.2.2). Full recomputation repeats the forward one.
constexpr double kTensorCollectivesPerBlock = 2.0;
/// An MoE layer: dispatch and combine all-to-alls in the forward pass, the same two in the
/// backward (Lepikhin et al. 2021, section 2.2); full recomputation repeats the forward two.
constexpr double kAllToAllsPerMoeLayer = 4.0;
constexpr double kAllToAllsPerForward = 2.0;
/// FP8 dispatch: a byte per value and an FP32 scale per 128 (DeepSeek-V3 report, sec. 3.3.2's
/// 1 x 128 activation tiles).
constexpr double kFp8DispatchBytes = 1.0 + 4.0 / 128.0;
/// Ring attention (Liu et al. 2023): each of the c ranks passes its key and value blocks
/// round the ring, c - 1 transfers per layer in the forward pass, and keys, values and
/// their gradients in the backward (twice the bytes): 3 x in all (4 with full recompute).
constexpr double kContextTransfersPerLayer = 3.0;
/// Element-wise work (layer norms, activation functions, residual additions, softmax
/// statistics, the MoE permutation) is bound by memory traffic: every activation a layer
/// keeps is written in the forward pass and read in the backward, and its gradient written
/// and read: 4 passes over the kept activations (6 with full recomputation, which writes
/// and reads them once more). Materialised attention scores are kept activations like any
/// other (2 bytes each, 5 with dropout's mask and output): 4 passes give 20 bytes per score
/// with dropout, against 20 counted kernel by kernel in Megatron-LM (softmax forward reads
/// and writes 4, dropout 5; backward 6 and 5), and 30 against 29 with full recomputation.
constexpr double kActivationTrafficPasses = 4.0;
constexpr double kRecomputedTrafficPasses = 2.0;
/// The loss over the vocabulary, bound by memory traffic: Megatron-Core's vocab-parallel
/// cross-entropy (megatron/core/tensor_parallel/cross_entropy.py) counted kernel by kernel
/// in bytes per logit. Forward: the 16-bit logits cast to 32 bits (read 2, write 4), their
/// maximum (read 4), its subtraction (read 4, write 4), exp (4, 4), the sum (4), the
/// division to the softmax kept for the backward pass (4, 4); backward: the product with
/// the loss gradient (4, 4) and the cast back to 16 bits (4, 2). 52 bytes per logit of the
/// output tokens, the vocabulary split over the tensor ranks; recomputation does not repeat
/// it (the output layer is not in the recomputed layers).
constexpr double kLossBytesPerLogit = 52.0;
/// Keys and values: two tensors.
constexpr double kKeyAndValue = 2.0;
/// Optimizer update: read parameters, gradients and state, write parameters and state.
constexpr double kOptimizerStateTouches = 2.0;
/// FSDP/ZeRO-3: the parameters are gathered for the forward pass and again for the
/// backward (Rajbhandari et al. 2020, section 7.2.2), once more with full recomputation.
constexpr double kParameterGathersPerStep = 2.0;
constexpr double kGiga = 1e9;
/// Point-to-point transfers between pipeline stages per microbatch and model chunk:
/// activations forward, their gradients backward.
constexpr double kStageTransfersPerMicrobatch = 2.0;

/// auto_layout's search: tensor-parallel degrees up to 64 (and within the scale-up
/// domain), context-parallel degrees up to 64, any microbatch count that divides a
/// replica's sequences, and the interleaved schedule's usual virtual stages.
constexpr std::int64_t kMaxTensor = 64;
constexpr std::int64_t kMaxContext = 64;
constexpr std::array<std::int64_t, 4> kVirtualStages{1, 2, 4, 8};

// --- Calibrations -----------------------------------------------------------------------

/// One set of constants per chip and compute format, each fitted only on the runs named
/// (tests/validation/test_step_model.cpp refits every row and checks this table;
/// docs/models.md, "Calibration", lists the runs and the fit). eta_mem, the achieved fraction
/// of HBM bandwidth in the element-wise phase (and in weight streaming and the optimizer),
/// is fitted with eta_mm and eta_net where a calibration has at least two runs per fitted
/// constant (A100, H100 BF16); elsewhere it is assumed, kAssumedMemoryEfficiency. The error
/// band is the largest step-time error over every published run of the chip and format,
/// calibration and validation, rounded up to 0.5 %: what a planner should expect, not only
/// the fit's residual.
constexpr double kAssumedMemoryEfficiency = 0.8;

std::span<const ChipCalibration> calibration_table() {
  using enum ComputeFormat;
  static const std::array<ChipCalibration, 9> kTable{{
      {"V100", k16Bit, 0.6509, 0.6509, kAssumedMemoryEfficiency, 0.70, 0.045,
       "Shoeybi et al. 2019 (Megatron-LM): 1 V100, 1.2B GPT-2, 39 TFLOP/s; 512 V100, 8.3B, "
       "15.1 PFLOP/s"},
      {"TPUv3", k16Bit, 0.3629, 0.3629, kAssumedMemoryEfficiency, 0.70, 0.070,
       "Raffel et al. 2020 (T5-11B) on 512 TPU v3 at 45.6 TFLOP/s per chip (Patterson et al. "
       "2021, Table 4)"},
      {"A100", k16Bit, 0.6478, 0.6478, 0.73, 0.55, 0.210,
       "Narayanan et al. 2021 (SC21), Table 1: ten GPT runs on 32 to 3072 A100"},
      {"H100", k16Bit, 0.5872, 0.5872, 0.38, 1.00, 0.520,
       "Megatron-LM README, Megatron-Core r0.8.0 weak-scaling table: nine GPT runs on 48 to "
       "6144 H100"},
      {"H100", kFp8, 0.5845, 0.5845, kAssumedMemoryEfficiency, 0.70, 0.110,
       "NeMo 24.07 performance summary: GPT-3 175B on 512 H100; Megatron-Bridge 25.11: "
       "Llama 3.1 405B on 1024 H100"},
      {"B200", kFp8, 0.5395, 0.5395, kAssumedMemoryEfficiency, 0.70, 0.560,
       "Megatron-Bridge 25.11: Llama 3.1 405B on 128 B200"},
      {"GB200", kFp8, 0.5252, 0.5252, kAssumedMemoryEfficiency, 0.70, 0.245,
       "Megatron-Bridge 25.11: Llama 3.1 405B on 256 GB200"},
      {"TPUv4", k16Bit, 0.6088, 0.6088, kAssumedMemoryEfficiency, 0.70, 0.300,
       "Chowdhery et al. 2022 (PaLM 540B), section 4: 6144 TPU v4, 238.3k tokens/s"},
      {"TPUv5p", k16Bit, 0.8968, 0.8968, kAssumedMemoryEfficiency, 1.00, 0.160,
       "MaxText README v5p table: 32B on 64, 128B on 128, 1024B on 2048 TPU v5p"},
  }};
  return kTable;
}

/// Chips and formats that use another's efficiencies: (chip, format, from chip, from
/// format). Same silicon (H200, H800: H100's compute; GB200 and B200 BF16 from their FP8
/// runs: the same Blackwell tensor cores), or the nearest calibrated peer (MI300X from
/// H100: an assumption, no calibration run published with layout); TPU v5p FP8 from its
/// BF16 (the same peak).
struct Borrow {
  const char* chip;
  ComputeFormat format;
  const char* from;
  ComputeFormat from_format;
};
constexpr std::array<Borrow, 9> kBorrows{{
    {"TPUv5p", ComputeFormat::kFp8, "TPUv5p", ComputeFormat::k16Bit},
    {"H200", ComputeFormat::k16Bit, "H100", ComputeFormat::k16Bit},
    {"H200", ComputeFormat::kFp8, "H100", ComputeFormat::kFp8},
    {"H800", ComputeFormat::k16Bit, "H100", ComputeFormat::k16Bit},
    {"H800", ComputeFormat::kFp8, "H100", ComputeFormat::kFp8},
    {"B200", ComputeFormat::k16Bit, "B200", ComputeFormat::kFp8},
    {"GB200", ComputeFormat::k16Bit, "GB200", ComputeFormat::kFp8},
    {"MI300X", ComputeFormat::k16Bit, "H100", ComputeFormat::k16Bit},
    {"MI300X", ComputeFormat::kFp8, "H100", ComputeFormat::kFp8},
}};

const ChipCalibration* find_in_table(std::string_view chip, ComputeFormat format) {
  for (const auto& c : calibration_table()) {
    if (c.chip == chip && c.compute == format) {
      return &c;
    }
  }
  return nullptr;
}

/// "BF16", "FP16" or "FP8", for messages: a chip of the calibration tables by its name (a
/// built-in type).
std::string format_label(std::string_view chip, ComputeFormat f) {
  AcceleratorType t;
  for (const auto& b : builtin_accelerators()) {
    if (b.name == chip) {
      t = b;
    }
  }
  std::string label = compute_format_name(t, f);
  std::transform(label.begin(), label.end(), label.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return label;
}

// --- Power by phase -----------------------------------------------------------------------

std::span<const PhasePower> power_table() {
  static const std::array<PhasePower, 8> kTable{{
      {"V100", 1.0, 0.35,
       "compute at TDP (Patterson et al. 2021, Table 3: 325 W of system per V100 measured); "
       "communication 0.35: assumption"},
      {"TPUv3", 0.5085, 0.2,
       "compute at 262 W, the measured maximum of the Cloud TPU v3 documentation; "
       "communication 0.2: assumption"},
      {"TPUv4", 0.865, 0.2,
       "compute at the measured mean of 170 W (Jouppi et al. 2023, TPU v4: mean 170 W, max "
       "192 W); communication 0.2: assumption"},
      {"H100", 0.917, 0.35,
       "compute at 650 W (an H100 draws over 600 W when compute-bound, 100 W while "
       "checkpointing: docs/models.md); communication 0.35: assumption"},
      {"H200", 0.917, 0.35, "as H100 (same compute die): assumption"},
      {"H800", 0.917, 0.35, "as H100 (same compute die): assumption"},
      {"A100", 0.9, 0.35, "assumption: compute at 0.9 of the span above idle, as H100"},
      {"TPUv2", 0.5085, 0.2, "as TPU v3: assumption"},
  }};
  return kTable;
}

// --- Collectives --------------------------------------------------------------------------

/// How the layout places its groups: tensor ranks fastest, then context, then data (the
/// expert group is `expert` consecutive data replicas), then pipeline stages (Megatron's
/// tensor-context-expert-data-pipeline order).
struct Placement {
  Group tensor, context, data_context, expert, expert_replicas, pipeline_step;
};

Placement place(const ParallelLayout& l) {
  Placement p;
  p.tensor = {l.tensor, 1};
  p.context = {l.context, l.tensor};
  p.data_context = {l.data * l.context, l.tensor};
  p.expert = {l.expert, l.tensor * l.context};
  p.expert_replicas = {l.data * l.context / l.expert, l.tensor * l.expert};
  p.pipeline_step = {2, l.tensor * l.context * l.data};
  return p;
}

/// Weights of the multi-head K and V projections per layer (0 for latent attention).
double kv_projection(const TransformerSpec& m) {
  if (m.attention == AttentionKind::kLatent) {
    return 0;
  }
  const double d_head = static_cast<double>(m.d_head > 0 ? m.d_head : m.d_model / m.heads);
  const double kv = static_cast<double>(m.kv_heads > 0 ? m.kv_heads : m.heads);
  return kKeyAndValue * static_cast<double>(m.d_model) * kv * d_head;
}

/// Width of the keys and values one tensor rank holds per token (both together).
double kv_width_per_rank(const TransformerSpec& m, std::int64_t tensor) {
  const double d_head = static_cast<double>(m.d_head > 0 ? m.d_head : m.d_model / m.heads);
  const double t = static_cast<double>(tensor);
  if (m.attention == AttentionKind::kLatent) {
    const double heads = static_cast<double>(m.heads);
    return (heads * (d_head + static_cast<double>(m.rope_dim)) + heads * d_head) / t;
  }
  const double kv = static_cast<double>(m.kv_heads > 0 ? m.kv_heads : m.heads);
  return kKeyAndValue * kv * d_head / std::min(t, kv);
}

/// FLOPs of one token through the routed experts it uses, forward, in each stack, and
/// the routed experts' parameters.
struct ExpertShare {
  double forward_flops_per_sequence = 0;
  double parameters = 0;
};

ExpertShare expert_share(const TransformerSpec& m) {
  ExpertShare s;
  if (m.experts == 0) {
    return s;
  }
  const FfnKind kind = m.expert_ffn.value_or(m.ffn);
  const double mats = kind == FfnKind::kGated ? 3.0 : 2.0;
  const double dff = static_cast<double>(m.expert_d_ff > 0 ? m.expert_d_ff : m.d_ff);
  const double per_expert = mats * static_cast<double>(m.d_model) * dff;
  // Routed experts only: shared experts are replicated like dense weights and their work
  // is dense work (in dense_parameters and the rest of the matmul FLOPs).
  const auto moe = [&](std::int64_t layers) { return moe_layers_in_stack(m, layers); };
  const double target = static_cast<double>(decoder_sequence(m));
  const double enc_tokens = static_cast<double>(m.sequence);
  const double dec_tokens = m.encoder_layers > 0 ? target : static_cast<double>(m.sequence);
  constexpr double kFlopsPerMac = 2.0;
  s.forward_flops_per_sequence = kFlopsPerMac * per_expert * static_cast<double>(m.top_k) *
                                 (static_cast<double>(moe(m.encoder_layers)) * enc_tokens +
                                  static_cast<double>(moe(m.decoder_layers)) * dec_tokens);
  s.parameters = per_expert * static_cast<double>(m.experts) *
                 static_cast<double>(moe(m.encoder_layers) + moe(m.decoder_layers));
  return s;
}

std::string memory_text(const DeviceMemory& m) {
  return fmt::format(
      "{:.1f} GB (parameters {:.1f}, gradients {:.1f}, optimizer {:.1f}, "
      "activations {:.1f}){}",
      m.total() / kGiga, m.parameters / kGiga, m.gradients / kGiga, m.optimizer / kGiga,
      m.activations / kGiga,
      m.offloaded > 0 ? fmt::format(" and {:.1f} GB of offloaded activations in host memory",
                                    m.offloaded / kGiga)
                      : std::string());
}

std::string layout_text(const ParallelLayout& l) {
  return fmt::format(
      "data {} x tensor {} x pipeline {} x context {} (expert {}, {} "
      "microbatches, {} virtual stages)",
      l.data, l.tensor, l.pipeline, l.context, l.expert, l.microbatches, l.virtual_stages);
}

/// The layout does not fit the device memory: by how much.
struct DoesNotFit : std::invalid_argument {
  DoesNotFit(const std::string& what, double bytes_over)
      : std::invalid_argument(what), over(bytes_over) {}
  double over;  ///< bytes too many
  DeviceMemory memory;
};

}  // namespace

// --- Calibration look-up ------------------------------------------------------------------

std::span<const ChipCalibration> builtin_calibrations() {
  return calibration_table();
}

std::string compute_format_name(const AcceleratorType& chip, ComputeFormat format) {
  if (format == ComputeFormat::kFp8) {
    return "fp8";
  }
  return chip.has_bf16 ? "bf16" : "fp16";
}

units::FlopRate matmul_peak(const AcceleratorType& chip, ComputeFormat format) {
  if (format == ComputeFormat::k16Bit) {
    return chip.peak;
  }
  if (!chip.peak_fp8) {
    throw std::invalid_argument(
        fmt::format("{} has no FP8 peak in the library: compute in its 16-bit format", chip.name));
  }
  return *chip.peak_fp8;
}

CalibrationChoice require_calibration(const AcceleratorType& chip, ComputeFormat format) {
  matmul_peak(chip, format);  // throws for FP8 without an FP8 peak
  if (const auto* own = find_in_table(chip.name, format)) {
    return {own, ""};
  }
  for (const auto& b : kBorrows) {
    if (chip.name == b.chip && format == b.format) {
      if (const auto* from = find_in_table(b.from, b.from_format)) {
        return {from, fmt::format("{} {}", b.from, format_label(b.from, b.from_format))};
      }
    }
  }
  std::vector<std::string> names;
  for (const auto& c : calibration_table()) {
    names.push_back(fmt::format("{} {}", c.chip, format_label(c.chip, c.compute)));
  }
  throw std::invalid_argument(fmt::format(
      "no step-model calibration for {} {}: the calibrated chips are {} (docs/models.md lists "
      "the borrowed ones)",
      chip.name, format_label(chip.name, format), fmt::join(names, ", ")));
}

PhasePower phase_power(const AcceleratorType& chip) {
  for (const auto& p : power_table()) {
    if (p.chip == chip.name) {
      return p;
    }
  }
  constexpr double kAssumedCompute = 0.9;
  constexpr double kAssumedCommunication = 0.35;
  return {chip.name, kAssumedCompute, kAssumedCommunication,
          "assumption: compute at 0.9 of the span above idle, communication 0.35 (no "
          "per-phase measurement published)"};
}

std::vector<std::string> calibration_sources() {
  std::vector<std::string> out;
  for (const auto& c : calibration_table()) {
    out.push_back(fmt::format("{} {}: {}", c.chip, format_label(c.chip, c.compute), c.source));
  }
  return out;
}

// --- Networks -----------------------------------------------------------------------------

JobNetwork job_network(const AcceleratorType& chip, const NetworkOverride& override) {
  // Latencies: assumptions, the sums of per-hop figures of models/topology (0.5 us per
  // NVLink hop and back; about 5 us across a three-tier fat tree).
  constexpr double kScaleUpLatencyS = 1e-6;
  constexpr double kScaleOutLatencyS = 5e-6;
  constexpr int kTorus2d = 2;
  constexpr int kTorus3d = 3;
  JobNetwork n;
  n.scale_up_domain = override.scale_up_domain.value_or(chip.scale_up_domain);
  n.scale_up_bandwidth = override.scale_up_bandwidth.value_or(chip.scale_up_bandwidth);
  n.scale_out_bandwidth = override.scale_out_bandwidth.value_or(chip.scale_out_bandwidth);
  n.scale_up_latency = units::seconds(kScaleUpLatencyS);
  n.scale_out_latency = units::seconds(kScaleOutLatencyS);
  if (chip.name == "TPUv2" || chip.name == "TPUv3") {
    n.torus_dimensions = kTorus2d;
  } else if (chip.name == "TPUv4" || chip.name == "TPUv5p") {
    n.torus_dimensions = kTorus3d;
  }
  n.description = chip.scale_up;
  if (n.scale_up_domain > 1 && !(n.scale_up_bandwidth > units::ByteRate::zero())) {
    throw std::invalid_argument(
        fmt::format("the library has no scale-up bandwidth for {}: give the datacenter's "
                    "network.scale_up_bandwidth",
                    chip.name));
  }
  if (!(n.scale_out_bandwidth > units::ByteRate::zero())) {
    throw std::invalid_argument(
        fmt::format("the library has no scale-out bandwidth for {}: give the datacenter's "
                    "network.scale_out_bandwidth",
                    chip.name));
  }
  return n;
}

// --- The step -----------------------------------------------------------------------------

namespace {

/// Expected distinct holders, of `holders` that hold `items` / `holders` items each, of `k`
/// items drawn without replacement from `items`: holders x (1 - P(a holder gets none)).
double expected_holders(double items, double holders, double k) {
  double none = 1.0;
  const double elsewhere = items - items / holders;
  for (double i = 0; i < k; i += 1) {
    none *= std::max(0.0, elsewhere - i) / (items - i);
  }
  return holders * (1.0 - none);
}

}  // namespace

double remote_domains_per_token(const TransformerSpec& model, std::int64_t domains) {
  if (domains <= 1 || model.experts == 0) {
    return 0;
  }
  const double b = static_cast<double>(domains);
  const double e = static_cast<double>(model.experts);
  const double k = static_cast<double>(model.top_k);
  // Unlimited routing: top_k experts drawn from all of them.
  double hits = expected_holders(e, b, k);
  const std::int64_t groups = model.routing_groups;
  if (groups > 0) {
    const double g = static_cast<double>(groups);
    const double limit = static_cast<double>(model.routing_group_limit);
    if (groups % domains == 0) {
      // Each domain holds groups / domains whole groups: the token's at most `limit`.
      hits = std::min(hits, expected_holders(g, b, limit));
    } else if (domains % groups == 0) {
      // Each group spans domains / groups domains: top_k drawn from the limit's groups.
      const double spanned = limit * b / g;
      hits = expected_holders(limit * e / g, spanned, k);
    }
    // Groups that straddle domains unevenly: the limit is not used (docs/models.md).
  }
  return hits * (b - 1) / b;
}

namespace {

StepEstimate estimate(const StepModelInput& in, const AcceleratorType& chip,
                      const JobNetwork& network, const CalibrationChoice& choice) {
  const ChipCalibration& cal = *choice.calibration;
  const auto& m = in.model;
  const auto& l = in.layout;
  const auto& prec = in.precision;
  const auto counts = count_transformer(m);
  const std::int64_t devices = l.devices();
  if (in.tokens_per_step <= 0) {
    throw std::invalid_argument("tokens per step must be positive");
  }
  const double sequences = in.tokens_per_step / static_cast<double>(counts.tokens_per_sequence);
  StepEstimate est;
  est.devices = devices;
  est.memory = device_memory(m, l, prec, sequences);
  est.device_memory = chip.memory;
  est.error_band = cal.calibration_error;
  est.borrowed_from = choice.borrowed_from;
  const double device_bytes = units::to_bytes(est.device_memory);
  const double host_link = chip.host_link_bandwidth.si();
  if (prec.offload_layers > 0 && (host_link <= 0 || chip.host_memory.si() <= 0)) {
    throw std::invalid_argument(
        fmt::format("offload_layers needs the host memory and host link of the {}'s system, "
                    "and the library has no figure for them (accelerator_types: host_memory, "
                    "host_link_bandwidth)",
                    chip.name));
  }
  // "The layout needs <memory> per device but <what is available>: <excess> too much", in
  // device memory or, for offloaded activations, in the system's host memory.
  const auto check_fits = [&](double needed, double available, bool host) {
    if (needed <= available) {
      return;
    }
    const std::string what =
        host ? fmt::format("a {}'s system has {:.1f} GB of host memory per device", chip.name,
                           available / kGiga)
             : fmt::format("a {} has {:.1f} GB", chip.name, available / kGiga);
    DoesNotFit e(fmt::format("the layout needs {} per device but {}: {:.1f} GB too much",
                             memory_text(est.memory), what, (needed - available) / kGiga),
                 needed - available);
    e.memory = est.memory;
    throw e;
  };
  check_fits(est.memory.offloaded, chip.host_memory.si(), true);
  check_fits(est.memory.total(), device_bytes, false);
  const double n = static_cast<double>(devices);
  const double peak16 = chip.peak.si();
  const double peak_mm = matmul_peak(chip, prec.compute).si();
  const double hbm = chip.memory_bandwidth.si() * cal.memory_efficiency;
  const auto experts = expert_share(m);
  const bool full = prec.recompute == Recompute::kFull;
  // Full recomputation and kDots both run the forward's element-wise work, expert dispatch
  // and ring exchange again; only full recomputes the matmuls with the weights.
  const bool replay = full || prec.recompute == Recompute::kDots;
  const double mm_passes = kTrainingPasses + (full ? kRecomputedPass : 0.0);
  const double att_passes =
      kTrainingPasses + (prec.recompute != Recompute::kNone ? kRecomputedPass : 0.0);
  est.flops_per_step = counts.training_flops_per_token * in.tokens_per_step;
  const double mb = static_cast<double>(l.microbatches);
  const double tensor = static_cast<double>(l.tensor);
  const double stage_share = 1.0 / (tensor * static_cast<double>(l.pipeline));

  // Compute: FLOPs spread evenly over the devices at the calibrated fraction of peak, or
  // the time to stream the weights from HBM for every microbatch pass, if longer. Key and
  // value projections are replicated on tensor ranks beyond kv_heads.
  const double kv_fwd = 2.0 * kv_projection(m) * static_cast<double>(counts.layers) *
                        static_cast<double>(counts.tokens_per_sequence);
  const double kv_heads = static_cast<double>(m.kv_heads > 0 ? m.kv_heads : m.heads);
  const double kv_replication =
      m.attention == AttentionKind::kLatent ? 1.0 : tensor / std::min(tensor, kv_heads);
  const double dense_fwd = counts.forward_matmul_flops_per_sequence -
                           experts.forward_flops_per_sequence + kv_fwd * (kv_replication - 1);
  const double dense_params_device = counts.dense_parameters * stage_share;
  const double expert_params_device =
      experts.parameters / static_cast<double>(l.expert * l.tensor * l.pipeline);
  const double reads = kWeightReadsPerMicrobatch * mb * static_cast<double>(l.context);
  const double t_dense_flops =
      mm_passes * dense_fwd * sequences / n / (cal.matmul_efficiency * peak_mm);
  const double t_dense_mem = reads * dense_params_device * prec.parameter_bytes / hbm;
  const double t_compute = std::max(t_dense_flops, t_dense_mem);
  // Materialised scores are computed in full, the masked half of causal attention too; their
  // memory traffic is the element-wise phase's (they are kept activations).
  const double attention_fwd = m.scores == AttentionScores::kMaterialised
                                   ? counts.full_forward_attention_flops_per_sequence
                                   : counts.forward_attention_flops_per_sequence;
  const double t_attention =
      att_passes * attention_fwd * sequences / n / (cal.attention_efficiency * peak16);
  const double t_expert_flops = mm_passes * experts.forward_flops_per_sequence * sequences / n /
                                (cal.matmul_efficiency * peak_mm);
  const double t_expert_mem = reads * expert_params_device * prec.parameter_bytes / hbm;
  const double t_expert = std::max(t_expert_flops, t_expert_mem);

  // Element-wise traffic over the activations of the stage's layers, per microbatch.
  // Mean over the layers of the bytes a layer keeps per token, with a recomputation setting.
  const auto mean_kept_per_token = [&](Recompute recompute) {
    const std::int64_t moe = counts.moe_layers;
    const std::int64_t cross = m.encoder_layers > 0 ? m.decoder_layers : 0;
    const auto bytes = [&](bool is_moe, bool is_cross) {
      return activation_bytes_per_token(m, is_moe, is_cross, prec.compute, recompute);
    };
    // Cross-attention layers are the decoder's; MoE layers are counted as not crossing.
    return (static_cast<double>(moe) * bytes(true, false) +
            static_cast<double>(cross) * bytes(false, true) +
            static_cast<double>(counts.layers - moe - cross) * bytes(false, false)) /
           static_cast<double>(counts.layers);
  };
  const double activation_per_token = mean_kept_per_token(Recompute::kNone);
  const double traffic_passes =
      kActivationTrafficPasses + (replay ? kRecomputedTrafficPasses : 0.0);

  const Collectives net(network, cal.network_efficiency);
  const Placement g = place(l);
  const double tokens_mb = in.tokens_per_step / static_cast<double>(l.data) / mb;
  const double tokens_mb_rank = tokens_mb / static_cast<double>(l.context);
  const double layers_stage =
      std::ceil(static_cast<double>(counts.layers) / static_cast<double>(l.pipeline));
  // Attention blocks per layer: one, and the decoder's cross-attention in an encoder-decoder.
  const double attention_blocks =
      1.0 + (m.encoder_layers > 0
                 ? static_cast<double>(m.decoder_layers) / static_cast<double>(counts.layers)
                 : 0.0);
  // Selective recomputation runs materialised scores' softmax and dropout again in the
  // backward pass (full and dots already repeat all of the forward's traffic).
  const double score_replay =
      prec.recompute == Recompute::kSelective
          ? kRecomputedTrafficPasses * materialised_score_bytes_per_token(m) * attention_blocks
          : 0.0;
  // The last stage's loss: over its output tokens (the decoder's in an encoder-decoder).
  const double output_share = static_cast<double>(counts.decoder_tokens_per_sequence) /
                              static_cast<double>(counts.tokens_per_sequence);
  const double loss_bytes = kLossBytesPerLogit * static_cast<double>(m.vocabulary) * output_share *
                            tokens_mb_rank / tensor * mb;
  const double t_elementwise = ((traffic_passes * activation_per_token + score_replay) *
                                    layers_stage * tokens_mb_rank / tensor * mb +
                                loss_bytes) /
                               hbm;
  // Blocks per layer that end in a tensor-parallel collective: the attention blocks and
  // the feed-forward block.
  const double blocks_per_layer = attention_blocks + 1.0;
  double t_tensor = 0;
  if (l.tensor > 1) {
    const double bytes = tokens_mb_rank * static_cast<double>(m.d_model) * kActivationBytes;
    const double per_block = kTensorCollectivesPerBlock + (full ? 1.0 : 0.0);
    t_tensor = layers_stage * blocks_per_layer * per_block * mb * net.all_reduce(bytes, g.tensor);
  }
  double t_context = 0;
  if (l.context > 1) {
    const double block = tokens_mb_rank * kv_width_per_rank(m, l.tensor) * kActivationBytes;
    const double transfers = kContextTransfersPerLayer + (replay ? 1.0 : 0.0);
    const double c = static_cast<double>(l.context);
    const double exchange =
        layers_stage * transfers * mb * (c - 1) * net.point_to_point(block, g.context.stride);
    // Overlapped with the attention products of the ring's other blocks.
    t_context = std::max(0.0, exchange - t_attention);
  }
  double t_all_to_all = 0;
  if (m.experts > 0 && l.expert > 1) {
    // Values each member sends per all-to-all: its tokens' top_k copies of d_model.
    const double values = tokens_mb_rank / tensor * static_cast<double>(m.d_model);
    const double remote =
        in.dispatch.per_domain
            ? remote_domains_per_token(
                  m, static_cast<std::int64_t>(net.members_and_domains(g.expert).second))
            : 0.0;
    const auto one = [&](double value_bytes) {
      const double bytes = values * static_cast<double>(m.top_k) * value_bytes;
      return in.dispatch.per_domain
                 ? net.forwarded_all_to_all(bytes, values * remote * value_bytes, g.expert)
                 : net.all_to_all(bytes, g.expert);
    };
    const double dispatch =
        one(in.dispatch.format == ComputeFormat::kFp8 ? kFp8DispatchBytes : kActivationBytes);
    const double in_16_bits = one(kActivationBytes);
    // The forward's dispatch in its format; its combine and the backward's two in 16 bits;
    // recomputation replays the forward's two.
    const double per_layer = dispatch + (kAllToAllsPerMoeLayer - 1.0) * in_16_bits +
                             (replay ? dispatch + (kAllToAllsPerForward - 1.0) * in_16_bits : 0.0);
    const double moe_layers_stage =
        std::ceil(static_cast<double>(counts.moe_layers) / static_cast<double>(l.pipeline));
    t_all_to_all = moe_layers_stage * mb * per_layer;
    // Overlapped with another microbatch's computation, as far as there is computation.
    t_all_to_all -=
        std::min(in.dispatch.overlap * t_all_to_all, t_compute + t_attention + t_expert);
  }
  double t_p2p = 0;
  double t_bubble = 0;
  if (l.pipeline > 1) {
    const double v = static_cast<double>(l.virtual_stages);
    const double bytes =
        tokens_mb_rank / tensor * static_cast<double>(m.d_model) * kActivationBytes;
    t_p2p =
        kStageTransfersPerMicrobatch * mb * v * net.point_to_point(bytes, g.pipeline_step.stride);
    // 1F1B: (p - 1) microbatch slots of the stage's work idle at the start and end;
    // interleaving v chunks per rank divides the bubble by v (Narayanan et al. 2021,
    // sections 2.2.1 and 2.2.2).
    t_bubble = static_cast<double>(l.pipeline - 1) / (mb * v) *
               (t_compute + t_attention + t_expert + t_elementwise + t_tensor + t_context +
                t_all_to_all + t_p2p);
  }
  // Data-parallel reduction of the gradients over every replica of the weights (data x
  // context), hierarchical for hybrid sharding; ZeRO gathers the updated parameters back.
  const std::int64_t degree = shard_degree(l, prec);
  const double dense_grads = dense_params_device * prec.gradient_bytes;
  const double dense_params = dense_params_device * prec.parameter_bytes;
  const double expert_grads = expert_params_device * prec.gradient_bytes;
  double t_gradients = 0;
  double t_gather = 0;
  double t_regather = 0;
  const double compute_span = t_compute + t_attention + t_expert;
  if (prec.shard == Sharding::kNone || degree == 1) {
    t_gradients = net.all_reduce(dense_grads, g.data_context);
  } else {
    const Group shard{degree, l.tensor};
    const Group across{l.data * l.context / degree, l.tensor * degree};
    t_gradients = net.all_gather(dense_grads, shard) +
                  net.all_reduce(dense_grads / static_cast<double>(degree), across);
    if (prec.shard == Sharding::kParameters) {
      // Gathered layer by layer ahead of use: hidden behind the compute but for the excess.
      const double gathers = kParameterGathersPerStep + (full ? 1.0 : 0.0);
      t_gather = std::max(0.0, gathers * net.all_gather(dense_params, shard) - compute_span);
    } else {
      t_regather = net.all_gather(dense_params, shard);
    }
  }
  if (expert_grads > 0) {
    t_gradients += net.all_reduce(expert_grads, g.expert_replicas);
  }
  // What overlaps: gradients accumulate over the microbatches and are reduced bucket by
  // bucket while the last microbatch's backward pass (recomputation included) makes the
  // rest of them; the gathered parameters arrive while the next step's first microbatch runs
  // forward (PyTorch DDP, Li et al. 2020, sec. 3.2.3 and 3.2.4; Megatron's
  // --overlap-grad-reduce and --overlap-param-gather): the share `gradient_overlap` of each,
  // up to the length of that microbatch's pass.
  const double microbatch_forward = compute_span / mm_passes / mb;
  const double microbatch_backward = microbatch_forward * (mm_passes - kForwardPass);
  t_gradients -= std::min(in.gradient_overlap * t_gradients, microbatch_backward);
  t_regather -= std::min(in.gradient_overlap * t_regather, microbatch_forward);
  t_gradients += t_regather;
  // Offloaded activations: copied to host memory in the forward pass and back in the
  // backward, each microbatch's behind its own pass; only the excess is charged.
  double t_offload = 0;
  if (prec.offload_layers > 0) {
    const double bytes = static_cast<double>(prec.offload_layers) *
                         mean_kept_per_token(prec.recompute) * tokens_mb_rank / tensor;
    const double copy = bytes / host_link;
    t_offload =
        mb * (std::max(0.0, copy - microbatch_forward) + std::max(0.0, copy - microbatch_backward));
  }
  const double params_device = dense_params_device + expert_params_device;
  const double updated = prec.shard >= Sharding::kOptimizer
                             ? params_device / static_cast<double>(degree)
                             : params_device;
  const double t_optimizer = updated *
                             (prec.parameter_bytes + prec.gradient_bytes +
                              kOptimizerStateTouches * prec.optimizer_bytes()) /
                             hbm;

  const PhasePower power = phase_power(chip);
  const double idle = chip.idle.si();
  const double span = chip.tdp.si() - idle;
  const double p_compute = idle + span * power.compute_utilisation;
  const double p_comm = idle + span * power.communication_utilisation;
  auto add = [&](const char* name, double s, double p, PhaseScaling sc) {
    if (s > 0) {
      est.phases.push_back({name, units::seconds(s), units::watts(p), sc});
      est.step_duration += units::seconds(s);
    }
  };
  add("compute", t_compute, p_compute, PhaseScaling::kStraggler);
  add("attention", t_attention, p_compute, PhaseScaling::kStraggler);
  add("expert-compute", t_expert, p_compute, PhaseScaling::kExpert);
  add("elementwise", t_elementwise, p_compute, PhaseScaling::kStraggler);
  add("tensor-allreduce", t_tensor, p_comm, PhaseScaling::kFixed);
  add("context-exchange", t_context, p_comm, PhaseScaling::kFixed);
  add("pipeline-p2p", t_p2p, p_comm, PhaseScaling::kFixed);
  add("all-to-all", t_all_to_all, p_comm, PhaseScaling::kExpert);
  add("bubble", t_bubble, idle, PhaseScaling::kFixed);
  add("parameter-allgather", t_gather, p_comm, PhaseScaling::kFixed);
  add("gradient-allreduce", t_gradients, p_comm, PhaseScaling::kFixed);
  add("host-offload", t_offload, p_comm, PhaseScaling::kFixed);
  add("optimizer", t_optimizer, p_comm, PhaseScaling::kFixed);
  est.achieved_flops_per_device = est.flops_per_step / (n * units::to_seconds(est.step_duration));
  est.mfu = est.achieved_flops_per_device / peak_mm;
  return est;
}

}  // namespace

StepEstimate estimate_step(const StepModelInput& in, const AcceleratorType& chip,
                           const JobNetwork& network) {
  return estimate(in, chip, network, require_calibration(chip, in.precision.compute));
}

StepEstimate estimate_step_with(const StepModelInput& in, const AcceleratorType& chip,
                                const JobNetwork& network, const ChipCalibration& calibration) {
  return estimate(in, chip, network, {&calibration, ""});
}

// --- Layout search ------------------------------------------------------------------------

namespace {

std::vector<std::int64_t> divisors(std::int64_t n, std::int64_t at_most) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 1; i <= std::min(n, at_most); ++i) {
    if (n % i == 0) {
      out.push_back(i);
    }
  }
  return out;
}

bool allowed(const std::optional<std::int64_t>& fixed, std::int64_t v) {
  return !fixed || *fixed == v;
}

}  // namespace

std::vector<ParallelLayout> candidate_layouts(const TransformerSpec& model, std::int64_t devices,
                                              double sequences_per_step,
                                              std::int64_t scale_up_domain,
                                              const LayoutRequest& r) {
  std::vector<ParallelLayout> out;
  const std::int64_t layers = model.encoder_layers + model.decoder_layers;
  const std::int64_t decoder_tokens = decoder_sequence(model);
  const std::int64_t max_tensor = r.tensor ? *r.tensor : std::min(kMaxTensor, scale_up_domain);
  for (const std::int64_t t : divisors(devices, max_tensor)) {
    if (!allowed(r.tensor, t) || model.heads % t != 0) {
      continue;
    }
    for (const std::int64_t c : divisors(devices / t, r.context ? *r.context : kMaxContext)) {
      if (!allowed(r.context, c) || model.sequence % c != 0 || decoder_tokens % c != 0) {
        continue;
      }
      for (const std::int64_t p : divisors(devices / (t * c), layers)) {
        if (!allowed(r.pipeline, p)) {
          continue;
        }
        const std::int64_t d = devices / (t * c * p);
        if (!allowed(r.data, d)) {
          continue;
        }
        const double per_replica = sequences_per_step / static_cast<double>(d);
        if (per_replica < 1 || per_replica != std::floor(per_replica)) {
          continue;
        }
        const auto replica = static_cast<std::int64_t>(per_replica);
        for (const std::int64_t e : divisors(d, d)) {
          if (!allowed(r.expert, e) || (model.experts == 0 ? e != 1 : model.experts % e != 0)) {
            continue;
          }
          for (const std::int64_t v : kVirtualStages) {
            if (!allowed(r.virtual_stages, v) || (v > 1 && (p == 1 || p * v > layers))) {
              continue;
            }
            const auto add = [&](std::int64_t m) {
              if (v == 1 || m % p == 0) {
                out.push_back({d, t, p, c, e, m, v});
              }
            };
            if (r.microbatch) {
              if (replica % *r.microbatch == 0) {
                add(replica / *r.microbatch);
              }
            } else if (r.microbatches) {
              add(*r.microbatches);
            } else {
              for (const std::int64_t m : divisors(replica, replica)) {
                add(m);
              }
            }
          }
        }
      }
    }
  }
  return out;
}

namespace {

ParallelLayout search(StepModelInput input, const AcceleratorType& chip, const JobNetwork& network,
                      std::int64_t devices, const LayoutRequest& request,
                      const CalibrationChoice& choice) {
  const auto counts = count_transformer(input.model);
  const double sequences = input.tokens_per_step / static_cast<double>(counts.tokens_per_sequence);
  std::optional<ParallelLayout> best;
  double best_s = std::numeric_limits<double>::infinity();
  // The closest misses, for the error when nothing fits.
  constexpr std::size_t kMissesShown = 3;
  std::vector<std::pair<double, std::string>> misses;
  std::size_t candidates = 0;
  for (const auto& l :
       candidate_layouts(input.model, devices, sequences, network.scale_up_domain, request)) {
    ++candidates;
    input.layout = l;
    try {
      const auto e = estimate(input, chip, network, choice);
      if (units::to_seconds(e.step_duration) < best_s) {
        best_s = units::to_seconds(e.step_duration);
        best = l;
      }
    } catch (const DoesNotFit& miss) {
      if (!best) {
        misses.emplace_back(miss.over,
                            fmt::format("{} needs {}", layout_text(l), memory_text(miss.memory)));
        std::sort(misses.begin(), misses.end());
        if (misses.size() > kMissesShown) {
          misses.pop_back();
        }
      }
    } catch (const std::invalid_argument&) {
      // Does not divide the model (...): not a candidate.
    }
  }
  if (best) {
    return *best;
  }
  if (candidates == 0) {
    throw NoLayoutFits(fmt::format(
        "no layout of {} devices divides the model and the batch as asked (heads, sequence, "
        "layers, batch sequences per replica)",
        devices));
  }
  std::vector<std::string> lines;
  for (const auto& [over, text] : misses) {
    lines.push_back(text);
  }
  throw NoLayoutFits(fmt::format("no layout of {} {} fits in its {:.1f} GB; the closest: {}",
                                 devices, chip.name, units::to_bytes(chip.memory) / kGiga,
                                 fmt::join(lines, "; ")));
}

}  // namespace

ParallelLayout auto_layout(StepModelInput input, const AcceleratorType& chip,
                           const JobNetwork& network, std::int64_t devices,
                           const LayoutRequest& request) {
  // A chip without a calibration fits no layout for that reason, not for memory: say so.
  const CalibrationChoice choice = require_calibration(chip, input.precision.compute);
  return search(input, chip, network, devices, request, choice);
}

ParallelLayout auto_layout_with(StepModelInput input, const AcceleratorType& chip,
                                const JobNetwork& network, std::int64_t devices,
                                const LayoutRequest& request, const ChipCalibration& calibration) {
  return search(input, chip, network, devices, request, {&calibration, ""});
}

}  // namespace footprint::models
