// The scheduler: one logical process that places jobs on datacenters.
//
// It acts on a declared epoch (for example every 5 minutes): a decision taken at tick T
// starts the job at T + epoch, and a datacenter's report that a job ended arrives one
// epoch after the end. That epoch is the simulation's lookahead: between two of the
// scheduler's decisions the datacenters run in parallel. docs/scheduling.md has the rules.
//
// Policies:
//  - fifo: each (datacenter, accelerator type) pool starts jobs in submit order while the
//    first one fits (devices free and the datacenter's power cap respected).
//  - backfill: EASY backfilling: the first job in a pool's queue gets a reservation at the
//    earliest time enough devices are expected free; later jobs may start now if they
//    fit and either end before it or use only devices it does not need.
//  - carbon-aware: a job with slack waits, at arrival, for the start time (and, when it
//    lists several datacenters, the place) with the lowest forecast emissions within its
//    slack among those where the plan has room for it, then is dispatched as by backfill.
//    The plan is a profile per pool of the devices held or booked over time (hourly
//    averages): each job's booking is added when it is planned, moved when it starts, and
//    cut when it ends, so that jobs are planned against the capacity left by the others
//    and waiting buys carbon, not queueing. Jobs without slack (or with no room within it)
//    join the queue at once and are booked from then.
//
// Borrowed devices (models/fleet/README.md, "One fleet"): where services lend their parked
// devices, a job that does not fit on the pool's own free devices may take lent ones for
// the rest. When a service takes devices back (it scales up), the jobs on them that started
// last are preempted until the borrowed ones fit again: each stops, loses the work since its
// last checkpoint, and rejoins the head of its pool's queue, to resume from that checkpoint.
// The scheduler learns of each change one epoch ahead (its decisions take effect an epoch
// later, so it looks at the lent devices an epoch ahead), which lets the preemption land
// when the service takes the devices.
//
// Power caps hold at every instant: a job starts only if the cooling model's envelope over
// its planned run keeps the facility under the cap with every held device at full draw;
// a job that runs past its plan is checked again by its datacenter at each checkpoint.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "models/cooling/cooling.hpp"
#include "models/fleet/fleet.hpp"
#include "models/fleet/view.hpp"
#include "models/grid/carbon.hpp"
#include "models/scheduling/policy.hpp"
#include "models/topology/placement.hpp"
#include "sim/engine/simulation.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

class CarbonForecast;

/// What the scheduler decided for a job.
struct Dispatch {
  std::uint32_t datacenter = 0;  ///< where it was placed
  std::uint32_t pods = 0;        ///< pods its block spans (0 without a topology)
};

class SchedulerLp final : public engine::Process<FleetMsg> {
 public:
  /// `scheduled`: jobs the scheduler places, in submit order (ties by index).
  /// `fixed`: jobs with a fixed start, which their datacenter starts by itself.
  SchedulerLp(const FleetTables* tables, std::vector<DatacenterView> dcs, SchedulerConfig config,
              std::vector<std::uint32_t> scheduled, std::vector<std::uint32_t> fixed);

  void on_start(engine::Context<FleetMsg>& ctx) override;
  void on_event(engine::Context<FleetMsg>& ctx, const engine::Event<FleetMsg>& e) override;
  void prefetch(const engine::Event<FleetMsg>& next) const override;

  [[nodiscard]] const std::vector<Dispatch>& dispatches() const { return dispatch_; }
  /// The same, taken over once the run has stopped (dispatches() is empty after).
  [[nodiscard]] std::vector<Dispatch> take_dispatches() { return std::move(dispatch_); }
  /// Per datacenter: device-seconds of jobs that had devices to start but were held back
  /// by the power cap.
  [[nodiscard]] const std::vector<double>& cap_held_device_s() const { return cap_held_; }

  /// For carbon-aware scheduling: the forecast jobs are planned with.
  void set_forecast(const class CarbonForecast* forecast);

 private:
  struct Pool {
    std::vector<std::uint32_t> queue;  ///< waiting jobs, in order of joining
    std::size_t head = 0;              ///< queue[head..] are waiting
    std::set<std::pair<SimTime::rep, std::uint32_t>> running;  ///< (expected end, job)
    std::vector<std::uint32_t> fixed;  ///< fixed-start jobs of this pool, by start
    std::size_t fixed_next = 0;        ///< fixed[fixed_next..] have not started
  };

  void arrive(engine::Context<FleetMsg>& ctx);
  /// Carbon-aware: plans a job with slack against the profile; false if nothing fits.
  bool plan(engine::Context<FleetMsg>& ctx, std::uint32_t job);
  /// Books `job` in pool `p` over [from, from + its expected hold) in the profile,
  /// replacing its previous booking.
  void book(std::uint32_t job, std::size_t p, SimTime::rep from);
  /// Removes the booking of `job` from `from` on.
  void unbook(std::uint32_t job, SimTime::rep from);
  void add_profile(std::size_t p, SimTime::rep from, SimTime::rep to, double devices);
  void enqueue(engine::Context<FleetMsg>& ctx, std::uint32_t job, std::uint32_t dc);
  /// Where a job joins a queue (see the .cpp for the rule).
  [[nodiscard]] std::uint32_t place(std::uint32_t job, SimTime now,
                                    std::optional<std::uint32_t> planned);
  void tick(engine::Context<FleetMsg>& ctx);
  void ensure_tick(engine::Context<FleetMsg>& ctx);
  bool fits_power(std::uint32_t dc, std::size_t p, const FleetJob& j, SimTime now) const;
  /// Job takes its devices in dc, `own` of them the pool's (the rest borrowed).
  void take(std::uint32_t dc, std::uint32_t job, SimTime expected_start, std::int64_t own);
  void start(engine::Context<FleetMsg>& ctx, std::uint32_t dc, std::uint32_t job);
  void release(std::uint32_t dc, std::uint32_t job);
  /// Lent devices: brings each pool's count to what holds one epoch from now, preempting
  /// borrowers where it fell below what they hold, and arms the next look.
  void update_lend(engine::Context<FleetMsg>& ctx);
  /// Devices of pool p that fixed-start jobs will take before a job starting now would end.
  [[nodiscard]] std::int64_t reserved_for_fixed(std::size_t p, const FleetJob& j,
                                                SimTime now) const;
  /// Of `j`'s devices if it started now in pool p: how many would be the pool's own.
  [[nodiscard]] std::int64_t own_part(std::size_t p, const FleetJob& j, SimTime now) const;
  /// Whether `j` can start in pool `p` now: enough free devices and, with a fabric, a block.
  [[nodiscard]] bool room(std::size_t p, const FleetJob& j, SimTime now);
  [[nodiscard]] std::size_t pool_index(std::uint32_t dc, std::uint32_t type) const {
    return static_cast<std::size_t>(dc) * ntypes_ + type;
  }

  const FleetTables* tables_;
  std::vector<DatacenterView> dcs_;
  SchedulerConfig cfg_;
  std::vector<std::uint32_t> scheduled_;
  std::vector<std::uint32_t> fixed_;
  std::size_t ntypes_;
  std::size_t cursor_ = 0;  ///< next job of scheduled_ to arrive
  std::size_t done_ = 0;    ///< jobs reported ended
  std::vector<Pool> pools_;
  std::vector<std::int64_t> free_;                      ///< per pool
  std::vector<std::unique_ptr<Allocator>> alloc_;       ///< per pool, with a fabric
  std::unordered_map<std::uint32_t, Allocation> held_;  ///< running jobs' blocks
  std::vector<std::int64_t> queued_;                    ///< per pool: devices wanted by queued jobs
  std::vector<units::Watts> jobs_power_;  ///< per datacenter: IT power of running jobs
  /// Running jobs' expected ends (a few thousand at a time, of millions of jobs).
  std::unordered_map<std::uint32_t, SimTime::rep> expected_end_;
  std::vector<Dispatch> dispatch_;
  SimTime::rep tick_at_ = -1;  ///< time of the next scheduled tick, or -1
  const CarbonForecast* forecast_ = nullptr;
  /// Carbon-aware: per pool, devices booked per hour of simulated time (hourly means).
  std::vector<std::vector<double>> profile_;
  /// A job's booking: from `from` for its expected hold (hold_of) in pool `pool`.
  struct Booking {
    SimTime::rep from = -1;  ///< -1: none
    std::uint32_t pool = 0;
  };
  std::vector<Booking> booking_;  ///< per job
  /// A job's expected hold: its planned runtime plus expected failures.
  [[nodiscard]] SimTime hold_of(std::uint32_t job) const;
  /// Planning's sliding maximum over hourly buckets: (bucket, booked devices), the
  /// bookings decreasing from the front, a deque as a vector and a head index (kept to
  /// reuse its storage).
  std::vector<std::pair<SimTime::rep, double>> window_;
  /// Planning's runs of ticks with room per candidate, and which are worked out (kept to
  /// reuse their storage from one plan to the next).
  std::vector<std::vector<std::pair<SimTime::rep, SimTime::rep>>> plan_runs_;
  std::vector<char> plan_known_;
  /// Placement's emissions of a start per forecast class (kept to reuse its storage).
  std::vector<std::pair<std::uint32_t, double>> class_weight_;
  /// Power caps: per datacenter, devices held back at the last tick, since when.
  std::vector<std::int64_t> cap_blocked_;
  SimTime::rep cap_blocked_since_ = 0;
  std::vector<double> cap_held_;
  /// Lending, per pool: the schedule, its next entry to apply, lent devices (one epoch
  /// ahead), those borrowed by running jobs, and the borrowers in start order.
  std::vector<const DeviceSchedule*> lend_schedule_;
  std::vector<std::size_t> lend_next_;
  std::vector<std::int64_t> lend_now_;
  std::vector<std::int64_t> borrowed_;
  std::vector<std::vector<std::uint32_t>> borrowers_;
  std::vector<std::size_t> lend_pools_;  ///< pools with a schedule
  SimTime::rep lend_due_ = 0;            ///< the earliest change not yet applied
  SimTime::rep lend_wake_ = -1;          ///< time of the next scheduled look, or -1
  /// Jobs running on borrowed devices: their own devices and the borrowed ones (0 once
  /// preempted, until the report of its stop releases the own ones). Others use their own.
  struct Loan {
    std::int64_t own = 0;
    std::int64_t borrowed = 0;
  };
  std::unordered_map<std::uint32_t, Loan> loans_;
  /// The devices of running job `job` that are its pool's own.
  [[nodiscard]] std::int64_t own_of(std::uint32_t job) const {
    const auto it = loans_.find(job);
    return it == loans_.end() ? tables_->jobs[job].devices : it->second.own;
  }
};

}  // namespace footprint::models
