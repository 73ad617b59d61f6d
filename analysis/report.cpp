#include "analysis/report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "analysis/text_format.hpp"

#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/hdf5/hdf5.hpp"
#include "sim/kernel/schema/trace_schema.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace footprint::analysis {
namespace {

using schema::ComparisonAttr;
using schema::DatacenterAttr;
using schema::FifoComparisonAttr;
using schema::JobColumn;
using schema::PredictedAttr;
using schema::RootAttr;
using schema::SimulatedPhaseColumn;
using schema::SummaryAttr;
using units::kGramsPerTonne;
using units::kSecondsPerDay;
using units::kSecondsPerHour;
constexpr double kJoulesPerMwh = units::kJoulesPerMegawattHour;
constexpr double kWattsPerMegawatt = units::kMega;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class Enum>
std::string_view key(Enum e) {
  return schema::field(e).name;
}

/// A figure a trace may lack (written after its first traces): null when it does.
std::string optional_json(const std::optional<double>& v) {
  return v ? json_number(*v) : std::string("null");
}

/// A job's PUE as the table shows it: energy / IT energy, 0 without IT energy.
double job_pue(const JobRow& j) {
  return j.it_energy_mwh > 0 ? j.energy_mwh / j.it_energy_mwh : 0.0;
}

/// An attribute that traces written before it lack: nullopt there.
std::optional<double> attr_or_none(const io::Group& g, std::string_view name) {
  if (g.has_attr(name)) {
    return g.get_attr_double(name);
  }
  return std::nullopt;
}

/// /summary/comparison, or in a trace written before it the comparison with FIFO
/// (/summary/fifo and the /summary attributes); nullopt without either.
std::optional<ComparisonRow> read_comparison(const io::Group& summary) {
  ComparisonRow c;
  c.energy_mwh = summary.get_attr_double(key(SummaryAttr::kEnergy)) / kJoulesPerMwh;
  c.emissions_location_t =
      summary.get_attr_double(key(SummaryAttr::kEmissionsLocation)) / kGramsPerTonne;
  c.emissions_market_t =
      summary.get_attr_double(key(SummaryAttr::kEmissionsMarket)) / kGramsPerTonne;
  if (summary.has(schema::kComparisonGroup)) {
    const auto g = summary.open_group(schema::kComparisonGroup);
    const auto number = [&](ComparisonAttr a) { return g.get_attr_double(key(a)); };
    const auto tonnes = [&](ComparisonAttr a) -> std::optional<double> {
      if (const auto v = attr_or_none(g, key(a))) {
        return *v / kGramsPerTonne;
      }
      return std::nullopt;
    };
    c.baseline_policy = g.get_attr_string(key(ComparisonAttr::kBaselinePolicy));
    c.baseline_epoch_s = attr_or_none(g, key(ComparisonAttr::kBaselineEpoch));
    c.baseline_forecast_error = attr_or_none(g, key(ComparisonAttr::kBaselineForecastError));
    c.baseline_tolerance = attr_or_none(g, key(ComparisonAttr::kBaselineTolerance));
    if (g.has_attr(key(ComparisonAttr::kBaselineBackfillDepth))) {
      c.baseline_backfill_depth = g.get_attr_int64(key(ComparisonAttr::kBaselineBackfillDepth));
    }
    c.jobs_compared = g.get_attr_int64(key(ComparisonAttr::kJobsCompared));
    c.matched_emissions_location_t = tonnes(ComparisonAttr::kMatchedLocation);
    c.matched_emissions_market_t = tonnes(ComparisonAttr::kMatchedMarket);
    c.matched_baseline_emissions_location_t = tonnes(ComparisonAttr::kMatchedBaselineLocation);
    c.matched_baseline_emissions_market_t = tonnes(ComparisonAttr::kMatchedBaselineMarket);
    c.saved_location_t = number(ComparisonAttr::kSavedLocation) / kGramsPerTonne;
    c.saved_market_t = number(ComparisonAttr::kSavedMarket) / kGramsPerTonne;
    c.saved_location_fraction = attr_or_none(g, key(ComparisonAttr::kSavedLocationFraction));
    c.saved_market_fraction = attr_or_none(g, key(ComparisonAttr::kSavedMarketFraction));
    c.start_delay_h = number(ComparisonAttr::kStartDelay) / kSecondsPerHour;
    c.baseline_energy_mwh = number(ComparisonAttr::kBaselineEnergy) / kJoulesPerMwh;
    c.baseline_emissions_location_t =
        number(ComparisonAttr::kBaselineEmissionsLocation) / kGramsPerTonne;
    c.baseline_emissions_market_t =
        number(ComparisonAttr::kBaselineEmissionsMarket) / kGramsPerTonne;
    c.site_energy_saved_mwh = number(ComparisonAttr::kSiteEnergySaved) / kJoulesPerMwh;
    c.site_emissions_saved_location_t = number(ComparisonAttr::kSiteSavedLocation) / kGramsPerTonne;
    c.site_emissions_saved_market_t = number(ComparisonAttr::kSiteSavedMarket) / kGramsPerTonne;
    c.baseline_jobs_finished = g.get_attr_int64(key(ComparisonAttr::kBaselineJobsFinished));
    c.baseline_mean_wait_h = number(ComparisonAttr::kBaselineMeanWait) / kSecondsPerHour;
    return c;
  }
  if (!summary.has(schema::kFifoGroup) ||
      !summary.has_attr(key(FifoComparisonAttr::kSavedLocation))) {
    return std::nullopt;
  }
  const auto fifo = summary.open_group(schema::kFifoGroup);
  c.baseline_policy = "fifo";
  c.jobs_compared = summary.get_attr_int64(key(FifoComparisonAttr::kJobsCompared));
  c.saved_location_t =
      summary.get_attr_double(key(FifoComparisonAttr::kSavedLocation)) / kGramsPerTonne;
  c.saved_market_t =
      summary.get_attr_double(key(FifoComparisonAttr::kSavedMarket)) / kGramsPerTonne;
  c.start_delay_h = summary.get_attr_double(key(FifoComparisonAttr::kDelayAdded)) / kSecondsPerHour;
  c.baseline_energy_mwh = fifo.get_attr_double(key(SummaryAttr::kEnergy)) / kJoulesPerMwh;
  c.baseline_emissions_location_t =
      fifo.get_attr_double(key(SummaryAttr::kEmissionsLocation)) / kGramsPerTonne;
  c.baseline_emissions_market_t =
      fifo.get_attr_double(key(SummaryAttr::kEmissionsMarket)) / kGramsPerTonne;
  c.site_energy_saved_mwh = c.baseline_energy_mwh - c.energy_mwh;
  c.site_emissions_saved_location_t = c.baseline_emissions_location_t - c.emissions_location_t;
  c.site_emissions_saved_market_t = c.baseline_emissions_market_t - c.emissions_market_t;
  c.baseline_jobs_finished = fifo.get_attr_int64(key(SummaryAttr::kJobsFinished));
  c.baseline_mean_wait_h = fifo.get_attr_double(key(SummaryAttr::kMeanWait)) / kSecondsPerHour;
  return c;
}

/// The 95th percentile of `xs` by nearest rank (the ceil(0.95 n)-th smallest); NaN when
/// empty. Sorts `xs`.
double p95(std::vector<double>& xs) {
  constexpr double kQuantile = 0.95;
  if (xs.empty()) {
    return kNaN;
  }
  std::sort(xs.begin(), xs.end());
  const auto rank = static_cast<std::size_t>(std::ceil(kQuantile * static_cast<double>(xs.size())));
  return xs[std::max<std::size_t>(rank, 1) - 1];
}

/// The job-level figures of a datacenter (the jobs that started there) or of the whole run,
/// gathered one job at a time; the span of its finished jobs: from the first start to the
/// last end of the jobs that finished, 0 when none did.
class JobFigures {
 public:
  void add(double energy_mwh, double location_t, double market_t, double wait_s, bool finished,
           double start_s, double end_s) {
    energy_mwh_ += energy_mwh;
    location_t_ += location_t;
    market_t_ += market_t;
    if (std::isfinite(wait_s)) {
      waits_.push_back(wait_s);
    }
    if (finished) {
      ++finished_;
      first_ = std::min(first_, start_s);
      last_ = std::max(last_, end_s);
    }
  }

  /// Sets the row's job-level figures and its `days`.
  void write(DatacenterRow& d) {
    d.jobs_finished = finished_;
    d.jobs_energy_mwh = energy_mwh_;
    d.jobs_emissions_location_t = location_t_;
    d.jobs_emissions_market_t = market_t_;
    d.days = last_ > first_ ? (last_ - first_) / kSecondsPerDay : 0.0;
    if (!waits_.empty()) {
      double sum = 0;
      for (const double w : waits_) {
        sum += w;
      }
      d.mean_wait_h = sum / static_cast<double>(waits_.size()) / kSecondsPerHour;
      d.p95_wait_h = p95(waits_) / kSecondsPerHour;
    }
  }

 private:
  std::int64_t finished_ = 0;
  double energy_mwh_ = 0;
  double location_t_ = 0;
  double market_t_ = 0;
  std::vector<double> waits_;
  double first_ = std::numeric_limits<double>::infinity();
  double last_ = -std::numeric_limits<double>::infinity();
};

/// Which of a datacenter's accelerator types have no published embodied figure (traces
/// with `accelerator_has_embodied`): listed in the row and added to `unpublished`; the
/// row's embodied figure is unknown (NaN) when none of its types with devices has one.
void read_embodied_figures(const io::Group& g, DatacenterRow& d,
                           std::vector<std::string>& unpublished) {
  if (!g.has_attr(key(DatacenterAttr::kAcceleratorHasEmbodied))) {
    return;  // written before the attribute: types without a figure counted 0
  }
  const auto types = g.get_attr_strings(key(DatacenterAttr::kAcceleratorTypes));
  const auto counts = g.get_attr_int64s(key(DatacenterAttr::kAcceleratorCounts));
  const auto has = g.get_attr_int64s(key(DatacenterAttr::kAcceleratorHasEmbodied));
  bool any_known = false;
  bool any_devices = false;
  for (std::size_t t = 0; t < types.size() && t < has.size() && t < counts.size(); ++t) {
    if (counts[t] <= 0) {
      continue;
    }
    any_devices = true;
    if (has[t] != 0) {
      any_known = true;
      continue;
    }
    d.embodied_unpublished.push_back(types[t]);
    if (std::find(unpublished.begin(), unpublished.end(), types[t]) == unpublished.end()) {
      unpublished.push_back(types[t]);
    }
  }
  if (any_devices && !any_known) {
    d.embodied_t = kNaN;
  }
}

}  // namespace

Report read_report(const std::filesystem::path& trace, std::size_t max_jobs) {
  const auto f = io::File::open_read(trace);
  const auto root = f.root();
  const auto& versions = schema::kReadableFormatVersions;
  if (const auto v = root.get_attr_string(key(RootAttr::kFormatVersion));
      std::find(versions.begin(), versions.end(), v) == versions.end()) {
    throw io::H5Error(
        fmt::format("{}: trace format version '{}' is not supported (this program "
                    "reads '{}')",
                    trace.string(), v, fmt::join(versions, "', '")));
  }
  Report r;
  r.scenario = root.get_attr_string(key(RootAttr::kScenarioName));
  r.seed = root.get_attr_uint64(key(RootAttr::kSeed));
  // The job-level figures are over all jobs: their columns are read whole; the other
  // columns only for the first max_jobs rows (`head`), the rows the report lists, unless
  // it lists them all.
  const std::string_view figure_columns[] = {key(JobColumn::kDatacenter),
                                             key(JobColumn::kStart),
                                             key(JobColumn::kEnd),
                                             key(JobColumn::kWait),
                                             key(JobColumn::kFinished),
                                             key(JobColumn::kEnergy),
                                             key(JobColumn::kEmissionsLocation),
                                             key(JobColumn::kEmissionsMarket)};
  // Listing every row (`footprint report`): the whole table, read once.
  const bool all_rows = max_jobs == static_cast<std::size_t>(-1);
  const auto jobs = io::read_table(root, schema::kJobsTable, static_cast<std::size_t>(-1),
                                   all_rows ? std::span<const std::string_view>{} : figure_columns);
  std::optional<io::Table> first_rows;
  if (!all_rows) {
    first_rows = io::read_table(root, schema::kJobsTable, max_jobs);
  }
  const io::Table& head = all_rows ? jobs : *first_rows;
  const auto& job_datacenter = jobs.strings(key(JobColumn::kDatacenter));
  const auto& job_start = jobs.doubles(key(JobColumn::kStart));
  const auto& job_end = jobs.doubles(key(JobColumn::kEnd));
  const auto& job_wait = jobs.doubles(key(JobColumn::kWait));
  const auto& job_finished = jobs.int64s(key(JobColumn::kFinished));
  const auto& job_energy = jobs.doubles(key(JobColumn::kEnergy));
  const auto& job_location = jobs.doubles(key(JobColumn::kEmissionsLocation));
  const auto& job_market = jobs.doubles(key(JobColumn::kEmissionsMarket));
  for (std::size_t i = 0; i < head.rows(); ++i) {
    JobRow j;
    j.name = head.strings(key(JobColumn::kName))[i];
    j.datacenter = job_datacenter[i];
    j.accelerator = head.strings(key(JobColumn::kAccelerator))[i];
    j.devices = head.int64s(key(JobColumn::kDevices))[i];
    j.steps = head.int64s(key(JobColumn::kSteps))[i];
    j.submit_s = head.doubles(key(JobColumn::kSubmit))[i];
    j.start_s = job_start[i];
    j.end_s = job_end[i];
    j.wait_s = job_wait[i];
    j.finished = job_finished[i] != 0;
    j.restarts = head.int64s(key(JobColumn::kRestarts))[i];
    j.days = j.finished ? (j.end_s - j.start_s) / kSecondsPerDay : 0.0;
    j.embodied_t = head.doubles(key(JobColumn::kEmbodied))[i] / kGramsPerTonne;
    j.device_hours = head.doubles(key(JobColumn::kDeviceHours))[i];
    j.flops = head.doubles(key(JobColumn::kFlops))[i];
    j.it_energy_mwh = head.doubles(key(JobColumn::kItEnergy))[i] / kJoulesPerMwh;
    j.energy_mwh = job_energy[i] / kJoulesPerMwh;
    j.emissions_location_t = job_location[i] / kGramsPerTonne;
    j.emissions_market_t = job_market[i] / kGramsPerTonne;
    if (head.has_column(key(JobColumn::kPowerLimit))) {
      const double limit = head.doubles(key(JobColumn::kPowerLimit))[i];
      if (!std::isnan(limit)) {
        j.power_limit_w = limit;
        j.clock = head.doubles(key(JobColumn::kClock))[i];
      }
    }
    r.jobs.push_back(std::move(j));
  }
  const auto dcs = root.open_group(schema::kDatacentersGroup);
  r.totals.name = "total";
  // Groups list in name order; the scenario's order is each group's `index`.
  std::vector<std::pair<std::int64_t, std::string>> order;
  for (const auto& name : dcs.list()) {
    order.emplace_back(dcs.open_group(name).get_attr_int64(key(DatacenterAttr::kIndex)), name);
  }
  std::sort(order.begin(), order.end());
  // Accelerator types without a published embodied figure, by name (traces that record it).
  std::vector<std::string> unpublished;
  std::size_t without_embodied = 0;  // datacenters whose embodied figure is unknown
  for (const auto& [index, name] : order) {
    const auto g = dcs.open_group(name);
    DatacenterRow d;
    d.name = name;
    d.region = g.get_attr_string(key(DatacenterAttr::kRegion));
    if (root.has(schema::kRegionsGroup)) {
      const auto regions = root.open_group(schema::kRegionsGroup);
      if (regions.has(d.region)) {
        const auto rg = regions.open_group(d.region);
        if (rg.has_attr(key(schema::RegionAttr::kIntensityKind))) {
          d.marginal = rg.get_attr_string(key(schema::RegionAttr::kIntensityKind)) == "marginal";
        }
      }
    }
    d.it_energy_mwh = g.get_attr_double(key(DatacenterAttr::kItEnergy)) / kJoulesPerMwh;
    d.energy_mwh = g.get_attr_double(key(DatacenterAttr::kEnergy)) / kJoulesPerMwh;
    d.pue = d.it_energy_mwh > 0 ? d.energy_mwh / d.it_energy_mwh : 0.0;
    d.emissions_location_t =
        g.get_attr_double(key(DatacenterAttr::kEmissionsLocation)) / kGramsPerTonne;
    d.emissions_market_t =
        g.get_attr_double(key(DatacenterAttr::kEmissionsMarket)) / kGramsPerTonne;
    d.embodied_t = g.get_attr_double(key(DatacenterAttr::kEmbodied)) / kGramsPerTonne;
    read_embodied_figures(g, d, unpublished);
    d.peak_facility_mw =
        g.get_attr_double(key(DatacenterAttr::kPeakFacilityPower)) / kWattsPerMegawatt;
    d.p99_facility_mw =
        g.get_attr_double(key(DatacenterAttr::kP99FacilityPower)) / kWattsPerMegawatt;
    // Added to format 2 later: absent from the traces written before it.
    if (g.has_attr(key(DatacenterAttr::kDesignPeakFacilityPower))) {
      d.design_peak_mw =
          g.get_attr_double(key(DatacenterAttr::kDesignPeakFacilityPower)) / kWattsPerMegawatt;
      d.design_peak_time_s = g.get_attr_double(key(DatacenterAttr::kDesignPeakTime));
      d.design_peak_warning = g.get_attr_string(key(DatacenterAttr::kDesignPeakWarning));
    }
    // Format 1 traces have no power_cap_w.
    if (const auto cap = attr_or_none(g, key(DatacenterAttr::kPowerCap));
        cap && !std::isnan(*cap)) {
      d.power_cap_mw = *cap / kWattsPerMegawatt;
      if (g.has_attr(key(DatacenterAttr::kCapExceeded))) {
        d.cap_exceeded_s = g.get_attr_double(key(DatacenterAttr::kCapExceeded));
        d.cap_held_device_hours = g.get_attr_double(key(DatacenterAttr::kCapHeldDeviceHours));
      }
    }
    d.device_hours = g.get_attr_double(key(DatacenterAttr::kDeviceHours));
    // Added to format 2 with water: absent from the traces written before it, NaN without.
    if (const auto onsite = attr_or_none(g, key(DatacenterAttr::kWaterOnsite));
        onsite && !std::isnan(*onsite)) {
      d.water =
          DatacenterRow::Water{.onsite_l = *onsite,
                               .offsite_l = g.get_attr_double(key(DatacenterAttr::kWaterOffsite)),
                               .wue_l_per_kwh = g.get_attr_double(key(DatacenterAttr::kWue)),
                               .how = g.get_attr_string(key(DatacenterAttr::kWater))};
    }
    if (g.has(schema::kSupplyGroup)) {
      using schema::SupplyAttr;
      const auto s = g.open_group(schema::kSupplyGroup);
      const auto get = [&](SupplyAttr a) { return s.get_attr_double(key(a)); };
      DatacenterRow::Supply sup;
      sup.cfe_score = get(SupplyAttr::kCfeScore);
      sup.generated_mwh = get(SupplyAttr::kCleanGenerated) / kJoulesPerMwh;
      sup.import_mwh = get(SupplyAttr::kImport) / kJoulesPerMwh;
      sup.surplus_mwh = get(SupplyAttr::kSurplus) / kJoulesPerMwh;
      sup.peak_import_mw = get(SupplyAttr::kPeakImport) / kWattsPerMegawatt;
      sup.market_annual_t = get(SupplyAttr::kEmissionsMarketAnnual) / kGramsPerTonne;
      sup.market_hourly_t = get(SupplyAttr::kEmissionsMarketHourly) / kGramsPerTonne;
      d.supply = sup;
    }
    if (std::isnan(d.embodied_t)) {
      ++without_embodied;
    } else {
      r.totals.embodied_t += d.embodied_t;
    }
    r.totals.device_hours += d.device_hours;
    r.totals.it_energy_mwh += d.it_energy_mwh;
    r.totals.energy_mwh += d.energy_mwh;
    r.totals.emissions_location_t += d.emissions_location_t;
    r.totals.emissions_market_t += d.emissions_market_t;
    r.totals.peak_facility_mw += d.peak_facility_mw;
    r.totals.p99_facility_mw += d.p99_facility_mw;
    if (r.datacenters.empty()) {
      r.totals.design_peak_mw = 0.0;
    }
    if (r.totals.design_peak_mw && d.design_peak_mw) {
      *r.totals.design_peak_mw += *d.design_peak_mw;
    } else {
      r.totals.design_peak_mw.reset();
    }
    r.datacenters.push_back(std::move(d));
  }
  // The total's embodied figure: the known ones; unknown when no datacenter's is known.
  if (!order.empty() && without_embodied == order.size()) {
    r.totals.embodied_t = kNaN;
  }
  r.totals.embodied_unpublished = unpublished;
  r.totals.pue = r.totals.it_energy_mwh > 0 ? r.totals.energy_mwh / r.totals.it_energy_mwh : 0.0;
  // The job-level figures, one pass over the jobs: each datacenter's (the jobs that started
  // there) and the run's (all jobs).
  std::map<std::string, std::size_t, std::less<>> datacenter_of;
  for (std::size_t d = 0; d < r.datacenters.size(); ++d) {
    datacenter_of.emplace(r.datacenters[d].name, d);
  }
  std::vector<JobFigures> at(r.datacenters.size());
  JobFigures run_figures;
  for (std::size_t i = 0; i < jobs.rows(); ++i) {
    const double energy = job_energy[i] / kJoulesPerMwh;
    const double location = job_location[i] / kGramsPerTonne;
    const double market = job_market[i] / kGramsPerTonne;
    const bool finished = job_finished[i] != 0;
    run_figures.add(energy, location, market, job_wait[i], finished, job_start[i], job_end[i]);
    if (const auto it = datacenter_of.find(job_datacenter[i]); it != datacenter_of.end()) {
      at[it->second].add(energy, location, market, job_wait[i], finished, job_start[i], job_end[i]);
    }
  }
  for (std::size_t d = 0; d < r.datacenters.size(); ++d) {
    at[d].write(r.datacenters[d]);
  }
  run_figures.write(r.totals);
  // A job on a type without a published figure has an unknown embodied figure, not 0.
  for (auto& j : r.jobs) {
    if (std::find(unpublished.begin(), unpublished.end(), j.accelerator) != unpublished.end()) {
      j.embodied_t = kNaN;
    }
  }
  const auto summary = root.open_group(schema::kSummaryGroup);
  r.job_count = summary.get_attr_int64(key(SummaryAttr::kJobs));
  r.mean_wait_h = summary.get_attr_double(key(SummaryAttr::kMeanWait)) / kSecondsPerHour;
  r.jobs_finished = summary.get_attr_int64(key(SummaryAttr::kJobsFinished));
  r.restarts = summary.get_attr_int64(key(SummaryAttr::kRestarts));
  r.lost_device_hours = summary.get_attr_double(key(SummaryAttr::kLostDeviceHours));
  if (summary.has_attr(key(SummaryAttr::kPreemptions))) {  // written since services lend
    r.preemptions = summary.get_attr_int64(key(SummaryAttr::kPreemptions));
    r.borrowed_device_hours = summary.get_attr_double(key(SummaryAttr::kBorrowedDeviceHours));
  }
  if (summary.has_attr(
          key(SummaryAttr::kPauses))) {  // traces written before pauses existed lack them
    r.pauses = summary.get_attr_int64(key(SummaryAttr::kPauses));
    r.paused_h = summary.get_attr_double(key(SummaryAttr::kPaused)) / kSecondsPerHour;
  }
  r.comparison = read_comparison(summary);
  if (root.has(schema::kPredictedGroup)) {
    const auto all = root.open_group(schema::kPredictedGroup);
    for (const auto& name : all.list()) {
      const auto g = all.open_group(name);
      PredictedRow p;
      p.job = name;
      p.data = g.get_attr_int64(key(PredictedAttr::kData));
      p.tensor = g.get_attr_int64(key(PredictedAttr::kTensor));
      p.pipeline = g.get_attr_int64(key(PredictedAttr::kPipeline));
      p.expert = g.get_attr_int64(key(PredictedAttr::kExpert));
      p.microbatches = g.get_attr_int64(key(PredictedAttr::kMicrobatches));
      p.auto_layout = g.get_attr_int64(key(PredictedAttr::kAutoLayout)) != 0;
      // Attributes added to format 2 later: absent from the traces written before them.
      const auto int64_or = [&](PredictedAttr a, std::int64_t fallback) {
        return g.has_attr(key(a)) ? g.get_attr_int64(key(a)) : fallback;
      };
      const auto string_or_empty = [&](PredictedAttr a) {
        return g.has_attr(key(a)) ? g.get_attr_string(key(a)) : std::string();
      };
      const auto optional_double = [&](PredictedAttr a) -> std::optional<double> {
        if (g.has_attr(key(a))) {
          return g.get_attr_double(key(a));
        }
        return std::nullopt;
      };
      p.context = int64_or(PredictedAttr::kContext, 1);
      p.virtual_stages = int64_or(PredictedAttr::kVirtualStages, 1);
      p.compute = string_or_empty(PredictedAttr::kCompute);
      p.recompute = string_or_empty(PredictedAttr::kRecompute);
      p.attention_scores = string_or_empty(PredictedAttr::kAttentionScores);
      p.attention_dropout = optional_double(PredictedAttr::kAttentionDropout).value_or(0.0);
      p.routing_groups = int64_or(PredictedAttr::kRoutingGroups, 0);
      p.routing_group_limit = int64_or(PredictedAttr::kRoutingGroupLimit, 0);
      p.dispatch_copies = string_or_empty(PredictedAttr::kDispatchCopies);
      p.dispatch_format = string_or_empty(PredictedAttr::kDispatchFormat);
      p.dispatch_overlap = optional_double(PredictedAttr::kDispatchOverlap).value_or(0.0);
      p.shard = string_or_empty(PredictedAttr::kShard);
      p.shard_group = int64_or(PredictedAttr::kShardGroup, 0);
      p.offload_layers = int64_or(PredictedAttr::kOffloadLayers, 0);
      if (g.has_attr(key(PredictedAttr::kParameters))) {
        p.parameters = g.get_attr_double(key(PredictedAttr::kParameters));
        p.active_parameters = g.get_attr_double(key(PredictedAttr::kActiveParameters));
      }
      p.expected_mfu = optional_double(PredictedAttr::kExpectedMfu);
      p.error_band = optional_double(PredictedAttr::kErrorBand);
      p.borrowed_from = string_or_empty(PredictedAttr::kBorrowedFrom);
      if (const auto b = optional_double(PredictedAttr::kSlackSavingBubble)) {
        p.slack_saving_bubble_mwh = *b / kJoulesPerMwh;
      }
      if (const auto c = optional_double(PredictedAttr::kSlackSavingCommunication)) {
        p.slack_saving_communication_mwh = *c / kJoulesPerMwh;
      }
      if (g.has(schema::kPhasesTable)) {
        p.mean_step_s = g.get_attr_double(key(PredictedAttr::kMeanStep));
        p.dropped_token_fraction = g.get_attr_double(key(PredictedAttr::kDroppedTokenFraction));
        p.energy_mwh = g.get_attr_double(key(PredictedAttr::kEnergy)) / kJoulesPerMwh;
        p.mfu = optional_double(PredictedAttr::kMfu);
        const double devices = static_cast<double>(p.data * p.tensor * p.pipeline * p.context);
        constexpr double kTera = 1e12;
        p.achieved_tflops_per_device = g.get_attr_double(key(PredictedAttr::kFlopsPerStep)) /
                                       (devices * p.mean_step_s) / kTera;
        const auto t = io::read_table(g, schema::kPhasesTable);
        p.phases = t.strings(key(SimulatedPhaseColumn::kPhase));
        p.phase_seconds = t.doubles(key(SimulatedPhaseColumn::kSeconds));
        p.phase_fraction = t.doubles(key(SimulatedPhaseColumn::kFraction));
        if (t.has_column(key(SimulatedPhaseColumn::kEnergy))) {
          for (const double j : t.doubles(key(SimulatedPhaseColumn::kEnergy))) {
            p.phase_energy_mwh.push_back(j / kJoulesPerMwh);
            p.phase_energy_fraction.push_back(p.energy_mwh > 0 ? j / kJoulesPerMwh / p.energy_mwh
                                                               : 0.0);
          }
          if (t.has_column(key(SimulatedPhaseColumn::kEnergyFraction))) {
            p.phase_energy_fraction = t.doubles(key(SimulatedPhaseColumn::kEnergyFraction));
          }
        }
      }
      r.predicted.push_back(std::move(p));
    }
  }
  if (root.has("services")) {
    const auto all = root.open_group("services");
    for (const auto& name : all.list_in_creation_order()) {
      const auto g = all.open_group(name);
      ServiceRow row;
      row.name = name;
      for (const auto& a : g.attr_names()) {
        if (a == "datacenter") {
          row.datacenter = g.get_attr_string(a);
        } else if (a == "accelerator") {
          row.accelerator = g.get_attr_string(a);
        } else if (a == "serving_constants_from") {
          row.serving_constants_from = g.get_attr_string(a);
        } else if (a == "fidelity") {
          row.fidelity = g.get_attr_string(a);
        } else {
          row.figures.emplace_back(a, g.get_attr_double(a));
        }
      }
      r.services.push_back(std::move(row));
    }
  }
  return r;
}

Report read_user_trace(const std::filesystem::path& trace) {
  const auto unreadable = [&](std::string message) {
    return InputError(Diagnostic{.file = trace.string(), .message = std::move(message)});
  };
  std::error_code ec;
  if (!std::filesystem::exists(trace, ec)) {
    throw unreadable("no such file");
  }
  if (std::filesystem::is_directory(trace, ec)) {
    throw unreadable("is a directory, not a trace file");
  }
  try {
    return read_report(trace);
  } catch (const io::H5Error& e) {
    throw unreadable(fmt::format("not a readable Footprint trace: {}", e.what()));
  }
}

std::string render_predicted(const PredictedRow& p) {
  constexpr double kPercent = 100;
  std::string out = fmt::format("\npredicted {}: data {} x tensor {} x pipeline {}", p.job, p.data,
                                p.tensor, p.pipeline);
  if (p.context > 1) {
    out += fmt::format(" x context {}", p.context);
  }
  out += fmt::format(" (expert {}, {} microbatches", p.expert, p.microbatches);
  if (p.virtual_stages > 1) {
    out += fmt::format(", {} virtual stages", p.virtual_stages);
  }
  out += fmt::format(
      "){}; mean step {:.4g} s; {:.4g} TFLOP/s per device{}\n",
      p.auto_layout ? ", chosen by auto" : "", p.mean_step_s, p.achieved_tflops_per_device,
      p.dropped_token_fraction > 0
          ? fmt::format("; {:.3g} % of routed tokens dropped", p.dropped_token_fraction * kPercent)
          : std::string{});
  if (!p.compute.empty()) {
    out += fmt::format("  compute {}, recompute {}, shard {}", p.compute, p.recompute, p.shard);
    if (p.shard != "none" && p.shard_group > 0) {
      out += fmt::format(" in groups of {} devices", p.shard_group);
    }
    if (p.offload_layers > 0) {
      out += fmt::format(", activations of {} layers a stage offloaded to host memory",
                         p.offload_layers);
    }
    if (p.attention_scores == "materialised") {
      out += fmt::format(", attention scores materialised (dropout {:g})", p.attention_dropout);
    }
    out += '\n';
  }
  if (p.routing_groups > 0 || p.dispatch_copies == "per_domain" || p.dispatch_format == "fp8" ||
      p.dispatch_overlap > 0) {
    out += fmt::format(
        "  experts: routing {}; dispatch {}, {}, {:g} % overlapped\n",
        p.routing_groups > 0
            ? fmt::format("within {} of {} groups", p.routing_group_limit, p.routing_groups)
            : std::string("unlimited"),
        p.dispatch_copies == "per_domain" ? "once per domain" : "a copy per expert",
        p.dispatch_format.empty() ? "bf16" : p.dispatch_format, p.dispatch_overlap * 100);
  }
  if (p.parameters > 0) {
    out += fmt::format("  parameters {:.4g} total, {:.4g} active per token\n", p.parameters,
                       p.active_parameters);
  }
  // MFU, the error band and what was borrowed: each only when the trace has it.
  std::vector<std::string> model;
  if (p.expected_mfu || p.mfu) {
    std::vector<std::string> mfu;
    if (p.expected_mfu) {
      mfu.push_back(fmt::format("{:.2f} % expected", *p.expected_mfu * kPercent));
    }
    if (p.mfu) {
      mfu.push_back(fmt::format("{:.2f} % simulated", *p.mfu * kPercent));
    }
    model.push_back(fmt::format("MFU {}", fmt::join(mfu, ", ")));
  }
  if (p.error_band) {
    model.push_back(
        fmt::format("step time +/- {:.3g} % (calibration error band)", *p.error_band * kPercent));
  }
  if (!p.borrowed_from.empty()) {
    model.push_back(fmt::format("constants borrowed from {}", p.borrowed_from));
  }
  if (!model.empty()) {
    out += fmt::format("  {}\n", fmt::join(model, "; "));
  }
  if (p.slack_saving_bubble_mwh && p.slack_saving_communication_mwh) {
    const double saved = *p.slack_saving_bubble_mwh + *p.slack_saving_communication_mwh;
    out += fmt::format(
        "  lower clocks in its slack, step time kept: up to {:.4g} MWh saved (bubble {:.4g}, "
        "communication {:.4g}){}\n",
        saved, *p.slack_saving_bubble_mwh, *p.slack_saving_communication_mwh,
        p.energy_mwh > 0
            ? fmt::format(", {:.3g} % of its accelerators' energy", saved / p.energy_mwh * kPercent)
            : std::string{});
  }
  if (p.phase_energy_mwh.size() != p.phases.size()) {
    // Traces written before the energy per phase: time only.
    for (std::size_t i = 0; i < p.phases.size(); ++i) {
      out += fmt::format("  {:<20} {:>12.4g} h  {:>6.2f} %\n", p.phases[i],
                         p.phase_seconds[i] / kSecondsPerHour, p.phase_fraction[i] * kPercent);
    }
    return out;
  }
  // One energy unit per job: MWh from 1 MWh of simulated energy up, else kWh.
  constexpr double kKwhPerMwh = 1000;
  const bool mwh = p.energy_mwh >= 1;
  const double scale = mwh ? 1.0 : kKwhPerMwh;
  out += fmt::format("  {:<20} {:>14}  {:>8}  {:>14}  {:>8}\n", "phase", "time", "time %", "energy",
                     "energy %");
  for (std::size_t i = 0; i < p.phases.size(); ++i) {
    out += fmt::format("  {:<20} {:>12.4g} h  {:>6.2f} %  {:>10.4g} {}  {:>6.2f} %\n", p.phases[i],
                       p.phase_seconds[i] / kSecondsPerHour, p.phase_fraction[i] * kPercent,
                       p.phase_energy_mwh[i] * scale, mwh ? "MWh" : "kWh",
                       p.phase_energy_fraction[i] * kPercent);
  }
  return out;
}

std::string delay_words(double hours) {
  constexpr double kHundredths = 100;  // the delay is printed to 0.01 h
  if (std::round(std::abs(hours) * kHundredths) == 0) {
    return "at the same time";
  }
  return fmt::format("{:.2f} h {}", std::abs(hours), hours > 0 ? "later" : "earlier");
}

std::string saving_words(double tonnes) {
  if (tonnes > 0) {
    return fmt::format("saved {:.4g} t", tonnes);
  }
  if (tonnes < 0) {
    return fmt::format("emitted {:.4g} t more", -tonnes);
  }
  return "emitted the same";
}

namespace {

constexpr double kPercent = 100;

/// "location-based 122.4 t here, 123.4 t under backfill: saved 1 t (0.81 % less)": the
/// amounts when known, the percentage when `fraction` (saved / baseline's) is finite.
std::string emissions_versus(std::string_view basis, std::optional<double> here,
                             std::optional<double> there, double saved,
                             std::optional<double> fraction, std::string_view baseline) {
  std::string out(basis);
  if (here && there) {
    out += fmt::format(" {:.4g} t here, {:.4g} t under {}", *here, *there, baseline);
  }
  out += ": " + saving_words(saved);
  if (saved != 0 && fraction && std::isfinite(*fraction)) {
    out +=
        fmt::format(" ({:.2f} % {})", std::abs(*fraction) * kPercent, saved > 0 ? "less" : "more");
  }
  return out;
}

/// The comparison block of the table: the baseline and its settings, the matched jobs,
/// the site, jobs finished and mean waits under each.
std::string render_comparison(const ComparisonRow& c, const Report& r) {
  const std::string& b = c.baseline_policy;
  std::vector<std::string> settings;
  if (c.baseline_epoch_s) {
    settings.push_back(fmt::format("epoch {:g} s", *c.baseline_epoch_s));
  }
  if (c.baseline_forecast_error) {
    settings.push_back(fmt::format("forecast error {:g} %", *c.baseline_forecast_error * kPercent));
  }
  if (c.baseline_tolerance) {
    settings.push_back(fmt::format("tolerance {:g} %", *c.baseline_tolerance * kPercent));
  }
  if (c.baseline_backfill_depth) {
    settings.push_back(fmt::format("backfill depth {}", *c.baseline_backfill_depth));
  }
  std::string out = fmt::format("versus {}", b);
  if (!settings.empty()) {
    out += fmt::format(" ({})", fmt::join(settings, ", "));
  }
  out += fmt::format("\n  matched jobs (finished under both): {}, started {} on average\n",
                     c.jobs_compared, delay_words(c.start_delay_h));
  out += fmt::format("    {}\n    {}\n",
                     emissions_versus("location-based", c.matched_emissions_location_t,
                                      c.matched_baseline_emissions_location_t, c.saved_location_t,
                                      c.saved_location_fraction, b),
                     emissions_versus("market-based", c.matched_emissions_market_t,
                                      c.matched_baseline_emissions_market_t, c.saved_market_t,
                                      c.saved_market_fraction, b));
  const auto share = [](double saved, double baseline) -> std::optional<double> {
    if (baseline > 0) {
      return saved / baseline;
    }
    return std::nullopt;
  };
  out += fmt::format(
      "  the site (all datacenters, idle draw included): energy {:.4g} MWh here, {:.4g} MWh "
      "under {}\n    {}\n    {}\n",
      c.energy_mwh, c.baseline_energy_mwh, b,
      emissions_versus("location-based", c.emissions_location_t, c.baseline_emissions_location_t,
                       c.site_emissions_saved_location_t,
                       share(c.site_emissions_saved_location_t, c.baseline_emissions_location_t),
                       b),
      emissions_versus("market-based", c.emissions_market_t, c.baseline_emissions_market_t,
                       c.site_emissions_saved_market_t,
                       share(c.site_emissions_saved_market_t, c.baseline_emissions_market_t), b));
  out += fmt::format(
      "  jobs finished {} here, {} under {}; mean wait {:.2f} h here, {:.2f} h under {}\n",
      r.jobs_finished, c.baseline_jobs_finished, b, r.mean_wait_h, c.baseline_mean_wait_h, b);
  return out;
}

}  // namespace

std::string render_embodied_note(const Report& r) {
  if (r.totals.embodied_unpublished.empty()) {
    return {};
  }
  std::vector<std::string> parts;
  for (const auto& type : r.totals.embodied_unpublished) {
    std::vector<std::string> where;
    for (const auto& d : r.datacenters) {
      if (std::find(d.embodied_unpublished.begin(), d.embodied_unpublished.end(), type) !=
          d.embodied_unpublished.end()) {
        where.push_back(d.name);
      }
    }
    parts.push_back(fmt::format("{} ({})", type, fmt::join(where, ", ")));
  }
  return fmt::format(
      "emb tCO2e: no published embodied figure for {}: not counted (unknown, not 0); - where "
      "no accelerator of the datacenter has one\n",
      fmt::join(parts, ", "));
}

double ServiceRow::get(std::string_view key) const {
  for (const auto& [k, v] : figures) {
    if (k == key) {
      return v;
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

namespace {

constexpr std::array<const char*, 4> kBoundaries{"accelerators", "it", "it_with_reserve",
                                                 "facility"};

/// Per finished request, a figure in grams; NaN without finished requests.
double per_request(const ServiceRow& s, std::string_view key) {
  const double n = s.get("finished");
  return n > 0 ? s.get(key) / n : std::numeric_limits<double>::quiet_NaN();
}

std::string render_services(const Report& r) {
  if (r.services.empty()) {
    return {};
  }
  std::string out = fmt::format(
      "\n{:<20}  {:>8}  {:>6}  {:>10}  {:>8}  {:>34}  {:>17}  {:>17}  {:>7}\n", "service",
      "requests", "reject", "out tok/s", "finished", "J/out token: acc / it / +reserve / fac",
      "TTFT p50/p99 s", "TPOT p50/p99 ms", "goodput");
  for (const auto& s : r.services) {
    const double tokens = s.get("output_tokens");
    std::string jpt;
    for (std::size_t b = 0; b < kBoundaries.size(); ++b) {
      const double j = s.get(fmt::format("energy_{}_j", kBoundaries[b])) / tokens;
      jpt += fmt::format("{}{}", b ? " / " : "",
                         std::isfinite(j) ? fmt::format("{:.3g}", j) : std::string("-"));
    }
    const double goodput = s.get("goodput");
    // A percentile of no request is "-".
    const auto pair = [](double a, double b, double scale, int digits) {
      const auto one = [&](double v) {
        return std::isfinite(v) ? fmt::format("{:.{}f}", v * scale, digits) : std::string("-");
      };
      return one(a) + "/" + one(b);
    };
    out += fmt::format(
        "{:<20}  {:>8.0f}  {:>6.0f}  {:>10.1f}  {:>8.0f}  {:>34}  {:>17}  {:>17}  {:>7}\n", s.name,
        s.get("requests"), s.get("rejected"), s.get("output_tokens_per_s"), s.get("finished"), jpt,
        pair(s.get("ttft_p50_s"), s.get("ttft_p99_s"), 1.0, 3),
        pair(s.get("tpot_p50_s"), s.get("tpot_p99_s"), 1e3, 1),
        std::isnan(goodput) ? std::string("-") : fmt::format("{:.1f} %", goodput * 100));
  }
  out += fmt::format(
      "J/out token: energy per output token at four boundaries, each including the one before "
      "(accelerators in iterations; their hosts; idle and reserve replicas; cooling and "
      "overhead); docs/serving.md\n");
  for (const auto& s : r.services) {
    out += fmt::format(
        "{}: per finished request {:.4g} gCO2e location-based, {:.4g} market-based, {:.4g} "
        "embodied ({:.4g} g per device-hour); energy MWh {:.4g} / {:.4g} / {:.4g} / {:.4g}\n",
        s.name, per_request(s, "emissions_location_g"), per_request(s, "emissions_market_g"),
        per_request(s, "embodied_g"), s.get("embodied_g_per_device_hour"),
        s.get("energy_accelerators_j") / kJoulesPerMwh, s.get("energy_it_j") / kJoulesPerMwh,
        s.get("energy_it_with_reserve_j") / kJoulesPerMwh,
        s.get("energy_facility_j") / kJoulesPerMwh);
  }
  for (const auto& s : r.services) {
    const double lent = s.get("lent_device_hours");
    if (lent > 0) {
      out += fmt::format("{}: parked {:.4g} device-hours, of which {:.4g} lent to training\n",
                         s.name, s.get("parked_device_hours"), lent);
    }
  }
  for (const auto& s : r.services) {
    if (!s.serving_constants_from.empty() && s.serving_constants_from != s.accelerator) {
      out += fmt::format("{}: {} serving constants borrowed from {}\n", s.name, s.accelerator,
                         s.serving_constants_from);
    }
  }
  return out;
}

std::string render_services_json(const Report& r) {
  std::string out = "[";
  for (std::size_t i = 0; i < r.services.size(); ++i) {
    const auto& s = r.services[i];
    const auto boundaries = [&](auto value) {
      std::string m = "{";
      for (std::size_t b = 0; b < kBoundaries.size(); ++b) {
        m += fmt::format("{}\"{}\": {}", b ? ", " : "", kBoundaries[b], json_number(value(b)));
      }
      return m + "}";
    };
    const double tokens = s.get("output_tokens");
    const auto energy = [&](std::size_t b) {
      return s.get(fmt::format("energy_{}_j", kBoundaries[b]));
    };
    const auto pct = [&](const char* what) {
      return fmt::format("{{\"p50\": {}, \"p90\": {}, \"p99\": {}}}",
                         json_number(s.get(fmt::format("{}_p50_s", what))),
                         json_number(s.get(fmt::format("{}_p90_s", what))),
                         json_number(s.get(fmt::format("{}_p99_s", what))));
    };
    const double goodput = s.get("goodput");
    out += fmt::format(
        "{}{{\"name\": {}, \"datacenter\": {}, \"accelerator\": {}, "
        "\"serving_constants_from\": {}, \"replicas\": {}, \"reserve\": {}, "
        "\"devices_per_replica\": {}, \"parameters\": {}, \"active_parameters\": {}, "
        "\"requests\": {}, \"rejected\": {}, \"finished\": {}, \"preemptions\": {}, "
        "\"output_tokens\": {}, \"output_tokens_per_s\": {}, \"energy_mwh\": {}, "
        "\"j_per_output_token\": {}, \"ttft_s\": {}, \"tpot_s\": {}, \"goodput\": {}, "
        "\"emissions_per_request_g\": {{\"location\": {}, \"market\": {}, \"embodied\": {}}}, "
        "\"embodied_g_per_device_hour\": {}, \"scale_ups\": {}, \"scale_downs\": {}, "
        "\"parked_device_hours\": {}, \"lent_device_hours\": {}, \"fidelity\": {}}}",
        i ? ", " : "", json_string(s.name), json_string(s.datacenter), json_string(s.accelerator),
        json_string(s.serving_constants_from), json_number(s.get("replicas")),
        json_number(s.get("reserve")), json_number(s.get("devices_per_replica")),
        json_number(s.get("parameters")), json_number(s.get("active_parameters")),
        json_number(s.get("requests")), json_number(s.get("rejected")),
        json_number(s.get("finished")), json_number(s.get("preemptions")), json_number(tokens),
        json_number(s.get("output_tokens_per_s")),
        boundaries([&](std::size_t b) { return energy(b) / kJoulesPerMwh; }),
        boundaries([&](std::size_t b) { return energy(b) / tokens; }), pct("ttft"), pct("tpot"),
        std::isnan(goodput) ? std::string("null") : json_number(goodput),
        json_number(per_request(s, "emissions_location_g")),
        json_number(per_request(s, "emissions_market_g")),
        json_number(per_request(s, "embodied_g")), json_number(s.get("embodied_g_per_device_hour")),
        json_number(s.get("scale_ups")), json_number(s.get("scale_downs")),
        json_number(s.get("parked_device_hours")), json_number(s.get("lent_device_hours")),
        s.fidelity.empty() ? std::string("null") : json_string(s.fidelity));
  }
  return out + "]";
}

}  // namespace

std::string render_table(const Report& r) {
  constexpr std::size_t kMaxJobRows = 30;
  std::size_t w = std::string_view("datacenter").size();
  for (std::size_t i = 0; i < std::min(r.jobs.size(), kMaxJobRows); ++i) {
    w = std::max(w, r.jobs[i].name.size());
  }
  for (const auto& d : r.datacenters) {
    w = std::max(w, d.name.size());
  }
  std::string out = fmt::format("scenario {} (seed {})\n\n", r.scenario, r.seed);
  const auto header = [&](std::string_view first) {
    return fmt::format("{:<{}}  {:>8}  {:>14}  {:>11}  {:>10}  {:>10}  {:>5}", first, w, "days",
                       "device-hours", "energy MWh", "loc tCO2e", "mkt tCO2e", "PUE");
  };
  const auto row = [&](const std::string& name, double days, double dh, double mwh, double loc,
                       double mkt, double pue) {
    return fmt::format("{:<{}}  {:>8.2f}  {:>14.4g}  {:>11.4g}  {:>10.4g}  {:>10.4g}  {:>5.3f}",
                       name, w, days, dh, mwh, loc, mkt, pue);
  };
  out += header("job") + "\n";
  for (std::size_t i = 0; i < std::min(r.jobs.size(), kMaxJobRows); ++i) {
    const auto& j = r.jobs[i];
    out += row(j.name, j.days, j.device_hours, j.energy_mwh, j.emissions_location_t,
               j.emissions_market_t, job_pue(j));
    out += j.finished ? "\n" : "  (unfinished)\n";
  }
  const auto shown = std::min(r.jobs.size(), kMaxJobRows);
  if (static_cast<std::size_t>(r.job_count) > shown) {
    out += fmt::format("... and {} more jobs (footprint report --format csv lists all)\n",
                       static_cast<std::size_t>(r.job_count) - shown);
  }
  out += '\n';
  out += header("datacenter");
  out +=
      fmt::format("  {:>8}  {:>9}  {:>8}  {:>9}\n", "peak MW", "design MW", "p99 MW", "emb tCO2e");
  const auto extra = [](const DatacenterRow& d) {
    return fmt::format(
        "  {:>8.3f}  {:>9}  {:>8.3f}  {:>9}\n", d.peak_facility_mw,
        d.design_peak_mw ? fmt::format("{:.3f}", *d.design_peak_mw) : "-", d.p99_facility_mw,
        std::isnan(d.embodied_t) ? std::string("-") : fmt::format("{:.4g}", d.embodied_t));
  };
  for (const auto& d : r.datacenters) {
    out += row(d.name, d.days, d.device_hours, d.energy_mwh, d.emissions_location_t,
               d.emissions_market_t, d.pue) +
           extra(d);
  }
  const auto& t = r.totals;
  out += row("total", t.days, t.device_hours, t.energy_mwh, t.emissions_location_t,
             t.emissions_market_t, t.pue) +
         extra(t);
  for (const auto& d : r.datacenters) {
    if (!d.design_peak_warning.empty()) {
      out += fmt::format("warning: design peak of {}: {}\n", d.name, d.design_peak_warning);
    }
  }
  for (const auto& d : r.datacenters) {
    if (!d.power_cap_mw) {
      continue;
    }
    out += fmt::format("power cap of {}: {:.4g} MW; peak {:.4g} MW ({:.1f} % of it)", d.name,
                       *d.power_cap_mw, d.peak_facility_mw,
                       100 * d.peak_facility_mw / *d.power_cap_mw);
    if (d.cap_exceeded_s) {
      out += fmt::format("; above it for {:.0f} s; {:.4g} device-hours held back by it",
                         *d.cap_exceeded_s, *d.cap_held_device_hours);
    }
    out += '\n';
  }
  for (const auto& d : r.datacenters) {
    if (d.marginal) {
      out += fmt::format(
          "signal of {}: its location-based figures (loc tCO2e, and its jobs' and services') "
          "use region {}'s marginal intensity, not the grid's average\n",
          d.name, d.region);
    }
  }
  for (const auto& d : r.datacenters) {
    if (!d.supply) {
      continue;
    }
    const auto& s = *d.supply;
    out += fmt::format(
        "supply of {}: 24/7 CFE {:.1f} %; carbon-free generated {:.4g} MWh, surplus {:.4g} MWh; "
        "grid import {:.4g} MWh (peak {:.4g} MW); tCO2e location {:.4g}, market annual matching "
        "{:.4g}, hourly matching {:.4g}\n",
        d.name, 100 * s.cfe_score, s.generated_mwh, s.surplus_mwh, s.import_mwh, s.peak_import_mw,
        d.emissions_location_t, s.market_annual_t, s.market_hourly_t);
  }
  for (const auto& d : r.datacenters) {
    if (!d.water) {
      continue;
    }
    const auto& water = *d.water;
    constexpr double kLitresPerCubicMetre = 1000.0;
    constexpr double kKwhPerMwh = 1000.0;
    out += fmt::format(
        "water of {}: on site {:.4g} m3 (WUE {:.3g} L/kWh of IT energy), off site {:.4g} m3 "
        "({:.3g} L/kWh of facility energy); {}\n",
        d.name, water.onsite_l / kLitresPerCubicMetre, water.wue_l_per_kwh,
        water.offsite_l / kLitresPerCubicMetre,
        d.energy_mwh > 0 ? water.offsite_l / (d.energy_mwh * kKwhPerMwh) : 0.0, water.how);
  }
  out += render_embodied_note(r);
  out += fmt::format(
      "\njobs finished {} of {}; mean wait {:.2f} h; restarts {}; lost {:.4g} "
      "device-hours",
      r.jobs_finished, r.job_count, r.mean_wait_h, r.restarts, r.lost_device_hours);
  if (r.pauses > 0) {
    out += fmt::format("; pauses {} ({:.4g} h)", r.pauses, r.paused_h);
  }
  if (r.borrowed_device_hours > 0) {
    out += fmt::format("; {:.4g} device-hours on services' parked devices, preempted {} times",
                       r.borrowed_device_hours, r.preemptions);
  }
  out += '\n';
  for (const auto& j : r.jobs) {
    if (j.power_limit_w) {
      out += fmt::format("power limit of {}: {:g} W per device, clock {:.3f} of full\n", j.name,
                         *j.power_limit_w, j.clock);
    }
  }
  if (r.comparison) {
    out += render_comparison(*r.comparison, r);
  }
  for (const auto& p : r.predicted) {
    out += render_predicted(p);
  }
  out += render_services(r);
  return out;
}

namespace {

/// A figure of the run summary or the comparison, as CSV and JSON give it: absent in a
/// trace written before it (monostate).
struct Figure {
  std::string name;  ///< with its unit
  std::variant<std::monostate, double, std::int64_t, std::uint64_t, std::string> value;
};

template <class T>
Figure figure(std::string name, const std::optional<T>& v) {
  Figure f{std::move(name), {}};
  if (v) {
    f.value = *v;
  }
  return f;
}

/// The table's run summary line and heading.
std::vector<Figure> summary_figures(const Report& r) {
  return {{"scenario", r.scenario},
          {"seed", r.seed},
          {"jobs", r.job_count},
          {"jobs_finished", r.jobs_finished},
          {"mean_wait_h", r.mean_wait_h},
          {"restarts", r.restarts},
          {"lost_device_hours", r.lost_device_hours},
          {"borrowed_device_hours", r.borrowed_device_hours},
          {"preemptions", r.preemptions},
          {"pauses", r.pauses},
          {"paused_h", r.paused_h}};
}

/// The table's comparison block.
std::vector<Figure> comparison_figures(const ComparisonRow& c) {
  return {{"baseline_policy", c.baseline_policy},
          figure("baseline_epoch_s", c.baseline_epoch_s),
          figure("baseline_forecast_error", c.baseline_forecast_error),
          figure("baseline_tolerance", c.baseline_tolerance),
          figure("baseline_backfill_depth", c.baseline_backfill_depth),
          {"jobs_compared", c.jobs_compared},
          figure("matched_emissions_location_t", c.matched_emissions_location_t),
          figure("matched_emissions_market_t", c.matched_emissions_market_t),
          figure("matched_baseline_emissions_location_t", c.matched_baseline_emissions_location_t),
          figure("matched_baseline_emissions_market_t", c.matched_baseline_emissions_market_t),
          {"emissions_saved_location_t", c.saved_location_t},
          {"emissions_saved_market_t", c.saved_market_t},
          figure("emissions_saved_location_fraction", c.saved_location_fraction),
          figure("emissions_saved_market_fraction", c.saved_market_fraction),
          {"start_delay_h", c.start_delay_h},
          {"energy_mwh", c.energy_mwh},
          {"emissions_location_t", c.emissions_location_t},
          {"emissions_market_t", c.emissions_market_t},
          {"baseline_energy_mwh", c.baseline_energy_mwh},
          {"baseline_emissions_location_t", c.baseline_emissions_location_t},
          {"baseline_emissions_market_t", c.baseline_emissions_market_t},
          {"site_energy_saved_mwh", c.site_energy_saved_mwh},
          {"site_emissions_saved_location_t", c.site_emissions_saved_location_t},
          {"site_emissions_saved_market_t", c.site_emissions_saved_market_t},
          {"baseline_jobs_finished", c.baseline_jobs_finished},
          {"baseline_mean_wait_h", c.baseline_mean_wait_h}};
}

std::string csv_value(const Figure& f) {
  return std::visit(
      [](const auto& v) -> std::string {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::monostate>) {
          return {};
        } else if constexpr (std::is_same_v<V, double>) {
          return csv_number(v);
        } else if constexpr (std::is_same_v<V, std::string>) {
          return csv_field(v);
        } else {
          return fmt::format("{}", v);
        }
      },
      f.value);
}

std::string json_value(const Figure& f) {
  return std::visit(
      [](const auto& v) -> std::string {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::monostate>) {
          return "null";
        } else if constexpr (std::is_same_v<V, double>) {
          return json_number(v);
        } else if constexpr (std::is_same_v<V, std::string>) {
          return json_string(v);
        } else {
          return fmt::format("{}", v);
        }
      },
      f.value);
}

std::string json_object(const std::vector<Figure>& figures) {
  std::string out = "{";
  for (std::size_t i = 0; i < figures.size(); ++i) {
    out += fmt::format("{}{}: {}", i ? ", " : "", json_string(figures[i].name),
                       json_value(figures[i]));
  }
  return out + "}";
}

}  // namespace

std::string render_csv(const Report& r) {
  std::string out =
      "kind,name,datacenter,accelerator,devices,steps,days,device_hours,it_energy_mwh,"
      "energy_mwh,emissions_location_t,emissions_market_t,pue,embodied_t,peak_facility_mw,"
      "p99_facility_mw,design_peak_facility_mw,design_peak_time_s,design_peak_warning,"
      "power_cap_mw,cap_exceeded_s,cap_held_device_hours,value\n";
  for (const auto& j : r.jobs) {
    out += fmt::format(
        "job,{},{},{},{},{},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},,,,,,,,"
        ",\n",
        csv_field(j.name), csv_field(j.datacenter), csv_field(j.accelerator), j.devices, j.steps,
        j.days, j.device_hours, j.it_energy_mwh, j.energy_mwh, j.emissions_location_t,
        j.emissions_market_t, job_pue(j), j.embodied_t);
  }
  // Empty for a figure the trace does not have.
  const auto maybe = [](const std::optional<double>& v) {
    return v ? fmt::format("{:.17g}", *v) : std::string();
  };
  const auto dc = [&](std::string_view kind, const DatacenterRow& d) {
    return fmt::format(
        "{},{},,,,,{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},"
        "{:.17g},{},{},{},{},{},{},\n",
        kind, csv_field(d.name), d.days, d.device_hours, d.it_energy_mwh, d.energy_mwh,
        d.emissions_location_t, d.emissions_market_t, d.pue, d.embodied_t, d.peak_facility_mw,
        d.p99_facility_mw, maybe(d.design_peak_mw), maybe(d.design_peak_time_s),
        csv_field(d.design_peak_warning), maybe(d.power_cap_mw), maybe(d.cap_exceeded_s),
        maybe(d.cap_held_device_hours));
  };
  for (const auto& d : r.datacenters) {
    out += dc("datacenter", d);
  }
  out += dc("total", r.totals);
  const auto figures = [&](std::string_view kind, const std::vector<Figure>& list) {
    for (const auto& f : list) {
      out += fmt::format("{},{},,,,,,,,,,,,,,,,,,,,,{}\n", kind, f.name, csv_value(f));
    }
  };
  figures("summary", summary_figures(r));
  for (const auto& srv : r.services) {
    std::vector<Figure> list;
    for (const auto& [k, v] : srv.figures) {
      list.push_back({srv.name + "." + k, v});
    }
    figures("service", list);
  }
  if (r.comparison) {
    figures("comparison", comparison_figures(*r.comparison));
  }
  return out;
}

std::string render_json(const Report& r) {
  std::string out =
      fmt::format("{{\"scenario\": {}, \"seed\": {}, \"jobs\": [", json_string(r.scenario), r.seed);
  for (std::size_t i = 0; i < r.jobs.size(); ++i) {
    const auto& j = r.jobs[i];
    out += fmt::format(
        "{}{{\"name\": {}, \"datacenter\": {}, \"accelerator\": {}, \"devices\": {}, "
        "\"steps\": {}, \"start_s\": {}, \"end_s\": {}, \"days\": {:.17g}, "
        "\"device_hours\": {:.17g}, \"flops\": {}, \"it_energy_mwh\": {:.17g}, "
        "\"energy_mwh\": {:.17g}, \"pue\": {:.17g}, \"emissions_location_t\": {:.17g}, "
        "\"emissions_market_t\": {:.17g}, \"embodied_t\": {}, \"finished\": {}, "
        "\"submit_s\": {:.17g}, \"wait_s\": {}, \"restarts\": {}}}",
        i ? ", " : "", json_string(j.name), json_string(j.datacenter), json_string(j.accelerator),
        j.devices, j.steps, json_number(j.start_s), json_number(j.end_s), j.days, j.device_hours,
        json_number(j.flops), j.it_energy_mwh, j.energy_mwh, job_pue(j), j.emissions_location_t,
        j.emissions_market_t, json_number(j.embodied_t), j.finished ? "true" : "false", j.submit_s,
        json_number(j.wait_s), j.restarts);
  }
  const auto dc = [](const DatacenterRow& d) {
    std::vector<std::string> unpublished;
    for (const auto& type : d.embodied_unpublished) {
      unpublished.push_back(json_string(type));
    }
    return fmt::format(
        "{{\"name\": {}, \"region\": {}, \"days\": {:.17g}, \"device_hours\": {:.17g}, "
        "\"it_energy_mwh\": {:.17g}, \"energy_mwh\": {:.17g}, \"pue\": {:.17g}, "
        "\"emissions_location_t\": {:.17g}, \"emissions_market_t\": {:.17g}, "
        "\"embodied_t\": {}, \"embodied_unpublished\": [{}], \"peak_facility_mw\": {:.17g}, "
        "\"p99_facility_mw\": {:.17g}, \"design_peak_facility_mw\": {}, "
        "\"design_peak_time_s\": {}, \"design_peak_warning\": {}, \"power_cap_mw\": {}, "
        "\"cap_exceeded_s\": {}, \"cap_held_device_hours\": {}, \"jobs_finished\": {}, "
        "\"jobs_energy_mwh\": {:.17g}, \"jobs_emissions_location_t\": {:.17g}, "
        "\"jobs_emissions_market_t\": {:.17g}, \"mean_wait_h\": {}, \"p95_wait_h\": {}}}",
        json_string(d.name), json_string(d.region), d.days, d.device_hours, d.it_energy_mwh,
        d.energy_mwh, d.pue, d.emissions_location_t, d.emissions_market_t,
        json_number(d.embodied_t), fmt::join(unpublished, ", "), d.peak_facility_mw,
        d.p99_facility_mw, optional_json(d.design_peak_mw), optional_json(d.design_peak_time_s),
        json_string(d.design_peak_warning), optional_json(d.power_cap_mw),
        optional_json(d.cap_exceeded_s), optional_json(d.cap_held_device_hours), d.jobs_finished,
        d.jobs_energy_mwh, d.jobs_emissions_location_t, d.jobs_emissions_market_t,
        json_number(d.mean_wait_h), json_number(d.p95_wait_h));
  };
  out += "], \"datacenters\": [";
  for (std::size_t i = 0; i < r.datacenters.size(); ++i) {
    out += (i ? ", " : "") + dc(r.datacenters[i]);
  }
  out += "], \"totals\": " + dc(r.totals);
  out += ", \"summary\": " + json_object(summary_figures(r));
  out += ", \"services\": " + render_services_json(r);
  out += ", \"comparison\": " +
         (r.comparison ? json_object(comparison_figures(*r.comparison)) : std::string("null"));
  return out + "}\n";
}

}  // namespace footprint::analysis
