// The facility-power envelope a power cap is planned against: for a datacenter's cooling
// model over [0, horizon), the highest facility power an IT load can draw over any span.
//
// Both cooling models are affine in the IT load with a load-independent intercept:
// facility(t, IT) = a(t) + b(t) x IT (fixed overhead, and 1 + distribution + cooling per
// IT watt). The envelope keeps a(t) and b(t) per segment of the model (the weather's hours)
// with range-maximum tables, so peak(from, to, IT) = max a + IT x max b over the segments
// the span touches: exact for a constant intercept, an upper bound otherwise, in O(1)
// after a binary search. Past the horizon the model itself is scanned hour by hour.
#pragma once

#include <cstdint>
#include <vector>

#include "models/cooling/cooling.hpp"
#include "sim/engine/time.hpp"
#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

class FacilityEnvelope {
 public:
  /// `reference`: the IT load the slope is measured at (the datacenter's full draw; any
  /// positive load for an affine model).
  FacilityEnvelope(const CoolingModel* cooling, engine::SimTime horizon, units::Watts reference);

  /// The highest facility power over [from, to) with a constant IT load `it`.
  [[nodiscard]] units::Watts peak(engine::SimTime from, engine::SimTime to, units::Watts it) const;
  /// The lowest facility power at any instant of [0, horizon) with IT load `it`.
  [[nodiscard]] units::Watts floor(units::Watts it) const;

 private:
  /// Range maxima of the intercept and slope over segments [i, k), i < k.
  [[nodiscard]] std::pair<double, double> range_max(std::size_t i, std::size_t k) const;

  const CoolingModel* cooling_;
  engine::SimTime horizon_;
  std::vector<engine::SimTime::rep> times_;  ///< segment starts
  std::vector<std::vector<double>> a_;       ///< sparse table of intercepts (W), level by level
  std::vector<std::vector<double>> b_;       ///< sparse table of slopes (W/W)
  double min_a_ = 0;
  double min_b_ = 0;
};

}  // namespace footprint::models
