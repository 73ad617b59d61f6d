// libFuzzer harness: the scenario loader (parse and check, without data files) on any
// text. Input errors are the expected outcome; any other exception, a crash, a hang or a
// sanitizer report is a defect (tests/fuzz/README.md).
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/app/scenario/scenario.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)footprint::scenario::parse_scenario(text, "fuzz.yaml");
  } catch (const footprint::InputError&) {
    // A located input error: what bad input must give.
  }
  return 0;
}
