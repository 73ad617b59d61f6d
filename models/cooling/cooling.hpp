// Cooling and facility overhead, expressed as the PUE: facility power over IT power.
#pragma once

#include "sim/engine/time.hpp"
#include "sim/units/quantity.hpp"

namespace footprint::models {

/// A PUE that may depend on time (weather) and IT load; piecewise constant in time for a
/// given load, changing at next_change().
class CoolingModel {
 public:
  CoolingModel() = default;
  CoolingModel(const CoolingModel&) = delete;
  CoolingModel& operator=(const CoolingModel&) = delete;
  CoolingModel(CoolingModel&&) = delete;
  CoolingModel& operator=(CoolingModel&&) = delete;
  virtual ~CoolingModel() = default;

  [[nodiscard]] virtual double pue(engine::SimTime t, units::Watts it_power) const = 0;
  [[nodiscard]] virtual engine::SimTime next_change(engine::SimTime t) const = 0;
};

/// A constant PUE, as reported for a site (Patterson et al. 2021, Table 4).
class ConstantPue final : public CoolingModel {
 public:
  explicit ConstantPue(double pue) : pue_(pue) {}
  [[nodiscard]] double pue(engine::SimTime /*t*/, units::Watts /*it*/) const override {
    return pue_;
  }
  [[nodiscard]] engine::SimTime next_change(engine::SimTime /*t*/) const override {
    return engine::SimTime::max();
  }

 private:
  double pue_;
};

}  // namespace footprint::models
