// `footprint report` of a run's trace: the run summary line, and a predicted job's
// /predicted group (MFU, error band, borrowed constants, energy per phase) as the writer
// stores it and the report prints it, read from traces written by real runs; and a trace
// written before those fields, which reads and prints without them.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <hdf5.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include "analysis/report.hpp"
#include "models/accelerators/accelerator.hpp"
#include "models/workloads/step_model.hpp"
#include "sim/app/scenario/plan.hpp"
#include "sim/app/scenario/run.hpp"
#include "sim/app/scenario/scenario.hpp"
#include "sim/app/trace/trace.hpp"
#include "sim/kernel/hdf5/hdf5.hpp"
#include "sim/kernel/schema/trace_schema.hpp"

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

namespace {

/// 16 H200 training a 4-layer dense model for 100 steps of 64 sequences of 2048 tokens:
/// data 2 x tensor 2 x pipeline 2 x context 2, 2 virtual stages, 4 microbatches, FP8,
/// selective recomputation, the optimizer state sharded in groups of 2. H200 has no
/// calibration of its own: it borrows H100 FP8's.
struct PredictedRun {
  fs::path dir;
  fs::path trace;
  models::AcceleratorType chip;
  PredictedRun() {
    dir = fs::temp_directory_path() / fmt::format("footprint_report_predicted_{}", ::getpid());
    fs::create_directories(dir);
    const std::string yaml = R"(
name: report-predicted
regions: [ { name: r, intensity: 400 g/kWh } ]
datacenters: [ { name: dc, region: r, pue: 1.1, idle: off, accelerators: { H200: 16 } } ]
jobs:
  - name: small
    type: training
    datacenter: dc
    accelerator: H200
    devices: 16
    model: { architecture: dense, layers: 4, d_model: 1024, d_ff: 4096, heads: 16, d_head: 64,
             vocabulary: 32000, sequence: 2048 }
    work: 13107200 tokens
    batch: 131072 tokens
    parallelism: { data: 2, tensor: 2, pipeline: 2, context: 2, virtual_stages: 2,
                   microbatches: 4 }
    precision: { compute: fp8, recompute: selective, shard: optimizer, shard_group: 2 }
    stragglers: { mean: 1 % }
    start: 0 s
)";
    auto sc = scenario::parse_scenario(yaml, (dir / "s.yaml").string());
    chip = *sc.accelerators.find("H200");
    const auto result = scenario::run_scenario(sc, {.threads = 2});
    trace = dir / "t.h5";
    io::AtomicOutput out(trace, true);
    io::write_trace(out, sc, result, {"test", "test"});
  }
  PredictedRun(const PredictedRun&) = delete;
  PredictedRun& operator=(const PredictedRun&) = delete;
  PredictedRun(PredictedRun&&) = delete;
  PredictedRun& operator=(PredictedRun&&) = delete;
  ~PredictedRun() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

double sum(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0);
}

/// A copy of `trace` without the /predicted/<job> fields added to format 2 after its first
/// traces (docs/trace-format.md, "Additions to format 2"), as a trace written before them.
void strip_additions(const fs::path& trace, const fs::path& copy, const std::string& job) {
  fs::copy_file(trace, copy, fs::copy_options::overwrite_existing);
  const hid_t f = H5Fopen(copy.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const std::string g = "/predicted/" + job;
  for (const char* a : {"context", "virtual_stages", "compute", "recompute", "shard", "shard_group",
                        "expected_mfu", "error_band", "borrowed_from", "mfu"}) {
    CHECK(H5Adelete_by_name(f, g.c_str(), a, H5P_DEFAULT) >= 0);
  }
  for (const char* d : {"/phases/energy_j", "/phases/energy_fraction", "/expected_step/energy_j"}) {
    CHECK(H5Ldelete(f, (g + d).c_str(), H5P_DEFAULT) >= 0);
  }
  CHECK(H5Fclose(f) >= 0);
}

}  // namespace

TEST_CASE(
    "report: a predicted job's precision, MFU, error band, borrowed constants and energy "
    "per phase, in the trace and the table",
    "[analysis][report][predicted]") {
  using schema::ExpectedStepColumn;
  using schema::PredictedAttr;
  using schema::SimulatedPhaseColumn;
  const PredictedRun run;
  const double devices = 16;
  const double peak_fp8 = units::to_flops_per_second(*run.chip.peak_fp8);
  const auto choice = models::require_calibration(run.chip, models::ComputeFormat::kFp8);
  REQUIRE(choice.borrowed_from == "H100 FP8");
  const auto name = [](auto e) { return std::string(schema::field(e).name); };

  // The trace, read back with the HDF5 layer.
  const auto f = io::File::open_read(run.trace);
  const auto g = f.root().open_group("predicted").open_group("small");
  CHECK(g.get_attr_int64(name(PredictedAttr::kContext)) == 2);
  CHECK(g.get_attr_int64(name(PredictedAttr::kVirtualStages)) == 2);
  CHECK(g.get_attr_string(name(PredictedAttr::kCompute)) == "fp8");
  CHECK(g.get_attr_string(name(PredictedAttr::kRecompute)) == "selective");
  CHECK(g.get_attr_string(name(PredictedAttr::kShard)) == "optimizer");
  CHECK(g.get_attr_int64(name(PredictedAttr::kShardGroup)) == 2);
  CHECK(g.get_attr_string(name(PredictedAttr::kBorrowedFrom)) == "H100 FP8");
  const double band = g.get_attr_double(name(PredictedAttr::kErrorBand));
  CHECK(band == choice.calibration->calibration_error);
  CHECK(band > 0);
  // MFU: the architecture's FLOPs over devices x time x the H200's FP8 peak (1979 TFLOP/s).
  CHECK(peak_fp8 == 1979e12);
  const double flops = g.get_attr_double(name(PredictedAttr::kFlopsPerStep));
  const double expected_s = g.get_attr_double(name(PredictedAttr::kExpectedStep));
  const double expected_mfu = g.get_attr_double(name(PredictedAttr::kExpectedMfu));
  CHECK(expected_mfu == Approx(flops / (devices * expected_s * peak_fp8)).epsilon(1e-12));
  CHECK(expected_mfu > 0.01);
  CHECK(expected_mfu < 1);
  const auto jobs = io::read_table(f.root(), schema::kJobsTable);
  const double steps = static_cast<double>(jobs.int64s("steps").at(0));
  CHECK(steps == 100);
  const double seconds = g.get_attr_double(name(PredictedAttr::kSeconds));
  const double mfu = g.get_attr_double(name(PredictedAttr::kMfu));
  CHECK(mfu == Approx(flops * steps / (devices * seconds * peak_fp8)).epsilon(1e-12));
  // 1 % stragglers slow the run: the simulated MFU is the expected one scaled by the
  // expected step over the simulated mean step.
  const double mean_step = g.get_attr_double(name(PredictedAttr::kMeanStep));
  CHECK(mean_step > expected_s);
  CHECK(mfu < expected_mfu);
  CHECK(mfu == Approx(expected_mfu * expected_s / mean_step).epsilon(1e-12));

  // expected_step: energy per step = seconds x power x devices.
  const auto e = io::read_table(g, schema::kExpectedStepTable);
  const auto& e_seconds = e.doubles(name(ExpectedStepColumn::kSeconds));
  const auto& e_power = e.doubles(name(ExpectedStepColumn::kPower));
  const auto& e_energy = e.doubles(name(ExpectedStepColumn::kEnergy));
  CHECK(e.units(name(ExpectedStepColumn::kEnergy)) == "J");
  REQUIRE(e_energy.size() == e_seconds.size());
  for (std::size_t i = 0; i < e_energy.size(); ++i) {
    CHECK(e_energy[i] == Approx(e_seconds[i] * e_power[i] * devices).epsilon(1e-12));
  }
  // The step model's phases for this layout: context parallelism exchanges keys and values.
  const auto& e_phases = e.strings(name(ExpectedStepColumn::kPhase));
  CHECK(std::find(e_phases.begin(), e_phases.end(), "context-exchange") != e_phases.end());

  // phases: energy over the run, summing to the run's energy; each phase of the expected
  // step is its simulated time x its power x devices; stragglers between idle and compute
  // power; no experts, so no imbalance.
  const auto t = io::read_table(g, schema::kPhasesTable);
  const auto& phases = t.strings(name(SimulatedPhaseColumn::kPhase));
  const auto& t_seconds = t.doubles(name(SimulatedPhaseColumn::kSeconds));
  const auto& t_energy = t.doubles(name(SimulatedPhaseColumn::kEnergy));
  const auto& t_share = t.doubles(name(SimulatedPhaseColumn::kEnergyFraction));
  CHECK(t.units(name(SimulatedPhaseColumn::kEnergy)) == "J");
  CHECK(t.units(name(SimulatedPhaseColumn::kEnergyFraction)) == "1");
  REQUIRE(phases.size() == e_phases.size() + 2);
  const double energy = g.get_attr_double(name(PredictedAttr::kEnergy));
  CHECK(sum(t_energy) == Approx(energy).epsilon(1e-12));
  CHECK(sum(t_share) == Approx(1).epsilon(1e-12));
  for (std::size_t i = 0; i < e_phases.size(); ++i) {
    INFO(phases[i]);
    CHECK(phases[i] == e_phases[i]);
    CHECK(t_energy[i] == Approx(t_seconds[i] * e_power[i] * devices).epsilon(1e-12));
    // The simulation rounds each phase to 1 ns: at most half of it per step.
    CHECK(std::abs(t_energy[i] - e_energy[i] * steps) <=
          0.5e-9 * e_power[i] * devices * steps * (1 + 1e-9));
    CHECK(t_share[i] == Approx(t_energy[i] / energy).epsilon(1e-15));
  }
  const std::size_t s = e_phases.size();
  CHECK(phases[s] == "stragglers");
  CHECK(phases[s + 1] == "imbalance");
  CHECK(t_seconds[s] > 0);
  CHECK(t_energy[s] > devices * units::to_watts(run.chip.idle) * t_seconds[s]);
  CHECK(t_energy[s] < devices * units::to_watts(run.chip.tdp) * t_seconds[s]);
  CHECK(t_seconds[s + 1] == 0);
  CHECK(t_energy[s + 1] == 0);

  // The report reads the same and prints it.
  const auto r = analysis::read_report(run.trace);
  REQUIRE(r.predicted.size() == 1);
  const auto& p = r.predicted[0];
  CHECK(p.context == 2);
  CHECK(p.virtual_stages == 2);
  CHECK(p.compute == "fp8");
  CHECK(p.borrowed_from == "H100 FP8");
  REQUIRE(p.expected_mfu);
  REQUIRE(p.mfu);
  CHECK(*p.expected_mfu == expected_mfu);
  CHECK(*p.mfu == mfu);
  REQUIRE(p.error_band);
  CHECK(*p.error_band == band);
  CHECK(p.phase_energy_mwh.size() == phases.size());
  CHECK(p.energy_mwh * 3.6e9 == Approx(energy).epsilon(1e-15));
  CHECK(p.achieved_tflops_per_device ==
        Approx(flops / (devices * mean_step) / 1e12).epsilon(1e-12));
  const auto table = analysis::render_table(r);
  CHECK_THAT(table, Catch::Contains("predicted small: data 2 x tensor 2 x pipeline 2 x context 2 "
                                    "(expert 1, 4 microbatches, 2 virtual stages); mean step"));
  CHECK_THAT(table, Catch::Contains("  compute fp8, recompute selective, shard optimizer in groups "
                                    "of 2 devices\n"));
  CHECK_THAT(table, Catch::Contains(fmt::format(
                        "  MFU {:.2f} % expected, {:.2f} % simulated; step time +/- {:.3g} % "
                        "(calibration error band); constants borrowed from H100 FP8\n",
                        expected_mfu * 100, mfu * 100, band * 100)));
  // Under 1 MWh: the energy in kWh, beside the time share.
  CHECK(energy < 3.6e9);
  CHECK_THAT(table, Catch::Contains("  phase                          time    time %          "
                                    "energy  energy %\n"));
  CHECK_THAT(table, Catch::Contains(fmt::format("  {:<20} {:>12.4g} h  {:>6.2f} %  {:>10.4g} kWh  "
                                                "{:>6.2f} %\n",
                                                "stragglers", t_seconds[s] / 3600,
                                                t_seconds[s] / seconds * 100, t_energy[s] / 3.6e6,
                                                t_share[s] * 100)));

  // A trace written before these fields: read and printed without them, no error.
  const fs::path old = run.dir / "old.h5";
  strip_additions(run.trace, old, "small");
  const auto o = analysis::read_report(old);
  REQUIRE(o.predicted.size() == 1);
  const auto& q = o.predicted[0];
  CHECK(q.context == 1);
  CHECK(q.virtual_stages == 1);
  CHECK(q.compute.empty());
  CHECK(q.borrowed_from.empty());
  CHECK_FALSE(q.expected_mfu);
  CHECK_FALSE(q.mfu);
  CHECK_FALSE(q.error_band);
  CHECK(q.phase_energy_mwh.empty());
  CHECK(q.phases == p.phases);
  const auto old_table = analysis::render_table(o);
  CHECK_THAT(old_table, !Catch::Contains("MFU"));
  CHECK_THAT(old_table, !Catch::Contains("borrowed"));
  CHECK_THAT(old_table, !Catch::Contains("error band"));
  CHECK_THAT(old_table, !Catch::Contains("kWh"));
  CHECK_THAT(old_table, !Catch::Contains("recompute"));
  CHECK_THAT(old_table,
             Catch::Contains(fmt::format("  {:<20} {:>12.4g} h  {:>6.2f} %\n", "stragglers",
                                         t_seconds[s] / 3600, t_seconds[s] / seconds * 100)));
}

TEST_CASE("report: a predicted job's phases in MWh from 1 MWh up, each part only when known",
          "[analysis][report][predicted]") {
  analysis::PredictedRow p;
  p.job = "big";
  p.data = 8;
  p.mean_step_s = 2;
  p.achieved_tflops_per_device = 123.456;
  p.compute = "bf16";
  p.recompute = "full";
  p.shard = "none";
  p.shard_group = 4;  // not printed: nothing is sharded
  p.mfu = 0.41234;
  p.phases = {"compute", "bubble", "stragglers"};
  p.phase_seconds = {36000, 3600, 0};
  p.phase_fraction = {36000.0 / 39600, 3600.0 / 39600, 0};
  p.phase_energy_mwh = {2.5, 0.1, 0};
  p.phase_energy_fraction = {2.5 / 2.6, 0.1 / 2.6, 0};
  p.energy_mwh = 2.6;
  CHECK(analysis::render_predicted(p) ==
        "\npredicted big: data 8 x tensor 1 x pipeline 1 (expert 1, 1 microbatches); mean step "
        "2 s; 123.5 TFLOP/s per device\n"
        "  compute bf16, recompute full, shard none\n"
        "  MFU 41.23 % simulated\n"
        "  phase                          time    time %          energy  energy %\n"
        "  compute                        10 h   90.91 %         2.5 MWh   96.15 %\n"
        "  bubble                          1 h    9.09 %         0.1 MWh    3.85 %\n"
        "  stragglers                      0 h    0.00 %           0 MWh    0.00 %\n");
  // Below 1 MWh, kWh; an error band alone; borrowed constants alone.
  p.energy_mwh = 0.5;
  p.phase_energy_mwh = {0.4, 0.1, 0};
  p.mfu.reset();
  p.error_band = 0.1;
  p.borrowed_from = "H100 BF16";
  const auto out = analysis::render_predicted(p);
  CHECK_THAT(out, Catch::Contains("\n  step time +/- 10 % (calibration error band); constants "
                                  "borrowed from H100 BF16\n"));
  CHECK_THAT(out,
             Catch::Contains("  compute                        10 h   90.91 %         400 kWh"));
  CHECK_THAT(out, !Catch::Contains("MFU"));
}

namespace {

/// Three datacenters of known inventories: Dallas weather (built in), the JFK normals,
/// and a constant PUE of 1.25; one short job.
struct DesignPeakRun {
  fs::path dir;
  fs::path trace;
  DesignPeakRun() {
    dir = fs::temp_directory_path() / fmt::format("footprint_report_design_{}", ::getpid());
    fs::create_directories(dir);
    const std::string yaml = R"(
name: report-design-peak
epoch: 2022-01-01T00:00:00Z
regions: [ { name: r, intensity: 100 g/kWh } ]
datacenters:
  - { name: hot, region: r, accelerators: { H100: 8, A100: 4 }, host_overhead: 150 W,
      cooling: { model: economizer-chiller, weather: { profile: us-tx-dallas } } }
  - { name: normals, region: r, accelerators: { H100: 8 },
      cooling: { model: economizer-chiller, weather: { profile: us-ny-jfk } } }
  - { name: flat, region: r, pue: 1.25, idle: off, accelerators: { V100: 4 } }
jobs:
  - { name: a, type: training, datacenter: hot, accelerator: H100, devices: 8, work: 2 h,
      mfu: 0.4, submit: 0 s }
)";
    const auto sc = scenario::parse_scenario(yaml, (dir / "s.yaml").string());
    const auto result = scenario::run_scenario(sc, {.threads = 2});
    trace = dir / "t.h5";
    io::AtomicOutput out(trace, true);
    io::write_trace(out, sc, result, {"test", "test"});
  }
  DesignPeakRun(const DesignPeakRun&) = delete;
  DesignPeakRun& operator=(const DesignPeakRun&) = delete;
  DesignPeakRun(DesignPeakRun&&) = delete;
  DesignPeakRun& operator=(DesignPeakRun&&) = delete;
  ~DesignPeakRun() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

}  // namespace

TEST_CASE("report: the design peak beside the simulated peak, its warning, and older traces",
          "[analysis][report][design]") {
  using schema::DatacenterAttr;
  const DesignPeakRun run;
  const auto name = [](auto e) { return std::string(schema::field(e).name); };

  // Hand computation. hot: 8 H100 (700 W TDP) and 4 A100 (400 W), each with 150 W of host
  // overhead: 8 x 850 + 4 x 550 = 9000 W of IT, in Dallas' hottest hour, 7 August 20:00 UTC
  // (us_tx_dallas_tmyx_hourly.csv line 5248, 40.0 C), 218 d 20 h = 5252 h after the epoch:
  // the chiller carries all the heat at COP 0.5 x 285.15 / (40 + 16.7 - 12) = 3.1895973,
  // facility / IT = 1 / 0.96 + 0.05 + 1 / COP = 1.4051859 (docs/cooling.md).
  constexpr double kPueAt40C = 1.0 / 0.96 + 0.05 + (40.0 + 16.7 - 12.0) / (0.5 * 285.15);
  const double hot_w = 9000.0 * kPueAt40C;  // 12,646.67 W
  // flat: 4 V100 at 300 W, no host overhead, x 1.25 = 1500 W, at time 0.
  const double flat_w = 4 * 300.0 * 1.25;

  const auto f = io::File::open_read(run.trace);
  const auto dcs = f.root().open_group("datacenters");
  const auto hot = dcs.open_group("hot");
  CHECK(hot.get_attr_double(name(DatacenterAttr::kDesignPeakFacilityPower)) ==
        Approx(hot_w).epsilon(1e-12));
  CHECK(hot.get_attr_double(name(DatacenterAttr::kDesignPeakFacilityPower)) ==
        Approx(12'646.67).margin(0.01));
  CHECK(hot.get_attr_double(name(DatacenterAttr::kDesignPeakTime)) == 5252 * 3600.0);
  CHECK(hot.get_attr_string(name(DatacenterAttr::kDesignPeakWarning)).empty());
  // The simulated peak (one job of 8 H100 at most) stays below the design peak.
  CHECK(hot.get_attr_double(name(DatacenterAttr::kPeakFacilityPower)) < hot_w);
  const auto flat = dcs.open_group("flat");
  CHECK(flat.get_attr_double(name(DatacenterAttr::kDesignPeakFacilityPower)) ==
        Approx(flat_w).epsilon(1e-15));
  CHECK(flat.get_attr_double(name(DatacenterAttr::kDesignPeakTime)) == 0.0);
  const auto normals = dcs.open_group("normals");
  const auto warning = normals.get_attr_string(name(DatacenterAttr::kDesignPeakWarning));
  CHECK_THAT(warning, Catch::Contains("Climate Normals"));

  // The report: a column beside the simulated peak (the total sums them), the warning.
  const auto r = analysis::read_report(run.trace);
  REQUIRE(r.datacenters.size() == 3);
  REQUIRE(r.datacenters[0].design_peak_mw);
  CHECK(*r.datacenters[0].design_peak_mw == Approx(hot_w / 1e6).epsilon(1e-12));
  CHECK(*r.datacenters[0].design_peak_time_s == 5252 * 3600.0);
  REQUIRE(r.totals.design_peak_mw);
  CHECK(*r.totals.design_peak_mw ==
        Approx(*r.datacenters[0].design_peak_mw + *r.datacenters[1].design_peak_mw + flat_w / 1e6)
            .epsilon(1e-12));
  const auto table = analysis::render_table(r);
  CHECK_THAT(table, Catch::Contains("peak MW  design MW    p99 MW"));
  CHECK_THAT(table, Catch::Contains(fmt::format("  {:>8.3f}  {:>9.3f}  ",
                                                r.datacenters[0].peak_facility_mw,
                                                *r.datacenters[0].design_peak_mw)));
  CHECK_THAT(table, Catch::Contains("warning: design peak of normals: " + warning + "\n"));
  CHECK_THAT(table, !Catch::Contains("design peak of hot"));
  const auto json = analysis::render_json(r);
  CHECK_THAT(json, Catch::Contains(fmt::format("\"design_peak_facility_mw\": {:.17g}, "
                                               "\"design_peak_time_s\": 18907200, "
                                               "\"design_peak_warning\": \"\"",
                                               *r.datacenters[0].design_peak_mw)));
  const auto csv = analysis::render_csv(r);
  CHECK_THAT(csv,
             Catch::Contains(",peak_facility_mw,p99_facility_mw,design_peak_facility_mw,"
                             "design_peak_time_s,design_peak_warning,power_cap_mw,cap_exceeded_s,"
                             "cap_held_device_hours,value\n"));
  CHECK_THAT(csv, Catch::Contains(fmt::format(
                      ",{:.17g},{:.17g},{:.17g},18907200,,,,,\n", r.datacenters[0].peak_facility_mw,
                      r.datacenters[0].p99_facility_mw, *r.datacenters[0].design_peak_mw)));

  // A trace written before the design peak: read and printed without it, no error.
  const fs::path old = run.dir / "old.h5";
  fs::copy_file(run.trace, old, fs::copy_options::overwrite_existing);
  {
    const hid_t h = H5Fopen(old.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(h >= 0);
    for (const char* dc : {"/datacenters/hot", "/datacenters/normals", "/datacenters/flat"}) {
      for (const auto a : {DatacenterAttr::kDesignPeakFacilityPower,
                           DatacenterAttr::kDesignPeakTime, DatacenterAttr::kDesignPeakWarning}) {
        CHECK(H5Adelete_by_name(h, dc, name(a).c_str(), H5P_DEFAULT) >= 0);
      }
    }
    CHECK(H5Fclose(h) >= 0);
  }
  const auto o = analysis::read_report(old);
  for (const auto& d : o.datacenters) {
    CHECK_FALSE(d.design_peak_mw);
    CHECK_FALSE(d.design_peak_time_s);
    CHECK(d.design_peak_warning.empty());
  }
  CHECK(o.datacenters[0].peak_facility_mw == r.datacenters[0].peak_facility_mw);
  CHECK_FALSE(o.totals.design_peak_mw);
  const auto old_table = analysis::render_table(o);
  CHECK_THAT(old_table, !Catch::Contains("warning"));
  CHECK_THAT(old_table, Catch::Contains(fmt::format("  {:>8.3f}  {:>9}  ",
                                                    o.datacenters[0].peak_facility_mw, "-")));
  CHECK_THAT(analysis::render_json(o),
             Catch::Contains("\"design_peak_facility_mw\": null, \"design_peak_time_s\": null"));
  CHECK_THAT(
      analysis::render_csv(o),
      Catch::Contains(fmt::format(",{:.17g},{:.17g},,,,,,,\n", o.datacenters[0].peak_facility_mw,
                                  o.datacenters[0].p99_facility_mw)));
}
