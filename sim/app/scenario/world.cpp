#include "sim/app/scenario/world.hpp"

#include <cmath>
#include <fstream>

#include <fmt/format.h>

#include "models/cooling/economizer.hpp"
#include "models/cooling/water.hpp"
#include "models/cooling/weather.hpp"
#include "models/grid/builtin_profiles.hpp"
#include "models/grid/builtin_supply.hpp"
#include "models/grid/series.hpp"
#include "models/grid/series_carbon.hpp"
#include "models/grid/water.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/units/calendar.hpp"
#include "sim/kernel/units/time_constants.hpp"

namespace footprint::scenario {

namespace {

/// The calendar year of a UTC unix time.
std::int64_t year_of(std::int64_t unix_s) {
  return models::civil_from_days(units::floor_div(unix_s, units::kWholeSecondsPerDay)).year;
}

bool looks_like_fuel_mix(const std::string& path) {
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  return header.find("_mwh") != std::string::npos;
}

models::TimeSeries load_series(const SeriesSource& src, const Scenario& sc, bool cfe, World& world,
                               std::vector<std::string>& warnings, Diagnostics& d) {
  if (!src.profile.empty()) {
    if (cfe) {
      d.error(src.key_path, "carbon-free energy has no built-in profiles: give a file");
      return {};
    }
    auto p =
        models::builtin_intensity_profile(src.profile, static_cast<int>(year_of(sc.epoch_unix_s)));
    if (!p) {
      const auto names = models::builtin_intensity_profile_names();
      const auto hint = closest_match(src.profile, names);
      d.error(src.key_path + ".profile",
              hint.empty() ? fmt::format("unknown profile \"{}\" (known: {})", src.profile,
                                         fmt::join(names, ", "))
                           : fmt::format("unknown profile \"{}\" (did you mean \"{}\"?)",
                                         src.profile, hint));
      return {};
    }
    return *p;
  }
  models::SeriesOptions opt;
  opt.max_gap_s = static_cast<std::int64_t>(units::to_seconds(src.max_gap));
  world.files.emplace_back(src.given, src.file);
  if (cfe) {
    return models::load_cfe_fraction_csv(src.file, opt, warnings);
  }
  if (looks_like_fuel_mix(src.file)) {
    return models::load_fuelmix_csv(src.file, models::EmissionFactors::ipcc_ar5_median(), opt,
                                    warnings);
  }
  return models::load_intensity_csv(src.file, opt, warnings);
}

/// A data file's problems keep their own place; one without a place of its own (a series
/// too short for the horizon) is put at the scenario key that names the data.
InputError placed(const InputError& e, const Diagnostics& d, const std::string& path) {
  auto items = e.diagnostics();
  for (auto& item : items) {
    if (item.file.empty()) {
      item.file = d.file();
      item.path = item.path.empty() ? path : item.path;
    }
  }
  return InputError(std::move(items));
}

/// The national average capacity factors of 2020, EIA Electric Power Annual, Table 4.08.B
/// (utility-scale generators): solar photovoltaic 24.2 %, wind 35.3 %. A shape scaled to a
/// capacity delivers capacity x this on average unless the scenario gives its own.
constexpr double kSolarCapacityFactor = 0.242;
constexpr double kWindCapacityFactor = 0.353;

/// A series over [0, horizon) from the epoch, checked to cover it unless it repeats.
models::detail::RepeatingSeries covering(models::TimeSeries s, bool yearly, const Scenario& sc,
                                         engine::SimTime horizon, const std::string& what) {
  models::detail::RepeatingSeries r(std::move(s),
                                    yearly ? models::Repeat::yearly : models::Repeat::none, what);
  r.check_covers(sc.epoch_unix_s,
                 sc.epoch_unix_s + static_cast<std::int64_t>(std::ceil(horizon.to_seconds())));
  return r;
}

/// The datacenter's supply signals: its generation shapes scaled, and its grid's share.
SupplySignals supply_signals(const Scenario& sc, std::size_t i, engine::SimTime horizon,
                             World& world, std::vector<std::string>& warnings, Diagnostics& d) {
  const auto& dc = sc.datacenters[i];
  const auto& sup = *dc.supply;
  const auto& reg = sc.regions[dc.region];
  const int year = static_cast<int>(year_of(sc.epoch_unix_s));
  SupplySignals out;
  const bool builtin_region = reg.series && !reg.series->profile.empty();
  const bool fuelmix_region =
      reg.series && !reg.series->file.empty() && looks_like_fuel_mix(reg.series->file);
  models::SeriesOptions opt;
  // The grid's carbon-free share.
  if (builtin_region) {
    if (auto s =
            models::builtin_supply_shape(reg.series->profile, models::SupplyShape::kCfe, year)) {
      out.grid_cfe = covering(std::move(*s), true, sc, horizon, "the grid's carbon-free share");
    }
  } else if (fuelmix_region) {
    opt.max_gap_s = static_cast<std::int64_t>(units::to_seconds(reg.series->max_gap));
    out.grid_cfe =
        covering(models::load_fuelmix_csv(
                     reg.series->file, models::EmissionFactors::carbon_free_share(), opt, warnings),
                 reg.series->repeat_yearly, sc, horizon, "the grid's carbon-free share");
  }
  if (!out.grid_cfe) {
    if (reg.grid_cfe) {
      out.grid_cfe_constant = *reg.grid_cfe;
    } else {
      d.error(sup.key_path,
              fmt::format("accounting the supply hour by hour needs the grid's carbon-free share, "
                          "and region {}'s intensity has no fuel mix: give "
                          "regions[{}].grid_cfe (a fraction)",
                          reg.name, dc.region));
    }
  }
  // Solar and wind.
  const auto generation = [&](const GenerationSpec& g, models::SupplyShape shape, const char* fuel,
                              double default_cf,
                              std::optional<models::detail::RepeatingSeries>& series, double& mw) {
    const char* what = shape == models::SupplyShape::kSolar ? "solar" : "wind";
    std::optional<models::TimeSeries> s;
    bool yearly = true;
    bool in_mw = false;  // a file in MW, taken as it is
    if (g.source && !g.source->profile.empty()) {
      const std::string suffix = std::string("-") + what;
      const auto& name = g.source->profile;
      const auto region =
          name.size() > suffix.size() ? name.substr(0, name.size() - suffix.size()) : std::string();
      s = models::builtin_supply_shape(region, shape, year);
      if (!s) {
        std::vector<std::string> known;
        for (const auto& r : models::builtin_supply_regions()) {
          known.push_back(r + suffix);
        }
        const auto hint = closest_match(name, known);
        d.error(g.key_path + ".profile",
                hint.empty() ? fmt::format("unknown {} shape \"{}\" (known: {})", what, name,
                                           fmt::join(known, ", "))
                             : fmt::format("unknown {} shape \"{}\" (did you mean \"{}\"?)", what,
                                           name, hint));
        return;
      }
    } else if (g.source && !g.source->file.empty()) {
      opt.max_gap_s = static_cast<std::int64_t>(units::to_seconds(g.source->max_gap));
      world.files.emplace_back(g.source->given, g.source->file);
      s = models::load_generation_csv(g.source->file, "mw", opt, warnings);
      yearly = g.source->repeat_yearly;
      in_mw = !g.capacity;
    } else if (builtin_region) {
      s = models::builtin_supply_shape(reg.series->profile, shape, year);
    } else if (fuelmix_region) {
      opt.max_gap_s = static_cast<std::int64_t>(units::to_seconds(reg.series->max_gap));
      s = models::load_generation_csv(reg.series->file, fuel, opt, warnings);
      yearly = reg.series->repeat_yearly;
    }
    if (!s) {
      d.error(g.key_path,
              fmt::format("no {} shape: region {} has neither a built-in profile nor a fuel-mix "
                          "file; give profile (us-pjm-{}) or file (timestamp_utc,mw)",
                          what, reg.name, what));
      return;
    }
    if (in_mw) {
      mw = 1;
    } else {
      const double mean = models::time_weighted_mean(*s);
      const double cf = g.capacity_factor.value_or(default_cf);
      constexpr double kWattsPerMegawatt = 1e6;
      mw = mean > 0 ? units::to_watts(*g.capacity) / kWattsPerMegawatt * cf / mean : 0.0;
    }
    try {
      series = covering(std::move(*s), yearly, sc, horizon, std::string(what) + " generation");
    } catch (const std::exception& e) {
      d.error(g.key_path, e.what());
    }
  };
  if (sup.solar) {
    generation(*sup.solar, models::SupplyShape::kSolar, "SUN_mwh", kSolarCapacityFactor, out.solar,
               out.solar_mw);
  }
  if (sup.wind) {
    generation(*sup.wind, models::SupplyShape::kWind, "WND_mwh", kWindCapacityFactor, out.wind,
               out.wind_mw);
  }
  return out;
}

/// Each datacenter's on-site water (towers built with the cooling) and its region's
/// off-site water intensity, for the datacenters with `water`.
void build_water(const Scenario& sc, engine::SimTime horizon,
                 const std::vector<std::shared_ptr<const models::OnsiteWater>>& tower_of,
                 const std::vector<bool>& region_failed, World& world,
                 std::vector<std::string>& warnings, Diagnostics& d,
                 std::vector<InputError>& file_errors) {
  world.onsite_water.resize(sc.datacenters.size());
  world.grid_water.resize(sc.datacenters.size());
  std::vector<std::shared_ptr<const models::GridWater>> of_region(sc.regions.size());
  std::vector<bool> tried(sc.regions.size(), false);
  for (std::size_t r = 0; r < sc.regions.size(); ++r) {
    const auto& reg = sc.regions[r];
    const bool fuelmix =
        reg.series && !reg.series->file.empty() && looks_like_fuel_mix(reg.series->file);
    if (!reg.water_factors.empty() && !fuelmix) {
      d.error(reg.water_key_path + ".water_factors",
              "water_factors weigh the fuel mix, and this region's intensity has none (a "
              "fuel-mix file, *_fuelmix.csv): give water_intensity");
    }
    if (reg.water_intensity && fuelmix) {
      d.error(reg.water_key_path + ".water_intensity",
              "the region's intensity is a fuel mix, whose water intensity follows from it: "
              "give water_factors to change a fuel's factor, not water_intensity");
    }
  }
  for (std::size_t i = 0; i < sc.datacenters.size(); ++i) {
    const auto& dc = sc.datacenters[i];
    if (!dc.water) {
      continue;
    }
    if (dc.water->on_site == WaterSpec::OnSite::kTower) {
      world.onsite_water[i] = tower_of[i];
    } else {
      world.onsite_water[i] = std::make_shared<models::ConstantWue>(dc.water->wue);
    }
    if (dc.region >= sc.regions.size()) {
      continue;
    }
    const auto r = dc.region;
    const auto& reg = sc.regions[r];
    if (!tried[r] && !region_failed[r]) {  // a failed intensity is reported once, there
      tried[r] = true;
      const bool fuelmix =
          reg.series && !reg.series->file.empty() && looks_like_fuel_mix(reg.series->file);
      if (fuelmix) {
        auto factors = models::macknick_2012_water_consumption();
        for (const auto& [code, v] : reg.water_factors) {
          factors.g_per_kwh[code] = v;
        }
        models::SeriesOptions opt;
        opt.max_gap_s = static_cast<std::int64_t>(units::to_seconds(reg.series->max_gap));
        try {
          auto series = models::load_fuelmix_csv(reg.series->file, factors, opt, warnings);
          auto gw = std::make_shared<models::GridWater>(
              sc.epoch_unix_s, std::move(series),
              reg.series->repeat_yearly ? models::Repeat::yearly : models::Repeat::none, horizon);
          const auto hydro = factors.g_per_kwh.at("WAT");
          gw->set_source(
              fmt::format("fuel mix of {} x Macknick et al. 2012 consumption medians (hydro {}){}",
                          reg.series->given,
                          hydro > 0 ? fmt::format("{:g} L/kWh", hydro) : std::string("excluded"),
                          reg.water_factors.empty() ? "" : ", with the region's water_factors"));
          of_region[r] = std::move(gw);
        } catch (const InputError& e) {
          file_errors.push_back(placed(e, d, reg.water_key_path + ".intensity"));
        } catch (const std::exception& e) {
          d.error(reg.water_key_path + ".intensity", e.what());
        }
      } else if (reg.water_intensity) {
        of_region[r] = std::make_shared<models::GridWater>(
            *reg.water_intensity,
            fmt::format("{:g} L/kWh (given)", units::to_litres_per_kwh(*reg.water_intensity)));
      } else {
        d.error(dc.water->at.first, dc.water->at.second, dc.water->key_path,
                fmt::format("off-site water (at the power plants) needs region {}'s fuel mix, "
                            "and its intensity has none (a constant or a built-in profile): "
                            "give regions[{}].water_intensity (L/kWh)",
                            reg.name, r));
      }
    }
    world.grid_water[i] = of_region[r];
  }
}

}  // namespace

World build_world(const Scenario& sc, engine::SimTime horizon, std::vector<std::string>& warnings) {
  World world;
  Diagnostics d(sc.source.string());
  std::vector<InputError> file_errors;
  std::vector<bool> region_failed(sc.regions.size(), false);  // its intensity could not be read
  for (std::size_t r = 0; r < sc.regions.size(); ++r) {
    const auto& reg = sc.regions[r];
    const auto path = fmt::format("regions[{}]", r);
    const models::Intensities constant{
        reg.intensity,
        reg.market_intensity.value_or(reg.cfe_annual ? reg.intensity * (1.0 - *reg.cfe_annual)
                                                     : reg.intensity)};
    if (!reg.series && !reg.cfe_hourly) {
      world.carbon.push_back(std::make_shared<models::ConstantCarbon>(constant));
      continue;
    }
    if (!reg.series) {
      d.error(path + ".cfe.hourly", "hourly carbon-free energy needs an intensity series");
      world.carbon.push_back(std::make_shared<models::ConstantCarbon>(constant));
      continue;
    }
    if (reg.market_intensity) {
      d.error(path + ".market_intensity",
              "with an intensity series, give market-based accounting as cfe (annual or hourly)");
    }
    try {
      auto series = load_series(*reg.series, sc, false, world, warnings, d);
      auto market = models::MarketAccounting::location_based();
      if (reg.cfe_annual) {
        market = models::MarketAccounting::annual(*reg.cfe_annual);
      } else if (reg.cfe_hourly) {
        market = models::MarketAccounting::hourly(
            load_series(*reg.cfe_hourly, sc, true, world, warnings, d));
      }
      if (series.t_s.empty()) {  // reported where it was read
        region_failed[r] = true;
        world.carbon.push_back(std::make_shared<models::ConstantCarbon>(constant));
        continue;
      }
      world.carbon.push_back(std::make_shared<models::SeriesCarbon>(
          sc.epoch_unix_s, std::move(series), std::move(market),
          reg.series->repeat_yearly ? models::Repeat::yearly : models::Repeat::none, horizon));
    } catch (const InputError& e) {
      file_errors.push_back(placed(e, d, path + ".intensity"));
      region_failed[r] = true;
      world.carbon.push_back(std::make_shared<models::ConstantCarbon>(constant));
    } catch (const std::exception& e) {
      d.error(path + ".intensity", e.what());
      region_failed[r] = true;
      world.carbon.push_back(std::make_shared<models::ConstantCarbon>(constant));
    }
  }
  std::vector<std::shared_ptr<const models::OnsiteWater>> tower_of(sc.datacenters.size());
  for (std::size_t i = 0; i < sc.datacenters.size(); ++i) {
    const auto& dc = sc.datacenters[i];
    if (dc.cooling.model == CoolingSpec::Model::kConstant || !dc.cooling.weather) {
      world.cooling.push_back(std::make_shared<models::ConstantPue>(dc.cooling.pue));
      continue;
    }
    const auto& w = *dc.cooling.weather;
    const auto path = fmt::format("datacenters[{}].cooling.weather", i);
    try {
      std::optional<models::WeatherSeries> weather;
      if (!w.profile.empty()) {
        weather = models::builtin_weather(w.profile);
        if (!weather) {
          const auto names = models::builtin_weather_names();
          const auto hint = closest_match(w.profile, names);
          d.error(path + ".profile",
                  hint.empty()
                      ? fmt::format("unknown weather profile \"{}\" (known: {})", w.profile,
                                    fmt::join(names, ", "))
                      : fmt::format("unknown weather profile \"{}\" (did you mean \"{}\"?)",
                                    w.profile, hint));
        }
      } else {
        world.files.emplace_back(w.given, w.file);
        weather = models::load_weather_csv(w.file);
      }
      if (weather) {
        if (!weather->has_humidity()) {
          warnings.push_back(fmt::format(
              "{}: weather {} has no humidity (neither dew_point_c nor rel_humidity_pct): the "
              "economizer's dew-point limit is not applied",
              path, weather->source()));
        }
        if (dc.water && dc.water->on_site == WaterSpec::OnSite::kTower) {
          try {
            tower_of[i] = std::make_shared<models::CoolingTower>(
                *weather, sc.epoch_unix_s,
                models::CoolingTowerParameters{.cycles = dc.water->cycles});
          } catch (const std::exception& e) {
            d.error(dc.water->tower_at.first, dc.water->tower_at.second,
                    dc.water->key_path + ".tower", e.what());
          }
        }
        world.cooling.push_back(
            std::make_shared<models::EconomizerChiller>(std::move(*weather), sc.epoch_unix_s));
        continue;
      }
    } catch (const InputError& e) {
      file_errors.push_back(placed(e, d, path));
    } catch (const std::exception& e) {
      d.error(path, e.what());
    }
    world.cooling.push_back(std::make_shared<models::ConstantPue>(1.0));
  }
  world.supply.resize(sc.datacenters.size());
  for (std::size_t i = 0; i < sc.datacenters.size(); ++i) {
    if (sc.datacenters[i].supply) {
      try {
        world.supply[i] = supply_signals(sc, i, horizon, world, warnings, d);
      } catch (const InputError& e) {
        file_errors.push_back(placed(e, d, sc.datacenters[i].supply->key_path));
      } catch (const std::exception& e) {
        d.error(sc.datacenters[i].supply->key_path, e.what());
      }
    }
  }
  build_water(sc, horizon, tower_of, region_failed, world, warnings, d, file_errors);
  // Every problem, of the scenario and of its data files, together.
  std::vector<Diagnostic> all = d.items();
  for (const auto& e : file_errors) {
    all.insert(all.end(), e.diagnostics().begin(), e.diagnostics().end());
  }
  if (!all.empty()) {
    throw InputError(std::move(all));
  }
  return world;
}

}  // namespace footprint::scenario
