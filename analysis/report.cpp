#include "analysis/report.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "sim/io/hdf5.hpp"

namespace footprint::analysis {
namespace {

constexpr double kJoulesPerMwh = 3.6e9;
constexpr double kGramsPerTonne = 1e6;
constexpr double kSecondsPerDay = 86400.0;

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) {
    return s;
  }
  std::string out = "\"";
  for (const char c : s) {
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return out + "\"";
}

}  // namespace

Report read_report(const std::filesystem::path& trace) {
  const auto f = io::File::open_read(trace);
  const auto root = f.root();
  Report r;
  r.scenario = root.get_attr_string("scenario_name");
  r.seed = root.get_attr_uint64("seed");
  const auto jobs = io::read_table(root, "jobs");
  for (std::size_t i = 0; i < jobs.rows(); ++i) {
    JobRow j;
    j.name = jobs.strings("name")[i];
    j.datacenter = jobs.strings("datacenter")[i];
    j.accelerator = jobs.strings("accelerator")[i];
    j.devices = jobs.int64s("devices")[i];
    j.steps = jobs.int64s("steps")[i];
    j.start_s = jobs.doubles("start_s")[i];
    j.end_s = jobs.doubles("end_s")[i];
    j.days = (j.end_s - j.start_s) / kSecondsPerDay;
    j.device_hours = jobs.doubles("device_hours")[i];
    j.flops = jobs.doubles("flops")[i];
    j.it_energy_mwh = jobs.doubles("it_energy_j")[i] / kJoulesPerMwh;
    j.energy_mwh = jobs.doubles("energy_j")[i] / kJoulesPerMwh;
    j.emissions_location_t = jobs.doubles("emissions_location_g")[i] / kGramsPerTonne;
    j.emissions_market_t = jobs.doubles("emissions_market_g")[i] / kGramsPerTonne;
    r.jobs.push_back(std::move(j));
  }
  const auto dcs = root.open_group("datacenters");
  r.totals.name = "total";
  double first = std::numeric_limits<double>::infinity();
  double last = 0;
  for (const auto& name : dcs.list()) {
    const auto g = dcs.open_group(name);
    DatacenterRow d;
    d.name = name;
    d.region = g.get_attr_string("region");
    d.it_energy_mwh = g.get_attr_double("it_energy_j") / kJoulesPerMwh;
    d.energy_mwh = g.get_attr_double("energy_j") / kJoulesPerMwh;
    d.pue = d.it_energy_mwh > 0 ? d.energy_mwh / d.it_energy_mwh : 0.0;
    d.emissions_location_t = g.get_attr_double("emissions_location_g") / kGramsPerTonne;
    d.emissions_market_t = g.get_attr_double("emissions_market_g") / kGramsPerTonne;
    double a = std::numeric_limits<double>::infinity();
    double b = 0;
    for (const auto& j : r.jobs) {
      if (j.datacenter == name) {
        d.device_hours += j.device_hours;
        a = std::min(a, j.start_s);
        b = std::max(b, j.end_s);
      }
    }
    d.days = b > a ? (b - a) / kSecondsPerDay : 0.0;
    first = std::min(first, a);
    last = std::max(last, b);
    r.totals.device_hours += d.device_hours;
    r.totals.it_energy_mwh += d.it_energy_mwh;
    r.totals.energy_mwh += d.energy_mwh;
    r.totals.emissions_location_t += d.emissions_location_t;
    r.totals.emissions_market_t += d.emissions_market_t;
    r.datacenters.push_back(std::move(d));
  }
  r.totals.days = last > first ? (last - first) / kSecondsPerDay : 0.0;
  r.totals.pue = r.totals.it_energy_mwh > 0 ? r.totals.energy_mwh / r.totals.it_energy_mwh : 0.0;
  return r;
}

std::string render_table(const Report& r) {
  std::size_t w = std::string_view("datacenter").size();
  for (const auto& j : r.jobs) {
    w = std::max(w, j.name.size());
  }
  for (const auto& d : r.datacenters) {
    w = std::max(w, d.name.size());
  }
  std::string out = fmt::format("scenario {} (seed {})\n\n", r.scenario, r.seed);
  const auto header = [&](std::string_view first) {
    return fmt::format("{:<{}}  {:>8}  {:>14}  {:>11}  {:>10}  {:>10}  {:>5}\n", first, w, "days",
                       "device-hours", "energy MWh", "loc tCO2e", "mkt tCO2e", "PUE");
  };
  const auto row = [&](const std::string& name, double days, double dh, double mwh, double loc,
                       double mkt, double pue) {
    return fmt::format("{:<{}}  {:>8.2f}  {:>14.4g}  {:>11.4g}  {:>10.4g}  {:>10.4g}  {:>5.3f}\n",
                       name, w, days, dh, mwh, loc, mkt, pue);
  };
  out += header("job");
  for (const auto& j : r.jobs) {
    out += row(j.name, j.days, j.device_hours, j.energy_mwh, j.emissions_location_t,
               j.emissions_market_t, j.it_energy_mwh > 0 ? j.energy_mwh / j.it_energy_mwh : 0.0);
  }
  out += "\n" + header("datacenter");
  for (const auto& d : r.datacenters) {
    out += row(d.name, d.days, d.device_hours, d.energy_mwh, d.emissions_location_t,
               d.emissions_market_t, d.pue);
  }
  const auto& t = r.totals;
  out += row("total", t.days, t.device_hours, t.energy_mwh, t.emissions_location_t,
             t.emissions_market_t, t.pue);
  return out;
}

std::string render_csv(const Report& r) {
  std::string out =
      "kind,name,datacenter,accelerator,devices,steps,days,device_hours,it_energy_mwh,"
      "energy_mwh,emissions_location_t,emissions_market_t\n";
  for (const auto& j : r.jobs) {
    out += fmt::format("job,{},{},{},{},{},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g}\n",
                       csv_field(j.name), csv_field(j.datacenter), csv_field(j.accelerator),
                       j.devices, j.steps, j.days, j.device_hours, j.it_energy_mwh, j.energy_mwh,
                       j.emissions_location_t, j.emissions_market_t);
  }
  for (const auto& d : r.datacenters) {
    out += fmt::format("datacenter,{},,,,,{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g}\n",
                       csv_field(d.name), d.days, d.device_hours, d.it_energy_mwh, d.energy_mwh,
                       d.emissions_location_t, d.emissions_market_t);
  }
  const auto& t = r.totals;
  out += fmt::format("total,total,,,,,{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g}\n", t.days,
                     t.device_hours, t.it_energy_mwh, t.energy_mwh, t.emissions_location_t,
                     t.emissions_market_t);
  return out;
}

std::string render_json(const Report& r) {
  std::string out =
      fmt::format("{{\"scenario\": {}, \"seed\": {}, \"jobs\": [", json_string(r.scenario), r.seed);
  for (std::size_t i = 0; i < r.jobs.size(); ++i) {
    const auto& j = r.jobs[i];
    out += fmt::format(
        "{}{{\"name\": {}, \"datacenter\": {}, \"accelerator\": {}, \"devices\": {}, "
        "\"steps\": {}, \"start_s\": {:.17g}, \"end_s\": {:.17g}, \"days\": {:.17g}, "
        "\"device_hours\": {:.17g}, \"flops\": {:.17g}, \"it_energy_mwh\": {:.17g}, "
        "\"energy_mwh\": {:.17g}, \"emissions_location_t\": {:.17g}, "
        "\"emissions_market_t\": {:.17g}}}",
        i ? ", " : "", json_string(j.name), json_string(j.datacenter), json_string(j.accelerator),
        j.devices, j.steps, j.start_s, j.end_s, j.days, j.device_hours, j.flops, j.it_energy_mwh,
        j.energy_mwh, j.emissions_location_t, j.emissions_market_t);
  }
  const auto dc = [](const DatacenterRow& d) {
    return fmt::format(
        "{{\"name\": {}, \"region\": {}, \"days\": {:.17g}, \"device_hours\": {:.17g}, "
        "\"it_energy_mwh\": {:.17g}, \"energy_mwh\": {:.17g}, \"pue\": {:.17g}, "
        "\"emissions_location_t\": {:.17g}, \"emissions_market_t\": {:.17g}}}",
        json_string(d.name), json_string(d.region), d.days, d.device_hours, d.it_energy_mwh,
        d.energy_mwh, d.pue, d.emissions_location_t, d.emissions_market_t);
  };
  out += "], \"datacenters\": [";
  for (std::size_t i = 0; i < r.datacenters.size(); ++i) {
    out += (i ? ", " : "") + dc(r.datacenters[i]);
  }
  out += "], \"totals\": " + dc(r.totals) + "}\n";
  return out;
}

}  // namespace footprint::analysis
