// A scenario as read from its file: plain data with typed quantities, validated as a
// whole (every problem reported at once) before anything runs. docs/scenario-format.md
// documents every key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "models/accelerators/accelerator.hpp"
#include "models/workloads/training.hpp"
#include "sim/units/quantity.hpp"

namespace footprint::scenario {

struct RegionSpec {
  std::string name;
  /// Location-based (gross) grid average.
  units::CarbonIntensity intensity;
  /// Market-based (net) after carbon-free energy bought; defaults to `intensity`.
  units::CarbonIntensity market_intensity;
};

struct InventoryItem {
  std::string accelerator;  ///< canonical library name
  std::int64_t count = 0;
};

struct DatacenterSpec {
  std::string name;
  std::size_t region = 0;  ///< index into Scenario::regions
  double pue = 1.0;
  std::vector<InventoryItem> inventory;
};

struct Scenario {
  std::string name;
  std::uint64_t seed = 0;
  units::Seconds trace_interval = units::hours(1);
  std::vector<RegionSpec> regions;
  std::vector<DatacenterSpec> datacenters;
  std::vector<models::TrainingJobSpec> jobs;
  models::AcceleratorLibrary accelerators;

  std::filesystem::path source;  ///< the file it came from ("<string>" when parsed from text)
  std::string text;              ///< the file's full text
};

/// Parses and validates a scenario; throws InputError listing every problem found.
Scenario parse_scenario(const std::string& text, const std::string& file_name);
/// Reads `path` and parses it; a missing or unreadable file is an InputError too.
Scenario load_scenario(const std::filesystem::path& path);

}  // namespace footprint::scenario
