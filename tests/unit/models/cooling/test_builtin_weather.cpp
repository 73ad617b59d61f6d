// Built-in weather profiles: names, expansion to 8760 hours, and agreement with an
// independent reading of the shared CSV files.
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
using footprint::models::unix_utc_seconds;
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

/// Mean of a column over the rows of a CSV whose UTC timestamp has this month and hour,
/// read here without the library's loader: the year is ignored, as the profiles do.
double csv_mean(const std::filesystem::path& path, const std::string& column, int month, int hour) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = split(line);
  const auto col =
      static_cast<std::size_t>(std::find(header.begin(), header.end(), column) - header.begin());
  const auto ts_col = static_cast<std::size_t>(
      std::find(header.begin(), header.end(), "timestamp_utc_nominal2022") - header.begin());
  REQUIRE(col < header.size());
  REQUIRE(ts_col < header.size());
  double sum = 0.0;
  int n = 0;
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = split(line);
    const std::string& ts = cells.at(ts_col);  // 2022-01-01T07:00:00Z
    if (std::stoi(ts.substr(5, 2)) == month && std::stoi(ts.substr(11, 2)) == hour) {
      sum += std::stod(cells.at(col));
      ++n;
    }
  }
  REQUIRE(n >= 28);
  return sum / n;
}

}  // namespace

TEST_CASE("Built-in profiles: names and 8760 hours each", "[builtin]") {
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
    // A typical day per month: 1 and 31 January agree hour by hour, as do 1 and 28 February
    // and (any year's) 29 February.
    for (int h = 0; h < 24; ++h) {
      CHECK(w->dry_bulb_at(unix_utc_seconds(2022, 1, 1, h)) ==
            w->dry_bulb_at(unix_utc_seconds(2022, 1, 31, h)));
      CHECK(w->dew_point_at(unix_utc_seconds(2022, 2, 1, h)) ==
            w->dew_point_at(unix_utc_seconds(2024, 2, 29, h)));
    }
  }
  CHECK_FALSE(builtin_weather("us-wa-seatle").has_value());
  CHECK_FALSE(builtin_weather("").has_value());
}

TEST_CASE("Built-in January 00:00 UTC (and July 12:00 UTC) equal the CSV's monthly means",
          "[builtin][shared]") {
  std::size_t compared = 0;
  for (const auto& site : t::kSites) {
    const auto path = t::weather_dir() / site.file;
    if (!std::filesystem::exists(path)) {
      WARN(path << " is absent: not compared");
      continue;
    }
    INFO(site.name);
    const auto w = *builtin_weather(site.name);
    const auto jan = unix_utc_seconds(2022, 1, 1, 0);
    const auto jul = unix_utc_seconds(2022, 7, 15, 12);
    CHECK(w.dry_bulb_at(jan) == Approx(csv_mean(path, "dry_bulb_c", 1, 0)).margin(1e-6));
    CHECK(w.dew_point_at(jan) == Approx(csv_mean(path, "dew_point_c", 1, 0)).margin(1e-6));
    CHECK(w.rel_humidity_at(jan) == Approx(csv_mean(path, "rel_humidity_pct", 1, 0)).margin(1e-6));
    CHECK(w.dry_bulb_at(jul) == Approx(csv_mean(path, "dry_bulb_c", 7, 12)).margin(1e-6));
    // Monthly means weighted by days keep the annual mean.
    CHECK(w.annual_mean_dry_bulb_c() ==
          Approx(load_weather_csv(path).annual_mean_dry_bulb_c()).margin(1e-6));
    ++compared;
  }
  if (compared == 0) {
    WARN("no shared weather file found under " << t::weather_dir());
  }
}
