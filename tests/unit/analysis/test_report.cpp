// `footprint report` of a run's trace: the run summary line, read from a trace written by a
// real run.
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include "analysis/report.hpp"
#include "sim/app/scenario/run.hpp"
#include "sim/app/scenario/scenario.hpp"
#include "sim/app/trace/trace.hpp"

using namespace footprint;
namespace fs = std::filesystem;

namespace {

/// A 48-hour series at 100 g/kWh with 500 g/kWh from 12 h to 15 h, and three V100 jobs:
/// "j" (20 h of compute from t = 0, a 1-minute checkpoint every hour, 3 h of slack,
/// pausing above 300 g/kWh) and two 1-hour jobs. Under carbon-aware scheduling j pauses
/// once, at the end of its 12th checkpoint (43,980 s), until the peak ends (54,000 s):
/// 10,020 s (tests/unit/models/scheduling derives these figures).
struct PauseRun {
  fs::path dir;
  fs::path trace;
  explicit PauseRun(const std::string& policy) {
    dir = fs::temp_directory_path() / fmt::format("footprint_report_{}_{}", ::getpid(), policy);
    fs::create_directories(dir);
    {
      std::ofstream csv(dir / "peak.csv");
      csv << "timestamp_utc,gco2_per_kwh\n";
      for (int h = 0; h < 48; ++h) {
        csv << fmt::format("2022-01-{:02d}T{:02d}:00:00Z,{}\n", 1 + h / 24, h % 24,
                           (h >= 12 && h < 15) ? 500 : 100);
      }
    }
    const auto yaml = fmt::format(R"(
name: report-pause
epoch: 2022-01-01T00:00:00Z
scheduler: {{ policy: {}, epoch: 1 min }}
regions: [ {{ name: r, intensity: {{ file: "{}" }} }} ]
datacenters: [ {{ name: dc, region: r, pue: 1.0, idle: off, accelerators: {{ V100: 3 }} }} ]
jobs:
  - {{ name: j, type: training, datacenter: dc, accelerator: V100, devices: 1, work: 72 PFLOP,
      throughput: 1 TFLOP/s, steps: 1200, power: 300 W, submit: 0 s, slack: 3 h,
      checkpoint: {{ interval: 1 h, duration: 1 min, pause_above: 300 g/kWh }} }}
  - {{ name: a, type: training, datacenter: dc, accelerator: V100, devices: 1, work: 1 h,
      mfu: 0.3, power: 300 W, submit: 0 s }}
  - {{ name: b, type: training, datacenter: dc, accelerator: V100, devices: 1, work: 1 h,
      mfu: 0.3, power: 300 W, submit: 0 s }}
)",
                                  policy, (dir / "peak.csv").string());
    const auto sc = scenario::parse_scenario(yaml, (dir / "s.yaml").string());
    const auto result = scenario::run_scenario(sc, {.threads = 2});
    trace = dir / "t.h5";
    io::AtomicOutput out(trace, true);
    io::write_trace(out, sc, result, {"test", "test"});
  }
  PauseRun(const PauseRun&) = delete;
  PauseRun& operator=(const PauseRun&) = delete;
  PauseRun(PauseRun&&) = delete;
  PauseRun& operator=(PauseRun&&) = delete;
  ~PauseRun() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

}  // namespace

TEST_CASE("report: the run summary counts every job, and the pauses, when few rows are read",
          "[analysis][report]") {
  const PauseRun aware("carbon-aware");
  const auto r = analysis::read_report(aware.trace, 1);
  CHECK(r.jobs.size() == 1);
  CHECK(r.job_count == 3);
  CHECK(r.jobs_finished == 3);
  CHECK(r.pauses == 1);
  CHECK(r.paused_h == Approx(10020.0 / 3600).epsilon(1e-12));
  const auto table = analysis::render_table(r);
  CHECK_THAT(table, Catch::Contains("... and 2 more jobs"));
  // 10,020 s = 2.783 h to 4 significant digits.
  CHECK_THAT(table, Catch::Contains("jobs finished 3 of 3; mean wait"));
  CHECK_THAT(table, Catch::Contains("lost 0 device-hours; pauses 1 (2.783 h)\n"));

  // Under FIFO nothing pauses, and the line says nothing of pauses.
  const PauseRun fifo("fifo");
  const auto f = analysis::read_report(fifo.trace, 1);
  CHECK(f.pauses == 0);
  CHECK(f.paused_h == 0);
  const auto fifo_table = analysis::render_table(f);
  CHECK_THAT(fifo_table, Catch::Contains("jobs finished 3 of 3; mean wait"));
  CHECK_THAT(fifo_table, Catch::Contains("lost 0 device-hours\n"));
}
