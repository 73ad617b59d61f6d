// A datacenter's energy supply hour by hour: contracted or on-site carbon-free generation
// (solar, wind, firm), a battery, and the grid for the rest; the 24/7 carbon-free score and
// market-based emissions with annual and with hourly matching (docs/grid.md, "Energy
// supply").
//
// The accounting runs after the fleet, on the facility's energy per hour: the supply does
// not change what the datacenter draws, only where it comes from. Per hour h (energies in
// MWh over the hour):
//   direct    = min(load, clean generation)               clean supply used at once
//   surplus   = clean generation - direct                  charged, else exported/curtailed
//   deficit   = load - direct                              met by the battery or the grid
//   battery   = charged from surplus (and, dispatching for peaks, from the grid), discharged
//               into the deficit (see BatterySpec), each way at sqrt(round-trip efficiency),
//               within its power and its state-of-charge bounds
//   import    = deficit - discharge + grid charging
//   CFE score = sum_h [direct + discharge x (clean share of the battery's energy)
//                      + grid CFE share_h x (deficit - discharge)] / sum_h load
//   market, hourly matching = sum_h import_h x intensity_h
//   market, annual matching = sum_h load_h x intensity_h x (1 - min(1, sum clean / sum load))
// The carbon-free share of the battery's energy is tracked (grid charging brings the grid's
// share), so energy charged from the grid is not counted carbon-free when it comes back;
// its emissions count when it is imported.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace footprint::models {

enum class BatteryDispatch : std::uint8_t {
  /// Charge from surplus clean generation only; discharge into the deficit while the grid's
  /// intensity is above `threshold_g_per_kwh`.
  kCarbon,
  /// Keep grid import at or below `peak_mw`: discharge above it, charge (from surplus, then
  /// from the grid) below it.
  kPeak,
};

struct BatterySpec {
  double capacity_mwh = 0;   ///< 0: no battery
  double power_mw = 0;       ///< charge and discharge limit
  double efficiency = 0.85;  ///< round trip, in (0, 1]
  double soc_min = 0;        ///< fractions of capacity, 0 <= min <= max <= 1
  double soc_max = 1;
  double initial_soc = 0;  ///< at the start, clamped to [soc_min, soc_max]: empty
  BatteryDispatch dispatch = BatteryDispatch::kCarbon;
  double threshold_g_per_kwh = 0;  ///< kCarbon
  double peak_mw = 0;              ///< kPeak
};

/// Hourly inputs, all of the same length (hours from the accounting's start).
struct SupplyInputs {
  std::vector<double> load_mwh;   ///< facility energy
  std::vector<double> intensity;  ///< grid (location-based) intensity, g/kWh
  std::vector<double> grid_cfe;   ///< grid's carbon-free share, [0, 1]
  std::vector<double> clean_mw;   ///< contracted/on-site carbon-free generation, MW
  std::optional<BatterySpec> battery;
};

/// Per hour, MWh unless said; and the totals.
struct SupplyResult {
  // The inputs, as used: the load, the generation (MWh in the hour), the grid's share and
  // intensity.
  std::vector<double> load_mwh;
  std::vector<double> clean_mw;
  std::vector<double> grid_cfe;
  std::vector<double> intensity;
  std::vector<double> clean_used_mwh;  ///< generation used at once
  std::vector<double> charge_mwh;      ///< into the battery (before losses)
  std::vector<double> discharge_mwh;   ///< delivered by the battery
  std::vector<double> import_mwh;      ///< from the grid (load and grid charging)
  std::vector<double> surplus_mwh;     ///< exported or curtailed
  std::vector<double> soc;             ///< state of charge at the hour's end, fraction
  std::vector<double> cfe_score;       ///< the hour's carbon-free share of its load
  double total_load_mwh = 0;
  double total_clean_mwh = 0;       ///< generated
  double total_clean_used_mwh = 0;  ///< generated and used at once
  double total_import_mwh = 0;
  double total_surplus_mwh = 0;
  double total_cfe_mwh = 0;  ///< carbon-free energy serving the load
  double score = 0;          ///< the 24/7 CFE score: total_cfe_mwh / total_load_mwh
  double emissions_location_g = 0;
  double emissions_market_annual_g = 0;
  double emissions_market_hourly_g = 0;
  double peak_import_mw = 0;  ///< the highest hourly mean import
};

/// Throws std::invalid_argument for inputs of different lengths or a battery out of range.
[[nodiscard]] SupplyResult account_supply(const SupplyInputs& in);

}  // namespace footprint::models
