// Built-in typical-day profiles: shape, calendar expansion, and their values against an
// independent computation from the source CSV files.
#include <array>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "grid_test_util.hpp"
#include "models/grid/builtin_profiles.hpp"

namespace m = footprint::models;
using footprint::grid_test::read_csv_rows;
using footprint::grid_test::shared_grid_dir;

namespace {

std::int64_t utc(const char* text) {
  std::string error;
  const auto t = m::parse_utc_timestamp(text, error);
  REQUIRE(t.has_value());
  return *t;
}

std::vector<std::string> profile_names() {
  return {"us-azps", "us-bpat", "us-ciso", "us-erco", "us-miso", "us-nyis", "us-pjm", "us-soco"};
}

}  // namespace

TEST_CASE("built-in profiles: names and calendar expansion", "[grid][profiles]") {
  CHECK(m::builtin_intensity_profile_names() == profile_names());
  CHECK_FALSE(m::builtin_intensity_profile("us-nowhere", 2022));
  CHECK_FALSE(m::builtin_intensity_profile("US-CISO", 2022));

  for (const auto& name : profile_names()) {
    INFO(name);
    const auto y2022 = m::builtin_intensity_profile(name, 2022);
    REQUIRE(y2022);
    CHECK(y2022->t_s.size() == 8760);
    CHECK(y2022->value.size() == 8760);
    CHECK(y2022->t_s.front() == utc("2022-01-01T00:00:00Z"));
    CHECK(m::series_end_s(*y2022) == utc("2023-01-01T00:00:00Z"));
    for (std::size_t i = 1; i < y2022->t_s.size(); ++i) {
      REQUIRE(y2022->t_s[i] - y2022->t_s[i - 1] == 3600);
    }
    // Each day of a month repeats the month's typical day: 1 and 31 January.
    for (std::size_t h = 0; h < 24; ++h) {
      REQUIRE(y2022->value[h] == y2022->value[30 * 24 + h]);
    }
    const auto y2024 = m::builtin_intensity_profile(name, 2024);
    REQUIRE(y2024);
    CHECK(y2024->value.size() == 8784);
    // 29 February 2024 (day index 59) takes February's typical day (day index 31).
    for (std::size_t h = 0; h < 24; ++h) {
      REQUIRE(y2024->value[59 * 24 + h] == y2024->value[31 * 24 + h]);
    }
    // 1 March 2024 (day index 60) is 1 March 2022 (day index 59).
    CHECK(y2024->value[60 * 24] == y2022->value[59 * 24]);
  }
}

TEST_CASE("built-in profiles equal typical days computed independently from the CSV files",
          "[grid][profiles][shared]") {
  const auto dir = shared_grid_dir();
  if (!dir) {
    return;
  }
  const std::map<std::string, double> readme_mean = {
      {"us-azps", 575.0}, {"us-bpat", 54.7},  {"us-ciso", 256.2}, {"us-erco", 347.2},
      {"us-miso", 440.6}, {"us-nyis", 272.8}, {"us-pjm", 362.6},  {"us-soco", 423.2}};
  for (const auto& name : profile_names()) {
    INFO(name);
    const std::string stem = name.substr(3);
    const auto rows = read_csv_rows(*dir / ("us_" + stem + "_2022_hourly.csv"));
    REQUIRE(rows.size() == 8761);
    // Typical day: mean per (month, UTC hour), from "YYYY-MM-DDTHH:..." text.
    std::array<std::array<double, 24>, 12> sum{};
    std::array<std::array<int, 24>, 12> count{};
    double total = 0.0;
    for (std::size_t i = 1; i < rows.size(); ++i) {
      const auto month = static_cast<std::size_t>(std::stoi(rows[i][0].substr(5, 2)) - 1);
      const auto hour = static_cast<std::size_t>(std::stoi(rows[i][0].substr(11, 2)));
      const double v = std::stod(rows[i][1]);
      sum[month][hour] += v;
      count[month][hour] += 1;
      total += v;
    }
    const auto profile = m::builtin_intensity_profile(name, 2022);
    REQUIRE(profile);
    // January, 00:00 UTC: the mean of the 31 midnight values.
    CHECK(profile->value[0] == Approx(sum[0][0] / 31.0).margin(1e-6));
    // Every month and hour: day 1 of month m at hour h.
    std::size_t day_index = 0;
    for (int month = 1; month <= 12; ++month) {
      const auto mi = static_cast<std::size_t>(month - 1);
      for (std::size_t h = 0; h < 24; ++h) {
        REQUIRE(count[mi][h] == m::days_in_month(2022, month));
        REQUIRE(profile->value[day_index * 24 + h] ==
                Approx(sum[mi][h] / count[mi][h]).margin(1e-6));
      }
      day_index += static_cast<std::size_t>(m::days_in_month(2022, month));
    }
    // Expanded over 2022, the profile keeps the series' annual mean.
    CHECK(m::time_weighted_mean(*profile) == Approx(total / 8760.0).margin(1e-6));
    CHECK(m::time_weighted_mean(*profile) == Approx(readme_mean.at(name)).margin(0.05));
  }
}
