// The parser of scenario files, one function per section (parse_*.cpp), and what the
// sections share: references by name, lists, data files and series. Internal to the
// scenario library: load.cpp runs the sections in order and validates the whole.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "models/accelerators/accelerator.hpp"
#include "sim/app/scenario/scenario.hpp"
#include "sim/app/scenario/yaml_reader.hpp"

namespace footprint::scenario::parse {

/// What every section reads against: the problems found so far, where data files are.
struct Context {
  Diagnostics& d;
  std::filesystem::path scenario_dir;
  const LoadOptions& options;
};

/// Name -> index in its list.
using NameIndex = std::map<std::string, std::size_t>;

/// "jobs[3]".
std::string item_path(const std::string& list, std::size_t i);

/// The entries of list `key` of `root` (none, with a problem, when it is not a list).
std::vector<YAML::Node> list_items(const YAML::Node& root, const std::string& key, bool required,
                                   Diagnostics& d);

/// Names must be unique within a list; returns name -> index.
template <class T>
NameIndex index_names(const std::vector<T>& items, const std::vector<YAML::Node>& nodes,
                      const std::string& list, Diagnostics& d);

/// The index of `name` in `names`; nullopt, with a problem at `at` that suggests the
/// closest name (or lists them), if it is unknown.
std::optional<std::size_t> resolve_name(const NameIndex& names, Diagnostics& d,
                                        const YAML::Node& at, const std::string& path,
                                        const std::string& what, const std::string& name);
/// Resolves the reference by name under `key`, reporting an unknown one with a suggestion.
std::optional<std::size_t> resolve(const NameIndex& names, const MapReader& r,
                                   const std::string& key, const std::string& what);

/// The library's type named `name` (or an alias); null, with a suggestion, if unknown.
const models::AcceleratorType* resolve_accelerator(const models::AcceleratorLibrary& lib,
                                                   Diagnostics& d, const YAML::Node& at,
                                                   const std::string& path,
                                                   const std::string& name);

/// What is wrong with `limit` as a power limit of `type` (at or below its idle power, or
/// above its TDP); nullopt when nothing is.
std::optional<std::string> power_limit_problem(units::Watts limit,
                                               const models::AcceleratorType& type);

/// A data file: absolute as is; relative against the scenario's folder, then the data
/// folders. The first that exists, or empty (with a problem at `key` of `r`).
std::string resolve_file(const std::string& name, const Context& ctx, const MapReader& r,
                         const std::string& key);

/// A series: { file: F | profile: P, repeat: yearly|none, max_gap: D }.
/// `intensity`: a region's intensity, which may say `kind: average | marginal`.
std::optional<SeriesSource> read_series(const MapReader& parent, const std::string& key,
                                        const Context& ctx, bool intensity = false);

// The sections, in the order load.cpp reads them.

/// name, description, seed, trace, epoch, horizon.
void read_settings(const MapReader& top, Scenario& sc);
void read_scheduler(const MapReader& top, Scenario& sc);
void read_failures(const MapReader& top, Scenario& sc);
void read_accelerator_types(const YAML::Node& root, Diagnostics& d,
                            models::AcceleratorLibrary& lib);
NameIndex read_regions(const YAML::Node& root, const Context& ctx, Scenario& sc);
NameIndex read_datacenters(const YAML::Node& root, const Context& ctx, const NameIndex& regions,
                           Scenario& sc);
/// workload: a generator, a CSV job trace, or both.
void read_workload(const MapReader& top, const Context& ctx, const NameIndex& datacenters,
                   Scenario& sc);

/// A job as read, with what validation needs: its node (for locations) and whether every
/// field it depends on was read without a problem.
struct JobEntry {
  models::TrainingJobSpec spec;
  JobPlacement place;
  YAML::Node node;
  bool complete = false;
};
std::vector<JobEntry> read_jobs(const YAML::Node& root, const Context& ctx,
                                const NameIndex& datacenters, bool required, Scenario& sc);

/// `model` under `parent` (the keys of jobs[].model); nullopt when absent or bad.
std::optional<models::ModelShape> read_job_model(const MapReader& parent, Diagnostics& d);

/// services: each LLM service (docs/scenario-format.md, "services[]"); sets apart its
/// devices in its datacenter's inventory.
void read_services(const YAML::Node& root, const Context& ctx, const NameIndex& datacenters,
                   Scenario& sc);

// index_names is a template: defined here.
template <class T>
NameIndex index_names(const std::vector<T>& items, const std::vector<YAML::Node>& nodes,
                      const std::string& list, Diagnostics& d) {
  NameIndex out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].name.empty()) {
      continue;
    }
    auto [it, fresh] = out.emplace(items[i].name, i);
    if (!fresh) {
      report(d, nodes[i], item_path(list, i) + ".name",
             "duplicate name \"" + items[i].name + "\" (also " + item_path(list, it->second) + ")");
    }
  }
  return out;
}

}  // namespace footprint::scenario::parse
