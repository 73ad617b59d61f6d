#include "models/workloads/training.hpp"

#include <cmath>
#include <stdexcept>

namespace footprint::models {

TrainingPlan plan_training(const TrainingJobSpec& job, const AcceleratorType& type) {
  TrainingPlan p;
  if (job.throughput) {
    p.throughput = *job.throughput;
  } else if (job.mfu) {
    p.throughput = type.peak * *job.mfu;
  } else {
    throw std::invalid_argument("job " + job.name + ": neither throughput nor mfu is given");
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
      p.duration = job.work_duration;
      p.flops = fleet_rate * p.duration;
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
  p.device_power = job.power ? *job.power : type.power_at(job.utilisation);
  return p;
}

}  // namespace footprint::models
