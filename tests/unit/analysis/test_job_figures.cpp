// Job-level figures of `footprint report` and `compare`, read from traces written by real
// runs: the jobs' emissions and waits per datacenter, the span of a datacenter that finished
// no job (0, not the horizon), and an accelerator without a published embodied figure
// (unknown, not 0).
//
// The run: horizon 2 d, FIFO with a 1-minute epoch; datacenter "done" has 1 V100 (embodied
// 9.78 kg published) and three 1-hour jobs a, b, c submitted at 0: they start at 60 s,
// 3780 s and 7500 s (each start waits for the next epoch after the previous end) and end
// an hour later. Datacenter "running" has 4 A100 (no published embodied figure) and one job
// "long" of 10 days, which starts at 60 s and is still running at the horizon (172,800 s).
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <hdf5.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include "analysis/compare.hpp"
#include "analysis/report.hpp"
#include "sim/app/scenario/run.hpp"
#include "sim/app/scenario/scenario.hpp"
#include "sim/app/trace/trace.hpp"
#include "sim/kernel/hdf5/hdf5.hpp"

using namespace footprint;
namespace fs = std::filesystem;

namespace {

constexpr double kRel = 1e-12;
constexpr double kHorizonS = 172800;

/// The run above, with `v100s` V100 in "done"; its trace in a folder of its own.
struct Run {
  fs::path dir;
  fs::path trace;
  explicit Run(int v100s) {
    dir = fs::temp_directory_path() / fmt::format("footprint_job_figures_{}_{}", ::getpid(), v100s);
    fs::create_directories(dir);
    const auto yaml = fmt::format(R"(
name: job-figures
horizon: 2 d
scheduler: {{ policy: fifo, epoch: 1 min }}
regions: [ {{ name: r, intensity: 100 g/kWh }} ]
datacenters:
  - {{ name: done, region: r, pue: 1.0, idle: off, accelerators: {{ V100: {} }} }}
  - {{ name: running, region: r, pue: 1.0, idle: off, accelerators: {{ A100: 4 }} }}
jobs:
  - {{ name: a, type: training, datacenter: done, accelerator: V100, devices: 1, work: 1 h,
      mfu: 0.3, power: 300 W, submit: 0 s }}
  - {{ name: b, type: training, datacenter: done, accelerator: V100, devices: 1, work: 1 h,
      mfu: 0.3, power: 300 W, submit: 0 s }}
  - {{ name: c, type: training, datacenter: done, accelerator: V100, devices: 1, work: 1 h,
      mfu: 0.3, power: 300 W, submit: 0 s }}
  - {{ name: long, type: training, datacenter: running, accelerator: A100, devices: 1,
      work: 10 d, mfu: 0.3, power: 300 W, submit: 0 s }}
)",
                                  v100s);
    const auto sc = scenario::parse_scenario(yaml, (dir / "s.yaml").string());
    const auto result = scenario::run_scenario(sc, {.threads = 1});
    trace = dir / "t.h5";
    io::AtomicOutput out(trace, true);
    io::write_trace(out, sc, result, {"test", "test"});
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;
  Run(Run&&) = delete;
  Run& operator=(Run&&) = delete;
  ~Run() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

const analysis::JobRow& job(const analysis::Report& r, const std::string& name) {
  for (const auto& j : r.jobs) {
    if (j.name == name) {
      return j;
    }
  }
  FAIL("no job " << name);
  return r.jobs.front();
}

}  // namespace

TEST_CASE("report: a datacenter that finished no job spans 0 days, not up to the horizon",
          "[analysis][report][jobs]") {
  const Run run(1);
  // The trace's own span of "running" reaches the horizon (an unfinished job counts as
  // ending there): the report's figure must not come from it.
  {
    const auto f = io::File::open_read(run.trace);
    const auto g = f.root().open_group("datacenters").open_group("running");
    CHECK(g.get_attr_double("first_start_s") == 60);
    CHECK(g.get_attr_double("last_end_s") == kHorizonS);
  }
  const auto r = analysis::read_report(run.trace);
  REQUIRE(r.datacenters.size() == 2);
  const auto& done = r.datacenters[0];
  const auto& running = r.datacenters[1];
  REQUIRE(running.name == "running");
  CHECK(running.days == 0);
  CHECK(running.jobs_finished == 0);
  // "done": from a's start (60 s) to c's end (7500 + 3600 s).
  CHECK(job(r, "a").start_s == 60);
  CHECK(job(r, "c").end_s == 11100);
  CHECK(done.days == Approx((11100.0 - 60) / 86400).epsilon(kRel));
  CHECK(done.jobs_finished == 3);
  CHECK(r.totals.days == done.days);
  CHECK(r.totals.jobs_finished == 3);
  const auto table = analysis::render_table(r);
  CHECK_THAT(table, Catch::Contains(fmt::format("{:<10}  {:>8.2f}", "running", 0.0)));
}

TEST_CASE("report: jobs' emissions, energy and waits per datacenter; idle is the rest",
          "[analysis][report][jobs]") {
  const Run run(1);
  const auto r = analysis::read_report(run.trace);
  const auto& done = r.datacenters[0];
  const auto& running = r.datacenters[1];
  // Waits: a 60 s, b 3780 s, c 7500 s at "done"; long 60 s at "running".
  CHECK(job(r, "b").wait_s == 3780);
  CHECK(job(r, "c").wait_s == 7500);
  CHECK(done.mean_wait_h == Approx((60.0 + 3780 + 7500) / 3 / 3600).epsilon(kRel));
  // 95th percentile, nearest rank: the ceil(0.95 x 3) = 3rd smallest of 3.
  CHECK(done.p95_wait_h == Approx(7500.0 / 3600).epsilon(kRel));
  CHECK(running.mean_wait_h == Approx(60.0 / 3600).epsilon(kRel));
  CHECK(running.p95_wait_h == Approx(60.0 / 3600).epsilon(kRel));
  // All four: the 4th smallest of 4 (ceil(3.8) = 4).
  CHECK(r.totals.mean_wait_h == Approx((60.0 + 3780 + 7500 + 60) / 4 / 3600).epsilon(kRel));
  CHECK(r.totals.p95_wait_h == Approx(7500.0 / 3600).epsilon(kRel));
  // The jobs' emissions are the sums of their rows (the unfinished one up to the stop).
  const double a = job(r, "a").emissions_location_t;
  CHECK(a > 0);
  CHECK(done.jobs_emissions_location_t ==
        Approx(a + job(r, "b").emissions_location_t + job(r, "c").emissions_location_t)
            .epsilon(kRel));
  CHECK(running.jobs_emissions_market_t == Approx(job(r, "long").emissions_market_t).epsilon(kRel));
  CHECK(r.totals.jobs_emissions_location_t ==
        Approx(done.jobs_emissions_location_t + running.jobs_emissions_location_t).epsilon(kRel));
  CHECK(r.totals.jobs_energy_mwh ==
        Approx(done.jobs_energy_mwh + running.jobs_energy_mwh).epsilon(kRel));
  // idle: off and PUE 1: nothing but the jobs draws, so idle is 0 up to rounding.
  CHECK(std::abs(done.idle_emissions_location_t()) <= 1e-9 * done.emissions_location_t);
  CHECK(std::abs(r.totals.idle_energy_mwh()) <= 1e-9 * r.totals.energy_mwh);
  // With max_jobs the rows are cut, the figures are not.
  const auto few = analysis::read_report(run.trace, 1);
  CHECK(few.jobs.size() == 1);
  CHECK(few.totals.p95_wait_h == r.totals.p95_wait_h);
  CHECK(few.datacenters[0].jobs_emissions_location_t == done.jobs_emissions_location_t);
  // JSON carries them.
  const auto json = analysis::render_json(r);
  CHECK_THAT(json, Catch::Contains(fmt::format("\"p95_wait_h\": {:.17g}", 7500.0 / 3600)));
  CHECK_THAT(json, Catch::Contains("\"jobs_finished\": 3, \"jobs_energy_mwh\": "));
}

TEST_CASE("report: an accelerator without a published embodied figure is unknown, not 0",
          "[analysis][report][jobs]") {
  const Run run(1);
  {
    const auto f = io::File::open_read(run.trace);
    const auto dcs = f.root().open_group("datacenters");
    CHECK(dcs.open_group("done").get_attr_int64s("accelerator_has_embodied") ==
          std::vector<std::int64_t>{1});
    CHECK(dcs.open_group("running").get_attr_int64s("accelerator_has_embodied") ==
          std::vector<std::int64_t>{0});
    // The trace's own figure counts the A100s as 0.
    CHECK(dcs.open_group("running").get_attr_double("embodied_g") == 0);
  }
  const auto r = analysis::read_report(run.trace);
  const auto& done = r.datacenters[0];
  const auto& running = r.datacenters[1];
  CHECK(std::isnan(running.embodied_t));
  CHECK(running.embodied_unpublished == std::vector<std::string>{"A100"});
  // 1 V100 x 9.78 kg / 5 years x the 2-day trace.
  CHECK(done.embodied_t == Approx(9.78e-3 * kHorizonS / (5 * 365 * 86400.0)).epsilon(1e-9));
  CHECK(done.embodied_unpublished.empty());
  CHECK(r.totals.embodied_t == done.embodied_t);
  CHECK(r.totals.embodied_unpublished == std::vector<std::string>{"A100"});
  CHECK(std::isnan(job(r, "long").embodied_t));
  CHECK(job(r, "a").embodied_t > 0);

  const auto table = analysis::render_table(r);
  CHECK_THAT(table, Catch::Contains("emb tCO2e: no published embodied figure for A100 (running): "
                                    "not counted (unknown, not 0)"));
  const auto at = table.find("\nrunning ");
  REQUIRE(at != std::string::npos);
  CHECK_THAT(table.substr(at + 1, table.find('\n', at + 1) - at - 1), Catch::EndsWith(" -"));
  const auto json = analysis::render_json(r);
  CHECK_THAT(json, Catch::Contains("\"embodied_t\": null, \"embodied_unpublished\": [\"A100\"]"));
  CHECK_THAT(json, !Catch::Contains("nan"));

  // A trace written before `accelerator_has_embodied`: the trace's 0 stands.
  const fs::path old = run.dir / "old.h5";
  fs::copy_file(run.trace, old);
  {
    const hid_t file = H5Fopen(old.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(file >= 0);
    for (const char* dc : {"/datacenters/done", "/datacenters/running"}) {
      const hid_t g = H5Gopen2(file, dc, H5P_DEFAULT);
      REQUIRE(g >= 0);
      CHECK(H5Adelete(g, "accelerator_has_embodied") >= 0);
      H5Gclose(g);
    }
    H5Fclose(file);
  }
  const auto o = analysis::read_report(old);
  CHECK(o.datacenters[1].embodied_t == 0);
  CHECK(o.totals.embodied_unpublished.empty());
  CHECK(job(o, "long").embodied_t == 0);
  CHECK_THAT(analysis::render_table(o), !Catch::Contains("no published embodied figure"));
}

TEST_CASE("compare: two real runs, site and job level, matched jobs start earlier",
          "[analysis][compare][jobs]") {
  // B has 3 V100 at "done": a, b and c all start at 60 s.
  const Run a(1);
  const Run b(3);
  const auto ra = analysis::read_report(a.trace);
  const auto rb = analysis::read_report(b.trace);
  CHECK(job(rb, "c").start_s == 60);
  const auto c = analysis::compare_reports(ra, rb);
  // Matched: a, b, c (long finished in neither). Mean start (60 + 3780 + 7500) / 3 s in A,
  // 60 s in B.
  CHECK(c.matched.count == 3);
  CHECK(c.matched.mean_start_h_a == Approx(3780.0 / 3600).epsilon(kRel));
  CHECK(c.matched.mean_start_h_b == Approx(60.0 / 3600).epsilon(kRel));
  const auto table = analysis::render_compare(ra, rb, "a.h5", "b.h5", "table");
  CHECK_THAT(table,
             Catch::Contains("B starts the 3 matched jobs 1.033 h earlier than A on average"));
  CHECK_THAT(table, Catch::Contains("embodied_t: no published embodied figure for A100"));
  // p95 wait at "done": 7500 s in A, 60 s in B.
  bool found = false;
  for (const auto& row : c.rows) {
    if (row.scope == "datacenter" && row.name == "done" && row.metric == "p95_wait_h") {
      found = true;
      CHECK(row.a == Approx(7500.0 / 3600).epsilon(kRel));
      CHECK(row.b == Approx(60.0 / 3600).epsilon(kRel));
      CHECK(row.units == "h");
      CHECK(row.level == "jobs");
    }
    if (row.scope == "datacenter" && row.name == "running" && row.metric == "embodied_t") {
      CHECK(std::isnan(row.a));
      CHECK(std::isnan(row.b));
    }
  }
  CHECK(found);
}
