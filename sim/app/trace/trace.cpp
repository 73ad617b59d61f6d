#include "sim/app/trace/trace.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "sim/kernel/hash/sha256.hpp"
#include "sim/kernel/hdf5/hdf5.hpp"

namespace footprint::io {
namespace {

double sum(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0);
}

/// The 99th percentile of interval means (nearest rank).
double p99(std::vector<double> v) {
  if (v.empty()) {
    return 0;
  }
  constexpr double kQuantile = 0.99;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(kQuantile * static_cast<double>(v.size())));
  return v[std::max<std::size_t>(rank, 1) - 1];
}

void write_datacenter(Group& parent, const scenario::Scenario& sc, std::size_t d,
                      const scenario::RunResult& r) {
  const auto& spec = sc.datacenters[d];
  const auto& t = r.datacenters[d];
  const auto& s = r.summaries[d];
  Group g = parent.create_group(spec.name);
  g.set_attr("index", static_cast<std::int64_t>(d));
  g.set_attr("region", sc.regions[spec.region].name);
  g.set_attr("cooling", spec.cooling.model == scenario::CoolingSpec::Model::kConstant
                            ? std::string("constant")
                            : std::string("economizer-chiller"));
  g.write_vector("time_s", t.time_s, "s");
  g.write_vector("it_energy_j", t.it_energy_j, "J");
  g.write_vector("facility_energy_j", t.facility_energy_j, "J");
  g.write_vector("cooling_energy_j", t.cooling_energy_j, "J");
  g.write_vector("overhead_energy_j", t.overhead_energy_j, "J");
  g.write_vector("it_power_w", t.it_power_w, "W");
  g.write_vector("facility_power_w", t.facility_power_w, "W");
  g.write_vector("pue", t.pue, "1");
  g.write_vector("intensity_location_g_per_kwh", t.intensity_location_g_per_kwh, "g/kWh");
  g.write_vector("intensity_market_g_per_kwh", t.intensity_market_g_per_kwh, "g/kWh");
  g.write_vector("emissions_location_g", t.emissions_location_g, "g");
  g.write_vector("emissions_market_g", t.emissions_market_g, "g");
  g.write_vector("busy_devices", t.busy_devices, "1");
  g.write_vector("outdoor_temperature_c", t.outdoor_temperature_c, "degC");
  g.set_attr("it_energy_j", s.it_energy_j);
  g.set_attr("energy_j", s.energy_j);
  g.set_attr("emissions_location_g", s.emissions_location_g);
  g.set_attr("emissions_market_g", s.emissions_market_g);
  g.set_attr("embodied_g", s.embodied_g);
  g.set_attr("peak_facility_power_w", s.peak_facility_power_w);
  g.set_attr("p99_facility_power_w", p99(t.facility_power_w));
  g.set_attr("cooling_energy_j", sum(t.cooling_energy_j));
  // The jobs it ran: device-hours held, and the span from the first start to the last end.
  double device_hours = 0;
  double first = std::numeric_limits<double>::infinity();
  double last = 0;
  for (std::size_t j = 0; j < r.jobs.size(); ++j) {
    const auto& o = r.jobs[j];
    if (r.started[j] && o.datacenter == d) {
      device_hours += o.device_hours;
      first = std::min(first, o.start_s);
      last = std::max(last, o.end_s > 0 ? o.end_s : r.horizon_s);
    }
  }
  g.set_attr("device_hours", device_hours);
  g.set_attr("first_start_s", std::isfinite(first) ? first : 0.0);
  g.set_attr("last_end_s", last);
}

void write_jobs(Group& root, const scenario::Scenario& sc, const scenario::RunResult& r) {
  const auto n = r.jobs.size();
  std::vector<std::string> name(n);
  std::vector<std::string> dc(n);
  std::vector<std::string> acc(n);
  std::vector<std::int64_t> devices(n);
  std::vector<std::int64_t> steps(n);
  std::vector<std::int64_t> restarts(n);
  std::vector<std::int64_t> checkpoints(n);
  std::vector<std::int64_t> pauses(n);
  std::vector<double> paused(n);
  std::vector<std::int64_t> finished(n);
  std::vector<std::int64_t> pods(n);
  std::vector<double> submit(n);
  std::vector<double> start(n);
  std::vector<double> end(n);
  std::vector<double> wait(n);
  std::vector<double> dh(n);
  std::vector<double> lost(n);
  std::vector<double> flops(n);
  std::vector<double> it_e(n);
  std::vector<double> e(n);
  std::vector<double> loc(n);
  std::vector<double> mkt(n);
  std::vector<double> emb(n);
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  // Rows are independent: gathered in parallel (in the caller's oneTBB arena).
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 8192), [&](const auto& range) {
    for (std::size_t j = range.begin(); j != range.end(); ++j) {
      const auto& f = r.tables->jobs[j];
      const auto& o = r.jobs[j];
      name[j] = r.job_names[j];
      dc[j] = r.started[j] ? sc.datacenters[o.datacenter].name : std::string();
      acc[j] = r.tables->types[f.type].name;
      devices[j] = f.devices;
      steps[j] = o.steps;
      restarts[j] = o.restarts;
      checkpoints[j] = o.checkpoints;
      pauses[j] = o.pauses;
      paused[j] = o.paused_s;
      finished[j] = o.end_s > 0 ? 1 : 0;
      pods[j] = r.dispatches.empty() ? 0 : r.dispatches[j].pods;
      submit[j] = f.submit.to_seconds();
      start[j] = r.started[j] ? o.start_s : kNaN;
      end[j] = o.end_s > 0 ? o.end_s : kNaN;
      wait[j] = r.started[j] ? o.start_s - submit[j] : kNaN;
      dh[j] = o.device_hours;
      lost[j] = o.lost_device_hours;
      flops[j] = f.flops;
      it_e[j] = o.it_energy_j;
      e[j] = o.energy_j;
      loc[j] = o.emissions_location_g;
      mkt[j] = o.emissions_market_g;
      emb[j] = o.embodied_g;
    }
  });
  TableWriter t;
  t.add_string_column("name", std::move(name));
  t.add_string_column("datacenter", std::move(dc));
  t.add_string_column("accelerator", std::move(acc));
  t.add_int64_column("devices", std::move(devices), "1");
  t.add_double_column("submit_s", std::move(submit), "s");
  t.add_double_column("start_s", std::move(start), "s");
  t.add_double_column("end_s", std::move(end), "s");
  t.add_double_column("wait_s", std::move(wait), "s");
  t.add_int64_column("finished", std::move(finished), "1");
  t.add_int64_column("pods", std::move(pods), "1");
  t.add_int64_column("steps", std::move(steps), "1");
  t.add_int64_column("restarts", std::move(restarts), "1");
  t.add_int64_column("checkpoints", std::move(checkpoints), "1");
  t.add_int64_column("pauses", std::move(pauses), "1");
  t.add_double_column("paused_s", std::move(paused), "s");
  t.add_double_column("device_hours", std::move(dh), "h");
  t.add_double_column("lost_device_hours", std::move(lost), "h");
  t.add_double_column("flops", std::move(flops), "FLOP");
  t.add_double_column("it_energy_j", std::move(it_e), "J");
  t.add_double_column("energy_j", std::move(e), "J");
  t.add_double_column("emissions_location_g", std::move(loc), "g");
  t.add_double_column("emissions_market_g", std::move(mkt), "g");
  t.add_double_column("embodied_g", std::move(emb), "g");
  t.write(root, "jobs");
}

void write_totals(Group& g, const scenario::Totals& t) {
  g.set_attr("jobs_energy_j", t.jobs_energy_j);
  g.set_attr("jobs_emissions_location_g", t.jobs_emissions_location_g);
  g.set_attr("jobs_emissions_market_g", t.jobs_emissions_market_g);
  g.set_attr("it_energy_j", t.it_energy_j);
  g.set_attr("energy_j", t.energy_j);
  g.set_attr("emissions_location_g", t.emissions_location_g);
  g.set_attr("emissions_market_g", t.emissions_market_g);
  g.set_attr("mean_wait_s", t.mean_wait_s);
  g.set_attr("jobs_finished", t.jobs_finished);
}

/// /predicted/<job>: a job whose throughput the step model predicted: its layout, its
/// expected step by phase, and where the simulated run's time and energy went.
void write_predicted(Group& root, const scenario::RunResult& r) {
  if (r.predicted.empty()) {
    return;
  }
  Group all = root.create_group("predicted");
  for (const auto& [id, p] : r.predicted) {
    Group g = all.create_group(r.job_names[id]);
    g.set_attr("job", static_cast<std::int64_t>(id));
    g.set_attr("data", p.layout.data);
    g.set_attr("tensor", p.layout.tensor);
    g.set_attr("pipeline", p.layout.pipeline);
    g.set_attr("expert", p.layout.expert);
    g.set_attr("microbatches", p.layout.microbatches);
    g.set_attr("auto_layout", static_cast<std::int64_t>(p.auto_layout ? 1 : 0));
    g.set_attr("flops_per_step", p.flops_per_step);
    g.set_attr("tokens_per_step", p.tokens_per_step);
    double expected = 0;
    for (const auto& ph : p.phases) {
      expected += ph.seconds;
    }
    g.set_attr("expected_step_s", expected);
    if (p.simulated) {
      const auto& s = *p.simulated;
      g.set_attr("seconds", s.seconds);
      g.set_attr("energy_j", s.energy_j);
      g.set_attr("mean_step_s", s.mean_step_s);
      g.set_attr("max_step_s", s.max_step_s);
      g.set_attr("dropped_token_fraction", s.dropped_token_fraction);
      TableWriter t;
      t.add_string_column("phase", s.phase_names);
      t.add_double_column("seconds", s.phase_seconds, "s");
      std::vector<double> share;
      for (const double x : s.phase_seconds) {
        share.push_back(s.seconds > 0 ? x / s.seconds : 0.0);
      }
      t.add_double_column("fraction", share, "1");
      t.write(g, "phases");
    }
    std::vector<std::string> names;
    std::vector<double> secs;
    std::vector<double> power;
    for (const auto& ph : p.phases) {
      names.push_back(ph.name);
      secs.push_back(ph.seconds);
      power.push_back(ph.power_w);
    }
    TableWriter e;
    e.add_string_column("phase", names);
    e.add_double_column("seconds", secs, "s");
    e.add_double_column("power_w", power, "W");
    e.write(g, "expected_step");
  }
}

}  // namespace

void write_trace(AtomicOutput& output, const scenario::Scenario& sc, const scenario::RunResult& r,
                 const TraceProvenance& provenance) {
  {
    File f = File::create(output.temp_path());
    Group root = f.root();
    root.set_attr("footprint_version", provenance.footprint_version);
    root.set_attr("footprint_commit", provenance.git_commit);
    root.set_attr("format_version", std::string(kTraceFormatVersion));
    root.set_attr("scenario", sc.text);
    root.set_attr("scenario_name", sc.name);
    root.set_attr("scenario_sha256", sha256_hex(sc.text));
    root.set_attr("seed", r.seed);
    root.set_attr("epoch_unix_s", sc.epoch_unix_s);
    root.set_attr("trace_interval_s", r.interval_s);
    root.set_attr("horizon_s", r.horizon_s);
    std::vector<std::string> inputs{sc.source.filename().string()};
    std::vector<std::string> hashes{sha256_hex(sc.text)};
    // Names as the scenario gives them (not where they were found), so that the same
    // inputs give the same file on any machine.
    for (const auto& [given, resolved] : r.inputs) {
      inputs.push_back(given);
      hashes.push_back(sha256_file(resolved));
    }
    root.set_attr_strings("input_files", inputs);
    root.set_attr_strings("input_sha256", hashes);
    if (!r.warnings.empty()) {
      root.set_attr_strings("input_warnings", r.warnings);
    }

    Group dcs = root.create_group("datacenters");
    for (std::size_t d = 0; d < sc.datacenters.size(); ++d) {
      write_datacenter(dcs, sc, d, r);
    }
    write_jobs(root, sc, r);
    write_predicted(root, r);

    Group s = root.create_group("summary");
    double dh = 0;
    double lost = 0;
    double job_embodied = 0;
    double makespan = 0;
    std::int64_t restarts = 0;
    std::int64_t pauses = 0;
    double paused_s = 0;
    for (const auto& o : r.jobs) {
      dh += o.device_hours;
      lost += o.lost_device_hours;
      job_embodied += o.embodied_g;
      restarts += o.restarts;
      pauses += o.pauses;
      paused_s += o.paused_s;
      makespan = std::max(makespan, o.end_s);
    }
    double fleet_embodied = 0;
    for (const auto& ds : r.summaries) {
      fleet_embodied += ds.embodied_g;
    }
    s.set_attr("jobs", static_cast<std::int64_t>(r.jobs.size()));
    write_totals(s, r.totals);
    s.set_attr("device_hours", dh);
    s.set_attr("lost_device_hours", lost);
    s.set_attr("restarts", restarts);
    s.set_attr("pauses", pauses);
    s.set_attr("paused_s", paused_s);
    s.set_attr("embodied_jobs_g", job_embodied);
    s.set_attr("embodied_fleet_g", fleet_embodied);
    s.set_attr("makespan_s", makespan);
    s.set_attr("events", r.stats.events);
    if (r.fifo) {
      Group b = s.create_group("fifo");
      write_totals(b, *r.fifo);
      // Over the jobs that finished under both policies: the same work.
      s.set_attr("emissions_saved_location_g", r.saved_location_g);
      s.set_attr("emissions_saved_market_g", r.saved_market_g);
      s.set_attr("delay_added_s", r.delay_added_s);
      s.set_attr("jobs_compared", r.jobs_compared);
      s.set_attr("jobs_finished_fifo", r.fifo->jobs_finished);
    }
    f.close();
  }
  output.commit();
}

}  // namespace footprint::io
