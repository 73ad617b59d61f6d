// Accelerator types: the built-in library and its look-up.
#pragma once

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
  /// Peak dense BF16/FP16 throughput.
  units::FlopRate peak;
  units::Bytes memory;
  units::ByteRate memory_bandwidth;
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

/// The built-in library: TPUv2, TPUv3, TPUv4, V100, A100, H100, H200 (docs/models.md).
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
