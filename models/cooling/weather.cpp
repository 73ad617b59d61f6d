#include "models/cooling/weather.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "models/cooling/builtin_weather.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/units/calendar.hpp"

namespace footprint::models {

namespace {

constexpr std::int64_t kSecondsPerDay = 86'400;
constexpr std::int64_t kSecondsPerHour = 3'600;
constexpr std::size_t kHoursPerDay = 24;
/// Days before each month in a 365-day year.
constexpr std::array<std::size_t, 12> kDaysBeforeMonth{0,   31,  59,  90,  120, 151,
                                                       181, 212, 243, 273, 304, 334};
constexpr std::array<const char*, 12> kMonthNames{"January",   "February", "March",    "April",
                                                  "May",       "June",     "July",     "August",
                                                  "September", "October",  "November", "December"};

using units::civil_from_days;
using units::days_from_civil;
using units::days_in_month;
using units::floor_div;

/// "day 60 (1 March) 05:00 UTC"
std::string describe_hour(std::size_t index) {
  const std::size_t day0 = index / kHoursPerDay;
  std::size_t month = 11;
  while (kDaysBeforeMonth[month] > day0) {
    --month;
  }
  return fmt::format("day {} ({} {}) {:02}:00 UTC", day0 + 1, day0 - kDaysBeforeMonth[month] + 1,
                     kMonthNames[month], index % kHoursPerDay);
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

struct Cell {
  std::string_view text;  // trimmed
  int column;             // 1-based character column of the cell's first character
};

std::vector<Cell> split_cells(std::string_view line) {
  std::vector<Cell> cells;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    const std::size_t end = comma == std::string_view::npos ? line.size() : comma;
    cells.push_back({trim(line.substr(start, end - start)), static_cast<int>(start) + 1});
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return cells;
}

std::optional<double> parse_number(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  // from_chars does not take a leading '+'.
  if (s.front() == '+') {
    s.remove_prefix(1);
  }
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

std::optional<int> parse_digits(std::string_view s) {
  int v = 0;
  if (s.empty()) {
    return std::nullopt;
  }
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + (c - '0');
  }
  return v;
}

/// YYYY-MM-DDTHH:MM[:SS] followed by Z or +00:00 ('T' may be a space). Returns the Unix
/// time, or an explanation of what is wrong.
struct ParsedTime {
  std::optional<std::int64_t> unix_seconds;
  std::string problem;
};

ParsedTime parse_utc_timestamp(std::string_view s) {
  constexpr std::string_view kForm = "expected an hour-beginning UTC time YYYY-MM-DDTHH:00:00Z";
  if (s.ends_with("+00:00")) {
    s.remove_suffix(6);
  } else if (s.ends_with('Z') || s.ends_with('z')) {
    s.remove_suffix(1);
  } else {
    return {std::nullopt, fmt::format("'{}': {} (UTC, ending in Z)", s, kForm)};
  }
  if ((s.size() != 16 && s.size() != 19) || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
      (s.size() == 19 && s[16] != ':')) {
    return {std::nullopt, fmt::format("'{}': {}", s, kForm)};
  }
  const auto y = parse_digits(s.substr(0, 4));
  const auto mo = parse_digits(s.substr(5, 2));
  const auto d = parse_digits(s.substr(8, 2));
  const auto h = parse_digits(s.substr(11, 2));
  const auto mi = parse_digits(s.substr(14, 2));
  const auto sec = s.size() == 19 ? parse_digits(s.substr(17, 2)) : std::optional<int>(0);
  if (!y || !mo || !d || !h || !mi || !sec) {
    return {std::nullopt, fmt::format("'{}': {}", s, kForm)};
  }
  if (*mo < 1 || *mo > 12 || *d < 1 || *d > days_in_month(*y, *mo) || *h > 23 || *mi > 59 ||
      *sec > 59) {
    return {std::nullopt, fmt::format("'{}' is not a valid date and time", s)};
  }
  if (*mi != 0 || *sec != 0) {
    return {std::nullopt, fmt::format("'{}' is not on the hour: the series is hourly", s)};
  }
  return {unix_utc_seconds(*y, *mo, *d, *h), {}};
}

constexpr std::string_view kTimestampColumn = "timestamp_utc_nominal2022";
constexpr std::string_view kDryBulbColumn = "dry_bulb_c";
constexpr std::string_view kDewPointColumn = "dew_point_c";
constexpr std::string_view kHumidityColumn = "rel_humidity_pct";

// Physical limits of the checks in load_weather_csv (documented in weather.hpp and
// docs/cooling.md). The record low is -89.2 C (Vostok), the record high 56.7 C.
constexpr double kMinDryBulbC = -90.0;
constexpr double kMaxDryBulbC = 60.0;
constexpr double kMinDewPointC = -100.0;
/// Rounding in the source data can put a saturated hour's dew point a little above its
/// dry bulb; more than this is an error.
constexpr double kDewPointToleranceC = 0.5;
constexpr double kMaxHumidityPct = 100.0;

/// A file with thousands of bad rows lists this many problems and counts the rest.
constexpr std::size_t kMaxListedProblems = 200;

}  // namespace

std::int64_t unix_utc_seconds(int year, int month, int day, int hour, int minute, int second) {
  // Normalise the month so that month 13 is January of the next year.
  const std::int64_t m0 = static_cast<std::int64_t>(month) - 1;
  const std::int64_t y = static_cast<std::int64_t>(year) + floor_div(m0, 12);
  const std::int64_t m = m0 - floor_div(m0, 12) * 12 + 1;
  return days_from_civil(y, static_cast<int>(m), day) * kSecondsPerDay +
         static_cast<std::int64_t>(hour) * 3600 + static_cast<std::int64_t>(minute) * 60 + second;
}

std::size_t typical_year_hour(std::int64_t unix_seconds) {
  const std::int64_t days = floor_div(unix_seconds, kSecondsPerDay);
  const auto hour =
      static_cast<std::size_t>((unix_seconds - days * kSecondsPerDay) / kSecondsPerHour);
  const units::CivilDate c = civil_from_days(days);
  const int day = c.month == 2 && c.day == 29 ? 28 : c.day;  // 29 February -> 28 February
  const std::size_t day0 =
      kDaysBeforeMonth[static_cast<std::size_t>(c.month - 1)] + static_cast<std::size_t>(day - 1);
  return day0 * kHoursPerDay + hour;
}

WeatherSeries::WeatherSeries(std::string source, std::vector<double> dry_bulb_c,
                             std::vector<double> dew_point_c, std::vector<double> rel_humidity_pct)
    : source_(std::move(source)),
      dry_bulb_c_(std::move(dry_bulb_c)),
      dew_point_c_(std::move(dew_point_c)),
      rel_humidity_pct_(std::move(rel_humidity_pct)) {
  const auto check = [this](const std::vector<double>& v, std::string_view what) {
    if (v.size() != kTypicalYearHours) {
      throw std::invalid_argument(
          fmt::format("weather series '{}': {} has {} hourly values, not {}", source_, what,
                      v.size(), kTypicalYearHours));
    }
    if (!std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); })) {
      throw std::invalid_argument(
          fmt::format("weather series '{}': {} has a value that is not finite", source_, what));
    }
  };
  check(dry_bulb_c_, "dry bulb");
  check(dew_point_c_, "dew point");
  check(rel_humidity_pct_, "relative humidity");
}

double WeatherSeries::annual_mean_dry_bulb_c() const {
  return std::accumulate(dry_bulb_c_.begin(), dry_bulb_c_.end(), 0.0) /
         static_cast<double>(dry_bulb_c_.size());
}

WeatherSeries load_weather_csv(const std::filesystem::path& path) {
  const std::string file = path.string();
  footprint::Diagnostics diag(file);
  std::size_t unlisted = 0;
  const auto report = [&](int line, int column, std::string_view where, std::string message) {
    if (diag.items().size() < kMaxListedProblems) {
      diag.error(line, column, std::string(where), std::move(message));
    } else {
      ++unlisted;
    }
  };

  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diag.error("", "cannot open the weather file");
    diag.throw_if_any();
  }
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) {
    diag.error("", "cannot read the weather file");
    diag.throw_if_any();
  }

  // Lines, without their line ends (\n or \r\n).
  std::vector<std::string_view> lines;
  {
    std::string_view rest = text;
    while (!rest.empty()) {
      const std::size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      if (line.ends_with('\r')) {
        line.remove_suffix(1);
      }
      lines.push_back(line);
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
  }
  const bool blank =
      std::all_of(lines.begin(), lines.end(), [](std::string_view l) { return trim(l).empty(); });
  if (blank) {
    diag.error(1, 1, "",
               fmt::format("the file is empty: expected a header row naming {}, {}, {} and {}, "
                           "then {} hourly rows",
                           kTimestampColumn, kDryBulbColumn, kDewPointColumn, kHumidityColumn,
                           kTypicalYearHours));
    diag.throw_if_any();
  }

  // Header: line 1.
  std::string_view header_line = lines.front();
  if (header_line.starts_with("\xEF\xBB\xBF")) {  // UTF-8 byte order mark
    header_line.remove_prefix(3);
  }
  const std::vector<Cell> header = split_cells(header_line);
  std::vector<std::string> names;
  names.reserve(header.size());
  for (const Cell& c : header) {
    names.emplace_back(c.text);
  }
  constexpr std::array<std::string_view, 4> kRequired{kTimestampColumn, kDryBulbColumn,
                                                      kDewPointColumn, kHumidityColumn};
  std::array<std::size_t, 4> index{};
  for (std::size_t r = 0; r < kRequired.size(); ++r) {
    const auto first = std::find(names.begin(), names.end(), kRequired[r]);
    if (first == names.end()) {
      std::string message = fmt::format("missing column '{}'", kRequired[r]);
      const std::string near = footprint::closest_match(kRequired[r], names);
      if (!near.empty()) {
        message += fmt::format(" (is '{}' meant?)", near);
      }
      report(1, 1, "", message);
      continue;
    }
    index[r] = static_cast<std::size_t>(first - names.begin());
    if (std::find(std::next(first), names.end(), kRequired[r]) != names.end()) {
      report(1, header[index[r]].column, kRequired[r],
             fmt::format("column '{}' appears more than once", kRequired[r]));
    }
  }
  if (!diag.empty()) {
    diag.throw_if_any();
  }
  const std::size_t needed_cells = *std::max_element(index.begin(), index.end()) + 1;

  std::vector<double> dry(kTypicalYearHours, 0.0);
  std::vector<double> dew(kTypicalYearHours, 0.0);
  std::vector<double> rh(kTypicalYearHours, 0.0);
  std::vector<int> line_of_hour(kTypicalYearHours, 0);  // 0: no row yet
  std::size_t rows = 0;
  int last_row_line = 1;
  int excess_row_line = 0;
  bool timestamps_ok = true;

  for (std::size_t li = 1; li < lines.size(); ++li) {
    if (trim(lines[li]).empty()) {
      continue;
    }
    const int line = static_cast<int>(li) + 1;
    ++rows;
    last_row_line = line;
    if (rows == kTypicalYearHours + 1) {
      excess_row_line = line;
    }
    const std::vector<Cell> cells = split_cells(lines[li]);
    if (cells.size() < needed_cells) {
      report(line, 1, "",
             fmt::format("the row has {} cells; the header names {}", cells.size(), header.size()));
      timestamps_ok = false;
      continue;
    }
    const Cell& ts_cell = cells[index[0]];
    const ParsedTime ts = parse_utc_timestamp(ts_cell.text);
    if (!ts.unix_seconds) {
      report(line, ts_cell.column, kTimestampColumn, ts.problem);
      timestamps_ok = false;
    }
    std::array<std::optional<double>, 3> v{};
    for (std::size_t k = 0; k < 3; ++k) {
      const Cell& c = cells[index[k + 1]];
      v[k] = parse_number(c.text);
      if (!v[k]) {
        report(line, c.column, kRequired[k + 1],
               c.text.empty() ? std::string("the cell is empty: expected a number")
                              : fmt::format("'{}' is not a number", c.text));
      }
    }
    bool values_ok = v[0] && v[1] && v[2];
    const auto col = [&](std::size_t k) { return cells[index[k]].column; };
    if (v[0] && (*v[0] < kMinDryBulbC || *v[0] > kMaxDryBulbC)) {
      report(line, col(1), kDryBulbColumn,
             fmt::format("dry bulb {} C is outside the physical range {} .. {} C", *v[0],
                         kMinDryBulbC, kMaxDryBulbC));
      values_ok = false;
    }
    if (v[1] && (*v[1] < kMinDewPointC || *v[1] > kMaxDryBulbC)) {
      report(line, col(2), kDewPointColumn,
             fmt::format("dew point {} C is outside the physical range {} .. {} C", *v[1],
                         kMinDewPointC, kMaxDryBulbC));
      values_ok = false;
    } else if (v[0] && v[1] && *v[1] > *v[0] + kDewPointToleranceC) {
      report(line, col(2), kDewPointColumn,
             fmt::format("dew point {} C is above the dry bulb {} C (beyond the {} C tolerance): "
                         "air cannot hold more water than at saturation",
                         *v[1], *v[0], kDewPointToleranceC));
      values_ok = false;
    }
    if (v[2] && (*v[2] < 0.0 || *v[2] > kMaxHumidityPct)) {
      report(line, col(3), kHumidityColumn,
             fmt::format("relative humidity {} % is outside 0 .. 100 %", *v[2]));
      values_ok = false;
    }
    if (!ts.unix_seconds) {
      continue;
    }
    const std::size_t h = typical_year_hour(*ts.unix_seconds);
    if (line_of_hour[h] != 0) {
      report(line, ts_cell.column, kTimestampColumn,
             fmt::format("'{}' is {} of the typical year, already given on line {}", ts_cell.text,
                         describe_hour(h), line_of_hour[h]));
      continue;
    }
    line_of_hour[h] = line;
    if (values_ok) {
      dry[h] = *v[0];
      dew[h] = *v[1];
      rh[h] = *v[2];
    }
  }

  if (rows != kTypicalYearHours) {
    report(rows > kTypicalYearHours ? excess_row_line : last_row_line, 1, "",
           fmt::format("the file has {} data rows; a typical year has {} hourly rows (365 days x "
                       "24 h, no 29 February)",
                       rows, kTypicalYearHours));
  }
  if (timestamps_ok) {
    std::vector<std::size_t> missing;
    for (std::size_t h = 0; h < kTypicalYearHours; ++h) {
      if (line_of_hour[h] == 0) {
        missing.push_back(h);
      }
    }
    if (!missing.empty()) {
      std::string first;
      for (std::size_t k = 0; k < std::min<std::size_t>(missing.size(), 3); ++k) {
        first += (k == 0 ? "" : ", ") + describe_hour(missing[k]);
      }
      report(last_row_line, 1, "",
             fmt::format("no row for {} hour(s) of the typical year: {}{}", missing.size(), first,
                         missing.size() > 3 ? ", ..." : ""));
    }
  }
  if (unlisted > 0) {
    diag.error("", fmt::format("and {} more problem(s) not listed", unlisted));
  }
  diag.throw_if_any();
  return WeatherSeries(file, std::move(dry), std::move(dew), std::move(rh));
}

std::optional<WeatherSeries> builtin_weather(std::string_view name) {
  for (const detail::BuiltinWeatherProfile& p : detail::builtin_weather_profiles()) {
    if (p.name != name) {
      continue;
    }
    std::vector<double> dry(kTypicalYearHours);
    std::vector<double> dew(kTypicalYearHours);
    std::vector<double> rh(kTypicalYearHours);
    std::size_t month = 0;
    for (std::size_t h = 0; h < kTypicalYearHours; ++h) {
      const std::size_t day0 = h / kHoursPerDay;
      while (month + 1 < kDaysBeforeMonth.size() && day0 >= kDaysBeforeMonth[month + 1]) {
        ++month;
      }
      const std::size_t hour = h % kHoursPerDay;
      dry[h] = p.dry_bulb_c[month][hour];
      dew[h] = p.dew_point_c[month][hour];
      rh[h] = p.rel_humidity_pct[month][hour];
    }
    return WeatherSeries(fmt::format("builtin:{}", p.name), std::move(dry), std::move(dew),
                         std::move(rh));
  }
  return std::nullopt;
}

std::vector<std::string> builtin_weather_names() {
  std::vector<std::string> names;
  for (const detail::BuiltinWeatherProfile& p : detail::builtin_weather_profiles()) {
    names.emplace_back(p.name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace footprint::models
