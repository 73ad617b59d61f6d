#include "sim/app/scenario/world.hpp"

#include <fstream>

#include <fmt/format.h>

#include "models/cooling/economizer.hpp"
#include "models/cooling/weather.hpp"
#include "models/grid/builtin_profiles.hpp"
#include "models/grid/series.hpp"
#include "models/grid/series_carbon.hpp"
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

}  // namespace

World build_world(const Scenario& sc, engine::SimTime horizon, std::vector<std::string>& warnings) {
  World world;
  Diagnostics d(sc.source.string());
  std::vector<InputError> file_errors;
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
      if (series.t_s.empty()) {
        world.carbon.push_back(std::make_shared<models::ConstantCarbon>(constant));
        continue;
      }
      world.carbon.push_back(std::make_shared<models::SeriesCarbon>(
          sc.epoch_unix_s, std::move(series), std::move(market),
          reg.series->repeat_yearly ? models::Repeat::yearly : models::Repeat::none, horizon));
    } catch (const InputError& e) {
      file_errors.push_back(placed(e, d, path + ".intensity"));
      world.carbon.push_back(std::make_shared<models::ConstantCarbon>(constant));
    } catch (const std::exception& e) {
      d.error(path + ".intensity", e.what());
      world.carbon.push_back(std::make_shared<models::ConstantCarbon>(constant));
    }
  }
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
