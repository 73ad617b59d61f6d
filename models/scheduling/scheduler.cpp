#include "models/scheduling/scheduler.hpp"

#include "models/fleet/forecast.hpp"

#include <algorithm>
#include <cmath>

#include "sim/engine/random.hpp"

namespace footprint::models {

namespace {

SimTime::rep ceil_to(SimTime::rep t, SimTime::rep step) {
  return ((t + step - 1) / step) * step;
}
/// The carbon-aware plan books devices in hourly means.
constexpr SimTime::rep kPlanBucket = SimTime::kTicksPerHour;
/// Buckets back to the same hour a day before.
constexpr SimTime::rep kPersistence = SimTime::kTicksPerHour * 24 / kPlanBucket;
/// Devices within which a booking fits (the means are sums of fractions).
constexpr double kBookingTolerance = 1e-6;
/// Relative margin within which a facility power is at its cap.
constexpr double kCapTolerance = 1e-9;
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
      alloc_(dcs_.size() * ntypes_),
      queued_(dcs_.size() * ntypes_, 0),
      jobs_power_(dcs_.size(), units::Watts::zero()),
      dispatch_(tables->jobs.size()),
      lend_schedule_(dcs_.size() * ntypes_, nullptr),
      lend_next_(dcs_.size() * ntypes_, 0),
      lend_now_(dcs_.size() * ntypes_, 0),
      borrowed_(dcs_.size() * ntypes_, 0),
      borrowers_(dcs_.size() * ntypes_) {
  for (std::uint32_t d = 0; d < dcs_.size(); ++d) {
    dcs_[d].inventory.resize(ntypes_, 0);
    dcs_[d].fabrics.resize(ntypes_);
    for (std::uint32_t t = 0; t < ntypes_; ++t) {
      free_[pool_index(d, t)] = dcs_[d].inventory[t];
      if (dcs_[d].fabrics[t]) {
        alloc_[pool_index(d, t)] = std::make_unique<Allocator>(*dcs_[d].fabrics[t]);
      } else if (t < dcs_[d].lendable.size() && !dcs_[d].lendable[t].empty()) {
        lend_schedule_[pool_index(d, t)] = &dcs_[d].lendable[t];
        lend_pools_.push_back(pool_index(d, t));
      }
    }
  }
  cap_blocked_.assign(dcs_.size(), 0);
  cap_held_.assign(dcs_.size(), 0.0);
}

namespace {
/// The time a job is expected to hold its devices, failures included: what it books.
SimTime expected_hold(const FleetJob& j, double device_mtbf_s, SimTime restart) {
  const SimTime planned = planned_runtime(j);
  if (device_mtbf_s <= 0) {
    return planned;
  }
  // Each failure costs the restart and, on average, half the work since the last
  // checkpoint (half the run without checkpoints).
  const double failures = static_cast<double>(j.devices) * planned.to_seconds() / device_mtbf_s;
  const double lost_s = 0.5 * std::min(j.checkpoint_interval, j.duration).to_seconds();
  return planned + SimTime::from_seconds(failures * (restart.to_seconds() + lost_s));
}
}  // namespace

void SchedulerLp::set_forecast(const CarbonForecast* forecast) {
  forecast_ = forecast;
  profile_.assign(pools_.size(), {});
  booking_.assign(tables_->jobs.size(), {});
}

SimTime SchedulerLp::hold_of(std::uint32_t job) const {
  return expected_hold(tables_->jobs[job], cfg_.device_mtbf_s, cfg_.restart);
}

void SchedulerLp::add_profile(std::size_t p, SimTime::rep from, SimTime::rep to, double devices) {
  if (to <= from) {
    return;
  }
  auto& prof = profile_[p];
  const auto last = static_cast<std::size_t>((to - 1) / kPlanBucket);
  if (prof.size() <= last) {
    prof.resize(last + 1, 0.0);
  }
  for (auto h = static_cast<std::size_t>(from / kPlanBucket); h <= last; ++h) {
    const auto b0 = static_cast<SimTime::rep>(h) * kPlanBucket;
    const auto overlap = std::min(to, b0 + kPlanBucket) - std::max(from, b0);
    prof[h] += devices * static_cast<double>(overlap) / static_cast<double>(kPlanBucket);
  }
}

void SchedulerLp::book(std::uint32_t job, std::size_t p, SimTime::rep from) {
  if (forecast_ == nullptr) {
    return;
  }
  const auto devices = static_cast<double>(tables_->jobs[job].devices);
  auto& b = booking_[job];
  const auto hold = hold_of(job).count();
  if (b.from >= 0) {
    if (b.pool == p && b.from == from) {
      return;
    }
    add_profile(b.pool, b.from, b.from + hold, -devices);
  }
  b = {from, static_cast<std::uint32_t>(p)};
  add_profile(p, from, from + hold, devices);
}

void SchedulerLp::unbook(std::uint32_t job, SimTime::rep from) {
  if (forecast_ == nullptr) {
    return;
  }
  auto& b = booking_[job];
  if (b.from < 0) {
    return;
  }
  add_profile(b.pool, std::max(from, b.from), b.from + hold_of(job).count(),
              -static_cast<double>(tables_->jobs[job].devices));
  b.from = -1;
}

bool SchedulerLp::plan(engine::Context<FleetMsg>& ctx, std::uint32_t job) {
  const SimTime now = ctx.now();
  const auto& j = tables_->jobs[job];
  const auto e = cfg_.epoch.count();
  const auto window = forecast_->window(job, now, cfg_.epoch, cfg_.end_by);
  const SimTime::rep first = window.first;
  const SimTime::rep last = window.second;
  const auto hold = hold_of(job).count();
  // Each candidate's runs of ticks with room, worked out when the forecast asks for them.
  if (plan_runs_.size() < j.candidate_count) {
    plan_runs_.resize(j.candidate_count);
  }
  plan_known_.assign(j.candidate_count, 0);
  const auto runs_of = [&](std::uint32_t c) -> const TickRuns& {
    auto& r = plan_runs_[c];
    if (plan_known_[c] != 0) {
      return r;
    }
    plan_known_[c] = 1;
    r.clear();
    const auto dc = tables_->candidates[j.first_candidate + c];
    const auto p = pool_index(dc, j.type);
    const double room = static_cast<double>(dcs_[dc].inventory[j.type] - j.devices);
    if (room < 0) {
      return r;
    }
    const auto& prof = profile_[p];
    const auto at = [&](SimTime::rep h) {
      return h >= 0 && static_cast<std::size_t>(h) < prof.size() ? prof[static_cast<std::size_t>(h)]
                                                                 : 0.0;
    };
    // What a later hour will hold: its bookings so far, or what the same hour a day before
    // held (persistence: the jobs still to come will book it about as much), whichever is
    // more.
    const SimTime::rep now_bucket = now.count() / kPlanBucket;
    const auto booked = [&](SimTime::rep h) {
      return h > now_bucket ? std::max(at(h), at(h - kPersistence)) : at(h);
    };
    // Starts share hourly buckets: ticks whose first and last bucket are the same fit
    // alike, so the ticks are taken block by block. Both buckets only move forward with
    // the start, so the peak over them is a sliding maximum: each bucket is read once,
    // whatever the job's length (a deque of buckets with decreasing bookings, the front
    // the peak).
    const SimTime::rep span = std::max<SimTime::rep>(hold, 1) - 1;
    window_.clear();
    std::size_t head = 0;                             // window_[head..] is the deque
    SimTime::rep pushed = (first + e) / kPlanBucket;  // the next bucket to enter the window
    for (SimTime::rep s = first; s <= last;) {
      const SimTime::rep a = (s + e) / kPlanBucket;
      const SimTime::rep b = (s + e + span) / kPlanBucket;
      // The last tick with the same buckets.
      const SimTime::rep until = std::min({last, ((a + 1) * kPlanBucket - e - 1) / e * e,
                                           ((b + 1) * kPlanBucket - e - span - 1) / e * e});
      for (; pushed <= b; ++pushed) {
        const double v = booked(pushed);
        while (window_.size() > head && window_.back().second <= v) {
          window_.pop_back();
        }
        window_.emplace_back(pushed, v);
      }
      while (window_[head].first < a) {
        ++head;
      }
      const double peak = std::max(0.0, window_[head].second);
      if (peak <= room + kBookingTolerance) {
        if (!r.empty() && r.back().second == s - e) {
          r.back().second = until;
        } else {
          r.emplace_back(s, until);
        }
      }
      s = std::max(until, s) + e;
    }
    return r;
  };
  const auto pick =
      forecast_->best_start(job, now, cfg_.epoch, cfg_.tolerance, runs_of, cfg_.end_by);
  if (!pick) {
    return false;
  }
  const auto [when, dc] = *pick;
  book(job, pool_index(dc, j.type), when.count() + e);
  dispatch_[job].datacenter = dc;
  if (when > now) {
    ctx.schedule(when - now, {FleetMsg::Kind::kEligible, job, dc, 0});
  } else {
    enqueue(ctx, job, dc);
  }
  return true;
}

void SchedulerLp::on_start(engine::Context<FleetMsg>& ctx) {
  for (const auto j : fixed_) {
    const auto& f = tables_->jobs[j];
    pools_[pool_index(tables_->candidates[f.first_candidate], f.type)].fixed.push_back(j);
  }
  for (auto& pool : pools_) {
    std::stable_sort(pool.fixed.begin(), pool.fixed.end(), [&](std::uint32_t a, std::uint32_t b) {
      return tables_->jobs[a].fixed_start < tables_->jobs[b].fixed_start;
    });
  }
  for (const auto j : fixed_) {
    const auto& f = tables_->jobs[j];
    ctx.schedule(f.fixed_start, {FleetMsg::Kind::kFixedStart, j, 0, 0});
    book(j, pool_index(tables_->candidates[f.first_candidate], f.type), f.fixed_start.count());
  }
  if (!scheduled_.empty()) {
    ctx.schedule(tables_->jobs[scheduled_.front()].submit, {FleetMsg::Kind::kArrival, 0, 0, 0});
  }
  update_lend(ctx);
}

void SchedulerLp::update_lend(engine::Context<FleetMsg>& ctx) {
  const SimTime::rep ahead = ctx.now().count() + cfg_.epoch.count();
  if (lend_pools_.empty() || ahead < lend_due_) {
    return;
  }
  lend_due_ = std::numeric_limits<SimTime::rep>::max();
  bool rose = false;
  for (const auto p : lend_pools_) {
    const auto& sched = *lend_schedule_[p];
    auto& k = lend_next_[p];
    const auto before = lend_now_[p];
    while (k < sched.size() && sched[k].first.count() <= ahead) {
      lend_now_[p] = sched[k].second;
      ++k;
    }
    if (k < sched.size()) {
      lend_due_ = std::min(lend_due_, sched[k].first.count());
    }
    rose = rose || lend_now_[p] > before;
    // Taken back: the borrowers that started last stop, until the rest fit.
    auto& b = borrowers_[p];
    while (borrowed_[p] > lend_now_[p] && !b.empty()) {
      const auto job = b.back();
      b.pop_back();
      auto& loan = loans_.at(job);
      borrowed_[p] -= loan.borrowed;
      loan.borrowed = 0;
      ctx.send(dcs_[dispatch_[job].datacenter].lp, cfg_.epoch,
               {FleetMsg::Kind::kPreempt, job, 0, 0});
    }
  }
  if (rose) {
    ensure_tick(ctx);
  }
  if (lend_due_ != std::numeric_limits<SimTime::rep>::max()) {
    // The next change is looked at one epoch before it holds.
    const SimTime::rep at = lend_due_ - cfg_.epoch.count();
    if (at != lend_wake_) {
      lend_wake_ = at;
      ctx.schedule(SimTime::ticks(at) - ctx.now(), {FleetMsg::Kind::kLend, 0, 0, 0});
    }
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
    if (forecast_ != nullptr) {
      if (j.slack > SimTime::zero() && plan(ctx, job)) {
        continue;
      }
      // No slack, or no room within it: queued now, and booked from the next tick on.
      const auto dc = place(job, now, std::nullopt);
      enqueue(ctx, job, dc);
      book(job, pool_index(dc, j.type),
           ceil_to(now.count(), cfg_.epoch.count()) + cfg_.epoch.count());
      continue;
    }
    enqueue(ctx, job, place(job, now, std::nullopt));
  }
  if (cursor_ < scheduled_.size()) {
    ctx.schedule(tables_->jobs[scheduled_[cursor_]].submit - now,
                 {FleetMsg::Kind::kArrival, 0, 0, 0});
  }
}

std::uint32_t SchedulerLp::place(std::uint32_t job, SimTime now,
                                 std::optional<std::uint32_t> planned) {
  const auto& j = tables_->jobs[job];
  // Room now: free devices beyond what the pool's queue already waits for (a job joining
  // a queue starts after the jobs in it, however many devices are free).
  const auto room = [&](std::uint32_t dc) {
    const auto p = pool_index(dc, j.type);
    return free_[p] - queued_[p] >= j.devices;
  };
  // (Placement counts devices; whether a compact block exists is checked at dispatch.)
  if (planned && room(*planned)) {
    return *planned;
  }
  // Among candidates with room now: for carbon-aware, the lowest forecast emissions of
  // starting now; otherwise the most free devices. Without room anywhere: the candidate
  // whose queue holds the least demand for its size.
  std::optional<std::uint32_t> best;
  double best_score = std::numeric_limits<double>::infinity();
  // Datacenters with one forecast (a class) have the same emissions for a start: each
  // class's is worked out once.
  class_weight_.clear();
  const auto weight_of = [&](std::uint32_t dc) {
    const auto f = forecast_->forecast_class(dc);
    for (const auto& [g, w] : class_weight_) {
      if (g == f) {
        return w;
      }
    }
    const SimTime begin = SimTime::ticks(ceil_to(now.count(), cfg_.epoch.count())) + cfg_.epoch;
    class_weight_.emplace_back(f, forecast_->weight(dc, begin, begin + j.duration));
    return class_weight_.back().second;
  };
  for (std::uint32_t c = 0; c < j.candidate_count; ++c) {
    const auto dc = tables_->candidates[j.first_candidate + c];
    if (!room(dc)) {
      continue;
    }
    double score = -static_cast<double>(free_[pool_index(dc, j.type)]);
    if (forecast_ != nullptr) {
      score = weight_of(dc);
    }
    if (score < best_score) {
      best_score = score;
      best = dc;
    }
  }
  if (best) {
    return *best;
  }
  if (planned) {
    return *planned;
  }
  std::uint32_t least = tables_->candidates[j.first_candidate];
  double least_load = std::numeric_limits<double>::infinity();
  for (std::uint32_t c = 0; c < j.candidate_count; ++c) {
    const auto dc = tables_->candidates[j.first_candidate + c];
    const auto p = pool_index(dc, j.type);
    const double load = static_cast<double>(queued_[p]) /
                        static_cast<double>(std::max<std::int64_t>(1, dcs_[dc].inventory[j.type]));
    if (load < least_load) {
      least_load = load;
      least = dc;
    }
  }
  return least;
}

void SchedulerLp::enqueue(engine::Context<FleetMsg>& ctx, std::uint32_t job, std::uint32_t dc) {
  dispatch_[job].datacenter = dc;
  const auto p = pool_index(dc, tables_->jobs[job].type);
  pools_[p].queue.push_back(job);
  queued_[p] += tables_->jobs[job].devices;
  ensure_tick(ctx);
}

bool SchedulerLp::fits_power(std::uint32_t dc, std::size_t p, const FleetJob& j,
                             SimTime now) const {
  const auto& v = dcs_[dc];
  if (!v.power_cap) {
    return true;
  }
  // Planned against the cooling model's envelope over the job's whole planned run, with
  // every device held by a job at full draw (running jobs, the job, and fixed-start jobs
  // that start before it would end) and the rest of the inventory idle.
  const SimTime begin = now + cfg_.epoch;
  const SimTime end = begin + planned_runtime(j);
  auto jobs = jobs_power_[dc] + units::watts(static_cast<double>(j.devices) *
                                             units::to_watts(v.power.running(j.compute_power)));
  // Room for the services' devices at full draw, but for those borrowed (drawing as jobs).
  jobs += v.services_full - v.power.running(tables_->types[j.type].tdp) *
                                static_cast<double>(j.devices - own_part(p, j, now));
  units::Watts idle = units::Watts::zero();
  for (std::uint32_t t = 0; t < ntypes_; ++t) {
    const auto q = pool_index(dc, t);
    jobs -= v.power.running(tables_->types[t].tdp) * static_cast<double>(borrowed_[q]);
    std::int64_t free = free_[q] - (q == p ? j.devices : 0);
    const auto& pool = pools_[q];
    for (std::size_t k = pool.fixed_next; k < pool.fixed.size(); ++k) {
      const auto& f = tables_->jobs[pool.fixed[k]];
      if (f.fixed_start >= end) {
        break;
      }
      jobs += units::watts(static_cast<double>(f.devices) *
                           units::to_watts(v.power.running(f.compute_power)));
      free -= f.devices;
    }
    if (v.power.idle_draw) {
      idle += v.power.idle_bound(tables_->types[t]) *
              static_cast<double>(std::max<std::int64_t>(0, free));
    }
  }
  const auto peak = v.envelope->peak(begin, end, jobs + idle);
  return units::to_watts(peak) <= units::to_watts(*v.power_cap) * (1 + kCapTolerance);
}

std::int64_t SchedulerLp::reserved_for_fixed(std::size_t p, const FleetJob& j, SimTime now) const {
  // Devices that fixed-start jobs will take before this job would end stay free for them
  // (conservatively: as if nothing running ended before).
  std::int64_t reserved = 0;
  const auto& pool = pools_[p];
  const SimTime end = now + cfg_.epoch + j.duration;
  for (std::size_t k = pool.fixed_next; k < pool.fixed.size(); ++k) {
    const auto& f = tables_->jobs[pool.fixed[k]];
    if (f.fixed_start >= end) {
      break;
    }
    reserved += f.devices;
  }
  return reserved;
}

std::int64_t SchedulerLp::own_part(std::size_t p, const FleetJob& j, SimTime now) const {
  return std::clamp<std::int64_t>(free_[p] - reserved_for_fixed(p, j, now), 0, j.devices);
}

bool SchedulerLp::room(std::size_t p, const FleetJob& j, SimTime now) {
  std::int64_t avail = free_[p] - reserved_for_fixed(p, j, now);
  if (lend_schedule_[p] != nullptr) {
    avail += lend_now_[p] - borrowed_[p];
  }
  if (avail < j.devices) {
    return false;
  }
  if (!alloc_[p]) {
    return true;
  }
  // With a fabric the devices come as a block chosen by the allocator (compact when it can
  // be; scattered only when no compact block is free). The trial block is given
  // back; take() allocates the same one (the allocator is deterministic).
  const auto block = alloc_[p]->allocate(j.devices);
  if (!block) {
    return false;
  }
  alloc_[p]->release(*block);
  return true;
}

void SchedulerLp::take(std::uint32_t dc, std::uint32_t job, SimTime expected_start,
                       std::int64_t own) {
  const auto& j = tables_->jobs[job];
  const auto p = pool_index(dc, j.type);
  if (alloc_[p]) {
    auto block = alloc_[p]->allocate(j.devices);
    if (block) {
      dispatch_[job].pods = static_cast<std::uint32_t>(block->pods.size());
      held_.emplace(job, std::move(*block));
    }
  }
  free_[p] -= own;
  if (own < j.devices) {
    loans_[job] = {own, j.devices - own};
    borrowed_[p] += j.devices - own;
    borrowers_[p].push_back(job);
  }
  jobs_power_[dc] += units::watts(static_cast<double>(j.devices) *
                                  units::to_watts(dcs_[dc].power.running(j.compute_power)));
  const auto end = (expected_start + j.duration).count();
  expected_end_[job] = end;
  pools_[p].running.emplace(end, job);
}

void SchedulerLp::release(std::uint32_t dc, std::uint32_t job) {
  const auto& j = tables_->jobs[job];
  const auto p = pool_index(dc, j.type);
  if (alloc_[p]) {
    const auto it = held_.find(job);
    if (it != held_.end()) {
      alloc_[p]->release(it->second);
      held_.erase(it);
    }
  }
  const auto loan = loans_.find(job);
  if (loan == loans_.end()) {
    free_[p] += j.devices;
  } else {
    free_[p] += loan->second.own;
    if (loan->second.borrowed > 0) {
      borrowed_[p] -= loan->second.borrowed;
      auto& b = borrowers_[p];
      b.erase(std::find(b.begin(), b.end(), job));
    }
    loans_.erase(loan);
  }
  jobs_power_[dc] -= units::watts(static_cast<double>(j.devices) *
                                  units::to_watts(dcs_[dc].power.running(j.compute_power)));
  if (const auto e = expected_end_.find(job); e != expected_end_.end()) {
    pools_[p].running.erase({e->second, job});
    expected_end_.erase(e);
  }
}

void SchedulerLp::start(engine::Context<FleetMsg>& ctx, std::uint32_t dc, std::uint32_t job) {
  const auto p = pool_index(dc, tables_->jobs[job].type);
  queued_[p] -= tables_->jobs[job].devices;
  const auto own = own_part(p, tables_->jobs[job], ctx.now());
  take(dc, job, ctx.now() + cfg_.epoch, own);
  book(job, pool_index(dc, tables_->jobs[job].type), (ctx.now() + cfg_.epoch).count());
  dispatch_[job].datacenter = dc;
  ctx.send(dcs_[dc].lp, cfg_.epoch,
           {FleetMsg::Kind::kStart, job,
            static_cast<std::uint32_t>(tables_->jobs[job].devices - own), 0});
}

void SchedulerLp::tick(engine::Context<FleetMsg>& ctx) {
  const SimTime now = ctx.now();
  bool power_blocked = false;
  // Devices held back by a cap at the last tick stayed held back until this one.
  for (std::uint32_t dc = 0; dc < dcs_.size(); ++dc) {
    cap_held_[dc] += static_cast<double>(cap_blocked_[dc]) *
                     SimTime::ticks(now.count() - cap_blocked_since_).to_seconds();
    cap_blocked_[dc] = 0;
  }
  cap_blocked_since_ = now.count();
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
        if (!room(p, j, now)) {
          break;
        }
        if (!fits_power(dc, p, j, now)) {
          power_blocked = true;
          cap_blocked_[dc] += j.devices;
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
        avail += own_of(job);  // borrowed devices go back to their service
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
        if (!room(p, j, now)) {
          continue;
        }
        const bool ends_before = (now + cfg_.epoch + j.duration).count() <= shadow;
        // Only the pool's own devices can delay the head (borrowed ones are not its).
        const auto own = own_part(p, j, now);
        if (!ends_before && own > extra) {
          continue;
        }
        if (!fits_power(dc, p, j, now)) {
          power_blocked = true;
          cap_blocked_[dc] += j.devices;
          continue;
        }
        if (!ends_before) {
          extra -= own;
        }
        start(ctx, dc, job);
        pool.queue[k] = std::numeric_limits<std::uint32_t>::max();  // taken
      }
      // Close the gaps the taken jobs left, within the window looked at: the waiting ones
      // (the head first) move up to the window's end in their order and the head follows
      // them, so that a decision costs the window, not the queue behind it. The consumed
      // front is compacted now and then, below.
      const auto taken = std::numeric_limits<std::uint32_t>::max();
      std::size_t w = stop;
      for (std::size_t k = stop; k-- > pool.head;) {
        if (pool.queue[k] != taken) {
          pool.queue[--w] = pool.queue[k];
        }
      }
      pool.head = w;
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

void SchedulerLp::prefetch(const engine::Event<FleetMsg>& next) const {
  // A job's end, preemption or planned start reads its entries in the per-job tables:
  // millions of jobs, ending in an order of their own.
  const auto& m = next.payload;
  if (m.kind == FleetMsg::Kind::kDone || m.kind == FleetMsg::Kind::kPreempted ||
      m.kind == FleetMsg::Kind::kEligible) {
    __builtin_prefetch(&tables_->jobs[m.job]);
    __builtin_prefetch(&dispatch_[m.job]);
    if (!booking_.empty()) {
      __builtin_prefetch(&booking_[m.job]);
    }
  }
}

void SchedulerLp::on_event(engine::Context<FleetMsg>& ctx, const engine::Event<FleetMsg>& e) {
  const auto& m = e.payload;
  update_lend(ctx);  // before any decision: the lent devices as they will be an epoch on
  switch (m.kind) {
    case FleetMsg::Kind::kArrival:
      arrive(ctx);
      break;
    case FleetMsg::Kind::kEligible:
      // The planned place, unless it is full now and another candidate has room.
      enqueue(ctx, m.job, place(m.job, ctx.now(), m.slot));
      break;
    case FleetMsg::Kind::kTick:
      if (ctx.now().count() == tick_at_) {
        tick_at_ = -1;
      }
      tick(ctx);
      break;
    case FleetMsg::Kind::kFixedStart: {
      const auto dc = tables_->candidates[tables_->jobs[m.job].first_candidate];
      ++pools_[pool_index(dc, tables_->jobs[m.job].type)].fixed_next;
      dispatch_[m.job].datacenter = dc;
      take(dc, m.job, ctx.now(), tables_->jobs[m.job].devices);
      break;
    }
    case FleetMsg::Kind::kDone:
      release(dispatch_[m.job].datacenter, m.job);
      unbook(m.job, (ctx.now() - cfg_.epoch).count());  // it ended one epoch ago
      if (++done_ == scheduled_.size() + fixed_.size()) {
        for (const auto& v : dcs_) {
          ctx.send(v.lp, cfg_.epoch, {FleetMsg::Kind::kShutdown, 0, 0, 0});
        }
      } else {
        ensure_tick(ctx);
      }
      break;
    case FleetMsg::Kind::kPreempted: {
      // Back to the head of its pool's queue, to resume from its last checkpoint.
      const auto dc = dispatch_[m.job].datacenter;
      const auto& j = tables_->jobs[m.job];
      release(dc, m.job);
      const auto p = pool_index(dc, j.type);
      auto& pool = pools_[p];
      if (pool.head > 0) {
        pool.queue[--pool.head] = m.job;
      } else {
        pool.queue.insert(pool.queue.begin(), m.job);
      }
      queued_[p] += j.devices;
      ensure_tick(ctx);
      break;
    }
    default:
      break;
  }
}

}  // namespace footprint::models
