#include "analysis/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

#include "analysis/text_format.hpp"

namespace footprint::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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
  std::string_view name;
  std::string_view units;
  double (*get)(const DatacenterRow&);
};

/// The metrics of a datacenter row (and of the totals), in output order.
constexpr Metric kDatacenterMetrics[] = {
    {"energy_mwh", "MWh", [](const DatacenterRow& d) { return d.energy_mwh; }},
    {"it_energy_mwh", "MWh", [](const DatacenterRow& d) { return d.it_energy_mwh; }},
    {"pue", "", [](const DatacenterRow& d) { return d.pue; }},
    {"emissions_location_t", "t", [](const DatacenterRow& d) { return d.emissions_location_t; }},
    {"emissions_market_t", "t", [](const DatacenterRow& d) { return d.emissions_market_t; }},
    {"embodied_t", "t", [](const DatacenterRow& d) { return d.embodied_t; }},
    {"device_hours", "h", [](const DatacenterRow& d) { return d.device_hours; }},
    {"days", "d", [](const DatacenterRow& d) { return d.days; }},
    {"peak_facility_mw", "MW", [](const DatacenterRow& d) { return d.peak_facility_mw; }},
    {"p99_facility_mw", "MW", [](const DatacenterRow& d) { return d.p99_facility_mw; }},
};

struct RunMetric {
  std::string_view name;
  std::string_view units;
  double (*get)(const Report&);
};

/// The run-wide metrics that follow the totals' datacenter metrics.
constexpr RunMetric kRunMetrics[] = {
    {"jobs_finished", "", [](const Report& r) { return static_cast<double>(r.jobs_finished); }},
    {"restarts", "", [](const Report& r) { return static_cast<double>(r.restarts); }},
    {"lost_device_hours", "h", [](const Report& r) { return r.lost_device_hours; }},
    {"mean_wait_h", "h", [](const Report& r) { return r.mean_wait_h; }},
};

CompareRow make_row(std::string scope, std::string name, std::string_view metric,
                    std::string_view units, double a, double b) {
  CompareRow row;
  row.scope = std::move(scope);
  row.name = std::move(name);
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

}  // namespace

Comparison compare_reports(const Report& a, const Report& b) {
  Comparison c;
  for (const auto& m : kDatacenterMetrics) {
    c.rows.push_back(make_row("total", "total", m.name, m.units, m.get(a.totals), m.get(b.totals)));
  }
  for (const auto& m : kRunMetrics) {
    c.rows.push_back(make_row("total", "total", m.name, m.units, m.get(a), m.get(b)));
  }
  const auto add = [&](const std::string& name, const DatacenterRow* x, const DatacenterRow* y) {
    for (const auto& m : kDatacenterMetrics) {
      c.rows.push_back(make_row("datacenter", name, m.name, m.units, x ? m.get(*x) : kNaN,
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
    std::string out = "scope,name,metric,units,a,b,diff,diff_percent\n";
    for (const auto& row : c.rows) {
      out += fmt::format("{},{},{},{},{},{},{},{}\n", row.scope, csv_field(row.name), row.metric,
                         row.units, csv_number(row.a), csv_number(row.b), csv_number(row.diff),
                         csv_number(row.percent));
    }
    return out;
  }

  if (format == "json") {
    const auto run = [](const std::string& name, const Report& r) {
      return fmt::format("{{\"name\": {}, \"scenario\": {}, \"seed\": {}}}", json_string(name),
                         json_string(r.scenario), r.seed);
    };
    std::vector<std::string> rows;
    for (const auto& row : c.rows) {
      rows.push_back(fmt::format(
          "{{\"scope\": {}, \"name\": {}, \"metric\": {}, \"units\": {}, \"a\": {}, \"b\": {}, "
          "\"diff\": {}, \"diff_percent\": {}}}",
          json_string(row.scope), json_string(row.name), json_string(row.metric),
          json_string(row.units), json_number(row.a), json_number(row.b), json_number(row.diff),
          json_number(row.percent)));
    }
    const auto names = [](const std::vector<std::string>& list) {
      std::vector<std::string> quoted;
      for (const auto& n : list) {
        quoted.push_back(json_string(n));
      }
      return fmt::format("[{}]", join(quoted, ", "));
    };
    return fmt::format(
        "{{\"a\": {}, \"b\": {}, \"rows\": [{}], \"only_in_a\": {}, \"only_in_b\": {}}}\n",
        run(a_name, a), run(b_name, b), join(rows, ", "), names(c.only_in_a), names(c.only_in_b));
  }

  // Table: one block per scope; datacenters in one run only are named, not compared.
  std::string out = fmt::format("A: {} (scenario {}, seed {})\nB: {} (scenario {}, seed {})\n\n",
                                a_name, a.scenario, a.seed, b_name, b.scenario, b.seed);
  std::vector<std::vector<std::string>> cells;
  cells.push_back({"", "A", "B", "B-A", "(B-A)/A"});
  std::string scope;
  for (const auto& row : c.rows) {
    const bool one_sided =
        std::find(c.only_in_a.begin(), c.only_in_a.end(), row.name) != c.only_in_a.end() ||
        std::find(c.only_in_b.begin(), c.only_in_b.end(), row.name) != c.only_in_b.end();
    if (row.scope == "datacenter" && one_sided) {
      continue;
    }
    const auto heading = row.scope == "total" ? std::string("total") : "datacenter " + row.name;
    if (heading != scope) {
      scope = heading;
      cells.push_back({heading});
    }
    cells.push_back({"  " + label(row), number(row.a, "{:.6g}"), number(row.b, "{:.6g}"),
                     number(row.diff, "{:+.4g}"), number(row.percent, "{:+.2f} %")});
  }
  std::vector<std::size_t> width(5, 0);
  for (const auto& line : cells) {
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
  if (!c.only_in_a.empty()) {
    out += fmt::format("\nonly in A: {}\n", join(c.only_in_a, ", "));
  }
  if (!c.only_in_b.empty()) {
    out +=
        fmt::format("{}only in B: {}\n", c.only_in_a.empty() ? "\n" : "", join(c.only_in_b, ", "));
  }
  return out;
}

}  // namespace footprint::analysis
