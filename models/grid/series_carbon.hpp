// A carbon signal read from a time series of grid intensity: location-based values from
// the series, market-based values after the site's carbon-free-energy (CFE) contracts.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "models/grid/carbon.hpp"
#include "models/grid/series.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"

namespace footprint::models {

/// A simulated time the series does not cover (repeat: none). Raised by validate_horizon()
/// (and the constructor, when given the horizon) before a run, and by at() if asked anyway.
/// Input: the user's series is too short for the run (the message names it).
class SeriesRangeError : public InputError {
 public:
  explicit SeriesRangeError(std::string what)
      : InputError(Diagnostic{.message = std::move(what)}) {}
};

/// What happens outside the series.
enum class Repeat {
  none,    ///< nothing: a time outside the series is an error
  yearly,  ///< every time maps to the same month, day and time of day of the series' year
};

/// Market-based ("net") accounting: market = location x (1 - f), f the share of the site's
/// consumption matched by contracted carbon-free energy (not the grid's own clean share).
struct MarketAccounting {
  enum class Kind {
    location,    ///< no contracts: market = location
    annual_cfe,  ///< f constant: annual matching (annual MWh of CFE / annual consumption)
    hourly_cfe,  ///< f(t) from a series: hourly (24/7) matching
  };
  Kind kind = Kind::location;
  double annual_fraction = 0.0;  ///< annual_cfe: f in [0, 1]
  /// hourly_cfe: f per interval in [0, 1]. The matched fraction min(1, CFE MWh / expected
  /// site MWh) of each hour is the scenario's to compute; this signal cannot see load.
  TimeSeries hourly_fraction;

  [[nodiscard]] static MarketAccounting location_based() { return {}; }
  [[nodiscard]] static MarketAccounting annual(double fraction) {
    MarketAccounting m;
    m.kind = Kind::annual_cfe;
    m.annual_fraction = fraction;
    return m;
  }
  [[nodiscard]] static MarketAccounting hourly(TimeSeries fraction) {
    MarketAccounting m;
    m.kind = Kind::hourly_cfe;
    m.hourly_fraction = std::move(fraction);
    return m;
  }
};

namespace detail {

/// A series on the UTC time axis, repeated or not: value lookups and next interval starts
/// in O(log n).
class RepeatingSeries {
 public:
  RepeatingSeries(TimeSeries s, Repeat repeat, std::string what);

  /// The value at UTC second t; throws SeriesRangeError outside the series (repeat none).
  [[nodiscard]] double value_at(std::int64_t t) const;
  /// The first UTC second after t at which an interval starts (after mapping); INT64_MAX
  /// for none (past the end of a series that does not repeat).
  [[nodiscard]] std::int64_t next_start_after(std::int64_t t) const;
  /// The UTC second t maps to (t itself for repeat none).
  [[nodiscard]] std::int64_t map(std::int64_t t) const;
  /// Throws SeriesRangeError unless [from, to) is covered (a yearly series covers all).
  void check_covers(std::int64_t from, std::int64_t to) const;

  [[nodiscard]] std::int64_t begin_s() const { return s_.t_s.front(); }
  [[nodiscard]] std::int64_t end_s() const { return end_; }
  [[nodiscard]] std::int64_t year() const { return year_; }
  [[nodiscard]] const TimeSeries& series() const { return s_; }

 private:
  TimeSeries s_;
  Repeat repeat_;
  std::string what_;
  std::int64_t end_ = 0;
  std::int64_t year_ = 0;        ///< yearly: the calendar year replayed
  std::int64_t year_begin_ = 0;  ///< yearly: its first second
  std::int64_t year_end_ = 0;    ///< yearly: the first second after it
};

}  // namespace detail

class SeriesCarbon final : public CarbonSignal {
 public:
  /// `epoch_utc_s`: the UTC unix second of simulated time 0. `location`: g CO2e/kWh.
  /// Throws std::invalid_argument for a malformed series (see check_series), a CFE fraction
  /// outside [0, 1], or, for yearly repeat, a series that covers no whole calendar year;
  /// with `horizon`, also validate_horizon(*horizon).
  SeriesCarbon(std::int64_t epoch_utc_s, TimeSeries location,
               MarketAccounting market = MarketAccounting::location_based(),
               Repeat repeat = Repeat::none, std::optional<engine::SimTime> horizon = {});

  [[nodiscard]] Intensities at(engine::SimTime t) const override;
  /// The next interval start (of either series, after mapping) after t, or a point where
  /// the yearly mapping jumps (1 January, and 29 February or 1 March when the leap-ness of
  /// the years differs). SimTime::max() past the end of a non-repeating series.
  [[nodiscard]] engine::SimTime next_change(engine::SimTime t) const override;
  /// For repeat none: the end of the series (of the CFE series too, when it ends first).
  [[nodiscard]] engine::SimTime end() const override;

  /// Throws SeriesRangeError("series covers X to Y, the simulation needs Z to W") unless
  /// every time in [0, horizon) is covered.
  void validate_horizon(engine::SimTime horizon) const;

  [[nodiscard]] std::int64_t epoch_utc_s() const { return epoch_; }
  [[nodiscard]] Repeat repeat() const { return repeat_; }
  [[nodiscard]] const TimeSeries& location_series() const { return location_.series(); }

 private:
  [[nodiscard]] std::int64_t utc_second(engine::SimTime t) const;

  std::int64_t epoch_;
  Repeat repeat_;
  detail::RepeatingSeries location_;
  MarketAccounting::Kind market_kind_;
  double annual_fraction_ = 0.0;
  std::optional<detail::RepeatingSeries> cfe_;
};

}  // namespace footprint::models
