#include "models/topology/datacenter.hpp"

#include <cmath>
#include <limits>

namespace footprint::models {

using engine::SimTime;

DatacenterLp::DatacenterLp(std::unique_ptr<CoolingModel> cooling,
                           std::unique_ptr<CarbonSignal> carbon, SimTime trace_interval,
                           std::vector<JobRun> jobs)
    : cooling_(std::move(cooling)),
      carbon_(std::move(carbon)),
      interval_(trace_interval),
      jobs_(std::move(jobs)),
      run_(jobs_.size()),
      outcomes_(jobs_.size()),
      b_it_(SimTime::zero(), trace_interval),
      b_fac_(SimTime::zero(), trace_interval),
      b_iloc_(SimTime::zero(), trace_interval),
      b_imkt_(SimTime::zero(), trace_interval),
      b_eloc_(SimTime::zero(), trace_interval),
      b_emkt_(SimTime::zero(), trace_interval) {
  for (std::size_t j = 0; j < jobs_.size(); ++j) {
    outcomes_[j].scenario_index = jobs_[j].scenario_index;
    run_[j].duration_ticks =
        SimTime::from_seconds(units::to_seconds(jobs_[j].plan.duration)).count();
    run_[j].it_power = jobs_[j].plan.device_power * static_cast<double>(jobs_[j].devices);
  }
}

void DatacenterLp::on_start(engine::Context<FleetMsg>& ctx) {
  update(SimTime::zero());
  for (std::size_t j = 0; j < jobs_.size(); ++j) {
    ctx.schedule(jobs_[j].start, {FleetMsg::Kind::kJobStart, static_cast<std::uint32_t>(j)});
  }
  const auto next =
      std::min(cooling_->next_change(SimTime::zero()), carbon_->next_change(SimTime::zero()));
  if (next != SimTime::max()) {
    ctx.schedule(next, {FleetMsg::Kind::kSignal, 0});
  }
}

SimTime DatacenterLp::step_end(std::size_t j, std::int64_t k) const {
  const auto& job = jobs_[j];
  if (k >= job.plan.steps) {
    return job.start + SimTime::ticks(run_[j].duration_ticks);
  }
  const double frac = static_cast<double>(k) / job.plan.steps_exact;
  const auto t = std::llround(frac * static_cast<double>(run_[j].duration_ticks));
  return job.start + SimTime::ticks(t);
}

void DatacenterLp::close_phase(std::size_t j, SimTime now) {
  auto& r = run_[j];
  auto& o = outcomes_[j];
  const double p = units::to_watts(r.it_power);
  o.it_energy_j += p * engine::ticks_to_seconds((now - r.phase_start).count());
  o.energy_j += p * (c_pue_.integral() - r.c_pue0);
  o.emissions_location_g += p * (c_loc_.integral() - r.c_loc0);
  o.emissions_market_g += p * (c_mkt_.integral() - r.c_mkt0);
  r.phase_start = now;
  r.c_pue0 = c_pue_.integral();
  r.c_loc0 = c_loc_.integral();
  r.c_mkt0 = c_mkt_.integral();
}

void DatacenterLp::on_event(engine::Context<FleetMsg>& ctx, const engine::Event<FleetMsg>& e) {
  const SimTime now = ctx.now();
  // Integrate everything up to now at the old rates.
  c_pue_.advance(now);
  c_loc_.advance(now);
  c_mkt_.advance(now);
  const auto j = static_cast<std::size_t>(e.payload.job);
  switch (e.payload.kind) {
    case FleetMsg::Kind::kJobStart: {
      auto& r = run_[j];
      r.active = true;
      r.phase_start = now;
      r.c_pue0 = c_pue_.integral();
      r.c_loc0 = c_loc_.integral();
      r.c_mkt0 = c_mkt_.integral();
      outcomes_[j].start_s = now.to_seconds();
      it_power_ += r.it_power;
      ctx.schedule(step_end(j, 1) - now, {FleetMsg::Kind::kStepEnd, e.payload.job});
      break;
    }
    case FleetMsg::Kind::kStepEnd: {
      auto& r = run_[j];
      ++r.steps_done;
      if (r.steps_done >= jobs_[j].plan.steps) {
        close_phase(j, now);
        r.active = false;
        it_power_ -= r.it_power;
        auto& o = outcomes_[j];
        o.end_s = now.to_seconds();
        o.steps = r.steps_done;
        o.device_hours =
            static_cast<double>(jobs_[j].devices) * (o.end_s - o.start_s) / units::kSecondsPerHour;
        o.flops = units::to_flops(jobs_[j].plan.flops);
      } else {
        ctx.schedule(step_end(j, r.steps_done + 1) - now,
                     {FleetMsg::Kind::kStepEnd, e.payload.job});
      }
      break;
    }
    case FleetMsg::Kind::kSignal: {
      const auto next = std::min(cooling_->next_change(now), carbon_->next_change(now));
      if (next != SimTime::max()) {
        ctx.schedule(next - now, {FleetMsg::Kind::kSignal, 0});
      }
      break;
    }
  }
  update(now);
}

void DatacenterLp::update(SimTime now) {
  // Guard against a sum of many +/- job powers leaving a tiny residue when all are idle.
  bool any = false;
  for (const auto& r : run_) {
    any = any || r.active;
  }
  if (!any) {
    it_power_ = units::Watts::zero();
  }
  const double it = units::to_watts(it_power_);
  const auto fp = cooling_->facility(now, it_power_);
  const double fac = units::to_watts(fp.total());
  // Facility power per IT watt, for attributing overhead to jobs; when nothing runs
  // there is nothing to attribute (the overhead still counts at the datacenter).
  const double ratio = it > 0 ? fac / it : 0.0;
  const auto in = carbon_->at(now);
  const double iloc = in.location.si();
  const double imkt = in.market.si();
  c_pue_.set(now, ratio);
  c_loc_.set(now, ratio * iloc);
  c_mkt_.set(now, ratio * imkt);
  b_it_.set(now, it);
  b_fac_.set(now, fac);
  b_iloc_.set(now, iloc);
  b_imkt_.set(now, imkt);
  b_eloc_.set(now, fac * iloc);
  b_emkt_.set(now, fac * imkt);
}

void DatacenterLp::on_stop(engine::Context<FleetMsg>& ctx) {
  // Integrate to the end of the interval that holds the stop time.
  const auto w = interval_.count();
  const auto n = ctx.now().count();
  const SimTime end = SimTime::ticks(((n + w - 1) / w) * w);
  c_pue_.advance(ctx.now());
  c_loc_.advance(ctx.now());
  c_mkt_.advance(ctx.now());
  for (std::size_t j = 0; j < run_.size(); ++j) {
    if (run_[j].active) {
      close_phase(j, ctx.now());
    }
  }
  for (auto* b : {&b_it_, &b_fac_, &b_iloc_, &b_imkt_, &b_eloc_, &b_emkt_}) {
    b->advance(end);
  }
}

DatacenterTrace DatacenterLp::trace(std::size_t intervals) const {
  DatacenterTrace t;
  const double w = interval_.to_seconds();
  for (std::size_t k = 0; k < intervals; ++k) {
    const double it = b_it_.bin(k);
    const double fac = b_fac_.bin(k);
    t.time_s.push_back(static_cast<double>(k) * w);
    t.it_energy_j.push_back(it);
    t.facility_energy_j.push_back(fac);
    t.it_power_w.push_back(it / w);
    t.facility_power_w.push_back(fac / w);
    t.pue.push_back(it > 0 ? fac / it : std::numeric_limits<double>::quiet_NaN());
    t.intensity_location_g_per_kwh.push_back(b_iloc_.bin(k) / w * units::kJoulesPerKilowattHour);
    t.intensity_market_g_per_kwh.push_back(b_imkt_.bin(k) / w * units::kJoulesPerKilowattHour);
    t.emissions_location_g.push_back(b_eloc_.bin(k));
    t.emissions_market_g.push_back(b_emkt_.bin(k));
  }
  return t;
}

}  // namespace footprint::models
