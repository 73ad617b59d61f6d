// How long a training step takes, and where the time goes, from the architecture, the
// parallel layout, the precision and the hardware: compute on a roofline, collectives
// costed hierarchically on the chip's scale-up domain and scale-out network as the layout
// places its groups, the pipeline bubble, and per-phase power. docs/models.md ("Step model") has
// every equation and source.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/accelerators/accelerator.hpp"
#include "models/workloads/step_sim.hpp"
#include "models/workloads/transformer.hpp"

namespace footprint::models {

/// Calibration constants of one chip and compute format: one set per chip and format,
/// fitted only on the published runs named in `source` (tests/validation/test_step_model.cpp
/// refits them and checks the table; docs/models.md lists them).
struct ChipCalibration {
  std::string chip;  ///< canonical accelerator name
  ComputeFormat compute = ComputeFormat::k16Bit;
  double matmul_efficiency = 0;     ///< achieved fraction of the format's peak in matmuls
  double attention_efficiency = 0;  ///< achieved fraction of the 16-bit peak in attention
  double memory_efficiency = 0;     ///< achieved fraction of HBM bandwidth
  double network_efficiency = 0;    ///< achieved fraction of link bandwidth in collectives
  /// The largest step-time error on the calibration runs, as a fraction (the error band
  /// every prediction carries).
  double calibration_error = 0;
  std::string source;  ///< the calibration runs, named
};

/// Power per device by phase for one chip, as fractions u of (TDP - idle) above idle:
/// P = idle + (TDP - idle) x u. Measured where a source exists, else an assumption
/// (`source` says which).
struct PhasePower {
  std::string chip;
  double compute_utilisation = 1.0;
  double communication_utilisation = 0;
  std::string source;
};

/// How a chip and format get their constants: their own calibration, a calibrated one's
/// (borrowed: "borrowed from H100 BF16"), or none (unsupported).
struct CalibrationChoice {
  const ChipCalibration* calibration = nullptr;
  /// Empty when the chip and format are calibrated themselves; else what was borrowed.
  std::string borrowed_from;
};

/// The format's name as scenarios and traces write it: "bf16" (or "fp16" on a chip without
/// BF16, whose 16-bit peak is FP16) or "fp8".
std::string compute_format_name(const AcceleratorType& chip, ComputeFormat format);
/// The chip's dense peak for matmuls in `format` (AcceleratorType::peak or peak_fp8).
/// Throws std::invalid_argument for FP8 on a chip without an FP8 peak.
units::FlopRate matmul_peak(const AcceleratorType& chip, ComputeFormat format);

/// The constants for `chip` computing in `format`. Throws std::invalid_argument naming the
/// chip, the format and the calibrated ones when it is unsupported, or when the chip has no
/// FP8 peak and FP8 is asked for.
CalibrationChoice require_calibration(const AcceleratorType& chip, ComputeFormat format);
/// Every built-in calibration (for docs and tests).
std::span<const ChipCalibration> builtin_calibrations();
/// The chip's power by phase (a conservative assumption when the table has no row).
PhasePower phase_power(const AcceleratorType& chip);

/// The published measurements the calibrations were fitted on: "source: run" strings.
std::vector<std::string> calibration_sources();

/// The network a job runs on, as collectives see it: scale-up domains of `scale_up_domain`
/// devices joined at `scale_up_bandwidth` each (per device and direction), and a scale-out
/// fabric of `scale_out_bandwidth` per device between domains (rail-optimised, non-blocking).
/// A torus (TPUs) has `torus_dimensions` > 0: its scale-up bandwidth is all of a chip's
/// links, of which a collective over a group uses the dimensions the group spans.
struct JobNetwork {
  std::int64_t scale_up_domain = 1;
  units::ByteRate scale_up_bandwidth;
  units::ByteRate scale_out_bandwidth;
  units::Seconds scale_up_latency;
  units::Seconds scale_out_latency;
  int torus_dimensions = 0;
  std::string description;
};

/// A datacenter's override of its chips' usual network (scenario key `network`): each
/// field left empty keeps the chip's.
struct NetworkOverride {
  std::optional<std::int64_t> scale_up_domain;
  std::optional<units::ByteRate> scale_up_bandwidth;
  std::optional<units::ByteRate> scale_out_bandwidth;
};

/// The chip's usual system (docs/models.md, "Networks"), with `override` applied. Throws
/// std::invalid_argument when the chip has no published figure for a bandwidth and the
/// override does not give one.
JobNetwork job_network(const AcceleratorType& chip, const NetworkOverride& override = {});

/// How a MoE layer's tokens travel to their experts and back: the all-to-all phase.
struct ExpertDispatch {
  /// Each token is sent once to every scale-up domain holding one of its experts and
  /// forwarded to them inside it (DeepSeek-V3's kernels, DeepSeek-V3 report sec. 3.2.2),
  /// rather than once per expert (false: Megatron's all-to-all dispatcher).
  bool per_domain = false;
  /// The forward dispatch's format: 16-bit, or FP8 with an FP32 scale per 128 values
  /// (DeepSeek-V3 report sec. 3.3.3); the combine and the backward pass stay 16-bit.
  ComputeFormat format = ComputeFormat::k16Bit;
  /// Fraction of the all-to-all run while another microbatch computes (DualPipe, DeepSeek-V3
  /// report sec. 3.2.1), hidden up to the time of the step's matmuls and attention.
  double overlap = 0;
};

struct StepModelInput {
  TransformerSpec model;
  ParallelLayout layout;
  TrainingPrecision precision;
  double tokens_per_step = 0;  ///< global batch, tokens
  /// Fraction of the data-parallel gradient reduction hidden behind the last microbatch's
  /// backward pass, and of a sharded optimizer's parameter all-gather behind the first
  /// microbatch's forward pass, each at most that pass's length.
  double gradient_overlap = 0;
  ExpertDispatch dispatch;
};

/// Expected scale-up domains other than the sender's that one token's top_k experts lie in,
/// with the experts spread evenly over `domains` domains, under the model's group-limited
/// routing if it has one (docs/models.md, "all-to-all").
double remote_domains_per_token(const TransformerSpec& model, std::int64_t domains);

/// One step's expected phases (stragglers and imbalance come from step_sim) and what
/// they imply.
struct StepEstimate {
  /// compute, attention, expert-compute, elementwise, tensor-allreduce, context-exchange,
  /// pipeline-p2p, all-to-all, bubble, parameter-allgather, gradient-allreduce,
  /// host-offload, optimizer (those with time)
  std::vector<StepPhase> phases;
  units::Seconds step_duration;
  /// By the architecture: training FLOPs per token x tokens (no recomputation).
  double flops_per_step = 0;
  double achieved_flops_per_device = 0;  ///< flops_per_step / (devices x step_duration), FLOP/s
  /// Model FLOPs utilisation: achieved_flops_per_device / the chip's dense peak in the
  /// compute format (docs/models.md, "MFU").
  double mfu = 0;
  DeviceMemory memory;
  units::Bytes device_memory;  ///< the chip's
  std::int64_t devices = 0;
  /// The calibration's error band (fraction) and what was borrowed, if anything.
  double error_band = 0;
  std::string borrowed_from;
};

/// Expected step of `input` on `chip` over `network`. Throws std::invalid_argument when the
/// layout does not fit the devices or the memory (the message says by how much), or the
/// chip has no calibration for the format.
StepEstimate estimate_step(const StepModelInput& input, const AcceleratorType& chip,
                           const JobNetwork& network);

/// estimate_step() with the given constants instead of the table's (for fitting them:
/// tests/validation/test_step_model.cpp).
StepEstimate estimate_step_with(const StepModelInput& input, const AcceleratorType& chip,
                                const JobNetwork& network, const ChipCalibration& calibration);

/// Which layout keys `auto_layout` searches: an empty field is searched, a set one fixed.
/// `microbatch` (sequences per microbatch), when set, fixes microbatches per candidate.
struct LayoutRequest {
  std::optional<std::int64_t> data, tensor, pipeline, context, expert, virtual_stages, microbatches,
      microbatch;
  /// Every key searched (`parallelism: auto`).
  static LayoutRequest all_auto() { return {}; }
};

/// Why no layout fits: the best candidates' memory per device by kind.
struct NoLayoutFits : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// The fastest layout that fits, over the candidates of candidate_layouts(); ties go to the
/// first in its order. Throws as require_calibration() for an unsupported chip, and
/// NoLayoutFits when none fits (naming the three candidates that came closest, with their
/// memory per device by kind).
ParallelLayout auto_layout(StepModelInput input, const AcceleratorType& chip,
                           const JobNetwork& network, std::int64_t devices,
                           const LayoutRequest& request = LayoutRequest::all_auto());

/// auto_layout() with the given constants (for fitting them).
ParallelLayout auto_layout_with(StepModelInput input, const AcceleratorType& chip,
                                const JobNetwork& network, std::int64_t devices,
                                const LayoutRequest& request, const ChipCalibration& calibration);

/// Every layout auto_layout() considers (for tests): data x tensor x pipeline x context =
/// `devices`, with tensor dividing the heads and within the scale-up domain, context
/// dividing the sequence (at most 64), pipeline x virtual_stages at most the layers,
/// virtual_stages 1, 2, 4 or 8 (only with pipeline > 1), expert dividing data and the
/// experts, microbatches dividing each replica's sequences (a multiple of pipeline under
/// the interleaved schedule); fixed keys as `request` says.
std::vector<ParallelLayout> candidate_layouts(
    const TransformerSpec& model, std::int64_t devices, double sequences_per_step,
    std::int64_t scale_up_domain, const LayoutRequest& request = LayoutRequest::all_auto());

}  // namespace footprint::models
