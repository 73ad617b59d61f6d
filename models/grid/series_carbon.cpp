#include "models/grid/series_carbon.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/kernel/units/calendar.hpp"
#include "sim/kernel/units/time_constants.hpp"

namespace footprint::models {
namespace {

using units::kWholeSecondsPerDay;
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

using units::floor_div;

std::int64_t year_start(std::int64_t year) {
  return days_from_civil(year, 1, 1) * kWholeSecondsPerDay;
}

std::int64_t year_of(std::int64_t t) {
  return civil_from_days(floor_div(t, kWholeSecondsPerDay)).year;
}

TimeSeries checked(TimeSeries s, double lo, double hi, std::string_view what) {
  check_series(s, lo, hi, what);
  return s;
}

}  // namespace

namespace detail {

RepeatingSeries::RepeatingSeries(TimeSeries s, Repeat repeat, std::string what)
    : s_(std::move(s)), repeat_(repeat), what_(std::move(what)), end_(series_end_s(s_)) {
  if (repeat_ == Repeat::yearly) {
    // The first calendar year the series covers whole.
    year_ = year_of(s_.t_s.front());
    if (year_start(year_) < s_.t_s.front()) {
      ++year_;
    }
    year_begin_ = year_start(year_);
    year_end_ = year_start(year_ + 1);
    if (year_end_ > end_) {
      throw std::invalid_argument(fmt::format(
          "{} '{}' covers {} to {}: repeat yearly needs a whole calendar year (1 January "
          "00:00 to 31 December 24:00 UTC)",
          what_, s_.source, format_utc(s_.t_s.front()), format_utc(end_)));
    }
  }
}

std::int64_t RepeatingSeries::map(std::int64_t t) const {
  if (repeat_ == Repeat::none) {
    return t;
  }
  const std::int64_t days = floor_div(t, kWholeSecondsPerDay);
  const std::int64_t sod = t - days * kWholeSecondsPerDay;
  const CivilDate d = civil_from_days(days);
  int day = d.day;
  if (d.month == 2 && day == 29 && !is_leap_year(year_)) {
    day = 28;  // 29 February replays the series' 28 February
  }
  return days_from_civil(year_, d.month, day) * kWholeSecondsPerDay + sod;
}

double RepeatingSeries::value_at(std::int64_t t) const {
  const std::int64_t m = map(t);
  if (m < s_.t_s.front() || m >= end_) {
    throw SeriesRangeError(fmt::format("{} '{}' covers {} to {}; asked for {}", what_, s_.source,
                                       format_utc(s_.t_s.front()), format_utc(end_),
                                       format_utc(t)));
  }
  const auto it = std::upper_bound(s_.t_s.begin(), s_.t_s.end(), m);
  return s_.value[static_cast<std::size_t>(it - s_.t_s.begin()) - 1];
}

std::int64_t RepeatingSeries::next_start_after(std::int64_t t) const {
  if (repeat_ == Repeat::none) {
    if (t < s_.t_s.front()) {
      return s_.t_s.front();
    }
    if (t >= end_) {
      return kNever;
    }
    const auto it = std::upper_bound(s_.t_s.begin(), s_.t_s.end(), t);
    return it == s_.t_s.end() ? end_ : *it;
  }
  const std::int64_t m = map(t);
  const auto it = std::upper_bound(s_.t_s.begin(), s_.t_s.end(), m);
  const std::int64_t next_m = std::min(it == s_.t_s.end() ? end_ : *it, year_end_);
  std::int64_t next = t + (next_m - m);
  // Where the mapping itself jumps: 1 January, and around 29 February when exactly one of
  // t's year and the series' year is a leap year.
  const std::int64_t y = year_of(t);
  next = std::min(next, year_start(y + 1));
  if (is_leap_year(y) != is_leap_year(year_)) {
    const std::int64_t jump = is_leap_year(y) ? days_from_civil(y, 2, 29) * kWholeSecondsPerDay
                                              : days_from_civil(y, 3, 1) * kWholeSecondsPerDay;
    if (jump > t) {
      next = std::min(next, jump);
    }
  }
  return next;
}

void RepeatingSeries::check_covers(std::int64_t from, std::int64_t to) const {
  if (repeat_ == Repeat::yearly) {
    return;
  }
  if (from < s_.t_s.front() || to > end_) {
    throw SeriesRangeError(fmt::format(
        "{} '{}' covers {} to {}, the horizon needs {} to {}: use a series that covers the "
        "run, repeat: yearly, or a shorter horizon",
        what_, s_.source, format_utc(s_.t_s.front()), format_utc(end_), format_utc(from),
        format_utc(to)));
  }
}

}  // namespace detail

SeriesCarbon::SeriesCarbon(std::int64_t epoch_utc_s, TimeSeries location, MarketAccounting market,
                           Repeat repeat, std::optional<engine::SimTime> horizon)
    : epoch_(epoch_utc_s),
      repeat_(repeat),
      location_(checked(std::move(location), 0.0, std::numeric_limits<double>::max(),
                        "carbon-intensity series"),
                repeat, "carbon-intensity series"),
      market_kind_(market.kind) {
  switch (market.kind) {
    case MarketAccounting::Kind::location:
      break;
    case MarketAccounting::Kind::annual_cfe:
      if (!(market.annual_fraction >= 0.0 && market.annual_fraction <= 1.0)) {
        throw std::invalid_argument(fmt::format(
            "annual carbon-free-energy fraction {} is outside [0, 1]", market.annual_fraction));
      }
      annual_fraction_ = market.annual_fraction;
      break;
    case MarketAccounting::Kind::hourly_cfe:
      cfe_.emplace(checked(std::move(market.hourly_fraction), 0.0, 1.0, "CFE fraction series"),
                   repeat, "CFE fraction series");
      break;
  }
  if (horizon) {
    validate_horizon(*horizon);
  }
}

std::int64_t SeriesCarbon::utc_second(engine::SimTime t) const {
  return epoch_ + floor_div(t.count(), engine::SimTime::kTicksPerSecond);
}

Intensities SeriesCarbon::at(engine::SimTime t) const {
  const std::int64_t s = utc_second(t);
  const double location = location_.value_at(s);
  double f = 0.0;
  switch (market_kind_) {
    case MarketAccounting::Kind::location:
      break;
    case MarketAccounting::Kind::annual_cfe:
      f = annual_fraction_;
      break;
    case MarketAccounting::Kind::hourly_cfe:
      f = cfe_->value_at(s);
      break;
  }
  return {units::grams_per_kwh(location), units::grams_per_kwh(location * (1.0 - f))};
}

engine::SimTime SeriesCarbon::end() const {
  if (repeat_ == Repeat::yearly) {
    return engine::SimTime::max();
  }
  std::int64_t e = location_.end_s();
  if (cfe_) {
    e = std::min(e, cfe_->end_s());
  }
  constexpr std::int64_t kMaxSeconds =
      std::numeric_limits<std::int64_t>::max() / engine::SimTime::kTicksPerSecond;
  if (e - epoch_ > kMaxSeconds) {
    return engine::SimTime::max();
  }
  return engine::SimTime::seconds(e - epoch_);
}

engine::SimTime SeriesCarbon::next_change(engine::SimTime t) const {
  const std::int64_t s = utc_second(t);
  std::int64_t next = location_.next_start_after(s);
  if (cfe_) {
    next = std::min(next, cfe_->next_start_after(s));
  }
  constexpr std::int64_t kMaxSeconds =
      std::numeric_limits<std::int64_t>::max() / engine::SimTime::kTicksPerSecond;
  if (next == kNever || next - epoch_ > kMaxSeconds) {
    return engine::SimTime::max();
  }
  return engine::SimTime::seconds(next - epoch_);
}

void SeriesCarbon::validate_horizon(engine::SimTime horizon) const {
  // Times in [0, horizon) fall in UTC seconds [epoch, epoch + ceil(horizon / 1 s)).
  const std::int64_t ticks = std::max<std::int64_t>(horizon.count(), 1);
  const std::int64_t seconds = floor_div(ticks - 1, engine::SimTime::kTicksPerSecond) + 1;
  location_.check_covers(epoch_, epoch_ + seconds);
  if (cfe_) {
    cfe_->check_covers(epoch_, epoch_ + seconds);
  }
}

}  // namespace footprint::models
