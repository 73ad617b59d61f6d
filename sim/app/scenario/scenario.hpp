// A scenario as read from its file: plain data with typed quantities, validated as a
// whole (every problem reported at once) before anything runs. docs/scenario-format.md
// documents every key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/accelerators/accelerator.hpp"
#include "models/fleet/power.hpp"
#include "models/grid/supply.hpp"
#include "models/scheduling/policy.hpp"
#include "models/serving/iteration.hpp"
#include "models/serving/service.hpp"
#include "models/workloads/load_profile.hpp"
#include "models/workloads/requests.hpp"
#include "models/workloads/training.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace YAML {
class Node;
}  // namespace YAML

namespace footprint::scenario {

/// Where a time series comes from: a file (resolved against the scenario's folder, then
/// the data folders) or a built-in profile.
struct SeriesSource {
  std::string given;    ///< the file as the scenario names it
  std::string file;     ///< resolved path, empty for a profile
  std::string profile;  ///< built-in profile name, empty for a file
  bool repeat_yearly = false;
  /// `kind: marginal`: a marginal-emissions series (an intensity only; reports say so).
  bool marginal = false;
  units::Seconds max_gap = units::hours(1);
  std::string key_path;  ///< for messages
};

struct RegionSpec {
  std::string name;
  /// Constant location-based (gross) grid average, unless `series` is given.
  units::CarbonIntensity intensity;
  std::optional<SeriesSource> series;
  /// Market-based (net): a constant, an annual carbon-free fraction, or an hourly CFE
  /// fraction series; by default equal to the location-based intensity.
  std::optional<units::CarbonIntensity> market_intensity;
  std::optional<double> cfe_annual;
  std::optional<SeriesSource> cfe_hourly;
  /// The grid's carbon-free share, for supply accounting where the intensity has no fuel mix
  /// (a constant or a file of intensities); with a fuel-mix file or a built-in profile the
  /// share comes from it.
  std::optional<double> grid_cfe;
  /// Off-site water: a constant intensity where the intensity has no fuel mix, and per-fuel
  /// overrides of the consumption factors (models/grid/water.hpp) where it has one.
  std::optional<units::WaterIntensity> water_intensity;
  std::map<std::string, double, std::less<>> water_factors;  ///< L/kWh by fuel code
  std::string water_key_path;  ///< regions[i], for errors found when the world is built
};

/// `water`: on-site cooling water (docs/cooling.md, "Water"); off-site water follows from
/// the region.
struct WaterSpec {
  enum class OnSite { kWue, kTower };
  OnSite on_site = OnSite::kWue;
  units::WaterIntensity wue;  ///< kWue: litres per kWh of IT energy
  double cycles = 0;          ///< kTower: cycles of concentration
  std::string key_path;       ///< datacenters[i].water
  /// Line and column of `water` and of its `tower` (0: unknown), for errors found when the
  /// world is built (weather without humidity, a region without a water intensity).
  std::pair<int, int> at{0, 0};
  std::pair<int, int> tower_at{0, 0};
};

/// A carbon-free generation source of a datacenter's supply: a shape (a built-in region's,
/// the region's own fuel mix, or a CSV in MW) and what it is scaled to.
struct GenerationSpec {
  /// profile: a built-in shape ("us-pjm-solar"); file: a CSV (`timestamp_utc,mw`); neither:
  /// the datacenter's region's own (its fuel-mix file, or its built-in profile's shape).
  std::optional<SeriesSource> source;
  /// Nameplate capacity; with it, the shape is scaled to capacity x capacity_factor on
  /// average (a file without it is taken in MW as it is).
  std::optional<units::Watts> capacity;
  std::optional<double> capacity_factor;
  std::string key_path;
};

/// `supply`: carbon-free generation contracted or on site, and a battery (docs/grid.md,
/// "Energy supply").
struct SupplySpec {
  std::optional<GenerationSpec> solar;
  std::optional<GenerationSpec> wind;
  units::Watts firm;  ///< constant carbon-free supply (nuclear, hydro, geothermal contracts)
  std::optional<models::BatterySpec> battery;
  std::string key_path;
};

struct InventoryItem {
  std::string accelerator;  ///< canonical library name
  std::int64_t count = 0;
  /// Of `count`, the devices set apart for the services placed here (replicas and
  /// reserve): jobs cannot use them (inventory_of() leaves them out).
  std::int64_t services = 0;
};

struct CoolingSpec {
  enum class Model { kConstant, kEconomizerChiller };
  Model model = Model::kConstant;
  double pue = 1.0;                     ///< for kConstant
  std::optional<SeriesSource> weather;  ///< for kEconomizerChiller
};

struct TopologySpec {
  std::string kind;  ///< "", "fat-tree" or "torus"
  std::int64_t pod_size = 0;
};

struct DatacenterSpec {
  std::string name;
  std::size_t region = 0;  ///< index into Scenario::regions
  CoolingSpec cooling;
  std::vector<InventoryItem> inventory;
  std::optional<units::Watts> power_cap;
  /// Line and column of power_cap in the scenario file (0: unknown), for errors found
  /// after parsing (a cap no schedule can keep).
  std::pair<int, int> power_cap_at{0, 0};
  models::DevicePower power;  ///< idle draw, sleep, host overhead
  /// `power_limit`: per device, for the jobs that run here and give none of their own
  /// (docs/power-limits.md); its line and column (0: unknown).
  std::optional<units::Watts> power_limit;
  std::pair<int, int> power_limit_at{0, 0};
  TopologySpec topology;
  /// `network`: the datacenter's scale-up domain and bandwidths, where they differ from
  /// its chips' usual system (the step model's network for the jobs that run here).
  models::NetworkOverride network;
  std::optional<SupplySpec> supply;
  std::optional<WaterSpec> water;
};

/// A scheduled training job beyond TrainingJobSpec: when and where it may run.
struct JobPlacement {
  std::optional<units::Seconds> submit;  ///< absent with a fixed start
  bool fixed_start = false;              ///< `start:` given
  units::Seconds slack;
  std::vector<std::size_t> datacenters;  ///< candidates; the first is TrainingJobSpec's
  std::optional<units::Seconds> checkpoint_interval;
  units::Seconds checkpoint_duration;
  /// checkpoint.pause_above: under carbon-aware scheduling, pause at a checkpoint while
  /// the grid is above this intensity (docs/scheduling.md "Pause and resume").
  std::optional<units::CarbonIntensity> pause_above;
};

/// Jobs drawn at random: Poisson arrivals over a span, from weighted classes.
struct JobClass {
  std::string name;
  double weight = 1;
  std::int64_t devices_min = 1;  ///< devices: log-uniform in [min, max], rounded
  std::int64_t devices_max = 1;
  units::Seconds duration_min;  ///< log-uniform in [min, max]
  units::Seconds duration_max;
  std::vector<std::string> accelerators;  ///< uniform choice
  models::Architecture architecture = models::Architecture::kDense;
  double utilisation = 1.0;
  double mfu = 0.4;
  units::Seconds slack;
  std::optional<units::Seconds> checkpoint_interval;
  units::Seconds checkpoint_duration;
  std::optional<units::CarbonIntensity> pause_above;  ///< as JobPlacement's
};

struct GeneratorSpec {
  std::int64_t count = 0;
  units::Seconds span;
  units::Seconds start;  ///< submit times fall in (start, start + span)
  std::vector<JobClass> classes;
};

/// A job of a CSV job trace (docs/scenario-format.md: workload.trace).
struct TraceJob {
  std::string name;
  units::Seconds submit;
  std::string accelerator;  ///< canonical library name
  std::int64_t devices = 0;
  units::Seconds duration;
  std::vector<std::size_t> datacenters;  ///< empty: every datacenter with the type
  units::Seconds slack;
  double utilisation = 1.0;
  double mfu = 0.4;
};

/// An LLM service (docs/scenario-format.md, "services[]"; docs/serving.md).
/// One datacenter of a service: its replicas (with autoscaling, the most it may run), its
/// reserve, and its one-way network latency from the service's users.
struct ServiceSite {
  std::size_t datacenter = 0;
  std::int64_t replicas = 1;
  std::int64_t reserve = 0;
  units::Seconds latency;
};

struct ServiceSpec {
  std::string name;
  /// The first site's datacenter (the only one of a service in one datacenter).
  std::size_t datacenter = 0;
  std::vector<ServiceSite> sites;
  std::optional<models::AutoscaleConfig> autoscale;
  models::Routing routing = models::Routing::kNearest;
  std::optional<units::Seconds> latency_budget;
  models::Fidelity fidelity = models::Fidelity::kIteration;
  std::optional<models::Disaggregation> disaggregated;
  std::string accelerator;  ///< canonical library name
  models::ServingModelSpec serving;
  std::int64_t replicas = 1;  ///< over every site (with autoscaling, the most)
  std::int64_t reserve = 0;   ///< over every site
  // requests: all at once at `at`, Poisson at `rate_per_s` (`count` of them, or until the
  // horizon), or the rows of `file` (at most `limit`) from `start`.
  enum class Arrival { kAt, kRate, kFile };
  Arrival arrival = Arrival::kAt;
  units::Seconds at;
  double rate_per_s = 0;
  std::optional<std::int64_t> count;
  std::string file;        ///< resolved path
  std::string file_given;  ///< as the scenario names it
  std::optional<std::int64_t> limit;
  units::Seconds start;
  /// arrival.profile: the rate's multipliers over time (with a rate only); where it came
  /// from (a file as named and resolved, empty for a built-in one) and its key path.
  std::optional<models::LoadProfile> profile;
  std::string profile_given;
  std::string profile_file;
  std::string profile_path;
  std::optional<models::TokenLength> prompt_tokens;  ///< not with a file
  std::optional<models::TokenLength> output_tokens;
  std::optional<units::Seconds> slo_ttft;
  std::optional<units::Seconds> slo_tpot;
  /// Per-request rows written to the trace: at most this many (evenly spaced in arrival
  /// order), or all of them.
  std::int64_t request_rows = 10000;
  bool all_request_rows = false;
};

struct FailureSpec {
  units::Seconds device_mtbf;  ///< 0: no failures
  units::Seconds restart = units::minutes(30);
};

struct Scenario {
  std::string name;
  std::uint64_t seed = 0;
  units::Seconds trace_interval = units::hours(1);
  /// Found while reading, reported by check and run ("FILE:LINE:COL: ..."): a job trace's
  /// columns that no job-trace column resembles, which are ignored.
  std::vector<std::string> warnings;
  std::int64_t epoch_unix_s = 0;  ///< UTC time of simulated time 0
  std::optional<units::Seconds> horizon;
  models::SchedulerConfig scheduler;
  /// `scheduler.compare`: the baseline, the scheduler's settings with those the key gives
  /// replaced, run a second time on the same jobs (docs/scheduling.md, "Comparing with a
  /// baseline"); absent without the key. Never equal to `scheduler` (the parser refuses it).
  std::optional<models::SchedulerConfig> baseline;
  FailureSpec failures;
  std::vector<RegionSpec> regions;
  std::vector<DatacenterSpec> datacenters;
  std::vector<models::TrainingJobSpec> jobs;
  std::vector<JobPlacement> placements;  ///< parallel to jobs
  std::optional<GeneratorSpec> generator;
  std::vector<TraceJob> trace_jobs;  ///< from workload.trace
  std::vector<ServiceSpec> services;
  models::AcceleratorLibrary accelerators;

  std::filesystem::path source;  ///< the file it came from
  std::string text;              ///< the file's full text
  /// Data files the scenario itself read (a job trace): (name as given, resolved path),
  /// for the trace's provenance; the world's series and weather files are added when it
  /// is built.
  std::vector<std::pair<std::string, std::string>> inputs;
};

/// A policy's name in scenario files and traces: "fifo", "backfill" or "carbon-aware".
std::string_view policy_name(models::Policy policy);

struct LoadOptions {
  /// Folders searched, after the scenario's own, for relative data paths
  /// (--data-dir, then FOOTPRINT_DATA).
  std::vector<std::filesystem::path> data_dirs;
};

/// Parses and validates a scenario; throws InputError listing every problem found.
Scenario parse_scenario(const std::string& text, const std::string& file_name,
                        const LoadOptions& options = {});
/// Reads `path` and parses it; a missing or unreadable file is an InputError too.
/// The same, from a YAML tree already read (its nodes' marks locate the problems);
/// `text` is recorded as the scenario's text.
Scenario parse_scenario_tree(const YAML::Node& root, const std::string& text,
                             const std::string& file_name, const LoadOptions& options = {});
Scenario load_scenario(const std::filesystem::path& path, const LoadOptions& options = {});

}  // namespace footprint::scenario
