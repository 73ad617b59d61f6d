// Validation of the power-limit model (models/accelerators/frequency, docs/power-limits.md)
// on published curves it was not fitted on. Its two constants come from one point only:
// Zeus's V100 ResNet-50, batch 128, 150 W (You, Chung and Chowdhury, NSDI 2023; the sweep in
// ml-energy/zeus, examples/research_reproducibility/zeus_nsdi23/trace/summary_power_v100.csv,
// columns batch_size, power_limit, time_per_epoch, average_power). Every other row here is a
// check. Rows the model misses are pinned at their error (within 1 point), so that a change
// that moves one shows; docs/power-limits.md gives the table.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "models/accelerators/accelerator.hpp"
#include "models/accelerators/frequency.hpp"

using namespace footprint;

namespace {

/// One row of summary_power_v100.csv (ImageNet, ResNet-50, Adadelta); the trace README says
/// each is measured once and "not stochastic".
struct ZeusRow {
  int batch;
  double limit_w;
  double epoch_s;
  double power_w;
};

constexpr ZeusRow kZeus[] = {
    {128, 100, 6824.416667, 99.496911},  {128, 125, 5158.946667, 122.724760},
    {128, 150, 4243.256667, 145.458900}, {128, 175, 3945.803333, 165.314621},
    {128, 200, 3799.440000, 184.308432}, {128, 225, 3684.553333, 205.618301},
    {128, 250, 3603.596667, 222.439023}, {256, 100, 6781.173333, 98.382406},
    {256, 125, 5064.970000, 121.966019}, {256, 150, 4148.660000, 144.594749},
    {256, 175, 3852.180000, 166.372175}, {256, 200, 3700.973333, 184.944273},
    {256, 225, 3584.303333, 205.438299}, {256, 250, 3514.986667, 220.250295},
    {16, 150, 5211.803333, 141.764969},  {16, 250, 4610.753333, 223.185263},
    {32, 150, 4635.006667, 146.864317},  {32, 250, 4051.000000, 227.364457},
    {64, 150, 4359.396667, 145.915660},  {64, 250, 3754.323333, 222.897527},
    {192, 150, 4163.813333, 144.739724}, {192, 250, 3529.606667, 220.489652},
    {360, 150, 4179.753333, 143.764663}, {360, 250, 3519.496667, 217.536769},
};

constexpr double kV100PcieTdpW = 250;
constexpr double kIdleFraction = 0.15;  // the library's assumed idle / TDP

const ZeusRow& unlimited(int batch) {
  return *std::find_if(std::begin(kZeus), std::end(kZeus),
                       [&](const ZeusRow& r) { return r.batch == batch && r.limit_w == 250; });
}

struct Ratios {
  double time;
  double energy;
};

/// Model: the job's unlimited point (its 250 W row: 250 W is the card's TDP) under the row's
/// limit, compute-bound throughout as in the calibration.
Ratios model(const ZeusRow& r) {
  const auto& base = unlimited(r.batch);
  const auto u =
      models::under_limit(units::watts(base.power_w), 1.0,
                          units::watts(kIdleFraction * kV100PcieTdpW), units::watts(r.limit_w));
  return {u.time_factor, u.time_factor * units::to_watts(u.power) / base.power_w};
}

Ratios measured(const ZeusRow& r) {
  const auto& base = unlimited(r.batch);
  const double t = r.epoch_s / base.epoch_s;
  return {t, t * r.power_w / base.power_w};
}

struct Pinned {
  int batch;
  double limit_w;
  double time_error;    ///< model / measured - 1
  double energy_error;  ///< model / measured - 1
};

// The model's errors on every check row (docs/power-limits.md, "Checks").
constexpr Pinned kPinned[] = {
    {128, 100, -0.257, -0.272}, {128, 125, -0.112, -0.121}, {128, 175, +0.012, +0.037},
    {128, 200, -0.001, +0.048}, {128, 225, -0.014, +0.043}, {256, 100, -0.273, -0.280},
    {256, 125, -0.121, -0.125}, {256, 150, -0.006, -0.000}, {256, 175, +0.007, +0.026},
    {256, 200, -0.003, +0.042}, {256, 225, -0.015, +0.043}, {16, 150, +0.043, +0.070},
    {32, 150, +0.037, +0.027},  {64, 150, +0.015, +0.012},  {192, 150, -0.005, -0.000},
    {360, 150, -0.017, -0.005},
};
constexpr double kPinTolerance = 0.01;  // one point

}  // namespace

TEST_CASE("Zeus V100 ResNet-50 batch 128 at 150 W: the calibration point", "[power-limits]") {
  const auto& r = kZeus[2];
  REQUIRE(r.limit_w == 150);
  const auto m = model(r);
  const auto x = measured(r);
  // Exact but for the rows' rounding here (to 1e-6 s and W; the fit reads them unrounded).
  CHECK(m.time == Approx(x.time).epsilon(1e-7));
  CHECK(m.energy == Approx(x.energy).epsilon(1e-7));
  CHECK(x.time == Approx(1.178).margin(0.0005));    // the 1.178x
  CHECK(x.energy == Approx(0.770).margin(0.0005));  // and 0.770x
}

TEST_CASE("Zeus V100 ResNet-50: the other limits and batch sizes", "[power-limits]") {
  for (const auto& p : kPinned) {
    const auto& r = *std::find_if(std::begin(kZeus), std::end(kZeus), [&](const ZeusRow& z) {
      return z.batch == p.batch && z.limit_w == p.limit_w;
    });
    const auto m = model(r);
    const auto x = measured(r);
    INFO("batch " << p.batch << ", " << p.limit_w << " W: time " << x.time << " measured, "
                  << m.time << " model; energy " << x.energy << " measured, " << m.energy
                  << " model");
    CHECK(m.time / x.time - 1 == Approx(p.time_error).margin(kPinTolerance));
    CHECK(m.energy / x.energy - 1 == Approx(p.energy_error).margin(kPinTolerance));
    // At 60 % of TDP and above, every batch size: time within 5 %, energy within 7.5 %.
    // Why: the spread of the batch sizes' own 150 W ratios (1.130x to 1.188x in time, 0.718x
    // to 0.785x in energy) around the one fitted: the model has no batch size.
    if (p.limit_w >= 150) {
      CHECK(std::fabs(m.time / x.time - 1) <= 0.05);
      CHECK(std::fabs(m.energy / x.energy - 1) <= 0.075);
    }
  }
}

TEST_CASE("Zeus V100 ResNet-50: the limit with the least energy (a known miss)", "[power-limits]") {
  // Measured: 150 W for batches 128 and 256. The model's energy falls all the way down the
  // swept range (its minimum, at h L = k P_s / (k - 1), is below 100 W): it has no voltage
  // floor, under which power falls only linearly with the clock.
  for (const int batch : {128, 256}) {
    double best_measured = 0;
    double best_model = 0;
    double e_measured = 1e9;
    double e_model = 1e9;
    for (const auto& r : kZeus) {
      if (r.batch != batch) {
        continue;
      }
      if (measured(r).energy < e_measured) {
        e_measured = measured(r).energy;
        best_measured = r.limit_w;
      }
      if (model(r).energy < e_model) {
        e_model = model(r).energy;
        best_model = r.limit_w;
      }
    }
    CHECK(best_measured == 150);
    CHECK(best_model == 100);
  }
}

TEST_CASE("Zeus A40 ResNet-50 batch 128: another GPU's sweep", "[power-limits]") {
  // The same trace folder, summary_power_a40.csv (imagenet, resnet50, batch 128, adadelta):
  // an A40 (300 W TDP; idle taken as the library's 15 %, 45 W), limits 100-300 W. The model
  // takes the A40's figures and the 300 W row as the unlimited point; nothing is refitted.
  // From 175 W (58 % of TDP) up, time within 3.4 %; energy up to 11 % high (the A40 averages
  // well below a limit it does not reach: 216 W at 250 W, which the model, drawing the
  // allowed draw, does not follow). Below, the A40's voltage floor: -25 % to -57 %.
  struct Row {
    double limit_w, epoch_s, power_w, time_error, energy_error;
  };
  constexpr double kTdpW = 300;
  constexpr double kUnlimitedS = 3739.5;
  constexpr double kUnlimitedW = 244.26058546458663;
  constexpr Row kRows[] = {
      {100, 11009.39, 114.70916054489874, -0.492, -0.567},
      {125, 9375.09, 125.06183716668464, -0.467, -0.481},
      {150, 6147.46, 144.2607231260645, -0.252, -0.244},
      {175, 4463.24, 160.86341752430866, -0.034, +0.019},
      {200, 3992.39, 179.22631615034337, +0.024, +0.107},
      {225, 3862.42, 198.38104893564224, +0.011, +0.110},
      {250, 3804.21, 216.21927459289037, -0.013, +0.103},
      {275, 3777.29, 230.7632940180274, -0.010, +0.048},
  };
  double least_measured = 2;
  double least_measured_w = 0;
  double least_model = 2;
  double least_model_w = 0;
  for (const auto& r : kRows) {
    const auto u =
        models::under_limit(units::watts(kUnlimitedW), 1.0, units::watts(kIdleFraction * kTdpW),
                            units::watts(r.limit_w));
    const double time = r.epoch_s / kUnlimitedS;
    const double energy = time * r.power_w / kUnlimitedW;
    const double model_energy = u.time_factor * units::to_watts(u.power) / kUnlimitedW;
    INFO(r.limit_w << " W: time " << time << " measured, " << u.time_factor << " model; energy "
                   << energy << " measured, " << model_energy << " model");
    CHECK(u.time_factor / time - 1 == Approx(r.time_error).margin(kPinTolerance));
    CHECK(model_energy / energy - 1 == Approx(r.energy_error).margin(kPinTolerance));
    if (r.limit_w >= 175) {
      CHECK(std::fabs(u.time_factor / time - 1) <= 0.05);
      CHECK(std::fabs(model_energy / energy - 1) <= 0.12);
    }
    if (energy < least_measured) {
      least_measured = energy;
      least_measured_w = r.limit_w;
    }
    if (model_energy < least_model) {
      least_model = model_energy;
      least_model_w = r.limit_w;
    }
  }
  // The least energy: measured at 200 W (0.783x; 175 W gives 0.786x), the model's at 100 W.
  CHECK(least_measured_w == 200);
  CHECK(least_model_w == 100);
}

TEST_CASE("Perseus A100 GPT-3 175B frontier at matched time", "[power-limits]") {
  // Chung et al., SOSP 2024 ("Perseus"), artifact ml-energy/zeus,
  // sosp24_data/emulation/iteration_time_energy/a100_sxm/gpt3-175b_bf16_mb12.csv (time,
  // energy): the fastest plan 2.818 s, 6212.8 J; ratios only (the file does not say which
  // GPUs its energy counts). Perseus plans each computation's clock; the model lowers one
  // clock for the whole step (compute-bound) at the same time, from the A100's draw at the
  // step model's compute utilisation 0.9 (docs/models.md, "Power by phase").
  const models::AcceleratorLibrary lib;
  const auto& a100 = *lib.find("A100");
  const auto full = a100.power_at(0.9);
  const auto& c = models::calibrated_frequency_constants();
  struct Point {
    double time_s, energy_j, pinned_error;
  };
  constexpr double kFastS = 2.818;
  constexpr double kFastJ = 6212.8;
  // +2.9 %, +6.5 %, +10.0 % and the energy minimum, +13.1 %.
  constexpr Point kFrontier[] = {
      {2.90, 5923, -0.002}, {3.00, 5751, -0.029}, {3.10, 5676, -0.067}, {3.186, 5656.1, -0.103}};
  for (const auto& p : kFrontier) {
    const double t = p.time_s / kFastS;
    const double e = p.energy_j / kFastJ;
    const double f = 1 / t;
    const double model_e = t * models::power_at_frequency(full, a100.idle, f, c) / full;
    INFO("time x" << t << ": energy x" << e << " published, x" << model_e << " model");
    CHECK(model_e / e - 1 == Approx(p.pinned_error).margin(kPinTolerance));
  }
  // Perseus's least energy: -9.0 % at +13.1 %. The model's, over the clock: about -50 % at
  // 2.1x the time (a known miss, as for Zeus: no voltage floor).
  double best_e = 2;
  double best_t = 0;
  for (int i = 100; i <= 1000; ++i) {
    const double f = i / 1000.0;
    const double e = models::power_at_frequency(full, a100.idle, f, c) / full / f;
    if (e < best_e) {
      best_e = e;
      best_t = 1 / f;
    }
  }
  CHECK(best_e == Approx(0.497).margin(0.01));
  CHECK(best_t == Approx(2.11).margin(0.05));
}

TEST_CASE("EnvPipe: the bubble bound exceeds what EnvPipe saves", "[power-limits]") {
  // Choi et al., USENIX ATC 2023 ("EnvPipe"), abstract: up to 25.2 % of the energy with 4
  // GPUs in one node and 28.4 % with 16, under 1 % slower, by lowering the clock of work
  // off the critical path into the pipeline's bubbles. The model's saving (stretch_saving,
  // every stage's compute stretched over its bubble) is an upper bound: for 4 stages, 1F1B
  // (bubble (p - 1) / m of the compute), on A100 at the step model's draws (compute 0.9 of
  // its span, the bubble at idle), it must not fall below EnvPipe's. The abstract gives no
  // microbatch count; m = 8 and 16 are assumed.
  const models::AcceleratorLibrary lib;
  const auto& a100 = *lib.find("A100");
  const auto full = a100.power_at(0.9);
  struct Case {
    int stages, microbatches;
    double pinned;
  };
  for (const auto& k : {Case{4, 8, 0.408}, Case{4, 16, 0.264}}) {
    const auto busy = units::seconds(1);
    const auto bubble = units::seconds(static_cast<double>(k.stages - 1) / k.microbatches);
    const auto saved = models::stretch_saving(busy, full, a100.idle, bubble);
    const auto total = busy * full + bubble * a100.idle;
    const double fraction = saved / total;
    INFO(k.stages << " stages, " << k.microbatches << " microbatches: " << fraction);
    CHECK(fraction >= 0.252);
    CHECK(fraction == Approx(k.pinned).margin(0.005));
  }
}
