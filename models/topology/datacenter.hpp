// A datacenter as a logical process: it runs its jobs step by step, sums their IT power,
// applies its cooling model's PUE and its region's carbon intensity, and integrates
// energy and emissions exactly between events, both per job and per trace interval.
//
// Facility overhead is attributed to jobs in proportion to their IT power, so a job's
// facility energy is the integral of its IT power x PUE(t), and its emissions the integral
// of that x intensity(t). The datacenter keeps the running integrals of PUE(t) and
// PUE(t) x intensity(t); a job whose power is constant over a phase takes the difference
// of those integrals between the phase's ends: exact, and O(1) per job whatever the number
// of jobs running.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/cooling/cooling.hpp"
#include "models/grid/carbon.hpp"
#include "models/workloads/training.hpp"
#include "sim/engine/integrator.hpp"
#include "sim/engine/simulation.hpp"

namespace footprint::models {

struct FleetMsg {
  enum class Kind : std::uint8_t { kJobStart, kStepEnd, kSignal };
  Kind kind = Kind::kSignal;
  std::uint32_t job = 0;  ///< index into the datacenter's jobs
};

/// A job as the datacenter runs it.
struct JobRun {
  std::size_t scenario_index = 0;  ///< index of the job in the scenario
  std::int64_t devices = 0;
  TrainingPlan plan;
  engine::SimTime start;
};

/// What a job did.
struct JobOutcome {
  std::size_t scenario_index = 0;
  double start_s = 0;
  double end_s = 0;
  std::int64_t steps = 0;
  double device_hours = 0;
  double flops = 0;
  double it_energy_j = 0;
  double energy_j = 0;  ///< facility energy: IT x PUE
  double emissions_location_g = 0;
  double emissions_market_g = 0;
};

/// One value per trace interval; `time_s` is the interval's start.
struct DatacenterTrace {
  std::vector<double> time_s;
  std::vector<double> it_energy_j;
  std::vector<double> facility_energy_j;
  std::vector<double> it_power_w;        ///< mean over the interval
  std::vector<double> facility_power_w;  ///< mean over the interval
  std::vector<double> pue;               ///< facility / IT energy; NaN when no IT energy
  std::vector<double> intensity_location_g_per_kwh;  ///< time-mean
  std::vector<double> intensity_market_g_per_kwh;    ///< time-mean
  std::vector<double> emissions_location_g;
  std::vector<double> emissions_market_g;
};

class DatacenterLp final : public engine::Process<FleetMsg> {
 public:
  DatacenterLp(std::unique_ptr<CoolingModel> cooling, std::unique_ptr<CarbonSignal> carbon,
               engine::SimTime trace_interval, std::vector<JobRun> jobs);

  void on_start(engine::Context<FleetMsg>& ctx) override;
  void on_event(engine::Context<FleetMsg>& ctx, const engine::Event<FleetMsg>& e) override;
  void on_stop(engine::Context<FleetMsg>& ctx) override;

  [[nodiscard]] const std::vector<JobOutcome>& outcomes() const { return outcomes_; }
  /// The trace over `intervals` intervals (after the run).
  [[nodiscard]] DatacenterTrace trace(std::size_t intervals) const;

 private:
  struct Running {
    bool active = false;
    std::int64_t steps_done = 0;
    engine::SimTime::rep duration_ticks = 0;
    units::Watts it_power;  ///< devices x power per device
    double c_pue0 = 0;      ///< cumulative integrals at the current phase's start
    double c_loc0 = 0;
    double c_mkt0 = 0;
    engine::SimTime phase_start;
  };

  void update(engine::SimTime now);
  void close_phase(std::size_t j, engine::SimTime now);
  [[nodiscard]] engine::SimTime step_end(std::size_t j, std::int64_t k) const;

  std::unique_ptr<CoolingModel> cooling_;
  std::unique_ptr<CarbonSignal> carbon_;
  engine::SimTime interval_;
  std::vector<JobRun> jobs_;
  std::vector<Running> run_;
  std::vector<JobOutcome> outcomes_;
  units::Watts it_power_;

  // Running integrals (value x seconds) for per-job attribution.
  engine::PiecewiseIntegral c_pue_;  ///< facility power per IT watt (the PUE while loaded)
  engine::PiecewiseIntegral c_loc_;  ///< PUE x location intensity, in g/J
  engine::PiecewiseIntegral c_mkt_;
  // Per-interval integrals for the trace.
  engine::BinnedIntegral b_it_;
  engine::BinnedIntegral b_fac_;
  engine::BinnedIntegral b_iloc_;  ///< intensity, in g/J
  engine::BinnedIntegral b_imkt_;
  engine::BinnedIntegral b_eloc_;  ///< emission rate, g/s
  engine::BinnedIntegral b_emkt_;
};

}  // namespace footprint::models
