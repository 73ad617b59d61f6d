#include "sim/app/scenario/run.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <thread>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <fmt/format.h>

#include "models/cooling/cooling.hpp"
#include "models/fleet/envelope.hpp"
#include "models/fleet/forecast.hpp"
#include "models/grid/carbon.hpp"
#include "models/grid/series_carbon.hpp"
#include "models/workloads/load_profile.hpp"
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

SimTime::rep ceil_to(SimTime::rep t, SimTime::rep step) {
  return ((t + step - 1) / step) * step;
}

/// Each datacenter's facility at full draw: every device computing at its TDP with its
/// host, the reference load of its power-cap envelope.
units::Watts full_draw(const models::DevicePower& power, const std::vector<std::int64_t>& inventory,
                       const models::FleetTables& t) {
  units::Watts w = units::Watts::zero();
  for (std::size_t k = 0; k < t.types.size(); ++k) {
    w += power.running(t.types[k].tdp) * static_cast<double>(inventory[k]);
  }
  return w;
}

/// The services' devices in datacenter d at full draw (TDP with their hosts), replicas and
/// reserve: what a power cap keeps room for, since a service may scale up at any time.
units::Watts services_full_draw(const Scenario& sc, std::size_t d) {
  units::Watts w = units::Watts::zero();
  for (const auto& s : sc.services) {
    const auto* chip = sc.accelerators.find(s.accelerator);
    for (const auto& site : s.sites) {
      if (site.datacenter == d) {
        w += sc.datacenters[d].power.running(chip->tdp) *
             static_cast<double>((site.replicas + site.reserve) * s.serving.layout.devices());
      }
    }
  }
  return w;
}

/// Power caps that no schedule can keep: an idle floor above the cap, or a fixed-start job
/// that breaks it alone (with the rest idle) at some instant of its planned run, or a
/// scheduled job that breaks it alone at every instant. Throws InputError listing them.
void check_caps(const Scenario& sc, const models::FleetTables& t, const JobNames& names,
                const std::vector<std::unique_ptr<models::FacilityEnvelope>>& envelopes,
                SimTime horizon) {
  Diagnostics diag(sc.source.string());
  for (std::size_t d = 0; d < sc.datacenters.size(); ++d) {
    const auto& spec = sc.datacenters[d];
    if (!spec.power_cap || !envelopes[d]) {
      continue;
    }
    const auto& env = *envelopes[d];
    const double cap_mw = units::to_watts(*spec.power_cap) / 1e6;
    std::vector<std::int64_t> inventory;
    // The idle floor, with room kept for the services' devices at full draw.
    const auto services = services_full_draw(sc, d);
    units::Watts idle = services;
    for (const auto& type : t.types) {
      inventory.push_back(inventory_of(spec, type.name));
      if (spec.power.idle_draw) {
        idle += spec.power.idle(type) * static_cast<double>(inventory.back());
      }
    }
    const auto path = fmt::format("datacenters[{}].power_cap", d);
    const auto [line, column] = spec.power_cap_at;
    const auto idle_peak = env.peak(SimTime::zero(), horizon, idle);
    if (units::to_watts(idle_peak) > units::to_watts(*spec.power_cap)) {
      diag.error(line, column, path,
                 fmt::format("'{}' draws up to {:.4g} MW with every device idle (its idle "
                             "floor){}, above its cap of {:.4g} MW: no job could ever start",
                             spec.name, units::to_watts(idle_peak) / 1e6,
                             services > units::Watts::zero()
                                 ? fmt::format(" and its services' {:.4g} MW of devices at full "
                                               "draw (they may scale up at any time)",
                                               units::to_watts(services) / 1e6)
                                 : std::string(),
                             cap_mw));
      continue;
    }
    std::size_t reported = 0;
    constexpr std::size_t kMaxReported = 10;
    for (std::size_t j = 0; j < t.jobs.size(); ++j) {
      const auto& f = t.jobs[j];
      if (f.candidate_count != 1 || t.candidates[f.first_candidate] != d) {
        continue;
      }
      // Devices beyond the datacenter's own are borrowed from services (autoscale.lend):
      // they draw as the job's instead of as the services' devices at full draw.
      const auto borrowed = std::max<std::int64_t>(0, f.devices - inventory[f.type]);
      const auto job_w =
          (spec.power.running(f.compute_power) -
           (spec.power.idle_draw ? spec.power.idle(t.types[f.type]) : units::Watts::zero())) *
              static_cast<double>(f.devices - borrowed) +
          (spec.power.running(f.compute_power) - spec.power.running(t.types[f.type].tdp)) *
              static_cast<double>(borrowed);
      const bool fixed = f.fixed_start != SimTime::max();
      const auto peak =
          fixed ? env.peak(f.fixed_start, f.fixed_start + models::planned_runtime(f), idle + job_w)
                : env.floor(idle + job_w);
      if (units::to_watts(peak) <= units::to_watts(*spec.power_cap)) {
        continue;
      }
      if (reported++ < kMaxReported) {
        diag.error(
            line, column, path,
            fmt::format("job '{}' alone ({} {} from {}) draws {:.4g} MW {}, above the "
                        "cap of {:.4g} MW",
                        names[j], f.devices, t.types[f.type].name,
                        fixed ? "its fixed start" : "any start", units::to_watts(peak) / 1e6,
                        fixed ? "at the hottest instant of its run" : "at the coolest instant",
                        cap_mw));
      }
    }
    if (reported > kMaxReported) {
      diag.error(
          line, column, path,
          fmt::format("... and {} more jobs that break the cap alone", reported - kMaxReported));
    }
  }
  diag.throw_if_any();
}

}  // namespace

SimTime run_span(const models::FleetTables& t, SimTime epoch) {
  // The latest instant each job can run in as planned: its latest start (a fixed start, or
  // the last dispatch tick its slack allows plus the epoch) plus its planned runtime.
  if (t.jobs.empty()) {
    return SimTime::days(1);
  }
  const auto e = epoch.count();
  SimTime span = SimTime::zero();
  for (const auto& f : t.jobs) {
    SimTime start = f.fixed_start;
    if (start == SimTime::max()) {
      const auto first = ceil_to(f.submit.count(), e);
      start = SimTime::ticks(std::max(first, ((f.submit + f.slack).count() / e) * e) + e);
    }
    span = std::max(span, start + models::planned_runtime(f));
  }
  return span;
}

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

/// The requests of service `i`: generated on its own random stream, or read from its file.
std::vector<models::Request> service_requests(const Scenario& sc, std::size_t i,
                                              std::uint64_t seed) {
  const auto& s = sc.services[i];
  constexpr std::uint64_t kServiceStream = 0x53455256;  // "SERV"
  const auto stream = engine::RandomStream(seed, kServiceStream, i).next();
  const SimTime start = to_sim(s.start);
  switch (s.arrival) {
    case ServiceSpec::Arrival::kAt:
      return models::all_at_once(s.count.value_or(0), start + to_sim(s.at), *s.prompt_tokens,
                                 *s.output_tokens, stream);
    case ServiceSpec::Arrival::kRate:
      if (s.profile) {
        try {
          return models::poisson_profiled(s.rate_per_s, *s.profile, sc.epoch_unix_s, s.count,
                                          s.count ? SimTime::max() : to_sim(*sc.horizon), start,
                                          *s.prompt_tokens, *s.output_tokens, stream);
        } catch (const std::out_of_range& e) {
          throw InputError(Diagnostic{
              .file = sc.source.string(),
              .path = s.profile_path,
              .message = fmt::format("{}: the {} requests need more of it", e.what(), *s.count)});
        }
      }
      if (s.count) {
        return models::poisson(s.rate_per_s, *s.count, start, *s.prompt_tokens, *s.output_tokens,
                               stream);
      }
      return models::poisson_until(s.rate_per_s, to_sim(*sc.horizon), start, *s.prompt_tokens,
                                   *s.output_tokens, stream);
    case ServiceSpec::Arrival::kFile: {
      auto reqs = models::load_request_trace(s.file, start);
      if (s.limit && static_cast<std::int64_t>(reqs.size()) > *s.limit) {
        reqs.resize(static_cast<std::size_t>(*s.limit));
      }
      return reqs;
    }
  }
  return {};
}

/// The bins of mean power a service's datacenter draws it in: a minute, or the trace
/// interval where that is shorter or not a whole number of minutes (their common divisor).
SimTime power_bin(SimTime interval) {
  return SimTime::ticks(std::gcd(interval.count(), SimTime::minutes(1).count()));
}

/// A Poisson service expecting more requests than this, in a run with a horizon, is
/// streamed: its requests are drawn as the simulation reaches them and its outcomes folded
/// as they end (docs/serving.md, "Fidelity"), so that memory follows the requests in
/// flight, not the day's.
constexpr double kStreamAbove = 2e6;

/// The requests service s expects when it is to be streamed; 0 when it is not.
double streamed_requests(const Scenario& sc, const ServiceSpec& s) {
  if (s.arrival != ServiceSpec::Arrival::kRate || !sc.horizon) {
    return 0.0;
  }
  const double expected =
      s.count ? static_cast<double>(*s.count)
              : s.rate_per_s * (s.profile ? s.profile->mean() : 1.0) *
                    std::max(0.0, units::to_seconds(*sc.horizon) - units::to_seconds(s.start));
  return expected > kStreamAbove ? expected : 0.0;
}

/// `into` += `more`, interval by interval.
void add_outcome(models::LoadOutcome& into, const models::LoadOutcome& more) {
  into.lent_device_s += more.lent_device_s;
  into.lent_it_energy += more.lent_it_energy;
  into.it_energy += more.it_energy;
  into.energy += more.energy;
  into.emissions_location += more.emissions_location;
  into.emissions_market += more.emissions_market;
  for (auto [a, b] :
       {std::pair{&into.lent_it_j, &more.lent_it_j}, std::pair{&into.energy_j, &more.energy_j},
        std::pair{&into.emissions_location_g, &more.emissions_location_g},
        std::pair{&into.emissions_market_g, &more.emissions_market_g}}) {
    a->resize(std::max(a->size(), b->size()), 0.0);
    for (std::size_t k = 0; k < b->size(); ++k) {
      (*a)[k] += (*b)[k];
    }
  }
}

/// Every service, simulated on its own before the fleet runs (a service depends on nothing
/// else in the run but the grids it may route by), concurrently.
std::vector<ServiceRun> simulate_services(const Scenario& sc, std::uint64_t seed) {
  std::vector<ServiceRun> out(sc.services.size());
  const SimTime interval = to_sim(sc.trace_interval);
  std::vector<std::vector<models::Request>> requests(sc.services.size());
  std::vector<models::RequestFilter> filters(sc.services.size());
  std::vector<double> streamed(sc.services.size(), 0.0);  // > 0: expected requests
  for (std::size_t i = 0; i < sc.services.size(); ++i) {
    streamed[i] = streamed_requests(sc, sc.services[i]);
  }
  tbb::parallel_for(std::size_t{0}, sc.services.size(), [&](std::size_t i) {
    if (streamed[i] > 0) {
      return;  // drawn as the simulation reaches them
    }
    requests[i] = service_requests(sc, i, seed);
    filters[i] = models::filter_by_sequence(requests[i], sc.services[i].serving.model.sequence);
  });
  // Carbon-aware routing reads the sites' grids at the requests' arrivals.
  std::optional<World> world;
  SimTime last_arrival = SimTime::zero();
  bool by_carbon = false;
  for (std::size_t i = 0; i < sc.services.size(); ++i) {
    const auto& s = sc.services[i];
    if (s.routing == models::Routing::kLowestCarbon && s.sites.size() > 1) {
      by_carbon = true;
      if (!requests[i].empty()) {
        last_arrival = std::max(last_arrival, requests[i].back().arrival);
      }
    }
  }
  if (by_carbon) {
    std::vector<std::string> warnings;  // the run's own build of the world reports them
    world = build_world(sc, sc.horizon ? to_sim(*sc.horizon) : last_arrival + SimTime::ticks(1),
                        warnings);
  }
  tbb::parallel_for(std::size_t{0}, sc.services.size(), [&](std::size_t i) {
    const auto& s = sc.services[i];
    const auto& dc = sc.datacenters[s.datacenter];
    const auto* chip = sc.accelerators.find(s.accelerator);
    const models::ServingModel model(s.serving, *chip, models::job_network(*chip, dc.network));
    const auto& reqs = requests[i];
    models::ServiceConfig cfg;
    for (const auto& site : s.sites) {
      const auto& spec = sc.datacenters[site.datacenter];
      models::SiteConfig c;
      c.replicas = site.replicas;
      c.reserve = site.reserve;
      c.host_watts = units::to_watts(spec.power.host_overhead);
      c.parked_watts = spec.power.idle_draw ? units::to_watts(spec.power.idle(*chip)) : 0.0;
      c.latency = to_sim(site.latency);
      if (world) {
        c.carbon = world->carbon[spec.region].get();
      }
      cfg.sites.push_back(c);
    }
    cfg.autoscale = s.autoscale;
    cfg.fidelity = s.fidelity;
    cfg.disaggregated = s.disaggregated;
    cfg.routing = s.routing;
    if (s.latency_budget) {
      cfg.latency_budget = to_sim(*s.latency_budget);
    }
    cfg.interval = interval;
    cfg.power_bin = power_bin(interval);
    if (sc.horizon) {
      cfg.until = to_sim(*sc.horizon);
    }
    auto& r = out[i];
    r.name = s.name;
    r.datacenter = s.datacenter;
    r.accelerator = s.accelerator;
    r.devices_per_replica = s.serving.layout.devices();
    r.replicas = s.replicas;
    r.reserve = s.reserve;
    r.autoscaled = s.autoscale.has_value();
    r.lends = s.autoscale && s.autoscale->lend;
    r.fidelity = s.fidelity;
    r.prefill_replicas = s.disaggregated ? s.disaggregated->prefill : 0;
    for (const auto& site : s.sites) {
      r.sites.push_back({site.datacenter, site.replicas, site.reserve, {}});
    }
    r.rejected = filters[i].rejected;
    r.counts = model.counts();
    r.weight_bytes_per_device = model.weight_bytes_per_device();
    r.borrowed_from = model.borrowed_from();
    if (s.slo_ttft) {
      r.slo_ttft_s = units::to_seconds(*s.slo_ttft);
    }
    if (s.slo_tpot) {
      r.slo_tpot_s = units::to_seconds(*s.slo_tpot);
    }
    if (streamed[i] > 0) {
      const double keep = s.all_request_rows ? streamed[i] : static_cast<double>(s.request_rows);
      cfg.streaming = models::Streaming{
          std::max<std::int64_t>(
              1, static_cast<std::int64_t>(std::ceil(streamed[i] / std::max(1.0, keep)))),
          r.slo_ttft_s, r.slo_tpot_s};
      constexpr std::uint64_t kServiceStream = 0x53455256;  // "SERV", as service_requests()
      models::PoissonSource source(s.rate_per_s, s.profile ? &*s.profile : nullptr, sc.epoch_unix_s,
                                   s.count, s.count ? SimTime::max() : to_sim(*sc.horizon),
                                   to_sim(s.start), *s.prompt_tokens, *s.output_tokens,
                                   engine::RandomStream(seed, kServiceStream, i).next(),
                                   s.serving.model.sequence);
      r.result = models::simulate_service(model, cfg, source);
      r.rejected = source.rejected();
      r.latency = models::summarise_latency(r.result.totals, r.slo_ttft_s || r.slo_tpot_s);
    } else {
      r.result = models::simulate_service(model, cfg, reqs);
      requests[i] = {};  // the outcomes hold what the run needs of them
      r.latency = models::summarise_latency(r.result.requests, r.slo_ttft_s, r.slo_tpot_s);
    }
    const double devices = static_cast<double>((s.replicas + s.reserve) * r.devices_per_replica);
    r.embodied = units::seconds(devices * r.result.end.to_seconds()) * chip->embodied_rate();
    // The rows the trace keeps: all, or at most request_rows evenly spaced by arrival (a
    // streamed service kept its rows already).
    const std::size_t n = r.result.requests.size();
    const auto keep =
        s.all_request_rows || r.result.streamed ? n : static_cast<std::size_t>(s.request_rows);
    if (keep >= n) {
      r.request_rows.resize(n);
      std::iota(r.request_rows.begin(), r.request_rows.end(), std::size_t{0});
    } else if (keep > 0) {
      for (std::size_t k = 0; k < keep; ++k) {
        r.request_rows.push_back(k * n / keep);
      }
    }
  });
  return out;
}

/// Per datacenter: the parked devices of the services that lend them, one lender per
/// (service, site), in the order the datacenter's loads are built (service by service,
/// site by site).
std::vector<std::vector<models::Lender>> lenders_of(const Scenario& sc,
                                                    const models::FleetTables& t,
                                                    const std::vector<ServiceRun>& services) {
  std::vector<std::vector<models::Lender>> out(sc.datacenters.size());
  std::vector<std::uint32_t> loads(sc.datacenters.size(), 0);
  for (const auto& srv : services) {
    for (std::size_t k = 0; k < srv.sites.size(); ++k) {
      const auto d = srv.sites[k].datacenter;
      const auto load = loads[d]++;
      const auto type = std::find_if(t.types.begin(), t.types.end(),
                                     [&](const auto& x) { return x.name == srv.accelerator; });
      const auto& parked = srv.result.sites[k].parked;
      if (!srv.lends || type == t.types.end() || parked.empty()) {
        continue;
      }
      models::DeviceSchedule devices;
      for (const auto& [at, replicas] : parked) {
        devices.emplace_back(at, replicas * srv.devices_per_replica);
      }
      // Nothing is lent once the service has stopped.
      if (srv.result.end > devices.back().first) {
        devices.emplace_back(srv.result.end, 0);
      }
      const auto& spec = sc.datacenters[d];
      models::Lender l;
      l.type = static_cast<std::uint32_t>(type - t.types.begin());
      l.load = load;
      l.parked = spec.power.idle_draw ? spec.power.idle(*type) : units::Watts::zero();
      l.devices = std::make_shared<const models::DeviceSchedule>(std::move(devices));
      out[d].push_back(std::move(l));
    }
  }
  return out;
}

/// The sum of step functions: each part's changes, merged in time order.
models::DeviceSchedule sum_schedules(const std::vector<const models::DeviceSchedule*>& parts) {
  std::map<SimTime, std::int64_t> changes;
  for (const auto* p : parts) {
    std::int64_t before = 0;
    for (const auto& [at, devices] : *p) {
      changes[at] += devices - before;
      before = devices;
    }
  }
  models::DeviceSchedule out;
  std::int64_t total = 0;
  for (const auto& [at, delta] : changes) {
    total += delta;
    out.emplace_back(at, total);
  }
  return out;
}

/// What a service lent to jobs is the jobs': its parked draw while lent, at the IT boundary
/// and in the per-interval series, and the embodied emissions of the devices lent.
void hand_over_lent(ServiceRun& srv, const models::AcceleratorType& chip, const Scenario& sc) {
  srv.lent_device_s = srv.facility.lent_device_s;
  if (srv.lent_device_s <= 0) {
    return;
  }
  auto& r = srv.result;
  for (std::size_t k = 0; k < srv.sites.size(); ++k) {
    const auto& lent = srv.sites[k].facility;
    // The accelerators' part of a parked device's draw (the rest is its host's share).
    const auto& spec = sc.datacenters[srv.sites[k].datacenter];
    const double parked_w = units::to_watts(spec.power.idle(chip));
    const double acc_share =
        parked_w > 0 ? std::min(parked_w, units::to_watts(chip.idle)) / parked_w : 0.0;
    const double lent_j = units::to_joules(lent.lent_it_energy);
    r.idle_joules -= lent_j;
    r.idle_accelerator_joules -= lent_j * acc_share;
    r.sites[k].idle_joules -= lent_j;
    r.sites[k].idle_accelerator_joules -= lent_j * acc_share;
    for (std::size_t i = 0; i < lent.lent_it_j.size() && i < r.series.it_joules.size(); ++i) {
      r.series.it_joules[i] -= lent.lent_it_j[i];
      r.series.accelerator_joules[i] -= lent.lent_it_j[i] * acc_share;
    }
  }
  srv.embodied -= units::seconds(srv.lent_device_s) * chip.embodied_rate();
}

/// Each datacenter's supply, hour by hour over the run (docs/grid.md, "Energy supply").
void account_supplies(const Scenario& sc, const World& world,
                      const std::vector<models::DatacenterLp*>& dcs, SimTime::rep stop,
                      RunResult& res) {
  const auto hour = SimTime::hours(1).count();
  const auto hours = static_cast<std::size_t>((stop + hour - 1) / hour);
  res.supply.assign(sc.datacenters.size(), std::nullopt);
  res.supply_hours = hours;
  for (std::size_t d = 0; d < sc.datacenters.size(); ++d) {
    const auto& spec = sc.datacenters[d];
    if (!spec.supply || !world.supply[d]) {
      continue;
    }
    const auto& sig = *world.supply[d];
    const auto& carbon = *world.carbon[spec.region];
    const auto h = dcs[d]->hourly(hours);
    models::SupplyInputs in;
    for (std::size_t k = 0; k < hours; ++k) {
      const auto t0 = SimTime::ticks(static_cast<SimTime::rep>(k) * hour);
      const std::int64_t unix =
          sc.epoch_unix_s + static_cast<std::int64_t>(k) * units::kWholeSecondsPerHour;
      const double kwh = h.energy_j[k] / units::kJoulesPerKilowattHour;
      in.load_mwh.push_back(h.energy_j[k] / units::kJoulesPerMegawattHour);
      in.intensity.push_back(kwh > 0 ? h.emissions_location_g[k] / kwh
                                     : carbon.at(t0).location.si() * units::kJoulesPerKilowattHour);
      in.grid_cfe.push_back(sig.grid_cfe ? sig.grid_cfe->value_at(unix) : sig.grid_cfe_constant);
      constexpr double kWattsPerMegawatt = 1e6;
      double clean = units::to_watts(spec.supply->firm) / kWattsPerMegawatt;
      if (sig.solar) {
        clean += sig.solar->value_at(unix) * sig.solar_mw;
      }
      if (sig.wind) {
        clean += sig.wind->value_at(unix) * sig.wind_mw;
      }
      in.clean_mw.push_back(clean);
    }
    in.battery = spec.supply->battery;
    if (in.battery && in.battery->dispatch == models::BatteryDispatch::kCarbon &&
        in.battery->threshold_g_per_kwh < 0) {
      // By default the battery discharges while the grid is dirtier than its mean.
      double sum = 0;
      for (const double v : in.intensity) {
        sum += v;
      }
      in.battery->threshold_g_per_kwh = hours > 0 ? sum / static_cast<double>(hours) : 0.0;
    }
    res.supply[d] = models::account_supply(in);
  }
}

/// When the last service stops (0 without services).
SimTime services_end(const std::vector<ServiceRun>& services) {
  SimTime end = SimTime::zero();
  for (const auto& s : services) {
    end = std::max(end, s.result.end);
  }
  return end;
}

RunResult run_once(const Scenario& sc, const RunConfig& config,
                   const std::shared_ptr<const models::FleetTables>& tables, JobNames names,
                   std::vector<ServiceRun> services) {
  RunResult res;
  res.warnings = sc.warnings;
  res.seed = config.seed.value_or(sc.seed);
  res.tables = tables;
  res.job_names = std::move(names);
  const SimTime interval = to_sim(sc.trace_interval);
  res.interval = units::seconds(interval.to_seconds());
  const auto& jobs = tables->jobs;

  std::vector<std::uint32_t> scheduled;
  std::vector<std::vector<std::uint32_t>> fixed(sc.datacenters.size());
  std::vector<std::uint32_t> fixed_all;
  for (std::uint32_t j = 0; j < jobs.size(); ++j) {
    const auto& f = jobs[j];
    if (f.fixed_start != SimTime::max()) {
      fixed[tables->candidates[f.first_candidate]].push_back(j);
      fixed_all.push_back(j);
    } else {
      scheduled.push_back(j);
    }
  }
  std::stable_sort(scheduled.begin(), scheduled.end(), [&](std::uint32_t a, std::uint32_t b) {
    return jobs[a].submit < jobs[b].submit;
  });
  const bool with_scheduler = !scheduled.empty();
  models::SchedulerConfig scfg = config.scheduler.value_or(sc.scheduler);
  scfg.seed = res.seed;
  // Everything is read over the span jobs can run in as planned, or the horizon when one
  // is given (the run stops there).
  // Services run as long as their requests (or to the horizon).
  const SimTime span = tables->jobs.empty()
                           ? std::max(SimTime::ticks(1), services_end(services))
                           : std::max(run_span(*tables, scfg.epoch), services_end(services));
  const SimTime horizon = sc.horizon ? to_sim(*sc.horizon) : span;
  scfg.horizon = std::min(span, horizon);
  scfg.end_by = sc.horizon ? horizon : SimTime::max();
  scfg.device_mtbf_s = units::to_seconds(sc.failures.device_mtbf);
  scfg.restart = to_sim(sc.failures.restart);
  World world = build_world(sc, horizon, res.warnings);
  // Power caps are planned against each capped datacenter's cooling envelope.
  std::vector<std::unique_ptr<models::FacilityEnvelope>> envelopes(sc.datacenters.size());
  for (std::size_t d = 0; d < sc.datacenters.size(); ++d) {
    const auto& spec = sc.datacenters[d];
    if (!spec.power_cap) {
      continue;
    }
    std::vector<std::int64_t> inventory;
    for (const auto& type : tables->types) {
      inventory.push_back(inventory_of(spec, type.name));
    }
    envelopes[d] = std::make_unique<models::FacilityEnvelope>(
        world.cooling[d].get(), horizon,
        full_draw(spec.power, inventory, *tables) + services_full_draw(sc, d));
  }
  check_caps(sc, *tables, res.job_names, envelopes, horizon);
  res.inputs = world.files;
  res.inputs.insert(res.inputs.end(), sc.inputs.begin(), sc.inputs.end());
  std::unique_ptr<models::CarbonForecast> forecast;  // outlives `sim`: declared before it
  engine::Simulation<models::FleetMsg> sim(
      {.seed = res.seed, .lookahead = with_scheduler ? scfg.epoch : SimTime::max()});
  const engine::LpId first_dc = with_scheduler ? 1 : 0;
  std::vector<models::DatacenterView> views;
  std::vector<models::DatacenterLp*> dcs;
  models::SchedulerLp* scheduler = nullptr;
  auto lenders = lenders_of(sc, *tables, services);
  if (with_scheduler) {
    for (std::size_t d = 0; d < sc.datacenters.size(); ++d) {
      const auto& spec = sc.datacenters[d];
      models::DatacenterView v;
      v.lp = first_dc + static_cast<engine::LpId>(d);
      for (const auto& type : tables->types) {
        v.inventory.push_back(inventory_of(spec, type.name));
      }
      v.power_cap = spec.power_cap;
      v.services_full = services_full_draw(sc, d);
      v.envelope = envelopes[d].get();
      v.cooling = world.cooling[d].get();
      v.carbon = world.carbon[spec.region].get();
      v.power = spec.power;
      v.fabrics = build_fabrics(sc, d, *tables);
      v.lendable.resize(tables->types.size());
      for (std::uint32_t t = 0; t < tables->types.size(); ++t) {
        std::vector<const models::DeviceSchedule*> parts;
        for (const auto& l : lenders[d]) {
          if (l.type == t) {
            parts.push_back(l.devices.get());
          }
        }
        if (!parts.empty()) {
          v.lendable[t] = sum_schedules(parts);
        }
      }
      views.push_back(std::move(v));
    }
    scheduler = &sim.emplace<models::SchedulerLp>(tables.get(), views, scfg, scheduled, fixed_all);
    if (scfg.policy == models::Policy::kCarbonAware) {
      forecast = std::make_unique<models::CarbonForecast>(tables.get(), views, scfg.horizon,
                                                          scfg.forecast_error, res.seed);
      scheduler->set_forecast(forecast.get());
    }
  }
  std::vector<double> weights;
  if (with_scheduler) {
    weights.push_back(1.0);
  }
  // The jobs' outcomes by job id, written by the datacenter each starts in; `job` marks
  // those that started.
  constexpr auto kNotStarted = std::numeric_limits<std::uint32_t>::max();
  // When the run should end: the last job's submit time and duration, or the horizon.
  double expected_end = 0;
  for (const auto& f : jobs) {
    expected_end = std::max(expected_end, (f.submit + f.duration).to_seconds());
  }
  if (sc.horizon) {
    expected_end = units::to_seconds(*sc.horizon);
  }
  res.jobs.assign(jobs.size(), models::JobOutcome{.job = kNotStarted});
  for (std::size_t d = 0; d < sc.datacenters.size(); ++d) {
    const auto& spec = sc.datacenters[d];
    models::DatacenterConfig cfg;
    cfg.outcomes = res.jobs;
    double devices = 0;
    for (const auto& type : tables->types) {
      cfg.inventory.push_back(inventory_of(spec, type.name));
      devices += static_cast<double>(cfg.inventory.back());
    }
    cfg.power = spec.power;
    cfg.trace_interval = interval;
    cfg.expected_intervals =
        static_cast<std::size_t>(std::ceil(expected_end / interval.to_seconds())) + 1;
    cfg.device_mtbf = sc.failures.device_mtbf;
    cfg.restart = to_sim(sc.failures.restart);
    if (with_scheduler) {
      cfg.scheduler = 0;
      cfg.report_delay = scfg.epoch;
    }
    cfg.pause_at_checkpoints = scfg.policy == models::Policy::kCarbonAware;
    cfg.power_cap = spec.power_cap;
    cfg.services_full = services_full_draw(sc, d);
    cfg.envelope = envelopes[d].get();
    cfg.cap_retry = scfg.epoch;
    if (!with_scheduler && fixed[d].empty()) {
      cfg.follow_until = horizon;  // nothing of its own will end the run here
    }
    for (const auto& srv : services) {
      for (std::size_t k = 0; k < srv.sites.size(); ++k) {
        if (srv.sites[k].datacenter == d) {
          models::ServiceLoad load;
          load.bin = power_bin(interval);
          load.watts = std::make_shared<const std::vector<double>>(srv.result.sites[k].power_bins);
          cfg.loads.push_back(std::move(load));
        }
      }
    }
    cfg.lenders = std::move(lenders[d]);
    cfg.hourly = spec.supply.has_value();
    if (d < world.onsite_water.size() && world.onsite_water[d]) {
      cfg.onsite_water = world.onsite_water[d];
      cfg.grid_water = world.grid_water[d];
    }
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
  // One scheduler LP whose work per window varies with the jobs arriving: four chunks per
  // thread let the other threads take the datacenters' chunks meanwhile (the month of
  // ten times the fleet year: engine 7.5 s with one chunk per thread, 5.2 s with four).
  constexpr unsigned kChunksPerThread = 4;
  ro.chunks_per_thread = kChunksPerThread;
  if (sc.horizon) {
    ro.until = to_sim(*sc.horizon);
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
  res.started.assign(jobs.size(), false);
  for (std::size_t j = 0; j < res.jobs.size(); ++j) {
    if (res.jobs[j].job == kNotStarted) {
      res.jobs[j] = models::JobOutcome{};
    } else {
      res.started[j] = true;
    }
  }
  res.datacenters.resize(dcs.size());
  res.summaries.resize(dcs.size());
  // Each datacenter's results are its own. Gathered on this thread: a oneTBB loop here
  // read the main thread's closure in a way ThreadSanitizer cannot see ordered
  // (sim/engine/tsan.hpp).
  for (std::size_t d = 0; d < dcs.size(); ++d) {
    res.summaries[d] = dcs[d]->summary();
    res.datacenters[d] = dcs[d]->take_trace(res.intervals);
  }
  res.services = std::move(services);
  for (std::size_t d = 0; d < dcs.size(); ++d) {
    auto loads = dcs[d]->load_outcomes(res.intervals);
    std::size_t j = 0;
    for (auto& srv : res.services) {
      for (auto& site : srv.sites) {
        if (site.datacenter == d) {
          site.facility = std::move(loads[j++]);
        }
      }
    }
  }
  // A service's facility figures: its sites' together; what it lent is the jobs'.
  for (auto& srv : res.services) {
    srv.facility = srv.sites.front().facility;
    for (std::size_t k = 1; k < srv.sites.size(); ++k) {
      add_outcome(srv.facility, srv.sites[k].facility);
    }
  }
  // Every service's series cover the run's intervals.
  for (auto& srv : res.services) {
    auto& sr = srv.result.series;
    for (auto* v :
         {&sr.arrived, &sr.finished, &sr.prompt_tokens, &sr.output_tokens, &sr.batch_seconds,
          &sr.kv_token_seconds, &sr.accelerator_joules, &sr.it_joules, &sr.replica_seconds}) {
      v->resize(res.intervals, 0.0);
    }
    hand_over_lent(srv, *sc.accelerators.find(srv.accelerator), sc);
  }
  if (scheduler) {
    res.dispatches = scheduler->take_dispatches();
    for (std::size_t d = 0; d < dcs.size(); ++d) {
      res.summaries[d].cap_held_device_s = scheduler->cap_held_device_s()[d];
    }
  } else {
    res.dispatches.resize(jobs.size());
  }
  res.totals = totals_of(res);
  account_supplies(sc, world, dcs, stop, res);

  // Design peaks (docs/cooling.md): every device at full draw, the hottest hour of the
  // weather year from the epoch; a constant PUE gives IT x PUE. A device's full draw is its
  // TDP, or more where a job that may run here is given more per device (a measured
  // whole-system figure, say).
  std::vector<units::Watts> most(sc.datacenters.size() * tables->types.size());
  for (const auto& f : jobs) {
    for (std::uint32_t c = 0; c < f.candidate_count; ++c) {
      auto& top = most[tables->candidates[f.first_candidate + c] * tables->types.size() + f.type];
      top = std::max(top, f.compute_power);
    }
  }
  for (std::size_t d = 0; d < sc.datacenters.size(); ++d) {
    const auto& spec = sc.datacenters[d];
    units::Watts full = units::Watts::zero();
    for (std::size_t k = 0; k < tables->types.size(); ++k) {
      const auto& type = tables->types[k];
      full += spec.power.running(std::max(type.tdp, most[d * tables->types.size() + k])) *
              static_cast<double>(inventory_of(spec, type.name));
    }
    // The services' devices (set apart from the jobs' inventory) at full draw too.
    full += services_full_draw(sc, d);
    res.design_peaks.push_back(models::design_peak(*world.cooling[d], full, SimTime::zero()));
    res.water.push_back(
        d < world.onsite_water.size() && world.onsite_water[d] && world.grid_water[d]
            ? fmt::format("on site: {}; off site: {}", world.onsite_water[d]->describe(),
                          world.grid_water[d]->source())
            : std::string());
  }
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
  JobNames names;
  std::shared_ptr<const models::FleetTables> tables;
  tbb::task_arena arena = run_arena(config);
  std::vector<ServiceRun> services;
  arena.execute([&] {
    tables = build_fleet(sc, seed, names);
    services = simulate_services(sc, seed);
  });
  // The services' results are large (a row per request): moved into the run's result,
  // copied only when a baseline run needs them too. The job names are moved (generated
  // ones are made when asked for: a copy for the baseline is small).
  if (!sc.baseline) {
    auto res = run_once(sc, config, tables, std::move(names), std::move(services));
    res.predicted = std::move(predicted);
    return res;
  }
  auto res = run_once(sc, config, tables, std::move(names), services);
  res.predicted = std::move(predicted);
  {
    RunConfig baseline = config;
    baseline.scheduler = sc.baseline;
    baseline.progress = nullptr;
    const auto base = run_once(sc, baseline, tables, res.job_names, services);
    res.comparison = compare_with(res, base, *sc.baseline);
  }
  return res;
}

}  // namespace

ServiceFigures service_figures(const ServiceRun& s) {
  ServiceFigures f;
  const auto& r = s.result;
  const auto& t = r.totals;
  f.requests = t.accepted;
  f.rejected = s.rejected;
  f.prompt_tokens = t.prompt_tokens;
  f.output_tokens = t.generated;
  f.finished = t.finished;
  const SimTime first = t.first_arrival;
  const SimTime last = t.last_end;
  const double span = last > first ? (last - first).to_seconds() : 0.0;
  f.output_tokens_per_s = span > 0 ? f.output_tokens / span : 0.0;
  f.energy_j[0] = r.accelerator_joules;
  f.energy_j[1] = f.energy_j[0] + r.host_joules;
  f.energy_j[2] = r.it_joules();
  // The facility boundary: the IT energy with the overhead the datacenter attributed to it.
  const double it_dc = units::to_joules(s.facility.it_energy);
  f.energy_j[3] = it_dc > 0 ? f.energy_j[2] * units::to_joules(s.facility.energy) / it_dc : 0.0;
  f.emissions_location_g = units::to_grams(s.facility.emissions_location);
  f.emissions_market_g = units::to_grams(s.facility.emissions_market);
  f.embodied_g = units::to_grams(s.embodied);
  const double device_hours =
      static_cast<double>((s.replicas + s.reserve) * s.devices_per_replica) * r.end.to_seconds() /
      units::kSecondsPerHour;
  f.embodied_g_per_device_hour = device_hours > 0 ? f.embodied_g / device_hours : 0.0;
  return f;
}

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
  out.warnings = sc.warnings;
  JobNames names;
  const auto fleet = build_fleet(sc, sc.seed, names);
  // The same horizon a run checks its series against.
  const auto span = run_span(*fleet, sc.scheduler.epoch);
  const auto horizon =
      sc.horizon ? engine::SimTime::from_seconds(units::to_seconds(*sc.horizon)) : span;
  const World world = build_world(sc, horizon, out.warnings);
  std::vector<std::unique_ptr<models::FacilityEnvelope>> envelopes(sc.datacenters.size());
  for (std::size_t d = 0; d < sc.datacenters.size(); ++d) {
    const auto& spec = sc.datacenters[d];
    if (spec.power_cap) {
      std::vector<std::int64_t> inventory;
      for (const auto& type : fleet->types) {
        inventory.push_back(inventory_of(spec, type.name));
      }
      envelopes[d] = std::make_unique<models::FacilityEnvelope>(
          world.cooling[d].get(), horizon, full_draw(spec.power, inventory, *fleet));
    }
  }
  check_caps(sc, *fleet, names, envelopes, horizon);
  for (std::size_t d = 0; d < sc.datacenters.size(); ++d) {
    build_fabrics(sc, d, *fleet);
  }
  // Request files are read as a run reads them (their problems at their lines).
  for (std::size_t i = 0; i < sc.services.size(); ++i) {
    if (sc.services[i].arrival == ServiceSpec::Arrival::kFile) {
      (void)service_requests(sc, i, sc.seed);
    }
  }
  out.jobs = fleet->jobs.size();
  return out;
}

}  // namespace footprint::scenario
