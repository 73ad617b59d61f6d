// Validation: the six training runs of Table 4 of Patterson, Gonzalez, Le, Liang, Munguia,
// Rothchild, So, Texier, Dean, "Carbon Emissions and Large Neural Network Training"
// (2021, arXiv 2104.10350), modelled in scenarios/patterson2021.yaml from the table's own
// inputs (FLOPs, chips, measured TFLOP/s and W per chip, PUE, gross and net intensity).
//
// The test runs the scenario, writes the trace, reads the /jobs table back from the
// file, and checks days, MWh, and gross and net tCO2e of every row against the table
// within 1.5 %. Why 1.5 %: the table prints two or three significant digits, and its
// inputs are rounded too. The largest gaps are in GShard-600B's row: computed faithfully
// from its inputs, 1.33e22 FLOP / (1024 x 48.0 TFLOP/s) = 3.13 days (printed 3.1,
// +0.9 %), and 24.16 MWh x 0.201 kg/kWh = 4.86 t gross (printed 4.8, +1.2 %). No input is
// adjusted away from the paper.
#include <unistd.h>

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "sim/app/scenario/run.hpp"
#include "sim/app/scenario/scenario.hpp"
#include "sim/app/trace/trace.hpp"
#include "sim/kernel/hdf5/hdf5.hpp"

namespace fs = std::filesystem;
using namespace footprint;

namespace {

struct Row {
  const char* job;
  double days;
  double mwh;
  double gross_t;
  double net_t;
};

// Table 4, rows "chips x days" (days), "energy (MWh)", "gross / net tCO2e".
constexpr Row kTable4[] = {
    {"evolved-transformer-nas", 6.8, 7.5, 3.2, 3.2},
    {"t5", 20, 85.7, 46.7, 46.7},
    {"meena", 30, 232, 96.4, 96.4},
    {"gshard-600b", 3.1, 24.1, 4.8, 4.3},
    {"switch-transformer", 27, 179, 72.2, 59.1},
    {"gpt3", 14.8, 1287, 552.1, 552.1},
};

constexpr double kTolerance = 0.015;
constexpr double kSecondsPerDay = 86400;
constexpr double kJoulesPerMwh = 3.6e9;
constexpr double kGramsPerTonne = 1e6;

fs::path temp_dir() {
  auto d = fs::temp_directory_path() / ("footprint-validation-" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST_CASE("Patterson et al. 2021, Table 4: days, MWh, gross and net tCO2e", "[validation]") {
  const auto sc =
      scenario::load_scenario(fs::path(FOOTPRINT_SOURCE_DIR) / "scenarios/patterson2021.yaml");
  for (unsigned threads : {1U, 2U}) {
    const auto result = scenario::run_scenario(sc, {.threads = threads});
    const auto dir = temp_dir();
    const auto path = dir / "patterson2021.h5";
    {
      io::AtomicOutput out(path, true);
      io::write_trace(out, sc, result, {"test", "test"});
    }
    const auto file = io::File::open_read(path);
    const auto jobs = io::read_table(file.root(), "jobs");
    REQUIRE(jobs.rows() == std::size(kTable4));
    CHECK(jobs.units("energy_j") == "J");
    for (std::size_t i = 0; i < jobs.rows(); ++i) {
      const auto& row = kTable4[i];
      INFO("row " << row.job << ", threads " << threads);
      REQUIRE(jobs.strings("name")[i] == row.job);
      const double days = (jobs.doubles("end_s")[i] - jobs.doubles("start_s")[i]) / kSecondsPerDay;
      CHECK(days == Approx(row.days).epsilon(kTolerance));
      CHECK(jobs.doubles("energy_j")[i] / kJoulesPerMwh == Approx(row.mwh).epsilon(kTolerance));
      CHECK(jobs.doubles("emissions_location_g")[i] / kGramsPerTonne ==
            Approx(row.gross_t).epsilon(kTolerance));
      CHECK(jobs.doubles("emissions_market_g")[i] / kGramsPerTonne ==
            Approx(row.net_t).epsilon(kTolerance));
    }
    fs::remove_all(dir);
  }
}
