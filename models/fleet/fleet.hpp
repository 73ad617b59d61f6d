// The fleet as the scheduler and the datacenters share it: an immutable table of jobs
// and of accelerator types, built once before a run and read (never written) by every
// LP, plus the messages they exchange.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/accelerators/accelerator.hpp"
#include "sim/engine/time.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

using engine::SimTime;

/// FleetJob::pause_above of a job that never pauses.
inline constexpr units::CarbonIntensity kNeverPause =
    units::grams_per_kwh(std::numeric_limits<double>::infinity());

/// A job as the fleet runs it: everything derived before the run (a fleet holds millions:
/// 112 bytes each).
struct FleetJob {
  std::int64_t devices = 0;
  SimTime submit;                        ///< when it may start
  SimTime slack;                         ///< how much later than submit it may be made to start
  SimTime fixed_start = SimTime::max();  ///< a fixed start time, or max() if scheduled
  SimTime duration;                      ///< compute time without failures or checkpoints
  double steps_exact = 1;                ///< may be fractional: the last step is partial
  std::int64_t steps = 1;
  units::Watts compute_power;                    ///< per device while computing (accelerator only)
  double flops = 0;                              ///< total work, FLOP
  SimTime checkpoint_interval = SimTime::max();  ///< compute time between checkpoints
  SimTime checkpoint_duration;
  /// Pause at a checkpoint while the grid's (location-based) intensity is above this,
  /// within the job's slack (DatacenterConfig::pause_at_checkpoints); kNeverPause: never.
  units::CarbonIntensity pause_above = kNeverPause;
  std::uint32_t type = 0;             ///< index into FleetTables::types
  std::uint32_t first_candidate = 0;  ///< datacenters it may run in: candidates[first ..
  std::uint32_t candidate_count = 0;  ///<   first + count)
};

/// The time a job holds its devices when nothing goes wrong: its compute time plus a
/// checkpoint after each whole checkpoint interval of it (an upper bound on their number).
[[nodiscard]] inline SimTime planned_runtime(const FleetJob& j) {
  if (j.checkpoint_interval == SimTime::max() || j.checkpoint_interval <= SimTime::zero()) {
    return j.duration;
  }
  const auto checkpoints = j.duration.count() / j.checkpoint_interval.count();
  return j.duration + SimTime::ticks(checkpoints * j.checkpoint_duration.count());
}

/// Devices over time, as (from when, how many) in time order: a step function, 0 before the
/// first entry. Services' parked devices that training may borrow (models/fleet/README.md,
/// "One fleet").
using DeviceSchedule = std::vector<std::pair<SimTime, std::int64_t>>;

struct FleetTables {
  std::vector<AcceleratorType> types;
  std::vector<FleetJob> jobs;
  std::vector<std::uint32_t> candidates;  ///< datacenter indices, see FleetJob
};

/// Messages between the scheduler and the datacenters, and each LP's own timers.
struct FleetMsg {
  enum class Kind : std::uint8_t {
    kArrival,     ///< scheduler: the next jobs in submit order arrive
    kEligible,    ///< scheduler: a job's chosen start time has come
    kTick,        ///< scheduler: decide
    kFixedStart,  ///< scheduler: a fixed-start job takes its devices
    kStart,       ///< scheduler -> datacenter: start this job now
    kDone,        ///< datacenter -> scheduler: this job ended
    kPhaseEnd,    ///< datacenter: a job's current phase ends
    kFailure,     ///< datacenter: a device of a job fails
    kSignal,      ///< datacenter: the grid or the weather changes
    kShutdown,    ///< scheduler -> datacenter: every job has ended
    kLoad,        ///< datacenter: a service's power changes (slot: the load, job: the bin)
    kLend,        ///< scheduler (slot: pool) or datacenter (slot: lender): parked devices change
    kPreempt,     ///< scheduler -> datacenter: stop this job, its lent devices are taken back
    kPreempted,   ///< datacenter -> scheduler: this job stopped (resumes from its checkpoint)
  };
  Kind kind = Kind::kSignal;
  std::uint32_t job = 0;
  std::uint32_t slot = 0;  ///< datacenter: the job's slot; kStart: the devices it borrows
  std::uint32_t gen = 0;   ///< datacenter: the slot's generation (stale timers are ignored)
};

}  // namespace footprint::models
