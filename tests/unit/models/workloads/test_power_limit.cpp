// A training job under a power limit (models/workloads/power_limit, training): the phases a
// limit slows, the slack savings, and a job given as throughput and power. Numbers derived by
// hand from the equations of docs/power-limits.md, with the calibrated k and h read back.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "models/accelerators/accelerator.hpp"
#include "models/accelerators/frequency.hpp"
#include "models/workloads/power_limit.hpp"
#include "models/workloads/training.hpp"

using namespace footprint;

namespace {

constexpr double kTight = 1e-12;  // floating point only

std::vector<models::StepPhase> phases() {
  return {
      {"compute", units::seconds(1.0), units::watts(300), models::PhaseScaling::kStraggler},
      {"elementwise", units::seconds(0.2), units::watts(300), models::PhaseScaling::kStraggler},
      {"tensor-allreduce", units::seconds(0.3), units::watts(150), models::PhaseScaling::kFixed},
      {"bubble", units::seconds(0.5), units::watts(45), models::PhaseScaling::kFixed}};
}

}  // namespace

TEST_CASE("phases are bound by compute, memory, the network or nothing", "[power_limit]") {
  using models::phase_bound;
  using models::PhaseBound;
  CHECK(phase_bound("compute") == PhaseBound::kCompute);
  CHECK(phase_bound("attention") == PhaseBound::kCompute);
  CHECK(phase_bound("expert-compute") == PhaseBound::kCompute);
  CHECK(phase_bound("elementwise") == PhaseBound::kMemory);
  CHECK(phase_bound("optimizer") == PhaseBound::kMemory);
  CHECK(phase_bound("bubble") == PhaseBound::kIdle);
  CHECK(phase_bound("gradient-allreduce") == PhaseBound::kNetwork);
  CHECK(phase_bound("all-to-all") == PhaseBound::kNetwork);
}

TEST_CASE("a limit slows compute-bound phases above it and caps memory-bound ones",
          "[power_limit]") {
  const auto& c = models::calibrated_frequency_constants();
  auto ph = phases();
  const auto idle = units::watts(45);
  const double allowed = 45 + (200 - 45) * c.headroom;  // 193.74 W
  // f = (148.74 / 255)^(1 / 3.2942) = 0.58331^0.30356 = 0.8491.
  const double f = std::pow((allowed - 45) / (300 - 45), 1 / c.exponent);
  const double clock = models::limit_phases(ph, idle, units::watts(200));
  CHECK(clock == Approx(f).epsilon(kTight));
  CHECK(f == Approx(0.8491).epsilon(1e-3));
  CHECK(units::to_seconds(ph[0].duration) == Approx(1.0 / f).epsilon(kTight));
  CHECK(units::to_watts(ph[0].power) == Approx(allowed).epsilon(kTight));
  CHECK(units::to_seconds(ph[1].duration) == 0.2);  // memory-bound: its time kept
  CHECK(units::to_watts(ph[1].power) == Approx(allowed).epsilon(kTight));
  CHECK(units::to_watts(ph[2].power) == 150.0);  // below the allowed draw: untouched
  CHECK(units::to_watts(ph[3].power) == 45.0);
}

TEST_CASE("slack savings: the bubble by stretching compute, communication by its dynamic power",
          "[power_limit]") {
  const auto& c = models::calibrated_frequency_constants();
  const auto ph = phases();
  const auto s = models::slack_saving(ph, units::watts(45));
  // Communication: 0.3 s x (150 - 45) W = 31.5 J.
  CHECK(units::to_joules(s.communication) == Approx(31.5).epsilon(kTight));
  // Bubble: 1 s of compute over 1.5 s, f = 2/3: 1 x 255 x (1 - (2/3)^(k - 1)) = 255 x (1 -
  // 0.39446) = 154.41 J.
  const double expected = 255 * (1 - std::pow(2.0 / 3.0, c.exponent - 1));
  CHECK(units::to_joules(s.bubble) == Approx(expected).epsilon(kTight));
  CHECK(expected == Approx(154.41).epsilon(1e-4));
}

TEST_CASE("a job given as throughput and power slows with its clock under a limit",
          "[power_limit]") {
  const auto& c = models::calibrated_frequency_constants();
  models::TrainingJobSpec j;
  j.name = "gpt3";
  j.accelerator = "V100";
  j.devices = 10000;
  j.model.parameters = 175e9;
  j.model.active_parameters = 175e9;
  j.throughput = units::teraflops_per_second(24.6);
  j.power = units::watts(330);
  j.work_kind = models::WorkKind::kTokens;
  j.work_tokens = units::tokens(300e9);
  const models::AcceleratorLibrary lib;
  const auto& v100 = *lib.find("V100");
  const auto free = models::plan_training(j, v100);
  j.power_limit = units::watts(200);
  const auto limited = models::plan_training(j, v100);
  // Allowed 45 + 155 h = 193.74 W; f = (148.74 / 285)^(1/k) = 0.8210.
  const double allowed = 45 + 155 * c.headroom;
  const double f = std::pow((allowed - 45) / (330 - 45), 1 / c.exponent);
  CHECK(limited.clock == Approx(f).epsilon(kTight));
  CHECK(f == Approx(0.8210).epsilon(1e-3));
  CHECK(units::to_watts(limited.device_power) == Approx(allowed).epsilon(kTight));
  CHECK(limited.duration / free.duration == Approx(1 / f).epsilon(kTight));
  CHECK(units::to_flops(limited.flops) == units::to_flops(free.flops));
  // Without a limit: the same plan as before limits existed.
  CHECK(free.clock == 1.0);
  CHECK(units::to_watts(free.device_power) == 330.0);
  // A limit above what the job draws changes nothing.
  j.power_limit = units::watts(300);
  j.power = units::watts(250);
  const auto loose = models::plan_training(j, v100);
  CHECK(loose.clock == 1.0);
  CHECK(units::to_watts(loose.device_power) == 250.0);
}
