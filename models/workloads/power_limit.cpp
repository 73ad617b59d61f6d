#include "models/workloads/power_limit.hpp"

#include <algorithm>

namespace footprint::models {

PhaseBound phase_bound(std::string_view phase) {
  if (phase == "compute" || phase == "attention" || phase == "expert-compute") {
    return PhaseBound::kCompute;
  }
  if (phase == "elementwise" || phase == "optimizer") {
    return PhaseBound::kMemory;
  }
  if (phase == "bubble") {
    return PhaseBound::kIdle;
  }
  return PhaseBound::kNetwork;
}

double limit_phases(std::vector<StepPhase>& phases, units::Watts idle, units::Watts limit,
                    const FrequencyConstants& c) {
  double slowest = 1;
  for (auto& ph : phases) {
    const auto bound = phase_bound(ph.name);
    if (bound == PhaseBound::kIdle) {
      continue;  // at idle power, below any allowed limit
    }
    const double share = bound == PhaseBound::kCompute ? 1.0 : 0.0;
    const auto u = under_limit(ph.power, share, idle, limit, c);
    if (u.limited) {
      ph.duration = ph.duration * u.time_factor;
      ph.power = u.power;
      slowest = std::min(slowest, u.frequency);
    }
  }
  return slowest;
}

SlackSaving slack_saving(std::span<const StepPhase> phases, units::Watts idle,
                         const FrequencyConstants& c) {
  units::Seconds bubble;
  units::Seconds busy;
  units::Joules busy_dynamic;  // (draw - idle) x time of the compute-bound phases
  SlackSaving s;
  for (const auto& ph : phases) {
    switch (phase_bound(ph.name)) {
      case PhaseBound::kIdle:
        bubble += ph.duration;
        break;
      case PhaseBound::kCompute:
        busy += ph.duration;
        busy_dynamic += ph.duration * std::max(ph.power - idle, units::Watts::zero());
        break;
      case PhaseBound::kNetwork:
        s.communication += ph.duration * std::max(ph.power - idle, units::Watts::zero());
        break;
      case PhaseBound::kMemory:
        break;
    }
  }
  if (busy > units::Seconds::zero()) {
    // One clock over all the compute (convexity: the least energy for the time), at the
    // compute phases' mean dynamic draw.
    s.bubble = stretch_saving(busy, idle + busy_dynamic / busy, idle, bubble, c);
  }
  return s;
}

}  // namespace footprint::models
