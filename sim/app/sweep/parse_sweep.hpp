// The parser of sweep files, one function per part (parse_sweep.cpp): the settings, the
// base scenario, the axes (each a list of values or a zipped group of lists) and the checks
// of the axes as a whole. Internal to the sweep library: sweep.cpp reads the parts in
// order, then expands the axes into points and checks each point's scenario.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "sim/app/scenario/scenario.hpp"
#include "sim/app/scenario/yaml_reader.hpp"
#include "sim/app/sweep/sweep.hpp"

namespace footprint::sweep::parse {

/// One step of a key path: a mapping key, a list position, or a list item by field.
struct Step {
  enum class Kind { kKey, kIndex, kMatch };
  Kind kind = Kind::kKey;
  std::string key;  ///< kKey: the key; kMatch: the field ("name")
  std::string value;
  std::size_t index = 0;
};

/// A path resolved against the base scenario: keys and list positions only, and how the
/// scenario's own diagnostics spell it ("datacenters[1].pue").
struct Resolved {
  std::vector<Step> steps;  ///< kKey or kIndex
  std::string display;
};

/// One axis: a plain path, or a zipped group of paths.
struct Axis {
  std::string name;
  struct Member {
    std::string path;
    Resolved resolved;
    std::vector<YAML::Node> values;
    YAML::Mark mark;  ///< of the path in the sweep file
  };
  std::vector<Member> members;
  [[nodiscard]] std::size_t size() const { return members.front().values.size(); }
};

/// The base scenario, valid on its own: every point starts from its text.
struct Base {
  std::string text;
  YAML::Node root;
  std::uint64_t seed = 0;
};

/// Whether the display path `b` lies strictly inside `a` ("a.b" inside "a", "a[1]" too).
bool is_prefix(const std::string& a, const std::string& b);

/// The whole of a file; empty, with a problem naming it as `what`, if it cannot be read.
std::string read_text(const std::filesystem::path& p, Diagnostics& d, const std::string& what);

// The parts, in the order sweep.cpp reads them. Each records its problems in the sweep
// file's diagnostics; the caller throws them between parts that depend on each other.

/// The sweep file's YAML; throws on a syntax error or an empty file.
YAML::Node read_yaml(const std::string& text, Diagnostics& d);
/// sweep, description, base (as written), replicas.
void read_settings(const scenario::MapReader& top, Sweep& sw);
/// The base scenario, relative to the sweep file; throws unless it exists and is valid.
Base read_base(const scenario::MapReader& top, const scenario::LoadOptions& options, Sweep& sw);
/// axes, in file order; an axis with a problem is left out (and reported).
std::vector<Axis> read_axes(const scenario::MapReader& top, const YAML::Node& base_root);
/// No two paths may name the same key, and none may lie inside another (a later value
/// would write into an earlier one).
void check_overlaps(const std::vector<Axis>& axes, Diagnostics& d);
/// The number of points (the axes' product times the replicas); throws past the limit.
std::size_t count_points(const std::vector<Axis>& axes, std::size_t replicas, Diagnostics& d);

}  // namespace footprint::sweep::parse
