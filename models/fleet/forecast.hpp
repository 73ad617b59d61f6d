// The scheduler's forecast of carbon: for each datacenter, forecast intensity x marginal
// PUE as a piecewise-constant rate over the signals' own change times (an hourly series
// gives hours; a 5-, 15- or 30-minute series, or one with mixed steps, gives its own
// steps; the weather's hours and the forecast error's hours are breakpoints too), with
// prefix sums, so that the forecast emissions of running 1 W of IT load over any span take
// O(log n); and the carbon-aware choice of start time and place.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "models/fleet/fleet.hpp"
#include "models/fleet/view.hpp"

namespace footprint::models {

/// Dispatch ticks (inclusive ranges [first, last] on the epoch grid) at which a job may be
/// sent to start in one datacenter: where the plan has room for it.
using TickRuns = std::vector<std::pair<SimTime::rep, SimTime::rep>>;
/// The runs of feasible ticks of a job's candidate datacenter `c` (in its candidate order),
/// asked for only when that datacenter could hold the best start.
using FeasibleRuns = std::function<const TickRuns&(std::uint32_t c)>;

class CarbonForecast {
 public:
  /// Covers [0, horizon): the signals are read at no time outside it. `error`: relative
  /// standard deviation of each hour's forecast intensity (0: perfect), drawn from a stream
  /// keyed by (seed, datacenter), one draw per hour of the clock whatever the series' step.
  CarbonForecast(const FleetTables* tables, const std::vector<DatacenterView>& dcs, SimTime horizon,
                 double error, std::uint64_t seed);

  /// Forecast emission weight of running 1 W of IT load in datacenter `dc` over
  /// [from, to): the integral of forecast intensity x marginal PUE, in g/W. Past the
  /// horizon the last rate is extended.
  [[nodiscard]] double weight(std::uint32_t dc, SimTime from, SimTime to) const;

  /// The dispatch ticks a job arriving at `now` may choose: [first, last] on the grid of
  /// `epoch`, start = dispatch + epoch, start no later than `now` + slack rounded down to a
  /// tick, and (when `end_by` is given) the run over by `end_by` if any tick allows it.
  [[nodiscard]] std::pair<SimTime::rep, SimTime::rep> window(std::uint32_t job, SimTime now,
                                                             SimTime epoch,
                                                             SimTime end_by = SimTime::max()) const;

  /// The carbon-aware choice for `job` arriving at `now`, dispatched on ticks of `epoch`
  /// and started one epoch later: (tick to dispatch, datacenter). Forecasts within a
  /// relative 1e-9 tie; ties go to the earlier tick, then to the lower datacenter index.
  /// With `tolerance` > 0: the earliest tick at which some candidate's forecast is within
  /// that fraction above the lowest (then the lower forecast, then the lower index).
  /// `feasible`, when given, gives per candidate datacenter of the job the runs of ticks
  /// within `window` where it may start; returns nullopt when no candidate has any. Without
  /// it every tick of the window is feasible. Candidates are visited from the lowest
  /// forecast any start could have (the lowest rate over the window x the duration), and
  /// those that cannot reach the best found are not looked at.
  [[nodiscard]] std::optional<std::pair<SimTime, std::uint32_t>> best_start(
      std::uint32_t job, SimTime now, SimTime epoch, double tolerance = 0,
      const FeasibleRuns& feasible = {}, SimTime end_by = SimTime::max()) const;

  /// For a carbon-aware pause at `now` in datacenter `dc`: the first change of the forecast
  /// after `now`, and no later than `limit`, whose forecast location-based intensity (the
  /// actual one at that time, times its hour's error) is `threshold` or below;
  /// SimTime::max() if none, or if the forecast ends first.
  [[nodiscard]] SimTime first_time_at_or_below(std::uint32_t dc, SimTime now, SimTime limit,
                                               units::CarbonIntensity threshold) const;

  /// The forecast's breakpoints of datacenter `dc` (segment starts, the first at 0).
  [[nodiscard]] const std::vector<SimTime::rep>& breakpoints(std::uint32_t dc) const {
    return times_[class_of_[dc]];
  }
  /// Datacenters with the same forecast (equal rates and intensities at equal times) have
  /// the same class: the lowest index among the distinct forecasts, by first appearance.
  [[nodiscard]] std::uint32_t forecast_class(std::uint32_t dc) const { return class_of_[dc]; }

 private:
  [[nodiscard]] double cumulative(std::uint32_t dc, SimTime::rep t) const;
  /// The lowest rate (g/J per W) of datacenter `dc` over the segments [from, to) touches.
  [[nodiscard]] double min_rate(std::uint32_t dc, SimTime::rep from, SimTime::rep to) const;
  [[nodiscard]] std::size_t segment_of(std::uint32_t dc, SimTime::rep t) const;

  const FleetTables* tables_;
  std::vector<std::uint32_t> class_of_;  ///< per datacenter: its forecast's index below
  // Per distinct forecast:
  std::vector<std::vector<SimTime::rep>> times_;  ///< segment starts
  std::vector<std::vector<double>> rate_;         ///< per segment: g/J
  std::vector<std::vector<double>> intensity_;    ///< per segment: forecast g/J
  std::vector<std::vector<double>> prefix_;       ///< cumulative g/W at segment starts
  /// per hour of the clock: the segment that starts at the hour (hours are breakpoints),
  /// so that finding a time's segment takes a step or a few.
  std::vector<std::vector<std::uint32_t>> hour_segment_;
  /// range-minimum tables of rate_, level by level
  std::vector<std::vector<std::vector<double>>> min_rate_;
};

}  // namespace footprint::models
