#include <catch2/catch.hpp>

#include "models/accelerators/accelerator.hpp"
#include "models/workloads/training.hpp"

using namespace footprint;
using models::TrainingJobSpec;
using models::WorkKind;

namespace {
TrainingJobSpec gpt3() {
  TrainingJobSpec j;
  j.name = "gpt3";
  j.accelerator = "V100";
  j.devices = 10000;
  j.model.parameters = 175e9;
  j.model.active_parameters = 175e9;
  j.throughput = units::teraflops_per_second(24.6);
  j.power = units::watts(330);
  return j;
}
}  // namespace

TEST_CASE("GPT-3 given as 300e9 tokens with a 3.2e6-token batch runs 93,750 steps", "[models]") {
  // Brown et al. 2020: 300 B training tokens, batch 3.2 M tokens: 300e9 / 3.2e6 = 93,750.
  auto j = gpt3();
  j.work_kind = WorkKind::kTokens;
  j.work_tokens = units::tokens(300e9);
  j.batch = units::tokens(3.2e6);
  const models::AcceleratorLibrary lib;
  const auto p = models::plan_training(j, *lib.find("V100"));
  CHECK(p.steps == 93'750);
  CHECK(p.steps_exact == 93'750.0);
  // 6 x 175e9 x 300e9 = 3.15e23 FLOP.
  CHECK(units::to_flops(p.flops) == Approx(3.15e23).epsilon(1e-12));
  // 3.15e23 / (1e4 x 24.6e12) s.
  CHECK(units::to_seconds(p.duration) == Approx(3.15e23 / (1e4 * 24.6e12)).epsilon(1e-12));
}

TEST_CASE("A FLOP count with a batch gives a partial last step", "[models]") {
  auto j = gpt3();
  j.work_kind = WorkKind::kFlops;
  j.work_flops = units::flops(3.14e23);
  j.batch = units::tokens(3.2e6);
  const models::AcceleratorLibrary lib;
  const auto p = models::plan_training(j, *lib.find("V100"));
  // tokens = 3.14e23 / (6 x 175e9) = 2.990476e11; / 3.2e6 = 93,452.38 steps.
  CHECK(p.steps_exact == Approx(3.14e23 / (6 * 175e9) / 3.2e6).epsilon(1e-12));
  CHECK(p.steps == 93'453);
}

TEST_CASE("Throughput from MFU and power from the accelerator's model", "[models]") {
  auto j = gpt3();
  j.throughput.reset();
  j.power.reset();
  j.mfu = 0.2;
  j.utilisation = 0.5;
  j.work_kind = WorkKind::kDuration;
  j.work_duration = units::days(10);
  const models::AcceleratorLibrary lib;
  const auto& v100 = *lib.find("V100");
  const auto p = models::plan_training(j, v100);
  CHECK(units::to_teraflops_per_second(p.throughput) == Approx(0.2 * 125).epsilon(1e-12));
  // idle 45 W (15 % of 300 W) + (300 - 45) x 0.5 = 172.5 W
  CHECK(units::to_watts(p.device_power) == Approx(172.5).epsilon(1e-12));
  CHECK(units::to_flops(p.flops) == Approx(10 * 86400.0 * 1e4 * 25e12).epsilon(1e-12));
  CHECK(p.steps == 240);  // one step per hour by default
}

TEST_CASE("The accelerator library has the datasheet figures", "[models]") {
  // ../shared/docs/mission.md hardware table (public datasheets).
  const models::AcceleratorLibrary lib;
  CHECK(units::to_watts(lib.find("TPUv2")->tdp) == 280);
  CHECK(units::to_teraflops_per_second(lib.find("TPUv3")->peak) == Approx(123));
  CHECK(units::to_gibibytes(lib.find("TPUv4")->memory) == Approx(32));
  CHECK(units::to_watts(lib.find("v100")->tdp) == 300);  // case-insensitive
  CHECK(units::to_gigabytes(lib.find("A100")->memory) == Approx(80));
  CHECK(units::to_teraflops_per_second(lib.find("H100-SXM")->peak) == Approx(989));
  CHECK(units::to_gigabytes(lib.find("H200")->memory) == Approx(141));
  CHECK(units::to_watts(lib.find("H100")->idle) == 100);
  CHECK(lib.find("V100")->embodied.has_value());
  CHECK(lib.find("nonesuch") == nullptr);
}
