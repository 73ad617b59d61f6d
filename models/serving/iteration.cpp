#include "models/serving/iteration.hpp"

#include "models/accelerators/frequency.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "models/workloads/collectives.hpp"

namespace footprint::models {

namespace {

constexpr double kGiga = 1e9;
constexpr double kFlopsPerMac = 2.0;
/// Activations cross the network and the residual stream in 16 bits.
constexpr double kActivationBytes = 2.0;
/// Logits are kept in FP32 for sampling.
constexpr double kLogitBytes = 4.0;
/// Megatron tensor parallelism: an all-reduce after each attention and each feed-forward
/// block (Shoeybi et al. 2019, section 3).
constexpr double kAllReducesPerLayer = 2.0;
/// Expert parallelism: a dispatch and a combine all-to-all per MoE layer.
constexpr double kAllToAllsPerMoeLayer = 2.0;
/// Keys and values.
constexpr double kKeyAndValue = 2.0;
/// Per token, what the largest iteration keeps live at once per layer, in units of
/// d_model (the residual stream, the normalised input, the attention output and the
/// projection's output) and of the feed-forward hidden width per rank (the gate, the up
/// projection and their product): the size vLLM's profiling pass measures, estimated.
constexpr double kResidualWidths = 4.0;
constexpr double kHiddenWidths = 3.0;

// --- Calibrations -----------------------------------------------------------------------

/// One row per chip, each fitted only on the runs named (tests/validation/test_serving.cpp
/// refits the table and checks it; docs/serving.md, "Calibration").
std::span<const ServingCalibration> table() {
  static const std::array<ServingCalibration, 2> kTable{{
      {"H100", 0.75, 134.5e-6, 0.765,
       "ML.ENERGY leaderboard v3.0 (vLLM 0.11.1): Llama 3.1 8B on 1 H100 at batch 64, 70B on "
       "4 H100 at 128, 405B FP8 on 8 H100 at 64"},
      {"B200", 0.75, 249.3e-6, 0.505,
       "ML.ENERGY leaderboard v3.0 (vLLM 0.11.1): Llama 3.1 8B on 1 B200 at batch 64 (fits "
       "the overhead and the draw; memory efficiency from H100)"},
  }};
  return kTable;
}

/// Chips that borrow another's serving constants: the same memory system and engine
/// behaviour is assumed (docs/serving.md lists why each).
struct Borrow {
  const char* chip;
  const char* from;
};
constexpr std::array<Borrow, 8> kBorrows{{
    {"H200", "H100"},
    {"H800", "H100"},
    {"A100", "H100"},
    {"V100", "H100"},
    {"MI300X", "H100"},
    {"GB200", "B200"},
    {"TPUv4", "H100"},
    {"TPUv5p", "H100"},
}};

const ServingCalibration* find_row(std::string_view chip) {
  for (const auto& c : table()) {
    if (c.chip == chip) {
      return &c;
    }
  }
  return nullptr;
}

std::int64_t d_head_of(const TransformerSpec& m) {
  return m.d_head > 0 ? m.d_head : m.d_model / m.heads;
}

}  // namespace

double weight_bytes(WeightFormat f) {
  switch (f) {
    case WeightFormat::kBf16:
      return 2.0;
    case WeightFormat::kFp8:
    case WeightFormat::kInt8:
      return 1.0;
    case WeightFormat::kInt4:
      return 0.5;
  }
  return 2.0;
}

double kv_bytes(KvFormat f) {
  return f == KvFormat::kFp8 ? 1.0 : 2.0;
}

std::string weight_format_name(WeightFormat f) {
  switch (f) {
    case WeightFormat::kBf16:
      return "bf16";
    case WeightFormat::kFp8:
      return "fp8";
    case WeightFormat::kInt8:
      return "int8";
    case WeightFormat::kInt4:
      return "int4";
  }
  return "bf16";
}

std::string kv_format_name(KvFormat f) {
  return f == KvFormat::kFp8 ? "fp8" : "bf16";
}

std::span<const ServingCalibration> builtin_serving_calibrations() {
  return table();
}

ServingChoice serving_calibration(const AcceleratorType& chip) {
  if (const auto* own = find_row(chip.name)) {
    return {own, ""};
  }
  for (const auto& b : kBorrows) {
    if (chip.name == b.chip) {
      return {find_row(b.from), b.from};
    }
  }
  // A scenario's own accelerator type: the nearest in kind is not known; H100's constants
  // are the documented default.
  return {find_row("H100"), "H100"};
}

ServingModel::ServingModel(const ServingModelSpec& spec, const AcceleratorType& chip,
                           const JobNetwork& network)
    : spec_(spec), chip_(chip), network_(network) {
  const auto choice = serving_calibration(chip);
  cal_ = *choice.calibration;
  borrowed_ = choice.borrowed_from;
  init();
}

ServingModel::ServingModel(const ServingModelSpec& spec, const AcceleratorType& chip,
                           const JobNetwork& network, const ServingCalibration& calibration)
    : spec_(spec), chip_(chip), network_(network), cal_(calibration) {
  init();
}

double ServingModel::kv_transfer_seconds(std::int64_t tokens) const {
  const double bytes = kv_per_token_ * static_cast<double>(std::max<std::int64_t>(0, tokens));
  return bytes / (network_eta_ * units::to_bytes_per_second(network_.scale_out_bandwidth)) +
         units::to_seconds(network_.scale_out_latency);
}

double ServingModel::idle_watts() const {
  return units::to_watts(chip_.idle) * static_cast<double>(devices());
}

void ServingModel::init() {
  const auto& m = spec_.model;
  const auto& l = spec_.layout;
  if (m.encoder_layers > 0) {
    throw std::invalid_argument("a service serves a decoder-only model (encoder_layers is 0)");
  }
  if (l.tensor < 1 || l.pipeline < 1 || l.expert < 1) {
    throw std::invalid_argument("tensor, pipeline and expert must be at least 1");
  }
  counts_ = count_transformer(m);  // throws for an inconsistent architecture
  if (m.heads % l.tensor != 0) {
    throw std::invalid_argument(
        fmt::format("tensor {} does not divide the model's {} heads", l.tensor, m.heads));
  }
  if (l.pipeline > m.decoder_layers) {
    throw std::invalid_argument(fmt::format("pipeline {} is more than the model's {} layers",
                                            l.pipeline, m.decoder_layers));
  }
  if (l.expert > 1) {
    if (m.experts == 0) {
      throw std::invalid_argument("expert > 1 needs a mixture-of-experts model");
    }
    if (l.devices() % l.expert != 0 || m.experts % l.expert != 0) {
      throw std::invalid_argument(
          fmt::format("expert {} must divide the replica's {} devices and the model's {} experts",
                      l.expert, l.devices(), m.experts));
    }
  }
  if (spec_.max_batch < 1 || spec_.max_batch_tokens < 1) {
    throw std::invalid_argument("max_batch and max_batch_tokens must be at least 1");
  }
  // Compute format: FP8 weights run FP8 matmuls on a chip with an FP8 peak (W8A8, as vLLM
  // does on Hopper and Blackwell); every other format is dequantised into the chip's
  // 16-bit matmuls (weight-only quantisation).
  compute_ = spec_.weights == WeightFormat::kFp8 && chip_.peak_fp8 ? ComputeFormat::kFp8
                                                                   : ComputeFormat::k16Bit;
  const auto step_cal = require_calibration(chip_, compute_);
  matmul_eta_ = step_cal.calibration->matmul_efficiency;
  const auto step_cal16 = require_calibration(chip_, ComputeFormat::k16Bit);
  attention_eta_ = step_cal16.calibration->attention_efficiency;
  network_eta_ = step_cal.calibration->network_efficiency;
  const auto phases = phase_power(chip_);
  compute_utilisation_ = phases.compute_utilisation;
  comm_utilisation_ = phases.communication_utilisation;

  const double d = static_cast<double>(m.d_model);
  const double vocab = static_cast<double>(m.vocabulary);
  const double t = static_cast<double>(l.tensor);
  const double wb = weight_bytes(spec_.weights);
  const double kvb = kv_bytes(spec_.kv_cache);
  const double dh = static_cast<double>(d_head_of(m));
  const double heads = static_cast<double>(m.heads);
  layers_ = static_cast<double>(m.decoder_layers);
  moe_layers_ = static_cast<double>(counts_.moe_layers);
  experts_ = static_cast<double>(m.experts);
  top_k_ = static_cast<double>(m.top_k);

  // Per-token matmul FLOPs: every active weight outside the embeddings, 2 per weight.
  const double per_expert =
      m.experts > 0 ? counts_.expert_parameters / (experts_ * std::max(1.0, moe_layers_)) : 0.0;
  expert_bytes_ = per_expert * wb;
  expert_flops_per_token_ = kFlopsPerMac * per_expert * top_k_ * moe_layers_;
  dense_flops_per_token_ =
      kFlopsPerMac * (counts_.active_parameters - counts_.embedding_parameters) -
      expert_flops_per_token_;
  logit_flops_ = kFlopsPerMac * d * vocab;

  // Key/value projections are replicated over tensor ranks beyond the key/value heads.
  const double kv_heads = static_cast<double>(m.kv_heads > 0 ? m.kv_heads : m.heads);
  double kv_replication_params = 0;
  if (m.attention == AttentionKind::kMultiHead && kv_heads < t) {
    kv_replication_params = kKeyAndValue * d * kv_heads * dh * layers_ * (t / kv_heads - 1);
  }
  // Read per iteration: the dense weights and the output layer (the input embedding only
  // at the rows looked up, which is negligible).
  const double untied_input = m.tied_embeddings ? 0.0 : vocab * d;
  dense_weight_bytes_ =
      (counts_.parameters - counts_.expert_parameters - untied_input + kv_replication_params) * wb;

  // Attention per (token, context token) pair, whole model.
  if (m.attention == AttentionKind::kLatent) {
    const double rope = static_cast<double>(m.rope_dim);
    const double rank = static_cast<double>(m.kv_rank);
    prefill_attention_flops_ = kFlopsPerMac * heads * (dh + rope + dh) * layers_;
    // Decode absorbs the up-projections into the query and the output (DeepSeek-V2, sec.
    // 2.1.2): scores and values over the latent of kv_rank (+ rope_dim for the scores).
    decode_attention_flops_ = kFlopsPerMac * heads * (rank + rope + rank) * layers_;
    // The latent cache is replicated on every tensor rank (as vLLM keeps it).
    kv_read_bytes_ = (rank + rope) * kvb * layers_ * t;
    kv_per_token_ = (rank + rope) * kvb * layers_ / static_cast<double>(l.pipeline);
  } else {
    prefill_attention_flops_ = kFlopsPerMac * kKeyAndValue * heads * dh * layers_;
    decode_attention_flops_ = prefill_attention_flops_;
    // Heads split over min(tensor, kv_heads) ranks; replicated beyond.
    const double per_rank = kKeyAndValue * kv_heads * dh / std::min(t, kv_heads);
    kv_read_bytes_ = per_rank * kvb * layers_ * t;
    kv_per_token_ = per_rank * kvb * layers_ / static_cast<double>(l.pipeline);
  }

  const double devices = static_cast<double>(l.devices());
  weights_per_device_ = (counts_.parameters + kv_replication_params) * wb / devices;
  const double dff = static_cast<double>(m.d_ff);
  const double edff = static_cast<double>(m.expert_d_ff > 0 ? m.expert_d_ff : m.d_ff);
  const double hidden =
      std::max(dff, (top_k_ + static_cast<double>(m.shared_experts)) * (m.experts > 0 ? edff : 0));
  activations_per_device_ = static_cast<double>(spec_.max_batch_tokens) * kActivationBytes *
                                (kResidualWidths * d + kHiddenWidths * hidden / t) +
                            static_cast<double>(spec_.max_batch) * vocab * kLogitBytes / t;
  const double usable = spec_.memory_utilisation * units::to_bytes(chip_.memory);
  const double free = usable - weights_per_device_ - activations_per_device_;
  const double needed = kv_per_token_ * static_cast<double>(m.sequence);
  if (free < needed) {
    throw std::invalid_argument(fmt::format(
        "the replica does not fit: each of its {} {} needs {:.1f} GB of weights and {:.1f} GB "
        "of activations, and {:.2f} GB of KV cache for one sequence of {} tokens, but may use "
        "{:.1f} GB ({:.0f} % of {:.0f} GB): {:.1f} GB too much",
        l.devices(), chip_.name, weights_per_device_ / kGiga, activations_per_device_ / kGiga,
        needed / kGiga, m.sequence, usable / kGiga, spec_.memory_utilisation * 100,
        units::to_bytes(chip_.memory) / kGiga, (needed - free) / kGiga));
  }
  kv_capacity_ = static_cast<std::int64_t>(std::floor(free / kv_per_token_));
}

IterationCost ServingModel::cost(const IterationLoad& load) const {
  const auto& l = spec_.layout;
  const double t = static_cast<double>(l.tensor);
  const double n = static_cast<double>(load.tokens());
  const double sampled = static_cast<double>(load.prefill_last + load.decode_tokens);
  const double bw = units::to_bytes_per_second(chip_.memory_bandwidth) * cal_.memory_efficiency;
  const double peak = units::to_flops_per_second(matmul_peak(chip_, compute_)) * matmul_eta_;
  const double peak_attention = units::to_flops_per_second(chip_.peak) * attention_eta_;

  // Each roofline term: (compute seconds, memory seconds) on one tensor rank of each
  // stage, stages one after another.
  struct Term {
    double compute = 0;
    double memory = 0;
  };
  std::array<Term, 3> terms{};
  terms[0].compute = (dense_flops_per_token_ * n + logit_flops_ * sampled) / t / peak;
  terms[0].memory = dense_weight_bytes_ / t / bw;
  if (experts_ > 0 && n > 0) {
    // Distinct experts a layer's n tokens touch, each choosing top_k of them uniformly.
    const double touched = experts_ * (1.0 - std::pow(1.0 - top_k_ / experts_, n));
    terms[1].compute = expert_flops_per_token_ * n / t / peak;
    terms[1].memory = touched * expert_bytes_ * moe_layers_ / t / bw;
  }
  const double pairs_prefill = load.prefill_context;
  const double pairs_decode = load.decode_context;
  terms[2].compute =
      (prefill_attention_flops_ * pairs_prefill + decode_attention_flops_ * pairs_decode) / t /
      peak_attention;
  // Decode reads each sequence's cached keys and values once; every new token's are
  // written once.
  terms[2].memory = kv_read_bytes_ * (pairs_decode + n) / t / bw;

  const double span = units::to_watts(chip_.tdp - chip_.idle);
  const double idle = units::to_watts(chip_.idle);
  const double u_mem = cal_.memory_utilisation;
  double seconds = 0;
  double active_joules = 0;  // per active device
  // Under a power limit: the draw it allows, and the clock at which a draw above it fits.
  const auto& limit = spec_.power_limit;
  const auto allowed = [&](double watts) {
    return limit ? std::min(watts,
                            units::to_watts(
                                under_limit(units::watts(watts), 0.0, chip_.idle, *limit).power))
                 : watts;
  };
  for (const auto& term : terms) {
    double s = std::max(term.compute, term.memory);
    if (s <= 0) {
      continue;
    }
    // Compute-bound at the compute draw; memory-bound between the memory draw and the
    // compute draw as the compute share of the time grows.
    const double u = term.compute >= term.memory
                         ? compute_utilisation_
                         : u_mem + (compute_utilisation_ - u_mem) * term.compute / term.memory;
    double watts = idle + span * u;
    if (limit) {
      const auto lowered = under_limit(units::watts(watts), 1.0, chip_.idle, *limit);
      s = std::max(term.compute / lowered.frequency, term.memory);
      watts = units::to_watts(lowered.power);
    }
    seconds += s;
    active_joules += s * watts;
  }
  // Communication: tensor all-reduces of the tokens' activations; expert all-to-alls
  // (the step model's collectives, on the replica's tensor and expert groups).
  double comm = 0;
  if (n > 0) {
    const Collectives net(network_, network_eta_);
    const double act = n * static_cast<double>(spec_.model.d_model) * kActivationBytes;
    const Group tensor{l.tensor, 1};
    if (l.expert > 1) {
      const double dense_blocks = layers_ * kAllReducesPerLayer - moe_layers_;
      comm += dense_blocks * net.all_reduce(act, tensor);
      comm += moe_layers_ * kAllToAllsPerMoeLayer *
              net.all_to_all(act * top_k_ / static_cast<double>(l.expert), Group{l.expert, 1});
    } else {
      comm += layers_ * kAllReducesPerLayer * net.all_reduce(act, tensor);
    }
    // Stage to stage: stages are `tensor` device ids apart.
    comm += static_cast<double>(l.pipeline - 1) * net.point_to_point(act, l.tensor);
  }
  seconds += comm;
  active_joules += comm * allowed(idle + span * comm_utilisation_);
  const double overhead = layers_ * cal_.layer_overhead_s;
  seconds += overhead;
  active_joules += overhead * allowed(idle + span * u_mem);
  // One stage works at a time: its tensor ranks as above, the other stages' devices idle.
  const double stages = static_cast<double>(l.pipeline);
  IterationCost c;
  c.seconds = seconds;
  c.accelerator_joules = t * (active_joules + (stages - 1) * seconds * idle);
  return c;
}

}  // namespace footprint::models
