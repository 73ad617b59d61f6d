// Comparing two reports: totals and datacenters, as A, B, B - A and (B - A) / A.
//
// A: datacenters ca-1 and ga-1; B: ca-1 and tx-1. Values are small integers so that every
// difference and percentage is exact in binary floating point (tolerance: relative 1e-12).
#include <cmath>
#include <cstddef>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/compare.hpp"
#include "analysis/report.hpp"

using footprint::analysis::compare_reports;
using footprint::analysis::DatacenterRow;
using footprint::analysis::render_compare;
using footprint::analysis::Report;

namespace {

constexpr double kRel = 1e-12;

DatacenterRow dc(const std::string& name, double energy, double location) {
  DatacenterRow d;
  d.name = name;
  d.region = "r";
  d.energy_mwh = energy;
  d.it_energy_mwh = energy / 2;
  d.pue = 2;
  d.emissions_location_t = location;
  d.emissions_market_t = location / 2;
  d.embodied_t = 1;
  d.device_hours = 100;
  d.days = 4;
  d.peak_facility_mw = 2;
  d.p99_facility_mw = 1;
  return d;
}

Report report_a() {
  Report r;
  r.scenario = "two-sites";
  r.seed = 1;
  r.datacenters = {dc("ca-1", 60, 20), dc("ga-1", 40, 20)};
  r.totals = dc("total", 100, 40);
  r.totals.pue = 1.25;
  r.jobs_finished = 10;
  r.restarts = 0;
  r.lost_device_hours = 0;
  r.mean_wait_h = 2;
  return r;
}

Report report_b() {
  Report r;
  r.scenario = "two-sites-greener";
  r.seed = 2;
  r.datacenters = {dc("ca-1", 75, 15), dc("tx-1", 35, 10)};
  r.totals = dc("total", 110, 25);
  r.totals.pue = 1.1;
  r.jobs_finished = 12;
  r.restarts = 3;
  r.lost_device_hours = 5;
  r.mean_wait_h = 3;
  return r;
}

using Key = std::tuple<std::string, std::string, std::string>;  // scope, name, metric

/// CSV rows by (scope, name, metric): the cells a, b, diff, diff_percent and units.
std::map<Key, std::vector<std::string>> parse_csv(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  CHECK(line == "scope,name,metric,units,a,b,diff,diff_percent");
  std::map<Key, std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream fields(line);
    while (std::getline(fields, cell, ',')) {
      cells.push_back(cell);
    }
    REQUIRE(cells.size() == 8);
    rows[{cells[0], cells[1], cells[2]}] = {cells[4], cells[5], cells[6], cells[7], cells[3]};
  }
  return rows;
}

}  // namespace

TEST_CASE("compare: totals and shared datacenters, metric by metric", "[analysis][compare]") {
  const auto rows = parse_csv(render_compare(report_a(), report_b(), "a.h5", "b.h5", "csv"));
  const auto get = [&](const std::string& scope, const std::string& name,
                       const std::string& metric) {
    const auto it = rows.find({scope, name, metric});
    REQUIRE(it != rows.end());
    return it->second;
  };
  // Total energy 100 -> 110 MWh: +10, +10 %.
  auto r = get("total", "total", "energy_mwh");
  CHECK(std::stod(r[0]) == 100);
  CHECK(std::stod(r[1]) == 110);
  CHECK(std::stod(r[2]) == Approx(10).epsilon(kRel));
  CHECK(std::stod(r[3]) == Approx(10).epsilon(kRel));
  CHECK(r[4] == "MWh");
  // Location-based emissions 40 -> 25 t: -15, -37.5 %.
  r = get("total", "total", "emissions_location_t");
  CHECK(std::stod(r[2]) == Approx(-15).epsilon(kRel));
  CHECK(std::stod(r[3]) == Approx(-37.5).epsilon(kRel));
  CHECK(r[4] == "t");
  // PUE 1.25 -> 1.1: -0.15, -12 %.
  r = get("total", "total", "pue");
  CHECK(std::stod(r[2]) == Approx(-0.15).epsilon(1e-9));
  CHECK(std::stod(r[3]) == Approx(-12).epsilon(1e-9));
  // Run metrics: jobs finished 10 -> 12 (+20 %), mean wait 2 -> 3 h (+50 %).
  r = get("total", "total", "jobs_finished");
  CHECK(std::stod(r[3]) == Approx(20).epsilon(kRel));
  r = get("total", "total", "mean_wait_h");
  CHECK(std::stod(r[3]) == Approx(50).epsilon(kRel));
  // Restarts 0 -> 3: the difference is 3, the ratio undefined.
  r = get("total", "total", "restarts");
  CHECK(std::stod(r[2]) == 3);
  CHECK(r[3] == "NaN");
  get("total", "total", "lost_device_hours");
  get("total", "total", "embodied_t");
  get("total", "total", "peak_facility_mw");
  get("total", "total", "p99_facility_mw");
  get("total", "total", "days");
  get("total", "total", "device_hours");
  get("total", "total", "it_energy_mwh");
  get("total", "total", "emissions_market_t");
  // ca-1, in both: energy 60 -> 75 MWh, +15, +25 %; location 20 -> 15 t, -25 %.
  r = get("datacenter", "ca-1", "energy_mwh");
  CHECK(std::stod(r[2]) == Approx(15).epsilon(kRel));
  CHECK(std::stod(r[3]) == Approx(25).epsilon(kRel));
  r = get("datacenter", "ca-1", "emissions_location_t");
  CHECK(std::stod(r[3]) == Approx(-25).epsilon(kRel));
  // ga-1 only in A, tx-1 only in B: the other side is NaN.
  r = get("datacenter", "ga-1", "energy_mwh");
  CHECK(std::stod(r[0]) == 40);
  CHECK(r[1] == "NaN");
  CHECK(r[2] == "NaN");
  r = get("datacenter", "tx-1", "energy_mwh");
  CHECK(r[0] == "NaN");
  CHECK(std::stod(r[1]) == 35);
  CHECK(r[3] == "NaN");
  // 14 total metrics + 3 datacenters x 10.
  CHECK(rows.size() == 14 + 3 * 10);
}

TEST_CASE("compare: datacenters in one run only are listed as such", "[analysis][compare]") {
  const auto c = compare_reports(report_a(), report_b());
  CHECK(c.only_in_a == std::vector<std::string>{"ga-1"});
  CHECK(c.only_in_b == std::vector<std::string>{"tx-1"});

  const auto table = render_compare(report_a(), report_b(), "a.h5", "b.h5", "table");
  CHECK_THAT(table, Catch::Contains("A: a.h5 (scenario two-sites, seed 1)"));
  CHECK_THAT(table, Catch::Contains("B: b.h5 (scenario two-sites-greener, seed 2)"));
  CHECK_THAT(table, Catch::Contains("datacenter ca-1"));
  CHECK_THAT(table, Catch::Contains("only in A: ga-1"));
  CHECK_THAT(table, Catch::Contains("only in B: tx-1"));
  CHECK_THAT(table, !Catch::Contains("datacenter ga-1"));
  CHECK_THAT(table, Catch::Contains("energy_mwh (MWh)"));
  // The energy line of the totals: 100, 110, +10, +10.00 %; restarts: no percentage.
  std::istringstream in(table);
  std::string line;
  bool energy = false;
  bool restarts = false;
  while (std::getline(in, line)) {
    if (!energy && line.rfind("  energy_mwh (MWh)", 0) == 0) {
      energy = true;
      CHECK_THAT(line, Catch::Contains("100") && Catch::Contains("110") && Catch::Contains("+10") &&
                           Catch::EndsWith("+10.00 %"));
    }
    if (line.rfind("  restarts", 0) == 0) {
      restarts = true;
      CHECK_THAT(line, Catch::EndsWith("-"));
    }
  }
  CHECK(energy);
  CHECK(restarts);
}

TEST_CASE("compare: JSON has null for undefined ratios", "[analysis][compare]") {
  const auto json = render_compare(report_a(), report_b(), "a.h5", "b.h5", "json");
  CHECK_THAT(json, Catch::StartsWith("{\"a\": {\"name\": \"a.h5\", \"scenario\": \"two-sites\", "
                                     "\"seed\": 1}"));
  CHECK_THAT(json,
             Catch::Contains("{\"scope\": \"total\", \"name\": \"total\", \"metric\": "
                             "\"restarts\", \"units\": \"\", \"a\": 0, \"b\": 3, \"diff\": 3, "
                             "\"diff_percent\": null}"));
  CHECK_THAT(json, Catch::Contains("{\"scope\": \"datacenter\", \"name\": \"ca-1\", \"metric\": "
                                   "\"energy_mwh\", \"units\": \"MWh\", \"a\": 60, \"b\": 75, "
                                   "\"diff\": 15, \"diff_percent\": 25}"));
  CHECK_THAT(json, Catch::EndsWith("\"only_in_a\": [\"ga-1\"], \"only_in_b\": [\"tx-1\"]}\n"));
  CHECK_THAT(json, !Catch::Contains("nan"));
}

TEST_CASE("compare: identical reports differ by zero; unknown format", "[analysis][compare]") {
  const auto c = compare_reports(report_a(), report_a());
  CHECK(c.only_in_a.empty());
  CHECK(c.only_in_b.empty());
  for (const auto& row : c.rows) {
    CHECK(row.diff == 0);
    if (row.a != 0) {
      CHECK(row.percent == 0);
    } else {
      CHECK(std::isnan(row.percent));
    }
  }
  CHECK_THROWS_AS(render_compare(report_a(), report_b(), "a", "b", "xml"), std::invalid_argument);
}
