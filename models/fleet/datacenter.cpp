#include "models/fleet/datacenter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/fleet/forecast.hpp"

namespace footprint::models {

namespace {
engine::BinnedIntegral bins(SimTime w) {
  return {SimTime::zero(), w};
}
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
/// Relative margin within which a facility power is at its cap.
constexpr double kCapTolerance = 1e-9;
/// Bins reserved beyond the expected intervals, as a fraction 1/this: jobs that wait or
/// fail take the run past its plan.
constexpr std::size_t kExpectedIntervalsMargin = 8;
/// Bytes the processor loads at a time (x86-64 and most others).
constexpr std::size_t kCacheLine = 64;
}  // namespace

DatacenterLp::DatacenterLp(std::uint32_t index, const FleetTables* tables, DatacenterConfig config,
                           std::shared_ptr<const CoolingModel> cooling,
                           std::shared_ptr<const CarbonSignal> carbon,
                           std::vector<std::uint32_t> fixed_jobs)
    : index_(index),
      tables_(tables),
      cfg_(std::move(config)),
      cooling_(std::move(cooling)),
      carbon_(std::move(carbon)),
      fixed_jobs_(std::move(fixed_jobs)),
      busy_(tables->types.size(), 0),
      binned_(static_cast<std::size_t>(Integrand::kCount), bins(cfg_.trace_interval)) {
  cfg_.inventory.resize(tables_->types.size(), 0);
  for (std::size_t t = 0; t < tables_->types.size(); ++t) {
    embodied_rate_ += static_cast<double>(cfg_.inventory[t]) * tables_->types[t].embodied_rate();
  }
  has_weather_ = cooling_->outdoor_temperature_c(SimTime::zero()).has_value();
  load_watts_.assign(cfg_.loads.size(), 0.0);
  for (std::size_t l = 0; l < cfg_.loads.size(); ++l) {
    load_binned_.push_back({bins(cfg_.trace_interval), bins(cfg_.trace_interval),
                            bins(cfg_.trace_interval), bins(cfg_.trace_interval)});
  }
  borrowed_.assign(tables_->types.size(), 0);
  scratch_.assign(tables_->types.size(), 0);
  lender_parked_.assign(cfg_.lenders.size(), 0);
  lender_lent_.assign(cfg_.lenders.size(), 0);
  lender_device_s_.assign(cfg_.lenders.size(), 0.0);
  load_lent_w_.assign(cfg_.loads.size(), 0.0);
  load_lent_binned_.assign(cfg_.loads.size(), bins(cfg_.trace_interval));
  if (cfg_.hourly) {
    hourly_.assign(2, bins(SimTime::hours(1)));
  }
  if (cfg_.expected_intervals > 0) {
    const std::size_t room =
        cfg_.expected_intervals + cfg_.expected_intervals / kExpectedIntervalsMargin;
    for (std::size_t i = 0; i < kTraceIntegrandCount; ++i) {
      if (traced(i)) {
        binned_[i].reserve(room);
      }
    }
  }
}

void DatacenterLp::on_lend(engine::Context<FleetMsg>& ctx, std::uint32_t l, std::size_t k) {
  const auto& sched = *cfg_.lenders[l].devices;
  integrate(ctx.now());
  lender_parked_[l] = sched[k].second;
  reassign(ctx.now());
  if (k + 1 < sched.size()) {
    ctx.schedule(sched[k + 1].first - ctx.now(),
                 {FleetMsg::Kind::kLend, static_cast<std::uint32_t>(k + 1), l, 0});
  }
}

void DatacenterLp::reassign(SimTime now) {
  if (cfg_.lenders.empty()) {
    return;
  }
  const double dt = (now - lent_since_).to_seconds();
  for (std::size_t l = 0; l < cfg_.lenders.size(); ++l) {
    lender_device_s_[l] += static_cast<double>(lender_lent_[l]) * dt;
  }
  lent_since_ = now;
  scratch_ = borrowed_;
  for (std::size_t l = 0; l < cfg_.lenders.size(); ++l) {
    const auto& lender = cfg_.lenders[l];
    auto& left = scratch_[lender.type];
    // (Briefly more than is parked when a preemption lands at the instant of the change.)
    lender_lent_[l] = std::min(left, lender_parked_[l]);
    left -= lender_lent_[l];
    load_lent_w_[lender.load] =
        static_cast<double>(lender_lent_[l]) * units::to_watts(lender.parked);
  }
  changed_ = true;
}

void DatacenterLp::on_load(engine::Context<FleetMsg>& ctx, std::uint32_t load, std::uint32_t bin) {
  const auto& l = cfg_.loads[load];
  const auto& w = *l.watts;
  integrate(ctx.now());
  changed_ = true;
  if (bin >= w.size()) {
    load_watts_[load] = 0;
    --loads_active_;
    return;
  }
  load_watts_[load] = w[bin];
  // The next bin whose power differs (or the end).
  std::size_t next = bin + 1;
  while (next < w.size() && w[next] == w[bin]) {
    ++next;
  }
  ctx.schedule(SimTime::ticks(static_cast<SimTime::rep>(next) * l.bin.count()) - ctx.now(),
               {FleetMsg::Kind::kLoad, static_cast<std::uint32_t>(next), load, 0});
}

/// The next time the grid, the weather or the grid's water may change.
SimTime DatacenterLp::next_signal(SimTime t) const {
  auto next = std::min(cooling_->next_change(t), carbon_->next_change(t));
  if (cfg_.grid_water) {
    next = std::min(next, cfg_.grid_water->next_change(t));
  }
  return next;
}

void DatacenterLp::on_start(engine::Context<FleetMsg>& ctx) {
  intensity_ = carbon_->at(SimTime::zero());
  if (cfg_.grid_water) {
    grid_water_now_ = cfg_.grid_water->at(SimTime::zero());
  }
  for (std::uint32_t l = 0; l < cfg_.lenders.size(); ++l) {
    const auto& sched = *cfg_.lenders[l].devices;
    if (sched.empty()) {
      continue;
    }
    if (sched.front().first == SimTime::zero()) {
      on_lend(ctx, l, 0);
    } else {
      ctx.schedule(sched.front().first, {FleetMsg::Kind::kLend, 0, l, 0});
    }
  }
  for (std::uint32_t l = 0; l < cfg_.loads.size(); ++l) {
    if (cfg_.loads[l].watts && !cfg_.loads[l].watts->empty()) {
      ++loads_active_;
      on_load(ctx, l, 0);
    }
  }
  // Without a scheduler or jobs of its own, the datacenter runs as long as its services.
  if (cfg_.scheduler == DatacenterConfig::kNoScheduler && fixed_jobs_.empty() &&
      !cfg_.loads.empty()) {
    shutdown_ = true;
  }
  refresh(SimTime::zero());
  for (const auto j : fixed_jobs_) {
    ctx.schedule(tables_->jobs[j].fixed_start, {FleetMsg::Kind::kStart, j, 0, 0});
  }
  const auto next = next_signal(SimTime::zero());
  if (next != SimTime::max() && next <= cfg_.follow_until) {
    ctx.schedule(next, {FleetMsg::Kind::kSignal, 0, 0, 0});
  }
}

SimTime DatacenterLp::boundary(const FleetJob& j, std::int64_t step) const {
  if (step >= j.steps) {
    return j.duration;
  }
  const double frac = static_cast<double>(step) / j.steps_exact;
  return SimTime::ticks(std::llround(frac * static_cast<double>(j.duration.count())));
}

void DatacenterLp::set_power(Slot& s, units::Watts p, SimTime now) {
  // Close the attribution of the slot's previous power, then switch.
  integrate(now);
  changed_ = true;
  auto& o = s.out;
  const double w = units::to_watts(s.it_power);
  if (w != 0) {
    o.it_energy += units::joules(w * engine::ticks_to_seconds((now - s.power_since).count()));
    o.energy += units::joules(w * (c_ratio_.integral() - s.c_ratio0));
    o.emissions_location += units::grams(w * (c_loc_.integral() - s.c_loc0));
    o.emissions_market += units::grams(w * (c_mkt_.integral() - s.c_mkt0));
    if (cfg_.onsite_water) {
      o.water_onsite += units::litres(w * (c_won_.integral() - s.c_won0));
      o.water_offsite += units::litres(w * (c_woff_.integral() - s.c_woff0));
    }
  }
  jobs_power_ += p - s.it_power;
  s.it_power = p;
  s.power_since = now;
  s.c_ratio0 = c_ratio_.integral();
  s.c_loc0 = c_loc_.integral();
  s.c_mkt0 = c_mkt_.integral();
  s.c_won0 = c_won_.integral();
  s.c_woff0 = c_woff_.integral();
}

void DatacenterLp::arm(engine::Context<FleetMsg>& ctx, std::uint32_t slot, SimTime phase_end) {
  auto& s = slots_[slot];
  ++s.gen;
  const bool fails = s.next_failure < phase_end;
  const SimTime at = fails ? s.next_failure : phase_end;
  ctx.schedule(at - ctx.now(),
               {fails ? FleetMsg::Kind::kFailure : FleetMsg::Kind::kPhaseEnd, s.job, slot, s.gen});
}

bool DatacenterLp::cap_allows(const Slot& s, SimTime now) const {
  if (!cfg_.power_cap || cfg_.envelope == nullptr) {
    return true;
  }
  // The stretch of compute up to the next checkpoint (or the end), bounded above by a
  // checkpoint interval and one step.
  const auto& j = s.spec;
  SimTime stretch = j.duration - boundary(j, s.step);
  if (j.checkpoint_interval != SimTime::max()) {
    const SimTime since = boundary(j, s.step) - boundary(j, s.ckpt_step);
    const SimTime step = boundary(j, s.step + 1) - boundary(j, s.step);
    stretch = std::min(stretch, std::max(SimTime::zero(), j.checkpoint_interval - since) + step);
  }
  const SimTime end = now + stretch;
  if (end <= s.plan_end) {
    return true;  // within the plan the scheduler checked
  }
  units::Watts it = full_power_ + cap_waiting_idle_ + cfg_.services_full;
  for (std::size_t t = 0; t < tables_->types.size(); ++t) {
    // Borrowed devices draw as their jobs (in full_power_), not as the services' reserve.
    it -= cfg_.power.running(tables_->types[t].tdp) * static_cast<double>(borrowed_[t]);
  }
  if (s.phase == Phase::kCapPause) {
    it += s.full - cfg_.power.held_idle(tables_->types[j.type]) * static_cast<double>(j.devices);
  }
  if (cfg_.power.idle_draw) {
    for (std::size_t t = 0; t < tables_->types.size(); ++t) {
      it += cfg_.power.idle_bound(tables_->types[t]) *
            static_cast<double>(cfg_.inventory[t] - busy_[t] + borrowed_[t]);
    }
  }
  const auto peak = cfg_.envelope->peak(now, end, it);
  return units::to_watts(peak) <= units::to_watts(*cfg_.power_cap) * (1 + kCapTolerance);
}

void DatacenterLp::begin_compute(engine::Context<FleetMsg>& ctx, std::uint32_t slot) {
  auto& s = slots_[slot];
  const auto& j = s.spec;
  const auto held_idle =
      cfg_.power.held_idle(tables_->types[j.type]) * static_cast<double>(j.devices);
  if (!cap_allows(s, ctx.now())) {
    // Held, idle, until the weather or the jobs around it change.
    if (s.phase != Phase::kCapPause) {
      s.phase = Phase::kCapPause;
      s.phase_start = ctx.now();
      full_power_ -= s.full;
      cap_waiting_idle_ += held_idle;
      ++s.out.cap_pauses;
      set_power(s, held_idle, ctx.now());
    }
    arm(ctx, slot, std::min(cooling_->next_change(ctx.now()), ctx.now() + cfg_.cap_retry));
    return;
  }
  if (s.phase == Phase::kCapPause) {
    end_cap_pause(s, ctx.now());
  }
  s.phase = Phase::kCompute;
  s.phase_start = ctx.now();
  set_power(s, cfg_.power.running(j.compute_power) * static_cast<double>(j.devices), ctx.now());
  arm(ctx, slot, ctx.now() + (boundary(j, s.step + 1) - boundary(j, s.step)));
}

void DatacenterLp::start_job(engine::Context<FleetMsg>& ctx, std::uint32_t job,
                             std::int64_t borrowed) {
  const auto& j = tables_->jobs[job];
  std::uint32_t slot = 0;
  if (free_slots_.empty()) {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  auto& s = slots_[slot];
  const auto gen = s.gen;
  s = Slot{};
  s.gen = gen;
  s.job = job;
  s.spec = j;
  s.active = true;
  s.power_since = ctx.now();
  s.run_start = ctx.now();
  s.borrowed = borrowed;
  const auto resumed = suspended_.find(job);
  const bool resuming = resumed != suspended_.end();
  if (resuming) {
    const auto& r = resumed->second;
    s.outcome = r.outcome;
    s.out = outcome(r.outcome);
    s.step = r.ckpt_step;
    s.ckpt_step = r.ckpt_step;
    s.pause_budget = r.pause_budget;
    s.failures = r.failures;
    suspended_.erase(resumed);
    s.plan_end = ctx.now() + planned_runtime(j) - boundary(j, s.step);
  } else {
    if (cfg_.outcomes.empty()) {
      s.outcome = outcomes_.size();
      outcomes_.push_back({});
    } else {
      s.outcome = job;
    }
    auto& o = s.out;
    o.job = job;
    o.datacenter = index_;
    o.start = units::seconds(ctx.now().to_seconds());
    s.pause_budget = std::max(SimTime::zero(), j.slack - (ctx.now() - j.submit));
    s.plan_end = ctx.now() + planned_runtime(j);
    if (cfg_.device_mtbf > units::Seconds::zero()) {
      // One failure stream per job, keyed by the job: independent of what else runs.
      s.failures = ctx.substream(job);
    }
  }
  s.full = cfg_.power.running(j.compute_power) * static_cast<double>(j.devices);
  full_power_ += s.full;
  integrate(ctx.now());
  busy_[j.type] += j.devices;
  busy_total_ += j.devices;
  borrowed_[j.type] += borrowed;
  changed_ = true;
  reassign(ctx.now());
  if (cfg_.device_mtbf > units::Seconds::zero()) {
    const units::Seconds mean = cfg_.device_mtbf / static_cast<double>(j.devices);
    s.next_failure = ctx.now().checked_add(
        SimTime::from_seconds(s.failures.exponential(units::to_seconds(mean))));
  }
  if (resuming) {
    // Reading the checkpoint back takes about as long as writing it, devices held idle.
    s.phase = Phase::kRestart;
    s.phase_start = ctx.now();
    set_power(s, cfg_.power.held_idle(tables_->types[j.type]) * static_cast<double>(j.devices),
              ctx.now());
    arm(ctx, slot, ctx.now() + j.checkpoint_duration);
    return;
  }
  begin_compute(ctx, slot);
}

void DatacenterLp::roll_back(Slot& s, SimTime now) {
  const auto& j = s.spec;
  SimTime lost = boundary(j, s.step) - boundary(j, s.ckpt_step);
  if (s.phase == Phase::kCompute) {
    lost += now - s.phase_start;
  }
  s.out.lost_device_hours += static_cast<double>(j.devices) * lost.to_hours();
  if (s.phase == Phase::kPause) {
    end_pause(s, now);
  }
  if (s.phase == Phase::kCapPause) {
    end_cap_pause(s, now);
  }
}

void DatacenterLp::close_run(Slot& s, SimTime now) {
  const auto& j = s.spec;
  auto& o = s.out;
  const double held_s = now.to_seconds() - s.run_start.to_seconds();
  o.device_hours += static_cast<double>(j.devices) * held_s / units::kSecondsPerHour;
  o.borrowed_device_hours += static_cast<double>(s.borrowed) * held_s / units::kSecondsPerHour;
  o.embodied += units::seconds(static_cast<double>(j.devices) * held_s) *
                tables_->types[j.type].embodied_rate();
  s.run_start = now;
}

void DatacenterLp::preempt(engine::Context<FleetMsg>& ctx, std::uint32_t job) {
  const auto it = std::find_if(slots_.begin(), slots_.end(),
                               [&](const Slot& s) { return s.active && s.job == job; });
  if (it == slots_.end()) {
    return;  // it ended first; its report is on its way
  }
  const auto slot = static_cast<std::uint32_t>(it - slots_.begin());
  auto& s = *it;
  const auto& j = tables_->jobs[job];
  const SimTime now = ctx.now();
  // The work since the last checkpoint is lost, as after a failure.
  roll_back(s, now);
  ++s.out.preemptions;
  close_run(s, now);
  set_power(s, units::Watts::zero(), now);
  s.active = false;
  full_power_ -= s.full;
  ++s.gen;
  busy_[j.type] -= j.devices;
  busy_total_ -= j.devices;
  borrowed_[j.type] -= s.borrowed;
  reassign(now);
  outcome(s.outcome) = s.out;
  suspended_[job] = Suspended{s.outcome, s.ckpt_step, s.pause_budget, s.failures};
  free_slots_.push_back(slot);
  ctx.send(cfg_.scheduler, cfg_.report_delay, {FleetMsg::Kind::kPreempted, job, index_, 0});
}

void DatacenterLp::finish(engine::Context<FleetMsg>& ctx, std::uint32_t slot) {
  auto& s = slots_[slot];
  const auto& j = s.spec;
  set_power(s, units::Watts::zero(), ctx.now());
  s.active = false;
  full_power_ -= s.full;
  ++s.gen;
  busy_[j.type] -= j.devices;
  busy_total_ -= j.devices;
  if (s.borrowed > 0) {
    borrowed_[j.type] -= s.borrowed;
    reassign(ctx.now());
  }
  auto& o = s.out;
  o.end = units::seconds(ctx.now().to_seconds());
  o.steps = s.step;
  close_run(s, ctx.now());
  outcome(s.outcome) = s.out;
  free_slots_.push_back(slot);
  ++finished_;
  if (cfg_.scheduler == DatacenterConfig::kNoScheduler && finished_ == fixed_jobs_.size()) {
    shutdown_ = true;
  }
  if (cfg_.scheduler != DatacenterConfig::kNoScheduler) {
    ctx.send(cfg_.scheduler, cfg_.report_delay, {FleetMsg::Kind::kDone, s.job, index_, 0});
  }
}

void DatacenterLp::on_timer(engine::Context<FleetMsg>& ctx, std::uint32_t slot,
                            FleetMsg::Kind kind) {
  auto& s = slots_[slot];
  const auto& j = s.spec;
  const SimTime now = ctx.now();
  const auto idle = cfg_.power.held_idle(tables_->types[j.type]) * static_cast<double>(j.devices);
  if (kind == FleetMsg::Kind::kFailure) {
    // Roll back to the last checkpoint; the work since then is redone.
    roll_back(s, now);
    ++s.out.restarts;
    s.step = s.ckpt_step;
    const units::Seconds mean = cfg_.device_mtbf / static_cast<double>(j.devices);
    s.next_failure =
        now.checked_add(SimTime::from_seconds(s.failures.exponential(units::to_seconds(mean))));
    s.phase = Phase::kRestart;
    s.phase_start = now;
    set_power(s, idle, now);
    arm(ctx, slot, now + cfg_.restart);
    return;
  }
  switch (s.phase) {
    case Phase::kCompute: {
      ++s.step;
      if (s.step >= j.steps) {
        finish(ctx, slot);
        return;
      }
      if (j.checkpoint_interval != SimTime::max() &&
          boundary(j, s.step) - boundary(j, s.ckpt_step) >= j.checkpoint_interval) {
        s.phase = Phase::kCheckpoint;
        s.phase_start = now;
        set_power(s, idle, now);
        arm(ctx, slot, now + j.checkpoint_duration);
        return;
      }
      s.phase_start = now;  // in compute, phase_start is the current step's start
      arm(ctx, slot, now + (boundary(j, s.step + 1) - boundary(j, s.step)));
      return;
    }
    case Phase::kCheckpoint:
      s.ckpt_step = s.step;
      ++s.out.checkpoints;
      if (maybe_pause(ctx, slot)) {
        return;
      }
      begin_compute(ctx, slot);
      return;
    case Phase::kPause:
      end_pause(s, now);
      begin_compute(ctx, slot);
      return;
    case Phase::kRestart:
    case Phase::kCapPause:
      begin_compute(ctx, slot);
      return;
  }
}

bool DatacenterLp::maybe_pause(engine::Context<FleetMsg>& ctx, std::uint32_t slot) {
  auto& s = slots_[slot];
  const auto& j = s.spec;
  if (!cfg_.pause_at_checkpoints || j.pause_above == kNeverPause ||
      s.pause_budget <= SimTime::zero()) {
    return false;
  }
  const SimTime now = ctx.now();
  const auto threshold = j.pause_above;
  if (carbon_->at(now).location <= threshold) {
    return false;
  }
  // Resume at the forecast's first return to the threshold or below, if that comes within
  // the slack left; else do not pause. The actual intensity now is known; what follows is
  // forecast: by the scheduler's hourly forecast when it has errors, else by the grid's
  // own series (a perfect forecast, at the series' own change times).
  const SimTime limit = now + s.pause_budget;
  SimTime t = now;
  if (cfg_.forecast != nullptr) {
    t = cfg_.forecast->first_time_at_or_below(index_, now, limit, threshold);
    if (t == SimTime::max()) {
      return false;
    }
  } else {
    while (true) {
      t = carbon_->next_change(t);
      if (t == SimTime::max() || t > limit) {
        return false;
      }
      if (carbon_->at(t).location <= threshold) {
        break;
      }
    }
  }
  s.phase = Phase::kPause;
  s.phase_start = now;  // devices stay held and idle, as while checkpointing
  ++s.out.pauses;
  arm(ctx, slot, t);
  return true;
}

void DatacenterLp::end_cap_pause(Slot& s, SimTime now) {
  const auto& j = s.spec;
  const SimTime waited = now - s.phase_start;
  s.out.cap_paused += units::seconds(waited.to_seconds());
  cap_paused_device_s_ += static_cast<double>(j.devices) * waited.to_seconds();
  full_power_ += s.full;
  cap_waiting_idle_ -=
      cfg_.power.held_idle(tables_->types[j.type]) * static_cast<double>(j.devices);
}

void DatacenterLp::end_pause(Slot& s, SimTime now) {
  const SimTime paused = now - s.phase_start;
  s.pause_budget = std::max(SimTime::zero(), s.pause_budget - paused);
  s.out.paused += units::seconds(paused.to_seconds());
}

void DatacenterLp::prefetch(const engine::Event<FleetMsg>& next) const {
  // A step's end or a failure touches its job's slot, one of hundreds per datacenter: at
  // ten times the fleet year the slots of all datacenters together outgrow the cache.
  const auto& m = next.payload;
  if ((m.kind == FleetMsg::Kind::kPhaseEnd || m.kind == FleetMsg::Kind::kFailure) &&
      m.slot < slots_.size()) {
    const auto* p = reinterpret_cast<const char*>(&slots_[m.slot]);
    for (std::size_t b = 0; b < sizeof(Slot); b += kCacheLine) {
      __builtin_prefetch(p + b);
    }
  }
}

void DatacenterLp::on_event(engine::Context<FleetMsg>& ctx, const engine::Event<FleetMsg>& e) {
  const SimTime now = ctx.now();
  // Most events (a step ends, the next begins) change no power: then nothing needs to be
  // integrated or re-rated, and the integrals stay exact because their rates hold.
  changed_ = false;
  if (now > carbon_->end()) {
    (void)carbon_->at(now);  // throws SeriesRangeError: the run went past the series
  }
  const auto& m = e.payload;
  switch (m.kind) {
    case FleetMsg::Kind::kStart:
      start_job(ctx, m.job, m.slot);
      break;
    case FleetMsg::Kind::kPreempt:
      preempt(ctx, m.job);
      break;
    case FleetMsg::Kind::kLend:
      on_lend(ctx, m.slot, m.job);
      break;
    case FleetMsg::Kind::kPhaseEnd:
    case FleetMsg::Kind::kFailure:
      if (m.slot < slots_.size() && slots_[m.slot].active && slots_[m.slot].gen == m.gen) {
        on_timer(ctx, m.slot, m.kind);
      }
      break;
    case FleetMsg::Kind::kSignal: {
      if (now >= carbon_->end()) {
        // The series ends here: nothing may run on past it (an event later than this
        // reads it, and the read says so), but a run that ends here is covered.
        break;
      }
      integrate(now);
      changed_ = true;
      intensity_ = carbon_->at(now);
      if (cfg_.grid_water) {
        grid_water_now_ = cfg_.grid_water->at(now);
      }
      const auto next = next_signal(now);
      // Once no job will come any more, the weather and the grid stop being followed: the
      // run ends with the last of the work, not at the end of time.
      if (next != SimTime::max() && next <= cfg_.follow_until &&
          !(shutdown_ && busy_total_ == 0 && loads_active_ == 0)) {
        ctx.schedule(next - now, {FleetMsg::Kind::kSignal, 0, 0, 0});
      }
      break;
    }
    case FleetMsg::Kind::kShutdown:
      shutdown_ = true;
      break;
    case FleetMsg::Kind::kLoad:
      on_load(ctx, m.slot, m.job);
      break;
    default:
      break;
  }
  if (changed_) {
    refresh(now);
  }
}

bool DatacenterLp::traced(std::size_t i) const {
  return has_series(static_cast<Integrand>(i), has_weather_, cfg_.onsite_water != nullptr);
}

void DatacenterLp::integrate(SimTime now) {
  c_ratio_.advance(now);
  c_loc_.advance(now);
  c_mkt_.advance(now);
  c_won_.advance(now);
  c_woff_.advance(now);
}

void DatacenterLp::refresh(SimTime now) {
  if (busy_total_ == 0) {
    jobs_power_ = units::Watts::zero();  // no residue from sums of +/- powers
  }
  double loads = 0;
  for (std::size_t l = 0; l < load_watts_.size(); ++l) {
    loads += load_watts_[l] - load_lent_w_[l];
  }
  const auto it = cfg_.power.it_power(
      jobs_power_ + units::watts(loads), tables_->types,
      [&](std::size_t t) { return cfg_.inventory[t] - busy_[t] + borrowed_[t]; });
  const auto fp = cooling_->facility(now, it);
  const double itw = units::to_watts(it);
  const double fac = units::to_watts(fp.total());
  const double ratio = itw > 0 ? fac / itw : 0.0;
  const double iloc = intensity_.location.si();
  const double imkt = intensity_.market.si();
  peak_facility_ = std::max(peak_facility_, fp.total());
  if (cfg_.power_cap) {
    const bool over = fac > units::to_watts(*cfg_.power_cap) * (1 + kCapTolerance);
    if (over && !over_cap_) {
      over_since_ = now;
    } else if (!over && over_cap_) {
      cap_exceeded_ += now - over_since_;
    }
    over_cap_ = over;
  }
  c_ratio_.set(now, ratio);
  c_loc_.set(now, ratio * iloc);
  c_mkt_.set(now, ratio * imkt);
  if (cfg_.onsite_water) {
    const double onsite = cfg_.onsite_water->litres_per_second(now, fp);
    const double offsite = fac * grid_water_now_.si();
    c_won_.set(now, itw > 0 ? onsite / itw : 0.0);
    c_woff_.set(now, ratio * grid_water_now_.si());
    binned(Integrand::kWaterOnsite).set(now, onsite);
    binned(Integrand::kWaterOffsite).set(now, offsite);
  }
  binned(Integrand::kItPower).set(now, itw);
  binned(Integrand::kFacilityPower).set(now, fac);
  binned(Integrand::kCoolingPower).set(now, units::to_watts(fp.cooling));
  binned(Integrand::kOverheadPower).set(now, units::to_watts(fp.distribution + fp.fixed));
  binned(Integrand::kIntensityLocation).set(now, iloc);
  binned(Integrand::kIntensityMarket).set(now, imkt);
  binned(Integrand::kEmissionsLocation).set(now, fac * iloc);
  binned(Integrand::kEmissionsMarket).set(now, fac * imkt);
  binned(Integrand::kBusyDevices).set(now, static_cast<double>(busy_total_));
  if (!hourly_.empty()) {
    hourly_[0].set(now, fac);
    hourly_[1].set(now, fac * iloc);
  }
  for (std::size_t l = 0; l < load_watts_.size(); ++l) {
    const double w = load_watts_[l] - load_lent_w_[l];
    if (!cfg_.lenders.empty()) {
      load_lent_binned_[l].set(now, load_lent_w_[l]);
    }
    auto& b = load_binned_[l];
    b[0].set(now, w);
    b[1].set(now, w * ratio);
    b[2].set(now, w * ratio * iloc);
    b[3].set(now, w * ratio * imkt);
  }
  if (has_weather_) {
    binned(Integrand::kOutdoorTemperature)
        .set(now, cooling_->outdoor_temperature_c(now).value_or(0.0));
  }
}

void DatacenterLp::on_stop(engine::Context<FleetMsg>& ctx) {
  const SimTime now = ctx.now();
  integrate(now);
  for (auto& s : slots_) {
    if (s.active) {
      set_power(s, s.it_power, now);  // close attribution up to the stop time
      if (s.phase == Phase::kPause) {
        end_pause(s, now);
      }
      if (s.phase == Phase::kCapPause) {
        end_cap_pause(s, now);
      }
      s.out.steps = s.step;
      close_run(s, now);
      outcome(s.outcome) = s.out;
    }
  }
  for (const auto& [job, r] : suspended_) {
    outcome(r.outcome).steps = r.ckpt_step;
  }
  reassign(now);  // lent device-seconds up to the stop
  if (over_cap_) {
    cap_exceeded_ += now - over_since_;
    over_cap_ = false;
  }
  // Integrate to the end of the interval that holds the stop time.
  const auto w = cfg_.trace_interval.count();
  const SimTime end = SimTime::ticks(((now.count() + w - 1) / w) * w);
  for (std::size_t i = 0; i < binned_.size(); ++i) {
    // Water without `water` and the temperature without weather are never set: left
    // untouched, no bins held (their series are NaN).
    if (i >= kTraceIntegrandCount || traced(i)) {
      binned_[i].advance(end);
      // Room for the open bin too, here on the thread that grew the bins: take_trace then
      // hands them over in place, with no copy made in another thread's allocator arena.
      binned_[i].reserve(binned_[i].size());
    }
  }
  for (auto& lb : load_binned_) {
    for (auto& b : lb) {
      b.advance(end);
    }
  }
  for (auto& b : load_lent_binned_) {
    b.advance(end);
  }
  if (!hourly_.empty()) {
    const auto h = SimTime::hours(1).count();
    const SimTime hour_end = SimTime::ticks(((now.count() + h - 1) / h) * h);
    for (auto& b : hourly_) {
      b.advance(hour_end);
    }
  }
}

DatacenterLp::Hourly DatacenterLp::hourly(std::size_t hours) const {
  Hourly out;
  for (std::size_t k = 0; k < hours && !hourly_.empty(); ++k) {
    out.energy_j.push_back(hourly_[0].bin(k));
    out.emissions_location_g.push_back(hourly_[1].bin(k));
  }
  return out;
}

std::vector<LoadOutcome> DatacenterLp::load_outcomes(std::size_t intervals) const {
  std::vector<LoadOutcome> out;
  for (std::size_t l = 0; l < load_binned_.size(); ++l) {
    const auto& b = load_binned_[l];
    LoadOutcome o;
    for (std::size_t k = 0; k < cfg_.lenders.size(); ++k) {
      if (cfg_.lenders[k].load == l) {
        o.lent_device_s += lender_device_s_[k];
        o.lent_it_energy = units::joules(load_lent_binned_[l].total());
        for (std::size_t i = 0; i < intervals; ++i) {
          o.lent_it_j.push_back(load_lent_binned_[l].bin(i));
        }
      }
    }
    o.it_energy = units::joules(b[0].total());
    o.energy = units::joules(b[1].total());
    o.emissions_location = units::grams(b[2].total());
    o.emissions_market = units::grams(b[3].total());
    for (std::size_t k = 0; k < intervals; ++k) {
      o.energy_j.push_back(b[1].bin(k));
      o.emissions_location_g.push_back(b[2].bin(k));
      o.emissions_market_g.push_back(b[3].bin(k));
    }
    out.push_back(std::move(o));
  }
  return out;
}

DatacenterTrace::DatacenterTrace(Bins bins, double interval_s, bool weather, bool water)
    : bins_(std::move(bins)), interval_s_(interval_s), weather_(weather), water_(water) {
  for (std::size_t i = 0; i < kTraceIntegrandCount; ++i) {
    const auto& b = bins_[i];
    const bool optional = !has_series(static_cast<TraceIntegrand>(i), weather_, water_);
    if (b.size() != bins_[0].size() && !(optional && b.empty())) {
      throw std::invalid_argument("DatacenterTrace: integrands of different lengths");
    }
  }
}

double DatacenterTrace::value(schema::Series s, std::size_t k) const {
  using schema::Series;
  using Integrand = TraceIntegrand;
  const double w = interval_s_;
  const auto bin = [&](Integrand i) { return this->bin(i, k); };
  switch (s) {
    case Series::kTime:
      return static_cast<double>(k) * w;
    case Series::kItEnergy:
      return bin(Integrand::kItPower);
    case Series::kFacilityEnergy:
      return bin(Integrand::kFacilityPower);
    case Series::kCoolingEnergy:
      return bin(Integrand::kCoolingPower);
    case Series::kOverheadEnergy:
      return bin(Integrand::kOverheadPower);
    case Series::kItPower:
      return bin(Integrand::kItPower) / w;
    case Series::kFacilityPower:
      return bin(Integrand::kFacilityPower) / w;
    case Series::kPue: {
      const double it = bin(Integrand::kItPower);
      return it > 0 ? bin(Integrand::kFacilityPower) / it : kNaN;
    }
    case Series::kIntensityLocation:
      return bin(Integrand::kIntensityLocation) / w * units::kJoulesPerKilowattHour;
    case Series::kIntensityMarket:
      return bin(Integrand::kIntensityMarket) / w * units::kJoulesPerKilowattHour;
    case Series::kEmissionsLocation:
      return bin(Integrand::kEmissionsLocation);
    case Series::kEmissionsMarket:
      return bin(Integrand::kEmissionsMarket);
    case Series::kBusyDevices:
      return bin(Integrand::kBusyDevices) / w;
    case Series::kOutdoorTemperature:
      return weather_ ? bin(Integrand::kOutdoorTemperature) / w : kNaN;
    case Series::kWaterOnsite:
      return water_ ? bin(Integrand::kWaterOnsite) : kNaN;
    case Series::kWaterOffsite:
      return water_ ? bin(Integrand::kWaterOffsite) : kNaN;
    case Series::kWue: {
      const double it = bin(Integrand::kItPower);
      return water_ && it > 0 ? bin(Integrand::kWaterOnsite) / it * units::kJoulesPerKilowattHour
                              : kNaN;
    }
    case Series::kCount:
      break;
  }
  return kNaN;
}

std::vector<double> DatacenterTrace::operator[](schema::Series s) const {
  std::vector<double> out(intervals());
  for (std::size_t k = 0; k < out.size(); ++k) {
    out[k] = value(s, k);
  }
  return out;
}

DatacenterTrace DatacenterLp::trace(std::size_t intervals) const {
  DatacenterTrace::Bins bins;
  for (std::size_t i = 0; i < kTraceIntegrandCount; ++i) {
    if (!traced(i)) {
      continue;
    }
    bins[i].resize(intervals);
    for (std::size_t k = 0; k < intervals; ++k) {
      bins[i][k] = binned_[i].bin(k);
    }
  }
  return {std::move(bins), cfg_.trace_interval.to_seconds(), has_weather_,
          cfg_.onsite_water != nullptr};
}

DatacenterTrace DatacenterLp::take_trace(std::size_t intervals) {
  DatacenterTrace::Bins bins;
  for (std::size_t i = 0; i < kTraceIntegrandCount; ++i) {
    if (traced(i)) {
      bins[i] = binned_[i].take_bins(intervals);
    }
  }
  return {std::move(bins), cfg_.trace_interval.to_seconds(), has_weather_,
          cfg_.onsite_water != nullptr};
}

DatacenterSummary DatacenterLp::summary() const {
  DatacenterSummary s;
  // The binned integrals are of watts and of g/s: their totals are joules and grams.
  s.peak_facility_power = peak_facility_;
  s.it_energy = units::joules(binned(Integrand::kItPower).total());
  s.energy = units::joules(binned(Integrand::kFacilityPower).total());
  s.emissions_location = units::grams(binned(Integrand::kEmissionsLocation).total());
  s.emissions_market = units::grams(binned(Integrand::kEmissionsMarket).total());
  s.embodied =
      embodied_rate_ * units::seconds(binned(Integrand::kItPower).last_time().to_seconds());
  s.power_cap = cfg_.power_cap;
  s.cap_exceeded = units::seconds(cap_exceeded_.to_seconds());
  s.cap_paused_device_s = cap_paused_device_s_;
  if (cfg_.onsite_water) {
    s.water_onsite = units::litres(binned(Integrand::kWaterOnsite).total());
    s.water_offsite = units::litres(binned(Integrand::kWaterOffsite).total());
  }
  return s;
}

}  // namespace footprint::models
