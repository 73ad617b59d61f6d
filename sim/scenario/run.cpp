#include "sim/scenario/run.hpp"

#include <algorithm>
#include <cmath>

#include "models/cooling/cooling.hpp"
#include "models/grid/carbon.hpp"

namespace footprint::scenario {

using engine::SimTime;

RunResult run_scenario(const Scenario& sc, const RunConfig& config) {
  RunResult res;
  res.seed = config.seed.value_or(sc.seed);
  const SimTime interval = SimTime::from_seconds(units::to_seconds(sc.trace_interval));
  res.interval_s = interval.to_seconds();

  // Datacenters never message each other here, so the lookahead is unbounded and each
  // datacenter runs in parallel with the others.
  engine::Simulation<models::FleetMsg> sim({.seed = res.seed, .lookahead = SimTime::max()});
  std::vector<const models::DatacenterLp*> dcs;
  double expected_end = 0;
  for (std::size_t d = 0; d < sc.datacenters.size(); ++d) {
    const auto& spec = sc.datacenters[d];
    std::vector<models::JobRun> runs;
    for (std::size_t j = 0; j < sc.jobs.size(); ++j) {
      const auto& job = sc.jobs[j];
      if (job.datacenter != d) {
        continue;
      }
      models::JobRun r;
      r.scenario_index = j;
      r.devices = job.devices;
      r.plan = models::plan_training(job, *sc.accelerators.find(job.accelerator));
      r.start = SimTime::from_seconds(units::to_seconds(job.start));
      expected_end = std::max(expected_end, units::to_seconds(job.start + r.plan.duration));
      runs.push_back(std::move(r));
    }
    const auto& region = sc.regions[spec.region];
    dcs.push_back(&sim.emplace<models::DatacenterLp>(
        std::make_unique<models::ConstantPue>(spec.pue),
        std::make_unique<models::ConstantCarbon>(
            models::Intensities{region.intensity, region.market_intensity}),
        interval, std::move(runs)));
  }

  engine::RunOptions ro;
  ro.threads = config.threads;
  if (config.progress && expected_end > 0) {
    ro.progress = [&](SimTime now, const engine::RunStats& /*stats*/) {
      config.progress(std::min(1.0, now.to_seconds() / expected_end));
    };
  }
  res.stats = sim.run(ro);
  if (config.progress) {
    config.progress(1.0);
  }

  const auto w = interval.count();
  const auto stop = sim.now().count();
  res.intervals = static_cast<std::size_t>((stop + w - 1) / w);
  res.horizon_s = static_cast<double>(res.intervals) * res.interval_s;
  res.jobs.resize(sc.jobs.size());
  for (const auto* dc : dcs) {
    for (const auto& o : dc->outcomes()) {
      res.jobs[o.scenario_index] = o;
    }
    res.datacenters.push_back(dc->trace(res.intervals));
  }
  return res;
}

}  // namespace footprint::scenario
