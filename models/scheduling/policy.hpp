// The scheduler's policy and settings: plain data, as a scenario file gives them
// (scheduler.hpp has the rules).
#pragma once

#include <cstddef>
#include <cstdint>

#include "sim/engine/time.hpp"

namespace footprint::models {

using engine::SimTime;

enum class Policy : std::uint8_t { kFifo, kBackfill, kCarbonAware };

struct SchedulerConfig {
  Policy policy = Policy::kFifo;
  SimTime epoch = SimTime::minutes(5);
  /// Relative standard deviation of the hourly intensity forecast (0: perfect).
  double forecast_error = 0;
  /// Carbon-aware: start at the earliest tick whose forecast emissions are within this
  /// fraction above the lowest in the job's window (0: at the lowest).
  double tolerance = 0;
  std::uint64_t seed = 0;
  /// How far the queue is scanned for backfilling.
  std::size_t backfill_depth = 64;
  /// The forecast table covers [0, horizon).
  SimTime horizon = SimTime::days(1);
  /// The run stops here (the scenario's horizon); carbon-aware plans end their runs by it
  /// when they can. max(): no horizon.
  SimTime end_by = SimTime::max();
  /// Failures, for the time a job is expected to hold its devices (0: none).
  double device_mtbf_s = 0;
  SimTime restart;
};

}  // namespace footprint::models
