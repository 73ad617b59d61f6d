#include "sim/io/trace.hpp"

#include <numeric>
#include <vector>

#include "sim/io/hdf5.hpp"
#include "sim/io/sha256.hpp"

namespace footprint::io {
namespace {

double sum(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0);
}

void write_datacenter(Group& parent, const scenario::Scenario& sc, std::size_t d,
                      const models::DatacenterTrace& t) {
  const auto& spec = sc.datacenters[d];
  Group g = parent.create_group(spec.name);
  g.set_attr("region", sc.regions[spec.region].name);
  g.set_attr("pue_configured", spec.pue);
  g.write_vector("time_s", t.time_s, "s");
  g.write_vector("it_energy_j", t.it_energy_j, "J");
  g.write_vector("facility_energy_j", t.facility_energy_j, "J");
  g.write_vector("it_power_w", t.it_power_w, "W");
  g.write_vector("facility_power_w", t.facility_power_w, "W");
  g.write_vector("pue", t.pue, "1");
  g.write_vector("intensity_location_g_per_kwh", t.intensity_location_g_per_kwh, "g/kWh");
  g.write_vector("intensity_market_g_per_kwh", t.intensity_market_g_per_kwh, "g/kWh");
  g.write_vector("emissions_location_g", t.emissions_location_g, "g");
  g.write_vector("emissions_market_g", t.emissions_market_g, "g");
  g.set_attr("it_energy_j", sum(t.it_energy_j));
  g.set_attr("energy_j", sum(t.facility_energy_j));
  g.set_attr("emissions_location_g", sum(t.emissions_location_g));
  g.set_attr("emissions_market_g", sum(t.emissions_market_g));
}

void write_jobs(Group& root, const scenario::Scenario& sc, const scenario::RunResult& r) {
  std::vector<std::string> name;
  std::vector<std::string> dc;
  std::vector<std::string> acc;
  std::vector<std::int64_t> devices;
  std::vector<std::int64_t> steps;
  std::vector<double> start;
  std::vector<double> end;
  std::vector<double> dh;
  std::vector<double> flops;
  std::vector<double> it_e;
  std::vector<double> e;
  std::vector<double> loc;
  std::vector<double> mkt;
  for (std::size_t j = 0; j < sc.jobs.size(); ++j) {
    const auto& spec = sc.jobs[j];
    const auto& o = r.jobs[j];
    name.push_back(spec.name);
    dc.push_back(sc.datacenters[spec.datacenter].name);
    acc.push_back(spec.accelerator);
    devices.push_back(spec.devices);
    steps.push_back(o.steps);
    start.push_back(o.start_s);
    end.push_back(o.end_s);
    dh.push_back(o.device_hours);
    flops.push_back(o.flops);
    it_e.push_back(o.it_energy_j);
    e.push_back(o.energy_j);
    loc.push_back(o.emissions_location_g);
    mkt.push_back(o.emissions_market_g);
  }
  TableWriter t;
  t.add_string_column("name", name);
  t.add_string_column("datacenter", dc);
  t.add_string_column("accelerator", acc);
  t.add_int64_column("devices", devices, "1");
  t.add_double_column("start_s", start, "s");
  t.add_double_column("end_s", end, "s");
  t.add_int64_column("steps", steps, "1");
  t.add_double_column("device_hours", dh, "h");
  t.add_double_column("flops", flops, "FLOP");
  t.add_double_column("it_energy_j", it_e, "J");
  t.add_double_column("energy_j", e, "J");
  t.add_double_column("emissions_location_g", loc, "g");
  t.add_double_column("emissions_market_g", mkt, "g");
  t.write(root, "jobs");
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
    root.set_attr("trace_interval_s", r.interval_s);
    root.set_attr("horizon_s", r.horizon_s);
    const std::vector<std::string> inputs{sc.source.filename().string()};
    const std::vector<std::string> hashes{sha256_hex(sc.text)};
    root.set_attr_strings("input_files", inputs);
    root.set_attr_strings("input_sha256", hashes);

    Group dcs = root.create_group("datacenters");
    for (std::size_t d = 0; d < sc.datacenters.size(); ++d) {
      write_datacenter(dcs, sc, d, r.datacenters[d]);
    }
    write_jobs(root, sc, r);

    Group s = root.create_group("summary");
    double it = 0;
    double fac = 0;
    double loc = 0;
    double mkt = 0;
    double dh = 0;
    double makespan = 0;
    for (const auto& o : r.jobs) {
      it += o.it_energy_j;
      fac += o.energy_j;
      loc += o.emissions_location_g;
      mkt += o.emissions_market_g;
      dh += o.device_hours;
      makespan = std::max(makespan, o.end_s);
    }
    s.set_attr("jobs", static_cast<std::int64_t>(r.jobs.size()));
    s.set_attr("it_energy_j", it);
    s.set_attr("energy_j", fac);
    s.set_attr("emissions_location_g", loc);
    s.set_attr("emissions_market_g", mkt);
    s.set_attr("device_hours", dh);
    s.set_attr("makespan_s", makespan);
    s.set_attr("events", r.stats.events);
    f.close();
  }
  output.commit();
}

}  // namespace footprint::io
