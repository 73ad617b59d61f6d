#include "analysis/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "analysis/text_format.hpp"

namespace footprint::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kSecondsPerHour = 3600;

// --- text output (the conventions of report.cpp) --------------------------------------

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += (i ? std::string(sep) : std::string()) + items[i];
  }
  return out;
}

// --- metrics -----------------------------------------------------------------------------

struct Metric {
  std::string_view level;
  std::string_view name;
  std::string_view units;
  double (*get)(const DatacenterRow&);
};

/// The metrics of a datacenter row (and of the totals), in output order: the site's own
/// figures, then its jobs'.
constexpr Metric kDatacenterMetrics[] = {
    {"site", "energy_mwh", "MWh", [](const DatacenterRow& d) { return d.energy_mwh; }},
    {"site", "it_energy_mwh", "MWh", [](const DatacenterRow& d) { return d.it_energy_mwh; }},
    {"site", "pue", "", [](const DatacenterRow& d) { return d.pue; }},
    {"site", "emissions_location_t", "t",
     [](const DatacenterRow& d) { return d.emissions_location_t; }},
    {"site", "emissions_market_t", "t",
     [](const DatacenterRow& d) { return d.emissions_market_t; }},
    {"site", "idle_energy_mwh", "MWh", [](const DatacenterRow& d) { return d.idle_energy_mwh(); }},
    {"site", "idle_emissions_location_t", "t",
     [](const DatacenterRow& d) { return d.idle_emissions_location_t(); }},
    {"site", "idle_emissions_market_t", "t",
     [](const DatacenterRow& d) { return d.idle_emissions_market_t(); }},
    {"site", "embodied_t", "t", [](const DatacenterRow& d) { return d.embodied_t; }},
    {"site", "peak_facility_mw", "MW", [](const DatacenterRow& d) { return d.peak_facility_mw; }},
    {"site", "p99_facility_mw", "MW", [](const DatacenterRow& d) { return d.p99_facility_mw; }},
    {"site", "device_hours", "h", [](const DatacenterRow& d) { return d.device_hours; }},
    {"site", "days", "d", [](const DatacenterRow& d) { return d.days; }},
    {"jobs", "jobs_finished", "",
     [](const DatacenterRow& d) { return static_cast<double>(d.jobs_finished); }},
    {"jobs", "jobs_energy_mwh", "MWh", [](const DatacenterRow& d) { return d.jobs_energy_mwh; }},
    {"jobs", "jobs_emissions_location_t", "t",
     [](const DatacenterRow& d) { return d.jobs_emissions_location_t; }},
    {"jobs", "jobs_emissions_market_t", "t",
     [](const DatacenterRow& d) { return d.jobs_emissions_market_t; }},
    {"jobs", "mean_wait_h", "h", [](const DatacenterRow& d) { return d.mean_wait_h; }},
    {"jobs", "p95_wait_h", "h", [](const DatacenterRow& d) { return d.p95_wait_h; }},
};

struct RunMetric {
  std::string_view name;
  std::string_view units;
  double (*get)(const Report&);
};

/// The run-wide metrics that follow the totals' datacenter metrics.
constexpr RunMetric kRunMetrics[] = {
    {"restarts", "", [](const Report& r) { return static_cast<double>(r.restarts); }},
    {"lost_device_hours", "h", [](const Report& r) { return r.lost_device_hours; }},
};

CompareRow make_row(std::string scope, std::string name, std::string_view level,
                    std::string_view metric, std::string_view units, double a, double b) {
  CompareRow row;
  row.scope = std::move(scope);
  row.name = std::move(name);
  row.level = std::string(level);
  row.metric = std::string(metric);
  row.units = std::string(units);
  row.a = a;
  row.b = b;
  row.diff = b - a;
  row.percent = a != 0 && std::isfinite(a) && std::isfinite(b) ? (b - a) / a * 100 : kNaN;
  return row;
}

const DatacenterRow* find_datacenter(const Report& r, const std::string& name) {
  const auto it = std::find_if(r.datacenters.begin(), r.datacenters.end(),
                               [&](const DatacenterRow& d) { return d.name == name; });
  return it == r.datacenters.end() ? nullptr : &*it;
}

std::string label(const CompareRow& row) {
  return row.units.empty() ? row.metric : fmt::format("{} ({})", row.metric, row.units);
}

std::string number(double v, std::string_view spec) {
  return std::isnan(v) ? std::string("-") : fmt::format(fmt::runtime(spec), v);
}

/// "emb tCO2e"-style note for the comparison: the types without a published embodied
/// figure in either run.
std::string embodied_note(const Report& a, const Report& b) {
  std::vector<std::string> types;
  for (const auto* r : {&a, &b}) {
    for (const auto& t : r->totals.embodied_unpublished) {
      if (std::find(types.begin(), types.end(), t) == types.end()) {
        types.push_back(t);
      }
    }
  }
  if (types.empty()) {
    return {};
  }
  return fmt::format(
      "\nembodied_t: no published embodied figure for {}: their devices are not counted "
      "(unknown, not 0); - where no accelerator of a datacenter has one\n",
      join(types, ", "));
}

}  // namespace

MatchedJobs match_jobs(const Report& a, const Report& b) {
  // The k-th job of a name in B, for each name: its row.
  std::map<std::string, std::vector<std::size_t>> in_b;
  for (std::size_t i = 0; i < b.jobs.size(); ++i) {
    in_b[b.jobs[i].name].push_back(i);
  }
  std::map<std::string, std::size_t> seen;  // occurrences of each name in A so far
  MatchedJobs m;
  double start_a = 0;
  double start_b = 0;
  double wait_a = 0;
  double wait_b = 0;
  for (const auto& ja : a.jobs) {
    const std::size_t k = seen[ja.name]++;
    const auto it = in_b.find(ja.name);
    if (it == in_b.end() || k >= it->second.size()) {
      continue;
    }
    const auto& jb = b.jobs[it->second[k]];
    if (!ja.finished || !jb.finished) {
      continue;
    }
    ++m.count;
    m.energy_mwh_a += ja.energy_mwh;
    m.energy_mwh_b += jb.energy_mwh;
    m.emissions_location_t_a += ja.emissions_location_t;
    m.emissions_location_t_b += jb.emissions_location_t;
    m.emissions_market_t_a += ja.emissions_market_t;
    m.emissions_market_t_b += jb.emissions_market_t;
    start_a += ja.start_s;
    start_b += jb.start_s;
    wait_a += ja.wait_s;
    wait_b += jb.wait_s;
  }
  const double n = static_cast<double>(m.count);
  const auto mean_h = [&](double sum_s) {
    return m.count > 0 ? sum_s / n / kSecondsPerHour : kNaN;
  };
  m.mean_start_h_a = mean_h(start_a);
  m.mean_start_h_b = mean_h(start_b);
  m.mean_wait_h_a = mean_h(wait_a);
  m.mean_wait_h_b = mean_h(wait_b);
  return m;
}

Comparison compare_reports(const Report& a, const Report& b) {
  Comparison c;
  for (const auto& m : kDatacenterMetrics) {
    c.rows.push_back(
        make_row("total", "total", m.level, m.name, m.units, m.get(a.totals), m.get(b.totals)));
  }
  for (const auto& m : kRunMetrics) {
    c.rows.push_back(make_row("total", "total", "run", m.name, m.units, m.get(a), m.get(b)));
  }
  const auto add = [&](const std::string& name, const DatacenterRow* x, const DatacenterRow* y) {
    for (const auto& m : kDatacenterMetrics) {
      c.rows.push_back(make_row("datacenter", name, m.level, m.name, m.units, x ? m.get(*x) : kNaN,
                                y ? m.get(*y) : kNaN));
    }
  };
  for (const auto& d : a.datacenters) {
    const auto* other = find_datacenter(b, d.name);
    if (!other) {
      c.only_in_a.push_back(d.name);
    }
    add(d.name, &d, other);
  }
  for (const auto& d : b.datacenters) {
    if (!find_datacenter(a, d.name)) {
      c.only_in_b.push_back(d.name);
      add(d.name, nullptr, &d);
    }
  }
  c.matched = match_jobs(a, b);
  const auto& m = c.matched;
  const auto matched = [&](std::string_view metric, std::string_view units, double x, double y) {
    c.rows.push_back(make_row("matched_jobs", "matched", "jobs", metric, units, x, y));
  };
  matched("jobs", "", static_cast<double>(m.count), static_cast<double>(m.count));
  matched("energy_mwh", "MWh", m.energy_mwh_a, m.energy_mwh_b);
  matched("emissions_location_t", "t", m.emissions_location_t_a, m.emissions_location_t_b);
  matched("emissions_market_t", "t", m.emissions_market_t_a, m.emissions_market_t_b);
  matched("mean_start_h", "h", m.mean_start_h_a, m.mean_start_h_b);
  matched("mean_wait_h", "h", m.mean_wait_h_a, m.mean_wait_h_b);
  return c;
}

std::string render_compare(const Report& a, const Report& b, const std::string& a_name,
                           const std::string& b_name, const std::string& format) {
  if (format != "table" && format != "csv" && format != "json") {
    throw std::invalid_argument(
        fmt::format("unknown compare format '{}' (valid: table, csv, json)", format));
  }
  const auto c = compare_reports(a, b);

  if (format == "csv") {
    std::string out = "scope,name,level,metric,units,a,b,diff,diff_percent\n";
    for (const auto& row : c.rows) {
      out += fmt::format("{},{},{},{},{},{},{},{},{}\n", row.scope, csv_field(row.name), row.level,
                         row.metric, row.units, csv_number(row.a), csv_number(row.b),
                         csv_number(row.diff), csv_number(row.percent));
    }
    return out;
  }

  if (format == "json") {
    const auto run = [](const std::string& name, const Report& r) {
      std::vector<std::string> unpublished;
      for (const auto& t : r.totals.embodied_unpublished) {
        unpublished.push_back(json_string(t));
      }
      return fmt::format(
          "{{\"name\": {}, \"scenario\": {}, \"seed\": {}, \"embodied_unpublished\": [{}]}}",
          json_string(name), json_string(r.scenario), r.seed, join(unpublished, ", "));
    };
    std::vector<std::string> rows;
    for (const auto& row : c.rows) {
      rows.push_back(fmt::format(
          "{{\"scope\": {}, \"name\": {}, \"level\": {}, \"metric\": {}, \"units\": {}, \"a\": {}, "
          "\"b\": {}, \"diff\": {}, \"diff_percent\": {}}}",
          json_string(row.scope), json_string(row.name), json_string(row.level),
          json_string(row.metric), json_string(row.units), json_number(row.a), json_number(row.b),
          json_number(row.diff), json_number(row.percent)));
    }
    const auto names = [](const std::vector<std::string>& list) {
      std::vector<std::string> quoted;
      for (const auto& n : list) {
        quoted.push_back(json_string(n));
      }
      return fmt::format("[{}]", join(quoted, ", "));
    };
    const auto& m = c.matched;
    return fmt::format(
        "{{\"a\": {}, \"b\": {}, \"rows\": [{}], \"only_in_a\": {}, \"only_in_b\": {}, "
        "\"matched_jobs\": {{\"jobs\": {}, \"mean_start_delay_h\": {}}}}}\n",
        run(a_name, a), run(b_name, b), join(rows, ", "), names(c.only_in_a), names(c.only_in_b),
        m.count, json_number(m.mean_start_h_b - m.mean_start_h_a));
  }

  // Table: one block per scope, its site and jobs levels apart; datacenters in one run
  // only are named, not compared.
  std::string out = fmt::format("A: {} (scenario {}, seed {})\nB: {} (scenario {}, seed {})\n\n",
                                a_name, a.scenario, a.seed, b_name, b.scenario, b.seed);
  std::vector<std::vector<std::string>> cells;
  cells.push_back({"", "A", "B", "B-A", "(B-A)/A"});
  std::string scope;
  std::string level;
  for (const auto& row : c.rows) {
    const bool one_sided =
        std::find(c.only_in_a.begin(), c.only_in_a.end(), row.name) != c.only_in_a.end() ||
        std::find(c.only_in_b.begin(), c.only_in_b.end(), row.name) != c.only_in_b.end();
    if (row.scope == "datacenter" && one_sided) {
      continue;
    }
    std::string heading;
    if (row.scope == "total") {
      heading = "total";
    } else if (row.scope == "datacenter") {
      heading = "datacenter " + row.name;
    } else {
      heading = "matched jobs (same name, finished in both runs)";
    }
    if (heading != scope) {
      scope = heading;
      level.clear();
      cells.push_back({heading});
    }
    if (row.scope != "matched_jobs" && row.level != level) {
      level = row.level;
      cells.push_back({level == "site"   ? "  site (the datacenters' own figures)"
                       : level == "jobs" ? "  jobs (attributed to jobs)"
                                         : "  run"});
    }
    const std::string indent = row.scope == "matched_jobs" ? "  " : "    ";
    cells.push_back({indent + label(row), number(row.a, "{:.6g}"), number(row.b, "{:.6g}"),
                     number(row.diff, "{:+.4g}"), number(row.percent, "{:+.2f} %")});
  }
  std::vector<std::size_t> width(5, 0);
  for (const auto& line : cells) {
    if (line.size() == 1) {
      continue;  // a heading spans the columns
    }
    for (std::size_t i = 0; i < line.size(); ++i) {
      width[i] = std::max(width[i], line[i].size());
    }
  }
  for (const auto& line : cells) {
    std::string text = fmt::format("{:<{}}", line[0], width[0]);
    for (std::size_t i = 1; i < line.size(); ++i) {
      text += fmt::format("  {:>{}}", line[i], width[i]);
    }
    text.erase(text.find_last_not_of(' ') + 1);
    out += text + "\n";
  }
  const auto& m = c.matched;
  if (m.count > 0) {
    const double delay = m.mean_start_h_b - m.mean_start_h_a;
    out += fmt::format("B starts the {} matched jobs {}\n", m.count,
                       delay == 0 ? std::string("at the same time on average")
                                  : fmt::format("{:.4g} h {} than A on average", std::abs(delay),
                                                delay > 0 ? "later" : "earlier"));
  } else {
    out += "no job finished in both runs under the same name\n";
  }
  if (!c.only_in_a.empty()) {
    out += fmt::format("\nonly in A: {}\n", join(c.only_in_a, ", "));
  }
  if (!c.only_in_b.empty()) {
    out +=
        fmt::format("{}only in B: {}\n", c.only_in_a.empty() ? "\n" : "", join(c.only_in_b, ", "));
  }
  out += embodied_note(a, b);
  return out;
}

}  // namespace footprint::analysis
