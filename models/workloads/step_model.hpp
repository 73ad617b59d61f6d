// How long a training step takes, and where the time goes, from the architecture, the
// parallel layout and the hardware: compute on a roofline, collectives costed on the
// network fabric (models/topology) as the layout places its groups, the pipeline bubble,
// and per-phase power. docs/models.md ("Step model") has every equation and source.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/accelerators/accelerator.hpp"
#include "models/topology/fabric.hpp"
#include "models/workloads/step_sim.hpp"
#include "models/workloads/transformer.hpp"

namespace footprint::models {

/// Calibration constants of one chip: one set per chip, fitted on a calibration set of
/// published measurements that shares no run with the validation set (see
/// calibration_sources() and tests/validation/test_step_model.cpp).
struct ChipCalibration {
  std::string chip;                 ///< canonical accelerator name
  double matmul_efficiency = 0;     ///< achieved fraction of peak FLOP/s in matmuls
  double attention_efficiency = 0;  ///< achieved fraction of peak in attention products
  double memory_efficiency = 0;     ///< achieved fraction of HBM bandwidth
  double network_efficiency = 0;    ///< achieved fraction of link bandwidth in collectives
  /// Power per device by phase, as fractions u of (TDP - idle) above idle:
  /// P = idle + (TDP - idle) x u.
  double compute_utilisation = 1.0;
  double communication_utilisation = 0;
  std::string source;  ///< the calibration runs, named
};

/// The built-in calibrations (V100, TPUv3 and the chips the validation does not cover,
/// marked as assumptions); nullptr for a chip without one.
const ChipCalibration* find_calibration(const std::string& chip);
/// The chip's calibration; throws std::invalid_argument naming the chip and the calibrated
/// ones when it has none.
const ChipCalibration& require_calibration(const AcceleratorType& chip);

/// The published measurements the calibrations were fitted on: "source: run" strings.
std::vector<std::string> calibration_sources();

/// The network a job runs on: the datacenter's fabric, or the chip's usual one.
struct JobNetwork {
  std::shared_ptr<const Fabric> fabric;  ///< at least the job's devices
};

/// The chip's usual network for `devices` of it (docs/models.md): V100 in 8-GPU servers
/// with NVLink and 400 Gb/s per server (the GPT-3 cluster), A100/H100/H200 in DGX
/// SuperPODs, TPU v2/v3 in a 2D torus, TPU v4 in a 3D torus.
JobNetwork default_network(const AcceleratorType& chip, std::int64_t devices);

struct StepModelInput {
  TransformerSpec model;
  ParallelLayout layout;
  TrainingPrecision precision;
  double tokens_per_step = 0;  ///< global batch, tokens
  /// Fraction of the data-parallel gradient all-reduce hidden behind the backward pass.
  double gradient_overlap = 0;
};

/// One step's expected phases (stragglers and imbalance come from step_sim) and what
/// they imply.
struct StepEstimate {
  std::vector<StepPhase> phases;  ///< compute, attention, tensor-allreduce, pipeline-p2p,
                                  ///< bubble, all-to-all, expert-compute, gradient-allreduce,
                                  ///< optimizer
  units::Seconds step_duration;
  double flops_per_step = 0;  ///< by the architecture (training FLOPs per token x tokens)
  double achieved_flops_per_device = 0;  ///< flops_per_step / (devices x step_duration), FLOP/s
  DeviceMemory memory;
  units::Bytes device_memory;  ///< the chip's
  std::int64_t devices = 0;
};

/// Expected step of `input` on `chip` over `network`. Throws std::invalid_argument when the
/// layout does not fit the devices or the memory (the message says by how much), or the
/// chip has no calibration.
StepEstimate estimate_step(const StepModelInput& input, const AcceleratorType& chip,
                           const JobNetwork& network);

/// The fastest layout that fits, over every data x tensor x pipeline = `devices` (tensor
/// dividing the heads, at most 64; pipeline at most the layers; expert dividing data and
/// the experts; 1 to 64 microbatches); nullopt if none fits. Ties go to the first in
/// candidate_layouts() order. Throws as require_calibration() for a chip without a
/// calibration.
std::optional<ParallelLayout> auto_layout(StepModelInput input, const AcceleratorType& chip,
                                          const JobNetwork& network, std::int64_t devices);

/// Every layout auto_layout() considers (for tests).
std::vector<ParallelLayout> candidate_layouts(const TransformerSpec& model, std::int64_t devices);

}  // namespace footprint::models
