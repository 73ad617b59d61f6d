// Cooling and facility overhead: the power a facility draws beyond its IT load.
//
// A model gives, for an IT load at a time, the facility's power split into IT, cooling,
// power distribution losses and fixed overhead; the PUE is total over IT. It may depend on
// time (weather) and load, and is piecewise constant in time for a given load, changing
// at next_change().
#pragma once

#include <optional>
#include <string_view>

#include "sim/engine/time.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

struct FacilityPower {
  units::Watts it;
  units::Watts cooling;
  units::Watts distribution;  ///< losses in power conversion and distribution
  units::Watts fixed;         ///< load-independent overhead (lighting, offices, idle plant)
  /// Heat the chiller rejects outdoors: the heat it removes plus its compressor's work; not
  /// a draw (not in total()). 0 while the economizer carries the load, and for models
  /// without a chiller. A cooling tower evaporates water in proportion to it (water.hpp).
  units::Watts chiller_heat;
  [[nodiscard]] units::Watts total() const { return it + cooling + distribution + fixed; }
};

class CoolingModel {
 public:
  CoolingModel() = default;
  CoolingModel(const CoolingModel&) = delete;
  CoolingModel& operator=(const CoolingModel&) = delete;
  CoolingModel(CoolingModel&&) = delete;
  CoolingModel& operator=(CoolingModel&&) = delete;
  virtual ~CoolingModel() = default;

  [[nodiscard]] virtual FacilityPower facility(engine::SimTime t, units::Watts it) const = 0;
  /// The first time after t at which facility() may change for a fixed load;
  /// SimTime::max() for never.
  [[nodiscard]] virtual engine::SimTime next_change(engine::SimTime t) const = 0;
  /// Outdoor dry-bulb temperature in degrees Celsius, for models driven by weather.
  [[nodiscard]] virtual std::optional<double> outdoor_temperature_c(engine::SimTime /*t*/) const {
    return std::nullopt;
  }
  /// Why the model's hottest hours are not real extremes, so that its design peak
  /// (design_peak.hpp) understates the real one: its weather is smoothed climate normals.
  /// Empty when they are real, or when the model does not depend on weather.
  [[nodiscard]] virtual std::string_view not_for_extremes() const { return {}; }
};

/// A constant PUE, as reported for a site (Patterson et al. 2021, Table 4): all overhead
/// is proportional to the IT load.
class ConstantPue final : public CoolingModel {
 public:
  explicit ConstantPue(double pue) : pue_(pue) {}
  [[nodiscard]] FacilityPower facility(engine::SimTime /*t*/, units::Watts it) const override {
    return {it, units::Watts::zero(), units::Watts::zero(), it * (pue_ - 1.0),
            units::Watts::zero()};
  }
  [[nodiscard]] engine::SimTime next_change(engine::SimTime /*t*/) const override {
    return engine::SimTime::max();
  }

 private:
  double pue_;
};

}  // namespace footprint::models
