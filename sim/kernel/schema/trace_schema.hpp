// The trace file's schema, declared once: one table per group of docs/trace-format.md,
// each row a name, a type, a unit, a meaning and how the value is reduced.
//
// The datacenter LP stores its per-interval series by `Series`, the trace writer writes
// every table in its order (names, `units` attributes, order of datasets and attributes
// all come from here), analysis/ reads by the same names, and a unit test compares each
// table with the one in docs/trace-format.md. Adding a column is one row here (and, for a
// series, its integration rule in the datacenter LP, which the compiler asks for).
//
// Row order is the order in the file: the writer follows it, so reordering rows reorders
// datasets and attributes in every trace.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace footprint::schema {

/// The stored type of a column or attribute.
/// kStrings, kInt64s: 1-D arrays (attributes only). kFloat64x2: n x 2 (interval bounds).
enum class Type : std::uint8_t {
  kFloat64,
  kInt64,
  kUInt64,
  kString,
  kStrings,
  kInt64s,
  kFloat64x2
};

/// As docs/trace-format.md names it.
constexpr std::string_view type_name(Type t) {
  constexpr std::array<std::string_view, 7> kNames{
      "float64",          "int64",           "uint64",       "string",
      "1-D string array", "1-D int64 array", "n x 2 float64"};
  return kNames.at(static_cast<std::size_t>(t));
}

/// How one value summarises what it stands for.
enum class Reduction : std::uint8_t {
  kNone,      ///< a label or a count, not reduced from a series
  kStart,     ///< the start of an interval (time)
  kSum,       ///< the integral over the interval (or run): summing intervals gives the total
  kTimeMean,  ///< the integral divided by the interval's length
  kRatio,     ///< a ratio of two sums (PUE)
  kMax,       ///< the largest value
  kQuantile,  ///< a quantile of interval means
  kMean,      ///< the mean over jobs
  kMin,       ///< the smallest value
};

struct Field {
  std::string_view name;
  Type type;
  /// The unit: for datasets and table columns the `units` attribute as written; for
  /// attributes the unit docs/trace-format.md gives (attributes carry no `units`).
  std::string_view unit;
  /// As in docs/trace-format.md (markdown), word for word.
  std::string_view meaning;
  Reduction reduction;
};

template <class Enum, std::size_t N>
constexpr const Field& field(const std::array<Field, N>& table, Enum e) {
  return table[static_cast<std::size_t>(e)];
}

/// A table given fewer rows than its enum has values leaves the rest empty.
template <std::size_t N>
constexpr bool all_named(const std::array<Field, N>& table) {
  for (const auto& f : table) {
    if (f.name.empty()) {
      return false;
    }
  }
  return true;
}

/// The trace format versions analysis/ reads (`format_version`); the writer writes the last.
inline constexpr std::array<std::string_view, 2> kReadableFormatVersions{"1", "2"};

// ---------------------------------------------------------------------------------------
// Root attributes: provenance, inputs, seed, epoch, interval, horizon.
// kInputWarnings is written only when there were any.

enum class RootAttr : std::uint8_t {
  kFootprintVersion,
  kFootprintCommit,
  kFormatVersion,
  kConventions,
  kScenario,
  kScenarioName,
  kScenarioSha256,
  kSeed,
  kEpoch,
  kTraceInterval,
  kHorizon,
  kInputFiles,
  kInputSha256,
  kInputWarnings,
  kCount
};
inline constexpr std::size_t kRootAttrCount = static_cast<std::size_t>(RootAttr::kCount);

inline constexpr std::array<Field, kRootAttrCount> kRootAttributes{{
    {"footprint_version", Type::kString, "", "version of the `footprint` program, e.g. `0.1.0`",
     Reduction::kNone},
    {"footprint_commit", Type::kString, "",
     "git commit of the source (12 hex digits), as of the build, with `-dirty` when tracked "
     "files differed from it; `unknown` outside a git checkout",
     Reduction::kNone},
    {"format_version", Type::kString, "", "`\"2\"`", Reduction::kNone},
    {"Conventions", Type::kString, "",
     "`\"CF-1.8\"`: the time coordinates, units and names follow the CF conventions",
     Reduction::kNone},
    {"scenario", Type::kString, "", "the scenario file's full text, byte for byte",
     Reduction::kNone},
    {"scenario_name", Type::kString, "", "the scenario's `name`", Reduction::kNone},
    {"scenario_sha256", Type::kString, "", "SHA-256 of `scenario`, 64 lowercase hex digits",
     Reduction::kNone},
    {"seed", Type::kUInt64, "", "the seed used: `--seed`, else the scenario's `seed` (default 0)",
     Reduction::kNone},
    {"epoch_unix_s", Type::kInt64, "s",
     "UTC time of simulated time 0, s since 1970-01-01 (the scenario's `epoch`; 0 by default)",
     Reduction::kNone},
    {"trace_interval_s", Type::kFloat64, "s",
     "length of one trace interval, s (`trace.interval`, default 3600)", Reduction::kNone},
    {"horizon_s", Type::kFloat64, "s",
     "the whole trace: number of intervals x `trace_interval_s`, s", Reduction::kNone},
    {"input_files", Type::kStrings, "",
     "the scenario file's base name, then each data file read, one entry per use: each region's "
     "intensity then CFE file, each datacenter's weather file, then the job trace "
     "(`workload.trace`), as the path it was found at ([scenario-format.md](scenario-format.md), "
     "\"Series\"); built-in profiles are not listed",
     Reduction::kNone},
    {"input_sha256", Type::kStrings, "", "SHA-256 of each of `input_files`, same order",
     Reduction::kNone},
    {"input_warnings", Type::kStrings, "",
     "only when there were any: the repairs made to data files (gaps interpolated), as printed "
     "by `footprint run`",
     Reduction::kNone},
}};

constexpr const Field& field(RootAttr a) {
  return field(kRootAttributes, a);
}

// ---------------------------------------------------------------------------------------
// /datacenters/<name>/: one float64 dataset per series, one value per trace interval.

enum class Series : std::uint8_t {
  kTime,
  kItEnergy,
  kFacilityEnergy,
  kCoolingEnergy,
  kOverheadEnergy,
  kItPower,
  kFacilityPower,
  kPue,
  kIntensityLocation,
  kIntensityMarket,
  kEmissionsLocation,
  kEmissionsMarket,
  kBusyDevices,
  kOutdoorTemperature,
  kWaterOnsite,
  kWaterOffsite,
  kWue,
  kCount
};
inline constexpr std::size_t kSeriesCount = static_cast<std::size_t>(Series::kCount);

inline constexpr std::array<Field, kSeriesCount> kDatacenterSeries{{
    {"time_s", Type::kFloat64, "s", "start of the interval: k x `trace_interval_s`",
     Reduction::kStart},
    {"it_energy_j", Type::kFloat64, "J",
     "IT energy: running jobs' devices and hosts, plus idle devices with `idle: draw`",
     Reduction::kSum},
    {"facility_energy_j", Type::kFloat64, "J",
     "facility energy: `it_energy_j` + `cooling_energy_j` + `overhead_energy_j`", Reduction::kSum},
    {"cooling_energy_j", Type::kFloat64, "J",
     "cooling (fans, pumps, chiller) of `economizer-chiller`; 0 with a constant PUE",
     Reduction::kSum},
    {"overhead_energy_j", Type::kFloat64, "J",
     "power distribution losses and fixed overhead; with a constant PUE, all of (PUE - 1) x IT",
     Reduction::kSum},
    {"it_power_w", Type::kFloat64, "W",
     "mean IT power over the interval: `it_energy_j / trace_interval_s`", Reduction::kTimeMean},
    {"facility_power_w", Type::kFloat64, "W",
     "mean facility power: `facility_energy_j / trace_interval_s`", Reduction::kTimeMean},
    {"pue", Type::kFloat64, "1",
     "`facility_energy_j / it_energy_j`; NaN in an interval without IT energy", Reduction::kRatio},
    {"intensity_location_g_per_kwh", Type::kFloat64, "g/kWh",
     "time-mean location-based grid intensity", Reduction::kTimeMean},
    {"intensity_market_g_per_kwh", Type::kFloat64, "g/kWh", "time-mean market-based grid intensity",
     Reduction::kTimeMean},
    {"emissions_location_g", Type::kFloat64, "g",
     "integral of facility power x location-based intensity, g CO2e", Reduction::kSum},
    {"emissions_market_g", Type::kFloat64, "g",
     "integral of facility power x market-based intensity, g CO2e", Reduction::kSum},
    {"busy_devices", Type::kFloat64, "1", "time-mean number of devices held by jobs (all types)",
     Reduction::kTimeMean},
    {"outdoor_temperature_c", Type::kFloat64, "degC",
     "time-mean outdoor dry bulb; NaN with a constant PUE (no weather)", Reduction::kTimeMean},
    {"water_onsite_l", Type::kFloat64, "L",
     "water withdrawn on site for cooling (`water`: a WUE x IT energy, or a cooling tower's "
     "make-up); NaN without `water`",
     Reduction::kSum},
    {"water_offsite_l", Type::kFloat64, "L",
     "water consumed at the power plants for the facility's energy (its region's water "
     "intensity x facility energy); NaN without `water`",
     Reduction::kSum},
    {"wue_l_per_kwh", Type::kFloat64, "L/kWh",
     "`water_onsite_l` over IT energy in kWh; NaN without `water` or IT energy", Reduction::kRatio},
}};

constexpr const Field& field(Series s) {
  return field(kDatacenterSeries, s);
}

/// The trace's groups and tables (docs/trace-format.md, "Layout").
inline constexpr std::string_view kDatacentersGroup = "datacenters";  ///< one subgroup each
inline constexpr std::string_view kRegionsGroup = "regions";          ///< one subgroup each
inline constexpr std::string_view kJobsTable = "jobs";
inline constexpr std::string_view kSummaryGroup = "summary";
inline constexpr std::string_view kFifoGroup = "fifo";              ///< in /summary
inline constexpr std::string_view kComparisonGroup = "comparison";  ///< in /summary
inline constexpr std::string_view kPredictedGroup = "predicted";    ///< one subgroup per job
inline constexpr std::string_view kExpectedStepTable = "expected_step";
inline constexpr std::string_view kPhasesTable = "phases";

/// Names of the dimensions (HDF5 dimension scales) of the trace's groups.
inline constexpr std::string_view kTimeDimension = "time";    ///< /datacenters/<name>/
inline constexpr std::string_view kBoundsDimension = "nv";    ///< the two ends of an interval
inline constexpr std::string_view kJobDimension = "job";      ///< /jobs/
inline constexpr std::string_view kPhaseDimension = "phase";  ///< /predicted/<job>/<table>/

// ---------------------------------------------------------------------------------------
// /datacenters/<name>/: the time coordinate (the dimension `time`) and its bounds, written
// before the series.

enum class TimeCoordinate : std::uint8_t { kTime, kTimeBounds, kCount };
inline constexpr std::size_t kTimeCoordinateCount =
    static_cast<std::size_t>(TimeCoordinate::kCount);

inline constexpr std::array<Field, kTimeCoordinateCount> kTimeCoordinates{{
    {"time", Type::kFloat64, "seconds since <epoch>",
     "start of the interval, the dimension `time`: the same values as `time_s`, with `units` "
     "`seconds since` the scenario's epoch (ISO 8601, UTC), `calendar` `standard` and `bounds` "
     "`time_bounds`",
     Reduction::kStart},
    {"time_bounds", Type::kFloat64x2, "seconds since <epoch>",
     "start and end of the interval (dimensions `time`, `nv`)", Reduction::kNone},
}};

// ---------------------------------------------------------------------------------------
// /datacenters/<name>/ attributes. The labels come before the series in the file, the
// totals after them.

enum class DatacenterAttr : std::uint8_t {
  kIndex,
  kRegion,
  kCooling,
  kAcceleratorTypes,
  kAcceleratorCounts,
  kAcceleratorHasEmbodied,
  kPowerCap,
  kWater,
  kItEnergy,
  kEnergy,
  kEmissionsLocation,
  kEmissionsMarket,
  kEmbodied,
  kPeakFacilityPower,
  kP99FacilityPower,
  kDesignPeakFacilityPower,
  kDesignPeakTime,
  kDesignPeakWarning,
  kCapExceeded,
  kCapHeldDeviceHours,
  kCoolingEnergy,
  kDeviceHours,
  kFirstStart,
  kLastEnd,
  kWaterOnsite,
  kWaterOffsite,
  kWue,
  kCount
};
inline constexpr std::size_t kDatacenterAttrCount =
    static_cast<std::size_t>(DatacenterAttr::kCount);
/// The first attribute written after the series.
inline constexpr DatacenterAttr kFirstDatacenterTotal = DatacenterAttr::kItEnergy;

inline constexpr std::array<Field, kDatacenterAttrCount> kDatacenterAttributes{{
    {"index", Type::kInt64, "", "position in the scenario's `datacenters` list, from 0",
     Reduction::kNone},
    {"region", Type::kString, "", "the datacenter's region name", Reduction::kNone},
    {"cooling", Type::kString, "", "`constant` (a `pue`) or `economizer-chiller`",
     Reduction::kNone},
    {"accelerator_types", Type::kStrings, "",
     "the inventory's accelerator types (canonical names), in the scenario's order",
     Reduction::kNone},
    {"accelerator_counts", Type::kInt64s, "", "devices of each of `accelerator_types`",
     Reduction::kNone},
    {"accelerator_has_embodied", Type::kInt64s, "",
     "for each of `accelerator_types`, 1 if it has a published embodied figure (`embodied`), "
     "0 if not (its devices count 0 in `embodied_g`)",
     Reduction::kNone},
    {"power_cap_w", Type::kFloat64, "W", "the datacenter's `power_cap`; NaN without one",
     Reduction::kNone},
    {"water", Type::kString, "",
     "how its water is counted: on site (`wue X L/kWh` or the cooling tower's cycles) and off "
     "site (the region's fuel mix and factors, or its `water_intensity`); empty without `water`",
     Reduction::kNone},
    {"it_energy_j", Type::kFloat64, "J", "sum of `it_energy_j`", Reduction::kSum},
    {"energy_j", Type::kFloat64, "J", "sum of `facility_energy_j`", Reduction::kSum},
    {"emissions_location_g", Type::kFloat64, "g CO2e", "sum of `emissions_location_g`",
     Reduction::kSum},
    {"emissions_market_g", Type::kFloat64, "g CO2e", "sum of `emissions_market_g`",
     Reduction::kSum},
    {"embodied_g", Type::kFloat64, "g CO2e",
     "embodied emissions of the whole inventory amortised over the trace: sum over types of "
     "count x `embodied` / its service life (5 y unless `service_life` is given) x `horizon_s` "
     "(types without `embodied` count 0)",
     Reduction::kSum},
    {"peak_facility_power_w", Type::kFloat64, "W", "largest instantaneous facility power",
     Reduction::kMax},
    {"p99_facility_power_w", Type::kFloat64, "W",
     "99th percentile (nearest rank) of `facility_power_w`, the interval means",
     Reduction::kQuantile},
    {"design_peak_facility_power_w", Type::kFloat64, "W",
     "design peak: facility power with every device of the inventory at full draw (the larger "
     "of its TDP and the most any job that may run here draws per device, + `host_overhead`) "
     "in the hour of the weather year with the largest facility power (IT x "
     "PUE with a constant PUE); not capped by `power_cap`",
     Reduction::kMax},
    {"design_peak_time_s", Type::kFloat64, "s",
     "start of that hour, s of simulated time, within 366 d of 0 (the first such hour; 0 with "
     "a constant PUE)",
     Reduction::kNone},
    {"design_peak_warning", Type::kString, "",
     "why the design peak understates the real one (built-in weather `us-ny-jfk`: smoothed "
     "climate normals); empty otherwise",
     Reduction::kNone},
    {"cap_exceeded_s", Type::kFloat64, "s",
     "time the facility drew more than `power_cap_w` (0 when the cap held, NaN without one)",
     Reduction::kSum},
    {"cap_held_device_hours", Type::kFloat64, "h",
     "device-hours the power cap held back: jobs with devices free to start that waited for "
     "it, and jobs past their plan that waited at a checkpoint for it (0 without a cap)",
     Reduction::kSum},
    {"cooling_energy_j", Type::kFloat64, "J", "sum of `cooling_energy_j`", Reduction::kSum},
    {"device_hours", Type::kFloat64, "h",
     "device-hours held by the jobs that ran here (unfinished jobs: up to the end of the run)",
     Reduction::kSum},
    {"first_start_s", Type::kFloat64, "s", "first start of a job here (0 if none ran)",
     Reduction::kMin},
    {"last_end_s", Type::kFloat64, "s",
     "last end of a job here (an unfinished job counts as ending at `horizon_s`)", Reduction::kMax},
    {"water_onsite_l", Type::kFloat64, "L", "sum of `water_onsite_l`; NaN without `water`",
     Reduction::kSum},
    {"water_offsite_l", Type::kFloat64, "L", "sum of `water_offsite_l`; NaN without `water`",
     Reduction::kSum},
    {"wue_l_per_kwh", Type::kFloat64, "L/kWh",
     "`water_onsite_l` over `it_energy_j` in kWh: the run's WUE; NaN without `water`",
     Reduction::kRatio},
}};

constexpr const Field& field(DatacenterAttr a) {
  return field(kDatacenterAttributes, a);
}

// ---------------------------------------------------------------------------------------
// /regions/<name>/: attributes only, the region's carbon signals and where they come from.

enum class RegionAttr : std::uint8_t {
  kIndex,
  kSignal,
  kIntensityKind,
  kSource,
  kIntensity,
  kMarketSignal,
  kMarketSource,
  kMarketIntensity,
  kCfeFraction,
  kCount
};
inline constexpr std::size_t kRegionAttrCount = static_cast<std::size_t>(RegionAttr::kCount);

inline constexpr std::array<Field, kRegionAttrCount> kRegionAttributes{{
    {"index", Type::kInt64, "", "position in the scenario's `regions` list, from 0",
     Reduction::kNone},
    {"signal", Type::kString, "",
     "location-based intensity: `constant` (`intensity`) or `series` (`intensity: { file }` or "
     "`{ profile }`)",
     Reduction::kNone},
    {"intensity_kind", Type::kString, "",
     "`average` (the grid's mean intensity: every built-in profile, and files by default) or "
     "`marginal` (`intensity: { file, kind: marginal }`): the signal behind the location-based "
     "figures",
     Reduction::kNone},
    {"source", Type::kString, "",
     "`scenario` for a constant; the file as the scenario names it; or `built-in:<profile>`",
     Reduction::kNone},
    {"intensity_g_per_kwh", Type::kFloat64, "g/kWh",
     "the constant location-based intensity; NaN for a series", Reduction::kNone},
    {"market_signal", Type::kString, "",
     "market-based intensity: `location` (the same), `constant` (`market_intensity`), "
     "`annual-cfe` (`cfe`) or `hourly-cfe` (`cfe: { file }` or `{ profile }`)",
     Reduction::kNone},
    {"market_source", Type::kString, "", "as `source`, for the market-based signal",
     Reduction::kNone},
    {"market_intensity_g_per_kwh", Type::kFloat64, "g/kWh",
     "the constant market-based intensity; NaN unless `market_signal` is `constant`",
     Reduction::kNone},
    {"cfe_fraction", Type::kFloat64, "1",
     "the annual carbon-free fraction; NaN unless `market_signal` is `annual-cfe`",
     Reduction::kNone},
}};

constexpr const Field& field(RegionAttr a) {
  return field(kRegionAttributes, a);
}

// ---------------------------------------------------------------------------------------
// /jobs: a table (a group of columns along the dimension `job`), one row per job, columns
// in this order.

enum class JobColumn : std::uint8_t {
  kName,
  kDatacenter,
  kAccelerator,
  kDevices,
  kSubmit,
  kStart,
  kEnd,
  kWait,
  kFinished,
  kPods,
  kSteps,
  kRestarts,
  kPreemptions,
  kCheckpoints,
  kPauses,
  kPaused,
  kCapWaits,
  kCapWaited,
  kDeviceHours,
  kLostDeviceHours,
  kBorrowedDeviceHours,
  kFlops,
  kItEnergy,
  kEnergy,
  kEmissionsLocation,
  kEmissionsMarket,
  kEmbodied,
  kWaterOnsite,
  kWaterOffsite,
  kPowerLimit,
  kClock,
  kCount
};
inline constexpr std::size_t kJobColumnCount = static_cast<std::size_t>(JobColumn::kCount);

inline constexpr std::array<Field, kJobColumnCount> kJobColumns{{
    {"name", Type::kString, "",
     "the job's `name` (job trace: its `name` cell; generated: `<class>-<7-digit index>`)",
     Reduction::kNone},
    {"datacenter", Type::kString, "", "where it ran; empty if it never started", Reduction::kNone},
    {"accelerator", Type::kString, "", "canonical accelerator type name (aliases resolved)",
     Reduction::kNone},
    {"devices", Type::kInt64, "1", "devices used", Reduction::kNone},
    {"submit_s", Type::kFloat64, "s", "submit time (the `start` of a fixed-start job)",
     Reduction::kNone},
    {"start_s", Type::kFloat64, "s", "start time; NaN if it never started", Reduction::kNone},
    {"end_s", Type::kFloat64, "s", "end time; NaN if it did not finish", Reduction::kNone},
    {"wait_s", Type::kFloat64, "s", "`start_s - submit_s`; NaN if it never started",
     Reduction::kNone},
    {"finished", Type::kInt64, "1", "1 if it finished before the stop, else 0", Reduction::kNone},
    {"pods", Type::kInt64, "1",
     "pods of the fabric its devices span, in a datacenter with a `topology`; 0 otherwise (and "
     "without a scheduler)",
     Reduction::kNone},
    {"steps", Type::kInt64, "1",
     "steps executed (a partial last step counts as one); a job still running at the stop: those "
     "completed by then",
     Reduction::kSum},
    {"restarts", Type::kInt64, "1", "failures suffered", Reduction::kSum},
    {"preemptions", Type::kInt64, "1",
     "times a service took back the parked devices it had lent the job (`autoscale.lend`); each "
     "resumes from the last checkpoint",
     Reduction::kSum},
    {"checkpoints", Type::kInt64, "1", "checkpoints completed", Reduction::kSum},
    {"pauses", Type::kInt64, "1", "carbon-aware pauses at checkpoints (`checkpoint.pause_above`)",
     Reduction::kSum},
    {"paused_s", Type::kFloat64, "s", "time spent paused, devices held at idle power",
     Reduction::kSum},
    {"cap_waits", Type::kInt64, "1",
     "waits at a checkpoint for the power cap, having run past its planned run", Reduction::kSum},
    {"cap_waited_s", Type::kFloat64, "s", "time spent in them, devices held at idle power",
     Reduction::kSum},
    {"device_hours", Type::kFloat64, "h",
     "devices x the time it held them (end_s - start_s, less the time it waited after "
     "preemptions), checkpoints and restarts included; a job still running at the stop: up to "
     "the stop; 0 if it never started",
     Reduction::kSum},
    {"lost_device_hours", Type::kFloat64, "h",
     "device-hours of computation lost to failures and preemptions (redone)", Reduction::kSum},
    {"borrowed_device_hours", Type::kFloat64, "h",
     "of `device_hours`, those on devices borrowed from services' parked replicas",
     Reduction::kSum},
    {"flops", Type::kFloat64, "FLOP",
     "total work (workload jobs: `mfu` x peak x devices x duration)", Reduction::kSum},
    {"it_energy_j", Type::kFloat64, "J",
     "IT energy of the job's devices and their hosts, up to its end or the stop", Reduction::kSum},
    {"energy_j", Type::kFloat64, "J", "facility energy attributed to the job", Reduction::kSum},
    {"emissions_location_g", Type::kFloat64, "g", "location-based emissions, g CO2e",
     Reduction::kSum},
    {"emissions_market_g", Type::kFloat64, "g", "market-based emissions, g CO2e", Reduction::kSum},
    {"embodied_g", Type::kFloat64, "g",
     "`device_hours` x 3600 x `embodied` / 5 y (its devices, borrowed ones included, over the "
     "time it held them); 0 if it never started",
     Reduction::kSum},
    {"water_onsite_l", Type::kFloat64, "L",
     "on-site water attributed to the job, in proportion to its IT power as facility overhead "
     "is; NaN where its datacenter has no `water`",
     Reduction::kSum},
    {"water_offsite_l", Type::kFloat64, "L",
     "off-site water of its facility energy (`energy_j` x its region's water intensity); NaN "
     "where its datacenter has no `water`",
     Reduction::kSum},
    {"power_limit_w", Type::kFloat64, "W",
     "its devices' power limit (its own `power_limit`, else its datacenter's); NaN: none",
     Reduction::kNone},
    {"clock", Type::kFloat64, "1",
     "relative clock under the limit (predicted jobs: of the slowest limited phase); 1 when "
     "none binds",
     Reduction::kNone},
}};

constexpr const Field& field(JobColumn c) {
  return field(kJobColumns, c);
}

// ---------------------------------------------------------------------------------------
// /summary attributes. kJobsEnergy..kJobsFinished are a run's totals: /summary/fifo holds
// the same attributes for the FIFO run, in the same order, and /summary/comparison the
// baseline's, named baseline_<name>.

enum class SummaryAttr : std::uint8_t {
  kJobs,
  kJobsEnergy,
  kJobsEmissionsLocation,
  kJobsEmissionsMarket,
  kItEnergy,
  kEnergy,
  kEmissionsLocation,
  kEmissionsMarket,
  kMeanWait,
  kJobsFinished,
  kDeviceHours,
  kLostDeviceHours,
  kBorrowedDeviceHours,
  kRestarts,
  kPreemptions,
  kPauses,
  kPaused,
  kEmbodiedJobs,
  kEmbodiedFleet,
  kMakespan,
  kEvents,
  kCfeScore,
  kEmissionsMarketAnnual,
  kEmissionsMarketHourly,
  kWaterOnsite,
  kWaterOffsite,
  kCount
};
inline constexpr std::size_t kSummaryAttrCount = static_cast<std::size_t>(SummaryAttr::kCount);
/// The run's totals, [first, last]: what /summary/fifo repeats.
inline constexpr SummaryAttr kFirstRunTotal = SummaryAttr::kJobsEnergy;
inline constexpr SummaryAttr kLastRunTotal = SummaryAttr::kJobsFinished;

inline constexpr std::array<Field, kSummaryAttrCount> kSummaryAttributes{{
    {"jobs", Type::kInt64, "", "rows of `/jobs`", Reduction::kNone},
    {"jobs_energy_j", Type::kFloat64, "J",
     "facility energy attributed to jobs (sum of `/jobs` `energy_j`)", Reduction::kSum},
    {"jobs_emissions_location_g", Type::kFloat64, "g CO2e", "sum of `/jobs` `emissions_location_g`",
     Reduction::kSum},
    {"jobs_emissions_market_g", Type::kFloat64, "g CO2e", "sum of `/jobs` `emissions_market_g`",
     Reduction::kSum},
    {"it_energy_j", Type::kFloat64, "J", "total IT energy of all datacenters (idle draw included)",
     Reduction::kSum},
    {"energy_j", Type::kFloat64, "J", "total facility energy of all datacenters", Reduction::kSum},
    {"emissions_location_g", Type::kFloat64, "g CO2e",
     "total location-based emissions of all datacenters", Reduction::kSum},
    {"emissions_market_g", Type::kFloat64, "g CO2e",
     "total market-based emissions of all datacenters", Reduction::kSum},
    {"mean_wait_s", Type::kFloat64, "s", "mean `wait_s` over the jobs that started (0 if none)",
     Reduction::kMean},
    {"jobs_finished", Type::kInt64, "", "jobs that finished", Reduction::kSum},
    {"device_hours", Type::kFloat64, "h", "sum of `/jobs` `device_hours`", Reduction::kSum},
    {"lost_device_hours", Type::kFloat64, "h", "sum of `/jobs` `lost_device_hours`",
     Reduction::kSum},
    {"borrowed_device_hours", Type::kFloat64, "h", "sum of `/jobs` `borrowed_device_hours`",
     Reduction::kSum},
    {"restarts", Type::kInt64, "", "sum of `/jobs` `restarts`", Reduction::kSum},
    {"preemptions", Type::kInt64, "", "sum of `/jobs` `preemptions`", Reduction::kSum},
    {"pauses", Type::kInt64, "", "sum of `/jobs` `pauses` (carbon-aware pauses at checkpoints)",
     Reduction::kSum},
    {"paused_s", Type::kFloat64, "s", "sum of `/jobs` `paused_s`", Reduction::kSum},
    {"embodied_jobs_g", Type::kFloat64, "g CO2e", "sum of `/jobs` `embodied_g`", Reduction::kSum},
    {"embodied_fleet_g", Type::kFloat64, "g CO2e", "sum of the datacenters' `embodied_g`",
     Reduction::kSum},
    {"makespan_s", Type::kFloat64, "s", "latest end of a finished job (0 if none)",
     Reduction::kMax},
    {"events", Type::kUInt64, "",
     "simulation events processed (job starts, steps, checkpoints, failures, scheduler "
     "decisions and messages, grid and weather changes)",
     Reduction::kSum},
    {"cfe_score", Type::kFloat64, "1",
     "the 24/7 carbon-free score over the datacenters with a `supply` (their carbon-free MWh "
     "over their load, hour by hour); NaN without one",
     Reduction::kRatio},
    {"emissions_market_annual_g", Type::kFloat64, "g CO2e",
     "market-based emissions with annual matching of each `supply` (`emissions_market_g` of "
     "the datacenters without one)",
     Reduction::kSum},
    {"emissions_market_hourly_g", Type::kFloat64, "g CO2e",
     "market-based emissions with hourly matching of each `supply` (`emissions_market_g` of "
     "the datacenters without one)",
     Reduction::kSum},
    {"water_onsite_l", Type::kFloat64, "L",
     "on-site water of the datacenters with `water` (sum of their `water_onsite_l`); NaN "
     "without one",
     Reduction::kSum},
    {"water_offsite_l", Type::kFloat64, "L",
     "off-site water of the datacenters with `water`; NaN without one", Reduction::kSum},
}};

constexpr const Field& field(SummaryAttr a) {
  return field(kSummaryAttributes, a);
}

// ---------------------------------------------------------------------------------------
// /summary attributes of a comparison with FIFO, over the jobs that finished under both
// policies: written (with /summary/fifo) when the baseline of `scheduler.compare` is FIFO,
// as traces written before /summary/comparison have them.

enum class FifoComparisonAttr : std::uint8_t {
  kSavedLocation,
  kSavedMarket,
  kDelayAdded,
  kJobsCompared,
  kJobsFinishedFifo,
  kCount
};
inline constexpr std::size_t kFifoComparisonAttrCount =
    static_cast<std::size_t>(FifoComparisonAttr::kCount);

inline constexpr std::array<Field, kFifoComparisonAttrCount> kFifoComparisonAttributes{{
    {"emissions_saved_location_g", Type::kFloat64, "g CO2e",
     "the jobs' location-based emissions under FIFO minus under this run's policy",
     Reduction::kSum},
    {"emissions_saved_market_g", Type::kFloat64, "g CO2e", "the same, market-based",
     Reduction::kSum},
    {"delay_added_s", Type::kFloat64, "s", "mean of (start here - start under FIFO)",
     Reduction::kMean},
    {"jobs_compared", Type::kInt64, "", "jobs that finished in both runs", Reduction::kSum},
    {"jobs_finished_fifo", Type::kInt64, "", "jobs that finished under FIFO", Reduction::kSum},
}};

constexpr const Field& field(FifoComparisonAttr a) {
  return field(kFifoComparisonAttributes, a);
}

// ---------------------------------------------------------------------------------------
// /summary/comparison attributes (`scheduler.compare`): the baseline's settings, the
// matched jobs (finished under both runs) under each, the baseline run's totals and the
// site's difference. Added to format 2 after its first traces.

enum class ComparisonAttr : std::uint8_t {
  kBaselinePolicy,
  kBaselineEpoch,
  kBaselineForecastError,
  kBaselineTolerance,
  kBaselineBackfillDepth,
  kJobsCompared,
  kMatchedLocation,
  kMatchedMarket,
  kMatchedBaselineLocation,
  kMatchedBaselineMarket,
  kSavedLocation,
  kSavedMarket,
  kSavedLocationFraction,
  kSavedMarketFraction,
  kStartDelay,
  kBaselineJobsEnergy,
  kBaselineJobsEmissionsLocation,
  kBaselineJobsEmissionsMarket,
  kBaselineItEnergy,
  kBaselineEnergy,
  kBaselineEmissionsLocation,
  kBaselineEmissionsMarket,
  kBaselineMeanWait,
  kBaselineJobsFinished,
  kSiteEnergySaved,
  kSiteSavedLocation,
  kSiteSavedMarket,
  kCount
};
inline constexpr std::size_t kComparisonAttrCount =
    static_cast<std::size_t>(ComparisonAttr::kCount);

inline constexpr std::array<Field, kComparisonAttrCount> kComparisonAttributes{{
    {"baseline_policy", Type::kString, "",
     "the baseline's `policy`: `fifo`, `backfill` or `carbon-aware`", Reduction::kNone},
    {"baseline_epoch_s", Type::kFloat64, "s", "the baseline's `epoch`", Reduction::kNone},
    {"baseline_forecast_error", Type::kFloat64, "1",
     "the baseline's forecast `error` (0: `perfect`)", Reduction::kNone},
    {"baseline_tolerance", Type::kFloat64, "1", "the baseline's `tolerance`", Reduction::kNone},
    {"baseline_backfill_depth", Type::kInt64, "", "the baseline's `backfill_depth`",
     Reduction::kNone},
    {"jobs_compared", Type::kInt64, "",
     "the matched jobs: those that finished in both runs (the same work)", Reduction::kSum},
    {"matched_emissions_location_g", Type::kFloat64, "g CO2e",
     "the matched jobs' location-based emissions in this run", Reduction::kSum},
    {"matched_emissions_market_g", Type::kFloat64, "g CO2e", "the same, market-based",
     Reduction::kSum},
    {"matched_baseline_emissions_location_g", Type::kFloat64, "g CO2e",
     "the matched jobs' location-based emissions under the baseline", Reduction::kSum},
    {"matched_baseline_emissions_market_g", Type::kFloat64, "g CO2e", "the same, market-based",
     Reduction::kSum},
    {"emissions_saved_location_g", Type::kFloat64, "g CO2e",
     "`matched_baseline_emissions_location_g - matched_emissions_location_g`: negative when "
     "this run emitted more",
     Reduction::kSum},
    {"emissions_saved_market_g", Type::kFloat64, "g CO2e", "the same, market-based",
     Reduction::kSum},
    {"emissions_saved_location_fraction", Type::kFloat64, "1",
     "`emissions_saved_location_g / matched_baseline_emissions_location_g`; NaN when the "
     "divisor is 0",
     Reduction::kRatio},
    {"emissions_saved_market_fraction", Type::kFloat64, "1", "the same, market-based",
     Reduction::kRatio},
    {"start_delay_s", Type::kFloat64, "s",
     "mean over the matched jobs of (start here - start under the baseline): positive when "
     "they started later here, negative when earlier; 0 without matched jobs",
     Reduction::kMean},
    {"baseline_jobs_energy_j", Type::kFloat64, "J", "the baseline run's `jobs_energy_j`",
     Reduction::kSum},
    {"baseline_jobs_emissions_location_g", Type::kFloat64, "g CO2e",
     "the baseline run's `jobs_emissions_location_g`", Reduction::kSum},
    {"baseline_jobs_emissions_market_g", Type::kFloat64, "g CO2e",
     "the baseline run's `jobs_emissions_market_g`", Reduction::kSum},
    {"baseline_it_energy_j", Type::kFloat64, "J", "the baseline run's `it_energy_j`",
     Reduction::kSum},
    {"baseline_energy_j", Type::kFloat64, "J", "the baseline run's `energy_j`", Reduction::kSum},
    {"baseline_emissions_location_g", Type::kFloat64, "g CO2e",
     "the baseline run's `emissions_location_g`", Reduction::kSum},
    {"baseline_emissions_market_g", Type::kFloat64, "g CO2e",
     "the baseline run's `emissions_market_g`", Reduction::kSum},
    {"baseline_mean_wait_s", Type::kFloat64, "s", "the baseline run's `mean_wait_s`",
     Reduction::kMean},
    {"baseline_jobs_finished", Type::kInt64, "", "the baseline run's `jobs_finished`",
     Reduction::kSum},
    {"site_energy_saved_j", Type::kFloat64, "J",
     "`baseline_energy_j` - `/summary` `energy_j`: all datacenters, idle draw included; "
     "negative when this run used more",
     Reduction::kSum},
    {"site_emissions_saved_location_g", Type::kFloat64, "g CO2e",
     "`baseline_emissions_location_g` - `/summary` `emissions_location_g`: the same",
     Reduction::kSum},
    {"site_emissions_saved_market_g", Type::kFloat64, "g CO2e",
     "`baseline_emissions_market_g` - `/summary` `emissions_market_g`: the same", Reduction::kSum},
}};

constexpr const Field& field(ComparisonAttr a) {
  return field(kComparisonAttributes, a);
}

// ---------------------------------------------------------------------------------------
// /predicted/<job name>/ attributes, for a job whose throughput the step model predicted.
// kSeconds..kMfu come from the step-by-step simulation, written only when it ran (then
// with the `phases` table). Rows added to format 2 after its first traces (readers find
// them missing in those: docs/trace-format.md, "Additions to format 2"): kParameters and
// kActiveParameters; kContext, kVirtualStages, kCompute..kShardGroup, kExpectedMfu,
// kErrorBand, kBorrowedFrom and kMfu; kOffloadLayers.

enum class PredictedAttr : std::uint8_t {
  kJob,
  kData,
  kTensor,
  kPipeline,
  kExpert,
  kMicrobatches,
  kContext,
  kVirtualStages,
  kAutoLayout,
  kCompute,
  kRecompute,
  kAttentionScores,
  kAttentionDropout,
  kRoutingGroups,
  kRoutingGroupLimit,
  kDispatchCopies,
  kDispatchFormat,
  kDispatchOverlap,
  kShard,
  kShardGroup,
  kOffloadLayers,
  kParameters,
  kActiveParameters,
  kFlopsPerStep,
  kTokensPerStep,
  kExpectedStep,
  kExpectedMfu,
  kErrorBand,
  kBorrowedFrom,
  kSeconds,
  kEnergy,
  kMeanStep,
  kMaxStep,
  kDroppedTokenFraction,
  kMfu,
  kSlackSavingBubble,
  kSlackSavingCommunication,
  kCount
};
inline constexpr std::size_t kPredictedAttrCount = static_cast<std::size_t>(PredictedAttr::kCount);
/// The first attribute from the step-by-step simulation.
inline constexpr PredictedAttr kFirstSimulatedAttr = PredictedAttr::kSeconds;

inline constexpr std::array<Field, kPredictedAttrCount> kPredictedAttributes{{
    {"job", Type::kInt64, "", "the job's row in `/jobs`, from 0", Reduction::kNone},
    {"data", Type::kInt64, "", "layout: data-parallel replicas", Reduction::kNone},
    {"tensor", Type::kInt64, "", "layout: tensor-parallel degree", Reduction::kNone},
    {"pipeline", Type::kInt64, "", "layout: pipeline stages", Reduction::kNone},
    {"expert", Type::kInt64, "", "layout: expert-parallel degree", Reduction::kNone},
    {"microbatches", Type::kInt64, "", "layout: microbatches per step", Reduction::kNone},
    {"context", Type::kInt64, "",
     "layout: context-parallel degree (each sequence's tokens split over it, ring attention)",
     Reduction::kNone},
    {"virtual_stages", Type::kInt64, "",
     "layout: chunks per pipeline stage under the interleaved schedule (1: plain 1F1B)",
     Reduction::kNone},
    {"auto_layout", Type::kInt64, "", "1 if the layout was chosen by `auto`, else 0",
     Reduction::kNone},
    {"compute", Type::kString, "",
     "number format of the matmuls: `bf16` or `fp16` (the chip's 16-bit format: `fp16` on the "
     "V100, `bf16` elsewhere), or `fp8`",
     Reduction::kNone},
    {"recompute", Type::kString, "",
     "activation recomputation: `none`, `selective` (attention's products), `full` (each "
     "layer's forward pass) or `dots` (all but the matmuls with the weights)",
     Reduction::kNone},
    {"attention_scores", Type::kString, "",
     "where attention's scores go: `fused` (kept on chip) or `materialised` (written to device "
     "memory and read back by softmax and dropout kernels)",
     Reduction::kNone},
    {"attention_dropout", Type::kFloat64, "",
     "the attention dropout probability (work only with materialised scores)", Reduction::kNone},
    {"routing_groups", Type::kInt64, "",
     "group-limited routing: the groups a MoE layer's experts lie in (0: no limit)",
     Reduction::kNone},
    {"routing_group_limit", Type::kInt64, "",
     "group-limited routing: the groups each token's experts are chosen within (0: no limit)",
     Reduction::kNone},
    {"dispatch_copies", Type::kString, "",
     "how the expert all-to-all sends a token: `per_expert` (a copy per expert) or `per_domain` "
     "(once per scale-up domain, forwarded inside it)",
     Reduction::kNone},
    {"dispatch_format", Type::kString, "",
     "number format of the forward dispatch: the chip's 16-bit format (`bf16`, `fp16` on the V100) "
     "or `fp8`",
     Reduction::kNone},
    {"dispatch_overlap", Type::kFloat64, "",
     "fraction of the expert all-to-all overlapped with another microbatch's computation",
     Reduction::kNone},
    {"shard", Type::kString, "",
     "what is sharded over the data-parallel replicas: `none`, `optimizer` (its state, ZeRO 1), "
     "`gradients` (and the optimizer state, ZeRO 2) or `parameters` (all three, ZeRO 3 / FSDP)",
     Reduction::kNone},
    {"shard_group", Type::kInt64, "",
     "data-parallel devices per sharding group (hybrid sharding); 0: all of them",
     Reduction::kNone},
    {"offload_layers", Type::kInt64, "",
     "layers of each pipeline stage whose activations wait in host memory between their "
     "forward and backward passes (0: none)",
     Reduction::kNone},
    {"parameters", Type::kFloat64, "", "the architecture's parameters, all", Reduction::kNone},
    {"active_parameters", Type::kFloat64, "",
     "the architecture's parameters used per token (dense + top_k experts per MoE layer)",
     Reduction::kNone},
    {"flops_per_step", Type::kFloat64, "FLOP", "work of one step, by the architecture",
     Reduction::kNone},
    {"tokens_per_step", Type::kFloat64, "", "tokens of one step", Reduction::kNone},
    {"expected_step_s", Type::kFloat64, "s",
     "the expected step, without stragglers or imbalance: sum of `expected_step` `seconds`",
     Reduction::kSum},
    {"expected_mfu", Type::kFloat64, "1",
     "model FLOPs utilisation of the expected step: `flops_per_step` / (devices x "
     "`expected_step_s` x the chip's dense peak in `compute`)",
     Reduction::kRatio},
    {"error_band", Type::kFloat64, "1",
     "the calibration's step-time error band, as a fraction: the largest step-time error on "
     "the runs its constants were fitted on (0.1: the step time is +/- 10 %)",
     Reduction::kNone},
    {"borrowed_from", Type::kString, "",
     "the calibrated chip and format whose constants were used, e.g. `H100 BF16`, when the "
     "job's own chip and format have none; empty otherwise",
     Reduction::kNone},
    {"seconds", Type::kFloat64, "s", "simulated: the whole run", Reduction::kSum},
    {"energy_j", Type::kFloat64, "J", "simulated: all the job's devices, accelerators only",
     Reduction::kSum},
    {"mean_step_s", Type::kFloat64, "s", "simulated: mean step", Reduction::kMean},
    {"max_step_s", Type::kFloat64, "s", "simulated: longest step", Reduction::kMax},
    {"dropped_token_fraction", Type::kFloat64, "1",
     "simulated: tokens over expert capacity / tokens routed", Reduction::kRatio},
    {"mfu", Type::kFloat64, "1",
     "simulated: model FLOPs utilisation of the run: `flops_per_step` x the steps simulated / "
     "(devices x `seconds` x the chip's dense peak in `compute`)",
     Reduction::kRatio},
    {"slack_saving_bubble_j", Type::kFloat64, "J",
     "energy the job's devices would save over its expected steps by running their compute at "
     "one lower clock stretched over the pipeline bubble, the step time kept (an upper bound: "
     "docs/power-limits.md)",
     Reduction::kSum},
    {"slack_saving_communication_j", Type::kFloat64, "J",
     "energy they would save over its expected steps with the clock lowered in the "
     "communication phases, their time kept (an upper bound: their power above idle)",
     Reduction::kSum},
}};

constexpr const Field& field(PredictedAttr a) {
  return field(kPredictedAttributes, a);
}

/// /predicted/<job name>/expected_step: a table (dimension `phase`), one row per phase of the
/// expected step.
/// kEnergy was added to format 2 after its first traces.
enum class ExpectedStepColumn : std::uint8_t { kPhase, kSeconds, kPower, kEnergy, kCount };
inline constexpr std::size_t kExpectedStepColumnCount =
    static_cast<std::size_t>(ExpectedStepColumn::kCount);

inline constexpr std::array<Field, kExpectedStepColumnCount> kExpectedStepColumns{{
    {"phase", Type::kString, "", "the phase's name", Reduction::kNone},
    {"seconds", Type::kFloat64, "s", "its expected duration per step", Reduction::kNone},
    {"power_w", Type::kFloat64, "W", "power per device while in it", Reduction::kNone},
    {"energy_j", Type::kFloat64, "J",
     "its energy per step, all the job's devices: `seconds` x `power_w` x devices",
     Reduction::kNone},
}};

constexpr const Field& field(ExpectedStepColumn c) {
  return field(kExpectedStepColumns, c);
}

/// /predicted/<job name>/phases: a table (dimension `phase`), one row per phase of the simulated
/// run: the expected step's phases, then `stragglers` and `imbalance`. kEnergy and
/// kEnergyFraction were added to format 2 after its first traces.
enum class SimulatedPhaseColumn : std::uint8_t {
  kPhase,
  kSeconds,
  kFraction,
  kEnergy,
  kEnergyFraction,
  kCount
};
inline constexpr std::size_t kSimulatedPhaseColumnCount =
    static_cast<std::size_t>(SimulatedPhaseColumn::kCount);

inline constexpr std::array<Field, kSimulatedPhaseColumnCount> kSimulatedPhaseColumns{{
    {"phase", Type::kString, "", "the phase's name", Reduction::kNone},
    {"seconds", Type::kFloat64, "s", "time in it, summed over the run", Reduction::kSum},
    {"fraction", Type::kFloat64, "1", "`seconds` / the run's `seconds` (0 for an empty run)",
     Reduction::kRatio},
    {"energy_j", Type::kFloat64, "J",
     "energy of all the job's devices during it, summed over the run: a phase of the expected "
     "step, devices x its expected time x its `power_w`; `stragglers`, the slow devices at the "
     "compute power and the others waiting at idle power; `imbalance`, all devices waiting at "
     "idle power. The rows sum to the run's `energy_j`",
     Reduction::kSum},
    {"energy_fraction", Type::kFloat64, "1",
     "`energy_j` / the run's `energy_j` (0 for a run without energy)", Reduction::kRatio},
}};

constexpr const Field& field(SimulatedPhaseColumn c) {
  return field(kSimulatedPhaseColumns, c);
}

// ---------------------------------------------------------------------------------------
// /services/<name>/: one group per LLM service (docs/serving.md): its figures as attributes,
// one dataset per series over the time coordinate, and the table `requests` of request rows.

inline constexpr std::string_view kServicesGroup = "services";  ///< one subgroup each
inline constexpr std::string_view kRequestsTable = "requests";
inline constexpr std::string_view kRequestDimension = "request";

enum class ServiceAttr : std::uint8_t {
  kDatacenter,
  kAccelerator,
  kServingConstantsFrom,
  kDevicesPerReplica,
  kReplicas,
  kReserve,
  kParameters,
  kActiveParameters,
  kWeightBytesPerDevice,
  kKvCapacity,
  kRequests,
  kRejected,
  kFinished,
  kPreemptions,
  kIterations,
  kEnd,
  kPromptTokens,
  kOutputTokens,
  kOutputTokensPerS,
  kEnergyAccelerators,
  kEnergyIt,
  kEnergyItWithReserve,
  kEnergyFacility,
  kJPerTokenAccelerators,
  kJPerTokenIt,
  kJPerTokenItWithReserve,
  kJPerTokenFacility,
  kTtftP50,
  kTtftP90,
  kTtftP99,
  kTpotP50,
  kTpotP90,
  kTpotP99,
  kSloTtft,
  kSloTpot,
  kGoodput,
  kEmissionsLocation,
  kEmissionsMarket,
  kEmbodied,
  kEmbodiedPerDeviceHour,
  kScaleUps,
  kScaleDowns,
  kFidelity,
  kPrefillReplicas,
  kParkedDeviceHours,
  kLentDeviceHours,
  kPowerLimit,
  kCount
};
inline constexpr std::size_t kServiceAttrCount = static_cast<std::size_t>(ServiceAttr::kCount);
inline constexpr std::array<Field, kServiceAttrCount> kServiceAttributes{{
    {"datacenter", Type::kString, "",
     "the datacenter it runs in; with several, their names in the scenario's order, joined by "
     "\", \"",
     Reduction::kNone},
    {"accelerator", Type::kString, "", "the replicas' accelerator type (canonical name)",
     Reduction::kNone},
    {"serving_constants_from", Type::kString, "",
     "the chip whose serving constants were used (the accelerator itself, or the calibrated chip "
     "it borrows from)",
     Reduction::kNone},
    {"devices_per_replica", Type::kInt64, "", "devices of one replica", Reduction::kNone},
    {"replicas", Type::kInt64, "",
     "serving replicas, every datacenter's together (with `autoscale`, the most it may run)",
     Reduction::kNone},
    {"reserve", Type::kInt64, "", "replicas held idle in reserve", Reduction::kNone},
    {"parameters", Type::kFloat64, "", "the model's parameters", Reduction::kNone},
    {"active_parameters", Type::kFloat64, "", "parameters used per token", Reduction::kNone},
    {"weight_bytes_per_device", Type::kFloat64, "B", "weights held by each device",
     Reduction::kNone},
    {"kv_capacity_tokens", Type::kInt64, "", "tokens of KV cache one replica holds",
     Reduction::kNone},
    {"requests", Type::kInt64, "", "requests accepted (not longer than the model's `sequence`)",
     Reduction::kSum},
    {"rejected", Type::kInt64, "", "requests rejected as longer than the model's `sequence`",
     Reduction::kSum},
    {"finished", Type::kInt64, "", "accepted requests that finished before the run stopped",
     Reduction::kSum},
    {"preemptions", Type::kInt64, "", "times a request's KV cache was taken back (it recomputed)",
     Reduction::kSum},
    {"iterations", Type::kInt64, "", "iterations of all replicas", Reduction::kSum},
    {"end_s", Type::kFloat64, "s",
     "when the service stopped: its last request's end, or the horizon", Reduction::kMax},
    {"prompt_tokens", Type::kFloat64, "", "prompt tokens of the accepted requests",
     Reduction::kSum},
    {"output_tokens", Type::kFloat64, "", "output tokens generated", Reduction::kSum},
    {"output_tokens_per_s", Type::kFloat64, "1/s",
     "`output_tokens` over the time from the first arrival to the last end", Reduction::kRatio},
    {"energy_accelerators_j", Type::kFloat64, "J",
     "energy of the replicas' accelerators while in iterations", Reduction::kSum},
    {"energy_it_j", Type::kFloat64, "J",
     "`energy_accelerators_j` plus the replicas' hosts while in iterations", Reduction::kSum},
    {"energy_it_with_reserve_j", Type::kFloat64, "J",
     "`energy_it_j` plus the serving replicas while idle and the reserve replicas (accelerators "
     "and hosts)",
     Reduction::kSum},
    {"energy_facility_j", Type::kFloat64, "J",
     "`energy_it_with_reserve_j` plus the cooling and overhead its datacenter attributed to it",
     Reduction::kSum},
    {"j_per_output_token_accelerators", Type::kFloat64, "J",
     "`energy_accelerators_j` / `output_tokens` (NaN without output)", Reduction::kRatio},
    {"j_per_output_token_it", Type::kFloat64, "J", "`energy_it_j` / `output_tokens`",
     Reduction::kRatio},
    {"j_per_output_token_it_with_reserve", Type::kFloat64, "J",
     "`energy_it_with_reserve_j` / `output_tokens`", Reduction::kRatio},
    {"j_per_output_token_facility", Type::kFloat64, "J", "`energy_facility_j` / `output_tokens`",
     Reduction::kRatio},
    {"ttft_p50_s", Type::kFloat64, "s",
     "median time to first token of the finished requests (nearest rank)", Reduction::kQuantile},
    {"ttft_p90_s", Type::kFloat64, "s", "90th percentile of the time to first token",
     Reduction::kQuantile},
    {"ttft_p99_s", Type::kFloat64, "s", "99th percentile of the time to first token",
     Reduction::kQuantile},
    {"tpot_p50_s", Type::kFloat64, "s",
     "median time per output token after the first, (end - first token) / (output tokens - 1), of "
     "the finished requests with 2 output tokens or more",
     Reduction::kQuantile},
    {"tpot_p90_s", Type::kFloat64, "s", "90th percentile of the time per output token",
     Reduction::kQuantile},
    {"tpot_p99_s", Type::kFloat64, "s", "99th percentile of the time per output token",
     Reduction::kQuantile},
    {"slo_ttft_s", Type::kFloat64, "s", "the objective `slo.ttft`; NaN without one",
     Reduction::kNone},
    {"slo_tpot_s", Type::kFloat64, "s", "the objective `slo.tpot`; NaN without one",
     Reduction::kNone},
    {"goodput", Type::kFloat64, "1",
     "share of the accepted requests that finished within both objectives; NaN without an "
     "objective",
     Reduction::kRatio},
    {"emissions_location_g", Type::kFloat64, "g CO2e",
     "location-based emissions attributed to the service (facility energy x intensity)",
     Reduction::kSum},
    {"emissions_market_g", Type::kFloat64, "g CO2e",
     "market-based emissions attributed to the service", Reduction::kSum},
    {"embodied_g", Type::kFloat64, "g CO2e",
     "embodied emissions of its devices (replicas and reserve) amortised over `end_s` (0 without a "
     "published figure)",
     Reduction::kSum},
    {"embodied_g_per_device_hour", Type::kFloat64, "g CO2e", "`embodied_g` per device-hour",
     Reduction::kRatio},
    {"scale_ups", Type::kInt64, "", "replicas the autoscaler started (0 without `autoscale`)",
     Reduction::kSum},
    {"scale_downs", Type::kInt64, "", "replicas the autoscaler drained to park them",
     Reduction::kSum},
    {"fidelity", Type::kString, "",
     "`iteration` (every iteration simulated) or `request` (decode runs as segments)",
     Reduction::kNone},
    {"prefill_replicas", Type::kInt64, "",
     "of `replicas`, the prefill pool of a disaggregated service (replicas 0 to "
     "prefill_replicas - 1); 0 when prefill and decode share replicas",
     Reduction::kNone},
    {"parked_device_hours", Type::kFloat64, "h",
     "device-hours of replicas the autoscaler kept parked: what the service left idle for "
     "other work",
     Reduction::kSum},
    {"lent_device_hours", Type::kFloat64, "h",
     "of `parked_device_hours`, those lent to training jobs (`autoscale.lend`); their energy, "
     "emissions and embodied emissions are the jobs'",
     Reduction::kSum},
    {"power_limit_w", Type::kFloat64, "W",
     "its devices' power limit (its own `power_limit`, else its datacenters'); NaN: none",
     Reduction::kNone},
}};

enum class ServiceSeries : std::uint8_t {
  kArrived,
  kFinished,
  kPromptTokens,
  kOutputTokens,
  kMeanBatch,
  kKvOccupancy,
  kReplicas,
  kItPower,
  kAcceleratorEnergy,
  kItEnergy,
  kFacilityEnergy,
  kEmissionsLocation,
  kEmissionsMarket,
  kCount
};
inline constexpr std::size_t kServiceSeriesCount = static_cast<std::size_t>(ServiceSeries::kCount);
inline constexpr std::array<Field, kServiceSeriesCount> kServiceSeries{{
    {"arrived", Type::kFloat64, "1", "requests that arrived in the interval", Reduction::kSum},
    {"finished", Type::kFloat64, "1", "requests that finished in the interval", Reduction::kSum},
    {"prompt_tokens", Type::kFloat64, "1",
     "prompt tokens prefilled in the interval (recomputation included)", Reduction::kSum},
    {"output_tokens", Type::kFloat64, "1", "output tokens generated in the interval",
     Reduction::kSum},
    {"mean_batch", Type::kFloat64, "1",
     "time-mean sequences in iterations per awake serving replica (not parked)",
     Reduction::kTimeMean},
    {"kv_occupancy", Type::kFloat64, "1",
     "time-mean share of the awake serving replicas' KV cache held", Reduction::kTimeMean},
    {"replicas", Type::kFloat64, "1",
     "time-mean serving replicas awake (serving, starting or draining; not parked)",
     Reduction::kTimeMean},
    {"it_power_w", Type::kFloat64, "W",
     "mean IT power of the service's devices (replicas and reserve, with hosts)",
     Reduction::kTimeMean},
    {"accelerator_energy_j", Type::kFloat64, "J",
     "energy of the service's accelerators (idle included)", Reduction::kSum},
    {"it_energy_j", Type::kFloat64, "J", "IT energy of the service's devices and hosts",
     Reduction::kSum},
    {"facility_energy_j", Type::kFloat64, "J",
     "`it_energy_j` plus the cooling and overhead attributed to it", Reduction::kSum},
    {"emissions_location_g", Type::kFloat64, "g",
     "location-based emissions attributed to the service", Reduction::kSum},
    {"emissions_market_g", Type::kFloat64, "g", "market-based emissions attributed to the service",
     Reduction::kSum},
}};

// ---------------------------------------------------------------------------------------
// /datacenters/<name>/supply: a datacenter's energy supply hour by hour (datacenters with a
// `supply` only), its own hourly `time` coordinate from the epoch.

inline constexpr std::string_view kSupplyGroup = "supply";

enum class SupplyAttr : std::uint8_t {
  kCfeScore,
  kLoad,
  kCleanGenerated,
  kCleanUsed,
  kImport,
  kSurplus,
  kBatteryCapacity,
  kPeakImport,
  kEmissionsLocation,
  kEmissionsMarketAnnual,
  kEmissionsMarketHourly,
  kCount
};
inline constexpr std::size_t kSupplyAttrCount = static_cast<std::size_t>(SupplyAttr::kCount);
inline constexpr std::array<Field, kSupplyAttrCount> kSupplyAttributes{{
    {"cfe_score", Type::kFloat64, "1",
     "the 24/7 carbon-free score: the load's carbon-free share summed hour by hour (supply "
     "used, battery discharge of carbon-free energy, and the grid's carbon-free share of the "
     "rest) over the load",
     Reduction::kRatio},
    {"load_j", Type::kFloat64, "J", "the facility's energy (its `energy_j`)", Reduction::kSum},
    {"clean_generated_j", Type::kFloat64, "J",
     "carbon-free energy generated (solar, wind, firm), used or not", Reduction::kSum},
    {"clean_used_j", Type::kFloat64, "J", "of it, used in the hour it was generated",
     Reduction::kSum},
    {"grid_import_j", Type::kFloat64, "J", "energy from the grid (for the load and for charging)",
     Reduction::kSum},
    {"surplus_j", Type::kFloat64, "J", "generation neither used nor stored: exported or curtailed",
     Reduction::kSum},
    {"battery_capacity_j", Type::kFloat64, "J", "the battery's capacity (0 without one)",
     Reduction::kSum},
    {"peak_grid_import_w", Type::kFloat64, "W", "the highest hourly mean grid import",
     Reduction::kMax},
    {"emissions_location_g", Type::kFloat64, "g",
     "the load x the grid's hourly intensity (the datacenter's `emissions_location_g`)",
     Reduction::kSum},
    {"emissions_market_annual_g", Type::kFloat64, "g",
     "market-based with annual matching: location-based x (1 - min(1, generated / load))",
     Reduction::kSum},
    {"emissions_market_hourly_g", Type::kFloat64, "g",
     "market-based with hourly matching: each hour's grid import x its intensity", Reduction::kSum},
}};

constexpr const Field& field(SupplyAttr a) {
  return field(kSupplyAttributes, a);
}

enum class SupplySeries : std::uint8_t {
  kLoad,
  kCleanGenerated,
  kCleanUsed,
  kCharge,
  kDischarge,
  kImport,
  kSurplus,
  kSoc,
  kGridCfe,
  kCfeScore,
  kIntensity,
  kCount
};
inline constexpr std::size_t kSupplySeriesCount = static_cast<std::size_t>(SupplySeries::kCount);
inline constexpr std::array<Field, kSupplySeriesCount> kSupplySeries{{
    {"load_j", Type::kFloat64, "J", "the facility's energy in the hour", Reduction::kSum},
    {"clean_generated_j", Type::kFloat64, "J", "carbon-free generation in the hour",
     Reduction::kSum},
    {"clean_used_j", Type::kFloat64, "J", "generation used in the hour", Reduction::kSum},
    {"battery_charge_j", Type::kFloat64, "J", "energy into the battery (before its losses)",
     Reduction::kSum},
    {"battery_discharge_j", Type::kFloat64, "J", "energy the battery delivered", Reduction::kSum},
    {"grid_import_j", Type::kFloat64, "J", "energy from the grid", Reduction::kSum},
    {"surplus_j", Type::kFloat64, "J", "generation exported or curtailed", Reduction::kSum},
    {"battery_soc", Type::kFloat64, "1", "the battery's state of charge at the hour's end",
     Reduction::kNone},
    {"grid_cfe", Type::kFloat64, "1", "the grid's carbon-free share in the hour",
     Reduction::kTimeMean},
    {"cfe_score", Type::kFloat64, "1", "the hour's carbon-free share of its load",
     Reduction::kNone},
    {"intensity_g_per_kwh", Type::kFloat64, "g/kWh",
     "the grid's location-based intensity, weighted by the load within the hour",
     Reduction::kTimeMean},
}};

enum class RequestColumn : std::uint8_t {
  kArrival,
  kFirstToken,
  kEnd,
  kPromptTokens,
  kOutputTokens,
  kGenerated,
  kReplica,
  kSite,
  kPreemptions,
  kAcceleratorEnergy,
  kItEnergy,
  kCount
};
inline constexpr std::size_t kRequestColumnCount = static_cast<std::size_t>(RequestColumn::kCount);
inline constexpr std::array<Field, kRequestColumnCount> kRequestColumns{{
    {"arrival_s", Type::kFloat64, "s", "arrival, s from the epoch", Reduction::kNone},
    {"first_token_s", Type::kFloat64, "s",
     "its first output token; NaN if none before the run stopped", Reduction::kNone},
    {"end_s", Type::kFloat64, "s", "its last output token; NaN if unfinished", Reduction::kNone},
    {"prompt_tokens", Type::kInt64, "", "prompt tokens", Reduction::kNone},
    {"output_tokens", Type::kInt64, "", "output tokens asked for", Reduction::kNone},
    {"generated", Type::kInt64, "", "output tokens generated before the run stopped",
     Reduction::kNone},
    {"replica", Type::kInt64, "",
     "the replica it was routed to, from 0, over every datacenter in the order of `datacenter`",
     Reduction::kNone},
    {"site", Type::kInt64, "",
     "the datacenter it was routed to, its position in `datacenter`, from 0", Reduction::kNone},
    {"preemptions", Type::kInt64, "",
     "times its KV cache was taken back (it recomputed after each)", Reduction::kNone},
    {"accelerator_energy_j", Type::kFloat64, "J",
     "its share, by tokens, of the accelerator energy of the iterations it was in",
     Reduction::kSum},
    {"it_energy_j", Type::kFloat64, "J", "the same with the hosts' draw", Reduction::kSum},
}};

static_assert(all_named(kRootAttributes) && all_named(kPredictedAttributes) &&
              all_named(kExpectedStepColumns) && all_named(kSimulatedPhaseColumns) &&
              all_named(kDatacenterSeries) && all_named(kDatacenterAttributes) &&
              all_named(kJobColumns) && all_named(kSummaryAttributes) &&
              all_named(kFifoComparisonAttributes) && all_named(kComparisonAttributes) &&
              all_named(kTimeCoordinates) && all_named(kRegionAttributes) &&
              all_named(kServiceAttributes) && all_named(kServiceSeries) &&
              all_named(kRequestColumns) && all_named(kSupplyAttributes) &&
              all_named(kSupplySeries));
// Each enum's last value names the table's last row: a row added to one but not the other
// fails here.
static_assert(field(RootAttr::kInputWarnings).name == "input_warnings");
static_assert(field(PredictedAttr::kMfu).name == "mfu");
static_assert(field(ExpectedStepColumn::kEnergy).name == "energy_j");
static_assert(field(SimulatedPhaseColumn::kEnergyFraction).name == "energy_fraction");
static_assert(field(Series::kOutdoorTemperature).name == "outdoor_temperature_c");
static_assert(field(DatacenterAttr::kLastEnd).name == "last_end_s");
static_assert(field(kTimeCoordinates, TimeCoordinate::kTimeBounds).name == "time_bounds");
static_assert(field(kRegionAttributes, RegionAttr::kCfeFraction).name == "cfe_fraction");
static_assert(field(JobColumn::kEmbodied).name == "embodied_g");
static_assert(field(SummaryAttr::kEmissionsMarketHourly).name == "emissions_market_hourly_g");
static_assert(field(kServiceAttributes, ServiceAttr::kPrefillReplicas).name == "prefill_replicas");
static_assert(field(kServiceSeries, ServiceSeries::kEmissionsMarket).name == "emissions_market_g");
static_assert(field(kRequestColumns, RequestColumn::kItEnergy).name == "it_energy_j");
static_assert(field(FifoComparisonAttr::kJobsFinishedFifo).name == "jobs_finished_fifo");
static_assert(field(ComparisonAttr::kSiteSavedMarket).name == "site_emissions_saved_market_g");

}  // namespace footprint::schema
