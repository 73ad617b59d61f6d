// Weather series: the typical-year time mapping, the CSV loader on the shared files, and
// every kind of bad file.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "models/cooling/psychrometrics.hpp"
#include "models/cooling/weather.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"

using footprint::Diagnostic;
using footprint::InputError;
using footprint::models::kTypicalYearHours;
using footprint::models::load_weather_csv;
using footprint::models::typical_year_hour;
using footprint::models::unix_utc_seconds;
using footprint::models::WeatherSeries;
namespace t = footprint::models::test;
namespace psy = footprint::models::psychrometrics;

namespace {

constexpr std::size_t kHoursBeforeMarch = 59 * 24;

/// The diagnostics of loading a file that must fail.
std::vector<Diagnostic> problems(const std::filesystem::path& p) {
  try {
    (void)load_weather_csv(p);
  } catch (const InputError& e) {
    for (const auto& d : e.diagnostics()) {
      CHECK(d.file == p.string());
    }
    return e.diagnostics();
  }
  FAIL("no InputError for " << p);
  return {};
}

bool has(const std::vector<Diagnostic>& ds, int line, std::string_view path,
         std::string_view text) {
  return std::any_of(ds.begin(), ds.end(), [&](const Diagnostic& d) {
    return d.line == line && d.path == path && d.message.find(text) != std::string::npos;
  });
}

std::string dump(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds) {
    s += d.render() + "\n";
  }
  return s;
}

/// Replaces cell `column` (0-based) of a CSV line.
std::string with_cell(const std::string& line, std::size_t column, const std::string& value) {
  std::vector<std::string> cells;
  std::size_t start = 0;
  while (true) {
    const auto comma = line.find(',', start);
    cells.push_back(line.substr(start, comma - start));
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  cells.at(column) = value;
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    out += (i == 0 ? "" : ",") + cells[i];
  }
  return out;
}

// Columns of valid_weather_csv().
constexpr std::size_t kTs = 0;
constexpr std::size_t kDry = 4;
constexpr std::size_t kDew = 5;
constexpr std::size_t kRh = 6;

}  // namespace

TEST_CASE("Unix time of UTC calendar dates", "[weather]") {
  CHECK(unix_utc_seconds(1970, 1, 1) == 0);
  CHECK(unix_utc_seconds(2022, 1, 1) == 1'640'995'200);
  CHECK(unix_utc_seconds(2024, 2, 29, 12) == 1'709'208'000);
  CHECK(unix_utc_seconds(1969, 12, 31, 23, 59, 59) == -1);
  CHECK(unix_utc_seconds(2022, 13, 1) == unix_utc_seconds(2023, 1, 1));
}

TEST_CASE("Any UTC time maps to (day of year, hour) of the typical year", "[weather]") {
  CHECK(typical_year_hour(unix_utc_seconds(2022, 1, 1)) == 0);
  CHECK(typical_year_hour(unix_utc_seconds(2022, 1, 1, 0, 59, 59)) == 0);
  CHECK(typical_year_hour(unix_utc_seconds(2022, 1, 1, 1)) == 1);
  CHECK(typical_year_hour(unix_utc_seconds(2022, 12, 31, 23)) == kTypicalYearHours - 1);
  // Whatever the year: 2030 and 1995 wrap onto the same hours as 2022.
  for (int year : {1995, 2022, 2030, 2100}) {
    CHECK(typical_year_hour(unix_utc_seconds(year, 7, 1, 5)) == 181 * 24 + 5);
    CHECK(typical_year_hour(unix_utc_seconds(year, 12, 31, 23)) == kTypicalYearHours - 1);
  }
  // Before 1970 (negative Unix time).
  CHECK(typical_year_hour(-1) == kTypicalYearHours - 1);
  CHECK(typical_year_hour(unix_utc_seconds(1900, 3, 1, 4)) == kHoursBeforeMarch + 4);
}

TEST_CASE("29 February maps to 28 February, and 1 March stays day 60", "[weather]") {
  for (int year : {2000, 2020, 2024}) {
    for (int hour : {0, 13, 23}) {
      const auto feb29 = typical_year_hour(unix_utc_seconds(year, 2, 29, hour));
      CHECK(feb29 == typical_year_hour(unix_utc_seconds(year, 2, 28, hour)));
      CHECK(feb29 == 58 * 24 + static_cast<std::size_t>(hour));
      CHECK(typical_year_hour(unix_utc_seconds(year, 3, 1, hour)) ==
            kHoursBeforeMarch + static_cast<std::size_t>(hour));
      CHECK(typical_year_hour(unix_utc_seconds(year, 12, 31, hour)) ==
            364 * 24 + static_cast<std::size_t>(hour));
    }
  }
  // 2100 is not a leap year: its 1 March is day 60 as well.
  CHECK(typical_year_hour(unix_utc_seconds(2100, 3, 1)) == kHoursBeforeMarch);

  std::vector<double> dry(kTypicalYearHours);
  for (std::size_t h = 0; h < kTypicalYearHours; ++h) {
    dry[h] = static_cast<double>(h) / 100.0;
  }
  const WeatherSeries w("synthetic", dry, std::vector<double>(kTypicalYearHours, 0.0),
                        std::vector<double>(kTypicalYearHours, 50.0));
  CHECK(w.dry_bulb_at(unix_utc_seconds(2024, 2, 29, 13)) ==
        w.dry_bulb_at(unix_utc_seconds(2022, 2, 28, 13)));
  CHECK(w.dry_bulb_at(unix_utc_seconds(2024, 3, 1, 13)) ==
        w.dry_bulb_at(unix_utc_seconds(2022, 3, 1, 13)));
}

TEST_CASE("WeatherSeries holds exactly 8760 finite hours", "[weather]") {
  const std::vector<double> ok(kTypicalYearHours, 1.0);
  CHECK_THROWS_AS(WeatherSeries("x", std::vector<double>(8784, 1.0), ok, ok),
                  std::invalid_argument);
  auto nan = ok;
  nan[7] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(WeatherSeries("x", ok, nan, ok), std::invalid_argument);
}

TEST_CASE("Each shared weather file loads: 8760 hours, README's mean, min and max",
          "[weather][shared]") {
  std::size_t loaded = 0;
  for (const auto& site : t::kSites) {
    const auto path = t::weather_dir() / site.file;
    if (!std::filesystem::exists(path)) {
      WARN(path << " is absent: not checked");
      continue;
    }
    INFO(site.file);
    const WeatherSeries w = load_weather_csv(path);
    CHECK(w.dry_bulb_c().size() == kTypicalYearHours);
    CHECK(w.dew_point_c().size() == kTypicalYearHours);
    CHECK(w.rel_humidity_pct().size() == kTypicalYearHours);
    // README values are rounded to 0.1 C.
    CHECK(w.annual_mean_dry_bulb_c() == Approx(site.mean_c).margin(0.05));
    const auto [lo, hi] = std::minmax_element(w.dry_bulb_c().begin(), w.dry_bulb_c().end());
    CHECK(*lo == Approx(site.min_c).margin(0.05));
    CHECK(*hi == Approx(site.max_c).margin(0.05));
    ++loaded;
  }
  if (loaded == 0) {
    WARN("no shared weather file found under " << t::weather_dir());
  }
}

TEST_CASE("A shared file's rows land on their UTC hour, the last ones wrapping to 1 January",
          "[weather][shared]") {
  const auto path = t::weather_dir() / "us_az_phoenix_tmyx_hourly.csv";
  if (!std::filesystem::exists(path)) {
    WARN(path << " is absent: not checked");
    return;
  }
  const WeatherSeries w = load_weather_csv(path);
  // First data row: 2022-01-01T07:00:00Z,1,1,1,8.3,-6.1,33.0
  CHECK(w.dry_bulb_at(unix_utc_seconds(2022, 1, 1, 7)) == 8.3);
  CHECK(w.dew_point_at(unix_utc_seconds(2022, 1, 1, 7)) == -6.1);
  CHECK(w.rel_humidity_at(unix_utc_seconds(2022, 1, 1, 7)) == 33.0);
  // Last row: 2023-01-01T06:00:00Z,12,31,24,7.8,4.4,79.0 -> 1 January 06:00 UTC.
  CHECK(w.dry_bulb_at(unix_utc_seconds(2022, 1, 1, 6)) == 7.8);
  CHECK(w.dry_bulb_at(unix_utc_seconds(2031, 1, 1, 6, 30)) == 7.8);
}

TEST_CASE("A valid file loads whatever its column order, line ends and extra columns",
          "[weather]") {
  const t::TempDir dir;
  auto lines = t::valid_weather_csv();
  // Reorder: rel_humidity_pct,extra,dew_point_c,timestamp_utc_nominal2022,dry_bulb_c
  for (auto& l : lines) {
    std::vector<std::string> c;
    std::size_t s = 0;
    while (true) {
      const auto k = l.find(',', s);
      c.push_back(l.substr(s, k - s));
      if (k == std::string::npos) {
        break;
      }
      s = k + 1;
    }
    l = c[kRh] + "," + c[1] + "," + c[kDew] + "," + c[kTs] + "," + c[kDry];
  }
  lines.emplace_back("");  // a trailing blank line is fine
  const auto p = dir.write("reordered.csv", lines, "\r\n");
  const WeatherSeries w = load_weather_csv(p);
  for (std::size_t h :
       {std::size_t{0}, std::size_t{1}, kHoursBeforeMarch + 5, kTypicalYearHours - 1}) {
    INFO("hour " << h);
    CHECK(w.dry_bulb_c()[h] == Approx(t::synthetic_dry_bulb(h)).margin(1e-9));
    CHECK(w.dew_point_c()[h] == Approx(t::synthetic_dry_bulb(h) - 5.0).margin(1e-9));
    CHECK(w.rel_humidity_pct()[h] == 70.0);
  }
  CHECK(w.source() == p.string());
}

TEST_CASE("Bad weather files: each problem is an InputError naming file and line",
          "[weather][errors]") {
  const t::TempDir dir;
  const auto valid = t::valid_weather_csv();
  // Data row r (0-based) is on line r + 2.

  SECTION("empty file") {
    const auto d = problems(dir.write("empty.csv", {}));
    REQUIRE(d.size() == 1);
    CHECK(d[0].line == 1);
    CHECK(d[0].message.find("empty") != std::string::npos);
  }
  SECTION("only blank lines") {
    const auto d = problems(dir.write("blank.csv", {"", "  "}));
    REQUIRE(d.size() == 1);
    CHECK(d[0].line == 1);
  }
  SECTION("missing file") {
    const auto d = problems(dir.path() / "no-such-file.csv");
    REQUIRE(d.size() == 1);
    CHECK(d[0].message.find("cannot open") != std::string::npos);
  }
  SECTION("missing column, with a suggestion") {
    auto lines = valid;
    lines[0] =
        "timestamp_utc_nominal2022,month,day,hour_ending_lst,dry_bulb_c,dewpoint_c,"
        "rel_humidity_pct";
    const auto d = problems(dir.write("missing-column.csv", lines));
    INFO(dump(d));
    REQUIRE(d.size() == 1);
    CHECK(d[0].line == 1);
    CHECK(d[0].message.find("missing column 'dew_point_c'") != std::string::npos);
    CHECK(d[0].message.find("dewpoint_c") != std::string::npos);
  }
  SECTION("every missing column is listed") {
    // The timestamp and the dry bulb; humidity is optional (dew point, relative humidity
    // or neither), unless a header name is close to one of its columns (above).
    const auto d = problems(dir.write("header-only.csv", {"a,b,c"}));
    CHECK(d.size() == 2);
  }
  SECTION("non-numeric cell") {
    auto lines = valid;
    lines[101] = with_cell(lines[101], kDry, "warm");
    const auto d = problems(dir.write("text.csv", lines));
    INFO(dump(d));
    REQUIRE(d.size() == 1);
    CHECK(has(d, 102, "dry_bulb_c", "'warm' is not a number"));
    // Column: the cell's first character (after "2022-01-05T04:00:00Z,01,05,5,").
    CHECK(d[0].column == static_cast<int>(lines[101].find("warm")) + 1);
  }
  SECTION("empty cell") {
    auto lines = valid;
    lines[7] = with_cell(lines[7], kRh, "");
    const auto d = problems(dir.write("empty-cell.csv", lines));
    INFO(dump(d));
    CHECK(has(d, 8, "rel_humidity_pct", "empty"));
  }
  SECTION("dry bulb outside -90 .. 60 C") {
    auto lines = valid;
    lines[10] = with_cell(lines[10], kDry, "75.0");
    lines[20] = with_cell(lines[20], kDry, "-95.0");
    lines[20] = with_cell(lines[20], kDew, "-99.0");
    const auto d = problems(dir.write("hot.csv", lines));
    INFO(dump(d));
    CHECK(d.size() == 2);
    CHECK(has(d, 11, "dry_bulb_c", "outside the physical range"));
    CHECK(has(d, 21, "dry_bulb_c", "outside the physical range"));
  }
  SECTION("dew point above dry bulb + 0.5 C") {
    auto lines = valid;
    // Line 4 (hour 2): dry bulb -19.8, a dew point 0.4 C above it is within tolerance;
    // line 5 (hour 3): dry bulb -19.7, 0.7 C above is not.
    lines[3] = with_cell(lines[3], kDew, "-19.4");
    lines[4] = with_cell(lines[4], kDew, "-19.0");
    const auto d = problems(dir.write("supersaturated.csv", lines));
    INFO(dump(d));
    REQUIRE(d.size() == 1);
    CHECK(has(d, 5, "dew_point_c", "above the dry bulb"));
  }
  SECTION("relative humidity outside 0 .. 100 %") {
    auto lines = valid;
    lines[30] = with_cell(lines[30], kRh, "100.5");
    lines[31] = with_cell(lines[31], kRh, "-1");
    const auto d = problems(dir.write("humid.csv", lines));
    INFO(dump(d));
    CHECK(d.size() == 2);
    CHECK(has(d, 31, "rel_humidity_pct", "outside 0 .. 100"));
    CHECK(has(d, 32, "rel_humidity_pct", "outside 0 .. 100"));
  }
  SECTION("too few rows") {
    auto lines = valid;
    lines.erase(lines.begin() + 1 + 100);  // 2022-01-05T04:00Z
    const auto d = problems(dir.write("short.csv", lines));
    INFO(dump(d));
    CHECK(d.size() == 2);
    CHECK(has(d, 8760, "", "8759 data rows"));
    CHECK(has(d, 8760, "", "no row for 1 hour(s) of the typical year: day 5 (5 January) 04:00"));
  }
  SECTION("too many rows: a duplicate hour") {
    auto lines = valid;
    lines.push_back(lines[50]);
    const auto d = problems(dir.write("long.csv", lines));
    INFO(dump(d));
    CHECK(d.size() == 2);
    CHECK(has(d, 8762, "", "8761 data rows"));
    CHECK(has(d, 8762, "timestamp_utc_nominal2022", "already given on line 51"));
  }
  SECTION("a leap year's 29 February duplicates 28 February") {
    auto lines = valid;
    // Line 1418 (hour 1416, 1 March 00:00 UTC) becomes 29 February 23:00 of a leap year.
    auto& row = lines[kHoursBeforeMarch + 1];
    row = with_cell(row, kTs, "2024-02-29T23:00:00Z");
    const auto d = problems(dir.write("leap.csv", lines));
    INFO(dump(d));
    CHECK(d.size() == 2);
    CHECK(has(d, 1418, "timestamp_utc_nominal2022",
              "day 59 (28 February) 23:00 UTC of the typical year, already given on line 1417"));
    CHECK(has(d, 8761, "", "no row for 1 hour(s) of the typical year: day 60 (1 March) 00:00"));
  }
  SECTION("bad timestamps") {
    auto lines = valid;
    lines[1] = with_cell(lines[1], kTs, "2022-01-01 00:30:00Z");
    lines[2] = with_cell(lines[2], kTs, "2022-13-01T01:00:00Z");
    lines[3] = with_cell(lines[3], kTs, "yesterday");
    lines[4] = with_cell(lines[4], kTs, "2022-01-01T03:00:00");
    const auto d = problems(dir.write("times.csv", lines));
    INFO(dump(d));
    CHECK(has(d, 2, "timestamp_utc_nominal2022", "not on the hour"));
    CHECK(has(d, 3, "timestamp_utc_nominal2022", "month 13 is not 1-12"));
    CHECK(
        has(d, 4, "timestamp_utc_nominal2022", "bad timestamp 'yesterday': expected ISO-8601 UTC"));
    CHECK(has(d, 5, "timestamp_utc_nominal2022", "timestamps must be UTC"));
  }
  SECTION("a short row") {
    auto lines = valid;
    lines[9] = "2022-01-01T08:00:00Z,1,1";
    const auto d = problems(dir.write("short-row.csv", lines));
    INFO(dump(d));
    CHECK(has(d, 10, "", "expected 7 comma-separated fields as in the header, found 3"));
  }
  SECTION("every problem of a file is listed at once, each with its line") {
    auto lines = valid;
    lines[1] = with_cell(lines[1], kDry, "n/a");
    lines[500] = with_cell(lines[500], kRh, "140");
    lines[8000] = with_cell(lines[8000], kDew, "abc");
    lines.pop_back();
    const auto d = problems(dir.write("several.csv", lines));
    INFO(dump(d));
    CHECK(d.size() == 5);  // three cells, the row count and the missing hour
    CHECK(has(d, 2, "dry_bulb_c", "not a number"));
    CHECK(has(d, 501, "rel_humidity_pct", "outside"));
    CHECK(has(d, 8001, "dew_point_c", "not a number"));
    // The rendered message carries file:line:column for each.
    try {
      (void)load_weather_csv(dir.path() / "several.csv");
    } catch (const InputError& e) {
      const std::string what = e.what();
      CHECK(what.find((dir.path() / "several.csv").string() + ":501:") != std::string::npos);
    }
  }
  SECTION("thousands of problems: 200 listed, the rest counted") {
    auto lines = valid;
    for (std::size_t r = 1; r <= 1000; ++r) {
      lines[r] = with_cell(lines[r], kRh, "x");
    }
    const auto d = problems(dir.write("many.csv", lines));
    REQUIRE(d.size() == 201);
    CHECK(d.back().message == "and 800 more problem(s) not listed");
  }
}

TEST_CASE("Humidity columns are optional: either gives the other, neither gives none",
          "[cooling][weather]") {
  t::TempDir dir;
  const auto valid = t::valid_weather_csv();
  // Drop columns 5 (dew point) and 6 (humidity) of every line, keeping the rest.
  const auto without = [&](std::size_t drop) {
    std::vector<std::string> out;
    for (const auto& line : valid) {
      std::vector<std::string> cells;
      std::size_t start = 0;
      for (std::size_t end = line.find(',');; end = line.find(',', start)) {
        cells.push_back(line.substr(start, end - start));
        if (end == std::string::npos) {
          break;
        }
        start = end + 1;
      }
      std::string joined;
      for (std::size_t c = 0; c < cells.size(); ++c) {
        if (c == drop || (drop == 56 && (c == 5 || c == 6))) {
          continue;
        }
        joined += (joined.empty() ? "" : ",") + cells[c];
      }
      out.push_back(joined);
    }
    return out;
  };
  const auto full = load_weather_csv(dir.write("full.csv", valid));
  const auto rh_only = load_weather_csv(dir.write("rh.csv", without(5)));
  const auto dew_only = load_weather_csv(dir.write("dew.csv", without(6)));
  const auto neither = load_weather_csv(dir.write("dry.csv", without(56)));
  CHECK(rh_only.has_humidity());
  CHECK(dew_only.has_humidity());
  CHECK_FALSE(neither.has_humidity());
  for (std::size_t h = 0; h < kTypicalYearHours; h += 97) {
    // The file's dew point (dry bulb - 5 C) and humidity (70 %) are not consistent with
    // each other: each derived value follows from the column that was kept, through the
    // saturation pressure: p_ws(dew point) = humidity x p_ws(dry bulb).
    const double dry = full.dry_bulb_c()[h];
    CHECK(psy::saturation_pressure_pa(rh_only.dew_point_c()[h]) ==
          Approx(0.70 * psy::saturation_pressure_pa(dry)).epsilon(1e-5));
    CHECK(dew_only.dew_point_c()[h] == full.dew_point_c()[h]);
    CHECK(dew_only.rel_humidity_pct()[h] ==
          Approx(100.0 * psy::saturation_pressure_pa(dry - 5.0) / psy::saturation_pressure_pa(dry))
              .epsilon(1e-12));
    CHECK(std::isnan(neither.dew_point_c()[h]));
    CHECK(neither.dry_bulb_c()[h] == dry);
  }
}
