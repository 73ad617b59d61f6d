// Sweep files (docs/sweeps.md): a base scenario plus axes of values for key paths, as a
// Cartesian product of axes (a zipped group counts as one axis) times replicas. Loading a
// sweep expands every point into a complete scenario text and checks each one, so that a
// bad axis is reported, with the sweep file's line and column, before anything runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/app/scenario/scenario.hpp"

namespace footprint::sweep {

/// One column of the index table: a key path and the axis it belongs to (the path itself,
/// or the name of its zipped group).
struct AxisColumn {
  std::string path;
  std::string group;
};

struct Point {
  std::size_t index = 0;
  std::size_t replica = 0;
  std::uint64_t seed = 0;
  std::string text;    ///< the point's complete scenario, as YAML
  std::string sha256;  ///< of `text`
  /// The point's value for each axis column, as YAML flow text ("1.1", "394 g/kWh").
  std::vector<std::string> values;
};

struct Sweep {
  std::filesystem::path file;  ///< the sweep file
  std::string text;            ///< its full text
  std::string name;
  std::string base_given;           ///< `base` as the sweep file writes it
  std::filesystem::path base_path;  ///< where it was found
  std::size_t replicas = 1;
  std::vector<AxisColumn> columns;
  std::vector<Point> points;  ///< in point order: first axis slowest, replica fastest

  /// "points/p000017.h5": a point's trace, relative to the output folder.
  [[nodiscard]] static std::string point_file(std::size_t index);
  /// "p=3 replica=1 (a=1.1, b=V100)" for messages.
  [[nodiscard]] std::string describe(std::size_t index) const;
};

struct SweepLoadOptions {
  scenario::LoadOptions scenario;
  /// Also check each point as `footprint check` does (data files read, jobs built).
  bool deep_check = true;
  /// 0: all cores, for the deep check.
  unsigned threads = 0;
};

/// The seed of replica `r` of a scenario whose seed is `base`: 53 bits of the stream
/// keyed (base, "SWEEP", r), so that it is exact in every format that stores it.
std::uint64_t replica_seed(std::uint64_t base, std::size_t r);

/// Reads, expands and checks a sweep file. Throws footprint::InputError listing every
/// problem (in the sweep file, or in the points' scenarios) before anything runs.
Sweep load_sweep(const std::filesystem::path& file, const SweepLoadOptions& options);

}  // namespace footprint::sweep
