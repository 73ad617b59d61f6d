// `scheduler.compare`: the baseline's settings as parsed, the figures a run compared with
// its baseline computes (the matched jobs, the site, jobs finished and waits), as the
// trace stores them and `footprint report` prints and lists them, on a case small enough
// to compute by hand; and a trace written before /summary/comparison, read as a FIFO
// comparison without the figures it lacks.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <hdf5.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include "analysis/report.hpp"
#include "sim/app/scenario/run.hpp"
#include "sim/app/scenario/scenario.hpp"
#include "sim/app/trace/trace.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/hdf5/hdf5.hpp"
#include "sim/kernel/schema/trace_schema.hpp"

using namespace footprint;
namespace fs = std::filesystem;

namespace {

constexpr double kRel = 1e-9;  // the figures are sums of a few exact products

/// Two levels of grid intensity: 500 g/kWh for the first 6 hours, then 100 g/kWh (96
/// hourly rows, more than any run here reads).
void write_two_level_series(const fs::path& path) {
  std::ofstream csv(path);
  csv << "timestamp_utc,gco2_per_kwh\n";
  for (int h = 0; h < 96; ++h) {
    csv << fmt::format("2022-01-{:02d}T{:02d}:00:00Z,{}\n", 1 + h / 24, h % 24, h < 6 ? 500 : 100);
  }
}

/// One datacenter of 3 V100s at a constant PUE of 1.2, no idle draw, a 24 h horizon, a
/// 1-minute epoch, and three 1-device jobs of 300 W submitted at 0: a (2 h, 12 h of
/// slack), b (1 h, no slack) and c (20 h, 12 h of slack).
std::string two_level_scenario(const fs::path& series, const std::string& policy,
                               const std::string& compare) {
  return fmt::format(R"(
name: two-level
epoch: 2022-01-01T00:00:00Z
horizon: 24 h
scheduler: {{ policy: {}, epoch: 1 min, compare: {} }}
regions: [ {{ name: r, intensity: {{ file: "{}" }} }} ]
datacenters: [ {{ name: dc, region: r, pue: 1.2, idle: off, accelerators: {{ V100: 3 }} }} ]
jobs:
  - {{ name: a, type: training, datacenter: dc, accelerator: V100, devices: 1, work: 2 h,
      mfu: 0.3, power: 300 W, submit: 0 s, slack: 12 h }}
  - {{ name: b, type: training, datacenter: dc, accelerator: V100, devices: 1, work: 1 h,
      mfu: 0.3, power: 300 W, submit: 0 s }}
  - {{ name: c, type: training, datacenter: dc, accelerator: V100, devices: 1, work: 20 h,
      mfu: 0.3, power: 300 W, submit: 0 s, slack: 12 h }}
)",
                     policy, compare, series.string());
}

// The figures by hand. A running job draws 300 W of IT power, 360 W at the facility
// (PUE 1.2): 360 W x 3,600 s = 0.36 kWh an hour, 180 g at 500 g/kWh, 36 g at 100 g/kWh.
// A job dispatched at a tick starts one epoch (60 s) later.
//
// Backfill (and FIFO: the three jobs fit at once) starts all three at 60 s:
//   a: [60, 7,260 s), all at 500: 0.72 kWh -> 360 g
//   b: [60, 3,660 s), all at 500: 0.36 kWh -> 180 g
//   c: [60, 72,060 s): 21,540 s at 500 (2.154 kWh -> 1,077 g) and 50,460 s at 100
//      (5.046 kWh -> 504.6 g): 1,581.6 g; ends before the 24 h stop
//   site: 360 W x (7,200 + 3,600 + 72,000) s = 29,808,000 J; 2,121.6 g; 3 jobs finished;
//   each waited 60 s.
// Carbon-aware, perfect forecast, plans that end before the 24 h stop: a starts where its
// whole run is at 100 g/kWh, the earliest such tick: dispatched at 21,540 s, started at
// 21,600 s (6 h); b has no slack and starts at 60 s as under backfill; c (20 h) must end
// before the stop, so it starts as late as that allows: dispatched at 14,280 s (the last
// tick with 14,280 + 60 + 72,000 < 86,400), started at 14,340 s:
//   a: [21,600, 28,800 s): 0.72 kWh -> 72 g
//   b: 180 g
//   c: [14,340, 86,340 s): 7,260 s at 500 (0.726 kWh -> 363 g) and 64,740 s at 100
//      (6.474 kWh -> 647.4 g): 1,010.4 g
//   site: the same energy as backfill, 29,808,000 J; 1,262.4 g; 3 jobs finished;
//   waits 21,600 + 60 + 14,340 s, mean 12,000 s.
// Matched jobs (finished under both): all three. Carbon-aware 1,262.4 g, backfill 2,121.6 g:
// saved 859.2 g, 859.2 / 2,121.6 = 40.50 %; start delays 21,540, 0 and 14,280 s, mean
// 11,940 s = 3.3167 h later. Site: saved 859.2 g and 0 J.
constexpr double kMatchedAware = 1262.4;
constexpr double kMatchedBackfill = 2121.6;
constexpr double kDelay = 11940;
constexpr double kSiteAware = 1262.4;
constexpr double kSiteBackfill = 2121.6;
constexpr double kEnergyAware = 29808000;
constexpr double kEnergyBackfill = 29808000;
constexpr double kWaitAware = 12000;
constexpr double kWaitBackfill = 60;

/// A scenario run and its trace, in a temporary folder.
struct ComparedRun {
  fs::path dir;
  fs::path trace;
  scenario::RunResult result;
  ComparedRun(const std::string& policy, const std::string& compare) {
    dir = fs::temp_directory_path() / fmt::format("footprint_comparison_{}_{}_{}", ::getpid(),
                                                  policy, std::hash<std::string>{}(compare));
    fs::create_directories(dir);
    write_two_level_series(dir / "two.csv");
    const auto sc = scenario::parse_scenario(two_level_scenario(dir / "two.csv", policy, compare),
                                             (dir / "s.yaml").string());
    result = scenario::run_scenario(sc, {.threads = 2});
    trace = dir / "t.h5";
    io::AtomicOutput out(trace, true);
    io::write_trace(out, sc, result, {"test", "test"});
  }
  ComparedRun(const ComparedRun&) = delete;
  ComparedRun& operator=(const ComparedRun&) = delete;
  ComparedRun(ComparedRun&&) = delete;
  ComparedRun& operator=(ComparedRun&&) = delete;
  ~ComparedRun() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

/// The CSV's `kind,name` rows of `kind` as name -> the `value` cell (the last).
std::map<std::string, std::string> csv_figures(const std::string& csv, const std::string& kind) {
  std::map<std::string, std::string> out;
  std::istringstream in(csv);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(kind + ",", 0) == 0) {
      const auto name_end = line.find(',', kind.size() + 1);
      out[line.substr(kind.size() + 1, name_end - kind.size() - 1)] =
          line.substr(line.rfind(',') + 1);
    }
  }
  return out;
}

double number(const std::string& cell) {
  return std::stod(cell);
}

}  // namespace

TEST_CASE("scheduler.compare: the baseline is the scheduler's settings with those the key gives",
          "[analysis][comparison]") {
  const auto parse = [](const std::string& scheduler) {
    return scenario::parse_scenario(fmt::format(R"(
name: s
scheduler: {}
regions: [ {{ name: r, intensity: 100 g/kWh }} ]
datacenters: [ {{ name: dc, region: r, pue: 1.1, accelerators: {{ V100: 8 }} }} ]
jobs:
  - {{ name: a, type: training, datacenter: dc, accelerator: V100, devices: 1, work: 1 h,
      mfu: 0.3, power: 300 W }}
)",
                                                scheduler),
                                    "s.yaml");
  };
  const auto run = parse(
      "{ policy: carbon-aware, forecast: { error: 10 % }, tolerance: 5 %, epoch: 2 min, "
      "backfill_depth: 16, compare: { policy: backfill, backfill_depth: 8 } }");
  REQUIRE(run.baseline);
  CHECK(run.baseline->policy == models::Policy::kBackfill);
  CHECK(run.baseline->backfill_depth == 8);
  CHECK(run.baseline->epoch == engine::SimTime::minutes(2));
  CHECK(run.baseline->forecast_error == 0.1);
  CHECK(run.baseline->tolerance == 0.05);
  CHECK(run.scheduler.policy == models::Policy::kCarbonAware);
  CHECK(run.scheduler.backfill_depth == 16);

  // `fifo`: the same as { policy: fifo }.
  const auto fifo = parse("{ policy: carbon-aware, forecast: { error: 10 % }, compare: fifo }");
  REQUIRE(fifo.baseline);
  CHECK(fifo.baseline->policy == models::Policy::kFifo);
  CHECK(fifo.baseline->forecast_error == 0.1);
  // A baseline differing in a setting only.
  const auto perfect =
      parse("{ policy: carbon-aware, forecast: { error: 10 % }, compare: { forecast: perfect } }");
  REQUIRE(perfect.baseline);
  CHECK(perfect.baseline->policy == models::Policy::kCarbonAware);
  CHECK(perfect.baseline->forecast_error == 0);
  CHECK_FALSE(parse("{ policy: carbon-aware, compare: none }").baseline);
  CHECK_FALSE(parse("{ policy: carbon-aware }").baseline);
  // The run's own settings: nothing to compare.
  CHECK_THROWS_AS(parse("{ policy: fifo, compare: fifo }"), InputError);
  CHECK_THROWS_AS(parse("{ policy: backfill, tolerance: 5 %, compare: { tolerance: 5 % } }"),
                  InputError);
  CHECK(scenario::policy_name(models::Policy::kCarbonAware) == "carbon-aware");
}

TEST_CASE(
    "scheduler.compare: matched jobs, the site, and jobs finished, against a hand computation",
    "[analysis][comparison]") {
  const ComparedRun aware("carbon-aware", "{ policy: backfill }");
  REQUIRE(aware.result.comparison);
  const auto& c = *aware.result.comparison;
  CHECK(c.baseline.policy == models::Policy::kBackfill);
  CHECK(c.baseline.epoch == engine::SimTime::minutes(1));
  // The starts the figures below rest on.
  const auto& jobs = aware.result.jobs;
  CHECK(units::to_seconds(jobs[0].start) == 21600);
  CHECK(units::to_seconds(jobs[1].start) == 60);
  CHECK(units::to_seconds(jobs[2].start) == 14340);
  CHECK(jobs[2].finished());

  CHECK(c.jobs_compared == 3);
  CHECK(units::to_grams(c.matched_location) == Approx(kMatchedAware).epsilon(kRel));
  CHECK(units::to_grams(c.matched_market) == Approx(kMatchedAware).epsilon(kRel));
  CHECK(units::to_grams(c.matched_baseline_location) == Approx(kMatchedBackfill).epsilon(kRel));
  CHECK(units::to_grams(c.saved_location()) ==
        Approx(kMatchedBackfill - kMatchedAware).epsilon(kRel));
  CHECK(scenario::saved_fraction(c.saved_location(), c.matched_baseline_location) ==
        Approx(859.2 / 2121.6).epsilon(kRel));
  CHECK(units::to_seconds(c.delay) == Approx(kDelay).epsilon(kRel));
  CHECK(units::to_grams(c.totals.emissions_location) == Approx(kSiteBackfill).epsilon(kRel));
  CHECK(units::to_grams(aware.result.totals.emissions_location) ==
        Approx(kSiteAware).epsilon(kRel));
  CHECK(units::to_joules(c.totals.energy) == Approx(kEnergyBackfill).epsilon(kRel));
  CHECK(units::to_joules(aware.result.totals.energy) == Approx(kEnergyAware).epsilon(kRel));
  CHECK(c.totals.jobs_finished == 3);
  CHECK(aware.result.totals.jobs_finished == 3);
  CHECK(units::to_seconds(c.totals.mean_wait) == Approx(kWaitBackfill).epsilon(kRel));
  CHECK(units::to_seconds(aware.result.totals.mean_wait) == Approx(kWaitAware).epsilon(kRel));

  // The trace: /summary/comparison, and no FIFO group (the baseline is backfill).
  {
    using schema::ComparisonAttr;
    const auto name = [](ComparisonAttr a) { return std::string(schema::field(a).name); };
    const auto f = io::File::open_read(aware.trace);
    const auto summary = f.root().open_group(schema::kSummaryGroup);
    CHECK_FALSE(summary.has(schema::kFifoGroup));
    CHECK_FALSE(summary.has_attr("emissions_saved_location_g"));
    const auto g = summary.open_group(schema::kComparisonGroup);
    CHECK(g.get_attr_string(name(ComparisonAttr::kBaselinePolicy)) == "backfill");
    CHECK(g.get_attr_double(name(ComparisonAttr::kBaselineEpoch)) == 60);
    CHECK(g.get_attr_int64(name(ComparisonAttr::kBaselineBackfillDepth)) == 64);
    CHECK(g.get_attr_int64(name(ComparisonAttr::kJobsCompared)) == 3);
    CHECK(g.get_attr_double(name(ComparisonAttr::kMatchedLocation)) ==
          Approx(kMatchedAware).epsilon(kRel));
    CHECK(g.get_attr_double(name(ComparisonAttr::kMatchedBaselineMarket)) ==
          Approx(kMatchedBackfill).epsilon(kRel));
    CHECK(g.get_attr_double(name(ComparisonAttr::kSavedLocation)) == Approx(859.2).epsilon(kRel));
    CHECK(g.get_attr_double(name(ComparisonAttr::kSavedMarketFraction)) ==
          Approx(859.2 / 2121.6).epsilon(kRel));
    CHECK(g.get_attr_double(name(ComparisonAttr::kStartDelay)) == Approx(kDelay).epsilon(kRel));
    CHECK(g.get_attr_double(name(ComparisonAttr::kBaselineEnergy)) ==
          Approx(kEnergyBackfill).epsilon(kRel));
    CHECK(g.get_attr_double(name(ComparisonAttr::kSiteEnergySaved)) ==
          Approx(kEnergyBackfill - kEnergyAware).epsilon(kRel));
    CHECK(g.get_attr_double(name(ComparisonAttr::kSiteSavedLocation)) ==
          Approx(kSiteBackfill - kSiteAware).epsilon(kRel));
    CHECK(g.get_attr_int64(name(ComparisonAttr::kBaselineJobsFinished)) == 3);
    CHECK(g.get_attr_double(name(ComparisonAttr::kBaselineMeanWait)) ==
          Approx(kWaitBackfill).epsilon(kRel));
  }

  // The report's table: amounts in t (4 significant digits), delay and savings in words.
  const auto r = analysis::read_report(aware.trace);
  REQUIRE(r.comparison);
  CHECK(r.comparison->baseline_policy == "backfill");
  const auto table = analysis::render_table(r);
  CHECK_THAT(table, Catch::Contains(
                        "versus backfill (epoch 60 s, forecast error 0 %, tolerance 0 %, backfill "
                        "depth 64)\n"
                        "  matched jobs (finished under both): 3, started 3.32 h later on average\n"
                        "    location-based 0.001262 t here, 0.002122 t under backfill: saved "
                        "0.0008592 t (40.50 % less)\n"));
  // Site: 859.2 / 2,121.6 = 40.50 %; energy 0.00828 MWh under both.
  CHECK_THAT(table,
             Catch::Contains("  the site (all datacenters, idle draw included): energy "
                             "0.00828 MWh here, 0.00828 MWh under backfill\n"
                             "    location-based 0.001262 t here, 0.002122 t under backfill: "
                             "saved 0.0008592 t (40.50 % less)\n"));
  // 12,000 s = 3.33 h; 60 s = 0.02 h.
  CHECK_THAT(table, Catch::Contains("  jobs finished 3 here, 3 under backfill; mean wait 3.33 h "
                                    "here, 0.02 h under backfill\n"));

  // CSV and JSON hold every figure of the block, in the units their names give.
  const auto csv = analysis::render_csv(r);
  const auto cmp = csv_figures(csv, "comparison");
  CHECK(cmp.at("baseline_policy") == "backfill");
  CHECK(number(cmp.at("jobs_compared")) == 3);
  CHECK(number(cmp.at("matched_emissions_location_t")) ==
        Approx(kMatchedAware / 1e6).epsilon(kRel));
  CHECK(number(cmp.at("matched_baseline_emissions_market_t")) ==
        Approx(kMatchedBackfill / 1e6).epsilon(kRel));
  CHECK(number(cmp.at("emissions_saved_location_t")) == Approx(859.2 / 1e6).epsilon(kRel));
  CHECK(number(cmp.at("emissions_saved_location_fraction")) ==
        Approx(859.2 / 2121.6).epsilon(kRel));
  CHECK(number(cmp.at("start_delay_h")) == Approx(kDelay / 3600).epsilon(kRel));
  CHECK(number(cmp.at("baseline_energy_mwh")) == Approx(kEnergyBackfill / 3.6e9).epsilon(kRel));
  CHECK(number(cmp.at("site_emissions_saved_market_t")) ==
        Approx((kSiteBackfill - kSiteAware) / 1e6).epsilon(kRel));
  CHECK(number(cmp.at("baseline_jobs_finished")) == 3);
  CHECK(number(cmp.at("baseline_mean_wait_h")) == Approx(kWaitBackfill / 3600).epsilon(kRel));
  const auto run = csv_figures(csv, "summary");
  CHECK(number(run.at("jobs")) == 3);
  CHECK(number(run.at("jobs_finished")) == 3);
  CHECK(number(run.at("mean_wait_h")) == Approx(kWaitAware / 3600).epsilon(kRel));
  // The datacenter row: PUE 1.2; peak and p99 of 720 W (a and c at once; b alone ran at
  // 360 W for an hour, the other 23 hourly means are at most 720 W).
  const auto dc_line = csv.substr(csv.find("\ndatacenter,dc,") + 1);
  CHECK_THAT(dc_line, Catch::StartsWith("datacenter,dc,,,,,"));
  CHECK(r.datacenters.at(0).pue == Approx(1.2).epsilon(kRel));
  CHECK(r.datacenters.at(0).peak_facility_mw == Approx(720e-6).epsilon(kRel));
  CHECK_THAT(dc_line.substr(0, dc_line.find('\n')),
             Catch::EndsWith(fmt::format(
                 ",{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},0,,,,,", r.datacenters[0].pue,
                 r.datacenters[0].embodied_t, r.datacenters[0].peak_facility_mw,
                 r.datacenters[0].p99_facility_mw, *r.datacenters[0].design_peak_mw)));
  const auto json = analysis::render_json(r);
  CHECK_THAT(json, Catch::Contains("\"comparison\": {\"baseline_policy\": \"backfill\", "
                                   "\"baseline_epoch_s\": 60, "));
  CHECK_THAT(json, Catch::Contains("\"jobs_compared\": 3, "));
  CHECK_THAT(json, Catch::Contains("\"baseline_jobs_finished\": 3, "));
  CHECK_THAT(json, Catch::Contains("\"summary\": {\"scenario\": \"two-level\", \"seed\": 0, "
                                   "\"jobs\": 3, \"jobs_finished\": 3, "));
}

TEST_CASE("scheduler.compare: a baseline that did better is worded 'emitted more' and 'earlier'",
          "[analysis][comparison]") {
  // The same jobs the other way round: backfill against a carbon-aware baseline.
  const ComparedRun backfill("backfill", "{ policy: carbon-aware }");
  REQUIRE(backfill.result.comparison);
  const auto& c = *backfill.result.comparison;
  CHECK(c.jobs_compared == 3);
  CHECK(units::to_grams(c.saved_location()) ==
        Approx(kMatchedAware - kMatchedBackfill).epsilon(kRel));
  CHECK(units::to_seconds(c.delay) == Approx(-kDelay).epsilon(kRel));
  const auto table = analysis::render_table(analysis::read_report(backfill.trace));
  // 859.2 / 1,262.4 = 68.06 % more than the baseline, for the matched jobs and the site.
  CHECK_THAT(table, Catch::Contains("  matched jobs (finished under both): 3, started 3.32 h "
                                    "earlier on average\n"
                                    "    location-based 0.002122 t here, 0.001262 t under "
                                    "carbon-aware: emitted 0.0008592 t more (68.06 % more)\n"));
  CHECK_THAT(table,
             Catch::Contains("    market-based 0.002122 t here, 0.001262 t under carbon-aware: "
                             "emitted 0.0008592 t more (68.06 % more)\n"));
  CHECK_THAT(table, !Catch::Contains(" -"));  // no negative figure, no "-2.99 h later"

  CHECK(analysis::delay_words(0.004) == "at the same time");
  CHECK(analysis::delay_words(-0.004) == "at the same time");
  CHECK(analysis::delay_words(42.744) == "42.74 h later");
  CHECK(analysis::delay_words(-13.2) == "13.20 h earlier");
  CHECK(analysis::saving_words(4.6) == "saved 4.6 t");
  CHECK(analysis::saving_words(-4.6) == "emitted 4.6 t more");
  CHECK(analysis::saving_words(0) == "emitted the same");
}

TEST_CASE(
    "scheduler.compare: a FIFO baseline also writes the earlier traces' fields, and such a trace "
    "reads without the figures it lacks",
    "[analysis][comparison]") {
  // FIFO starts the three jobs at 60 s as backfill does: the same figures.
  const ComparedRun aware("carbon-aware", "fifo");
  {
    using schema::FifoComparisonAttr;
    const auto f = io::File::open_read(aware.trace);
    const auto summary = f.root().open_group(schema::kSummaryGroup);
    const auto name = [](FifoComparisonAttr a) { return std::string(schema::field(a).name); };
    CHECK(summary.get_attr_double(name(FifoComparisonAttr::kSavedLocation)) ==
          Approx(859.2).epsilon(kRel));
    CHECK(summary.get_attr_double(name(FifoComparisonAttr::kDelayAdded)) ==
          Approx(kDelay).epsilon(kRel));
    CHECK(summary.get_attr_int64(name(FifoComparisonAttr::kJobsFinishedFifo)) == 3);
    const auto fifo = summary.open_group(schema::kFifoGroup);
    CHECK(fifo.get_attr_double("emissions_location_g") == Approx(kSiteBackfill).epsilon(kRel));
    CHECK(summary.open_group(schema::kComparisonGroup).get_attr_string("baseline_policy") ==
          "fifo");
  }
  // Without /summary/comparison: a trace written before it.
  const fs::path old = aware.dir / "old.h5";
  fs::copy_file(aware.trace, old);
  {
    const hid_t f = H5Fopen(old.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(f >= 0);
    CHECK(H5Ldelete(f, "/summary/comparison", H5P_DEFAULT) >= 0);
    CHECK(H5Fclose(f) >= 0);
  }
  const auto r = analysis::read_report(old);
  REQUIRE(r.comparison);
  const auto& c = *r.comparison;
  CHECK(c.baseline_policy == "fifo");
  CHECK_FALSE(c.baseline_epoch_s);
  CHECK_FALSE(c.baseline_backfill_depth);
  CHECK_FALSE(c.matched_emissions_location_t);
  CHECK_FALSE(c.saved_location_fraction);
  CHECK(c.jobs_compared == 3);
  CHECK(c.saved_location_t == Approx(859.2 / 1e6).epsilon(kRel));
  CHECK(c.start_delay_h == Approx(kDelay / 3600).epsilon(kRel));
  CHECK(c.baseline_energy_mwh == Approx(kEnergyBackfill / 3.6e9).epsilon(kRel));
  CHECK(c.site_emissions_saved_location_t ==
        Approx((kSiteBackfill - kSiteAware) / 1e6).epsilon(kRel));
  CHECK(c.baseline_jobs_finished == 3);
  const auto table = analysis::render_table(r);
  CHECK_THAT(table, Catch::Contains("versus fifo\n"
                                    "  matched jobs (finished under both): 3, started 3.32 h "
                                    "later on average\n"
                                    "    location-based: saved 0.0008592 t\n"));
  CHECK_THAT(table, Catch::Contains("  jobs finished 3 here, 3 under fifo;"));
  const auto cmp = csv_figures(analysis::render_csv(r), "comparison");
  CHECK(cmp.at("baseline_epoch_s").empty());
  CHECK(cmp.at("matched_emissions_location_t").empty());
  CHECK(number(cmp.at("emissions_saved_location_t")) == Approx(859.2 / 1e6).epsilon(kRel));
  const auto json = analysis::render_json(r);
  CHECK_THAT(json, Catch::Contains("\"baseline_epoch_s\": null, "));
  CHECK_THAT(json, Catch::Contains("\"matched_emissions_location_t\": null, "));
}

TEST_CASE("scheduler.compare: a run without a baseline has no comparison in any format",
          "[analysis][comparison]") {
  const ComparedRun aware("carbon-aware", "none");
  CHECK_FALSE(aware.result.comparison);
  const auto r = analysis::read_report(aware.trace);
  CHECK_FALSE(r.comparison);
  CHECK_THAT(analysis::render_table(r), !Catch::Contains("versus"));
  CHECK(csv_figures(analysis::render_csv(r), "comparison").empty());
  CHECK_THAT(analysis::render_json(r), Catch::EndsWith("\"comparison\": null}\n"));
}
