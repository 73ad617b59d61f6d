#include "models/fleet/forecast.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

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
}  // namespace

CarbonForecast::CarbonForecast(const FleetTables* tables, const std::vector<DatacenterView>& dcs,
                               SimTime horizon, double error, std::uint64_t seed)
    : tables_(tables) {
  const auto ntypes = tables->types.size();
  const auto hours = static_cast<std::size_t>(ceil_to(horizon.count(), kHour) / kHour) + 1;
  rate_.assign(dcs.size(), std::vector<double>(hours, 0.0));
  intensity_.assign(dcs.size(), std::vector<double>(hours, 0.0));
  prefix_.assign(dcs.size(), std::vector<double>(hours + 1, 0.0));
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
    for (std::size_t h = 0; h < hours; ++h) {
      const SimTime t = SimTime::ticks(static_cast<SimTime::rep>(h) * kHour);
      const double marginal =
          (v.cooling->facility(t, base + step).total() - v.cooling->facility(t, base).total()) /
          step;
      double intensity = v.carbon->at(t).location.si();
      if (error > 0) {
        intensity *= std::max(0.0, 1.0 + error * noise.normal());
      }
      intensity_[d][h] = intensity;
      rate_[d][h] = intensity * marginal;
      prefix_[d][h + 1] = prefix_[d][h] + rate_[d][h] * static_cast<double>(kHour) /
                                              static_cast<double>(SimTime::kTicksPerSecond);
    }
  }
}

double CarbonForecast::weight(std::uint32_t dc, SimTime from, SimTime to) const {
  const auto& r = rate_[dc];
  const auto& p = prefix_[dc];
  const auto cumulative = [&](SimTime::rep t) {
    const auto last = static_cast<SimTime::rep>(r.size());
    const SimTime::rep h = std::min(t / kHour, last - 1);
    const double within =
        static_cast<double>(t - h * kHour) / static_cast<double>(SimTime::kTicksPerSecond);
    return p[static_cast<std::size_t>(h)] + r[static_cast<std::size_t>(h)] * within;
  };
  return cumulative(to.count()) - cumulative(from.count());
}

std::pair<SimTime, std::uint32_t> CarbonForecast::best_start(std::uint32_t job, SimTime now,
                                                             SimTime epoch,
                                                             double tolerance) const {
  const auto& j = tables_->jobs[job];
  const auto e = epoch.count();
  const SimTime::rep first = ceil_to(now.count(), e);
  const SimTime::rep last = std::max(first, floor_to(now.count() + j.slack.count(), e));
  const auto d = j.duration.count();
  // The forecast emissions of a start s are linear in s between the times at which s or
  // s + duration crosses an hour; on the tick grid the minimum is at a tick next to one of
  // those, or at an end of the window.
  std::vector<SimTime::rep> candidates{first, last};
  const auto add = [&](SimTime::rep s) {
    for (const auto t : {floor_to(s, e), ceil_to(s, e)}) {
      if (t >= first && t <= last) {
        candidates.push_back(t);
      }
    }
  };
  for (SimTime::rep h = floor_to(first + e, kHour); h <= last + e + d + kHour; h += kHour) {
    add(h - e);      // start crosses an hour
    add(h - e - d);  // end crosses an hour
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  SimTime best_t = SimTime::ticks(first);
  std::uint32_t best_dc = tables_->candidates[j.first_candidate];
  double best = std::numeric_limits<double>::infinity();
  for (std::uint32_t c = 0; c < j.candidate_count; ++c) {
    const auto dc = tables_->candidates[j.first_candidate + c];
    for (const auto s : candidates) {
      const SimTime begin = SimTime::ticks(s + e);
      const double w = weight(dc, begin, begin + j.duration);
      // Equal forecasts (a typical day repeats; flat hours) differ only by the rounding of the
      // prefix sums (about 1e-12 relative after a year of hours): within
      // a relative 1e-9 they tie, and the earlier tick, then the earlier datacenter, wins.
      const bool tie =
          std::isfinite(best) && std::fabs(w - best) <= kTieTolerance * std::fabs(best);
      const bool earlier = s < best_t.count() || (s == best_t.count() && dc < best_dc);
      if ((!tie && w < best) || (tie && earlier)) {
        best = w;
        best_t = SimTime::ticks(s);
        best_dc = dc;
      }
    }
  }
  if (tolerance > 0) {
    return earliest_within(job, candidates, epoch, best * (1 + tolerance), {best_t, best_dc});
  }
  return {best_t, best_dc};
}

std::pair<SimTime, std::uint32_t> CarbonForecast::earliest_within(
    std::uint32_t job, const std::vector<SimTime::rep>& candidates, SimTime epoch, double threshold,
    std::pair<SimTime, std::uint32_t> best) const {
  // Between consecutive candidates the forecast is linear on the tick grid (a breakpoint
  // between them would have made its neighbouring ticks candidates), so the first tick at
  // or below the threshold is found by interpolation on the first segment that reaches
  // it, then confirmed tick by tick.
  const auto& j = tables_->jobs[job];
  const auto e = epoch.count();
  const auto w_at = [&](std::uint32_t dc, SimTime::rep s) {
    const SimTime begin = SimTime::ticks(s + e);
    return weight(dc, begin, begin + j.duration);
  };
  SimTime::rep pick_t = std::numeric_limits<SimTime::rep>::max();
  double pick_w = std::numeric_limits<double>::infinity();
  std::uint32_t pick_dc = best.second;
  for (std::uint32_t c = 0; c < j.candidate_count; ++c) {
    const auto dc = tables_->candidates[j.first_candidate + c];
    double w_prev = w_at(dc, candidates.front());
    SimTime::rep s = candidates.front();
    bool found = w_prev <= threshold;
    for (std::size_t i = 1; !found && i < candidates.size(); ++i) {
      const SimTime::rep a = candidates[i - 1];
      const SimTime::rep b = candidates[i];
      const double w_b = w_at(dc, b);
      if (w_b <= threshold) {
        const double steps = static_cast<double>((b - a) / e);
        const double frac = (w_prev - threshold) / (w_prev - w_b);
        s = std::clamp(a + static_cast<SimTime::rep>(std::ceil(frac * steps)) * e, a + e, b);
        while (s < b && w_at(dc, s) > threshold) {
          s += e;
        }
        while (s - e > a && w_at(dc, s - e) <= threshold) {
          s -= e;
        }
        found = true;
      }
      w_prev = w_b;
    }
    if (!found) {
      continue;  // only when rounding puts this datacenter's own minimum above the threshold
    }
    const double w = w_at(dc, s);
    if (s < pick_t || (s == pick_t && w < pick_w)) {
      pick_t = s;
      pick_w = w;
      pick_dc = dc;
    }
  }
  if (pick_t == std::numeric_limits<SimTime::rep>::max()) {
    return best;
  }
  return {SimTime::ticks(pick_t), pick_dc};
}

SimTime CarbonForecast::first_hour_at_or_below(std::uint32_t dc, SimTime now, SimTime limit,
                                               units::CarbonIntensity threshold) const {
  const auto& v = intensity_[dc];
  const auto end = static_cast<SimTime::rep>(v.size());
  for (SimTime::rep h = now.count() / kHour + 1; h < end && h * kHour <= limit.count(); ++h) {
    if (v[static_cast<std::size_t>(h)] <= threshold.si()) {
      return SimTime::ticks(h * kHour);
    }
  }
  return SimTime::max();
}

std::vector<CarbonPlan> plan_carbon_aware(const CarbonForecast& forecast, const FleetTables& tables,
                                          SimTime epoch, double tolerance) {
  std::vector<CarbonPlan> plans(tables.jobs.size());
  // Each job's choice depends only on its own submit time, slack and duration and on the
  // forecast: independent, so computed in parallel (in the caller's task arena).
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, tables.jobs.size(), 1024),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t j = r.begin(); j != r.end(); ++j) {
                        const auto& f = tables.jobs[j];
                        if (f.fixed_start != SimTime::max() || f.slack <= SimTime::zero()) {
                          continue;
                        }
                        const auto [when, dc] = forecast.best_start(static_cast<std::uint32_t>(j),
                                                                    f.submit, epoch, tolerance);
                        plans[j] = {when, dc, true};
                      }
                    });
  return plans;
}

}  // namespace footprint::models
