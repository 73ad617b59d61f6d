// Built-in weather profiles: names, the typical year of each site's file hour for hour (the
// hot hours kept), the JFK normals marked not valid for extremes, and agreement with the
// shared CSV files, read here independently of the library's loader and with it.
#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "models/cooling/weather.hpp"

using footprint::models::builtin_weather;
using footprint::models::builtin_weather_names;
using footprint::models::kTypicalYearHours;
using footprint::models::load_weather_csv;
using footprint::models::typical_year_hour;
using footprint::models::unix_utc_seconds;
using footprint::models::WeatherSeries;
namespace t = footprint::models::test;

namespace {

/// Cells of a CSV line (the shared files end lines with CR LF).
std::vector<std::string> split(std::string line) {
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  std::vector<std::string> cells;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, ',')) {
    cells.push_back(cell);
  }
  return cells;
}

/// Line `number` (1 = the header) of a file, split into cells.
std::vector<std::string> csv_line(const std::filesystem::path& path, int number) {
  std::ifstream in(path);
  std::string line;
  for (int n = 1; n <= number; ++n) {
    REQUIRE(std::getline(in, line));
  }
  return split(line);
}

/// A row of a shared file, as a test cites it: the file, the line (1 = header) and its
/// text, for the built-in series at that row's UTC hour.
struct CitedRow {
  const char* profile;
  const char* file;
  int line;
  const char* timestamp;  ///< timestamp_utc_nominal2022
  double dry_bulb_c;
  double dew_point_c;
  double rel_humidity_pct;
};

// Rows of ../shared/data/weather/<file>, copied from the files (columns
// timestamp_utc_nominal2022, month, day, hour_ending_lst, dry_bulb_c, dew_point_c,
// rel_humidity_pct): each site's hottest hour, first and last rows (the last, 2023-01-01
// UTC, is 31 December local time and wraps to 1 January's hour), Chicago's coldest hour,
// and the JFK normals' finer 0.01 C resolution.
constexpr CitedRow kCitedRows[] = {
    // line 2:    2022-01-01T06:00:00Z,1,1,1,2.8,2.8,100.0
    {"us-tx-dallas", "us_tx_dallas_tmyx_hourly.csv", 2, "2022-01-01T06:00:00Z", 2.8, 2.8, 100.0},
    // line 5248: 2022-08-07T20:00:00Z,8,7,15,40.0,21.6,35.0 (hottest hour, 40.0 C)
    {"us-tx-dallas", "us_tx_dallas_tmyx_hourly.csv", 5248, "2022-08-07T20:00:00Z", 40.0, 21.6,
     35.0},
    // line 8761: 2023-01-01T05:00:00Z,12,31,24,6.1,2.2,76.0
    {"us-tx-dallas", "us_tx_dallas_tmyx_hourly.csv", 8761, "2023-01-01T05:00:00Z", 6.1, 2.2, 76.0},
    // line 4911: 2022-07-24T20:00:00Z,7,24,14,45.6,12.8,15.0 (hottest hour, 45.6 C)
    {"us-az-phoenix", "us_az_phoenix_tmyx_hourly.csv", 4911, "2022-07-24T20:00:00Z", 45.6, 12.8,
     15.0},
    // line 4983: 2022-07-27T21:00:00Z,7,27,14,34.4,10.6,23.0 (hottest hour, 34.4 C)
    {"us-ca-sanjose", "us_ca_sanjose_tmyx_hourly.csv", 4983, "2022-07-27T21:00:00Z", 34.4, 10.6,
     23.0},
    // line 4744: 2022-07-17T19:00:00Z,7,17,15,37.0,22.0,42.0 (hottest hour, 37.0 C)
    {"us-va-leesburg", "us_va_leesburg_tmyx_hourly.csv", 4744, "2022-07-17T19:00:00Z", 37.0, 22.0,
     42.0},
    // line 966:  2022-02-10T10:00:00Z,2,10,5,-21.7,-24.4,77.0 (coldest hour, -21.7 C)
    {"us-il-chicago", "us_il_chicago_tmyx_hourly.csv", 966, "2022-02-10T10:00:00Z", -21.7, -24.4,
     77.0},
    // line 2:    2022-01-01T05:00:00Z,1,1,1,1.78,-4.44,61.0
    {"us-ny-jfk", "us_ny_jfk_tmyx_hourly.csv", 2, "2022-01-01T05:00:00Z", 1.78, -4.44, 61.0},
    // line 4863: 2022-07-22T18:00:00Z,7,22,14,28.5,18.61,55.0 (hottest hour, 28.5 C)
    {"us-ny-jfk", "us_ny_jfk_tmyx_hourly.csv", 4863, "2022-07-22T18:00:00Z", 28.5, 18.61, 55.0},
};

/// Unix seconds of a cited row's "YYYY-MM-DDTHH:00:00Z".
std::int64_t unix_of(const std::string& ts) {
  return unix_utc_seconds(std::stoi(ts.substr(0, 4)), std::stoi(ts.substr(5, 2)),
                          std::stoi(ts.substr(8, 2)), std::stoi(ts.substr(11, 2)));
}

}  // namespace

TEST_CASE("Built-in profiles: names, 8760 hours each, JFK marked not for extremes", "[builtin]") {
  const auto names = builtin_weather_names();
  CHECK(std::is_sorted(names.begin(), names.end()));
  CHECK(names.size() == std::size(t::kSites));
  for (const auto& site : t::kSites) {
    CHECK(std::find(names.begin(), names.end(), site.name) != names.end());
  }
  for (const auto& name : names) {
    INFO(name);
    const auto w = builtin_weather(name);
    REQUIRE(w.has_value());
    CHECK(w->source() == "builtin:" + name);
    CHECK(w->dry_bulb_c().size() == kTypicalYearHours);
    CHECK(w->dew_point_c().size() == kTypicalYearHours);
    CHECK(w->rel_humidity_pct().size() == kTypicalYearHours);
    // Only the JFK climate normals are smoothed.
    CHECK(w->not_for_extremes().empty() == (name != "us-ny-jfk"));
  }
  CHECK(builtin_weather("us-ny-jfk")->not_for_extremes().find("Climate Normals") !=
        std::string::npos);
  CHECK_FALSE(builtin_weather("us-wa-seatle").has_value());
  CHECK_FALSE(builtin_weather("").has_value());
}

TEST_CASE("Built-in profiles hold the cited rows of their files, value for value", "[builtin]") {
  // Without ../shared: the values copied into kCitedRows from the files.
  for (const auto& row : kCitedRows) {
    INFO(row.file << " line " << row.line << ": " << row.timestamp);
    const auto w = *builtin_weather(row.profile);
    const auto u = unix_of(row.timestamp);
    // Exactly: the built-in integer over its scale is the double nearest the file's text.
    CHECK(w.dry_bulb_at(u) == row.dry_bulb_c);
    CHECK(w.dew_point_at(u) == row.dew_point_c);
    CHECK(w.rel_humidity_at(u) == row.rel_humidity_pct);
  }
  // The last row (2023-01-01T05:00Z) is 1 January's 05:00 UTC of the typical year, in any
  // year; hour to hour the series is not a repeated typical day: 1 and 31 January differ.
  const auto dallas = *builtin_weather("us-tx-dallas");
  CHECK(dallas.dry_bulb_at(unix_utc_seconds(2031, 1, 1, 5)) == 6.1);
  CHECK(typical_year_hour(unix_utc_seconds(2023, 1, 1, 5)) == 5);
  int differ = 0;
  for (int h = 0; h < 24; ++h) {
    if (dallas.dry_bulb_at(unix_utc_seconds(2022, 1, 1, h)) !=
        dallas.dry_bulb_at(unix_utc_seconds(2022, 1, 31, h))) {
      ++differ;
    }
  }
  CHECK(differ > 12);
}

TEST_CASE("Built-in extremes and means are the README's (hot hours kept)", "[builtin]") {
  // ../shared/data/weather/README.md, "mean / min / max dry-bulb C", rounded to 0.1 C
  // there (JFK's -1.39 C is -1.4): within 0.05 C.
  for (const auto& site : t::kSites) {
    INFO(site.name);
    const auto w = *builtin_weather(site.name);
    const auto dry = w.dry_bulb_c();
    CHECK(*std::max_element(dry.begin(), dry.end()) == Approx(site.max_c).margin(0.05));
    CHECK(*std::min_element(dry.begin(), dry.end()) == Approx(site.min_c).margin(0.05));
    CHECK(w.annual_mean_dry_bulb_c() == Approx(site.mean_c).margin(0.05));
  }
}

TEST_CASE("Built-in profiles equal their shared CSV files, every hour and every cited row",
          "[builtin][shared]") {
  std::size_t compared = 0;
  for (const auto& site : t::kSites) {
    const auto path = t::weather_dir() / site.file;
    if (!std::filesystem::exists(path)) {
      WARN(path << " is absent: not compared");
      continue;
    }
    INFO(site.name);
    const WeatherSeries builtin = *builtin_weather(site.name);
    const WeatherSeries file = load_weather_csv(path);
    // The library's loader and the built-in profile: the same doubles, all 8760 hours.
    for (std::size_t h = 0; h < kTypicalYearHours; ++h) {
      INFO("hour " << h);
      REQUIRE(builtin.dry_bulb_c()[h] == file.dry_bulb_c()[h]);
      REQUIRE(builtin.dew_point_c()[h] == file.dew_point_c()[h]);
      REQUIRE(builtin.rel_humidity_pct()[h] == file.rel_humidity_pct()[h]);
    }
    CHECK(file.not_for_extremes().empty());  // a loaded file is taken as real hours
    ++compared;
  }
  // The cited rows, read here from the files (without the loader): the text as copied.
  for (const auto& row : kCitedRows) {
    const auto path = t::weather_dir() / row.file;
    if (!std::filesystem::exists(path)) {
      continue;
    }
    INFO(row.file << " line " << row.line);
    const auto header = csv_line(path, 1);
    const auto cells = csv_line(path, row.line);
    const auto cell = [&](const std::string& column) {
      const auto at = std::find(header.begin(), header.end(), column);
      REQUIRE(at != header.end());
      return cells.at(static_cast<std::size_t>(at - header.begin()));
    };
    CHECK(cell("timestamp_utc_nominal2022") == row.timestamp);
    CHECK(std::stod(cell("dry_bulb_c")) == row.dry_bulb_c);
    CHECK(std::stod(cell("dew_point_c")) == row.dew_point_c);
    CHECK(std::stod(cell("rel_humidity_pct")) == row.rel_humidity_pct);
  }
  if (compared == 0) {
    WARN("no shared weather file found under " << t::weather_dir());
  }
}
