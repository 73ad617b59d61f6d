// Shared helpers of the cooling tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "models/cooling/weather.hpp"

namespace footprint::models::test {

/// ../shared/data/weather beside the clone (tests that need it skip with a warning when it
/// is absent).
inline std::filesystem::path weather_dir() {
  return std::filesystem::path(FOOTPRINT_SHARED_DIR) / "data" / "weather";
}

struct SiteFacts {
  const char* name;  ///< builtin_weather() name
  const char* file;  ///< in weather_dir()
  double mean_c;     ///< README table, "mean / min / max dry-bulb C"
  double min_c;
  double max_c;
};

/// The table of ../shared/data/weather/README.md.
inline constexpr SiteFacts kSites[] = {
    {"us-va-leesburg", "us_va_leesburg_tmyx_hourly.csv", 13.8, -12.0, 37.0},
    {"us-ga-atlanta", "us_ga_atlanta_tmyx_hourly.csv", 17.2, -11.7, 35.0},
    {"us-ca-sanjose", "us_ca_sanjose_tmyx_hourly.csv", 15.2, -0.6, 34.4},
    {"us-wa-seattle", "us_wa_seattle_tmyx_hourly.csv", 11.7, -7.2, 35.0},
    {"us-az-phoenix", "us_az_phoenix_tmyx_hourly.csv", 24.7, 0.4, 45.6},
    {"us-tx-dallas", "us_tx_dallas_tmyx_hourly.csv", 19.8, -3.9, 40.0},
    {"us-il-chicago", "us_il_chicago_tmyx_hourly.csv", 10.8, -21.7, 35.6},
    {"us-ny-jfk", "us_ny_jfk_tmyx_hourly.csv", 12.9, -1.4, 28.5},
};

/// A fresh directory under the system temporary directory, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("footprint-cooling-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  /// Writes the lines, each ended by eol, and returns the file's path.
  [[nodiscard]] std::filesystem::path write(const std::string& name,
                                            const std::vector<std::string>& lines,
                                            std::string_view eol = "\n") const {
    const auto p = path_ / name;
    std::ofstream out(p, std::ios::binary);
    for (const auto& l : lines) {
      out << l << eol;
    }
    return p;
  }

 private:
  std::filesystem::path path_;
};

/// "2022-03-01T05:00:00Z" for hour index h in [0, 8760) of 2022 (UTC).
inline std::string timestamp_2022(std::size_t h) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  auto day = static_cast<int>(h / 24);
  int month = 0;
  while (day >= kDays[month]) {
    day -= kDays[month];
    ++month;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "2022-%02d-%02dT%02d:00:00Z", month + 1, day + 1,
                static_cast<int>(h % 24));
  return buf;
}

/// Synthetic dry bulb of hour h: distinct per hour, within range.
inline double synthetic_dry_bulb(std::size_t h) {
  return -20.0 + static_cast<double>(h % 500) * 0.1;
}

/// Header and 8760 valid rows in the shared files' format (columns in their order).
inline std::vector<std::string> valid_weather_csv() {
  std::vector<std::string> lines{
      "timestamp_utc_nominal2022,month,day,hour_ending_lst,dry_bulb_c,dew_point_c,"
      "rel_humidity_pct"};
  for (std::size_t h = 0; h < kTypicalYearHours; ++h) {
    const std::string ts = timestamp_2022(h);
    char buf[128];
    std::snprintf(buf, sizeof buf, "%s,%s,%s,%d,%.1f,%.1f,%.1f", ts.c_str(),
                  ts.substr(5, 2).c_str(), ts.substr(8, 2).c_str(), static_cast<int>(h % 24) + 1,
                  synthetic_dry_bulb(h), synthetic_dry_bulb(h) - 5.0, 70.0);
    lines.emplace_back(buf);
  }
  return lines;
}

}  // namespace footprint::models::test
