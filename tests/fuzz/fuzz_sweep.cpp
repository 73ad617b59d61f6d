// libFuzzer harness: the sweep loader (its file, its axes, the points' scenarios parsed, no
// deep check) on any text. The input is written beside a copy of the shipped scenarios
// (as scenarios/sweeps/ is), so that the base scenarios it names are found.
#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "fuzz_util.hpp"
#include "sim/app/sweep/sweep.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"

namespace {

/// A copy of scenarios/ of this process, made once: its sweeps/ folder holds the input.
std::filesystem::path scenarios_copy() {
  static const std::filesystem::path dir = [] {
    auto d = footprint::fuzz::input_file("-scenarios");
    std::filesystem::remove_all(d);
    std::filesystem::copy(std::filesystem::path(FOOTPRINT_SOURCE_DIR) / "scenarios", d,
                          std::filesystem::copy_options::recursive);
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = scenarios_copy() / "sweeps" / "fuzz-input.yaml";
  footprint::fuzz::write_input_to(data, size, path);
  try {
    footprint::sweep::SweepLoadOptions options;
    options.deep_check = false;
    (void)footprint::sweep::load_sweep(path, options);
  } catch (const footprint::InputError&) {
  }
  return 0;
}
