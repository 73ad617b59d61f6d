// Comparing two reports: totals and datacenters, site-level and job-level, as A, B, B - A
// and (B - A) / A; and the jobs the runs share.
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
  // The jobs: three quarters of the site's energy and half its emissions.
  d.jobs_finished = 5;
  d.jobs_energy_mwh = energy * 3 / 4;
  d.jobs_emissions_location_t = location / 2;
  d.jobs_emissions_market_t = location / 4;
  d.mean_wait_h = 2;
  d.p95_wait_h = 4;
  return d;
}

Report report_a() {
  Report r;
  r.scenario = "two-sites";
  r.seed = 1;
  r.datacenters = {dc("ca-1", 60, 20), dc("ga-1", 40, 20)};
  r.totals = dc("total", 100, 40);
  r.totals.pue = 1.25;
  r.totals.jobs_finished = 10;
  r.totals.mean_wait_h = 2;
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
  r.totals.jobs_finished = 12;
  r.totals.mean_wait_h = 3;
  r.jobs_finished = 12;
  r.restarts = 3;
  r.lost_device_hours = 5;
  r.mean_wait_h = 3;
  return r;
}

using Key = std::tuple<std::string, std::string, std::string>;  // scope, name, metric

/// CSV rows by (scope, name, metric): the cells a, b, diff, diff_percent, units and level.
std::map<Key, std::vector<std::string>> parse_csv(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  CHECK(line == "scope,name,level,metric,units,a,b,diff,diff_percent");
  std::map<Key, std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream fields(line);
    while (std::getline(fields, cell, ',')) {
      cells.push_back(cell);
    }
    REQUIRE(cells.size() == 9);
    rows[{cells[0], cells[1], cells[3]}] = {cells[5], cells[6], cells[7],
                                            cells[8], cells[4], cells[2]};
  }
  return rows;
}

footprint::analysis::JobRow job(const std::string& name, bool finished, double start_s,
                                double location_t) {
  footprint::analysis::JobRow j;
  j.name = name;
  j.finished = finished;
  j.submit_s = 0;
  j.start_s = start_s;
  j.wait_s = start_s;
  j.energy_mwh = 10 * location_t;
  j.emissions_location_t = location_t;
  j.emissions_market_t = location_t / 2;
  return j;
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
  // Job level, and the site less its jobs: ca-1's location-based emissions 20 -> 15 t,
  // its jobs' 10 -> 7.5 t, idle 10 -> 7.5 t; energy 60 -> 75 MWh, jobs' 45 -> 56.25 MWh,
  // idle 15 -> 18.75 MWh.
  r = get("datacenter", "ca-1", "jobs_emissions_location_t");
  CHECK(std::stod(r[0]) == 10);
  CHECK(std::stod(r[1]) == 7.5);
  CHECK(r[4] == "t");
  CHECK(r[5] == "jobs");
  r = get("datacenter", "ca-1", "idle_emissions_location_t");
  CHECK(std::stod(r[0]) == 10);
  CHECK(std::stod(r[1]) == 7.5);
  CHECK(r[5] == "site");
  r = get("datacenter", "ca-1", "idle_energy_mwh");
  CHECK(std::stod(r[0]) == 15);
  CHECK(std::stod(r[1]) == 18.75);
  CHECK(std::stod(r[3]) == Approx(25).epsilon(kRel));
  r = get("datacenter", "ca-1", "jobs_emissions_market_t");
  CHECK(std::stod(r[0]) == 5);
  r = get("datacenter", "ca-1", "p95_wait_h");
  CHECK(std::stod(r[0]) == 4);
  CHECK(r[4] == "h");
  get("datacenter", "ca-1", "mean_wait_h");
  get("datacenter", "ca-1", "jobs_finished");
  get("datacenter", "ca-1", "peak_facility_mw");
  get("total", "total", "idle_emissions_market_t");
  get("total", "total", "jobs_energy_mwh");
  // 19 datacenter metrics for the total, 2 run metrics, 3 datacenters x 19, and 6 of the
  // matched jobs.
  CHECK(rows.size() == 19 + 2 + 3 * 19 + 6);
}

TEST_CASE("compare: matched jobs, the same name finished in both runs", "[analysis][compare]") {
  // A: x (finished, starts at 0 h), y (finished, 1 h), z (unfinished), w twice (finished,
  // 2 h and 3 h). B: y (finished, 4 h), x (finished, 0.5 h), z (finished), w once
  // (finished, 1 h), v (only in B). Matched: x, y and the first w: starts 0, 1, 2 h in A
  // and 0.5, 4, 1 h in B: means 1 h and 11/6 h, B 5/6 h later.
  auto a = report_a();
  auto b = report_b();
  a.jobs = {job("x", true, 0, 1), job("y", true, 3600, 2), job("z", false, 0, 4),
            job("w", true, 7200, 8), job("w", true, 10800, 16)};
  b.jobs = {job("y", true, 14400, 3), job("x", true, 1800, 5), job("z", true, 0, 7),
            job("w", true, 3600, 11), job("v", true, 0, 13)};
  const auto m = footprint::analysis::match_jobs(a, b);
  CHECK(m.count == 3);
  CHECK(m.emissions_location_t_a == 1 + 2 + 8);
  CHECK(m.emissions_location_t_b == 5 + 3 + 11);
  CHECK(m.emissions_market_t_a == 5.5);
  CHECK(m.energy_mwh_b == 190);
  CHECK(m.mean_start_h_a == Approx(1).epsilon(kRel));
  CHECK(m.mean_start_h_b == Approx(11.0 / 6).epsilon(kRel));
  CHECK(m.mean_wait_h_b == Approx(11.0 / 6).epsilon(kRel));

  const auto rows = parse_csv(render_compare(a, b, "a.h5", "b.h5", "csv"));
  auto r = rows.at({"matched_jobs", "matched", "mean_start_h"});
  CHECK(std::stod(r[2]) == Approx(5.0 / 6).epsilon(kRel));
  CHECK(r[4] == "h");
  r = rows.at({"matched_jobs", "matched", "emissions_location_t"});
  CHECK(std::stod(r[0]) == 11);
  CHECK(std::stod(r[1]) == 19);
  r = rows.at({"matched_jobs", "matched", "jobs"});
  CHECK(std::stod(r[0]) == 3);
  CHECK(std::stod(r[1]) == 3);

  const auto table = render_compare(a, b, "a.h5", "b.h5", "table");
  CHECK_THAT(table, Catch::Contains("matched jobs (same name, finished in both runs)"));
  CHECK_THAT(table,
             Catch::Contains("B starts the 3 matched jobs 0.8333 h later than A on average"));
  // The other way round, B's jobs start earlier.
  const auto reverse = render_compare(b, a, "b.h5", "a.h5", "table");
  CHECK_THAT(reverse,
             Catch::Contains("B starts the 3 matched jobs 0.8333 h earlier than A on average"));
  const auto json = render_compare(a, b, "a.h5", "b.h5", "json");
  CHECK_THAT(json, Catch::Contains("\"matched_jobs\": {\"jobs\": 3, \"mean_start_delay_h\": "));
  // No job in common.
  b.jobs = {job("v", true, 0, 13)};
  CHECK_THAT(render_compare(a, b, "a.h5", "b.h5", "table"),
             Catch::Contains("no job finished in both runs under the same name"));
  CHECK(std::isnan(footprint::analysis::match_jobs(a, b).mean_start_h_a));
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
  CHECK_THAT(table, Catch::Contains("\n  site (the datacenters' own figures)\n"));
  CHECK_THAT(table, Catch::Contains("\n  jobs (attributed to jobs)\n"));
  // The energy line of the totals: 100, 110, +10, +10.00 %; restarts: no percentage.
  std::istringstream in(table);
  std::string line;
  bool energy = false;
  bool restarts = false;
  while (std::getline(in, line)) {
    if (!energy && line.rfind("    energy_mwh (MWh)", 0) == 0) {
      energy = true;
      CHECK_THAT(line, Catch::Contains("100") && Catch::Contains("110") && Catch::Contains("+10") &&
                           Catch::EndsWith("+10.00 %"));
    }
    if (line.rfind("    restarts", 0) == 0) {
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
                                     "\"seed\": 1, \"embodied_unpublished\": []}"));
  CHECK_THAT(json, Catch::Contains("{\"scope\": \"total\", \"name\": \"total\", \"level\": "
                                   "\"run\", \"metric\": \"restarts\", \"units\": \"\", \"a\": 0, "
                                   "\"b\": 3, \"diff\": 3, \"diff_percent\": null}"));
  CHECK_THAT(json, Catch::Contains("{\"scope\": \"datacenter\", \"name\": \"ca-1\", \"level\": "
                                   "\"site\", \"metric\": \"energy_mwh\", \"units\": \"MWh\", "
                                   "\"a\": 60, \"b\": 75, \"diff\": 15, \"diff_percent\": 25}"));
  CHECK_THAT(json,
             Catch::Contains("\"only_in_a\": [\"ga-1\"], \"only_in_b\": [\"tx-1\"], "
                             "\"matched_jobs\": {\"jobs\": 0, \"mean_start_delay_h\": null}}\n"));
  CHECK_THAT(json, !Catch::Contains("nan"));
}

TEST_CASE("compare: identical reports differ by zero; unknown format", "[analysis][compare]") {
  const auto c = compare_reports(report_a(), report_a());
  CHECK(c.only_in_a.empty());
  CHECK(c.only_in_b.empty());
  for (const auto& row : c.rows) {
    if (std::isnan(row.a)) {  // the matched jobs' mean start: no job matched
      CHECK(row.scope == "matched_jobs");
      CHECK(std::isnan(row.diff));
      continue;
    }
    CHECK(row.diff == 0);
    if (row.a != 0) {
      CHECK(row.percent == 0);
    } else {
      CHECK(std::isnan(row.percent));
    }
  }
  CHECK_THROWS_AS(render_compare(report_a(), report_b(), "a", "b", "xml"), std::invalid_argument);
}
