// The carbon intensity of the electricity a datacenter draws, over simulated time.
//
// Intensities are averages (total emissions of the generation mix over the energy
// generated), not marginal. Two are tracked: location-based (the grid's own mix, "gross")
// and market-based (after the carbon-free energy contracted for the site, "net"), as in
// the GHG Protocol's Scope 2 guidance and Patterson et al. 2021, Table 4.
#pragma once

#include "sim/engine/time.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

struct Intensities {
  units::CarbonIntensity location;
  units::CarbonIntensity market;
};

/// A piecewise-constant signal: the value at t holds until next_change(t).
class CarbonSignal {
 public:
  CarbonSignal() = default;
  CarbonSignal(const CarbonSignal&) = delete;
  CarbonSignal& operator=(const CarbonSignal&) = delete;
  CarbonSignal(CarbonSignal&&) = delete;
  CarbonSignal& operator=(CarbonSignal&&) = delete;
  virtual ~CarbonSignal() = default;

  [[nodiscard]] virtual Intensities at(engine::SimTime t) const = 0;
  /// The first time after t at which the value changes; SimTime::max() for never.
  [[nodiscard]] virtual engine::SimTime next_change(engine::SimTime t) const = 0;
  /// The first time the signal does not cover (at() throws from there on);
  /// SimTime::max() for a signal that covers all time.
  [[nodiscard]] virtual engine::SimTime end() const { return engine::SimTime::max(); }
};

class ConstantCarbon final : public CarbonSignal {
 public:
  explicit ConstantCarbon(Intensities v) : v_(v) {}
  [[nodiscard]] Intensities at(engine::SimTime /*t*/) const override { return v_; }
  [[nodiscard]] engine::SimTime next_change(engine::SimTime /*t*/) const override {
    return engine::SimTime::max();
  }

 private:
  Intensities v_;
};

}  // namespace footprint::models
