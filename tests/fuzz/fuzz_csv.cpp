// libFuzzer harness: every CSV loader. The first byte of the input picks the loader, the
// rest is the file: grid intensity, CFE fraction, generation (MW), fuel mix, typical-year
// weather, LLM request trace, daily load profile, and a job trace read through a scenario.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_util.hpp"
#include "models/cooling/weather.hpp"
#include "models/grid/series.hpp"
#include "models/workloads/load_profile.hpp"
#include "models/workloads/requests.hpp"
#include "sim/app/scenario/scenario.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"

namespace {

enum class Loader : std::uint8_t {
  kIntensity,
  kCfeFraction,
  kGeneration,
  kFuelMix,
  kWeather,
  kRequests,
  kLoadProfile,
  kJobTrace,
  kCount
};

void load(Loader which, const std::filesystem::path& path) {
  using namespace footprint;
  std::vector<std::string> warnings;
  const models::SeriesOptions options;
  switch (which) {
    case Loader::kIntensity:
      (void)models::load_intensity_csv(path, options, warnings);
      break;
    case Loader::kCfeFraction:
      (void)models::load_cfe_fraction_csv(path, options, warnings);
      break;
    case Loader::kGeneration:
      (void)models::load_generation_csv(path, "mw", options, warnings);
      break;
    case Loader::kFuelMix:
      (void)models::load_fuelmix_csv(path, models::EmissionFactors::ipcc_ar5_median(), options,
                                     warnings);
      break;
    case Loader::kWeather:
      (void)models::load_weather_csv(path);
      break;
    case Loader::kRequests:
      (void)models::load_request_trace(path, engine::SimTime::zero());
      break;
    case Loader::kLoadProfile:
      (void)models::load_load_profile_csv(path);
      break;
    case Loader::kJobTrace: {
      const std::string scenario =
          "name: fuzz\nhorizon: 30 d\nregions:\n"
          "  - { name: r, intensity: 400 g/kWh }\n"
          "datacenters:\n"
          "  - { name: dc, region: r, pue: 1.1, accelerators: "
          "{ H100: 4096, A100: 4096 } }\n"
          "workload:\n  trace: { file: " +
          path.string() + " }\n";
      (void)scenario::parse_scenario(scenario, "fuzz.yaml");
      break;
    }
    case Loader::kCount:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const auto which = static_cast<Loader>(data[0] % static_cast<std::uint8_t>(Loader::kCount));
  const auto path = footprint::fuzz::write_input(data + 1, size - 1, ".csv");
  try {
    load(which, path);
  } catch (const footprint::InputError&) {
  }
  return 0;
}
