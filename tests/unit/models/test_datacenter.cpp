#include <memory>
#include <numeric>

#include <catch2/catch.hpp>

#include "models/topology/datacenter.hpp"

using namespace footprint;
using engine::SimTime;

namespace {

models::JobRun job(std::size_t index, std::int64_t devices, double watts, double start_h,
                   double hours) {
  models::TrainingJobSpec s;
  s.name = "j";
  s.devices = devices;
  s.throughput = units::teraflops_per_second(1);
  s.power = units::watts(watts);
  s.work_kind = models::WorkKind::kDuration;
  s.work_duration = units::hours(hours);
  const models::AcceleratorLibrary lib;
  models::JobRun r;
  r.scenario_index = index;
  r.devices = devices;
  r.plan = models::plan_training(s, *lib.find("V100"));
  r.start = SimTime::from_seconds(start_h * 3600);
  return r;
}

double sum(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0);
}

}  // namespace

TEST_CASE("A datacenter integrates jobs exactly per job and per interval", "[models]") {
  // PUE 1.5; 400 g/kWh location-based, 100 g/kWh market-based; 1 h trace interval.
  // Job 0: 10 devices x 100 W from 0.5 h for 2 h; job 1: 5 x 200 W from 1 h for 1 h.
  for (unsigned threads : {1U, 2U}) {
    engine::Simulation<models::FleetMsg> sim({.seed = 1, .lookahead = SimTime::max()});
    std::vector<models::JobRun> jobs{job(0, 10, 100, 0.5, 2), job(1, 5, 200, 1, 1)};
    const auto& dc = sim.emplace<models::DatacenterLp>(
        std::make_unique<models::ConstantPue>(1.5),
        std::make_unique<models::ConstantCarbon>(
            models::Intensities{units::grams_per_kwh(400), units::grams_per_kwh(100)}),
        SimTime::hours(1), std::move(jobs));
    // A second, empty datacenter so that the parallel path has two LPs.
    sim.emplace<models::DatacenterLp>(std::make_unique<models::ConstantPue>(1.2),
                                      std::make_unique<models::ConstantCarbon>(models::Intensities{
                                          units::grams_per_kwh(1), units::grams_per_kwh(1)}),
                                      SimTime::hours(1), std::vector<models::JobRun>{});
    sim.run({.threads = threads});
    CHECK(sim.now() == SimTime::from_seconds(2.5 * 3600));

    const auto& o = dc.outcomes();
    REQUIRE(o.size() == 2);
    CHECK(o[0].start_s == 1800);
    CHECK(o[0].end_s == 9000);
    CHECK(o[0].steps == 2);
    CHECK(o[0].device_hours == Approx(20).epsilon(1e-12));
    CHECK(o[0].it_energy_j == Approx(7.2e6).epsilon(1e-12));
    CHECK(o[0].energy_j == Approx(1.08e7).epsilon(1e-12));
    CHECK(o[0].emissions_location_g == Approx(1.08e7 / 3.6e6 * 400).epsilon(1e-12));
    CHECK(o[0].emissions_market_g == Approx(1.08e7 / 3.6e6 * 100).epsilon(1e-12));
    CHECK(o[1].it_energy_j == Approx(3.6e6).epsilon(1e-12));

    const auto t = dc.trace(3);
    REQUIRE(t.time_s == std::vector<double>{0, 3600, 7200});
    CHECK(t.it_energy_j[0] == Approx(1.8e6).epsilon(1e-12));
    CHECK(t.it_energy_j[1] == Approx(7.2e6).epsilon(1e-12));
    CHECK(t.it_energy_j[2] == Approx(1.8e6).epsilon(1e-12));
    CHECK(t.it_power_w[1] == Approx(2000).epsilon(1e-12));
    for (std::size_t k = 0; k < 3; ++k) {
      // Energy conservation in every interval: facility = IT x PUE.
      CHECK(t.facility_energy_j[k] == Approx(1.5 * t.it_energy_j[k]).epsilon(1e-12));
      CHECK(t.pue[k] == Approx(1.5).epsilon(1e-12));
      CHECK(t.intensity_location_g_per_kwh[k] == Approx(400).epsilon(1e-12));
      CHECK(t.emissions_market_g[k] == Approx(t.facility_energy_j[k] / 3.6e6 * 100).epsilon(1e-12));
    }
    // Per-job and per-interval accounts agree.
    CHECK(sum(t.facility_energy_j) == Approx(o[0].energy_j + o[1].energy_j).epsilon(1e-12));
    CHECK(sum(t.emissions_location_g) ==
          Approx(o[0].emissions_location_g + o[1].emissions_location_g).epsilon(1e-12));
  }
}
