#include "sim/app/trace/trace.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "models/workloads/power_limit.hpp"
#include "models/workloads/training.hpp"
#include "models/workloads/transformer.hpp"
#include "sim/kernel/hash/sha256.hpp"
#include "sim/kernel/hdf5/hdf5.hpp"
#include "sim/kernel/schema/trace_schema.hpp"
#include "sim/kernel/units/quantity.hpp"
#include "sim/kernel/units/utc.hpp"

namespace footprint::io {
namespace {

double sum(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0);
}

/// The 99th percentile of interval means (nearest rank).
double p99(std::vector<double> v) {
  if (v.empty()) {
    return 0;
  }
  constexpr double kQuantile = 0.99;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(kQuantile * static_cast<double>(v.size())));
  return v[std::max<std::size_t>(rank, 1) - 1];
}

using schema::ComparisonAttr;
using schema::DatacenterAttr;
using schema::ExpectedStepColumn;
using schema::FifoComparisonAttr;
using schema::JobColumn;
using schema::PredictedAttr;
using schema::RegionAttr;
using schema::RootAttr;
using schema::Series;
using schema::SimulatedPhaseColumn;
using schema::SummaryAttr;

using AttrValue = std::variant<double, std::int64_t, std::uint64_t, std::string,
                               std::vector<std::string>, std::vector<std::int64_t>>;

template <class Enum>
std::size_t index_of(Enum e) {
  return static_cast<std::size_t>(e);
}

schema::Type type_of(const AttrValue& v) {
  constexpr std::array<schema::Type, std::variant_size_v<AttrValue>> kTypes{
      schema::Type::kFloat64, schema::Type::kInt64,   schema::Type::kUInt64,
      schema::Type::kString,  schema::Type::kStrings, schema::Type::kInt64s};
  return kTypes.at(v.index());
}

/// One group's attributes, set by the schema's enum and written in its table's order.
template <class Enum, std::size_t N>
class Attributes {
 public:
  explicit Attributes(const std::array<schema::Field, N>& table) : table_(table) {}

  void set(Enum e, const AttrValue& v) { values_.at(index_of(e)) = v; }

  /// Writes rows [first, last] of the table; throws std::logic_error for a value not set
  /// or not of the schema's type.
  void write(Group& g, Enum first, Enum last) const {
    for (std::size_t i = index_of(first); i <= index_of(last); ++i) {
      const auto& f = table_[i];
      if (!values_[i] || type_of(*values_[i]) != f.type) {
        throw std::logic_error(fmt::format("trace attribute {}: no value of its type", f.name));
      }
      std::visit(
          [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::vector<std::string>>) {
              g.set_attr_strings(f.name, v);
            } else if constexpr (std::is_same_v<V, std::vector<std::int64_t>>) {
              g.set_attr_int64s(f.name, v);
            } else {
              g.set_attr(f.name, v);
            }
          },
          *values_[i]);
    }
  }

 private:
  const std::array<schema::Field, N>& table_;
  std::array<std::optional<AttrValue>, N> values_;
};

using DatacenterAttributes = Attributes<DatacenterAttr, schema::kDatacenterAttrCount>;
using SummaryAttributes = Attributes<SummaryAttr, schema::kSummaryAttrCount>;
using FifoComparisonAttributes = Attributes<FifoComparisonAttr, schema::kFifoComparisonAttrCount>;
using ComparisonAttributes = Attributes<ComparisonAttr, schema::kComparisonAttrCount>;
using RootAttributes = Attributes<RootAttr, schema::kRootAttrCount>;
using RegionAttributes = Attributes<RegionAttr, schema::kRegionAttrCount>;
using PredictedAttributes = Attributes<PredictedAttr, schema::kPredictedAttrCount>;
using ServiceAttributes = Attributes<schema::ServiceAttr, schema::kServiceAttrCount>;
using SupplyAttributes = Attributes<schema::SupplyAttr, schema::kSupplyAttrCount>;

/// The jobs a datacenter ran: device-hours held, and the span from the first start to the
/// last end.
struct JobSpan {
  double device_hours = 0;
  double first = std::numeric_limits<double>::infinity();
  double last = 0;
};

/// Every datacenter's JobSpan, in one pass over the jobs (in job order, as each sum is
/// defined): a pass per datacenter would read ten million outcomes a hundred times at ten
/// times the fleet year.
std::vector<JobSpan> job_spans(const scenario::RunResult& r, std::size_t datacenters) {
  std::vector<JobSpan> spans(datacenters);
  for (std::size_t j = 0; j < r.jobs.size(); ++j) {
    const auto& o = r.jobs[j];
    if (r.started[j] && o.datacenter < datacenters) {
      auto& s = spans[o.datacenter];
      s.device_hours += o.device_hours;
      s.first = std::min(s.first, units::to_seconds(o.start));
      s.last = std::max(s.last, units::to_seconds(o.finished() ? o.end : r.horizon));
    }
  }
  return spans;
}

void set_job_span(DatacenterAttributes& a, const JobSpan& s) {
  a.set(DatacenterAttr::kDeviceHours, s.device_hours);
  a.set(DatacenterAttr::kFirstStart, std::isfinite(s.first) ? s.first : 0.0);
  a.set(DatacenterAttr::kLastEnd, s.last);
}

/// A schema meaning (markdown) as a plain `long_name`: without the backquotes.
std::string plain(std::string_view meaning) {
  std::string out;
  out.reserve(meaning.size());
  for (const char c : meaning) {
    if (c != '`') {
      out.push_back(c);
    }
  }
  return out;
}

/// CF `cell_methods` of a series: how its value stands for its interval.
std::string_view cell_methods(schema::Reduction reduction) {
  switch (reduction) {
    case schema::Reduction::kSum:
      return "time: sum";
    case schema::Reduction::kTimeMean:
      return "time: mean";
    default:
      return {};
  }
}

/// The group's time coordinate (the dimension `time`, with `time_bounds` over `nv`).
Dataset write_time_coordinate(Group& g, const std::vector<double>& start, units::Seconds interval,
                              const std::string& units) {
  using schema::TimeCoordinate;
  const auto& tf = schema::field(schema::kTimeCoordinates, TimeCoordinate::kTime);
  const auto& bf = schema::field(schema::kTimeCoordinates, TimeCoordinate::kTimeBounds);
  Dataset time = g.write_vector(tf.name, start, units);
  time.set_attr("calendar", "standard");
  time.set_attr("standard_name", "time");
  time.set_attr("long_name", "start of the trace interval");
  time.set_attr("axis", "T");
  time.set_attr("bounds", bf.name);
  time.make_scale(schema::kTimeDimension);
  std::vector<double> bounds(2 * start.size());
  for (std::size_t k = 0; k < start.size(); ++k) {
    bounds[2 * k] = start[k];
    bounds[2 * k + 1] = start[k] + units::to_seconds(interval);
  }
  Dataset nv = g.create_dimension(schema::kBoundsDimension, 2);
  Dataset b = g.write_matrix(bf.name, bounds, start.size(), 2, units);
  b.set_attr("calendar", "standard");
  b.attach_scale(time, 0);
  b.attach_scale(nv, 1);
  return time;
}

/// /datacenters/<name>/supply: the hourly supply accounting (docs/grid.md, "Energy supply").
void write_supply(Group& dc, const scenario::Scenario& sc, const scenario::DatacenterSpec& spec,
                  const models::SupplyResult& s, std::size_t hours) {
  using schema::SupplyAttr;
  using schema::SupplySeries;
  constexpr double kJPerMwh = units::kJoulesPerMegawattHour;
  constexpr double kWPerMw = 1e6;
  SupplyAttributes a(schema::kSupplyAttributes);
  a.set(SupplyAttr::kCfeScore, s.score);
  a.set(SupplyAttr::kLoad, s.total_load_mwh * kJPerMwh);
  a.set(SupplyAttr::kCleanGenerated, s.total_clean_mwh * kJPerMwh);
  a.set(SupplyAttr::kCleanUsed, s.total_clean_used_mwh * kJPerMwh);
  a.set(SupplyAttr::kImport, s.total_import_mwh * kJPerMwh);
  a.set(SupplyAttr::kSurplus, s.total_surplus_mwh * kJPerMwh);
  a.set(SupplyAttr::kBatteryCapacity,
        spec.supply->battery ? spec.supply->battery->capacity_mwh * kJPerMwh : 0.0);
  a.set(SupplyAttr::kPeakImport, s.peak_import_mw * kWPerMw);
  a.set(SupplyAttr::kEmissionsLocation, s.emissions_location_g);
  a.set(SupplyAttr::kEmissionsMarketAnnual, s.emissions_market_annual_g);
  a.set(SupplyAttr::kEmissionsMarketHourly, s.emissions_market_hourly_g);
  Group g = dc.create_group(schema::kSupplyGroup);
  a.write(g, SupplyAttr::kCfeScore, SupplyAttr::kEmissionsMarketHourly);
  std::vector<double> start(hours);
  for (std::size_t k = 0; k < hours; ++k) {
    start[k] = static_cast<double>(k) * units::kSecondsPerHour;
  }
  const Dataset time =
      write_time_coordinate(g, start, units::hours(1),
                            fmt::format("seconds since {}", units::format_utc(sc.epoch_unix_s)));
  const auto joules = [&](const std::vector<double>& mwh) {
    std::vector<double> out(mwh.size());
    std::transform(mwh.begin(), mwh.end(), out.begin(), [&](double v) { return v * kJPerMwh; });
    return out;
  };
  std::array<std::vector<double>, schema::kSupplySeriesCount> values;
  const auto at = [&](SupplySeries x) -> std::vector<double>& {
    return values.at(static_cast<std::size_t>(x));
  };
  at(SupplySeries::kLoad) = joules(s.load_mwh);
  at(SupplySeries::kCleanGenerated) = joules(s.clean_mw);
  at(SupplySeries::kCleanUsed) = joules(s.clean_used_mwh);
  at(SupplySeries::kCharge) = joules(s.charge_mwh);
  at(SupplySeries::kDischarge) = joules(s.discharge_mwh);
  at(SupplySeries::kImport) = joules(s.import_mwh);
  at(SupplySeries::kSurplus) = joules(s.surplus_mwh);
  at(SupplySeries::kSoc) = s.soc;
  at(SupplySeries::kGridCfe) = s.grid_cfe;
  at(SupplySeries::kCfeScore) = s.cfe_score;
  at(SupplySeries::kIntensity) = s.intensity;
  for (std::size_t i = 0; i < schema::kSupplySeriesCount; ++i) {
    const auto& f = schema::kSupplySeries[i];
    values[i].resize(hours, 0.0);
    Dataset series = g.write_vector(f.name, values[i], f.unit);
    series.set_attr("long_name", plain(f.meaning));
    if (const auto m = cell_methods(f.reduction); !m.empty()) {
      series.set_attr("cell_methods", m);
    }
    series.attach_scale(time);
  }
}

void write_datacenter(Group& parent, const scenario::Scenario& sc, std::size_t d,
                      const scenario::RunResult& r, const JobSpan& span) {
  const auto& spec = sc.datacenters[d];
  const auto& t = r.datacenters[d];
  const auto& s = r.summaries[d];
  DatacenterAttributes a(schema::kDatacenterAttributes);
  a.set(DatacenterAttr::kIndex, static_cast<std::int64_t>(d));
  a.set(DatacenterAttr::kRegion, sc.regions[spec.region].name);
  a.set(DatacenterAttr::kCooling, spec.cooling.model == scenario::CoolingSpec::Model::kConstant
                                      ? std::string("constant")
                                      : std::string("economizer-chiller"));
  std::vector<std::string> types;
  std::vector<std::int64_t> counts;
  std::vector<std::int64_t> has_embodied;
  for (const auto& item : spec.inventory) {
    types.push_back(item.accelerator);
    counts.push_back(item.count);
    const auto* type = sc.accelerators.find(item.accelerator);
    has_embodied.push_back(type != nullptr && type->embodied ? 1 : 0);
  }
  a.set(DatacenterAttr::kAcceleratorTypes, std::move(types));
  a.set(DatacenterAttr::kAcceleratorCounts, std::move(counts));
  a.set(DatacenterAttr::kAcceleratorHasEmbodied, std::move(has_embodied));
  a.set(DatacenterAttr::kPowerCap, spec.power_cap ? units::to_watts(*spec.power_cap)
                                                  : std::numeric_limits<double>::quiet_NaN());
  a.set(DatacenterAttr::kWater, d < r.water.size() ? r.water[d] : std::string());
  a.set(DatacenterAttr::kItEnergy, units::to_joules(s.it_energy));
  a.set(DatacenterAttr::kEnergy, units::to_joules(s.energy));
  a.set(DatacenterAttr::kEmissionsLocation, units::to_grams(s.emissions_location));
  a.set(DatacenterAttr::kEmissionsMarket, units::to_grams(s.emissions_market));
  a.set(DatacenterAttr::kEmbodied, units::to_grams(s.embodied));
  a.set(DatacenterAttr::kPeakFacilityPower, units::to_watts(s.peak_facility_power));
  a.set(DatacenterAttr::kP99FacilityPower, p99(t[Series::kFacilityPower]));
  const auto& design = r.design_peaks.at(d);
  a.set(DatacenterAttr::kDesignPeakFacilityPower, units::to_watts(design.facility.total()));
  a.set(DatacenterAttr::kDesignPeakTime, design.at.to_seconds());
  a.set(DatacenterAttr::kDesignPeakWarning, design.not_for_extremes);
  a.set(DatacenterAttr::kCapExceeded, spec.power_cap ? units::to_seconds(s.cap_exceeded)
                                                     : std::numeric_limits<double>::quiet_NaN());
  a.set(DatacenterAttr::kCapHeldDeviceHours,
        (s.cap_held_device_s + s.cap_paused_device_s) / units::kSecondsPerHour);
  a.set(DatacenterAttr::kCoolingEnergy, sum(t[Series::kCoolingEnergy]));
  set_job_span(a, span);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double it_kwh = units::to_joules(s.it_energy) / units::kJoulesPerKilowattHour;
  a.set(DatacenterAttr::kWaterOnsite, spec.water ? units::to_litres(s.water_onsite) : nan);
  a.set(DatacenterAttr::kWaterOffsite, spec.water ? units::to_litres(s.water_offsite) : nan);
  a.set(DatacenterAttr::kWue,
        spec.water && it_kwh > 0 ? units::to_litres(s.water_onsite) / it_kwh : nan);

  Group g = parent.create_group(spec.name);
  const auto before_series =
      static_cast<DatacenterAttr>(index_of(schema::kFirstDatacenterTotal) - 1);
  a.write(g, DatacenterAttr::kIndex, before_series);
  const Dataset time =
      write_time_coordinate(g, t[Series::kTime], r.interval,
                            fmt::format("seconds since {}", units::format_utc(sc.epoch_unix_s)));
  for (std::size_t i = 0; i < schema::kSeriesCount; ++i) {
    const auto& f = schema::kDatacenterSeries[i];
    // One series at a time: derived from the datacenter's integrals, written, released.
    Dataset series = g.write_vector(f.name, t[static_cast<Series>(i)], f.unit);
    series.set_attr("long_name", plain(f.meaning));
    if (const auto m = cell_methods(f.reduction); !m.empty()) {
      series.set_attr("cell_methods", m);
    }
    series.attach_scale(time);
  }
  a.write(g, schema::kFirstDatacenterTotal, DatacenterAttr::kWue);
  if (d < r.supply.size() && r.supply[d]) {
    write_supply(g, sc, spec, *r.supply[d], r.supply_hours);
  }
}

/// Where a series comes from, as `source` says it.
std::string source_of(const scenario::SeriesSource& s) {
  return s.profile.empty() ? s.given : "built-in:" + s.profile;
}

/// /regions/<name>: each region's carbon signals and their sources.
void write_regions(Group& root, const scenario::Scenario& sc) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  Group all = root.create_group(schema::kRegionsGroup);
  for (std::size_t i = 0; i < sc.regions.size(); ++i) {
    const auto& reg = sc.regions[i];
    RegionAttributes a(schema::kRegionAttributes);
    a.set(RegionAttr::kIndex, static_cast<std::int64_t>(i));
    a.set(RegionAttr::kSignal, std::string(reg.series ? "series" : "constant"));
    a.set(RegionAttr::kIntensityKind,
          std::string(reg.series && reg.series->marginal ? "marginal" : "average"));
    a.set(RegionAttr::kSource, reg.series ? source_of(*reg.series) : std::string("scenario"));
    a.set(RegionAttr::kIntensity, reg.series ? kNaN : units::to_grams_per_kwh(reg.intensity));
    std::string market = "location";
    std::string market_source = reg.series ? source_of(*reg.series) : std::string("scenario");
    if (reg.market_intensity) {
      market = "constant";
      market_source = "scenario";
    } else if (reg.cfe_annual) {
      market = "annual-cfe";
      market_source = "scenario";
    } else if (reg.cfe_hourly) {
      market = "hourly-cfe";
      market_source = source_of(*reg.cfe_hourly);
    }
    a.set(RegionAttr::kMarketSignal, market);
    a.set(RegionAttr::kMarketSource, market_source);
    a.set(RegionAttr::kMarketIntensity,
          reg.market_intensity ? units::to_grams_per_kwh(*reg.market_intensity) : kNaN);
    a.set(RegionAttr::kCfeFraction, reg.cfe_annual ? *reg.cfe_annual : kNaN);
    Group g = all.create_group(reg.name);
    a.write(g, RegionAttr::kIndex, RegionAttr::kCfeFraction);
  }
}

/// A table's columns, typed and ordered by the schema's table.
template <class Enum, std::size_t N>
class Columns {
 public:
  Columns(const std::array<schema::Field, N>& table, std::size_t rows) : table_(table) {
    for (std::size_t c = 0; c < N; ++c) {
      switch (table_[c].type) {
        case schema::Type::kString:
          columns_[c] = std::vector<std::string>(rows);
          break;
        case schema::Type::kInt64:
          columns_[c] = std::vector<std::int64_t>(rows);
          break;
        case schema::Type::kFloat64:
        case schema::Type::kUInt64:
          columns_[c] = std::vector<double>(rows);
          break;
        case schema::Type::kStrings:
        case schema::Type::kInt64s:
        case schema::Type::kFloat64x2:
          throw std::logic_error(
              fmt::format("trace column {}: no such column type", table_[c].name));
      }
    }
  }

  /// Row `row` of column `c`; T must be the column's type.
  template <class T>
  T& at(Enum c, std::size_t row) {
    return std::get<std::vector<T>>(columns_[index_of(c)])[row];
  }

  /// Writes the table as group `name` of `parent` along the dimension `dimension`.
  void write(Group& parent, std::string_view name, std::string_view dimension) && {
    TableWriter t;
    for (std::size_t c = 0; c < N; ++c) {
      const auto& f = table_[c];
      std::visit(
          [&](auto&& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::vector<std::string>>) {
              t.add_string_column(std::string(f.name), std::forward<decltype(v)>(v));
            } else if constexpr (std::is_same_v<V, std::vector<std::int64_t>>) {
              t.add_int64_column(std::string(f.name), std::forward<decltype(v)>(v),
                                 std::string(f.unit));
            } else {
              t.add_double_column(std::string(f.name), std::forward<decltype(v)>(v),
                                  std::string(f.unit));
            }
          },
          std::move(columns_[c]));
      t.describe(f.name, plain(f.meaning));
    }
    t.write_columns(parent, name, dimension);
  }

 private:
  using Column =
      std::variant<std::vector<double>, std::vector<std::int64_t>, std::vector<std::string>>;
  const std::array<schema::Field, N>& table_;
  std::array<Column, N> columns_;
};

using ExpectedStepColumns = Columns<ExpectedStepColumn, schema::kExpectedStepColumnCount>;
using SimulatedPhaseColumns = Columns<SimulatedPhaseColumn, schema::kSimulatedPhaseColumnCount>;
using RequestColumns = Columns<schema::RequestColumn, schema::kRequestColumnCount>;

/// /jobs, written a column at a time (a fleet of ten million jobs would otherwise hold its
/// whole table twice: the run's outcomes and the columns built from them).
void write_jobs(Group& root, const scenario::Scenario& sc, const scenario::RunResult& r) {
  const auto n = r.jobs.size();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  // The listed jobs come first in the fleet's table (plan.cpp); only they have limits.
  const std::size_t listed = std::min(sc.jobs.size(), n);
  std::vector<double> power_limit(listed, kNaN);
  std::vector<double> clock(listed, 1.0);
  for (std::size_t j = 0; j < listed; ++j) {
    const auto& spec = sc.jobs[j];
    if (!spec.power_limit) {
      continue;
    }
    power_limit[j] = units::to_watts(*spec.power_limit);
    if (spec.predicted) {
      for (const auto& [id, p] : r.predicted) {
        if (id == j) {
          clock[j] = p.clock;
        }
      }
    } else {
      clock[j] = models::plan_training(spec, *sc.accelerators.find(spec.accelerator)).clock;
    }
  }
  const auto text = [&](JobColumn c, std::size_t j) -> std::string {
    const auto& o = r.jobs[j];
    switch (c) {
      case JobColumn::kName:
        return r.job_names[j];
      case JobColumn::kDatacenter:
        return r.started[j] ? sc.datacenters[o.datacenter].name : std::string();
      case JobColumn::kAccelerator:
        return r.tables->types[r.tables->jobs[j].type].name;
      default:
        break;
    }
    throw std::logic_error(fmt::format("/jobs column {}: not a string", index_of(c)));
  };
  const auto integer = [&](JobColumn c, std::size_t j) -> std::int64_t {
    const auto& o = r.jobs[j];
    switch (c) {
      case JobColumn::kDevices:
        return r.tables->jobs[j].devices;
      case JobColumn::kFinished:
        return o.finished() ? 1 : 0;
      case JobColumn::kPods:
        return r.dispatches.empty() ? 0 : r.dispatches[j].pods;
      case JobColumn::kSteps:
        return o.steps;
      case JobColumn::kRestarts:
        return o.restarts;
      case JobColumn::kPreemptions:
        return o.preemptions;
      case JobColumn::kCheckpoints:
        return o.checkpoints;
      case JobColumn::kPauses:
        return o.pauses;
      case JobColumn::kCapWaits:
        return o.cap_pauses;
      default:
        break;
    }
    throw std::logic_error(fmt::format("/jobs column {}: not an integer", index_of(c)));
  };
  const auto number = [&](JobColumn c, std::size_t j) -> double {
    const auto& f = r.tables->jobs[j];
    const auto& o = r.jobs[j];
    const bool water = r.started[j] && sc.datacenters[o.datacenter].water.has_value();
    switch (c) {
      case JobColumn::kSubmit:
        return f.submit.to_seconds();
      case JobColumn::kStart:
        return r.started[j] ? units::to_seconds(o.start) : kNaN;
      case JobColumn::kEnd:
        return o.finished() ? units::to_seconds(o.end) : kNaN;
      case JobColumn::kWait:
        return r.started[j] ? units::to_seconds(o.start) - f.submit.to_seconds() : kNaN;
      case JobColumn::kPaused:
        return units::to_seconds(o.paused);
      case JobColumn::kCapWaited:
        return units::to_seconds(o.cap_paused);
      case JobColumn::kDeviceHours:
        return o.device_hours;
      case JobColumn::kLostDeviceHours:
        return o.lost_device_hours;
      case JobColumn::kBorrowedDeviceHours:
        return o.borrowed_device_hours;
      case JobColumn::kFlops:
        return f.flops;
      case JobColumn::kItEnergy:
        return units::to_joules(o.it_energy);
      case JobColumn::kEnergy:
        return units::to_joules(o.energy);
      case JobColumn::kEmissionsLocation:
        return units::to_grams(o.emissions_location);
      case JobColumn::kEmissionsMarket:
        return units::to_grams(o.emissions_market);
      case JobColumn::kEmbodied:
        return units::to_grams(o.embodied);
      case JobColumn::kWaterOnsite:
        return water ? units::to_litres(o.water_onsite) : kNaN;
      case JobColumn::kWaterOffsite:
        return water ? units::to_litres(o.water_offsite) : kNaN;
      case JobColumn::kPowerLimit:
        return j < listed ? power_limit[j] : kNaN;
      case JobColumn::kClock:
        return j < listed ? clock[j] : 1.0;
      default:
        break;
    }
    throw std::logic_error(fmt::format("/jobs column {}: not a number", index_of(c)));
  };
  // Rows are independent: each column is gathered in parallel (in the caller's oneTBB
  // arena), written, and released before the next.
  const auto gather = [n](auto& values, auto&& value_of) {
    values.resize(n);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 8192), [&](const auto& range) {
      for (std::size_t j = range.begin(); j != range.end(); ++j) {
        values[j] = value_of(j);
      }
    });
  };
  io::ColumnWriter w(root, schema::kJobsTable, schema::kJobDimension, n);
  // One buffer per type, reused column after column: a fresh one per column would be
  // zeroed and faulted in again (80 MB a column at ten million jobs).
  std::vector<std::int64_t> integers;
  std::vector<double> numbers;
  for (std::size_t i = 0; i < schema::kJobColumnCount; ++i) {
    const auto& f = schema::kJobColumns[i];
    const auto c = static_cast<JobColumn>(i);
    switch (f.type) {
      case schema::Type::kString: {
        // Strings a block of rows at a time: a column of ten million is 0.3-0.6 GB.
        w.write(
            f.name,
            [&](std::size_t first, std::span<std::string> out) {
              tbb::parallel_for(tbb::blocked_range<std::size_t>(0, out.size(), 8192),
                                [&](const auto& range) {
                                  for (std::size_t k = range.begin(); k != range.end(); ++k) {
                                    out[k] = text(c, first + k);
                                  }
                                });
            },
            {}, plain(f.meaning));
        break;
      }
      case schema::Type::kInt64: {
        gather(integers, [&](std::size_t j) { return integer(c, j); });
        w.write(f.name, std::span<const std::int64_t>(integers), f.unit, plain(f.meaning));
        break;
      }
      case schema::Type::kFloat64:
      case schema::Type::kUInt64: {
        gather(numbers, [&](std::size_t j) { return number(c, j); });
        w.write(f.name, std::span<const double>(numbers), f.unit, plain(f.meaning));
        break;
      }
      case schema::Type::kStrings:
      case schema::Type::kInt64s:
      case schema::Type::kFloat64x2:
        throw std::logic_error(fmt::format("trace column {}: no such column type", f.name));
    }
  }
  std::move(w).finish();
}

void set_totals(SummaryAttributes& a, const scenario::Totals& t) {
  a.set(SummaryAttr::kJobsEnergy, units::to_joules(t.jobs_energy));
  a.set(SummaryAttr::kJobsEmissionsLocation, units::to_grams(t.jobs_emissions_location));
  a.set(SummaryAttr::kJobsEmissionsMarket, units::to_grams(t.jobs_emissions_market));
  a.set(SummaryAttr::kItEnergy, units::to_joules(t.it_energy));
  a.set(SummaryAttr::kEnergy, units::to_joules(t.energy));
  a.set(SummaryAttr::kEmissionsLocation, units::to_grams(t.emissions_location));
  a.set(SummaryAttr::kEmissionsMarket, units::to_grams(t.emissions_market));
  a.set(SummaryAttr::kMeanWait, units::to_seconds(t.mean_wait));
  a.set(SummaryAttr::kJobsFinished, t.jobs_finished);
}

/// /summary/comparison: the comparison of a run (its totals `run`) with its baseline; with
/// a FIFO baseline also /summary/fifo and the /summary attributes of traces written
/// before /summary/comparison (docs/trace-format.md), which readers of those may expect.
void write_comparison(Group& summary, const scenario::Totals& run, const scenario::Comparison& c) {
  const auto& b = c.totals;
  ComparisonAttributes a(schema::kComparisonAttributes);
  a.set(ComparisonAttr::kBaselinePolicy, std::string(scenario::policy_name(c.baseline.policy)));
  a.set(ComparisonAttr::kBaselineEpoch, c.baseline.epoch.to_seconds());
  a.set(ComparisonAttr::kBaselineForecastError, c.baseline.forecast_error);
  a.set(ComparisonAttr::kBaselineTolerance, c.baseline.tolerance);
  a.set(ComparisonAttr::kBaselineBackfillDepth,
        static_cast<std::int64_t>(c.baseline.backfill_depth));
  a.set(ComparisonAttr::kJobsCompared, c.jobs_compared);
  a.set(ComparisonAttr::kMatchedLocation, units::to_grams(c.matched_location));
  a.set(ComparisonAttr::kMatchedMarket, units::to_grams(c.matched_market));
  a.set(ComparisonAttr::kMatchedBaselineLocation, units::to_grams(c.matched_baseline_location));
  a.set(ComparisonAttr::kMatchedBaselineMarket, units::to_grams(c.matched_baseline_market));
  a.set(ComparisonAttr::kSavedLocation, units::to_grams(c.saved_location()));
  a.set(ComparisonAttr::kSavedMarket, units::to_grams(c.saved_market()));
  a.set(ComparisonAttr::kSavedLocationFraction,
        scenario::saved_fraction(c.saved_location(), c.matched_baseline_location));
  a.set(ComparisonAttr::kSavedMarketFraction,
        scenario::saved_fraction(c.saved_market(), c.matched_baseline_market));
  a.set(ComparisonAttr::kStartDelay, units::to_seconds(c.delay));
  a.set(ComparisonAttr::kBaselineJobsEnergy, units::to_joules(b.jobs_energy));
  a.set(ComparisonAttr::kBaselineJobsEmissionsLocation, units::to_grams(b.jobs_emissions_location));
  a.set(ComparisonAttr::kBaselineJobsEmissionsMarket, units::to_grams(b.jobs_emissions_market));
  a.set(ComparisonAttr::kBaselineItEnergy, units::to_joules(b.it_energy));
  a.set(ComparisonAttr::kBaselineEnergy, units::to_joules(b.energy));
  a.set(ComparisonAttr::kBaselineEmissionsLocation, units::to_grams(b.emissions_location));
  a.set(ComparisonAttr::kBaselineEmissionsMarket, units::to_grams(b.emissions_market));
  a.set(ComparisonAttr::kBaselineMeanWait, units::to_seconds(b.mean_wait));
  a.set(ComparisonAttr::kBaselineJobsFinished, b.jobs_finished);
  a.set(ComparisonAttr::kSiteEnergySaved, units::to_joules(b.energy - run.energy));
  a.set(ComparisonAttr::kSiteSavedLocation,
        units::to_grams(b.emissions_location - run.emissions_location));
  a.set(ComparisonAttr::kSiteSavedMarket,
        units::to_grams(b.emissions_market - run.emissions_market));
  Group g = summary.create_group(schema::kComparisonGroup);
  a.write(g, ComparisonAttr::kBaselinePolicy, ComparisonAttr::kSiteSavedMarket);
  if (c.baseline.policy != models::Policy::kFifo) {
    return;
  }
  Group fifo_group = summary.create_group(schema::kFifoGroup);
  SummaryAttributes fifo(schema::kSummaryAttributes);
  set_totals(fifo, b);
  fifo.write(fifo_group, schema::kFirstRunTotal, schema::kLastRunTotal);
  FifoComparisonAttributes f(schema::kFifoComparisonAttributes);
  f.set(FifoComparisonAttr::kSavedLocation, units::to_grams(c.saved_location()));
  f.set(FifoComparisonAttr::kSavedMarket, units::to_grams(c.saved_market()));
  f.set(FifoComparisonAttr::kDelayAdded, units::to_seconds(c.delay));
  f.set(FifoComparisonAttr::kJobsCompared, c.jobs_compared);
  f.set(FifoComparisonAttr::kJobsFinishedFifo, b.jobs_finished);
  f.write(summary, FifoComparisonAttr::kSavedLocation, FifoComparisonAttr::kJobsFinishedFifo);
}

/// /summary: the run's totals and sums over its jobs; /summary/comparison when the run was
/// compared with a baseline.
void write_summary(Group& root, const scenario::Scenario& sc, const scenario::RunResult& r) {
  SummaryAttributes a(schema::kSummaryAttributes);
  double dh = 0;
  double lost = 0;
  double borrowed = 0;
  double job_embodied = 0;
  double makespan = 0;
  std::int64_t restarts = 0;
  std::int64_t preemptions = 0;
  std::int64_t pauses = 0;
  double paused_s = 0;
  for (const auto& o : r.jobs) {
    dh += o.device_hours;
    lost += o.lost_device_hours;
    borrowed += o.borrowed_device_hours;
    job_embodied += units::to_grams(o.embodied);
    restarts += o.restarts;
    preemptions += o.preemptions;
    pauses += o.pauses;
    paused_s += units::to_seconds(o.paused);
    makespan = std::max(makespan, units::to_seconds(o.end));
  }
  double fleet_embodied = 0;
  for (const auto& ds : r.summaries) {
    fleet_embodied += units::to_grams(ds.embodied);
  }
  a.set(SummaryAttr::kJobs, static_cast<std::int64_t>(r.jobs.size()));
  set_totals(a, r.totals);
  a.set(SummaryAttr::kDeviceHours, dh);
  a.set(SummaryAttr::kLostDeviceHours, lost);
  a.set(SummaryAttr::kBorrowedDeviceHours, borrowed);
  a.set(SummaryAttr::kRestarts, restarts);
  a.set(SummaryAttr::kPreemptions, preemptions);
  a.set(SummaryAttr::kPauses, pauses);
  a.set(SummaryAttr::kPaused, paused_s);
  a.set(SummaryAttr::kEmbodiedJobs, job_embodied);
  a.set(SummaryAttr::kEmbodiedFleet, fleet_embodied);
  a.set(SummaryAttr::kMakespan, makespan);
  a.set(SummaryAttr::kEvents, r.stats.events);
  double cfe = 0;
  double load = 0;
  double annual = 0;
  double hourly = 0;
  for (std::size_t d = 0; d < r.summaries.size(); ++d) {
    if (d < r.supply.size() && r.supply[d]) {
      cfe += r.supply[d]->total_cfe_mwh;
      load += r.supply[d]->total_load_mwh;
      annual += r.supply[d]->emissions_market_annual_g;
      hourly += r.supply[d]->emissions_market_hourly_g;
    } else {
      annual += units::to_grams(r.summaries[d].emissions_market);
      hourly += units::to_grams(r.summaries[d].emissions_market);
    }
  }
  a.set(SummaryAttr::kCfeScore, load > 0 ? cfe / load : std::numeric_limits<double>::quiet_NaN());
  a.set(SummaryAttr::kEmissionsMarketAnnual, annual);
  a.set(SummaryAttr::kEmissionsMarketHourly, hourly);
  bool any_water = false;
  double onsite = 0;
  double offsite = 0;
  for (std::size_t d = 0; d < r.summaries.size(); ++d) {
    if (sc.datacenters[d].water) {
      any_water = true;
      onsite += units::to_litres(r.summaries[d].water_onsite);
      offsite += units::to_litres(r.summaries[d].water_offsite);
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  a.set(SummaryAttr::kWaterOnsite, any_water ? onsite : nan);
  a.set(SummaryAttr::kWaterOffsite, any_water ? offsite : nan);
  Group s = root.create_group(schema::kSummaryGroup);
  a.write(s, SummaryAttr::kJobs, SummaryAttr::kWaterOffsite);
  if (r.comparison) {
    write_comparison(s, r.totals, *r.comparison);
  }
}

std::string recompute_name(models::Recompute r) {
  switch (r) {
    case models::Recompute::kNone:
      return "none";
    case models::Recompute::kSelective:
      return "selective";
    case models::Recompute::kFull:
      return "full";
    case models::Recompute::kDots:
      return "dots";
  }
  throw std::logic_error("trace: unknown recompute");
}

std::string shard_name(models::Sharding s) {
  switch (s) {
    case models::Sharding::kNone:
      return "none";
    case models::Sharding::kOptimizer:
      return "optimizer";
    case models::Sharding::kGradients:
      return "gradients";
    case models::Sharding::kParameters:
      return "parameters";
  }
  throw std::logic_error("trace: unknown sharding");
}

/// /predicted/<job>: a job whose throughput the step model predicted: its layout and
/// precision, its expected step by phase, and where the simulated run's time and energy
/// went.
void write_predicted(Group& root, const scenario::RunResult& r) {
  if (r.predicted.empty()) {
    return;
  }
  Group all = root.create_group(schema::kPredictedGroup);
  for (const auto& [id, p] : r.predicted) {
    const auto& job = r.tables->jobs.at(id);
    const auto& chip = r.tables->types.at(job.type);
    const auto devices = static_cast<double>(job.devices);
    PredictedAttributes a(schema::kPredictedAttributes);
    a.set(PredictedAttr::kJob, static_cast<std::int64_t>(id));
    a.set(PredictedAttr::kData, p.layout.data);
    a.set(PredictedAttr::kTensor, p.layout.tensor);
    a.set(PredictedAttr::kPipeline, p.layout.pipeline);
    a.set(PredictedAttr::kExpert, p.layout.expert);
    a.set(PredictedAttr::kMicrobatches, p.layout.microbatches);
    a.set(PredictedAttr::kContext, p.layout.context);
    a.set(PredictedAttr::kVirtualStages, p.layout.virtual_stages);
    a.set(PredictedAttr::kAutoLayout, static_cast<std::int64_t>(p.auto_layout ? 1 : 0));
    a.set(PredictedAttr::kCompute, models::compute_format_name(chip, p.precision.compute));
    a.set(PredictedAttr::kRecompute, recompute_name(p.precision.recompute));
    a.set(PredictedAttr::kAttentionScores,
          std::string(p.model.scores == models::AttentionScores::kMaterialised ? "materialised"
                                                                               : "fused"));
    a.set(PredictedAttr::kAttentionDropout, p.model.attention_dropout);
    a.set(PredictedAttr::kRoutingGroups, p.model.routing_groups);
    a.set(PredictedAttr::kRoutingGroupLimit, p.model.routing_group_limit);
    a.set(PredictedAttr::kDispatchCopies,
          std::string(p.dispatch.per_domain ? "per_domain" : "per_expert"));
    a.set(PredictedAttr::kDispatchFormat, models::compute_format_name(chip, p.dispatch.format));
    a.set(PredictedAttr::kDispatchOverlap, p.dispatch.overlap);
    a.set(PredictedAttr::kShard, shard_name(p.precision.shard));
    a.set(PredictedAttr::kShardGroup, p.precision.shard_group);
    a.set(PredictedAttr::kOffloadLayers, p.precision.offload_layers);
    const models::TransformerCounts counts = models::count_transformer(p.model);
    a.set(PredictedAttr::kParameters, counts.parameters);
    a.set(PredictedAttr::kActiveParameters, counts.active_parameters);
    a.set(PredictedAttr::kFlopsPerStep, p.flops_per_step);
    a.set(PredictedAttr::kTokensPerStep, p.tokens_per_step);
    units::Seconds expected;
    for (const auto& ph : p.phases) {
      expected += ph.duration;
    }
    a.set(PredictedAttr::kExpectedStep, units::to_seconds(expected));
    a.set(PredictedAttr::kExpectedMfu, p.mfu);
    a.set(PredictedAttr::kErrorBand, p.error_band);
    a.set(PredictedAttr::kBorrowedFrom, p.borrowed_from);
    Group g = all.create_group(r.job_names[id]);
    const auto before_simulated =
        static_cast<PredictedAttr>(index_of(schema::kFirstSimulatedAttr) - 1);
    a.write(g, PredictedAttr::kJob, before_simulated);
    if (p.simulated) {
      const auto& s = *p.simulated;
      const double seconds = units::to_seconds(s.duration);
      const double energy = units::to_joules(s.energy);
      a.set(PredictedAttr::kSeconds, seconds);
      a.set(PredictedAttr::kEnergy, energy);
      a.set(PredictedAttr::kMeanStep, units::to_seconds(s.mean_step));
      a.set(PredictedAttr::kMaxStep, units::to_seconds(s.max_step));
      a.set(PredictedAttr::kDroppedTokenFraction, s.dropped_token_fraction);
      a.set(PredictedAttr::kMfu,
            seconds > 0
                ? p.flops_per_step * static_cast<double>(s.steps) /
                      (devices * seconds *
                       units::to_flops_per_second(models::matmul_peak(chip, p.precision.compute)))
                : 0.0);
      a.write(g, schema::kFirstSimulatedAttr, PredictedAttr::kMfu);
      SimulatedPhaseColumns t(schema::kSimulatedPhaseColumns, s.phase_names.size());
      for (std::size_t i = 0; i < s.phase_names.size(); ++i) {
        const double x = units::to_seconds(s.phase_durations.at(i));
        const double e = units::to_joules(s.phase_energies.at(i));
        t.at<std::string>(SimulatedPhaseColumn::kPhase, i) = s.phase_names[i];
        t.at<double>(SimulatedPhaseColumn::kSeconds, i) = x;
        t.at<double>(SimulatedPhaseColumn::kFraction, i) = seconds > 0 ? x / seconds : 0.0;
        t.at<double>(SimulatedPhaseColumn::kEnergy, i) = e;
        t.at<double>(SimulatedPhaseColumn::kEnergyFraction, i) = energy > 0 ? e / energy : 0.0;
      }
      std::move(t).write(g, schema::kPhasesTable, schema::kPhaseDimension);
    }
    const auto slack = models::slack_saving(p.phases, chip.idle);
    const double device_steps = devices * static_cast<double>(job.steps);
    a.set(PredictedAttr::kSlackSavingBubble, units::to_joules(slack.bubble * device_steps));
    a.set(PredictedAttr::kSlackSavingCommunication,
          units::to_joules(slack.communication * device_steps));
    a.write(g, PredictedAttr::kSlackSavingBubble, PredictedAttr::kSlackSavingCommunication);
    ExpectedStepColumns e(schema::kExpectedStepColumns, p.phases.size());
    for (std::size_t i = 0; i < p.phases.size(); ++i) {
      const auto& ph = p.phases[i];
      e.at<std::string>(ExpectedStepColumn::kPhase, i) = ph.name;
      e.at<double>(ExpectedStepColumn::kSeconds, i) = units::to_seconds(ph.duration);
      e.at<double>(ExpectedStepColumn::kPower, i) = units::to_watts(ph.power);
      e.at<double>(ExpectedStepColumn::kEnergy, i) =
          units::to_joules(ph.duration * ph.power) * devices;
    }
    std::move(e).write(g, schema::kExpectedStepTable, schema::kPhaseDimension);
  }
}

/// The services (docs/trace-format.md, "/services/<name>/"): one group each, with its
/// figures as attributes, its per-interval series and a table of request rows.
void write_services(Group& root, const scenario::Scenario& sc, const scenario::RunResult& r) {
  if (r.services.empty()) {
    return;
  }
  using schema::RequestColumn;
  using schema::ServiceAttr;
  using SeriesOf = schema::ServiceSeries;
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  Group all = root.create_group(schema::kServicesGroup);
  const double w = units::to_seconds(r.interval);
  for (const auto& s : r.services) {
    const auto f = scenario::service_figures(s);
    const auto& res = s.result;
    ServiceAttributes a(schema::kServiceAttributes);
    std::vector<std::string> site_names;
    for (const auto& site : s.sites) {
      site_names.push_back(sc.datacenters[site.datacenter].name);
    }
    a.set(ServiceAttr::kDatacenter, fmt::format("{}", fmt::join(site_names, ", ")));
    a.set(ServiceAttr::kAccelerator, s.accelerator);
    a.set(ServiceAttr::kServingConstantsFrom,
          s.borrowed_from.empty() ? s.accelerator : s.borrowed_from);
    a.set(ServiceAttr::kDevicesPerReplica, s.devices_per_replica);
    a.set(ServiceAttr::kReplicas, s.replicas);
    a.set(ServiceAttr::kReserve, s.reserve);
    a.set(ServiceAttr::kParameters, s.counts.parameters);
    a.set(ServiceAttr::kActiveParameters, s.counts.active_parameters);
    a.set(ServiceAttr::kWeightBytesPerDevice, s.weight_bytes_per_device);
    a.set(ServiceAttr::kKvCapacity, res.kv_capacity_tokens);
    a.set(ServiceAttr::kRequests, f.requests);
    a.set(ServiceAttr::kRejected, f.rejected);
    a.set(ServiceAttr::kFinished, f.finished);
    a.set(ServiceAttr::kPreemptions, res.preemptions);
    a.set(ServiceAttr::kIterations, res.iterations);
    a.set(ServiceAttr::kEnd, res.end.to_seconds());
    a.set(ServiceAttr::kPromptTokens, f.prompt_tokens);
    a.set(ServiceAttr::kOutputTokens, f.output_tokens);
    a.set(ServiceAttr::kOutputTokensPerS, f.output_tokens_per_s);
    constexpr std::array<ServiceAttr, 4> kEnergy{
        ServiceAttr::kEnergyAccelerators, ServiceAttr::kEnergyIt, ServiceAttr::kEnergyItWithReserve,
        ServiceAttr::kEnergyFacility};
    constexpr std::array<ServiceAttr, 4> kPerToken{
        ServiceAttr::kJPerTokenAccelerators, ServiceAttr::kJPerTokenIt,
        ServiceAttr::kJPerTokenItWithReserve, ServiceAttr::kJPerTokenFacility};
    for (std::size_t b = 0; b < f.energy_j.size(); ++b) {
      a.set(kEnergy.at(b), f.energy_j[b]);
      a.set(kPerToken.at(b), f.output_tokens > 0 ? f.energy_j[b] / f.output_tokens : kNaN);
    }
    const auto& l = s.latency;
    a.set(ServiceAttr::kTtftP50, l.ttft_p50);
    a.set(ServiceAttr::kTtftP90, l.ttft_p90);
    a.set(ServiceAttr::kTtftP99, l.ttft_p99);
    a.set(ServiceAttr::kTpotP50, l.tpot_p50);
    a.set(ServiceAttr::kTpotP90, l.tpot_p90);
    a.set(ServiceAttr::kTpotP99, l.tpot_p99);
    a.set(ServiceAttr::kSloTtft, s.slo_ttft_s.value_or(kNaN));
    a.set(ServiceAttr::kSloTpot, s.slo_tpot_s.value_or(kNaN));
    a.set(ServiceAttr::kGoodput, l.goodput.value_or(kNaN));
    a.set(ServiceAttr::kEmissionsLocation, f.emissions_location_g);
    a.set(ServiceAttr::kEmissionsMarket, f.emissions_market_g);
    a.set(ServiceAttr::kEmbodied, f.embodied_g);
    a.set(ServiceAttr::kEmbodiedPerDeviceHour, f.embodied_g_per_device_hour);
    std::int64_t ups = 0;
    std::int64_t downs = 0;
    double parked_s = 0;
    for (const auto& sr : res.sites) {
      ups += sr.scale_ups;
      downs += sr.scale_downs;
      parked_s += sr.parked_replica_seconds;
    }
    a.set(ServiceAttr::kScaleUps, ups);
    a.set(ServiceAttr::kScaleDowns, downs);
    a.set(ServiceAttr::kFidelity,
          std::string(s.fidelity == models::Fidelity::kRequest ? "request" : "iteration"));
    a.set(ServiceAttr::kPrefillReplicas, s.prefill_replicas);
    a.set(ServiceAttr::kParkedDeviceHours,
          parked_s * static_cast<double>(s.devices_per_replica) / units::kSecondsPerHour);
    a.set(ServiceAttr::kLentDeviceHours, s.lent_device_s / units::kSecondsPerHour);
    const auto index = static_cast<std::size_t>(&s - r.services.data());
    const auto& limit = sc.services.at(index).serving.power_limit;
    a.set(ServiceAttr::kPowerLimit, limit ? units::to_watts(*limit) : kNaN);
    Group g = all.create_group(s.name);
    a.write(g, ServiceAttr::kDatacenter, ServiceAttr::kPowerLimit);

    // Series, in the schema's order.
    const auto& ser = res.series;
    const std::size_t n = r.intervals;
    std::vector<double> start(n);
    for (std::size_t k = 0; k < n; ++k) {
      start[k] = static_cast<double>(k) * w;
    }
    const Dataset time = write_time_coordinate(
        g, start, r.interval, fmt::format("seconds since {}", units::format_utc(sc.epoch_unix_s)));
    const double cap = static_cast<double>(res.kv_capacity_tokens);
    std::array<std::vector<double>, schema::kServiceSeriesCount> values;
    const auto at = [&](SeriesOf x) -> std::vector<double>& {
      return values.at(static_cast<std::size_t>(x));
    };
    at(SeriesOf::kArrived) = ser.arrived;
    at(SeriesOf::kFinished) = ser.finished;
    at(SeriesOf::kPromptTokens) = ser.prompt_tokens;
    at(SeriesOf::kOutputTokens) = ser.output_tokens;
    at(SeriesOf::kAcceleratorEnergy) = ser.accelerator_joules;
    at(SeriesOf::kItEnergy) = ser.it_joules;
    at(SeriesOf::kFacilityEnergy) = s.facility.energy_j;
    at(SeriesOf::kEmissionsLocation) = s.facility.emissions_location_g;
    at(SeriesOf::kEmissionsMarket) = s.facility.emissions_market_g;
    for (auto& v : values) {
      v.resize(n, 0.0);
    }
    for (std::size_t k = 0; k < n; ++k) {
      // Over the awake replicas (all of them without autoscaling).
      const double awake = k < ser.replica_seconds.size() ? ser.replica_seconds[k] : 0.0;
      at(SeriesOf::kMeanBatch)[k] = awake > 0 ? ser.batch_seconds[k] / awake : 0.0;
      at(SeriesOf::kKvOccupancy)[k] =
          awake > 0 && cap > 0 ? ser.kv_token_seconds[k] / awake / cap : 0.0;
      at(SeriesOf::kReplicas)[k] = awake / w;
      at(SeriesOf::kItPower)[k] = ser.it_joules[k] / w;
    }
    for (std::size_t i = 0; i < schema::kServiceSeriesCount; ++i) {
      const auto& fld = schema::kServiceSeries[i];
      Dataset d = g.write_vector(fld.name, values[i], fld.unit);
      d.set_attr("long_name", plain(fld.meaning));
      if (const auto m = cell_methods(fld.reduction); !m.empty()) {
        d.set_attr("cell_methods", m);
      }
      d.attach_scale(time);
    }

    // Request rows.
    const auto rows = s.request_rows.size();
    RequestColumns cols(schema::kRequestColumns, rows);
    for (std::size_t k = 0; k < rows; ++k) {
      const auto& q = res.requests[s.request_rows[k]];
      cols.at<double>(RequestColumn::kArrival, k) = q.arrival.to_seconds();
      cols.at<double>(RequestColumn::kFirstToken, k) =
          q.first_token == engine::SimTime::max() ? kNaN : q.first_token.to_seconds();
      cols.at<double>(RequestColumn::kEnd, k) = q.finished() ? q.end.to_seconds() : kNaN;
      cols.at<std::int64_t>(RequestColumn::kPromptTokens, k) = q.prompt_tokens;
      cols.at<std::int64_t>(RequestColumn::kOutputTokens, k) = q.output_tokens;
      cols.at<std::int64_t>(RequestColumn::kGenerated, k) = q.generated;
      cols.at<std::int64_t>(RequestColumn::kReplica, k) = q.replica;
      cols.at<std::int64_t>(RequestColumn::kSite, k) = q.site;
      cols.at<std::int64_t>(RequestColumn::kPreemptions, k) = q.preemptions;
      cols.at<double>(RequestColumn::kAcceleratorEnergy, k) = q.accelerator_joules;
      cols.at<double>(RequestColumn::kItEnergy, k) = q.it_joules;
    }
    std::move(cols).write(g, schema::kRequestsTable, schema::kRequestDimension);
  }
}

}  // namespace

void write_trace(AtomicOutput& output, const scenario::Scenario& sc, const scenario::RunResult& r,
                 const TraceProvenance& provenance) {
  {
    File f = File::create(output.temp_path());
    Group root = f.root();
    RootAttributes a(schema::kRootAttributes);
    a.set(RootAttr::kFootprintVersion, provenance.footprint_version);
    a.set(RootAttr::kFootprintCommit, provenance.git_commit);
    a.set(RootAttr::kFormatVersion, std::string(kTraceFormatVersion));
    a.set(RootAttr::kConventions, std::string("CF-1.8"));
    a.set(RootAttr::kScenario, sc.text);
    a.set(RootAttr::kScenarioName, sc.name);
    a.set(RootAttr::kScenarioSha256, sha256_hex(sc.text));
    a.set(RootAttr::kSeed, r.seed);
    a.set(RootAttr::kEpoch, sc.epoch_unix_s);
    a.set(RootAttr::kTraceInterval, units::to_seconds(r.interval));
    a.set(RootAttr::kHorizon, units::to_seconds(r.horizon));
    std::vector<std::string> inputs{sc.source.filename().string()};
    std::vector<std::string> hashes{sha256_hex(sc.text)};
    // Names as the scenario gives them (not where they were found), so that the same
    // inputs give the same file on any machine.
    for (const auto& [given, resolved] : r.inputs) {
      inputs.push_back(given);
      hashes.push_back(sha256_file(resolved));
    }
    a.set(RootAttr::kInputFiles, std::move(inputs));
    a.set(RootAttr::kInputSha256, std::move(hashes));
    a.write(root, RootAttr::kFootprintVersion, RootAttr::kInputSha256);
    if (!r.warnings.empty()) {
      a.set(RootAttr::kInputWarnings, r.warnings);
      a.write(root, RootAttr::kInputWarnings, RootAttr::kInputWarnings);
    }

    Group dcs = root.create_group(schema::kDatacentersGroup);
    const auto spans = job_spans(r, sc.datacenters.size());
    for (std::size_t d = 0; d < sc.datacenters.size(); ++d) {
      write_datacenter(dcs, sc, d, r, spans[d]);
    }
    write_regions(root, sc);
    write_jobs(root, sc, r);
    write_predicted(root, r);
    write_services(root, sc, r);

    write_summary(root, sc, r);
    f.close();
  }
  output.commit();
}

}  // namespace footprint::io
