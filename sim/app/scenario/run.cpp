#include "sim/app/scenario/run.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <thread>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <fmt/format.h>

#include "models/cooling/cooling.hpp"
#include "models/fleet/forecast.hpp"
#include "models/grid/carbon.hpp"
#include "models/grid/series_carbon.hpp"
#include "models/workloads/step_sim.hpp"
#include "sim/app/scenario/plan.hpp"
#include "sim/app/scenario/world.hpp"
#include "sim/engine/random.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"

namespace footprint::scenario {

using engine::SimTime;

std::vector<std::shared_ptr<const models::Fabric>> build_fabrics(const Scenario& sc, std::size_t d,
                                                                 const models::FleetTables& t) {
  const auto& spec = sc.datacenters[d];
  std::vector<std::shared_ptr<const models::Fabric>> out(t.types.size());
  if (spec.topology.kind.empty()) {
    return out;
  }
  Diagnostics diag(sc.source.string());
  const auto path = fmt::format("datacenters[{}].topology", d);
  for (std::size_t k = 0; k < t.types.size(); ++k) {
    const auto n = inventory_of(spec, t.types[k].name);
    if (n == 0) {
      continue;
    }
    try {
      if (spec.topology.kind == "fat-tree") {
        models::FatTreeSpec f;
        f.accelerators = n;
        if (spec.topology.pod_size > 0) {
          f.pod_size = spec.topology.pod_size;
        }
        out[k] = std::make_shared<const models::Fabric>(models::Fabric::fat_tree(f));
      } else {
        // A torus of 4 x 4 x 4 cubes: 4 x 4 x (n / 16) chips.
        constexpr std::int64_t kCube = 64;
        constexpr std::int64_t kFace = 16;
        if (n % kCube != 0) {
          diag.error(path, fmt::format("a torus holds whole 4x4x4 cubes of 64 chips; {} {} is "
                                       "not a multiple of 64",
                                       n, t.types[k].name));
          continue;
        }
        models::TorusSpec ts;
        ts.z = n / kFace;
        out[k] = std::make_shared<const models::Fabric>(models::Fabric::torus3d(ts));
      }
    } catch (const std::invalid_argument& e) {
      diag.error(path, fmt::format("{} {}: {}", n, t.types[k].name, e.what()));
    }
  }
  diag.throw_if_any();
  return out;
}

namespace {

/// A oneTBB arena of the run's threads (RunConfig::threads; 0: all cores).
tbb::task_arena run_arena(const RunConfig& config) {
  const unsigned threads =
      config.threads != 0 ? config.threads : std::max(1U, std::thread::hardware_concurrency());
  return tbb::task_arena(static_cast<int>(threads));
}

}  // namespace

namespace {

Totals totals_of(const RunResult& r) {
  Totals t;
  double wait = 0;
  std::int64_t started = 0;
  for (std::size_t j = 0; j < r.jobs.size(); ++j) {
    if (r.started[j]) {
      wait += units::to_seconds(r.jobs[j].start) - r.tables->jobs[j].submit.to_seconds();
      ++started;
    }
    t.jobs_finished += r.jobs[j].finished() ? 1 : 0;
    t.jobs_energy += r.jobs[j].energy;
    t.jobs_emissions_location += r.jobs[j].emissions_location;
    t.jobs_emissions_market += r.jobs[j].emissions_market;
  }
  t.mean_wait =
      started > 0 ? units::seconds(wait / static_cast<double>(started)) : units::Seconds::zero();
  for (const auto& s : r.summaries) {
    t.it_energy += s.it_energy;
    t.energy += s.energy;
    t.emissions_location += s.emissions_location;
    t.emissions_market += s.emissions_market;
  }
  return t;
}

/// `run` against `base`, the same jobs under the baseline's settings `baseline`.
Comparison compare_with(const RunResult& run, const RunResult& base,
                        const models::SchedulerConfig& baseline) {
  Comparison c;
  c.baseline = baseline;
  c.totals = base.totals;
  units::Seconds delay;
  for (std::size_t j = 0; j < run.jobs.size(); ++j) {
    const auto& a = run.jobs[j];
    const auto& b = base.jobs[j];
    if (a.finished() && b.finished()) {
      c.matched_location += a.emissions_location;
      c.matched_market += a.emissions_market;
      c.matched_baseline_location += b.emissions_location;
      c.matched_baseline_market += b.emissions_market;
      delay += a.start - b.start;
      ++c.jobs_compared;
    }
  }
  if (c.jobs_compared > 0) {
    c.delay = delay / static_cast<double>(c.jobs_compared);
  }
  return c;
}

RunResult run_once(const Scenario& sc, const RunConfig& config,
                   std::shared_ptr<const models::FleetTables> tables,
                   std::vector<std::string> names) {
  RunResult res;
  res.seed = config.seed.value_or(sc.seed);
  res.tables = tables;
  res.job_names = std::move(names);
  const SimTime interval = to_sim(sc.trace_interval);
  res.interval = units::seconds(interval.to_seconds());
  const auto& jobs = tables->jobs;

  std::vector<std::uint32_t> scheduled;
  std::vector<std::vector<std::uint32_t>> fixed(sc.datacenters.size());
  std::vector<std::uint32_t> fixed_all;
  SimTime forecast_end = SimTime::days(1);
  for (std::uint32_t j = 0; j < jobs.size(); ++j) {
    const auto& f = jobs[j];
    if (f.fixed_start != SimTime::max()) {
      fixed[tables->candidates[f.first_candidate]].push_back(j);
      fixed_all.push_back(j);
    } else {
      scheduled.push_back(j);
    }
    forecast_end = std::max(forecast_end, f.submit + f.slack + f.duration + SimTime::days(1));
  }
  std::stable_sort(scheduled.begin(), scheduled.end(), [&](std::uint32_t a, std::uint32_t b) {
    return jobs[a].submit < jobs[b].submit;
  });
  const bool with_scheduler = !scheduled.empty();
  models::SchedulerConfig scfg = config.scheduler.value_or(sc.scheduler);
  scfg.seed = res.seed;
  scfg.horizon = sc.horizon ? std::max(forecast_end, to_sim(*sc.horizon)) : forecast_end;

  const SimTime horizon = sc.horizon ? to_sim(*sc.horizon) : forecast_end;
  World world = build_world(sc, horizon, res.warnings);
  res.inputs = world.files;
  res.inputs.insert(res.inputs.end(), sc.inputs.begin(), sc.inputs.end());
  std::unique_ptr<models::CarbonForecast> forecast;  // outlives `sim`: declared before it
  engine::Simulation<models::FleetMsg> sim(
      {.seed = res.seed, .lookahead = with_scheduler ? scfg.epoch : SimTime::max()});
  const engine::LpId first_dc = with_scheduler ? 1 : 0;
  std::vector<models::DatacenterView> views;
  std::vector<const models::DatacenterLp*> dcs;
  models::SchedulerLp* scheduler = nullptr;
  if (with_scheduler) {
    for (std::size_t d = 0; d < sc.datacenters.size(); ++d) {
      const auto& spec = sc.datacenters[d];
      models::DatacenterView v;
      v.lp = first_dc + static_cast<engine::LpId>(d);
      for (const auto& type : tables->types) {
        v.inventory.push_back(inventory_of(spec, type.name));
      }
      v.power_cap = spec.power_cap;
      v.cooling = world.cooling[d].get();
      v.carbon = world.carbon[spec.region].get();
      v.power = spec.power;
      v.fabrics = build_fabrics(sc, d, *tables);
      views.push_back(std::move(v));
    }
    scheduler = &sim.emplace<models::SchedulerLp>(tables.get(), views, scfg, scheduled, fixed_all);
    if (scfg.policy == models::Policy::kCarbonAware) {
      forecast = std::make_unique<models::CarbonForecast>(tables.get(), views, scfg.horizon,
                                                          scfg.forecast_error, res.seed);
      // The plans are independent per job: computed in parallel, in this run's threads.
      tbb::task_arena arena = run_arena(config);
      std::vector<models::CarbonPlan> plans;
      arena.execute([&] {
        plans = models::plan_carbon_aware(*forecast, *tables, scfg.epoch, scfg.tolerance);
      });
      scheduler->set_carbon_plans(forecast.get(), std::move(plans));
    }
  }
  std::vector<double> weights;
  if (with_scheduler) {
    weights.push_back(1.0);
  }
  for (std::size_t d = 0; d < sc.datacenters.size(); ++d) {
    const auto& spec = sc.datacenters[d];
    models::DatacenterConfig cfg;
    double devices = 0;
    for (const auto& type : tables->types) {
      cfg.inventory.push_back(inventory_of(spec, type.name));
      devices += static_cast<double>(cfg.inventory.back());
    }
    cfg.power = spec.power;
    cfg.trace_interval = interval;
    cfg.device_mtbf = sc.failures.device_mtbf;
    cfg.restart = to_sim(sc.failures.restart);
    if (with_scheduler) {
      cfg.scheduler = 0;
      cfg.report_delay = scfg.epoch;
    }
    cfg.pause_at_checkpoints = scfg.policy == models::Policy::kCarbonAware;
    if (forecast && scfg.forecast_error > 0) {
      cfg.forecast = forecast.get();  // pauses see the same forecast errors as start times
    }
    // Cooling models and carbon signals are shared, read only, with the scheduler.
    dcs.push_back(&sim.emplace<models::DatacenterLp>(static_cast<std::uint32_t>(d), tables.get(),
                                                     std::move(cfg), world.cooling[d],
                                                     world.carbon[spec.region], fixed[d]));
    weights.push_back(1.0 + devices);
  }
  sim.set_weights(std::move(weights));

  engine::RunOptions ro;
  ro.threads = config.threads;
  if (sc.horizon) {
    ro.until = to_sim(*sc.horizon);
  }
  double expected_end = 0;
  for (const auto& f : jobs) {
    expected_end = std::max(expected_end, (f.submit + f.duration).to_seconds());
  }
  if (sc.horizon) {
    expected_end = units::to_seconds(*sc.horizon);
  }
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
  res.horizon = static_cast<double>(res.intervals) * res.interval;
  res.jobs.resize(jobs.size());
  res.started.assign(jobs.size(), false);
  res.datacenters.resize(dcs.size());
  res.summaries.resize(dcs.size());
  // Each datacenter's results are its own, and each job ran in one datacenter: gathered
  // in parallel, in this run's threads.
  tbb::task_arena gather = run_arena(config);
  gather.execute([&] {
    tbb::parallel_for(std::size_t{0}, dcs.size(), [&](std::size_t d) {
      for (const auto& o : dcs[d]->outcomes()) {
        res.jobs[o.job] = o;
      }
      res.datacenters[d] = dcs[d]->trace(res.intervals);
      res.summaries[d] = dcs[d]->summary();
    });
  });
  for (const auto* dc : dcs) {
    for (const auto& o : dc->outcomes()) {
      res.started[o.job] = true;
    }
  }
  if (scheduler) {
    res.dispatches = scheduler->dispatches();
  } else {
    res.dispatches.resize(jobs.size());
  }
  res.totals = totals_of(res);
  return res;
}

RunResult run_with_comparison(const Scenario& scenario, const RunConfig& config) {
  const auto seed = config.seed.value_or(scenario.seed);
  // Jobs whose throughput is predicted run their steps first, one by one on the engine
  // (stragglers, expert imbalance): their plans then come from the simulated steps.
  std::optional<Scenario> simulated;
  std::vector<std::pair<std::size_t, models::PredictedTraining>> predicted;
  for (std::size_t j = 0; j < scenario.jobs.size(); ++j) {
    const auto& job = scenario.jobs[j];
    if (!job.predicted) {
      continue;
    }
    if (!simulated) {
      simulated = scenario;
    }
    auto& p = *simulated->jobs[j].predicted;
    models::StepSimConfig c;
    c.phases = p.phases;
    c.steps = models::predicted_steps(job);
    c.devices = job.devices;
    c.idle_power = scenario.accelerators.find(job.accelerator)->idle;
    c.straggler_mean = p.straggler_mean;
    if (p.model.experts > 0) {
      c.experts = p.model.experts;
      c.top_k = p.model.top_k;
      c.tokens_per_step = p.tokens_per_step;
      c.capacity_factor = p.model.capacity_factor;
      c.routing_skew = p.routing_skew;
    }
    constexpr std::uint64_t kStepStream = 0x53544550;  // "STEP"
    c.seed = engine::RandomStream(seed, kStepStream, j).next();
    c.threads = config.threads;
    p.simulated = models::simulate_steps(c);
    predicted.emplace_back(j, p);
  }
  const Scenario& sc = simulated ? *simulated : scenario;
  std::vector<std::string> names;
  std::shared_ptr<const models::FleetTables> tables;
  tbb::task_arena arena = run_arena(config);
  arena.execute([&] { tables = build_fleet(sc, seed, names); });
  auto res = run_once(sc, config, tables, names);
  res.predicted = std::move(predicted);
  if (sc.baseline) {
    RunConfig baseline = config;
    baseline.scheduler = sc.baseline;
    baseline.progress = nullptr;
    const auto base =
        run_once(sc, baseline, tables, std::vector<std::string>(res.job_names.size()));
    res.comparison = compare_with(res, base, *sc.baseline);
  }
  return res;
}

}  // namespace

double saved_fraction(units::Grams saved, units::Grams baseline) {
  return baseline > units::Grams::zero() ? saved / baseline
                                         : std::numeric_limits<double>::quiet_NaN();
}

RunResult run_scenario(const Scenario& scenario, const RunConfig& config) {
  try {
    return run_with_comparison(scenario, config);
  } catch (const models::SeriesRangeError& e) {
    // Checked before the run against the planned end; jobs that waited longer than
    // planned can still take the run past a series that does not repeat.
    throw InputError(Diagnostic{
        .message = fmt::format("{}: the run went past the end of the series (jobs waited "
                               "longer than planned); give the region's series repeat: yearly, "
                               "a longer series, or a horizon the series covers; nothing was "
                               "written",
                               e.what())});
  }
}

CheckResult check_scenario(const Scenario& sc) {
  CheckResult out;
  std::vector<std::string> names;
  const auto fleet = build_fleet(sc, sc.seed, names);
  // The same horizon a run checks its series against.
  auto horizon = engine::SimTime::days(1);
  for (const auto& f : fleet->jobs) {
    horizon = std::max(horizon, f.submit + f.slack + f.duration + engine::SimTime::days(1));
  }
  if (sc.horizon) {
    horizon = engine::SimTime::from_seconds(units::to_seconds(*sc.horizon));
  }
  build_world(sc, horizon, out.warnings);
  for (std::size_t d = 0; d < sc.datacenters.size(); ++d) {
    build_fabrics(sc, d, *fleet);
  }
  out.jobs = fleet->jobs.size();
  return out;
}

}  // namespace footprint::scenario
