// Energy supply and marginal signals through whole scenarios (sim/app/scenario): what the
// run hands the hourly accounting agrees with the datacenter's own figures.
#include <string>

#include <catch2/catch.hpp>

#include "../../temp_dir.hpp"
#include "sim/app/scenario/run.hpp"
#include "sim/app/scenario/scenario.hpp"

using namespace footprint;

namespace {

/// Two days of 64 H100 (PUE 1.1) in PJM, with `supply` (YAML, indented under the datacenter).
std::string scenario_with(const std::string& supply, const std::string& region_extra = "") {
  return R"(
name: supply
epoch: 2022-06-01T00:00:00Z
horizon: 2 d
regions:
  - { name: virginia, intensity: { profile: us-pjm, repeat: yearly } )" +
         region_extra + R"( }
datacenters:
  - name: va-1
    region: virginia
    pue: 1.1
    accelerators: { H100: 64 }
)" + supply +
         R"(
jobs:
  - { name: a, type: training, datacenter: va-1, accelerator: H100, devices: 64,
      work: 1 d, mfu: 0.4, power: 600 W, start: 6 h }
)";
}

scenario::RunResult run(const std::string& yaml) {
  return scenario::run_scenario(scenario::parse_scenario(yaml, "test.yaml"), {.threads = 2});
}

constexpr double kJoulesPerMwh = 3.6e9;

}  // namespace

TEST_CASE("The hourly supply accounting reads the datacenter's own energy and emissions",
          "[grid][supply]") {
  // A battery of capacity 0 and no generation: every hour from the grid.
  const auto r =
      run(scenario_with("    supply:\n      battery: { capacity: 0 MWh, power: 0 MW }\n"));
  REQUIRE(r.supply.size() == 1);
  REQUIRE(r.supply[0]);
  const auto& s = *r.supply[0];
  CHECK(r.supply_hours == 48);
  CHECK(s.total_load_mwh * kJoulesPerMwh ==
        Approx(units::to_joules(r.summaries[0].energy)).epsilon(1e-12));
  CHECK(s.emissions_location_g ==
        Approx(units::to_grams(r.summaries[0].emissions_location)).epsilon(1e-12));
  // Nothing contracted: hourly matching is the location figure, annual too, and the score
  // is the grid's own carbon-free share weighted by the load.
  CHECK(s.emissions_market_hourly_g == Approx(s.emissions_location_g).epsilon(1e-12));
  CHECK(s.emissions_market_annual_g == Approx(s.emissions_location_g).epsilon(1e-12));
  double weighted = 0;
  for (std::size_t h = 0; h < s.load_mwh.size(); ++h) {
    weighted += s.load_mwh[h] * s.grid_cfe[h];
  }
  CHECK(s.score == Approx(weighted / s.total_load_mwh).epsilon(1e-12));
  CHECK(s.score > 0.2);  // PJM's carbon-free share in June is about 0.39
  CHECK(s.score < 0.6);
}

TEST_CASE("A firm supply above the load makes every hour carbon-free", "[grid][supply]") {
  // 64 H100 at 600 W + idle draw, x 1.1: well under 1 MW.
  const auto r = run(scenario_with("    supply: { firm: 1 MW }\n"));
  const auto& s = *r.supply.at(0);
  CHECK(s.score == Approx(1.0).epsilon(1e-12));
  CHECK(s.emissions_market_hourly_g == 0);
  CHECK(s.emissions_market_annual_g == 0);
  CHECK(s.total_surplus_mwh == Approx(48.0 - s.total_load_mwh).epsilon(1e-12));
}

TEST_CASE("A marginal intensity file drives the location-based figures and is labelled",
          "[grid][marginal]") {
  test_util::TempDir dir;
  std::string csv = "timestamp_utc,gco2_per_kwh\n";
  for (int h = 0; h < 48; ++h) {
    csv += "2022-06-" + std::string(h < 24 ? "01" : "02") + "T" + (h % 24 < 10 ? "0" : "") +
           std::to_string(h % 24) + ":00:00Z,700\n";
  }
  const auto file = dir.write("marginal.csv", csv).string();
  auto yaml = scenario_with("");
  yaml.replace(yaml.find("{ profile: us-pjm, repeat: yearly }"),
               std::string("{ profile: us-pjm, repeat: yearly }").size(),
               "{ file: " + file + ", kind: marginal }");
  const auto sc = scenario::parse_scenario(yaml, "test.yaml");
  REQUIRE(sc.regions[0].series);
  CHECK(sc.regions[0].series->marginal);
  const auto r = scenario::run_scenario(sc, {.threads = 2});
  // 700 g/kWh throughout: emissions are the facility's kWh x 700.
  CHECK(units::to_grams(r.summaries[0].emissions_location) ==
        Approx(units::to_joules(r.summaries[0].energy) / 3.6e6 * 700).epsilon(1e-12));
  // A built-in profile is an average: kind marginal with it is refused.
  auto builtin = scenario_with("");
  builtin.replace(builtin.find("repeat: yearly }"), std::string("repeat: yearly }").size(),
                  "repeat: yearly, kind: marginal }");
  CHECK_THROWS_WITH(scenario::parse_scenario(builtin, "test.yaml"),
                    Catch::Contains("the built-in profiles are average intensities"));
}
