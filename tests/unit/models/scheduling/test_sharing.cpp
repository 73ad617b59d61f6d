// One fleet: training jobs on the devices an autoscaled service leaves parked, preempted
// when it takes them back (autoscale.lend; models/fleet/README.md, "One fleet"), run
// through whole scenarios.
#include <algorithm>
#include <string>

#include <catch2/catch.hpp>

#include "../../temp_dir.hpp"
#include "models/accelerators/accelerator.hpp"
#include "sim/app/scenario/run.hpp"
#include "sim/app/scenario/scenario.hpp"

using namespace footprint;

namespace {

/// A day-shaped load at 1 /s: nothing for 3 h, `burst` times more in hour 3 (more than one
/// replica holds), then 1 /s (one replica is plenty).
std::string load_profile(int burst) {
  std::string csv = "hour,multiplier\n";
  for (int h = 0; h < 24; ++h) {
    csv += std::to_string(h) + "," + (h < 3 ? "0" : h == 3 ? std::to_string(burst) : "1") + "\n";
  }
  return csv;
}

/// One datacenter of 16 H100 with idle draw (100 W hosts), 8 of them set apart for a
/// service of 4-device replicas autoscaled between 1 and 2 (the other parked from the
/// start), and `jobs`.
std::string shared_scenario(const std::string& profile, const std::string& lend,
                            const std::string& inventory, const std::string& max_replicas,
                            const std::string& jobs) {
  return R"(
name: sharing
seed: 1
horizon: 12 h
trace: { interval: 1 h }
scheduler: { policy: fifo, epoch: 1 min }
regions: [ { name: r, intensity: 100 g/kWh } ]
datacenters: [ { name: dc, region: r, pue: 1.0, host_overhead: 100 W, accelerators: { H100: )" +
         inventory + R"( } } ]
services:
  - name: chat
    datacenter: dc
    accelerator: H100
    model: { architecture: dense, layers: 32, d_model: 4096, d_ff: 14336, ffn: gated,
             heads: 32, kv_heads: 8, vocabulary: 128256, sequence: 8192, tied_embeddings: false }
    replica: { devices: 4, parallelism: { tensor: 4 } }
    autoscale: { min: 1, max: )" +
         max_replicas + R"(, target: 60 %, window: 5 min, startup: 2 min, lend: )" + lend +
         R"( }
    max_batch: 32
    requests:
      arrival: { rate: 1 /s, profile: { file: )" +
         profile + R"( } }
      prompt_tokens: 500
      output_tokens: 200
jobs:
)" + jobs;
}

scenario::RunResult run(const std::string& yaml) {
  return scenario::run_scenario(scenario::parse_scenario(yaml, "test.yaml"), {.threads = 2});
}

/// The service's parked devices over time (4 per parked replica).
std::vector<std::pair<double, std::int64_t>> parked_devices(const scenario::RunResult& r) {
  std::vector<std::pair<double, std::int64_t>> out;
  for (const auto& [at, replicas] : r.services.at(0).result.sites.at(0).parked) {
    out.emplace_back(at.to_seconds(), 4 * replicas);
  }
  return out;
}

constexpr double kHour = 3600;
constexpr double kMinute = 60;

}  // namespace

TEST_CASE(
    "A job borrows a parked replica's devices, yields them at the scale-up and resumes "
    "from its checkpoint",
    "[scheduling][sharing]") {
  test_util::TempDir dir;
  const auto profile = dir.write("load.csv", load_profile(40)).string();
  // 12 devices: the 8 of its own and the 4 of the parked replica. Hour-long steps, a
  // checkpoint of 1 min after each.
  const std::string job =
      "  - { name: a, type: training, datacenter: dc, accelerator: H100, devices: 12, work: 6 h, "
      "mfu: 0.3, power: 500 W, submit: 0 s, checkpoint: { interval: 1 h, duration: 1 min } }\n";
  const auto shared = run(shared_scenario(profile, "true", "16", "2", job));
  const auto apart = run(shared_scenario(profile, "false", "16", "2", job));

  // The service parks its second replica at 0, takes it at the burst, parks it after.
  const auto parked = parked_devices(shared);
  REQUIRE(parked.size() >= 3);
  CHECK(parked[0] == std::pair<double, std::int64_t>{0.0, 4});
  const double taken = parked[1].first;
  const double returned = parked[2].first;
  CHECK(parked[1].second == 0);
  CHECK(parked[2].second == 4);
  CHECK(taken > 3 * kHour);
  CHECK(taken < 3 * kHour + 10 * kMinute);  // the autoscaler's first windows of the burst

  // Apart, 12 devices never fit in 8: the job waits to the end.
  CHECK_FALSE(apart.started[0]);
  // Shared: it starts at the first tick (dispatched at 0, started an epoch later) and is
  // preempted once, at the instant the service takes its devices.
  const auto& o = shared.jobs[0];
  REQUIRE(o.finished());
  CHECK(units::to_seconds(o.start) == kMinute);
  CHECK(o.preemptions == 1);
  CHECK(o.restarts == 0);
  // Three steps of 1 h and their checkpoints end at 1 min + 3 x 61 min = 3 h 4 min; the
  // work after the last checkpoint (up to `taken`) is lost, on all 12 devices.
  const double last_checkpoint = kMinute + 3 * (kHour + kMinute);
  REQUIRE(taken > last_checkpoint);
  REQUIRE(taken < last_checkpoint + kHour);
  CHECK(o.lost_device_hours == Approx(12 * (taken - last_checkpoint) / kHour).epsilon(1e-12));
  // It resumes at the first tick after the service parks again (an epoch to learn it, one to
  // start): reading the checkpoint (1 min), redoing step 4, steps 5 and 6 with 2 checkpoints.
  const double resumed = units::to_seconds(o.end) - (kMinute + 3 * kHour + 2 * kMinute);
  CHECK(resumed >= returned);
  CHECK(resumed <= returned + 2 * kMinute);
  CHECK(o.steps == 6);
  // It held its devices for the two runs only; 4 of its 12 were borrowed throughout.
  const double held_h = ((taken - kMinute) + (units::to_seconds(o.end) - resumed)) / kHour;
  CHECK(o.device_hours == Approx(12 * held_h).epsilon(1e-12));
  CHECK(o.borrowed_device_hours == Approx(4 * held_h).epsilon(1e-12));
  // Counted in both, once: the service lent what the job borrowed, and its parked draw for
  // that time left its figures for the job's (idle 100 W + host 100 W per H100 here).
  const auto& srv = shared.services[0];
  CHECK(srv.lent_device_s / kHour == Approx(o.borrowed_device_hours).epsilon(1e-12));
  const double parked_w = units::to_watts(models::AcceleratorLibrary().find("H100")->idle) + 100;
  const auto fs = scenario::service_figures(srv);
  const auto fa = scenario::service_figures(apart.services[0]);
  CHECK(fa.energy_j[2] - fs.energy_j[2] == Approx(parked_w * srv.lent_device_s).epsilon(1e-9));
  // The service itself saw none of it: the same requests, the same latency.
  CHECK(srv.latency.ttft_p99 == apart.services[0].latency.ttft_p99);
  CHECK(srv.result.totals.finished == apart.services[0].result.totals.finished);
  // The datacenter's IT energy is the job's, the service's and its own idle devices' (8 of
  // them, idle while the job did not hold them): nothing counted twice or lost.
  const double own_idle_s = 8 * 12 * kHour - 8 * held_h * kHour;
  CHECK(
      units::to_joules(shared.summaries[0].it_energy) ==
      Approx(units::to_joules(o.it_energy) + fs.energy_j[2] + parked_w * own_idle_s).epsilon(1e-9));
}

TEST_CASE("When the service takes back part of what it lent, only the last borrowers stop",
          "[scheduling][sharing]") {
  test_util::TempDir dir;
  const int burst = GENERATE(20, 40);
  const auto profile = dir.write("load.csv", load_profile(burst)).string();
  // The service's 12 devices are the datacenter's all: up to 3 replicas, 2 parked at first.
  // Two 4-device jobs borrow them, b 10 min after a.
  const std::string jobs =
      "  - { name: a, type: training, datacenter: dc, accelerator: H100, devices: 4, work: 8 h, "
      "mfu: 0.3, power: 500 W, submit: 0 s, checkpoint: { interval: 1 h, duration: 1 min } }\n"
      "  - { name: b, type: training, datacenter: dc, accelerator: H100, devices: 4, work: 8 h, "
      "mfu: 0.3, power: 500 W, submit: 10 min, checkpoint: { interval: 1 h, duration: 1 min } }\n";
  const auto r = run(shared_scenario(profile, "true", "12", "3", jobs));
  const auto parked = parked_devices(r);
  REQUIRE(parked.front() == std::pair<double, std::int64_t>{0.0, 8});
  // The fewest parked devices while both jobs ran decide who stops: b (the later) when one
  // replica was taken, a too when both were.
  std::int64_t least = 8;
  for (const auto& [at, devices] : parked) {
    if (at < 4 * kHour) {
      least = std::min(least, devices);
    }
  }
  INFO("burst " << burst << " /s: fewest parked devices in it: " << least);
  REQUIRE(least < 8);
  // The smaller burst takes one replica back, the larger both.
  CHECK(least == (burst == 20 ? 4 : 0));
  CHECK(r.jobs[1].preemptions >= 1);
  CHECK(r.jobs[0].preemptions == (least == 0 ? 1 : 0));
  for (const auto& o : r.jobs) {
    CHECK(o.borrowed_device_hours == Approx(o.device_hours).epsilon(1e-12));
  }
  CHECK(r.services[0].lent_device_s / kHour ==
        Approx(r.jobs[0].borrowed_device_hours + r.jobs[1].borrowed_device_hours).epsilon(1e-12));
}

TEST_CASE("A power cap keeps room for the services' devices at full draw, lent ones counted once",
          "[scheduling][sharing]") {
  test_util::TempDir dir;
  const auto profile = dir.write("load.csv", load_profile(40)).string();
  // PUE 1, so the cap is on IT power. An H100 at full draw: 700 W TDP + 100 W host; a job's
  // device: 500 W + 100 W host. The service's 8 devices take 6.4 kW of any cap.
  const double full_w = units::to_watts(models::AcceleratorLibrary().find("H100")->tdp) + 100;
  REQUIRE(full_w == 800);
  const auto with_cap = [&](const std::string& cap, const std::string& devices,
                            const std::string& lend) {
    auto y = shared_scenario(
        profile, lend, "16", "2",
        "  - { name: a, type: training, datacenter: dc, accelerator: H100, devices: " + devices +
            ", work: 2 h, mfu: 0.3, power: 500 W, submit: 0 s }\n");
    y.replace(y.find("pue: 1.0,"), 9, "pue: 1.0, power_cap: " + cap + ",");
    return run(y);
  };
  // 8 devices of its own: 8 x 600 W + 6.4 kW = 11.2 kW with nothing idle. Under a cap
  // below that, no schedule could start it: an input error before the run.
  CHECK_THROWS_WITH(with_cap("11.1 kW", "8", "false"),
                    Catch::Contains("job 'a' alone (8 H100 from any start) draws 0.0112 MW"));
  const auto fits = with_cap("11.3 kW", "8", "false");
  REQUIRE(fits.started[0]);
  CHECK(units::to_seconds(fits.jobs[0].start) == kMinute);
  // 12 devices, 4 borrowed: 12 x 600 W + (8 - 4) x 800 W = 10.4 kW; were the borrowed ones
  // counted as the service's as well, 13.6 kW.
  const auto borrows = with_cap("10.5 kW", "12", "true");
  REQUIRE(borrows.started[0]);
  CHECK(units::to_seconds(borrows.jobs[0].start) == kMinute);
  CHECK(borrows.jobs[0].borrowed_device_hours > 0);
  CHECK_THROWS_WITH(with_cap("10.3 kW", "12", "true"),
                    Catch::Contains("job 'a' alone (12 H100 from any start) draws 0.0104 MW"));
  for (const auto* r : {&fits, &borrows}) {
    CHECK(units::to_seconds(r->summaries[0].cap_exceeded) == 0);
  }
}
