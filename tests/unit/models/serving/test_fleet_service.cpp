// A service in several datacenters (models/serving/service): routing by latency and by
// carbon within a latency budget, the network latency in the latencies users see, and
// autoscaling (Kubernetes-HPA rule, startup, draining, parking), with energy conserved.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include <catch2/catch.hpp>

#include "models/accelerators/accelerator.hpp"
#include "models/grid/carbon.hpp"
#include "models/serving/iteration.hpp"
#include "models/serving/service.hpp"
#include "models/workloads/requests.hpp"
#include "models/workloads/step_model.hpp"
#include "models/workloads/transformer.hpp"
#include "serving_fixtures.hpp"

using namespace footprint::models;
using footprint::engine::SimTime;
namespace units = footprint::units;

using footprint::test_util::h100;
using footprint::test_util::slow_calibration;
using footprint::test_util::sum;
using footprint::test_util::tiny;

namespace {

constexpr double kRelative = 1e-12;

/// About 2 ms per iteration (1 ms per layer, 2 layers).
ServingModel tiny_model(std::int64_t max_batch) {
  ServingModelSpec s;
  s.model = tiny();
  s.max_batch = max_batch;
  s.max_batch_tokens = 4096;
  const auto chip = h100();
  return ServingModel(s, chip, job_network(chip), slow_calibration());
}

SiteConfig site(std::int64_t replicas, double latency_ms, const CarbonSignal* carbon = nullptr) {
  SiteConfig c;
  c.replicas = replicas;
  c.host_watts = 50;
  c.parked_watts = 30;  // a sleeping device with its host share
  c.latency = SimTime::from_seconds(latency_ms / 1e3);
  c.carbon = carbon;
  return c;
}

ServiceConfig two_sites(double budget_ms, const CarbonSignal* a = nullptr,
                        const CarbonSignal* b = nullptr) {
  ServiceConfig cfg;
  cfg.sites = {site(2, 10, a), site(2, 30, b)};
  cfg.latency_budget = SimTime::from_seconds(budget_ms / 1e3);
  cfg.interval = SimTime::seconds(1);
  cfg.power_bin = SimTime::nanoseconds(100'000'000);
  return cfg;
}

std::vector<Request> load(std::int64_t count, double rate) {
  return poisson(rate, count, SimTime::zero(), TokenLength::fixed(50), TokenLength::fixed(20), 3);
}

/// Requests' energy + idle + reserve = the total, site by site and in all; the power bins
/// and series integrate to it.
void check_energy(const ServiceResult& r, const ServiceConfig& cfg) {
  double req_it = 0;
  for (const auto& q : r.requests) {
    req_it += q.it_joules;
  }
  CHECK(req_it + r.idle_joules + r.reserve_joules == Approx(r.it_joules()).epsilon(kRelative));
  double sites = 0;
  double bins = 0;
  for (const auto& s : r.sites) {
    sites += s.it_joules();
    bins += sum(s.power_bins) * cfg.power_bin.to_seconds();
    CHECK(sum(s.power_bins) * cfg.power_bin.to_seconds() ==
          Approx(s.it_joules()).epsilon(kRelative));
  }
  CHECK(sites == Approx(r.it_joules()).epsilon(kRelative));
  CHECK(sum(r.power_bins) * cfg.power_bin.to_seconds() == Approx(r.it_joules()).epsilon(kRelative));
  CHECK(sum(r.series.it_joules) == Approx(r.it_joules()).epsilon(kRelative));
  CHECK(sum(r.series.accelerator_joules) ==
        Approx(r.accelerator_joules + r.idle_accelerator_joules).epsilon(kRelative));
}

/// Constant intensities (g/kWh).
class Grid final : public CarbonSignal {
 public:
  explicit Grid(double g) : v_{units::grams_per_kwh(g), units::grams_per_kwh(g)} {}
  [[nodiscard]] Intensities at(SimTime /*t*/) const override { return v_; }
  [[nodiscard]] SimTime next_change(SimTime /*t*/) const override { return SimTime::max(); }

 private:
  Intensities v_;
};

}  // namespace

TEST_CASE("Fleet service: light load stays at the nearest site; users see the latency twice",
          "[service][fleet]") {
  const auto model = tiny_model(64);
  const auto cfg = two_sites(50);
  // 20 requests a second, each ~20 iterations of ~2 ms: a replica holds ~1 at a time.
  const auto reqs = load(200, 20);
  const auto r = simulate_service(model, cfg, reqs);
  REQUIRE(r.sites.size() == 2);
  CHECK(r.sites[0].requests == 200);
  CHECK(r.sites[1].requests == 0);
  for (const auto& q : r.requests) {
    REQUIRE(q.finished());
    CHECK(q.site == 0);
    CHECK(q.replica < 2);
    // There and back: 2 x 10 ms, plus at least one iteration (the prefill).
    CHECK((q.first_token - q.arrival).to_seconds() > 0.020);
  }
  // With one replica at the near site (so that routing within it cannot depend on when
  // requests get there), moving the site to 0 ms moves every first token and end exactly
  // 20 ms earlier.
  auto one = cfg;
  one.sites[0].replicas = 1;
  const auto o = simulate_service(model, one, reqs);
  auto near = one;
  near.sites[0].latency = SimTime::zero();
  const auto z = simulate_service(model, near, reqs);
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    CHECK((o.requests[i].first_token - z.requests[i].first_token) == SimTime::from_seconds(0.020));
    CHECK((o.requests[i].end - z.requests[i].end) == SimTime::from_seconds(0.020));
  }
  check_energy(r, cfg);
}

TEST_CASE("Fleet service: a full nearest site spills within the budget, not beyond it",
          "[service][fleet]") {
  const auto model = tiny_model(4);  // a replica has room for 4
  // 2000 requests at once: far beyond the nearest site's 2 x 4.
  const auto reqs =
      all_at_once(2000, SimTime::zero(), TokenLength::fixed(50), TokenLength::fixed(20), 3);
  const auto wide = two_sites(50);
  const auto r = simulate_service(model, wide, reqs);
  // The first 8 fill the nearest site; the next 8 the far one; then the least loaded, which
  // alternates between the sites' replicas (4 of them, all equally loaded).
  CHECK(r.sites[0].requests == 1000);
  CHECK(r.sites[1].requests == 1000);
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(r.requests[i].site == 0);
  }
  for (std::size_t i = 8; i < 16; ++i) {
    CHECK(r.requests[i].site == 1);
  }
  const auto narrow = two_sites(20);  // the far site is 30 ms away
  const auto n = simulate_service(model, narrow, reqs);
  CHECK(n.sites[0].requests == 2000);
  CHECK(n.sites[1].requests == 0);
  check_energy(r, wide);
  check_energy(n, narrow);
}

TEST_CASE("Fleet service: lowest-carbon routing prefers the cleaner site with room",
          "[service][fleet]") {
  const auto model = tiny_model(4);
  const Grid dirty(600);
  const Grid clean(50);
  auto cfg = two_sites(50, &dirty, &clean);
  cfg.routing = Routing::kLowestCarbon;
  const auto light = load(100, 20);
  const auto r = simulate_service(model, cfg, light);
  CHECK(r.sites[1].requests == 100);  // the far but clean site
  // Beyond the budget the clean site is out of reach, however clean.
  auto near_only = cfg;
  near_only.latency_budget = SimTime::from_seconds(0.015);
  CHECK(simulate_service(model, near_only, light).sites[0].requests == 100);
  // Without a carbon signal lowest-carbon routing across sites is refused.
  auto blind = two_sites(50);
  blind.routing = Routing::kLowestCarbon;
  CHECK_THROWS_AS(simulate_service(model, blind, light), std::invalid_argument);
}

TEST_CASE("Fleet service: autoscaling follows the load up and down", "[service][fleet]") {
  const auto model = tiny_model(16);
  ServiceConfig cfg;
  cfg.sites = {site(8, 0)};
  cfg.autoscale = AutoscaleConfig{1, 8, 0.5, SimTime::seconds(1), SimTime::seconds(2)};
  cfg.interval = SimTime::seconds(1);
  cfg.power_bin = SimTime::nanoseconds(100'000'000);
  // 10 s quiet (5 /s), 20 s busy (600 /s, ~12 per replica-iteration of 8 replicas), 30 s
  // quiet again.
  std::vector<Request> reqs;
  const auto add = [&](double from, double to, double rate, std::uint64_t seed) {
    for (auto q :
         poisson(rate, static_cast<std::int64_t>((to - from) * rate), SimTime::from_seconds(from),
                 TokenLength::fixed(50), TokenLength::fixed(20), seed)) {
      if (q.arrival < SimTime::from_seconds(to)) {
        reqs.push_back(q);
      }
    }
  };
  add(0, 10, 5, 1);
  add(10, 30, 600, 2);
  add(30, 60, 5, 3);
  const auto r = simulate_service(model, cfg, reqs);
  const auto& s = r.sites[0];
  INFO("ups " << s.scale_ups << " downs " << s.scale_downs);
  CHECK(s.scale_ups >= 3);
  CHECK(s.scale_downs >= 3);
  // Awake replicas per second: 1 while quiet at the start, more while busy, back to 1.
  const auto& awake = r.series.replica_seconds;
  REQUIRE(awake.size() >= 55);
  CHECK(awake[5] == Approx(1.0));
  CHECK(*std::max_element(awake.begin() + 12, awake.begin() + 30) >= 3.0);
  CHECK(awake[55] == Approx(1.0));
  // Every request finishes; parked replicas drew their parked power: the total lies between
  // all 8 parked and all 8 awake at idle (plus what iterations add).
  for (const auto& q : r.requests) {
    CHECK(q.finished());
  }
  check_energy(r, cfg);
  const double span = r.end.to_seconds();
  const double devices = static_cast<double>(model.devices());
  const double idle_w = model.idle_watts() + 50 * devices;
  CHECK(s.idle_joules < 8 * idle_w * span);
  CHECK(s.idle_joules > 7 * 30 * devices * span);
  // Replica-seconds from the series equal the site's count; every replica is awake or
  // parked all the time.
  CHECK(sum(awake) == Approx(s.replica_seconds).epsilon(1e-12));
  CHECK(s.replica_seconds + s.parked_replica_seconds == Approx(8 * span).epsilon(1e-12));
}
