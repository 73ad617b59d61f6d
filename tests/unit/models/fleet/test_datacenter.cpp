#include <cmath>
#include <memory>
#include <numeric>

#include <catch2/catch.hpp>

#include "models/fleet/datacenter.hpp"

using namespace footprint;
using engine::SimTime;

namespace {

/// A fixed-start job of `devices` x `watts`, `hours` long, from `start_h`.
models::FleetJob job(std::int64_t devices, double watts, double start_h, double hours) {
  models::FleetJob f;
  f.type = 0;
  f.devices = devices;
  f.fixed_start = SimTime::from_seconds(start_h * 3600);
  f.submit = f.fixed_start;
  f.duration = SimTime::from_seconds(hours * 3600);
  f.steps_exact = std::ceil(hours);
  f.steps = static_cast<std::int64_t>(f.steps_exact);
  f.compute_power = units::watts(watts);
  return f;
}

double sum(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0);
}

std::shared_ptr<models::FleetTables> tables(std::vector<models::FleetJob> jobs) {
  auto t = std::make_shared<models::FleetTables>();
  t->types.push_back(*models::AcceleratorLibrary().find("V100"));
  for (auto& j : jobs) {
    j.first_candidate = 0;
    j.candidate_count = 1;
  }
  t->candidates.push_back(0);
  t->jobs = std::move(jobs);
  return t;
}

/// What one datacenter (PUE 1, no emissions) makes of fixed-start jobs, run alone.
struct AloneRun {
  models::DatacenterTrace trace;
  std::vector<models::JobOutcome> outcomes;
};

AloneRun run_alone(const std::shared_ptr<models::FleetTables>& t,
                   const models::DatacenterConfig& cfg, std::size_t intervals) {
  engine::Simulation<models::FleetMsg> sim({.seed = 1, .lookahead = SimTime::max()});
  std::vector<std::uint32_t> fixed(t->jobs.size());
  std::iota(fixed.begin(), fixed.end(), 0U);
  const auto& dc = sim.emplace<models::DatacenterLp>(
      0, t.get(), cfg, std::make_shared<models::ConstantPue>(1.0),
      std::make_shared<models::ConstantCarbon>(
          models::Intensities{units::grams_per_kwh(0), units::grams_per_kwh(0)}),
      fixed);
  sim.run({.threads = 1});
  return {dc.trace(intervals), dc.outcomes()};
}

}  // namespace

TEST_CASE("A datacenter integrates jobs exactly per job and per interval", "[models]") {
  // PUE 1.5; 400 g/kWh location-based, 100 g/kWh market-based; 1 h trace interval;
  // idle accelerators draw nothing. Job 0: 10 devices x 100 W from 0.5 h for 2 h;
  // job 1: 5 x 200 W from 1 h for 1 h.
  const auto t = tables({job(10, 100, 0.5, 2), job(5, 200, 1, 1)});
  for (unsigned threads : {1U, 2U}) {
    engine::Simulation<models::FleetMsg> sim({.seed = 1, .lookahead = SimTime::max()});
    models::DatacenterConfig cfg;
    cfg.inventory = {20};
    cfg.power.idle_draw = false;
    cfg.trace_interval = SimTime::hours(1);
    const auto& dc = sim.emplace<models::DatacenterLp>(
        0, t.get(), cfg, std::make_shared<models::ConstantPue>(1.5),
        std::make_shared<models::ConstantCarbon>(
            models::Intensities{units::grams_per_kwh(400), units::grams_per_kwh(100)}),
        std::vector<std::uint32_t>{0, 1});
    // A second, empty datacenter so that the parallel path has two LPs.
    sim.emplace<models::DatacenterLp>(1, t.get(), cfg, std::make_shared<models::ConstantPue>(1.2),
                                      std::make_shared<models::ConstantCarbon>(models::Intensities{
                                          units::grams_per_kwh(1), units::grams_per_kwh(1)}),
                                      std::vector<std::uint32_t>{});
    sim.run({.threads = threads});
    CHECK(sim.now() == SimTime::from_seconds(2.5 * 3600));

    const auto& o = dc.outcomes();
    REQUIRE(o.size() == 2);
    CHECK(o[0].job == 0);
    CHECK(units::to_seconds(o[0].start) == 1800);
    CHECK(units::to_seconds(o[0].end) == 9000);
    CHECK(o[0].steps == 2);
    CHECK(o[0].device_hours == Approx(20).epsilon(1e-12));
    CHECK(units::to_joules(o[0].it_energy) == Approx(7.2e6).epsilon(1e-12));
    CHECK(units::to_joules(o[0].energy) == Approx(1.08e7).epsilon(1e-12));
    CHECK(units::to_grams(o[0].emissions_location) == Approx(1.08e7 / 3.6e6 * 400).epsilon(1e-12));
    CHECK(units::to_grams(o[0].emissions_market) == Approx(1.08e7 / 3.6e6 * 100).epsilon(1e-12));
    CHECK(units::to_joules(o[1].it_energy) == Approx(3.6e6).epsilon(1e-12));

    const auto tr = dc.trace(3);
    REQUIRE(tr[schema::Series::kTime] == std::vector<double>{0, 3600, 7200});
    CHECK(tr[schema::Series::kItEnergy][0] == Approx(1.8e6).epsilon(1e-12));
    CHECK(tr[schema::Series::kItEnergy][1] == Approx(7.2e6).epsilon(1e-12));
    CHECK(tr[schema::Series::kItEnergy][2] == Approx(1.8e6).epsilon(1e-12));
    CHECK(tr[schema::Series::kItPower][1] == Approx(2000).epsilon(1e-12));
    CHECK(tr[schema::Series::kBusyDevices][1] == Approx(15).epsilon(1e-12));
    CHECK(tr[schema::Series::kBusyDevices][0] ==
          Approx(5).epsilon(1e-12));  // 10 devices for half the hour
    for (std::size_t k = 0; k < 3; ++k) {
      // Energy conservation in every interval: facility = IT x PUE.
      CHECK(tr.value(schema::Series::kFacilityEnergy, k) ==
            Approx(1.5 * tr.value(schema::Series::kItEnergy, k)).epsilon(1e-12));
      CHECK(tr.value(schema::Series::kPue, k) == Approx(1.5).epsilon(1e-12));
      CHECK(tr.value(schema::Series::kIntensityLocation, k) == Approx(400).epsilon(1e-12));
      CHECK(tr.value(schema::Series::kEmissionsMarket, k) ==
            Approx(tr.value(schema::Series::kFacilityEnergy, k) / 3.6e6 * 100).epsilon(1e-12));
    }
    // Per-job and per-interval accounts agree.
    CHECK(sum(tr[schema::Series::kFacilityEnergy]) ==
          Approx(units::to_joules(o[0].energy) + units::to_joules(o[1].energy)).epsilon(1e-12));
    CHECK(
        sum(tr[schema::Series::kEmissionsLocation]) ==
        Approx(units::to_grams(o[0].emissions_location) + units::to_grams(o[1].emissions_location))
            .epsilon(1e-12));
  }
}

TEST_CASE("Idle accelerators and hosts draw power when idle draw is on", "[models]") {
  // 20 V100 (idle 45 W: 15 % of 300 W) with 50 W host overhead each; one job of 10 devices
  // at 100 W for 1 h. IT power: 10 x (100 + 50) + 10 x (45 + 50) = 2450 W for the hour.
  models::DatacenterConfig cfg;
  cfg.inventory = {20};
  cfg.power.idle_draw = true;
  cfg.power.host_overhead = units::watts(50);
  const auto r = run_alone(tables({job(10, 100, 0, 1)}), cfg, 1);
  CHECK(r.trace[schema::Series::kItPower][0] == Approx(2450).epsilon(1e-12));
  // The job is charged its own devices and hosts only.
  CHECK(units::to_joules(r.outcomes[0].it_energy) == Approx(1500.0 * 3600).epsilon(1e-12));
  // Embodied: 9.78 kg per V100 over 5 years, for 10 device-hours.
  CHECK(units::to_grams(r.outcomes[0].embodied) ==
        Approx(10 * 3600.0 * 9780.0 / (5 * 365 * 86400.0)).epsilon(1e-12));
}

TEST_CASE("Idle accelerators and hosts sleep at the sleep power with idle: sleep", "[models]") {
  // The same 20 V100 with 50 W host overhead; one job of 10 devices at 100 W for 1 h. The
  // 10 idle devices sleep with their hosts at 5 W each: 10 x (100 + 50) + 10 x 5 = 1550 W,
  // against 2450 W when they draw idle power.
  models::DatacenterConfig cfg;
  cfg.inventory = {20};
  cfg.power.idle_draw = true;
  cfg.power.sleep_power = units::watts(5);
  cfg.power.host_overhead = units::watts(50);
  const auto r = run_alone(tables({job(10, 100, 0, 1)}), cfg, 1);
  CHECK(r.trace[schema::Series::kItPower][0] == Approx(1550).epsilon(1e-12));
  CHECK(units::to_joules(r.outcomes[0].it_energy) == Approx(1500.0 * 3600).epsilon(1e-12));
}

TEST_CASE("A trace without weather or water holds no bins for them", "[models]") {
  // Bins of one value per interval (value x seconds, 1 h intervals). Without weather and
  // water, their integrands may be empty and their series are NaN; any other integrand of
  // another length is an error.
  using models::TraceIntegrand;
  models::DatacenterTrace::Bins bins;
  for (std::size_t i = 0; i < models::kTraceIntegrandCount; ++i) {
    const auto integrand = static_cast<TraceIntegrand>(i);
    if (integrand != TraceIntegrand::kOutdoorTemperature &&
        integrand != TraceIntegrand::kWaterOnsite && integrand != TraceIntegrand::kWaterOffsite) {
      bins[i] = {3600.0 * 1000, 3600.0 * 2000};
    }
  }
  const models::DatacenterTrace t(bins, 3600, false, false);
  CHECK(t.intervals() == 2);
  CHECK(t.value(schema::Series::kItPower, 1) == Approx(2000).epsilon(1e-12));
  CHECK(std::isnan(t.value(schema::Series::kOutdoorTemperature, 0)));
  CHECK(std::isnan(t.value(schema::Series::kWaterOnsite, 1)));
  CHECK(std::isnan(t.value(schema::Series::kWue, 1)));
  // With water declared, its bins must be there.
  CHECK_THROWS_AS(models::DatacenterTrace(bins, 3600, false, true), std::invalid_argument);
  auto short_bins = bins;
  short_bins[static_cast<std::size_t>(TraceIntegrand::kCoolingPower)].pop_back();
  CHECK_THROWS_AS(models::DatacenterTrace(short_bins, 3600, false, false), std::invalid_argument);
}
