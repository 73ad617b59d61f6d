// The IT power of a datacenter: one rule, used by the scheduler (whether a start keeps the
// facility under its power cap) and by the datacenter LP (what it draws).
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <vector>

#include "models/accelerators/accelerator.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

/// How a datacenter's accelerators and their hosts draw power.
struct DevicePower {
  bool idle_draw = true;  ///< idle accelerators (and their hosts) draw power
  /// With idle_draw: idle accelerators and their hosts sleep at this power per accelerator
  /// instead of drawing idle power and host overhead.
  std::optional<units::Watts> sleep_power;
  units::Watts host_overhead;  ///< per accelerator: CPU, DRAM, NIC share

  /// Per device of a job computing at `compute` (the accelerator's own draw).
  [[nodiscard]] units::Watts running(units::Watts compute) const { return compute + host_overhead; }
  /// Per device held but not computing (a paused job): awake, at idle with its host.
  [[nodiscard]] units::Watts held_idle(const AcceleratorType& type) const {
    return type.idle + host_overhead;
  }
  /// Per idle device of the inventory: asleep, or awake at idle with its host.
  [[nodiscard]] units::Watts idle(const AcceleratorType& type) const {
    return sleep_power ? *sleep_power : held_idle(type);
  }
  /// An upper bound on what an idle device of `type` draws, held by a job or not: what a
  /// power cap is planned with for devices not computing.
  [[nodiscard]] units::Watts idle_bound(const AcceleratorType& type) const {
    return std::max(idle(type), held_idle(type));
  }
  /// IT power: `jobs` (the running jobs' draw) plus, when idle devices draw, each type's
  /// idle devices; `idle_devices(t)` counts those of type t.
  template <class IdleCount>
  [[nodiscard]] units::Watts it_power(units::Watts jobs, const std::vector<AcceleratorType>& types,
                                      IdleCount idle_devices) const {
    units::Watts it = jobs;
    if (idle_draw) {
      for (std::size_t t = 0; t < types.size(); ++t) {
        it += idle(types[t]) * static_cast<double>(idle_devices(t));
      }
    }
    return it;
  }
};

}  // namespace footprint::models
