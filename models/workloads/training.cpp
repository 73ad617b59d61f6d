#include "models/workloads/training.hpp"

#include "models/accelerators/frequency.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace footprint::models {

std::int64_t predicted_steps(const TrainingJobSpec& job) {
  const auto& pr = *job.predicted;
  double tokens = 0;
  switch (job.work_kind) {
    case WorkKind::kTokens:
      tokens = job.work_tokens.si();
      break;
    case WorkKind::kFlops:
      tokens = job.work_flops.si() / (pr.flops_per_step / pr.tokens_per_step);
      break;
    case WorkKind::kDuration:
      throw std::invalid_argument("job " + job.name +
                                  ": a predicted job's work is tokens or FLOPs, not a duration");
  }
  return std::max<std::int64_t>(1,
                                static_cast<std::int64_t>(std::ceil(tokens / pr.tokens_per_step)));
}

namespace {

/// The plan of a job whose steps the step model predicts: the simulated steps when a run
/// has simulated them, else the expected step repeated.
TrainingPlan plan_predicted(const TrainingJobSpec& job) {
  const auto& pr = *job.predicted;
  TrainingPlan p;
  const auto steps = predicted_steps(job);
  const double n = static_cast<double>(job.devices);
  units::Seconds duration;
  units::Joules energy;
  if (pr.simulated) {
    duration = pr.simulated->duration;
    energy = pr.simulated->energy;
  } else {
    for (const auto& ph : pr.phases) {
      duration += ph.duration;
      energy += ph.duration * ph.power;
    }
    duration *= static_cast<double>(steps);
    energy *= static_cast<double>(steps) * n;
  }
  p.steps = steps;
  p.steps_exact = static_cast<double>(steps);
  p.duration = duration;
  p.flops = units::Flops::from_si(pr.flops_per_step * static_cast<double>(steps));
  p.tokens = units::Tokens::from_si(pr.tokens_per_step * static_cast<double>(steps));
  p.throughput = p.flops / (n * duration);
  // The same energy as the phases, drawn at a constant average power.
  p.device_power = energy / (n * duration);
  p.clock = pr.clock;
  return p;
}

}  // namespace

TrainingPlan plan_training(const TrainingJobSpec& job, const AcceleratorType& type) {
  if (job.predicted) {
    return plan_predicted(job);
  }
  TrainingPlan p;
  if (job.throughput) {
    p.throughput = *job.throughput;
  } else if (job.mfu) {
    p.throughput = type.peak * *job.mfu;
  } else if (job.work_kind == WorkKind::kDuration) {
    // A duration and a power, as published footprints give them: the FLOPs are unknown.
    p.throughput = units::FlopRate::from_si(std::numeric_limits<double>::quiet_NaN());
  } else {
    throw std::invalid_argument("job " + job.name + ": neither throughput nor mfu is given");
  }
  const bool rate_known = !std::isnan(units::to_flops_per_second(p.throughput));
  double time_factor = 1;  // how much a power limit stretches the job's time
  const units::Watts full_power = job.power ? *job.power : type.power_at(job.utilisation);
  const units::FlopRate unlimited_rate = p.throughput;
  p.device_power = full_power;
  if (job.power_limit) {
    const auto u = under_limit(full_power, 1.0, type.idle, *job.power_limit);
    time_factor = u.time_factor;
    p.throughput = p.throughput / u.time_factor;
    p.device_power = u.power;
    p.clock = u.frequency;
  }
  const auto n = static_cast<double>(job.devices);
  const auto fleet_rate = p.throughput * n;
  const units::FlopsPerToken flops_per_token =
      units::FlopsPerToken::from_si(kTrainingFlopsPerParameterToken * job.model.active_parameters);
  switch (job.work_kind) {
    case WorkKind::kFlops:
      p.flops = job.work_flops;
      p.duration = p.flops / fleet_rate;
      break;
    case WorkKind::kTokens:
      p.tokens = job.work_tokens;
      p.flops = job.work_tokens * flops_per_token;
      p.duration = p.flops / fleet_rate;
      break;
    case WorkKind::kDuration:
      // The work of that duration at full clock; a limit stretches it.
      p.duration = job.work_duration;
      p.flops = fleet_rate * p.duration;
      if (!rate_known) {
        p.duration = job.work_duration * time_factor;  // NaN FLOPs: not derived from them
      } else if (p.clock < 1) {
        p.flops = unlimited_rate * n * job.work_duration;
        p.duration = p.flops / fleet_rate;
      }
      break;
  }
  if (!p.tokens && job.model.active_parameters > 0) {
    p.tokens = p.flops / flops_per_token;
  }
  if (job.steps) {
    p.steps_exact = static_cast<double>(*job.steps);
  } else if (job.batch && p.tokens) {
    p.steps_exact = *p.tokens / *job.batch;
  } else {
    p.steps_exact = std::max(1.0, std::ceil(units::to_seconds(p.duration) / kDefaultStepSeconds));
  }
  if (!(p.steps_exact > 0) || !std::isfinite(p.steps_exact)) {
    throw std::invalid_argument("job " + job.name + ": the step count is not positive");
  }
  // A step count within rounding of a whole number is that whole number.
  constexpr double kWholeTolerance = 1e-9;
  const double nearest = std::round(p.steps_exact);
  if (std::fabs(p.steps_exact - nearest) <= kWholeTolerance * nearest) {
    p.steps_exact = nearest;
  }
  p.steps = static_cast<std::int64_t>(std::ceil(p.steps_exact));
  return p;
}

}  // namespace footprint::models
