// Exact integration of piecewise-constant quantities between events.
//
// A model holds a value (a power, a rate) that changes only at events. Between two
// changes the integral grows by value x elapsed time, computed from integer ticks, with
// no time step and no drift; sums are compensated (Neumaier) so that a year of
// nanosecond-resolution segments loses no precision. The engine knows no units: the
// integral is in (unit of the value) x seconds, so watts integrate to joules.
#pragma once

#include <algorithm>
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
      while (touched_ <= k) {
        // Time has left the open bin: only its value is kept (a double, not the
        // compensated pair: half the memory of a long trace).
        if (touched_ > 0) {
          if (closed_.size() == closed_.capacity()) {
            // Grown by an eighth, not doubled: a year of 5-minute bins in a hundred
            // datacenters would otherwise hold up to twice what it needs.
            closed_.reserve(closed_.capacity() + closed_.capacity() / kGrowth + kMinGrowth);
          }
          closed_.push_back(open_.value());
        }
        open_ = CompensatedSum{};
        ++touched_;
      }
      if (value_ != 0) {
        open_.add(value_ * ticks_to_seconds(seg_end - a));
      }
      a = seg_end;
    }
    last_ = t;
  }

  [[nodiscard]] double value() const { return value_; }
  [[nodiscard]] SimTime last_time() const { return last_; }
  [[nodiscard]] SimTime origin() const { return origin_; }
  [[nodiscard]] SimTime width() const { return width_; }
  /// Makes room for `bins` bins in place: a run that knows how long it will last reserves
  /// its bins once instead of growing them (each growth copies them; reserved pages not
  /// yet written cost no memory).
  void reserve(std::size_t bins) { closed_.reserve(bins); }
  /// Bins touched so far (a bin is touched once time has entered it).
  [[nodiscard]] std::size_t size() const { return touched_; }
  /// Integral over bin k, in value x seconds (0 for a bin not reached yet).
  [[nodiscard]] double bin(std::size_t k) const {
    if (k < closed_.size()) {
      return closed_[k];
    }
    return k + 1 == touched_ ? open_.value() : 0.0;
  }
  /// Sum over all bins (compensated).
  [[nodiscard]] double total() const {
    CompensatedSum s;
    for (const double b : closed_) {
      s.add(b);
    }
    if (touched_ > 0) {
      s.add(open_.value());
    }
    return s.value();
  }
  /// The first `n` bins' integrals (0 past the last touched), leaving this integral empty
  /// (no bins touched, as at its origin).
  [[nodiscard]] std::vector<double> take_bins(std::size_t n) {
    // Handed over in place when its capacity holds the n bins; else copied once into a
    // buffer of exactly n (growing it in place could double its capacity: at ten times the
    // fleet year the bins of a hundred datacenters are about a gigabyte).
    std::vector<double> out;
    if (closed_.capacity() >= std::max(n, touched_)) {
      out = std::move(closed_);
    } else {
      out.reserve(std::max(n, touched_));
      out.assign(closed_.begin(), closed_.end());
    }
    if (touched_ > 0) {
      out.push_back(open_.value());
    }
    out.resize(n, 0.0);
    closed_ = {};
    open_ = CompensatedSum{};
    touched_ = 0;
    last_ = origin_;
    return out;
  }

 private:
  SimTime origin_;
  SimTime width_;
  SimTime last_;
  static constexpr std::size_t kGrowth = 8;       ///< capacity grows by 1/kGrowth
  static constexpr std::size_t kMinGrowth = 256;  ///< and at least this many bins
  double value_;
  std::vector<double> closed_;  ///< bins time has left
  CompensatedSum open_;         ///< the last bin touched, while time is in it
  std::size_t touched_ = 0;     ///< bins touched: closed_ and the open one
};

}  // namespace footprint::engine
