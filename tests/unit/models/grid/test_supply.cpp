// The hourly supply accounting (models/grid/supply.hpp), against hand computations; and the
// built-in supply shapes against the data they were derived from.
#include <algorithm>
#include <numeric>

#include <catch2/catch.hpp>

#include "models/grid/builtin_supply.hpp"
#include "models/grid/supply.hpp"

using namespace footprint::models;

TEST_CASE("Supply without a battery: direct use, surplus, grid import and the 24/7 score",
          "[grid][supply]") {
  SupplyInputs in;
  in.load_mwh = {10, 10, 10};
  in.clean_mw = {0, 5, 15};
  in.grid_cfe = {0.5, 0.2, 0.0};
  in.intensity = {400, 300, 100};
  const auto r = account_supply(in);
  // Hour 0: all from the grid, half of it carbon-free (5). Hour 1: 5 direct + 0.2 x 5 from
  // the grid (6). Hour 2: all direct (10), 5 surplus. Score 21 / 30.
  CHECK(r.score == Approx(0.7).epsilon(1e-15));
  CHECK(r.cfe_score[0] == Approx(0.5).epsilon(1e-15));
  CHECK(r.cfe_score[1] == Approx(0.6).epsilon(1e-15));
  CHECK(r.cfe_score[2] == Approx(1.0).epsilon(1e-15));
  CHECK(r.import_mwh == std::vector<double>{10, 5, 0});
  CHECK(r.surplus_mwh == std::vector<double>{0, 0, 5});
  CHECK(r.clean_used_mwh == std::vector<double>{0, 5, 10});
  CHECK(r.total_surplus_mwh == Approx(5));
  CHECK(r.peak_import_mw == 10);
  // g/kWh x MWh x 1000: location 10 x (400 + 300 + 100) kg; hourly matching 10 x 400 + 5 x
  // 300 kg; annual matching: 20 of 30 MWh matched, a third of the location figure.
  CHECK(r.emissions_location_g == Approx(8e6).epsilon(1e-15));
  CHECK(r.emissions_market_hourly_g == Approx(5.5e6).epsilon(1e-15));
  CHECK(r.emissions_market_annual_g == Approx(8e6 / 3).epsilon(1e-15));
}

TEST_CASE("A battery dispatched for carbon stores surplus and discharges when the grid is dirty",
          "[grid][supply]") {
  SupplyInputs in;
  in.load_mwh = {0, 5};
  in.clean_mw = {5, 0};
  in.grid_cfe = {0, 0};
  in.intensity = {100, 400};
  BatterySpec b;
  b.capacity_mwh = 10;
  b.power_mw = 4;
  b.efficiency = 0.81;  // 0.9 each way
  b.soc_min = 0;
  b.soc_max = 1;
  b.initial_soc = 0;
  b.dispatch = BatteryDispatch::kCarbon;
  b.threshold_g_per_kwh = 200;
  in.battery = b;
  const auto r = account_supply(in);
  // Hour 0: 4 MWh charged (its power), 3.6 stored, 1 MWh surplus. Hour 1 (400 > 200 g/kWh):
  // 3.6 x 0.9 = 3.24 MWh delivered, carbon-free; 1.76 imported.
  CHECK(r.charge_mwh[0] == Approx(4).epsilon(1e-15));
  CHECK(r.surplus_mwh[0] == Approx(1).epsilon(1e-15));
  CHECK(r.soc[0] == Approx(0.36).epsilon(1e-15));
  CHECK(r.discharge_mwh[1] == Approx(3.24).epsilon(1e-15));
  CHECK(r.soc[1] == Approx(0).margin(1e-15));
  CHECK(r.import_mwh[1] == Approx(1.76).epsilon(1e-15));
  CHECK(r.score == Approx(3.24 / 5).epsilon(1e-15));
  CHECK(r.emissions_market_hourly_g == Approx(1.76 * 400 * 1000).epsilon(1e-15));
  // Not dirty enough: the same battery keeps its charge.
  in.battery->threshold_g_per_kwh = 500;
  const auto kept = account_supply(in);
  CHECK(kept.discharge_mwh[1] == 0);
  CHECK(kept.soc[1] == Approx(0.36).epsilon(1e-15));
  CHECK(kept.import_mwh[1] == 5);
}

TEST_CASE("A battery dispatched for peaks holds import at the peak; grid charge is not clean",
          "[grid][supply]") {
  SupplyInputs in;
  in.load_mwh = {12, 4};
  in.clean_mw = {0, 0};
  in.grid_cfe = {0.4, 0.4};
  in.intensity = {300, 100};
  BatterySpec b;
  b.capacity_mwh = 10;
  b.power_mw = 5;
  b.efficiency = 1;
  b.initial_soc = 0.5;  // 5 MWh, carbon-free
  b.dispatch = BatteryDispatch::kPeak;
  b.peak_mw = 8;
  in.battery = b;
  const auto r = account_supply(in);
  // Hour 0: 4 MWh discharged to hold import at 8 (carbon-free, from the initial charge):
  // CFE 4 + 0.4 x 8. Hour 1: 4 MWh charged from the grid up to the peak, import 8, CFE
  // 0.4 x 4 (the charge's own carbon-free share is stored, not counted now).
  CHECK(r.discharge_mwh[0] == Approx(4).epsilon(1e-15));
  CHECK(r.import_mwh == std::vector<double>{8, 8});
  CHECK(r.charge_mwh[1] == Approx(4).epsilon(1e-15));
  CHECK(r.soc == std::vector<double>{0.1, 0.5});
  CHECK(r.peak_import_mw == 8);
  CHECK(r.score == Approx((4 + 0.4 * 8 + 0.4 * 4) / 16).epsilon(1e-15));
  CHECK(r.emissions_market_hourly_g == Approx((8 * 300 + 8 * 100) * 1000.0).epsilon(1e-15));
  // Discharging the grid-charged energy later counts only its grid share as carbon-free:
  // stored 5 MWh, 1 + 1.6 of it carbon-free (52 %).
  in.load_mwh = {12, 4, 13};
  in.clean_mw = {0, 0, 0};
  in.grid_cfe = {0.4, 0.4, 0.0};
  in.intensity = {300, 100, 300};
  const auto later = account_supply(in);
  CHECK(later.discharge_mwh[2] == Approx(5).epsilon(1e-15));
  CHECK(later.cfe_score[2] == Approx(5 * 0.52 / 13).epsilon(1e-12));
}

TEST_CASE("Supply inputs of different lengths or a battery out of range are refused",
          "[grid][supply]") {
  SupplyInputs in;
  in.load_mwh = {1, 2};
  in.clean_mw = {1};
  in.grid_cfe = {0, 0};
  in.intensity = {1, 1};
  CHECK_THROWS_AS(account_supply(in), std::invalid_argument);
  in.clean_mw = {1, 1};
  BatterySpec b;
  b.capacity_mwh = 1;
  b.power_mw = 1;
  b.soc_min = 0.9;
  b.soc_max = 0.1;
  in.battery = b;
  CHECK_THROWS_AS(account_supply(in), std::invalid_argument);
}

TEST_CASE("The built-in supply shapes are the EIA-930 2022 hours of their region",
          "[grid][supply]") {
  const auto names = builtin_supply_regions();
  CHECK(names.size() == 8);
  const auto solar = builtin_supply_shape("us-ciso", SupplyShape::kSolar, 2022);
  REQUIRE(solar);
  CHECK(solar->value.size() == 8760);
  // The shape's highest hour is 1 and solar is dark at night: California's 2022-06-15 at
  // 10:00 UTC is 03:00 PDT.
  CHECK(*std::max_element(solar->value.begin(), solar->value.end()) == 1.0);
  const std::size_t june15_10utc = (31 + 28 + 31 + 30 + 31 + 14) * 24 + 10;
  CHECK(solar->value[june15_10utc] < 0.01);
  CHECK(solar->value[june15_10utc + 10] > 0.5);  // 13:00 PDT
  // A leap year's 29 February repeats the 28th.
  const auto leap = builtin_supply_shape("us-pjm", SupplyShape::kWind, 2024);
  REQUIRE(leap);
  CHECK(leap->value.size() == 8784);
  for (std::size_t h = 0; h < 24; ++h) {
    CHECK(leap->value[(31 + 28) * 24 + h] == leap->value[(31 + 27) * 24 + h]);
  }
  CHECK_FALSE(builtin_supply_shape("us-nowhere", SupplyShape::kCfe, 2022));
  // Bonneville's grid is mostly hydro: a carbon-free share near 0.9 on average (0.92 from
  // the fuel mix: wind + solar + hydro + nuclear over all generation).
  const auto bpat = builtin_supply_shape("us-bpat", SupplyShape::kCfe, 2022);
  REQUIRE(bpat);
  const double mean = std::accumulate(bpat->value.begin(), bpat->value.end(), 0.0) /
                      static_cast<double>(bpat->value.size());
  CHECK(mean == Approx(0.92).margin(0.01));
}
