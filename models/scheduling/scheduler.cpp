#include "models/scheduling/scheduler.hpp"

#include <algorithm>
#include <cmath>

#include "sim/engine/random.hpp"

namespace footprint::models {

namespace {
constexpr SimTime::rep kHour = SimTime::kTicksPerHour;
/// The marginal PUE is taken at half the datacenter's capacity, for a step of 1 % of it.
constexpr double kReferenceLoad = 0.5;
constexpr double kMarginalStep = 0.01;
/// Stream key of the forecast errors, apart from every LP's stream.
constexpr std::uint64_t kForecastStream = 0xf0'0ca5'7000ULL;

SimTime::rep ceil_to(SimTime::rep t, SimTime::rep step) {
  return ((t + step - 1) / step) * step;
}
SimTime::rep floor_to(SimTime::rep t, SimTime::rep step) {
  return (t / step) * step;
}
}  // namespace

SchedulerLp::SchedulerLp(const FleetTables* tables, std::vector<DatacenterView> dcs,
                         SchedulerConfig config, std::vector<std::uint32_t> scheduled,
                         std::vector<std::uint32_t> fixed)
    : tables_(tables),
      dcs_(std::move(dcs)),
      cfg_(config),
      scheduled_(std::move(scheduled)),
      fixed_(std::move(fixed)),
      ntypes_(tables->types.size()),
      pools_(dcs_.size() * ntypes_),
      free_(dcs_.size() * ntypes_, 0),
      jobs_power_w_(dcs_.size(), 0.0),
      expected_end_(tables->jobs.size(), 0),
      dispatch_(tables->jobs.size()) {
  for (std::uint32_t d = 0; d < dcs_.size(); ++d) {
    dcs_[d].inventory.resize(ntypes_, 0);
    for (std::uint32_t t = 0; t < ntypes_; ++t) {
      free_[pool_index(d, t)] = dcs_[d].inventory[t];
    }
  }
  if (cfg_.policy == Policy::kCarbonAware) {
    build_forecast();
  }
}

void SchedulerLp::build_forecast() {
  const auto hours = static_cast<std::size_t>(ceil_to(cfg_.horizon.count(), kHour) / kHour) + 1;
  rate_.assign(dcs_.size(), std::vector<double>(hours, 0.0));
  prefix_.assign(dcs_.size(), std::vector<double>(hours + 1, 0.0));
  for (std::uint32_t d = 0; d < dcs_.size(); ++d) {
    const auto& v = dcs_[d];
    double capacity_w = 0;
    for (std::uint32_t t = 0; t < ntypes_; ++t) {
      capacity_w += static_cast<double>(v.inventory[t]) *
                    units::to_watts(tables_->types[t].tdp + v.host_overhead);
    }
    const auto base = units::watts(std::max(1.0, capacity_w * kReferenceLoad));
    const auto step = base * kMarginalStep;
    engine::RandomStream noise(cfg_.seed, kForecastStream, d);
    for (std::size_t h = 0; h < hours; ++h) {
      const SimTime t = SimTime::ticks(static_cast<SimTime::rep>(h) * kHour);
      const double marginal =
          (v.cooling->facility(t, base + step).total() - v.cooling->facility(t, base).total()) /
          step;
      double intensity = v.carbon->at(t).location.si();
      if (cfg_.forecast_error > 0) {
        intensity *= std::max(0.0, 1.0 + cfg_.forecast_error * noise.normal());
      }
      rate_[d][h] = intensity * marginal;
      prefix_[d][h + 1] = prefix_[d][h] + rate_[d][h] * static_cast<double>(kHour) /
                                              static_cast<double>(SimTime::kTicksPerSecond);
    }
  }
}

double SchedulerLp::forecast_weight(std::uint32_t dc, SimTime from, SimTime to) const {
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

std::pair<SimTime, std::uint32_t> SchedulerLp::best_start(std::uint32_t job, SimTime now) const {
  const auto& j = tables_->jobs[job];
  const auto e = cfg_.epoch.count();
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
      const double w = forecast_weight(dc, begin, begin + j.duration);
      if (w < best) {
        best = w;
        best_t = SimTime::ticks(s);
        best_dc = dc;
      }
    }
  }
  return {best_t, best_dc};
}

void SchedulerLp::on_start(engine::Context<FleetMsg>& ctx) {
  for (const auto j : fixed_) {
    ctx.schedule(tables_->jobs[j].fixed_start, {FleetMsg::Kind::kFixedStart, j, 0, 0});
  }
  if (!scheduled_.empty()) {
    ctx.schedule(tables_->jobs[scheduled_.front()].submit, {FleetMsg::Kind::kArrival, 0, 0, 0});
  }
}

void SchedulerLp::ensure_tick(engine::Context<FleetMsg>& ctx) {
  const SimTime::rep t = ceil_to(ctx.now().count(), cfg_.epoch.count());
  if (tick_at_ >= ctx.now().count() && tick_at_ <= t) {
    return;
  }
  tick_at_ = t;
  ctx.schedule(SimTime::ticks(t) - ctx.now(), {FleetMsg::Kind::kTick, 0, 0, 0});
}

void SchedulerLp::arrive(engine::Context<FleetMsg>& ctx) {
  const SimTime now = ctx.now();
  while (cursor_ < scheduled_.size() && tables_->jobs[scheduled_[cursor_]].submit <= now) {
    const auto job = scheduled_[cursor_++];
    const auto& j = tables_->jobs[job];
    if (cfg_.policy == Policy::kCarbonAware && j.slack > SimTime::zero()) {
      const auto [when, dc] = best_start(job, now);
      dispatch_[job].datacenter = dc;
      if (when > now) {
        ctx.schedule(when - now, {FleetMsg::Kind::kEligible, job, dc, 0});
        continue;
      }
      enqueue(ctx, job, dc);
      continue;
    }
    // Otherwise the first listed datacenter with room now, else the first listed.
    std::uint32_t dc = tables_->candidates[j.first_candidate];
    for (std::uint32_t c = 0; c < j.candidate_count; ++c) {
      const auto d = tables_->candidates[j.first_candidate + c];
      if (free_[pool_index(d, j.type)] >= j.devices) {
        dc = d;
        break;
      }
    }
    enqueue(ctx, job, dc);
  }
  if (cursor_ < scheduled_.size()) {
    ctx.schedule(tables_->jobs[scheduled_[cursor_]].submit - now,
                 {FleetMsg::Kind::kArrival, 0, 0, 0});
  }
}

void SchedulerLp::enqueue(engine::Context<FleetMsg>& ctx, std::uint32_t job, std::uint32_t dc) {
  dispatch_[job].eligible_s = ctx.now().to_seconds();
  dispatch_[job].datacenter = dc;
  pools_[pool_index(dc, tables_->jobs[job].type)].queue.push_back(job);
  ensure_tick(ctx);
}

bool SchedulerLp::fits_power(std::uint32_t dc, const FleetJob& j, SimTime now) const {
  const auto& v = dcs_[dc];
  if (!std::isfinite(v.power_cap_w)) {
    return true;
  }
  // The IT power the datacenter would draw with the job added: running jobs, the job,
  // and (when idle devices draw) the rest of the inventory at idle.
  double it = jobs_power_w_[dc] +
              static_cast<double>(j.devices) * units::to_watts(j.compute_power + v.host_overhead);
  if (v.idle_draw) {
    for (std::uint32_t t = 0; t < ntypes_; ++t) {
      auto idle_devices = free_[pool_index(dc, t)];
      if (t == j.type) {
        idle_devices -= j.devices;
      }
      it += static_cast<double>(idle_devices) *
            units::to_watts(tables_->types[t].idle + v.host_overhead);
    }
  }
  return units::to_watts(v.cooling->facility(now, units::watts(it)).total()) <= v.power_cap_w;
}

void SchedulerLp::take(std::uint32_t dc, std::uint32_t job, SimTime expected_start) {
  const auto& j = tables_->jobs[job];
  const auto p = pool_index(dc, j.type);
  free_[p] -= j.devices;
  jobs_power_w_[dc] +=
      static_cast<double>(j.devices) * units::to_watts(j.compute_power + dcs_[dc].host_overhead);
  expected_end_[job] = (expected_start + j.duration).count();
  pools_[p].running.emplace(expected_end_[job], job);
}

void SchedulerLp::release(std::uint32_t dc, std::uint32_t job) {
  const auto& j = tables_->jobs[job];
  const auto p = pool_index(dc, j.type);
  free_[p] += j.devices;
  jobs_power_w_[dc] -=
      static_cast<double>(j.devices) * units::to_watts(j.compute_power + dcs_[dc].host_overhead);
  pools_[p].running.erase({expected_end_[job], job});
}

void SchedulerLp::start(engine::Context<FleetMsg>& ctx, std::uint32_t dc, std::uint32_t job) {
  take(dc, job, ctx.now() + cfg_.epoch);
  dispatch_[job].dispatch_s = ctx.now().to_seconds();
  dispatch_[job].datacenter = dc;
  ctx.send(dcs_[dc].lp, cfg_.epoch, {FleetMsg::Kind::kStart, job, 0, 0});
}

void SchedulerLp::tick(engine::Context<FleetMsg>& ctx) {
  const SimTime now = ctx.now();
  bool power_blocked = false;
  for (std::uint32_t dc = 0; dc < dcs_.size(); ++dc) {
    for (std::uint32_t t = 0; t < ntypes_; ++t) {
      const auto p = pool_index(dc, t);
      auto& pool = pools_[p];
      if (pool.head == pool.queue.size()) {
        continue;
      }
      // Start from the head while jobs fit.
      while (pool.head < pool.queue.size()) {
        const auto job = pool.queue[pool.head];
        const auto& j = tables_->jobs[job];
        if (free_[p] < j.devices) {
          break;
        }
        if (!fits_power(dc, j, now)) {
          power_blocked = true;
          break;
        }
        start(ctx, dc, job);
        ++pool.head;
      }
      if (cfg_.policy == Policy::kFifo || pool.head == pool.queue.size()) {
        continue;
      }
      // EASY backfill: the head's reservation, from running jobs' expected ends.
      const auto& head = tables_->jobs[pool.queue[pool.head]];
      std::int64_t avail = free_[p];
      SimTime::rep shadow = std::numeric_limits<SimTime::rep>::max();
      for (const auto& [end, job] : pool.running) {
        avail += tables_->jobs[job].devices;
        if (avail >= head.devices) {
          shadow = end;
          break;
        }
      }
      std::int64_t extra = avail - head.devices;
      const std::size_t stop = std::min(pool.queue.size(), pool.head + 1 + cfg_.backfill_depth);
      for (std::size_t k = pool.head + 1; k < stop; ++k) {
        const auto job = pool.queue[k];
        if (job == std::numeric_limits<std::uint32_t>::max()) {
          continue;
        }
        const auto& j = tables_->jobs[job];
        if (j.devices > free_[p]) {
          continue;
        }
        const bool ends_before = (now + cfg_.epoch + j.duration).count() <= shadow;
        if (!ends_before && j.devices > extra) {
          continue;
        }
        if (!fits_power(dc, j, now)) {
          power_blocked = true;
          continue;
        }
        if (!ends_before) {
          extra -= j.devices;
        }
        start(ctx, dc, job);
        pool.queue[k] = std::numeric_limits<std::uint32_t>::max();  // taken
      }
      // Drop taken entries behind the head, and compact the consumed front now and then.
      const auto taken = std::numeric_limits<std::uint32_t>::max();
      pool.queue.erase(std::remove(pool.queue.begin() + static_cast<std::ptrdiff_t>(pool.head) + 1,
                                   pool.queue.end(), taken),
                       pool.queue.end());
    }
  }
  for (auto& pool : pools_) {
    constexpr std::size_t kCompactAt = 4096;
    if (pool.head >= kCompactAt && pool.head * 2 >= pool.queue.size()) {
      pool.queue.erase(pool.queue.begin(),
                       pool.queue.begin() + static_cast<std::ptrdiff_t>(pool.head));
      pool.head = 0;
    }
  }
  if (power_blocked) {
    // The facility's power changes with the weather, not only with events: look again.
    tick_at_ = now.count() + cfg_.epoch.count();
    ctx.schedule(cfg_.epoch, {FleetMsg::Kind::kTick, 0, 0, 0});
  }
}

void SchedulerLp::on_event(engine::Context<FleetMsg>& ctx, const engine::Event<FleetMsg>& e) {
  const auto& m = e.payload;
  switch (m.kind) {
    case FleetMsg::Kind::kArrival:
      arrive(ctx);
      break;
    case FleetMsg::Kind::kEligible:
      enqueue(ctx, m.job, m.slot);
      break;
    case FleetMsg::Kind::kTick:
      if (ctx.now().count() == tick_at_) {
        tick_at_ = -1;
      }
      tick(ctx);
      break;
    case FleetMsg::Kind::kFixedStart: {
      const auto dc = tables_->candidates[tables_->jobs[m.job].first_candidate];
      dispatch_[m.job].datacenter = dc;
      take(dc, m.job, ctx.now());
      break;
    }
    case FleetMsg::Kind::kDone:
      release(dispatch_[m.job].datacenter, m.job);
      ensure_tick(ctx);
      break;
    default:
      break;
  }
}

}  // namespace footprint::models
