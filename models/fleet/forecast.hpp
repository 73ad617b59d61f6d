// The scheduler's forecast of carbon: for each datacenter, hourly forecast intensity x
// marginal PUE, with prefix sums, so that the forecast emissions of running 1 W of IT load
// over any span take O(1); and the carbon-aware choice of start time and place.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "models/fleet/fleet.hpp"
#include "models/fleet/view.hpp"

namespace footprint::models {

class CarbonForecast {
 public:
  /// Covers [0, horizon). `error`: relative standard deviation of each hour's forecast
  /// intensity (0: perfect), drawn from a stream keyed by (seed, datacenter).
  CarbonForecast(const FleetTables* tables, const std::vector<DatacenterView>& dcs, SimTime horizon,
                 double error, std::uint64_t seed);

  /// Forecast emission weight of running 1 W of IT load in datacenter `dc` over
  /// [from, to): the integral of forecast intensity x marginal PUE, in g/W.
  [[nodiscard]] double weight(std::uint32_t dc, SimTime from, SimTime to) const;
  /// The carbon-aware choice for `job` arriving at `now`, dispatched on ticks of `epoch`
  /// and started one epoch later: (tick to dispatch, datacenter). Forecasts within a
  /// relative 1e-9 tie; ties go to the earlier tick, then to the lower datacenter index.
  /// With `tolerance` > 0: the earliest tick at which some candidate's forecast is within
  /// that fraction above the lowest (then the lower forecast, then the lower index).
  [[nodiscard]] std::pair<SimTime, std::uint32_t> best_start(std::uint32_t job, SimTime now,
                                                             SimTime epoch,
                                                             double tolerance = 0) const;
  /// For a carbon-aware pause at `now` in datacenter `dc`: the first hour start after `now`,
  /// and no later than `limit`, whose forecast location-based intensity (the actual one at
  /// the hour's start, times that hour's error) is `threshold` or below; SimTime::max() if
  /// none, or if the forecast ends first.
  [[nodiscard]] SimTime first_hour_at_or_below(std::uint32_t dc, SimTime now, SimTime limit,
                                               units::CarbonIntensity threshold) const;

 private:
  /// best_start's choice under a tolerance: the earliest tick of the grid between the
  /// sorted candidate ticks whose forecast is at most `threshold` (then the lower
  /// forecast); `best` if rounding leaves none.
  [[nodiscard]] std::pair<SimTime, std::uint32_t> earliest_within(
      std::uint32_t job, const std::vector<SimTime::rep>& candidates, SimTime epoch,
      double threshold, std::pair<SimTime, std::uint32_t> best) const;

  const FleetTables* tables_;
  std::vector<std::vector<double>> rate_;       ///< per datacenter, per hour: g/J
  std::vector<std::vector<double>> intensity_;  ///< per datacenter, per hour: forecast g/J
  std::vector<std::vector<double>> prefix_;     ///< per datacenter: cumulative g/W
};

struct CarbonPlan {
  SimTime dispatch;
  std::uint32_t datacenter = 0;
  bool planned = false;
};

/// The carbon-aware choice of every job with slack, made at its submit time.
std::vector<CarbonPlan> plan_carbon_aware(const CarbonForecast& forecast, const FleetTables& tables,
                                          SimTime epoch, double tolerance = 0);

}  // namespace footprint::models
