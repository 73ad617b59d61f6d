#include "models/fleet/envelope.hpp"

#include <algorithm>
#include <limits>

namespace footprint::models {

using engine::SimTime;

FacilityEnvelope::FacilityEnvelope(const CoolingModel* cooling, SimTime horizon,
                                   units::Watts reference)
    : cooling_(cooling), horizon_(horizon) {
  const double ref = std::max(1.0, units::to_watts(reference));
  std::vector<double> a;
  std::vector<double> b;
  SimTime t = SimTime::zero();
  min_a_ = std::numeric_limits<double>::infinity();
  min_b_ = std::numeric_limits<double>::infinity();
  do {
    const double f0 = units::to_watts(cooling->facility(t, units::Watts::zero()).total());
    const double f1 = units::to_watts(cooling->facility(t, units::watts(ref)).total());
    times_.push_back(t.count());
    a.push_back(f0);
    b.push_back((f1 - f0) / ref);
    min_a_ = std::min(min_a_, f0);
    min_b_ = std::min(min_b_, (f1 - f0) / ref);
    t = cooling->next_change(t);
  } while (t < horizon);
  a_.push_back(std::move(a));
  b_.push_back(std::move(b));
  for (std::size_t w = 1; 2 * w <= times_.size(); w *= 2) {
    const auto& pa = a_.back();
    const auto& pb = b_.back();
    std::vector<double> na(pa.size() - w);
    std::vector<double> nb(pb.size() - w);
    for (std::size_t i = 0; i < na.size(); ++i) {
      na[i] = std::max(pa[i], pa[i + w]);
      nb[i] = std::max(pb[i], pb[i + w]);
    }
    a_.push_back(std::move(na));
    b_.push_back(std::move(nb));
  }
}

std::pair<double, double> FacilityEnvelope::range_max(std::size_t i, std::size_t k) const {
  k = std::max(k, i + 1);  // at least one segment
  // The largest power of two within the range: two overlapping blocks of it cover it.
  std::size_t level = 0;
  while ((std::size_t{2} << level) <= k - i) {
    ++level;
  }
  const std::size_t w = std::size_t{1} << level;
  return {std::max(a_[level][i], a_[level][k - w]), std::max(b_[level][i], b_[level][k - w])};
}

units::Watts FacilityEnvelope::peak(SimTime from, SimTime to, units::Watts it) const {
  const double itw = units::to_watts(it);
  double best = -std::numeric_limits<double>::infinity();
  if (to <= from) {
    to = from + SimTime::ticks(1);
  }
  const auto seg = [&](SimTime::rep t) {
    const auto p = std::upper_bound(times_.begin(), times_.end(), t);
    return p == times_.begin() ? std::size_t{0} : static_cast<std::size_t>(p - times_.begin() - 1);
  };
  if (from < horizon_) {
    const auto i = seg(from.count());
    const auto k = seg(std::min(to, horizon_).count() - 1) + 1;
    const auto [a, b] = range_max(i, k);
    best = a + itw * b;
  }
  // Past the horizon: the model itself, change by change.
  for (SimTime t = std::max(from, horizon_); t < to; t = cooling_->next_change(t)) {
    best = std::max(best, units::to_watts(cooling_->facility(t, it).total()));
  }
  return units::watts(best);
}

units::Watts FacilityEnvelope::floor(units::Watts it) const {
  return units::watts(min_a_ + units::to_watts(it) * min_b_);
}

}  // namespace footprint::models
