// Time series of grid carbon intensity (and carbon-free-energy fractions), and their
// loaders from CSV files.
//
// A TimeSeries is piecewise constant: value[i] holds from t_s[i] to t_s[i + 1], and the
// last value holds for the series' step (the median of its intervals). Times are UTC unix
// seconds. Loaders report every problem of a file at once as footprint::InputError, each
// with file:line:column and what was expected; gaps short enough to be interpolated are
// filled and reported as warnings (docs/grid.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/kernel/units/calendar.hpp"
#include "sim/kernel/units/time_constants.hpp"
#include "sim/kernel/units/utc.hpp"

namespace footprint::models {

struct TimeSeries {
  std::vector<std::int64_t> t_s;  ///< UTC unix seconds, interval starts, strictly increasing
  std::vector<double> value;      ///< one per t_s
  std::string source;             ///< where the values came from, for messages and reports
};

/// The median of the series' intervals (the lower median for an even count); the last
/// value holds for this long. Throws std::invalid_argument for fewer than two points.
[[nodiscard]] std::int64_t median_step_s(const TimeSeries& s);
/// t_s.back() + median_step_s(s): the end of the last interval.
[[nodiscard]] std::int64_t series_end_s(const TimeSeries& s);
/// The time-weighted mean over [t_s.front(), series_end_s(s)).
[[nodiscard]] double time_weighted_mean(const TimeSeries& s);
/// Throws std::invalid_argument unless t_s and value have the same size of at least two,
/// t_s increases strictly and every value is finite and within [lo, hi].
void check_series(const TimeSeries& s, double lo, double hi, std::string_view what);

struct SeriesOptions {
  /// The longest run of missing values that is filled by linear interpolation (and reported
  /// as a warning); longer runs are errors. A run's length is the time its missing values
  /// cover: one missing hour in an hourly series is 1 h. Default 1 h.
  std::int64_t max_gap_s = units::kWholeSecondsPerHour;
};

/// Life-cycle emission factors per fuel, g CO2e/kWh, keyed by the fuel code of the
/// fuel-mix columns (EIA-930: WND SUN WAT OIL NG COL NUC OTH). Overridable per code.
struct EmissionFactors {
  std::map<std::string, double, std::less<>> g_per_kwh;

  /// IPCC AR5 WG III Annex III (Schlomer et al. 2014), Table A.III.2, life-cycle medians:
  /// COL 820 (coal, pulverised), NG 490 (gas, combined cycle), SUN 48 (PV, utility scale),
  /// WND 11 (wind onshore), WAT 24 (hydropower), NUC 12 (nuclear); AR5 gives no median for
  /// oil: OIL 650 (UK Parliamentary Office of Science and Technology 2006, "Carbon
  /// footprint of electricity generation", as used by Electricity Maps' defaults); OTH 230
  /// (assumption: EIA-930 "other" is mostly biomass, waste and geothermal; AR5's dedicated
  /// biomass median). docs/grid.md has the table and the alternatives.
  [[nodiscard]] static EmissionFactors ipcc_ar5_median();
  /// 1 for the carbon-free fuels (WND, SUN, WAT, NUC), 0 for the others (OIL, NG, COL, and
  /// OTH, which mixes geothermal with biomass and waste): with load_fuelmix_csv, a series of
  /// the grid's carbon-free share (docs/grid.md, "Energy supply").
  [[nodiscard]] static EmissionFactors carbon_free_share();
};

/// Upper bounds of a grid file's values (docs/grid.md): beyond them a run's sums overflow,
/// and no grid comes near them (coal, the dirtiest fuel, is about 1,000 g/kWh; the world's
/// grids together generate about 3e6 MW).
inline constexpr double kMaxIntensityGPerKwh = 1e5;
inline constexpr double kMaxGenerationMw = 1e7;

/// Reads `timestamp_utc,<value_column>` (other columns ignored, columns found by name).
/// Timestamps: ISO-8601 UTC, "YYYY-MM-DDTHH:MM[:SS]" followed by "Z" or "+00:00" (a space
/// may replace the "T"); intervals may be irregular. An empty value is a gap. Appends one
/// warning per interpolated run to `warnings`. Throws footprint::InputError.
[[nodiscard]] TimeSeries load_intensity_csv(const std::filesystem::path& path,
                                            const SeriesOptions& options,
                                            std::vector<std::string>& warnings);

/// As load_intensity_csv, for the value column `cfe_fraction`: the share of the site's
/// consumption matched by contracted carbon-free energy in each interval, within [0, 1].
[[nodiscard]] TimeSeries load_cfe_fraction_csv(const std::filesystem::path& path,
                                               const SeriesOptions& options,
                                               std::vector<std::string>& warnings);

/// As load_intensity_csv, for a generation column in MW or MWh per hour (`mw`, or a
/// fuel-mix file's `SUN_mwh`), non-negative.
[[nodiscard]] TimeSeries load_generation_csv(const std::filesystem::path& path,
                                             std::string_view column, const SeriesOptions& options,
                                             std::vector<std::string>& warnings);

/// Reads the `*_fuelmix.csv` format: `timestamp_utc` and one `<FUEL>_mwh` column per fuel
/// (every column ending in "_mwh" is a fuel; each needs a factor). The intensity of a row is
/// sum(gen_f x factor_f) / sum(gen_f); any other column (the file's own gco2_per_kwh) is
/// ignored. A row reporting no generation (every fuel cell empty or zero) is a gap,
/// interpolated in intensity; a row with generation must give every fuel (0 for none).
[[nodiscard]] TimeSeries load_fuelmix_csv(const std::filesystem::path& path,
                                          const EmissionFactors& factors,
                                          const SeriesOptions& options,
                                          std::vector<std::string>& warnings);

// UTC timestamps (the loaders' parser, and the formatter of their messages):
// sim/kernel/units/utc.hpp.
using units::format_utc;
using units::parse_utc_timestamp;

// Calendar arithmetic (proleptic Gregorian, UTC): sim/kernel/units/calendar.hpp.
using units::civil_from_days;
using units::CivilDate;
using units::days_from_civil;
using units::days_in_month;
using units::is_leap_year;

}  // namespace footprint::models
