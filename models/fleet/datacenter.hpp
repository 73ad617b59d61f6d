// A datacenter as a logical process: it runs the jobs it is given, phase by phase
// (compute steps, checkpoints, restarts after failures), sums their IT power with the
// draw of idle accelerators and hosts, applies its cooling model and its region's carbon
// intensity, and integrates energy and emissions exactly between events, both per job and
// per trace interval.
//
// Facility overhead is attributed to jobs in proportion to their IT power: a job's
// facility energy is the integral of its IT power x (facility / IT power)(t), and its
// emissions the integral of that x intensity(t). The datacenter keeps running integrals of
// the ratio and of ratio x intensity; a job whose power is constant over a phase takes
// their difference between the phase's ends: exact, and O(1) per job whatever the number
// of jobs running. Overhead while nothing runs is the datacenter's alone.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/cooling/cooling.hpp"
#include "models/cooling/water.hpp"
#include "models/fleet/envelope.hpp"
#include "models/fleet/fleet.hpp"
#include "models/fleet/power.hpp"
#include "models/grid/carbon.hpp"
#include "models/grid/water.hpp"
#include "sim/engine/integrator.hpp"
#include "sim/engine/random.hpp"
#include "sim/engine/simulation.hpp"
#include "sim/kernel/schema/trace_schema.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

class CarbonForecast;

/// An LLM service's draw in a datacenter (models/serving): the mean IT power of its
/// devices per bin from time 0, simulated beforehand. Its devices are not in the
/// datacenter's inventory (they are set apart); after the last bin they draw nothing here.
struct ServiceLoad {
  SimTime bin = SimTime::minutes(1);
  std::shared_ptr<const std::vector<double>> watts;
};

/// A service site's parked devices that jobs here may borrow (models/fleet/README.md, "One
/// fleet"): while a job holds them they draw the job's power, not their parked draw, which
/// leaves the service's load (and its attribution) for the job's.
struct Lender {
  std::uint32_t type = 0;  ///< FleetTables type index
  std::uint32_t load = 0;  ///< the load (index into DatacenterConfig::loads) they are part of
  units::Watts parked;     ///< per parked device, in the load's power
  std::shared_ptr<const DeviceSchedule> devices;  ///< parked devices over time
};

/// What a service's load was attributed, as for a job (facility overhead in proportion to
/// IT power), in all and per trace interval; with a lender, what it lent.
struct LoadOutcome {
  double lent_device_s = 0;       ///< devices lent to jobs x time
  units::Joules lent_it_energy;   ///< their parked draw while lent (left out of it_energy)
  std::vector<double> lent_it_j;  ///< the same per trace interval
  units::Joules it_energy;
  units::Joules energy;
  units::Grams emissions_location;
  units::Grams emissions_market;
  std::vector<double> energy_j;  ///< facility energy per trace interval
  std::vector<double> emissions_location_g;
  std::vector<double> emissions_market_g;
};

/// What a job did.
struct JobOutcome {
  std::uint32_t job = 0;
  std::uint32_t datacenter = 0;
  units::Seconds start;
  units::Seconds end;  ///< 0 while unfinished
  std::int64_t steps = 0;
  // Counts of events in one job's run: 32 bits (a fleet holds ten million outcomes).
  std::int32_t restarts = 0;
  std::int32_t checkpoints = 0;
  std::int32_t pauses = 0;           ///< carbon-aware pauses at checkpoints
  std::int32_t preemptions = 0;      ///< stopped because a service took its borrowed devices back
  std::int32_t cap_pauses = 0;       ///< waits for the power cap after running past its plan
  units::Seconds paused;             ///< time spent in pauses (devices held, idle)
  units::Seconds cap_paused;         ///< time spent in cap waits (devices held, idle)
  double device_hours = 0;           ///< held, from start to end
  double lost_device_hours = 0;      ///< compute redone after failures and preemptions
  double borrowed_device_hours = 0;  ///< of device_hours, on devices borrowed from services
  units::Joules it_energy;
  units::Joules energy;  ///< facility energy attributed to the job
  units::Grams emissions_location;
  units::Grams emissions_market;
  units::Grams embodied;  ///< amortised embodied emissions of the devices held
  /// Water attributed to the job, as its facility energy is (its datacenter with `water`):
  /// on site in proportion to its IT power, off site for its facility energy.
  units::Litres water_onsite;
  units::Litres water_offsite;

  [[nodiscard]] bool finished() const { return end > units::Seconds::zero(); }
};

struct DatacenterConfig {
  std::vector<std::int64_t> inventory;  ///< devices per FleetTables type index
  DevicePower power;
  SimTime trace_interval = SimTime::hours(1);
  /// Trace intervals the run is expected to last: the series' bins are reserved for them
  /// (and an eighth more) at the start; 0 grows them as the run goes.
  std::size_t expected_intervals = 0;
  units::Seconds device_mtbf;  ///< 0: no failures
  SimTime restart;             ///< delay after a failure before computing again
  /// Where completions are reported, and with which delay (the scheduler's epoch);
  /// no reports when `scheduler` is kNoScheduler.
  engine::LpId scheduler = kNoScheduler;
  SimTime report_delay;
  /// Jobs with FleetJob::pause_above pause at checkpoints (carbon-aware scheduling).
  bool pause_at_checkpoints = false;
  /// The scheduler's forecast, when it has errors: pauses then decide from its hourly
  /// forecast intensity. Null: the region's own series is the (perfect) forecast.
  const CarbonForecast* forecast = nullptr;
  /// The facility's power cap and the envelope starts were planned against: a job that
  /// runs past its planned run is checked again before each stretch of compute, and waits
  /// (held, idle) while the stretch would break the cap.
  std::optional<units::Watts> power_cap;
  const FacilityEnvelope* envelope = nullptr;
  /// The services' devices here at full draw, which the cap keeps room for (DatacenterView).
  units::Watts services_full;
  /// How often a job held back by the cap looks again, at the latest.
  SimTime cap_retry = SimTime::minutes(5);
  /// The services placed here.
  std::vector<ServiceLoad> loads;
  /// Their parked devices that jobs may borrow (at most one lender per load).
  std::vector<Lender> lenders;
  /// A store of every job's outcome by job id, shared by the run's datacenters, each
  /// writing only the jobs it starts (a job runs in one datacenter): no gathering, and no
  /// second copy, after the run. An entry's `job` is its id once the job has started.
  /// Empty: the datacenter keeps its own, in the order its jobs started (outcomes()).
  std::span<JobOutcome> outcomes;
  /// Also integrate the facility's energy and location-based emissions per hour from time 0
  /// (for the supply accounting, models/grid/supply.hpp).
  bool hourly = false;
  /// The grid and the weather are followed no further than this when nothing else ends
  /// the run here (no scheduler, no jobs of its own): the run's span. Without it such a
  /// datacenter would follow a repeating series to the end of time.
  SimTime follow_until = SimTime::max();
  /// Water (both or neither): on site for cooling, and the grid's water per kWh (off site).
  std::shared_ptr<const OnsiteWater> onsite_water;
  std::shared_ptr<const GridWater> grid_water;
  static constexpr engine::LpId kNoScheduler = 0xffffffffU;
};

/// What a datacenter integrates per trace interval; its series are derived from these.
enum class TraceIntegrand : std::uint8_t {
  kItPower,
  kFacilityPower,
  kCoolingPower,
  kOverheadPower,
  kIntensityLocation,  ///< g/J
  kIntensityMarket,
  kEmissionsLocation,  ///< facility power x intensity, g/s
  kEmissionsMarket,
  kBusyDevices,
  kOutdoorTemperature,  ///< degrees Celsius; only with weather
  kWaterOnsite,         ///< L/s; only with water
  kWaterOffsite,
  kCount
};
inline constexpr std::size_t kTraceIntegrandCount =
    static_cast<std::size_t>(TraceIntegrand::kCount);

/// Whether integrand `i` has a series: the outdoor temperature only with weather, the
/// water ones only with water (their series are NaN otherwise, and no bins are kept).
[[nodiscard]] constexpr bool has_series(TraceIntegrand i, bool weather, bool water) {
  switch (i) {
    case TraceIntegrand::kOutdoorTemperature:
      return weather;
    case TraceIntegrand::kWaterOnsite:
    case TraceIntegrand::kWaterOffsite:
      return water;
    default:
      return true;
  }
}

/// A datacenter's trace: each integrand's integral over each trace interval, from which
/// each series of schema::kDatacenterSeries (`kTime` is the interval's start, the units
/// are the schema's) is derived when asked for, one at a time: a long trace of many
/// datacenters is held once, not once per series.
class DatacenterTrace {
 public:
  using Bins = std::array<std::vector<double>, kTraceIntegrandCount>;
  DatacenterTrace() = default;
  /// `bins`: per integrand, one integral per interval (value x seconds), all of one
  /// length; `interval_s`: the interval's width; `weather`, `water`: whether the
  /// temperature and the water series are defined (NaN otherwise; their bins may then be
  /// empty).
  DatacenterTrace(Bins bins, double interval_s, bool weather, bool water);

  [[nodiscard]] std::size_t intervals() const { return bins_[0].size(); }
  /// Series `s` in interval `k`.
  [[nodiscard]] double value(schema::Series s, std::size_t k) const;
  /// Series `s` over every interval.
  [[nodiscard]] std::vector<double> operator[](schema::Series s) const;

 private:
  [[nodiscard]] double bin(TraceIntegrand i, std::size_t k) const {
    return bins_[static_cast<std::size_t>(i)][k];
  }
  Bins bins_;
  double interval_s_ = 1;
  bool weather_ = false;
  bool water_ = false;
};

struct DatacenterSummary {
  units::Watts peak_facility_power;  ///< instantaneous maximum
  units::Joules it_energy;
  units::Joules energy;
  units::Grams emissions_location;
  units::Grams emissions_market;
  units::Grams embodied;  ///< amortised over the run for the whole inventory
  std::optional<units::Watts> power_cap;
  units::Seconds cap_exceeded;     ///< time the facility drew more than its cap
  double cap_paused_device_s = 0;  ///< devices x time of jobs waiting for the cap here
  /// Devices x time of jobs that had devices to start but were held back by the cap (from
  /// the scheduler; 0 without one).
  double cap_held_device_s = 0;
  /// With water: on site and off site.
  units::Litres water_onsite;
  units::Litres water_offsite;
};

class DatacenterLp final : public engine::Process<FleetMsg> {
 public:
  DatacenterLp(std::uint32_t index, const FleetTables* tables, DatacenterConfig config,
               std::shared_ptr<const CoolingModel> cooling,
               std::shared_ptr<const CarbonSignal> carbon, std::vector<std::uint32_t> fixed_jobs);

  void on_start(engine::Context<FleetMsg>& ctx) override;
  void on_event(engine::Context<FleetMsg>& ctx, const engine::Event<FleetMsg>& e) override;
  void prefetch(const engine::Event<FleetMsg>& next) const override;
  void on_stop(engine::Context<FleetMsg>& ctx) override;

  /// The outcomes of its jobs in the order they started (empty with DatacenterConfig::outcomes).
  [[nodiscard]] const std::vector<JobOutcome>& outcomes() const { return outcomes_; }
  /// The trace over `intervals` trace intervals, copied (the datacenter keeps its own).
  [[nodiscard]] DatacenterTrace trace(std::size_t intervals) const;
  /// The same, taken over once the run has stopped: summary() must come first, trace()
  /// and summary() are empty after.
  [[nodiscard]] DatacenterTrace take_trace(std::size_t intervals);
  [[nodiscard]] DatacenterSummary summary() const;
  /// Each load's attribution, in config order, over `intervals` trace intervals.
  [[nodiscard]] std::vector<LoadOutcome> load_outcomes(std::size_t intervals) const;
  /// With DatacenterConfig::hourly: the facility's energy (J) and location-based emissions
  /// (g) in each of the first `hours` hours.
  struct Hourly {
    std::vector<double> energy_j;
    std::vector<double> emissions_location_g;
  };
  [[nodiscard]] Hourly hourly(std::size_t hours) const;

 private:
  enum class Phase : std::uint8_t { kCompute, kCheckpoint, kRestart, kPause, kCapPause };
  struct Slot {
    std::uint32_t job = 0;
    std::uint32_t gen = 0;
    bool active = false;
    Phase phase = Phase::kCompute;
    std::int64_t step = 0;       ///< steps completed
    std::int64_t ckpt_step = 0;  ///< steps completed at the last checkpoint
    SimTime phase_start;         ///< when the current phase began
    SimTime next_failure = SimTime::max();
    SimTime pause_budget;   ///< slack not yet used (by waiting to start or by pauses)
    SimTime plan_end;       ///< start + planned runtime: the cap was planned up to here
    units::Watts full;      ///< the job's draw while computing
    units::Watts it_power;  ///< the job's IT power in its current phase
    double c_ratio0 = 0;    ///< running integrals at the current power's start
    double c_loc0 = 0;
    double c_mkt0 = 0;
    double c_won0 = 0;
    double c_woff0 = 0;
    SimTime power_since;
    engine::RandomStream failures;
    std::size_t outcome = 0;    ///< index into outcomes_, or the job (cfg_.outcomes)
    std::int64_t borrowed = 0;  ///< of its devices, lent by services
    SimTime run_start;          ///< when it started or last resumed
    // The job and its outcome so far, copied in while it runs: a step touches the slot
    // only, not the run's job table and outcome store (hundreds of MB at ten times the
    // fleet year, one cache miss or more per event). The outcome goes back to the store
    // when the job ends, is preempted or the run stops.
    FleetJob spec;
    JobOutcome out;
  };
  /// A preempted job, waiting to resume from its last checkpoint.
  struct Suspended {
    std::size_t outcome = 0;
    std::int64_t ckpt_step = 0;
    SimTime pause_budget;
    engine::RandomStream failures;
  };

  /// Starts `job` (or resumes it after a preemption), `borrowed` of its devices lent.
  void start_job(engine::Context<FleetMsg>& ctx, std::uint32_t job, std::int64_t borrowed);
  /// A service takes back the devices `job` borrowed: it stops and keeps its last checkpoint.
  void preempt(engine::Context<FleetMsg>& ctx, std::uint32_t job);
  /// The work since the last checkpoint is lost (counted; a pause or a wait for the cap
  /// ends): after a failure or a preemption.
  void roll_back(Slot& s, SimTime now);
  /// Counts the devices a slot held since it started (or resumed) up to `now`.
  void close_run(Slot& s, SimTime now);
  /// Lender l's parked devices take the value of entry k of its schedule.
  void on_lend(engine::Context<FleetMsg>& ctx, std::uint32_t l, std::size_t k);
  /// Borrowed devices are assigned to lenders in order, each up to what it has parked.
  void reassign(SimTime now);
  void set_power(Slot& s, units::Watts p, SimTime now);
  void arm(engine::Context<FleetMsg>& ctx, std::uint32_t slot, SimTime phase_end);
  void begin_compute(engine::Context<FleetMsg>& ctx, std::uint32_t slot);
  /// Before a stretch of compute that runs past the job's plan: whether the cap holds over
  /// it with every other held job at full draw (those waiting for the cap at idle).
  [[nodiscard]] bool cap_allows(const Slot& s, SimTime now) const;
  void finish(engine::Context<FleetMsg>& ctx, std::uint32_t slot);
  void on_timer(engine::Context<FleetMsg>& ctx, std::uint32_t slot, FleetMsg::Kind kind);
  /// At the end of a checkpoint: pauses the job if the grid is above its threshold and
  /// falls to it within the slack left; returns whether it paused.
  bool maybe_pause(engine::Context<FleetMsg>& ctx, std::uint32_t slot);
  /// Counts a pause that ends now (resumed, or cut short by a failure or the run's end).
  void end_pause(Slot& s, SimTime now);
  /// Counts a wait for the power cap that ends now.
  void end_cap_pause(Slot& s, SimTime now);
  [[nodiscard]] SimTime boundary(const FleetJob& j, std::int64_t step) const;
  /// The value of series `s` in interval k (of width `w` seconds), from the integrals.
  void integrate(SimTime now);
  void refresh(SimTime now);
  /// Whether trace integrand i is kept: the water ones only with `water`, the outdoor
  /// temperature only with weather (the others' series are NaN: no bins are held).
  [[nodiscard]] bool traced(std::size_t i) const;
  [[nodiscard]] SimTime next_signal(SimTime t) const;

  std::uint32_t index_;
  const FleetTables* tables_;
  DatacenterConfig cfg_;
  std::shared_ptr<const CoolingModel> cooling_;
  std::shared_ptr<const CarbonSignal> carbon_;
  std::vector<std::uint32_t> fixed_jobs_;

  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::vector<JobOutcome> outcomes_;  ///< without cfg_.outcomes
  [[nodiscard]] JobOutcome& outcome(std::size_t i) {
    return cfg_.outcomes.empty() ? outcomes_[i] : cfg_.outcomes[i];
  }
  std::vector<std::int64_t> busy_;  ///< per type
  std::int64_t busy_total_ = 0;
  units::Watts jobs_power_;  ///< sum of active slots' IT power
  units::Watts full_power_;  ///< sum of active slots' full draw, except those waiting for the cap
  units::Watts cap_waiting_idle_;  ///< held-idle draw of the jobs waiting for the cap
  bool over_cap_ = false;
  SimTime over_since_;
  SimTime cap_exceeded_;
  double cap_paused_device_s_ = 0;
  Intensities intensity_;
  units::Watts peak_facility_;
  units::CarbonRate embodied_rate_;  ///< whole inventory

  engine::PiecewiseIntegral c_ratio_;  ///< facility power per IT watt while loaded
  engine::PiecewiseIntegral c_loc_;    ///< ratio x location intensity (g/J)
  engine::PiecewiseIntegral c_mkt_;
  engine::PiecewiseIntegral c_won_;   ///< on-site water per IT watt (L/J) while loaded
  engine::PiecewiseIntegral c_woff_;  ///< ratio x grid water intensity (L/J)
  units::WaterIntensity grid_water_now_;
  using Integrand = TraceIntegrand;
  [[nodiscard]] engine::BinnedIntegral& binned(Integrand i) {
    return binned_[static_cast<std::size_t>(i)];
  }
  [[nodiscard]] const engine::BinnedIntegral& binned(Integrand i) const {
    return binned_[static_cast<std::size_t>(i)];
  }
  std::vector<engine::BinnedIntegral> binned_;  ///< by Integrand
  /// Per load: its IT power now, and its binned IT power, facility power and emissions.
  std::vector<double> load_watts_;
  std::vector<std::array<engine::BinnedIntegral, 4>> load_binned_;
  std::size_t loads_active_ = 0;
  /// Lending: borrowed devices per type; per lender its parked and lent devices; per load
  /// the parked draw of its lent devices (binned too); lent device-seconds per lender.
  std::vector<std::int64_t> borrowed_;
  std::vector<std::int64_t> lender_parked_;
  std::vector<std::int64_t> lender_lent_;
  std::vector<double> lender_device_s_;
  std::vector<double> load_lent_w_;
  std::vector<engine::BinnedIntegral> load_lent_binned_;
  /// With cfg_.hourly: facility power and location-based emission rate, binned by hour.
  std::vector<engine::BinnedIntegral> hourly_;
  SimTime lent_since_;
  std::vector<std::int64_t> scratch_;
  std::unordered_map<std::uint32_t, Suspended> suspended_;
  void on_load(engine::Context<FleetMsg>& ctx, std::uint32_t load, std::uint32_t bin);
  bool has_weather_ = false;
  bool changed_ = false;   ///< this event changed a power or a rate
  bool shutdown_ = false;  ///< no job will come any more
  std::size_t finished_ = 0;
};

}  // namespace footprint::models
