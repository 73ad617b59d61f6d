// Device power limits and clock frequency (docs/power-limits.md).
//
// A device's draw at relative clock f (1 = its full clock) is static + dynamic(f):
//   P(f) = P_s + (P_1 - P_s) f^k,
// with P_1 its draw at full clock and P_s its idle power. Dynamic CMOS power is
// C V^2 f, and over the DVFS range the voltage falls roughly with the clock, so k is
// near 3; Footprint fits k on one measured point (below). A limit L bounds the draw over
// a short window, so the average sits below it: under a binding limit the device averages
// P_s + h (L - P_s) and runs at the clock that gives that draw. The compute-bound part of
// a phase slows as 1/f; the memory- and network-bound part keeps its time (a power limit
// lowers the SM clock, not the memory's or the network's).
//
// The one calibration point (Zeus, You, Chung and Chowdhury, NSDI 2023: the power-limit
// sweep of its repository, ml-energy/zeus, examples/research_reproducibility/zeus_nsdi23/
// trace/summary_power_v100.csv): ResNet-50 on ImageNet, batch 128, on a V100 PCIe card
// (250 W): 3603.6 s per epoch at 222.44 W unlimited (the 250 W row), 4243.3 s at
// 145.46 W under a 150 W limit (1.178x the time for 0.770x the energy). With P_s the
// library's assumed idle fraction of TDP (15 %) and the step taken as compute-bound
// throughout, the point fixes h (from the draw) and k (from the time).
#pragma once

#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

/// The frequency model's two fitted constants.
struct FrequencyConstants {
  /// k: dynamic power ~ f^k.
  double exponent = 3;
  /// h: the dynamic part of the average draw under a binding limit, over the limit's
  /// dynamic part ((average - P_s) / (L - P_s)).
  double headroom = 1;
};

/// The calibration point, as published (see the header comment).
struct ZeusPoint {
  units::Watts tdp = units::watts(250);    ///< V100 PCIe
  double idle_fraction = 0.15;             ///< the library's assumed idle / TDP
  units::Watts limit = units::watts(150);  ///< 60 % of TDP
  units::Watts unlimited_power = units::watts(222.43902320007504);      ///< average at 250 W
  units::Watts limited_power = units::watts(145.4588996130261);         ///< average at 150 W
  units::Seconds unlimited_epoch = units::seconds(3603.5966666666664);  ///< per epoch at 250 W
  units::Seconds limited_epoch = units::seconds(4243.256666666667);     ///< per epoch at 150 W
};

/// Fits the constants on one point: h from the draw, k from the time (compute-bound).
/// Throws std::invalid_argument when the point cannot give them.
FrequencyConstants fit_frequency_constants(const ZeusPoint& p);

/// The constants fitted on the Zeus V100 ResNet-50 batch-128 150 W point.
const FrequencyConstants& calibrated_frequency_constants();

/// A device (or one phase of a step) under a power limit.
struct UnderLimit {
  bool limited = false;    ///< the limit binds: the clock is lowered
  double frequency = 1;    ///< relative clock f in (0, 1]
  double time_factor = 1;  ///< duration under the limit / at full clock
  units::Watts power;      ///< average draw under the limit
};

/// Draw at relative clock f of a device drawing `full` at full clock, `idle` when idle.
units::Watts power_at_frequency(units::Watts full, units::Watts idle, double f,
                                const FrequencyConstants& c);

/// A device drawing `full` at full clock, of which `compute_share` (in [0, 1]) of the time
/// is compute-bound, under `limit`. `idle` is its static power. Throws
/// std::invalid_argument unless idle < limit and idle <= full.
UnderLimit under_limit(units::Watts full, double compute_share, units::Watts idle,
                       units::Watts limit,
                       const FrequencyConstants& c = calibrated_frequency_constants());

/// Energy saved by stretching compute-bound work over slack, the total time kept: work of
/// `busy` at full clock drawing `full` (static `idle`), followed by `slack` waiting at
/// idle, run instead at the clock f = busy / (busy + slack) over both (EnvPipe's idea):
/// busy x (full - idle) x (1 - f^(k - 1)), per device. 0 without slack.
units::Joules stretch_saving(units::Seconds busy, units::Watts full, units::Watts idle,
                             units::Seconds slack,
                             const FrequencyConstants& c = calibrated_frequency_constants());

}  // namespace footprint::models
