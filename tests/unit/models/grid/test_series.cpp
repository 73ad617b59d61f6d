// Loaders of carbon-intensity series: the shared real data, and bad files written to a
// temporary directory (each error names the file, line and column).
#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "grid_test_util.hpp"
#include "models/grid/series.hpp"
#include "sim/kernel/csv/csv.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"

namespace m = footprint::models;
using footprint::Diagnostic;
using footprint::InputError;
using footprint::grid_test::read_csv_rows;
using footprint::grid_test::shared_grid_dir;
using footprint::grid_test::TempDir;

namespace {

std::int64_t utc(const char* text) {
  std::string error;
  const auto t = m::parse_utc_timestamp(text, error);
  REQUIRE(t.has_value());
  return *t;
}

/// The diagnostics of the InputError that loading `p` raises (fails the test if none).
std::vector<Diagnostic> intensity_errors(const std::filesystem::path& p,
                                         const m::SeriesOptions& options = {}) {
  std::vector<std::string> warnings;
  try {
    (void)m::load_intensity_csv(p, options, warnings);
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  FAIL("no InputError for " << p.string());
  return {};
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

constexpr const char* kHeader = "timestamp_utc,gco2_per_kwh\n";

}  // namespace

TEST_CASE("UTC timestamps parse and print", "[grid][series]") {
  std::string error;
  CHECK(m::parse_utc_timestamp("1970-01-01T00:00:00Z", error) == 0);
  CHECK(m::parse_utc_timestamp("2022-01-01T00:00:00Z", error) == 1'640'995'200);
  CHECK(m::parse_utc_timestamp("2022-01-01T00:00:00+00:00", error) == 1'640'995'200);
  CHECK(m::parse_utc_timestamp("2022-01-01 00:00:00+00:00", error) == 1'640'995'200);
  CHECK(m::parse_utc_timestamp("2022-01-01T00:00Z", error) == 1'640'995'200);
  CHECK(m::parse_utc_timestamp("2020-02-29T23:59:59Z", error) == 1'583'020'799);
  CHECK(m::format_utc(1'583'020'799) == "2020-02-29T23:59:59Z");
  CHECK(m::format_utc(-1) == "1969-12-31T23:59:59Z");

  CHECK_FALSE(m::parse_utc_timestamp("2022-01-01T00:00:00+01:00", error));
  CHECK(contains(error, "timestamps must be UTC"));
  CHECK_FALSE(m::parse_utc_timestamp("2022-01-01T00:00:00", error));
  CHECK(contains(error, "timestamps must be UTC"));
  CHECK_FALSE(m::parse_utc_timestamp("2021-02-29T00:00:00Z", error));
  CHECK(contains(error, "day 29"));
  CHECK_FALSE(m::parse_utc_timestamp("2022-13-01T00:00:00Z", error));
  CHECK(contains(error, "month 13"));
  CHECK_FALSE(m::parse_utc_timestamp("2022-01-01T24:00:00Z", error));
  CHECK_FALSE(m::parse_utc_timestamp("yesterday", error));
  CHECK_FALSE(m::parse_utc_timestamp("2022-01-01", error));

  for (std::int64_t days = -800'000; days <= 800'000; days += 997) {
    const auto d = m::civil_from_days(days);
    CHECK(m::days_from_civil(d.year, d.month, d.day) == days);
  }
}

TEST_CASE("the eight US hourly series load with the README's row counts and means",
          "[grid][series][shared]") {
  const auto dir = shared_grid_dir();
  if (!dir) {
    return;
  }
  struct Expected {
    const char* file;
    double mean;  // README table, printed to 0.1 g/kWh: tolerance 0.05
  };
  const std::array<Expected, 8> table = {{{"us_ciso_2022_hourly.csv", 256.2},
                                          {"us_soco_2022_hourly.csv", 423.2},
                                          {"us_pjm_2022_hourly.csv", 362.6},
                                          {"us_bpat_2022_hourly.csv", 54.7},
                                          {"us_erco_2022_hourly.csv", 347.2},
                                          {"us_miso_2022_hourly.csv", 440.6},
                                          {"us_nyis_2022_hourly.csv", 272.8},
                                          {"us_azps_2022_hourly.csv", 575.0}}};
  for (const auto& e : table) {
    INFO(e.file);
    std::vector<std::string> warnings;
    const auto s = m::load_intensity_csv(*dir / e.file, {}, warnings);
    CHECK(warnings.empty());
    CHECK(s.t_s.size() == 8760);
    CHECK(s.value.size() == 8760);
    CHECK(s.t_s.front() == utc("2022-01-01T00:00:00Z"));
    CHECK(m::series_end_s(s) == utc("2023-01-01T00:00:00Z"));
    CHECK(m::time_weighted_mean(s) == Approx(e.mean).margin(0.05));
  }
}

TEST_CASE("15-, 30-min and mixed European series load, and absent 15-min stamps are filled",
          "[grid][series][shared]") {
  const auto dir = shared_grid_dir();
  if (!dir) {
    return;
  }
  SECTION("de_2020_native: 15 min with two absent quarter-hours") {
    std::vector<std::string> warnings;
    const auto s = m::load_intensity_csv(*dir / "de_2020_native.csv", {}, warnings);
    // 35134 rows + 2 interpolated = 366 days x 96 quarter-hours.
    CHECK(s.t_s.size() == 35'136);
    CHECK(m::median_step_s(s) == 900);
    for (std::size_t i = 1; i < s.t_s.size(); ++i) {
      REQUIRE(s.t_s[i] - s.t_s[i - 1] == 900);
    }
    REQUIRE(warnings.size() == 2);
    for (const auto& w : warnings) {
      CHECK(contains(w, "de_2020_native.csv:"));
      CHECK(contains(w, "interpolated 1 missing value linearly over 15 min"));
      CHECK(contains(w, "1 timestamp absent between lines"));
    }
    CHECK(m::time_weighted_mean(s) == Approx(313.4).margin(0.05));
    // With no gap allowed the same file is an error naming both.
    m::SeriesOptions strict;
    strict.max_gap_s = 0;
    const auto errors = intensity_errors(*dir / "de_2020_native.csv", strict);
    CHECK(errors.size() == 2);
  }
  SECTION("fr_2020_native: regular 30 min") {
    std::vector<std::string> warnings;
    const auto s = m::load_intensity_csv(*dir / "fr_2020_native.csv", {}, warnings);
    CHECK(warnings.empty());
    CHECK(s.t_s.size() == 17'568);
    CHECK(m::median_step_s(s) == 1800);
  }
  SECTION("gb_2020_native: 30 and 15 min mixed (irregular) loads as is") {
    std::vector<std::string> warnings;
    const auto s = m::load_intensity_csv(*dir / "gb_2020_native.csv", {}, warnings);
    CHECK(warnings.empty());
    CHECK(s.t_s.size() == 20'542);
    CHECK(m::median_step_s(s) == 1800);
  }
  SECTION("hourly") {
    std::vector<std::string> warnings;
    const auto s = m::load_intensity_csv(*dir / "de_2020_hourly.csv", {}, warnings);
    CHECK(s.t_s.size() == 8784);
    CHECK(m::time_weighted_mean(s) == Approx(313.4).margin(0.05));
  }
}

TEST_CASE("fuel mix: intensity = sum(gen x factor) / sum(gen), checked independently",
          "[grid][series][shared]") {
  const auto dir = shared_grid_dir();
  if (!dir) {
    return;
  }
  const auto path = *dir / "us_ciso_2022_hourly_fuelmix.csv";
  const auto factors = m::EmissionFactors::ipcc_ar5_median();
  std::vector<std::string> warnings;
  const auto s = m::load_fuelmix_csv(path, factors, {}, warnings);
  REQUIRE(s.t_s.size() == 8760);
  CHECK(warnings.size() == 3);  // CISO has three single empty hours

  // First row by hand: 2022-01-01T00:00Z, WND 3130 SUN 1367 WAT 2304 OIL 44 NG 6764 COL 19
  // NUC 2265 OTH 189 (MWh), factors 11 48 24 650 490 820 12 230 g/kWh.
  const double g = 3130.0 + 1367 + 2304 + 44 + 6764 + 19 + 2265 + 189;
  const double e = 3130.0 * 11 + 1367.0 * 48 + 2304.0 * 24 + 44.0 * 650 + 6764.0 * 490 +
                   19.0 * 820 + 2265.0 * 12 + 189.0 * 230;
  CHECK(s.value[0] == Approx(e / g).epsilon(1e-12));

  // Every row, independently: the CSV read with getline, factors written out here; the
  // three empty rows are single hours, so their value is the mean of their neighbours.
  const std::array<double, 8> f = {11, 48, 24, 650, 490, 820, 12, 230};  // WND..OTH
  const auto rows = read_csv_rows(path);
  REQUIRE(rows.size() == 8761);
  REQUIRE(rows[0][1] == "WND_mwh");
  REQUIRE(rows[0][8] == "OTH_mwh");
  std::vector<double> mine(8760, -1.0);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (rows[i][1].empty()) {
      continue;
    }
    double emitted = 0.0;
    double generated = 0.0;
    for (std::size_t k = 0; k < 8; ++k) {
      const double mwh = std::stod(rows[i][k + 1]);
      emitted += mwh * f[k];
      generated += mwh;
    }
    mine[i - 1] = emitted / generated;
  }
  int gaps = 0;
  for (std::size_t i = 0; i < mine.size(); ++i) {
    if (mine[i] < 0.0) {
      ++gaps;
      mine[i] = 0.5 * (mine[i - 1] + mine[i + 1]);
    }
  }
  CHECK(gaps == 3);
  for (std::size_t i = 0; i < mine.size(); ++i) {
    REQUIRE(s.value[i] == Approx(mine[i]).epsilon(1e-12));
  }
  const double mean = std::accumulate(mine.begin(), mine.end(), 0.0) / 8760.0;
  CHECK(m::time_weighted_mean(s) == Approx(mean).epsilon(1e-12));
  // AR5's utility-PV 48 g/kWh makes CISO 1.3 g/kWh dirtier than the file's own column.
  CHECK(mean == Approx(257.46).margin(0.01));
}

TEST_CASE("fuel mix: dc-rl's factors reproduce the file's own intensity column",
          "[grid][series][shared]") {
  const auto dir = shared_grid_dir();
  if (!dir) {
    return;
  }
  // A least-squares fit of the source's avg_CI against the fuel columns gives AR5's medians
  // with rooftop PV (41) for SUN and dedicated biomass (230) for OTH, to 1e-10 g/kWh.
  auto factors = m::EmissionFactors::ipcc_ar5_median();
  factors.g_per_kwh["SUN"] = 41.0;
  const auto path = *dir / "us_ciso_2022_hourly_fuelmix.csv";
  std::vector<std::string> warnings;
  const auto s = m::load_fuelmix_csv(path, factors, {}, warnings);
  const auto rows = read_csv_rows(path);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (!rows[i][9].empty()) {
      REQUIRE(s.value[i - 1] == Approx(std::stod(rows[i][9])).margin(1e-6));
    }
  }
  CHECK(m::time_weighted_mean(s) == Approx(256.2).margin(0.05));  // README: 256.2
}

TEST_CASE("fuel mix: PJM's 22-hour gap is interpolated up to max_gap and an error beyond",
          "[grid][series][shared]") {
  const auto dir = shared_grid_dir();
  if (!dir) {
    return;
  }
  const auto path = *dir / "us_pjm_2022_hourly_fuelmix.csv";
  const auto factors = m::EmissionFactors::ipcc_ar5_median();
  SECTION("max_gap 24 h: loads, one warning per run") {
    m::SeriesOptions options;
    options.max_gap_s = 24 * 3600;
    std::vector<std::string> warnings;
    const auto s = m::load_fuelmix_csv(path, factors, options, warnings);
    CHECK(s.t_s.size() == 8760);
    REQUIRE(warnings.size() == 2);
    CHECK(contains(warnings[0], "us_pjm_2022_hourly_fuelmix.csv:1713:"));
    CHECK(contains(warnings[0], "interpolated 22 missing values linearly over 22 h"));
    CHECK(contains(warnings[0], "2022-03-13T07:00:00Z to 2022-03-14T04:00:00Z"));
    CHECK(contains(warnings[0], "lines 1713-1734 empty"));
    CHECK(contains(warnings[1], "us_pjm_2022_hourly_fuelmix.csv:7447:"));
    CHECK(contains(warnings[1], "interpolated 1 missing value linearly over 1 h"));
    // Linear between the neighbours 2022-03-13T06:00Z (row 1712) and 2022-03-14T05:00Z.
    const std::size_t before = 1712 - 2;
    const std::size_t after = 1735 - 2;
    for (std::size_t i = before + 1; i < after; ++i) {
      const double w = static_cast<double>(i - before) / static_cast<double>(after - before);
      REQUIRE(s.value[i] == Approx(s.value[before] + w * (s.value[after] - s.value[before])));
    }
  }
  SECTION("MISO's rows with no generation (OIL 0.0, the rest empty) are gaps too") {
    const auto miso = *dir / "us_miso_2022_hourly_fuelmix.csv";
    std::vector<std::string> warnings;
    try {
      (void)m::load_fuelmix_csv(miso, factors, {}, warnings);
      FAIL("no error");
    } catch (const InputError& e) {
      REQUIRE(e.diagnostics().size() == 1);  // 3838-3839 is 2 h; 3768 alone is 1 h
      CHECK(e.diagnostics()[0].line == 3838);
      CHECK(contains(e.diagnostics()[0].message, "gap of 2 h"));
    }
    m::SeriesOptions options;
    options.max_gap_s = 2 * 3600;
    const auto s = m::load_fuelmix_csv(miso, factors, options, warnings);
    CHECK(s.t_s.size() == 8760);
    CHECK(warnings.size() == 2);
  }
  SECTION("max_gap 1 h: an error naming the run") {
    std::vector<std::string> warnings;
    try {
      (void)m::load_fuelmix_csv(path, factors, {}, warnings);
      FAIL("no error");
    } catch (const InputError& e) {
      REQUIRE(e.diagnostics().size() == 1);
      const auto& d = e.diagnostics()[0];
      CHECK(d.file == path.string());
      CHECK(d.line == 1713);
      CHECK(contains(d.message, "gap of 22 h"));
      CHECK(contains(d.message, "2022-03-13T07:00:00Z to 2022-03-14T04:00:00Z"));
      CHECK(contains(d.message, "max_gap = 1 h"));
      CHECK(contains(e.what(), "us_pjm_2022_hourly_fuelmix.csv:1713:"));
    }
  }
}

TEST_CASE("regular 15-, 30- and 60-minute files and gaps", "[grid][series]") {
  TempDir tmp;
  std::vector<std::string> warnings;
  SECTION("regular steps") {
    for (const char* step : {"15", "30"}) {
      const std::string s = std::string(kHeader) +
                            "2022-01-01T00:00:00Z,100\n2022-01-01T00:" + step + ":00+00:00,200\n";
      const auto ts = m::load_intensity_csv(tmp.write("s.csv", s), {}, warnings);
      CHECK(m::median_step_s(ts) == std::stoi(step) * 60);
    }
    const auto ts = m::load_intensity_csv(
        tmp.write("h.csv",
                  std::string(kHeader) + "2022-01-01T00:00:00Z,1\n2022-01-01T01:00:00Z,2\n"),
        {}, warnings);
    CHECK(m::series_end_s(ts) == utc("2022-01-01T02:00:00Z"));
    CHECK(warnings.empty());
  }
  SECTION("an empty value is a gap, filled linearly and reported") {
    const auto p = tmp.write("gap.csv", std::string(kHeader) +
                                            "2022-03-13T04:00:00Z,100\n"
                                            "2022-03-13T05:00:00Z,\n"
                                            "2022-03-13T06:00:00Z,300\n");
    const auto s = m::load_intensity_csv(p, {}, warnings);
    CHECK(s.value == std::vector<double>{100, 200, 300});
    REQUIRE(warnings.size() == 1);
    CHECK(contains(warnings[0], p.string() + ":3:"));
    CHECK(contains(warnings[0], "interpolated 1 missing value"));
    CHECK(contains(warnings[0], "2022-03-13T05:00:00Z"));
  }
  SECTION("an absent hour is a gap the same way") {
    const auto p = tmp.write("absent.csv", std::string(kHeader) +
                                               "2022-01-01T00:00:00Z,10\n"
                                               "2022-01-01T01:00:00Z,20\n"
                                               "2022-01-01T03:00:00Z,40\n"
                                               "2022-01-01T04:00:00Z,50\n");
    const auto s = m::load_intensity_csv(p, {}, warnings);
    CHECK(s.t_s.size() == 5);
    CHECK(s.t_s[2] == utc("2022-01-01T02:00:00Z"));
    CHECK(s.value[2] == 30.0);
    REQUIRE(warnings.size() == 1);
    CHECK(contains(warnings[0], "1 timestamp absent between lines 3 and 4"));
  }
  SECTION("two empty hours exceed the default max_gap of 1 h") {
    const auto p = tmp.write("long.csv", std::string(kHeader) +
                                             "2022-01-01T00:00:00Z,10\n"
                                             "2022-01-01T01:00:00Z,\n"
                                             "2022-01-01T02:00:00Z,\n"
                                             "2022-01-01T03:00:00Z,40\n");
    const auto errors = intensity_errors(p);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == 3);
    CHECK(errors[0].column == 22);
    CHECK(contains(errors[0].message, "gap of 2 h (2 missing values"));
    m::SeriesOptions two_hours;
    two_hours.max_gap_s = 7200;
    const auto s = m::load_intensity_csv(p, two_hours, warnings);
    CHECK(s.value == std::vector<double>{10, 20, 30, 40});
  }
  SECTION("a gap at the start or the end cannot be interpolated") {
    const auto p = tmp.write("edges.csv", std::string(kHeader) +
                                              "2022-01-01T00:00:00Z,\n"
                                              "2022-01-01T01:00:00Z,20\n"
                                              "2022-01-01T02:00:00Z,30\n"
                                              "2022-01-01T03:00:00Z,\n");
    const auto errors = intensity_errors(p);
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].line == 2);
    CHECK(contains(errors[0].message, "at the start"));
    CHECK(errors[1].line == 5);
    CHECK(contains(errors[1].message, "at the end"));
  }
  SECTION("extra columns, in any order, are ignored") {
    const auto p = tmp.write("extra.csv",
                             "region,gco2_per_kwh,timestamp_utc\n"
                             "x,5,2022-01-01T00:00:00Z\n"
                             "x,6,2022-01-01T01:00:00Z\n");
    const auto s = m::load_intensity_csv(p, {}, warnings);
    CHECK(s.value == std::vector<double>{5, 6});
  }
}

TEST_CASE("bad intensity files: every problem with file, line and column", "[grid][series]") {
  TempDir tmp;
  struct Case {
    const char* name;
    std::string text;
    int line;
    int column;
    const char* says;
  };
  const std::vector<Case> cases = {
      {"duplicate",
       std::string(kHeader) +
           "2022-01-01T00:00:00Z,1\n2022-01-01T01:00:00Z,2\n2022-01-01T01:00:00Z,3\n",
       4, 1, "duplicate timestamp 2022-01-01T01:00:00Z (also at line 3)"},
      {"unsorted",
       std::string(kHeader) +
           "2022-01-01T00:00:00Z,1\n2022-01-01T02:00:00Z,2\n2022-01-01T01:00:00Z,3\n",
       4, 1, "timestamps not sorted"},
      {"offset", std::string(kHeader) + "2022-01-01T00:00:00Z,1\n2022-01-01T01:00:00+01:00,2\n", 3,
       1, "timestamps must be UTC"},
      {"nozone", std::string(kHeader) + "2022-01-01T00:00:00,1\n2022-01-01T01:00:00Z,2\n", 2, 1,
       "timestamps must be UTC"},
      {"badtime", std::string(kHeader) + "2022-01-01T00:00:00Z,1\n2022-02-30T01:00:00Z,2\n", 3, 1,
       "bad timestamp '2022-02-30T01:00:00Z'"},
      {"nonnumeric", std::string(kHeader) + "2022-01-01T00:00:00Z,1\n2022-01-01T01:00:00Z,abc\n", 3,
       22, "'abc' is not a number"},
      {"negative", std::string(kHeader) + "2022-01-01T00:00:00Z,1\n2022-01-01T01:00:00Z,-5\n", 3,
       22, "-5 is negative"},
      {"empty", "", 1, 1, "empty file"},
      {"headeronly", kHeader, 1, 1, "no data rows"},
      {"missingcolumn", "timestamp_utc,gco2_per_kwhh\n2022-01-01T00:00:00Z,1\n", 1, 1,
       "missing column 'gco2_per_kwh'"},
      {"shortrow", std::string(kHeader) + "2022-01-01T00:00:00Z,1\n2022-01-01T01:00:00Z\n", 3, 1,
       "expected 2 comma-separated fields"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto p = tmp.write(std::string(c.name) + ".csv", c.text);
    const auto errors = intensity_errors(p);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].file == p.string());
    CHECK(errors[0].line == c.line);
    CHECK(errors[0].column == c.column);
    CHECK(contains(errors[0].message, c.says));
    CHECK(contains(errors[0].render(), p.string() + ":" + std::to_string(c.line) + ":"));
  }

  SECTION("all problems of a file are listed together") {
    const auto p = tmp.write("many.csv", std::string(kHeader) +
                                             "2022-01-01T00:00:00Z,1\n"
                                             "2022-01-01T01:00:00Z,x\n"
                                             "2022-01-01T02:00:00+02:00,2\n"
                                             "2022-01-01T03:00:00Z,-1\n"
                                             "2022-01-01T03:00:00Z,4\n");
    const auto errors = intensity_errors(p);
    REQUIRE(errors.size() == 4);
    CHECK(errors[0].line == 3);
    CHECK(errors[1].line == 4);
    CHECK(errors[2].line == 5);
    CHECK(errors[3].line == 6);
  }
  SECTION("the missing column's message suggests the near miss") {
    const auto errors = intensity_errors(
        tmp.write("near.csv", "timestamp_utc,gco2_per_kwhh\n2022-01-01T00:00:00Z,1\n"));
    CHECK(contains(errors[0].message, "did you mean 'gco2_per_kwhh'"));
  }
}

TEST_CASE("bad fuel-mix files", "[grid][series]") {
  TempDir tmp;
  const auto factors = m::EmissionFactors::ipcc_ar5_median();
  const auto errors_of = [&](const std::string& text) {
    const auto p = tmp.write("f.csv", text);
    std::vector<std::string> warnings;
    try {
      (void)m::load_fuelmix_csv(p, factors, {}, warnings);
    } catch (const InputError& e) {
      return e.diagnostics();
    }
    FAIL("no InputError");
    return std::vector<Diagnostic>{};
  };
  const std::string header = "timestamp_utc,NG_mwh,COL_mwh\n";
  SECTION("a row with generation but some fuels empty") {
    const auto e = errors_of(header + "2022-01-01T00:00:00Z,1,2\n2022-01-01T01:00:00Z,1,\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].line == 3);
    CHECK(e[0].column == 24);
    CHECK(e[0].path == "COL_mwh");
    CHECK(contains(e[0].message, "empty while other fuels"));
  }
  SECTION("a row with no generation (empty or zero cells) is a gap") {
    const auto p = tmp.write("zero.csv", header +
                                             "2022-01-01T00:00:00Z,1,0\n"
                                             "2022-01-01T01:00:00Z,0,\n"
                                             "2022-01-01T02:00:00Z,0,1\n");
    std::vector<std::string> warnings;
    const auto s = m::load_fuelmix_csv(p, factors, {}, warnings);
    CHECK(s.value[1] == Approx(0.5 * (490.0 + 820.0)));
    REQUIRE(warnings.size() == 1);
    CHECK(contains(warnings[0], "zero.csv:3: interpolated 1 missing value"));
  }
  SECTION("an unknown fuel") {
    const auto e = errors_of("timestamp_utc,NG_mwh,XYZ_mwh\n2022-01-01T00:00:00Z,1,2\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].line == 1);
    CHECK(e[0].column == 22);
    CHECK(contains(e[0].message, "no emission factor for fuel 'XYZ'"));
  }
  SECTION("negative generation") {
    const auto e = errors_of(header + "2022-01-01T00:00:00Z,1,-2\n2022-01-01T01:00:00Z,1,2\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].line == 2);
    CHECK(contains(e[0].message, "is negative"));
  }
  SECTION("overridden factors are used") {
    auto mine = factors;
    mine.g_per_kwh["NG"] = 400.0;
    mine.g_per_kwh["COL"] = 1000.0;
    const auto p = tmp.write("ok.csv", header +
                                           "2022-01-01T00:00:00Z,1,3\n"
                                           "2022-01-01T01:00:00Z,1,0\n");
    std::vector<std::string> warnings;
    const auto s = m::load_fuelmix_csv(p, mine, {}, warnings);
    CHECK(s.value[0] == Approx((400.0 + 3000.0) / 4.0));
    CHECK(s.value[1] == Approx(400.0));
  }
}

TEST_CASE("CFE fraction files must hold fractions", "[grid][series]") {
  TempDir tmp;
  std::vector<std::string> warnings;
  const auto ok = tmp.write(
      "cfe.csv", "timestamp_utc,cfe_fraction\n2022-01-01T00:00:00Z,0.25\n2022-01-01T01:00:00Z,1\n");
  CHECK(m::load_cfe_fraction_csv(ok, {}, warnings).value == std::vector<double>{0.25, 1.0});
  const auto bad = tmp.write(
      "bad.csv", "timestamp_utc,cfe_fraction\n2022-01-01T00:00:00Z,1.5\n2022-01-01T01:00:00Z,1\n");
  CHECK_THROWS_AS(m::load_cfe_fraction_csv(bad, {}, warnings), InputError);
}

TEST_CASE("csv: echoed cells are cut at 60 characters, and near misses of optional columns",
          "[grid][csv]") {
  using footprint::csv::shown;
  CHECK(shown("400") == "400");
  CHECK(shown(std::string(60, 'x')) == std::string(60, 'x'));
  CHECK(shown(std::string(10'000'000, 'x')) == std::string(60, 'x') + "... (10000000 characters)");
  // Never inside a UTF-8 sequence: 59 ASCII bytes then a two-byte letter.
  CHECK(shown(std::string(59, 'x') + "\xC3\xA9tail") ==
        std::string(59, 'x') + "... (65 characters)");

  const auto table =
      footprint::csv::Table::parse("\xEF\xBB\xBFname,submit_s,slak_s,owner\na,0,5,ann\n");
  footprint::Diagnostics d("jobs.csv");
  CHECK(table.header().front().text == "name");  // the byte-order mark is skipped
  table.check_near_misses({"name", "submit_s", "slack_s", "mfu"}, {"slack_s", "mfu"}, d);
  REQUIRE(d.items().size() == 1);  // slak_s; owner is far from every known name
  CHECK(d.items()[0].line == 1);
  CHECK(d.items()[0].column == 15);
  CHECK(d.items()[0].message.find("did you mean 'slack_s'") != std::string::npos);
}
