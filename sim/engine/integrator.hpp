// Exact integration of piecewise-constant quantities between events.
//
// A model holds a value (a power, a rate) that changes only at events. Between two
// changes the integral grows by value x elapsed time, computed from integer ticks, with
// no time step and no drift; sums are compensated (Neumaier) so that a year of
// nanosecond-resolution segments loses no precision. The engine knows no units: the
// integral is in (unit of the value) x seconds, so watts integrate to joules.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include "sim/engine/errors.hpp"
#include "sim/engine/time.hpp"

namespace footprint::engine {

/// Neumaier-compensated sum.
class CompensatedSum {
 public:
  void add(double x) {
    const double t = sum_ + x;
    if (std::fabs(sum_) >= std::fabs(x)) {
      comp_ += (sum_ - t) + x;
    } else {
      comp_ += (x - t) + sum_;
    }
    sum_ = t;
  }
  [[nodiscard]] double value() const { return sum_ + comp_; }

 private:
  double sum_ = 0;
  double comp_ = 0;
};

inline double ticks_to_seconds(SimTime::rep ticks) {
  return static_cast<double>(ticks) / static_cast<double>(SimTime::kTicksPerSecond);
}

/// Integral of a piecewise-constant value over time.
class PiecewiseIntegral {
 public:
  explicit PiecewiseIntegral(SimTime start = SimTime::zero(), double value = 0)
      : last_(start), value_(value) {}

  /// The value changes to `v` at time `t` (t must not go back in time).
  void set(SimTime t, double v) {
    advance(t);
    value_ = v;
  }
  /// Integrates up to `t` without changing the value.
  void advance(SimTime t) {
    if (t < last_) {
      throw UsageError("PiecewiseIntegral: time went backwards");
    }
    if (value_ != 0) {
      sum_.add(value_ * ticks_to_seconds((t - last_).count()));
    }
    last_ = t;
  }
  [[nodiscard]] double value() const { return value_; }
  [[nodiscard]] SimTime last_time() const { return last_; }
  /// The integral from the start up to last_time(), in value x seconds.
  [[nodiscard]] double integral() const { return sum_.value(); }

 private:
  SimTime last_;
  double value_;
  CompensatedSum sum_;
};

/// Integral of a piecewise-constant value, split exactly into fixed-width bins
/// [origin + k * width, origin + (k + 1) * width): the per-interval series of a trace.
class BinnedIntegral {
 public:
  BinnedIntegral(SimTime origin, SimTime width, double value = 0)
      : origin_(origin), width_(width), last_(origin), value_(value) {
    if (width <= SimTime::zero()) {
      throw UsageError("BinnedIntegral: the bin width must be positive");
    }
  }

  void set(SimTime t, double v) {
    advance(t);
    value_ = v;
  }

  /// Integrates up to `t`, splitting at bin boundaries.
  void advance(SimTime t) {
    if (t < last_) {
      throw UsageError("BinnedIntegral: time went backwards");
    }
    const SimTime::rep w = width_.count();
    SimTime::rep a = (last_ - origin_).count();
    const SimTime::rep b = (t - origin_).count();
    while (a < b) {
      const auto k = static_cast<std::size_t>(a / w);
      const SimTime::rep bin_end = (static_cast<SimTime::rep>(k) + 1) * w;
      const SimTime::rep seg_end = b < bin_end ? b : bin_end;
      if (bins_.size() <= k) {
        bins_.resize(k + 1);
      }
      if (value_ != 0) {
        bins_[k].add(value_ * ticks_to_seconds(seg_end - a));
      }
      a = seg_end;
    }
    last_ = t;
  }

  [[nodiscard]] double value() const { return value_; }
  [[nodiscard]] SimTime last_time() const { return last_; }
  [[nodiscard]] SimTime origin() const { return origin_; }
  [[nodiscard]] SimTime width() const { return width_; }
  /// Bins touched so far (a bin is touched once time has entered it).
  [[nodiscard]] std::size_t size() const { return bins_.size(); }
  /// Integral over bin k, in value x seconds (0 for a bin not reached yet).
  [[nodiscard]] double bin(std::size_t k) const {
    return k < bins_.size() ? bins_[k].value() : 0.0;
  }
  /// Sum over all bins (compensated).
  [[nodiscard]] double total() const {
    CompensatedSum s;
    for (const auto& b : bins_) {
      s.add(b.value());
    }
    return s.value();
  }

 private:
  SimTime origin_;
  SimTime width_;
  SimTime last_;
  double value_;
  std::vector<CompensatedSum> bins_;
};

}  // namespace footprint::engine
