// Running a scenario: builds the fleet tables and the engine's Simulation from the
// scenario's models (a scheduler LP when jobs are scheduled, one LP per datacenter), runs
// it, and gathers per-job and per-datacenter results.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/cooling/design_peak.hpp"
#include "models/fleet/datacenter.hpp"
#include "models/fleet/fleet.hpp"
#include "models/scheduling/scheduler.hpp"
#include "models/serving/service.hpp"
#include "models/topology/fabric.hpp"
#include "sim/app/scenario/plan.hpp"
#include "sim/app/scenario/scenario.hpp"
#include "sim/engine/stats.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace footprint::scenario {

struct RunConfig {
  unsigned threads = 0;               ///< 0: all cores
  std::optional<std::uint64_t> seed;  ///< overrides the scenario's seed
  /// Replaces the scenario's scheduler settings, all of them (a comparison's baseline run).
  std::optional<models::SchedulerConfig> scheduler;
  /// Called now and then with the fraction of simulated time done, in [0, 1].
  std::function<void(double)> progress;
};

struct Totals {
  /// Attributed to jobs (what a policy changes); the datacenter totals below also hold
  /// idle draw and overhead while nothing runs.
  units::Joules jobs_energy;
  units::Grams jobs_emissions_location;
  units::Grams jobs_emissions_market;
  units::Joules it_energy;
  units::Joules energy;
  units::Grams emissions_location;
  units::Grams emissions_market;
  units::Seconds mean_wait;  ///< over jobs that started
  std::int64_t jobs_finished = 0;
};

/// A run against its baseline (`scheduler.compare`): the same jobs (the same generated
/// draws) run a second time under the baseline's scheduler settings.
struct Comparison {
  models::SchedulerConfig baseline;  ///< the baseline's settings
  Totals totals;                     ///< the baseline run's, site and jobs
  /// The matched jobs: those that finished under both runs, so the same work.
  std::int64_t jobs_compared = 0;
  units::Grams matched_location;  ///< the matched jobs' emissions in this run
  units::Grams matched_market;
  units::Grams matched_baseline_location;  ///< the same jobs' emissions under the baseline
  units::Grams matched_baseline_market;
  /// Mean over the matched jobs of (start here - start under the baseline): positive,
  /// they started later here; 0 without matched jobs.
  units::Seconds delay;

  /// Baseline minus this run over the matched jobs (negative: this run emitted more).
  [[nodiscard]] units::Grams saved_location() const {
    return matched_baseline_location - matched_location;
  }
  [[nodiscard]] units::Grams saved_market() const {
    return matched_baseline_market - matched_market;
  }
};

/// `saved` as a fraction of `baseline`; NaN when the baseline emitted nothing.
double saved_fraction(units::Grams saved, units::Grams baseline);

/// A service's run (docs/serving.md): the simulated requests and series, and what its
/// datacenter attributed to its draw.
/// One datacenter of a service: what its replicas drew there was attributed by it.
struct ServiceSiteRun {
  std::size_t datacenter = 0;
  std::int64_t replicas = 0;  ///< with autoscaling, the most it may run
  std::int64_t reserve = 0;
  models::LoadOutcome facility;
};

struct ServiceRun {
  std::string name;
  std::size_t datacenter = 0;  ///< the first site's
  std::vector<ServiceSiteRun> sites;
  bool autoscaled = false;
  /// Its parked devices may be borrowed by jobs (autoscale.lend).
  bool lends = false;
  /// Devices x time lent to jobs, over every site (their share of the energy, emissions and
  /// embodied emissions is the jobs'; taken out of the service's figures after the run).
  double lent_device_s = 0;
  models::Fidelity fidelity = models::Fidelity::kIteration;
  std::int64_t prefill_replicas = 0;  ///< of `replicas`, the prefill pool (0: co-located)
  std::string accelerator;
  std::int64_t devices_per_replica = 0;
  std::int64_t replicas = 0;
  std::int64_t reserve = 0;
  std::int64_t rejected = 0;  ///< longer than the model's sequence
  models::TransformerCounts counts;
  double weight_bytes_per_device = 0;
  std::string borrowed_from;  ///< serving constants borrowed (empty: the chip's own)
  std::optional<double> slo_ttft_s;
  std::optional<double> slo_tpot_s;
  models::ServiceResult result;
  models::LatencySummary latency;
  /// Attributed by the datacenters (the sites' together): IT energy (equal to
  /// result.it_joules()), facility energy and emissions, in all and per trace interval.
  models::LoadOutcome facility;
  /// Amortised embodied emissions of the service's devices (replicas and reserve) over
  /// [0, result.end].
  units::Grams embodied;
  /// Indices into result.requests of the rows the trace keeps.
  std::vector<std::size_t> request_rows;
};

/// What a report says of a service: counts, throughput, energy at four boundaries (each
/// including the one before), latency and emissions (docs/serving.md, "Energy boundaries").
struct ServiceFigures {
  std::int64_t requests = 0;  ///< accepted
  std::int64_t rejected = 0;
  std::int64_t finished = 0;
  double prompt_tokens = 0;  ///< of the accepted requests
  double output_tokens = 0;  ///< generated
  /// Output tokens over the time from the first arrival to the last completion.
  double output_tokens_per_s = 0;
  /// Joules: the accelerators while in iterations; plus their hosts; plus idle and
  /// reserve replicas; plus the facility's cooling and overhead (attributed).
  std::array<double, 4> energy_j{};
  static constexpr std::array<const char*, 4> kBoundaries{"accelerators", "it", "it_with_reserve",
                                                          "facility"};
  double emissions_location_g = 0;
  double emissions_market_g = 0;
  double embodied_g = 0;
  double embodied_g_per_device_hour = 0;
};
ServiceFigures service_figures(const ServiceRun& s);

struct RunResult {
  std::uint64_t seed = 0;
  units::Seconds interval;
  std::size_t intervals = 0;
  units::Seconds horizon;  ///< intervals x interval
  std::shared_ptr<const models::FleetTables> tables;
  JobNames job_names;                                ///< by job id
  std::vector<models::JobOutcome> jobs;              ///< by job id (end_s 0: not finished)
  std::vector<bool> started;                         ///< by job id
  std::vector<models::Dispatch> dispatches;          ///< by job id (scheduled jobs)
  std::vector<models::DatacenterTrace> datacenters;  ///< in scenario order
  std::vector<models::DatacenterSummary> summaries;  ///< in scenario order
  /// Each datacenter's design peak, in scenario order: its facility power with every
  /// device of its inventory at full draw (TDP + host overhead) in the hour of the weather
  /// year (from the epoch) where that power is largest (docs/cooling.md, "Design peak").
  std::vector<models::DesignPeak> design_peaks;
  /// Per datacenter: how its water is counted ("on site: ...; off site: ..."), empty
  /// without `water`.
  std::vector<std::string> water;
  /// Per datacenter with a `supply`: its hourly accounting from time 0 (docs/grid.md,
  /// "Energy supply"), over `supply_hours` hours.
  std::vector<std::optional<models::SupplyResult>> supply;
  std::size_t supply_hours = 0;
  Totals totals;
  /// With `scheduler.compare`: the baseline's run and the figures compared with it (the
  /// site level: `totals` against `comparison->totals`).
  std::optional<Comparison> comparison;
  std::vector<std::string> warnings;  ///< repairs made to input data (interpolated gaps)
  /// Jobs whose throughput was predicted: (job id, their architecture, layout, expected
  /// phases and simulated steps).
  std::vector<std::pair<std::size_t, models::PredictedTraining>> predicted;
  /// Data files read: (name as the scenario gives it, resolved path).
  std::vector<std::pair<std::string, std::string>> inputs;
  std::vector<ServiceRun> services;  ///< in scenario order
  engine::RunStats stats;
};

/// The fabric of each accelerator type of datacenter `d` (null where it declares no
/// topology). Throws InputError for a topology its inventory cannot form.
std::vector<std::shared_ptr<const models::Fabric>> build_fabrics(const Scenario& sc, std::size_t d,
                                                                 const models::FleetTables& t);

/// What `footprint check` reports of a scenario that passed.
struct CheckResult {
  std::size_t jobs = 0;               ///< the scenario's, the trace's and the generated ones
  std::vector<std::string> warnings;  ///< repairs made to input data
};

/// Everything a run checks before it starts, without running: the jobs are built (the
/// generator's drawn), the data files read against the horizon, the fabrics formed.
/// Throws InputError listing the problems.
CheckResult check_scenario(const Scenario& sc);

RunResult run_scenario(const Scenario& sc, const RunConfig& config);

/// The span the run reads its data over without a horizon: up to the latest instant a job
/// can run in as planned (its latest start within its slack, on the scheduler's `epoch`
/// grid, plus its planned runtime); one day without jobs.
engine::SimTime run_span(const models::FleetTables& t, engine::SimTime epoch);

}  // namespace footprint::scenario
