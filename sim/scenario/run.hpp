// Running a scenario: builds the engine's Simulation from the scenario's models, runs
// it, and gathers the per-job and per-datacenter results.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "models/topology/datacenter.hpp"
#include "sim/engine/stats.hpp"
#include "sim/scenario/scenario.hpp"

namespace footprint::scenario {

struct RunConfig {
  unsigned threads = 0;               ///< 0: all cores
  std::optional<std::uint64_t> seed;  ///< overrides the scenario's seed
  /// Called now and then with the fraction of simulated time done, in [0, 1].
  std::function<void(double)> progress;
};

struct RunResult {
  std::uint64_t seed = 0;
  double interval_s = 0;
  std::size_t intervals = 0;
  double horizon_s = 0;                              ///< intervals x interval_s
  std::vector<models::JobOutcome> jobs;              ///< in scenario order
  std::vector<models::DatacenterTrace> datacenters;  ///< in scenario order
  engine::RunStats stats;
};

RunResult run_scenario(const Scenario& sc, const RunConfig& config);

}  // namespace footprint::scenario
