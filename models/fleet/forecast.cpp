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
    : tables_(tables), class_of_(dcs.size(), 0) {
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
    std::vector<SimTime::rep> times;
    std::vector<double> rate;
    std::vector<double> intensity;
    std::vector<double> prefix{0.0};
    std::vector<std::uint32_t> hours;
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
        hours.push_back(static_cast<std::uint32_t>(times.size()));
      }
      times.push_back(t);
      intensity.push_back(i);
      rate.push_back(i * marginal);
      prefix.push_back(prefix.back() + i * marginal * to_s(next - t));
      t = next;
    }
    // A datacenter whose forecast is another's (one region's grid and weather, the same
    // marginal PUE, no forecast error) shares it: jobs are planned once per class.
    const auto same = std::find_if(times_.begin(), times_.end(), [&](const auto& other) {
      const auto c = static_cast<std::size_t>(&other - times_.data());
      return other == times && rate_[c] == rate && intensity_[c] == intensity;
    });
    if (same != times_.end()) {
      class_of_[d] = static_cast<std::uint32_t>(same - times_.begin());
      continue;
    }
    class_of_[d] = static_cast<std::uint32_t>(times_.size());
    std::vector<std::vector<double>> levels{rate};
    for (std::size_t w = 1; 2 * w <= rate.size(); w *= 2) {
      const auto& prev = levels.back();
      std::vector<double> next_level(prev.size() - w);
      for (std::size_t i = 0; i < next_level.size(); ++i) {
        next_level[i] = std::min(prev[i], prev[i + w]);
      }
      levels.push_back(std::move(next_level));
    }
    times_.push_back(std::move(times));
    rate_.push_back(std::move(rate));
    intensity_.push_back(std::move(intensity));
    prefix_.push_back(std::move(prefix));
    hour_segment_.push_back(std::move(hours));
    min_rate_.push_back(std::move(levels));
  }
}

std::size_t CarbonForecast::segment_of(std::uint32_t dc, SimTime::rep t) const {
  const auto f = class_of_[dc];
  const auto& times = times_[f];
  const auto& hours = hour_segment_[f];
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
  const auto& levels = min_rate_[class_of_[dc]];
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
  const auto f = class_of_[dc];
  return prefix_[f][k] + rate_[f][k] * to_s(t - times_[f][k]);
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
  const auto runs_of = [&](std::uint32_t c) -> const TickRuns& {
    return feasible ? feasible(c) : whole;
  };
  const auto contains = [](const TickRuns& runs, SimTime::rep s) {
    const auto it = std::upper_bound(runs.begin(), runs.end(), s,
                                     [](SimTime::rep t, const auto& r) { return t < r.first; });
    return it != runs.begin() && std::prev(it)->second >= s;
  };
  // Candidates with one forecast (a class) are looked at together: the ticks where any of
  // them has room, with the forecast once. A start chosen in a class goes to the lowest
  // index among its candidates with room at that tick, so that the choice is the one a
  // visit of every candidate in index order would make.
  struct Group {
    std::uint32_t forecast = 0;
    std::uint32_t dc = 0;  ///< the first candidate's datacenter (forecasts read through it)
    double bound = 0;      ///< the lowest forecast any start could have
    std::vector<std::uint32_t> members;  ///< candidate indices, in order
    TickRuns runs;                       ///< the union of the members' runs
  };
  std::vector<Group> groups;
  for (std::uint32_t c = 0; c < j.candidate_count; ++c) {
    const auto dc = tables_->candidates[j.first_candidate + c];
    const auto f = class_of_[dc];
    auto g =
        std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.forecast == f; });
    if (g == groups.end()) {
      groups.push_back({f,
                        dc,
                        min_rate(dc, first + e, last + e + std::max<SimTime::rep>(d, 1)) *
                            j.duration.to_seconds(),
                        {},
                        {}});
      g = std::prev(groups.end());
    }
    g->members.push_back(c);
  }
  // The union of a group's runs, its members asked for in order until every tick of the
  // window has room in one of them (the union can then grow no more: the members not
  // asked for are not worked out at all).
  std::vector<std::pair<SimTime::rep, SimTime::rep>> pieces;
  const auto merge = [&](Group& g) {
    std::sort(pieces.begin(), pieces.end());
    g.runs.clear();
    for (const auto& [a, b] : pieces) {
      if (!g.runs.empty() && a <= g.runs.back().second + e) {
        g.runs.back().second = std::max(g.runs.back().second, b);
      } else {
        g.runs.emplace_back(a, b);
      }
    }
  };
  const auto unite = [&](Group& g) {
    if (g.members.size() == 1) {
      g.runs = runs_of(g.members.front());
      return;
    }
    g.runs.clear();
    for (const auto c : g.members) {
      const auto& r = runs_of(c);
      if (r.empty()) {
        continue;
      }
      pieces = g.runs;  // merged so far: the member's runs join fewer pieces
      pieces.insert(pieces.end(), r.begin(), r.end());
      merge(g);
      if (g.runs.size() == 1 && g.runs.front().first <= first && g.runs.front().second >= last) {
        return;  // together they have room throughout
      }
    }
  };
  // The datacenter of group g that takes a start at tick s: its first member with room.
  const auto member_at = [&](const Group& g, SimTime::rep s) {
    for (const auto c : g.members) {
      if (contains(runs_of(c), s)) {
        return tables_->candidates[j.first_candidate + c];
      }
    }
    return g.dc;  // not reached: s is in the union
  };
  // The forecast emissions of a start s are linear in s between the times at which s or
  // s + duration crosses a breakpoint of the forecast; on the tick grid the minimum over a
  // run of feasible ticks is at a tick next to one of those, or at an end of the run.
  std::optional<std::pair<SimTime, std::uint32_t>> best_pick;
  double best = std::numeric_limits<double>::infinity();
  const auto w_at = [&](std::uint32_t dc, SimTime::rep s) {
    const SimTime begin = SimTime::ticks(s + e);
    return weight(dc, begin, begin + j.duration);
  };
  // The candidate ticks of one group, in order, each with the run it lies in.
  std::vector<SimTime::rep> crossings;
  std::vector<std::pair<SimTime::rep, std::size_t>> out;
  const auto candidates_of = [&](const Group& g) {
    const TickRuns& runs = g.runs;
    const auto& times = times_[g.forecast];
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
    return g.dc;
  };
  // Groups are visited from the lowest bound, and the rest skipped once it is above the
  // best found (beyond a tie).
  std::vector<std::pair<double, std::size_t>> order;
  order.reserve(groups.size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    order.emplace_back(groups[g].bound, g);
  }
  std::sort(order.begin(), order.end());
  std::vector<char> united(groups.size(), 0);
  const auto visit = [&](std::size_t g) {
    if (united[g] == 0) {
      united[g] = 1;
      unite(groups[g]);
    }
    return candidates_of(groups[g]);
  };
  const auto beyond = [](double bound, double value) {
    return std::isfinite(value) && bound > value + kTieTolerance * std::fabs(value);
  };
  // The lowest forecast over every group visited; then, among the starts within a
  // relative 1e-9 of it (equal forecasts: a typical day repeats, flat hours, two
  // datacenters on one grid; they differ only by the rounding of the prefix sums, about
  // 1e-12 relative after a year of hours), the earliest tick, then the lower datacenter
  // index: the same choice in whatever order the candidates are visited.
  struct Eval {
    double w;
    SimTime::rep s;
    std::size_t group;
  };
  std::vector<Eval> evals;
  for (const auto& [bound, g] : order) {
    if (!evals.empty() && beyond(bound, best)) {
      break;
    }
    const auto dc = visit(g);
    for (const auto& [s, r] : out) {
      const double w = w_at(dc, s);
      evals.push_back({w, s, g});
      best = std::min(best, w);
    }
  }
  for (const auto& v : evals) {
    if (beyond(v.w, best)) {
      continue;
    }
    if (best_pick && v.s > best_pick->first.count()) {
      continue;
    }
    const auto dc = member_at(groups[v.group], v.s);
    if (!best_pick || v.s < best_pick->first.count() || dc < best_pick->second) {
      best_pick = {SimTime::ticks(v.s), dc};
    }
  }
  if (!best_pick || tolerance <= 0) {
    return best_pick;
  }
  // Under a tolerance: per group, the first tick at or below the threshold. Between
  // consecutive candidate ticks of one run the forecast is linear on the tick grid (a
  // breakpoint between them would have made its neighbouring ticks candidates), so the
  // first tick is found by interpolation on the first segment that reaches it, then
  // confirmed tick by tick.
  const double threshold = best * (1 + tolerance);
  SimTime::rep pick_t = std::numeric_limits<SimTime::rep>::max();
  double pick_w = std::numeric_limits<double>::infinity();
  std::uint32_t pick_dc = best_pick->second;
  for (const auto& [bound, g] : order) {
    if (beyond(bound, threshold)) {
      break;
    }
    const auto dc = visit(g);
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
        pick_dc = member_at(groups[g], s);
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
  const auto& times = times_[class_of_[dc]];
  const auto& v = intensity_[class_of_[dc]];
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
