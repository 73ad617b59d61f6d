#include "models/workloads/step_model.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace footprint::models {

namespace {

/// Bytes of an activation or a gradient value on the wire (bf16/fp16).
constexpr double kActivationBytes = 2.0;
/// A forward pass, plus a backward pass of twice its matmul FLOPs (data and weight
/// gradients): 3 passes (Kaplan et al. 2020, section 2.1).
constexpr double kTrainingPasses = 3.0;
/// Weights are read once per pass: forward, backward for data, backward for weights.
constexpr double kWeightReadsPerMicrobatch = 3.0;
/// Megatron tensor parallelism: one all-reduce at the end of each attention or
/// feed-forward block in the forward pass (operator g), one at its start in the backward
/// (operator f): 4 per layer (Shoeybi et al. 2019, section 3, figures 3 and 4).
constexpr double kTensorAllReducesPerBlock = 2.0;
/// An MoE layer: dispatch and combine all-to-alls in the forward pass, the same two in the
/// backward (Lepikhin et al. 2021, section 2.2).
constexpr double kAllToAllsPerMoeLayer = 4.0;
/// Optimizer update: read parameters, gradients and state, write parameters and state.
constexpr double kOptimizerStateTouches = 2.0;
constexpr double kGiga = 1e9;

/// auto_layout's search: tensor-parallel degrees up to 64 (beyond, the slices of a
/// layer's matmuls are too thin to use a chip), microbatches per replica up to 64.
constexpr std::int64_t kMaxTensor = 64;
constexpr std::int64_t kMaxMicrobatches = 64;

double ring_allreduce_seconds(double bytes, std::int64_t n, double bandwidth, double latency) {
  if (n <= 1 || bytes <= 0) {
    return 0;
  }
  const double k = static_cast<double>(n);
  return 2 * (k - 1) / k * bytes / bandwidth + 2 * (k - 1) * latency;
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
  const double target = static_cast<double>(m.target_sequence > 0 ? m.target_sequence : m.sequence);
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

std::vector<AcceleratorId> group_ids(std::int64_t first, std::int64_t stride, std::int64_t n) {
  std::vector<AcceleratorId> ids;
  ids.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    ids.push_back(static_cast<AcceleratorId>(first + i * stride));
  }
  return ids;
}

/// Bandwidth of a ring through `ids` in order: its slowest hop (x2 on a torus, where a
/// ring runs both ways; Jouppi et al. 2020, section 4 on 2D all-reduce). Latency: the
/// largest hop's.
std::pair<double, double> ring_bandwidth(const Fabric& f, const std::vector<AcceleratorId>& ids) {
  if (ids.size() < 2) {
    return {std::numeric_limits<double>::infinity(), 0};
  }
  double bw = std::numeric_limits<double>::infinity();
  double lat = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto r = f.route(ids[i], ids[(i + 1) % ids.size()]);
    bw = std::min(bw, r.bandwidth.si());
    lat = std::max(lat, units::to_seconds(r.latency));
  }
  constexpr double kTorusRingDirections = 2.0;
  if (f.kind() == FabricKind::kTorus3d) {
    bw *= kTorusRingDirections;
  }
  return {bw, lat};
}

/// What one device can send at once: its NIC (fat tree, outside its host), or its links
/// (torus: every neighbour link of the dimensions the group spans; here all of the chip's).
double injection_bandwidth(const Fabric& f, const std::vector<AcceleratorId>& ids) {
  if (ids.size() < 2) {
    return std::numeric_limits<double>::infinity();
  }
  double total = 0;
  const auto& g = f.graph();
  const auto v = static_cast<FabricGraph::vertex_descriptor>(ids.front());
  const bool one_host = f.host_of(ids.front()) == f.host_of(ids.back());
  for (auto [e, end] = boost::out_edges(v, g); e != end; ++e) {
    const auto other = boost::target(*e, g);
    const auto& w = g[other];
    // On a fat tree a GPU has one link to its host switch and one NIC: use the NIC unless
    // the whole group sits in one host.
    if (f.kind() == FabricKind::kFatTree) {
      const bool nic = w.kind == VertexKind::kSwitch && w.tier == SwitchTier::kLeaf;
      if (nic == one_host) {
        continue;
      }
    }
    total += g[*e].bandwidth.si();
  }
  return total;
}

}  // namespace

namespace {

std::span<const ChipCalibration> calibrations() {
  // V100: matmul and attention efficiency from the single-GPU baseline of Shoeybi et al.
  // 2019 (Megatron-LM, abstract and section 5.1): 39 TFLOP/s sustained on one V100 for a
  // 1.2B-parameter GPT-2 = 31 % of the 125 TFLOP/s peak. Network efficiency from the same
  // paper's 8.3B model on 512 V100 (8-way tensor x 64-way data parallel), 15.1 PFLOP/s =
  // 76 % of 512 x 39 TFLOP/s: fitted by tests/validation/test_step_model.cpp.
  // TPU v3: efficiencies fitted to T5-11B (Raffel et al. 2020; Patterson et al. 2021,
  // Table 4: 45.6 TFLOP/s per chip on 512 chips). Power by phase: TPU v3 computes at the
  // measured maximum of the Cloud TPU v3 documentation, 262 W = idle 67.5 W + 0.5085 x
  // (450 - 67.5) W; V100 at its 300 W TDP (Patterson et al. 2021, Table 3, measured 325 W
  // of system power per V100 over many runs, host share included). Communication phases
  // at 0.35 (V100) and 0.2 (TPU v3) of the span: assumptions.
  static const std::array<ChipCalibration, 2> kCalibrations{{
      {"V100", 0.3573, 0.3573, 0.8, 0.9, 1.0, 0.35,
       "Shoeybi et al. 2019 (Megatron-LM): 1 V100, 1.2B GPT-2, 39 TFLOP/s; 512 V100, 8.3B, "
       "15.1 PFLOP/s"},
      {"TPUv3", 0.2257, 0.2257, 0.8, 0.7, 0.5085, 0.2,
       "Raffel et al. 2020 (T5-11B) on 512 TPU v3 at 45.6 TFLOP/s per chip (Patterson et al. "
       "2021, Table 4); Cloud TPU v3 documentation: 220 W mean, 262 W max"},
  }};
  return kCalibrations;
}

}  // namespace

const ChipCalibration* find_calibration(const std::string& chip) {
  for (const auto& c : calibrations()) {
    if (c.chip == chip) {
      return &c;
    }
  }
  return nullptr;
}

const ChipCalibration& require_calibration(const AcceleratorType& chip) {
  if (const auto* cal = find_calibration(chip.name)) {
    return *cal;
  }
  std::vector<std::string> names;
  for (const auto& c : calibrations()) {
    names.push_back(c.chip);
  }
  throw std::invalid_argument(
      fmt::format("no step-model calibration for {}: the calibrated chips are {}", chip.name,
                  fmt::join(names, " and ")));
}

std::vector<std::string> calibration_sources() {
  return {"Shoeybi et al. 2019: Megatron-LM 1.2B on 1 V100",
          "Shoeybi et al. 2019: Megatron-LM 8.3B on 512 V100",
          "Patterson et al. 2021, Table 4: T5-11B on 512 TPU v3"};
}

JobNetwork default_network(const AcceleratorType& chip, std::int64_t devices) {
  JobNetwork net;
  if (chip.name == "TPUv2" || chip.name == "TPUv3" || chip.name == "TPUv4") {
    // A torus as near square as the device count allows, in blocks of 4 x 4 (x 4 for v4).
    const bool three_d = chip.name == "TPUv4";
    constexpr std::int64_t kBlock = 4;
    TorusSpec t;
    // TPU v3: the Pod's 6.4 TB/s bisection over the 2 x 32 links a 32 x 32 torus cut
    // crosses: 100 GB/s per link and direction (Cloud TPU v3 documentation). TPU v2 keeps
    // the same assumption scaled by its 496 / 656 Gb/s link rates (Jouppi et al. 2020).
    constexpr double kV3LinkGBs = 100;
    constexpr double kV2OverV3 = 496.0 / 656.0;
    constexpr double kV4LinkGBs = 50;
    t.link_bandwidth = units::gigabytes_per_second(
        three_d ? kV4LinkGBs : (chip.name == "TPUv2" ? kV3LinkGBs * kV2OverV3 : kV3LinkGBs));
    const std::int64_t cube = three_d ? kBlock * kBlock * kBlock : kBlock * kBlock;
    const std::int64_t blocks = std::max<std::int64_t>(1, (devices + cube - 1) / cube);
    // Blocks along x and y (and z): as square as possible.
    std::int64_t bx = 1;
    while ((bx * 2) * (bx * 2) <= blocks) {
      bx *= 2;
    }
    const std::int64_t by = (blocks + bx - 1) / bx;
    t.x = bx * kBlock;
    t.y = by * kBlock;
    t.z = three_d ? kBlock : 1;
    t.cube = {kBlock, kBlock, three_d ? kBlock : 1};
    t.host = {2, 2, 1};
    net.fabric = std::make_shared<const Fabric>(Fabric::torus3d(t));
    return net;
  }
  FatTreeSpec s;
  if (chip.name == "V100") {
    // The GPT-3 cluster (Microsoft, 2020): 10,000 V100 in 8-GPU servers with 400 Gb/s of
    // network per server = 6.25 GB/s per GPU; NVLink 2 within a server, 6 links x 25 GB/s
    // = 150 GB/s per direction (NVIDIA V100 datasheet).
    constexpr double kNvlinkGBs = 150;
    constexpr double kNicGBs = 6.25;
    s.intra_host_bandwidth = units::gigabytes_per_second(kNvlinkGBs);
    s.nic_bandwidth = units::gigabytes_per_second(kNicGBs);
  } else if (chip.name == "A100") {
    constexpr double kNvlink3GBs = 300;  // NVLink 3: 600 GB/s total
    constexpr double kNicGBs = 25;       // 200 Gb/s HDR per GPU (DGX A100)
    s.intra_host_bandwidth = units::gigabytes_per_second(kNvlink3GBs);
    s.nic_bandwidth = units::gigabytes_per_second(kNicGBs);
  }
  const std::int64_t pods = std::max<std::int64_t>(1, (devices + s.pod_size - 1) / s.pod_size);
  s.accelerators = pods * s.pod_size;
  net.fabric = std::make_shared<const Fabric>(Fabric::fat_tree(s));
  return net;
}

StepEstimate estimate_step(const StepModelInput& in, const AcceleratorType& chip,
                           const JobNetwork& network) {
  const ChipCalibration* cal = &require_calibration(chip);
  const auto& m = in.model;
  const auto& l = in.layout;
  const auto counts = count_transformer(m);
  const std::int64_t devices = l.data * l.tensor * l.pipeline;
  if (!network.fabric || network.fabric->num_accelerators() < devices) {
    throw std::invalid_argument("the network has fewer accelerators than the layout's devices");
  }
  if (in.tokens_per_step <= 0) {
    throw std::invalid_argument("tokens per step must be positive");
  }
  const double sequences = in.tokens_per_step / static_cast<double>(counts.tokens_per_sequence);
  StepEstimate est;
  est.devices = devices;
  est.memory = device_memory(m, l, in.precision, sequences);
  est.device_memory = chip.memory;
  const double device_bytes = units::to_bytes(est.device_memory);
  if (est.memory.total() > device_bytes) {
    throw std::invalid_argument(fmt::format(
        "the layout needs {:.1f} GB per device (parameters {:.1f}, gradients {:.1f}, optimizer "
        "{:.1f}, activations {:.1f}) but a {} has {:.1f} GB: {:.1f} GB too much",
        est.memory.total() / kGiga, est.memory.parameters / kGiga, est.memory.gradients / kGiga,
        est.memory.optimizer / kGiga, est.memory.activations / kGiga, chip.name,
        device_bytes / kGiga, (est.memory.total() - device_bytes) / kGiga));
  }
  const double n = static_cast<double>(devices);
  const double peak = chip.peak.si();
  const double hbm = chip.memory_bandwidth.si() * cal->memory_efficiency;
  const auto experts = expert_share(m);
  const double dense_fwd =
      counts.forward_matmul_flops_per_sequence - experts.forward_flops_per_sequence;
  est.flops_per_step = counts.training_flops_per_token * in.tokens_per_step;
  const double mb = static_cast<double>(l.microbatches);
  const double stage_share = 1.0 / static_cast<double>(l.tensor * l.pipeline);

  // Compute: FLOPs spread evenly over the devices, at the calibrated fraction of peak, or
  // the time to stream the weights from HBM for every microbatch pass, if longer.
  const double dense_params_device = counts.dense_parameters * stage_share;
  const double expert_params_device =
      experts.parameters / static_cast<double>(l.expert * l.tensor * l.pipeline);
  const double t_dense_flops =
      kTrainingPasses * dense_fwd * sequences / n / (cal->matmul_efficiency * peak);
  const double t_dense_mem =
      kWeightReadsPerMicrobatch * mb * dense_params_device * in.precision.parameter_bytes / hbm;
  const double t_compute = std::max(t_dense_flops, t_dense_mem);
  const double t_attention = kTrainingPasses * counts.forward_attention_flops_per_sequence *
                             sequences / n / (cal->attention_efficiency * peak);
  const double t_expert_flops = kTrainingPasses * experts.forward_flops_per_sequence * sequences /
                                n / (cal->matmul_efficiency * peak);
  const double t_expert_mem =
      kWeightReadsPerMicrobatch * mb * expert_params_device * in.precision.parameter_bytes / hbm;
  const double t_expert = std::max(t_expert_flops, t_expert_mem);

  const Fabric& f = *network.fabric;
  const double eta = cal->network_efficiency;
  // Placement: tensor ranks fastest (one server or torus block), then data, then pipeline.
  const double tokens_mb = in.tokens_per_step / static_cast<double>(l.data) / mb;
  const double layers_stage =
      std::ceil(static_cast<double>(counts.layers) / static_cast<double>(l.pipeline));
  // Blocks per layer that end in a tensor-parallel all-reduce: attention and feed-forward,
  // and cross-attention in the decoder of an encoder-decoder.
  const double blocks_per_layer =
      2.0 + (m.encoder_layers > 0
                 ? static_cast<double>(m.decoder_layers) / static_cast<double>(counts.layers)
                 : 0.0);
  double t_tensor = 0;
  if (l.tensor > 1) {
    const auto [bw, lat] = ring_bandwidth(f, group_ids(0, 1, l.tensor));
    const double bytes = tokens_mb * static_cast<double>(m.d_model) * kActivationBytes;
    t_tensor = layers_stage * blocks_per_layer * kTensorAllReducesPerBlock * mb *
               ring_allreduce_seconds(bytes, l.tensor, eta * bw, lat);
  }
  double t_p2p = 0;
  double t_bubble = 0;
  if (l.pipeline > 1) {
    const std::int64_t stage_stride = l.tensor * l.data;
    const auto r = f.route(0, static_cast<AcceleratorId>(stage_stride));
    const double bytes = tokens_mb / static_cast<double>(l.tensor) *
                         static_cast<double>(m.d_model) * kActivationBytes;
    t_p2p = 2 * mb * (bytes / (eta * r.bandwidth.si()) + units::to_seconds(r.latency));
    // 1F1B: (p - 1) microbatch slots of the stage's work idle at the start and end
    // (Narayanan et al. 2021, section 2.2).
    t_bubble = static_cast<double>(l.pipeline - 1) / mb *
               (t_compute + t_attention + t_expert + t_tensor + t_p2p);
  }
  double t_all_to_all = 0;
  if (m.experts > 0 && l.expert > 1) {
    const auto ids = group_ids(0, l.tensor, l.expert);
    const double inject = injection_bandwidth(f, ids);
    const double bisection = f.bisection_bandwidth(ids).si();
    const double ep = static_cast<double>(l.expert);
    // Each device scatters its microbatch's routed tokens evenly over the group.
    const double bytes = tokens_mb / static_cast<double>(l.tensor) * static_cast<double>(m.top_k) *
                         static_cast<double>(m.d_model) * kActivationBytes;
    const double out_bytes = bytes * (ep - 1) / ep;
    const double cross_bytes = ep * bytes / 4;  // one half to the other, per direction
    const double one = std::max(out_bytes / (eta * inject), cross_bytes / (eta * bisection));
    const double moe_layers_stage =
        std::ceil(static_cast<double>(counts.moe_layers) / static_cast<double>(l.pipeline));
    t_all_to_all = moe_layers_stage * kAllToAllsPerMoeLayer * mb * one;
  }
  double t_gradients = 0;
  if (l.data > 1) {
    const auto [bw, lat] = ring_bandwidth(f, group_ids(0, l.tensor, l.data));
    t_gradients = ring_allreduce_seconds(dense_params_device * in.precision.gradient_bytes, l.data,
                                         eta * bw, lat);
    const std::int64_t expert_replicas = l.data / l.expert;
    if (expert_replicas > 1 && expert_params_device > 0) {
      const auto [ebw, elat] =
          ring_bandwidth(f, group_ids(0, l.tensor * l.expert, expert_replicas));
      t_gradients += ring_allreduce_seconds(expert_params_device * in.precision.gradient_bytes,
                                            expert_replicas, eta * ebw, elat);
    }
    t_gradients *= 1.0 - in.gradient_overlap;
  }
  const double params_device = dense_params_device + expert_params_device;
  const double t_optimizer =
      params_device *
      (in.precision.parameter_bytes + in.precision.gradient_bytes +
       kOptimizerStateTouches * in.precision.optimizer_bytes() /
           (in.precision.shard_optimizer ? static_cast<double>(l.data) : 1.0)) /
      hbm;

  const double idle = chip.idle.si();
  const double span = chip.tdp.si() - idle;
  const double p_compute = idle + span * cal->compute_utilisation;
  const double p_comm = idle + span * cal->communication_utilisation;
  auto add = [&](const char* name, double s, double p, PhaseScaling sc) {
    if (s > 0) {
      est.phases.push_back({name, units::seconds(s), units::watts(p), sc});
      est.step_duration += units::seconds(s);
    }
  };
  add("compute", t_compute, p_compute, PhaseScaling::kStraggler);
  add("attention", t_attention, p_compute, PhaseScaling::kStraggler);
  add("expert-compute", t_expert, p_compute, PhaseScaling::kExpert);
  add("tensor-allreduce", t_tensor, p_comm, PhaseScaling::kFixed);
  add("pipeline-p2p", t_p2p, p_comm, PhaseScaling::kFixed);
  add("all-to-all", t_all_to_all, p_comm, PhaseScaling::kExpert);
  add("bubble", t_bubble, idle, PhaseScaling::kFixed);
  add("gradient-allreduce", t_gradients, p_comm, PhaseScaling::kFixed);
  add("optimizer", t_optimizer, p_comm, PhaseScaling::kFixed);
  est.achieved_flops_per_device = est.flops_per_step / (n * units::to_seconds(est.step_duration));
  return est;
}

std::vector<ParallelLayout> candidate_layouts(const TransformerSpec& model, std::int64_t devices) {
  std::vector<ParallelLayout> out;
  const std::int64_t layers = model.encoder_layers + model.decoder_layers;
  for (std::int64_t t = 1; t <= std::min(devices, kMaxTensor); ++t) {
    if (devices % t != 0 || model.heads % t != 0) {
      continue;
    }
    for (std::int64_t p = 1; p <= std::min(devices / t, layers); ++p) {
      if ((devices / t) % p != 0) {
        continue;
      }
      const std::int64_t d = devices / (t * p);
      for (std::int64_t e = 1; e <= d; ++e) {
        if (d % e != 0 || (model.experts == 0 ? e != 1 : model.experts % e != 0)) {
          continue;
        }
        for (std::int64_t m = 1; m <= kMaxMicrobatches; ++m) {
          out.push_back({d, t, p, e, m});
        }
      }
    }
  }
  return out;
}

std::optional<ParallelLayout> auto_layout(StepModelInput input, const AcceleratorType& chip,
                                          const JobNetwork& network, std::int64_t devices) {
  // A chip without a calibration fits no layout for that reason, not for memory: say so.
  require_calibration(chip);
  std::optional<ParallelLayout> best;
  double best_s = std::numeric_limits<double>::infinity();
  for (const auto& l : candidate_layouts(input.model, devices)) {
    input.layout = l;
    try {
      const auto e = estimate_step(input, chip, network);
      if (units::to_seconds(e.step_duration) < best_s) {
        best_s = units::to_seconds(e.step_duration);
        best = l;
      }
    } catch (const std::invalid_argument&) {
      // Does not fit (memory, microbatch larger than the batch, ...): not a candidate.
    }
  }
  return best;
}

}  // namespace footprint::models
