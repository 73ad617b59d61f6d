#include "models/fleet/forecast.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/engine/random.hpp"

namespace footprint::models {

namespace {
constexpr SimTime::rep kHour = SimTime::kTicksPerHour;
/// The marginal PUE is taken at half the datacenter's capacity, for a step of 1 % of it.
constexpr double kReferenceLoad = 0.5;
constexpr double kMarginalStep = 0.01;
/// Stream key of the forecast errors, apart from every LP's stream.
constexpr std::uint64_t kForecastStream = 0xf0'0ca5'7000ULL;
constexpr double kTieTolerance = 1e-9;

SimTime::rep ceil_to(SimTime::rep t, SimTime::rep step) {
  return ((t + step - 1) / step) * step;
}
SimTime::rep floor_to(SimTime::rep t, SimTime::rep step) {
  return (t / step) * step;
}
double to_s(SimTime::rep ticks) {
  return static_cast<double>(ticks) / static_cast<double>(SimTime::kTicksPerSecond);
}
}  // namespace

CarbonForecast::CarbonForecast(const FleetTables* tables, const std::vector<DatacenterView>& dcs,
                               SimTime horizon, double error, std::uint64_t seed)
    : tables_(tables),
      times_(dcs.size()),
      rate_(dcs.size()),
      intensity_(dcs.size()),
      prefix_(dcs.size()),
      hour_segment_(dcs.size()),
      min_rate_(dcs.size()) {
  const auto ntypes = tables->types.size();
  const SimTime::rep end = std::max<SimTime::rep>(horizon.count(), 1);
  for (std::uint32_t d = 0; d < dcs.size(); ++d) {
    const auto& v = dcs[d];
    double capacity_w = 0;
    for (std::uint32_t t = 0; t < ntypes; ++t) {
      capacity_w += static_cast<double>(v.inventory[t]) *
                    units::to_watts(v.power.running(tables_->types[t].tdp));
    }
    const auto base = units::watts(std::max(1.0, capacity_w * kReferenceLoad));
    const auto step = base * kMarginalStep;
    engine::RandomStream noise(seed, kForecastStream, d);
    // One error per hour of the clock, drawn in order whatever the segments are.
    SimTime::rep noise_hour = -1;
    double factor = 1.0;
    auto& times = times_[d];
    auto& rate = rate_[d];
    auto& intensity = intensity_[d];
    auto& prefix = prefix_[d];
    prefix.push_back(0.0);
    SimTime::rep t = 0;
    while (t < end) {
      const SimTime at = SimTime::ticks(t);
      while (noise_hour < t / kHour) {
        ++noise_hour;
        if (error > 0) {
          factor = std::max(0.0, 1.0 + error * noise.normal());
        }
      }
      const double marginal =
          (v.cooling->facility(at, base + step).total() - v.cooling->facility(at, base).total()) /
          step;
      const double i = v.carbon->at(at).location.si() * factor;
      // The segment ends at the next change of either signal or of the error's hour.
      const SimTime::rep next =
          std::min({v.carbon->next_change(at).count(), v.cooling->next_change(at).count(),
                    (t / kHour + 1) * kHour, end});
      if (t % kHour == 0) {
        hour_segment_[d].push_back(static_cast<std::uint32_t>(times.size()));
      }
      times.push_back(t);
      intensity.push_back(i);
      rate.push_back(i * marginal);
      prefix.push_back(prefix.back() + i * marginal * to_s(next - t));
      t = next;
    }
    auto& levels = min_rate_[d];
    levels.push_back(rate);
    for (std::size_t w = 1; 2 * w <= rate.size(); w *= 2) {
      const auto& prev = levels.back();
      std::vector<double> next_level(prev.size() - w);
      for (std::size_t i = 0; i < next_level.size(); ++i) {
        next_level[i] = std::min(prev[i], prev[i + w]);
      }
      levels.push_back(std::move(next_level));
    }
  }
}

std::size_t CarbonForecast::segment_of(std::uint32_t dc, SimTime::rep t) const {
  const auto& times = times_[dc];
  const auto& hours = hour_segment_[dc];
  // The last start at or before t (the first for t < 0, the last past the end), found
  // from the segment of t's hour.
  std::size_t k = 0;
  if (t > 0) {
    k = hours[std::min(static_cast<std::size_t>(t / kHour), hours.size() - 1)];
    while (k + 1 < times.size() && times[k + 1] <= t) {
      ++k;
    }
  }
  return k;
}

double CarbonForecast::min_rate(std::uint32_t dc, SimTime::rep from, SimTime::rep to) const {
  const auto i = segment_of(dc, from);
  const auto k = std::max(i, segment_of(dc, std::max(from, to - 1))) + 1;
  const auto& levels = min_rate_[dc];
  // The largest power of two within the range: two overlapping blocks of it cover it.
  std::size_t level = 0;
  while ((std::size_t{2} << level) <= k - i) {
    ++level;
  }
  const std::size_t w = std::size_t{1} << level;
  return std::min(levels[level][i], levels[level][k - w]);
}

double CarbonForecast::cumulative(std::uint32_t dc, SimTime::rep t) const {
  const auto k = segment_of(dc, t);
  return prefix_[dc][k] + rate_[dc][k] * to_s(t - times_[dc][k]);
}

double CarbonForecast::weight(std::uint32_t dc, SimTime from, SimTime to) const {
  return cumulative(dc, to.count()) - cumulative(dc, from.count());
}

std::pair<SimTime::rep, SimTime::rep> CarbonForecast::window(std::uint32_t job, SimTime now,
                                                             SimTime epoch, SimTime end_by) const {
  const auto& j = tables_->jobs[job];
  const auto e = epoch.count();
  const SimTime::rep first = ceil_to(now.count(), e);
  SimTime::rep last = std::max(first, floor_to(now.count() + j.slack.count(), e));
  if (end_by != SimTime::max()) {
    // Starts whose run would not end before end_by (where the run stops) are left out,
    // unless every one would.
    const SimTime::rep latest = floor_to(end_by.count() - j.duration.count() - e - 1, e);
    last = std::max(first, std::min(last, latest));
  }
  return {first, last};
}

std::optional<std::pair<SimTime, std::uint32_t>> CarbonForecast::best_start(
    std::uint32_t job, SimTime now, SimTime epoch, double tolerance, const FeasibleRuns& feasible,
    SimTime end_by) const {
  const auto& j = tables_->jobs[job];
  const auto e = epoch.count();
  const auto span = window(job, now, epoch, end_by);
  const SimTime::rep first = span.first;
  const SimTime::rep last = span.second;
  const auto d = j.duration.count();
  const TickRuns whole{{first, last}};
  // The forecast emissions of a start s are linear in s between the times at which s or
  // s + duration crosses a breakpoint of the forecast; on the tick grid the minimum over a
  // run of feasible ticks is at a tick next to one of those, or at an end of the run.
  std::optional<std::pair<SimTime, std::uint32_t>> best_pick;
  double best = std::numeric_limits<double>::infinity();
  const auto w_at = [&](std::uint32_t dc, SimTime::rep s) {
    const SimTime begin = SimTime::ticks(s + e);
    return weight(dc, begin, begin + j.duration);
  };
  // The candidate ticks of one datacenter, in order, each with the run it lies in.
  std::vector<SimTime::rep> crossings;
  std::vector<std::pair<SimTime::rep, std::size_t>> out;
  const auto candidates_of = [&](std::uint32_t c) {
    const auto dc = tables_->candidates[j.first_candidate + c];
    const TickRuns& runs = feasible ? feasible(c) : whole;
    const auto& times = times_[dc];
    // Breakpoints h with a start crossing (h - e in the window) or an end crossing
    // (h - e - d in it), as two sorted lists merged.
    crossings.clear();
    const auto lo = runs.empty() ? first : runs.front().first;
    const auto hi = runs.empty() ? last : runs.back().second;
    auto it = std::lower_bound(times.begin(), times.end(), lo + e);
    for (; it != times.end() && *it <= hi + e; ++it) {
      crossings.push_back(*it - e);
    }
    const auto mid = static_cast<std::ptrdiff_t>(crossings.size());
    it = std::lower_bound(times.begin(), times.end(), lo + e + d);
    for (; it != times.end() && *it <= hi + e + d; ++it) {
      crossings.push_back(*it - e - d);
    }
    std::inplace_merge(crossings.begin(), crossings.begin() + mid, crossings.end());
    out.clear();
    auto k = crossings.begin();
    for (std::size_t r = 0; r < runs.size(); ++r) {
      const auto [a, b] = runs[r];
      out.emplace_back(a, r);
      while (k != crossings.end() && *k < a) {
        ++k;
      }
      for (; k != crossings.end() && floor_to(*k, e) <= b; ++k) {
        for (const auto t : {floor_to(*k, e), ceil_to(*k, e)}) {
          if (t > out.back().first && t <= b) {
            out.emplace_back(t, r);
          }
        }
      }
      if (b > out.back().first) {
        out.emplace_back(b, r);
      }
    }
    return dc;
  };
  // The lowest forecast any start in a candidate could have: candidates are visited from
  // the lowest, and the rest skipped once it is above the best found (beyond a tie).
  std::vector<std::pair<double, std::uint32_t>> order;
  order.reserve(j.candidate_count);
  for (std::uint32_t c = 0; c < j.candidate_count; ++c) {
    const auto dc = tables_->candidates[j.first_candidate + c];
    order.emplace_back(
        min_rate(dc, first + e, last + e + std::max<SimTime::rep>(d, 1)) * j.duration.to_seconds(),
        c);
  }
  std::sort(order.begin(), order.end());
  const auto beyond = [](double bound, double value) {
    return std::isfinite(value) && bound > value + kTieTolerance * std::fabs(value);
  };
  // The lowest forecast over every candidate visited; then, among the starts within a
  // relative 1e-9 of it (equal forecasts: a typical day repeats, flat hours, two
  // datacenters on one grid; they differ only by the rounding of the prefix sums, about
  // 1e-12 relative after a year of hours), the earliest tick, then the lower datacenter
  // index: the same choice in whatever order the candidates are visited.
  struct Eval {
    double w;
    SimTime::rep s;
    std::uint32_t dc;
  };
  std::vector<Eval> evals;
  for (const auto& [bound, c] : order) {
    if (!evals.empty() && beyond(bound, best)) {
      break;
    }
    const auto dc = candidates_of(c);
    for (const auto& [s, r] : out) {
      const double w = w_at(dc, s);
      evals.push_back({w, s, dc});
      best = std::min(best, w);
    }
  }
  for (const auto& v : evals) {
    if (beyond(v.w, best)) {
      continue;
    }
    if (!best_pick || v.s < best_pick->first.count() ||
        (v.s == best_pick->first.count() && v.dc < best_pick->second)) {
      best_pick = {SimTime::ticks(v.s), v.dc};
    }
  }
  if (!best_pick || tolerance <= 0) {
    return best_pick;
  }
  // Under a tolerance: per candidate, the first tick at or below the threshold. Between
  // consecutive candidate ticks of one run the forecast is linear on the tick grid (a
  // breakpoint between them would have made its neighbouring ticks candidates), so the
  // first tick is found by interpolation on the first segment that reaches it, then
  // confirmed tick by tick.
  const double threshold = best * (1 + tolerance);
  SimTime::rep pick_t = std::numeric_limits<SimTime::rep>::max();
  double pick_w = std::numeric_limits<double>::infinity();
  std::uint32_t pick_dc = best_pick->second;
  for (const auto& [bound, c] : order) {
    if (beyond(bound, threshold)) {
      break;
    }
    const auto dc = candidates_of(c);
    for (std::size_t i = 0; i < out.size(); ++i) {
      const auto [b, run] = out[i];
      const double w_b = w_at(dc, b);
      if (w_b > threshold) {
        continue;
      }
      SimTime::rep s = b;
      if (i > 0 && out[i - 1].second == run) {
        const SimTime::rep a = out[i - 1].first;
        const double w_a = w_at(dc, a);
        const SimTime::rep ticks = (b - a) / e;  // whole ticks between the two
        const double steps = static_cast<double>(ticks);
        const double frac = (w_a - threshold) / (w_a - w_b);
        s = std::clamp(a + static_cast<SimTime::rep>(std::ceil(frac * steps)) * e, a + e, b);
        while (s < b && w_at(dc, s) > threshold) {
          s += e;
        }
        while (s - e > a && w_at(dc, s - e) <= threshold) {
          s -= e;
        }
      }
      const double w = w_at(dc, s);
      if (s < pick_t || (s == pick_t && w < pick_w)) {
        pick_t = s;
        pick_w = w;
        pick_dc = dc;
      }
      break;
    }
  }
  if (pick_t == std::numeric_limits<SimTime::rep>::max()) {
    return best_pick;
  }
  return std::pair{SimTime::ticks(pick_t), pick_dc};
}

SimTime CarbonForecast::first_time_at_or_below(std::uint32_t dc, SimTime now, SimTime limit,
                                               units::CarbonIntensity threshold) const {
  const auto& times = times_[dc];
  const auto& v = intensity_[dc];
  for (auto k = static_cast<std::size_t>(std::upper_bound(times.begin(), times.end(), now.count()) -
                                         times.begin());
       k < times.size() && times[k] <= limit.count(); ++k) {
    if (v[k] <= threshold.si()) {
      return SimTime::ticks(times[k]);
    }
  }
  return SimTime::max();
}

}  // namespace footprint::models
