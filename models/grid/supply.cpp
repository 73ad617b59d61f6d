#include "models/grid/supply.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace footprint::models {

namespace {
/// g/kWh x MWh = kg: g per MWh per (g/kWh).
constexpr double kKwhPerMwh = 1000.0;
}  // namespace

SupplyResult account_supply(const SupplyInputs& in) {
  const std::size_t n = in.load_mwh.size();
  if (in.intensity.size() != n || in.grid_cfe.size() != n || in.clean_mw.size() != n) {
    throw std::invalid_argument("supply accounting: hourly inputs of different lengths");
  }
  std::optional<BatterySpec> bat = in.battery;
  if (bat && bat->capacity_mwh == 0) {
    bat.reset();  // no storage
  }
  double one_way = 1;
  double energy = 0;  ///< MWh stored
  double clean = 0;   ///< of which carbon-free
  if (bat) {
    const auto& b = *bat;
    if (!(b.capacity_mwh > 0) || !(b.power_mw > 0) || !(b.efficiency > 0) || b.efficiency > 1 ||
        b.soc_min < 0 || b.soc_max > 1 || b.soc_min > b.soc_max) {
      throw std::invalid_argument(
          "a battery needs capacity and power > 0, an efficiency in (0, 1] and 0 <= soc "
          "min <= max <= 1");
    }
    one_way = std::sqrt(b.efficiency);
    energy = b.capacity_mwh * std::clamp(b.initial_soc, b.soc_min, b.soc_max);
    clean = energy;  // it starts charged with carbon-free energy
  }
  SupplyResult r;
  r.load_mwh = in.load_mwh;
  r.clean_mw = in.clean_mw;
  r.grid_cfe = in.grid_cfe;
  r.intensity = in.intensity;
  for (auto* v : {&r.clean_used_mwh, &r.charge_mwh, &r.discharge_mwh, &r.import_mwh, &r.surplus_mwh,
                  &r.soc, &r.cfe_score}) {
    v->assign(n, 0.0);
  }
  for (std::size_t h = 0; h < n; ++h) {
    const double load = std::max(0.0, in.load_mwh[h]);
    const double gen = std::max(0.0, in.clean_mw[h]);  // MW over one hour = MWh
    const double direct = std::min(load, gen);
    double surplus = gen - direct;
    double deficit = load - direct;
    double charge_clean = 0;
    double charge_grid = 0;
    double discharge = 0;
    double discharge_clean = 0;
    if (bat) {
      const auto& b = *bat;
      const double room = std::max(0.0, b.soc_max * b.capacity_mwh - energy);  // stored MWh
      // Surplus first, in both modes.
      charge_clean = std::min({surplus, b.power_mw, room / one_way});
      surplus -= charge_clean;
      energy += charge_clean * one_way;
      clean += charge_clean * one_way;
      const double available = std::max(0.0, energy - b.soc_min * b.capacity_mwh) * one_way;
      double want = 0;
      if (b.dispatch == BatteryDispatch::kCarbon) {
        want = in.intensity[h] > b.threshold_g_per_kwh ? deficit : 0.0;
      } else {
        want = std::max(0.0, deficit - b.peak_mw);
      }
      discharge = std::min({want, b.power_mw - charge_clean, available});
      discharge = std::max(0.0, discharge);
      if (discharge > 0) {
        const double drawn = discharge / one_way;
        const double share = energy > 0 ? drawn / energy : 0.0;
        discharge_clean = clean * share * one_way;
        clean -= clean * share;
        energy -= drawn;
      }
      deficit -= discharge;
      if (b.dispatch == BatteryDispatch::kPeak && deficit < b.peak_mw) {
        const double room_now = std::max(0.0, b.soc_max * b.capacity_mwh - energy);
        charge_grid = std::min(
            {b.peak_mw - deficit, b.power_mw - charge_clean - discharge, room_now / one_way});
        charge_grid = std::max(0.0, charge_grid);
        energy += charge_grid * one_way;
        clean += charge_grid * one_way * in.grid_cfe[h];
      }
      r.soc[h] = energy / b.capacity_mwh;
    }
    const double import = deficit + charge_grid;
    const double cfe = direct + discharge_clean + in.grid_cfe[h] * deficit;
    r.clean_used_mwh[h] = direct;
    r.charge_mwh[h] = charge_clean + charge_grid;
    r.discharge_mwh[h] = discharge;
    r.import_mwh[h] = import;
    r.surplus_mwh[h] = surplus;
    r.cfe_score[h] = load > 0 ? cfe / load : 0.0;
    r.total_load_mwh += load;
    r.total_clean_mwh += gen;
    r.total_clean_used_mwh += direct;
    r.total_import_mwh += import;
    r.total_surplus_mwh += surplus;
    r.total_cfe_mwh += cfe;
    r.emissions_location_g += load * in.intensity[h] * kKwhPerMwh;
    r.emissions_market_hourly_g += import * in.intensity[h] * kKwhPerMwh;
    r.peak_import_mw = std::max(r.peak_import_mw, import);
  }
  r.score = r.total_load_mwh > 0 ? r.total_cfe_mwh / r.total_load_mwh : 0.0;
  const double matched =
      r.total_load_mwh > 0 ? std::min(1.0, r.total_clean_mwh / r.total_load_mwh) : 0.0;
  r.emissions_market_annual_g = r.emissions_location_g * (1 - matched);
  return r;
}

}  // namespace footprint::models
