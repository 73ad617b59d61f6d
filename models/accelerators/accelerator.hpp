// Accelerator types: the built-in library and its look-up.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

inline constexpr double kDefaultServiceLifeYears = 5.0;

struct AcceleratorType {
  std::string name;
  std::vector<std::string> aliases;
  units::Watts tdp;
  /// Draw of a powered, idle device.
  units::Watts idle;
  /// Peak dense (not 2:4 sparse) BF16/FP16 throughput: BF16 where the chip has it, FP16
  /// on the V100, which has no BF16.
  units::FlopRate peak;
  /// The 16-bit format `peak` is in: BF16, or FP16 on chips without BF16 (the V100).
  bool has_bf16 = true;
  /// Peak dense FP8 throughput; nullopt when the library lists no FP8 figure for the chip
  /// (V100, A100 and the TPUs: they have no FP8 units).
  std::optional<units::FlopRate> peak_fp8;
  /// High-bandwidth memory per device, and its peak bandwidth.
  units::Bytes memory;
  units::ByteRate memory_bandwidth;
  /// The device's usual system. Its scale-up domain: how many devices one fast
  /// interconnect joins (NVLink of 8, NVL72 of 72, a TPU pod's ICI, Infinity Fabric of 8);
  /// 1 when the library has no figure.
  std::int64_t scale_up_domain = 1;
  /// Each device's scale-up bandwidth, per direction (half the "total" or "bidirectional"
  /// figure vendors quote); 0 when the library has no published figure.
  units::ByteRate scale_up_bandwidth = units::ByteRate::zero();
  /// Each device's share of the scale-out fabric (the network between scale-up domains,
  /// for GPUs a rail-optimised fat-tree with one NIC per GPU), per direction; 0 when the
  /// library has no figure.
  units::ByteRate scale_out_bandwidth = units::ByteRate::zero();
  /// The host memory of the device's usual system, per device (the system's CPU memory
  /// over its devices), and each device's link to it, per direction: where offloaded
  /// activations go (`offload_layers`). 0 when the library has no figure.
  units::Bytes host_memory = units::Bytes::zero();
  units::ByteRate host_link_bandwidth = units::ByteRate::zero();
  /// A short description of the scale-up domain, e.g. "NVLink 4, NVSwitch, 8 GPUs".
  std::string scale_up;
  /// Embodied emissions of the chip, when a published figure exists.
  std::optional<units::Grams> embodied;
  /// Service life over which the embodied emissions are amortised (an assumption of
  /// Footprint's: 5 years unless a scenario's accelerator_types gives service_life).
  units::Seconds service_life = units::years(kDefaultServiceLifeYears);
  std::string source;

  /// Power at utilisation u in [0, 1]: idle + (TDP - idle) x u.
  [[nodiscard]] units::Watts power_at(double utilisation) const {
    return idle + (tdp - idle) * utilisation;
  }
  /// Embodied emissions per second of a device's use (0 without a published figure).
  [[nodiscard]] units::CarbonRate embodied_rate() const {
    return embodied ? *embodied / service_life : units::CarbonRate::zero();
  }
};

/// The built-in library: TPUv2, TPUv3, TPUv4, TPUv5p, V100, A100, H100, H800, H200, B200,
/// GB200, MI300X (docs/scenario-format.md lists the figures).
std::span<const AcceleratorType> builtin_accelerators();

/// A library: the built-in types, extended or overridden by a scenario's own.
class AcceleratorLibrary {
 public:
  AcceleratorLibrary();
  /// Adds a type, replacing any type of the same name (or alias).
  void put(AcceleratorType t);
  /// Finds by name or alias, case-insensitively; nullptr when unknown.
  [[nodiscard]] const AcceleratorType* find(std::string_view name) const;
  /// Every accepted name (names and aliases), for suggestions.
  [[nodiscard]] std::vector<std::string> names() const;
  [[nodiscard]] const std::vector<AcceleratorType>& types() const { return types_; }

 private:
  std::vector<AcceleratorType> types_;
};

}  // namespace footprint::models
