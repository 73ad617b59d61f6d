#include "sim/app/scenario/plan.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <fmt/format.h>

#include "models/workloads/power_limit.hpp"
#include "models/workloads/step_model.hpp"
#include "sim/engine/random.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"

namespace footprint::scenario {

using engine::SimTime;

namespace {

/// Stream key of the job generator, apart from every LP's stream.
constexpr std::uint64_t kGeneratorStream = 0x6e'6572'6174'6f72ULL;

std::uint32_t type_index(models::FleetTables& t, const models::AcceleratorType& a) {
  for (std::uint32_t i = 0; i < t.types.size(); ++i) {
    if (t.types[i].name == a.name) {
      return i;
    }
  }
  t.types.push_back(a);
  return static_cast<std::uint32_t>(t.types.size() - 1);
}

/// With failures, a job restarts from its last checkpoint (or its start) after each one.
/// The compute between checkpoints, T, completes only in a failure-free stretch: with a
/// failure rate of lambda for the job's devices, the expected number of attempts is
/// exp(lambda T). Past exp(kMaxFailureExponent) attempts the job would in practice never
/// finish (the run would end at the limit of simulated time): an input error, with the
/// numbers, instead.
void check_failures_allow_progress(const Scenario& sc, const models::FleetTables& t,
                                   const JobNames& names) {
  if (sc.failures.device_mtbf <= units::Seconds::zero()) {
    return;
  }
  constexpr double kMaxFailureExponent = 30;  // about 1e13 attempts per stretch
  constexpr std::size_t kListed = 5;
  Diagnostics d(sc.source.string());
  std::size_t bad = 0;
  for (std::size_t j = 0; j < t.jobs.size(); ++j) {
    const auto& f = t.jobs[j];
    const double stretch_h =
        std::min(f.checkpoint_interval, f.duration).to_seconds() / units::kSecondsPerHour;
    const double rate_per_h =
        static_cast<double>(f.devices) / units::to_hours(sc.failures.device_mtbf);
    const double exponent = rate_per_h * stretch_h;
    if (exponent <= kMaxFailureExponent) {
      continue;
    }
    if (++bad <= kListed) {
      d.error("failures.device_mtbf",
              fmt::format("job \"{}\" cannot finish: its {} devices fail every {:.3g} h on "
                          "average, and it computes {:.3g} h {}, which succeeds once in about "
                          "e^{:.0f} tries; give the job checkpoints (checkpoint: {{ interval, "
                          "duration }}) shorter than its time between failures",
                          j < names.size() ? names[j] : std::to_string(j), f.devices,
                          1.0 / rate_per_h, stretch_h,
                          f.checkpoint_interval < f.duration ? "between checkpoints"
                                                             : "without a checkpoint",
                          exponent));
    }
  }
  if (bad > kListed) {
    d.error("failures.device_mtbf", fmt::format("and {} more jobs like these", bad - kListed));
  }
  d.throw_if_any();
}

/// The scenario's listed jobs, with the datacenters they list.
void add_listed_jobs(const Scenario& sc, models::FleetTables& t, JobNames& names) {
  for (std::size_t j = 0; j < sc.jobs.size(); ++j) {
    const auto& spec = sc.jobs[j];
    const auto& place = sc.placements[j];
    const auto& type = *sc.accelerators.find(spec.accelerator);
    JobTiming timing{.checkpoint_interval = place.checkpoint_interval,
                     .checkpoint_duration = place.checkpoint_duration,
                     .pause_above = place.pause_above};
    if (place.fixed_start) {
      timing.fixed_start = to_sim(spec.start);
    } else {
      timing.submit = to_sim(place.submit.value_or(units::Seconds::zero()));
      timing.slack = to_sim(place.slack);
    }
    auto f =
        fleet_job(models::plan_training(spec, type), type_index(t, type), spec.devices, timing);
    f.first_candidate = static_cast<std::uint32_t>(t.candidates.size());
    for (const auto dc : place.datacenters) {
      t.candidates.push_back(static_cast<std::uint32_t>(dc));
    }
    f.candidate_count = static_cast<std::uint32_t>(place.datacenters.size());
    t.jobs.push_back(f);
    names.push_back(spec.name);
  }
}

/// Candidate lists already in FleetTables::candidates, by a hash of their datacenters:
/// jobs with the same list share it (a generated fleet's million jobs have a few dozen
/// distinct lists, each of up to every datacenter).
class CandidateLists {
 public:
  /// Job `f`'s list was just appended at its first_candidate: points it at an earlier
  /// identical list instead, if there is one, and drops the copy.
  void share(models::FleetTables& t, models::FleetJob& f) {
    const auto begin = t.candidates.begin() + f.first_candidate;
    std::uint64_t h = kFnvOffset;
    for (auto it = begin; it != t.candidates.end(); ++it) {
      h = (h ^ *it) * kFnvPrime;
    }
    auto& same_hash = lists_[h];
    for (const auto& [first, count] : same_hash) {
      if (count == f.candidate_count &&
          std::equal(begin, t.candidates.end(), t.candidates.begin() + first)) {
        t.candidates.erase(begin, t.candidates.end());
        f.first_candidate = first;
        return;
      }
    }
    same_hash.emplace_back(f.first_candidate, f.candidate_count);
  }

 private:
  static constexpr std::uint64_t kFnvOffset = 14695981039346656037ULL;
  static constexpr std::uint64_t kFnvPrime = 1099511628211ULL;
  std::unordered_map<std::uint64_t, std::vector<std::pair<std::uint32_t, std::uint32_t>>> lists_;
};

/// Sets the candidates of job `f`: each datacenter `listed` with enough of its type.
template <class Listed>
void add_candidates(const Scenario& sc, models::FleetTables& t, models::FleetJob& f,
                    CandidateLists& lists, const Listed& listed) {
  const auto& type_name = t.types[f.type].name;
  f.first_candidate = static_cast<std::uint32_t>(t.candidates.size());
  for (std::size_t dc = 0; dc < sc.datacenters.size(); ++dc) {
    if (listed(dc) && inventory_of(sc.datacenters[dc], type_name) >= f.devices) {
      t.candidates.push_back(static_cast<std::uint32_t>(dc));
    }
  }
  f.candidate_count = static_cast<std::uint32_t>(t.candidates.size()) - f.first_candidate;
  lists.share(t, f);
}

/// The jobs of the job trace: each may run in every datacenter it lists (all, if none)
/// that has enough of its type.
void add_trace_jobs(const Scenario& sc, models::FleetTables& t, JobNames& names,
                    CandidateLists& lists) {
  Diagnostics trace_diag(sc.source.string());
  for (const auto& tj : sc.trace_jobs) {
    const auto& type = *sc.accelerators.find(tj.accelerator);
    const JobTiming timing{.submit = to_sim(tj.submit), .slack = to_sim(tj.slack)};
    auto f = fleet_job(duration_plan(type, tj.devices, tj.duration, tj.mfu, tj.utilisation),
                       type_index(t, type), tj.devices, timing);
    add_candidates(sc, t, f, lists, [&](std::size_t dc) {
      return tj.datacenters.empty() ||
             std::find(tj.datacenters.begin(), tj.datacenters.end(), dc) != tj.datacenters.end();
    });
    if (f.candidate_count == 0) {
      trace_diag.error(fmt::format("workload.trace (job \"{}\")", tj.name),
                       fmt::format("{} {} devices fit in no listed datacenter: the job can never "
                                   "run",
                                   tj.devices, type.name));
    }
    t.jobs.push_back(f);
    names.push_back(tj.name);
  }
  trace_diag.throw_if_any();
}

/// Arrival times: a Poisson process conditioned on `count` arrivals in the span, drawn as
/// the normalised partial sums of count + 1 exponentials (uniform order statistics), from
/// the generator's stream 0.
std::vector<double> arrival_sums(std::uint64_t seed, std::int64_t count) {
  engine::RandomStream rng(seed, kGeneratorStream, 0);
  std::vector<double> sums(static_cast<std::size_t>(count) + 1);
  double acc = 0;
  for (auto& s : sums) {
    acc += rng.exponential(1.0);
    s = acc;
  }
  return sums;
}

/// Job `i` of the generator, from its own stream keyed by its index: the jobs are drawn in
/// parallel, and are the same whatever the thread count.
models::FleetJob draw_job(const Scenario& sc, const models::FleetTables& t, std::uint64_t seed,
                          std::size_t i, units::Seconds submit, std::uint32_t& class_index) {
  const auto& g = *sc.generator;
  double total_weight = 0;
  for (const auto& c : g.classes) {
    total_weight += c.weight;
  }
  engine::RandomStream job_rng(seed, kGeneratorStream, i + 1);
  double pick = job_rng.uniform() * total_weight;
  std::size_t ci = 0;
  while (ci + 1 < g.classes.size() && pick >= g.classes[ci].weight) {
    pick -= g.classes[ci].weight;
    ++ci;
  }
  const auto& c = g.classes[ci];
  const auto log_uniform = [&](double lo, double hi) {
    return std::exp(std::log(lo) + job_rng.uniform() * (std::log(hi) - std::log(lo)));
  };
  const auto devices =
      std::clamp<std::int64_t>(std::llround(log_uniform(static_cast<double>(c.devices_min),
                                                        static_cast<double>(c.devices_max))),
                               c.devices_min, c.devices_max);
  const units::Seconds duration = units::seconds(
      log_uniform(units::to_seconds(c.duration_min), units::to_seconds(c.duration_max)));
  const auto& type = *sc.accelerators.find(c.accelerators[job_rng.below(c.accelerators.size())]);
  std::uint32_t k = 0;
  for (std::uint32_t x = 0; x < t.types.size(); ++x) {
    if (t.types[x].name == type.name) {
      k = x;
    }
  }
  const JobTiming timing{.submit = to_sim(submit),
                         .slack = to_sim(c.slack),
                         .checkpoint_interval = c.checkpoint_interval,
                         .checkpoint_duration = c.checkpoint_duration,
                         .pause_above = c.pause_above};
  class_index = static_cast<std::uint32_t>(ci);
  return fleet_job(duration_plan(type, devices, duration, c.mfu, c.utilisation), k, devices,
                   timing);
}

/// The generator's jobs, each a candidate of every datacenter with enough of its type.
void add_generated_jobs(const Scenario& sc, std::uint64_t seed, models::FleetTables& t,
                        JobNames& names, CandidateLists& lists) {
  const auto& g = *sc.generator;
  const std::vector<double> sums = arrival_sums(seed, g.count);
  const double span = units::to_seconds(g.span);
  const double start = units::to_seconds(g.start);
  for (const auto& c : g.classes) {
    for (const auto& name : c.accelerators) {
      type_index(t, *sc.accelerators.find(name));
    }
  }
  const std::size_t first = t.jobs.size();
  const auto count = static_cast<std::size_t>(g.count);
  t.jobs.resize(first + count);
  std::vector<std::uint32_t> class_of(count);
  constexpr std::size_t kGrain = 4096;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, count, kGrain), [&](const auto& range) {
    for (std::size_t i = range.begin(); i != range.end(); ++i) {
      t.jobs[first + i] = draw_job(
          sc, t, seed, i, units::seconds(start + span * sums[i] / sums.back()), class_of[i]);
    }
  });
  Diagnostics d(sc.source.string());
  // A generated job's list depends only on its type and device count: worked out once for
  // each pair (checking every datacenter), then reused (at ten times the fleet year, 10
  // million jobs against 100 datacenters).
  using Key = std::pair<std::uint32_t, std::int64_t>;  // (type, devices)
  const auto hash = [](const Key& k) {
    return std::hash<std::int64_t>{}(k.second) ^ (std::hash<std::uint32_t>{}(k.first) << 1U);
  };
  std::unordered_map<Key, std::pair<std::uint32_t, std::uint32_t>, decltype(hash)> list_of(0, hash);
  for (std::size_t i = 0; i < count; ++i) {
    auto& f = t.jobs[first + i];
    const Key key{f.type, f.devices};
    if (const auto it = list_of.find(key); it != list_of.end()) {
      std::tie(f.first_candidate, f.candidate_count) = it->second;
      continue;
    }
    add_candidates(sc, t, f, lists, [](std::size_t) { return true; });
    list_of.emplace(key, std::pair{f.first_candidate, f.candidate_count});
    if (f.candidate_count == 0 && d.empty()) {
      d.error(fmt::format("workload.generator.classes[{}]", class_of[i]),
              fmt::format("a job of {} {} devices fits in no datacenter", f.devices,
                          t.types[f.type].name));
    }
  }
  d.throw_if_any();
  std::vector<std::string> classes;
  for (const auto& c : g.classes) {
    classes.push_back(c.name);
  }
  names.add_generated(std::move(classes), std::move(class_of));
}

bool same_override(const models::NetworkOverride& a, const models::NetworkOverride& b) {
  return a.scale_up_domain == b.scale_up_domain && a.scale_up_bandwidth == b.scale_up_bandwidth &&
         a.scale_out_bandwidth == b.scale_out_bandwidth;
}

/// Relative difference below which two candidates' step durations are the same.
constexpr double kSameStep = 1e-9;

/// auto_layout()'s reason, with the keys the scenario fixed (they narrow the search).
std::string no_layout_message(const models::NoLayoutFits& e, const models::LayoutRequest& q) {
  std::vector<std::string> fixed;
  const std::pair<const char*, const std::optional<std::int64_t>*> keys[] = {
      {"data", &q.data},
      {"tensor", &q.tensor},
      {"pipeline", &q.pipeline},
      {"context", &q.context},
      {"expert", &q.expert},
      {"virtual_stages", &q.virtual_stages},
      {"microbatches", &q.microbatches},
      {"microbatch", &q.microbatch}};
  for (const auto& [key, value] : keys) {
    if (*value) {
      fixed.push_back(fmt::format("{} = {}", key, **value));
    }
  }
  if (fixed.empty()) {
    return e.what();
  }
  return fmt::format("{} (with parallelism {}; the other keys searched)", e.what(),
                     fmt::join(fixed, ", "));
}

}  // namespace

void JobNames::push_back(std::string name) {
  given_.emplace_back(size_, std::move(name));
  ++size_;
}

void JobNames::add_generated(std::vector<std::string> classes,
                             std::vector<std::uint32_t> class_of) {
  const std::size_t count = class_of.size();
  generated_.push_back({size_, std::move(classes), std::move(class_of)});
  size_ += count;
}

std::string JobNames::operator[](std::size_t j) const {
  if (j >= size_) {
    throw std::out_of_range(fmt::format("job {}: there are {} jobs", j, size_));
  }
  // Given names and generated ranges each lie in increasing job order.
  const auto given = std::lower_bound(given_.begin(), given_.end(), j,
                                      [](const auto& g, std::size_t id) { return g.first < id; });
  if (given != given_.end() && given->first == j) {
    return given->second;
  }
  for (const auto& g : generated_) {
    if (j >= g.first && j < g.first + g.class_of.size()) {
      const std::size_t i = j - g.first;
      return fmt::format("{}-{:07d}", g.classes[g.class_of[i]], i);
    }
  }
  throw std::logic_error(fmt::format("job {}: neither given nor generated", j));
}

void estimate_predicted_step(models::TrainingJobSpec& job, const Scenario& sc,
                             std::span<const std::size_t> candidates) {
  auto& p = *job.predicted;
  const auto& chip = *sc.accelerators.find(job.accelerator);
  const std::size_t first = candidates.empty() ? job.datacenter : candidates.front();
  const auto& home = sc.datacenters[first];
  // An unsupported chip or format is the reason, before its network or its layouts.
  (void)models::require_calibration(chip, p.precision.compute);
  models::StepModelInput in{p.model,           p.layout,           p.precision,
                            p.tokens_per_step, p.gradient_overlap, p.dispatch};
  const auto net = models::job_network(chip, home.network);
  if (p.auto_layout) {
    try {
      in.layout = models::auto_layout(in, chip, net, job.devices, p.request);
    } catch (const models::NoLayoutFits& e) {
      throw std::invalid_argument(no_layout_message(e, p.request));
    }
    p.layout = in.layout;
  }
  const auto est = models::estimate_step(in, chip, net);
  // A fleet job has one step: every candidate's network must give the same.
  for (const auto dc : candidates) {
    const auto& other = sc.datacenters[dc];
    if (dc == first || same_override(other.network, home.network)) {
      continue;
    }
    models::StepEstimate there;
    try {
      there = models::estimate_step(in, chip, models::job_network(chip, other.network));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(
          fmt::format("on the network of datacenter \"{}\": {}", other.name, e.what()));
    }
    const double a = units::to_seconds(est.step_duration);
    const double b = units::to_seconds(there.step_duration);
    if (std::fabs(a - b) > kSameStep * std::max(a, b)) {
      throw CandidateNetworksDiffer(fmt::format(
          "a step takes {:.6g} s on the network of datacenter \"{}\" but {:.6g} s on that of "
          "\"{}\"; a job has one step duration: list datacenters whose networks give the same "
          "step",
          a, home.name, b, other.name));
    }
  }
  p.phases = est.phases;
  p.flops_per_step = est.flops_per_step;
  p.mfu = est.mfu;
  if (job.power_limit) {
    // The layout is chosen at full clock; the limit then slows the phases above it.
    p.clock = models::limit_phases(p.phases, chip.idle, *job.power_limit);
    units::Seconds limited;
    for (const auto& ph : p.phases) {
      limited += ph.duration;
    }
    p.mfu = est.mfu * (est.step_duration / limited);
  }
  p.error_band = est.error_band;
  p.borrowed_from = est.borrowed_from;
}

SimTime to_sim(units::Seconds s) {
  return SimTime::from_seconds(units::to_seconds(s));
}

models::TrainingPlan duration_plan(const models::AcceleratorType& type, std::int64_t devices,
                                   units::Seconds duration, double mfu, double utilisation) {
  models::TrainingJobSpec job;
  job.devices = devices;
  job.work_kind = models::WorkKind::kDuration;
  job.work_duration = duration;
  job.mfu = mfu;
  job.utilisation = utilisation;
  return models::plan_training(job, type);
}

models::FleetJob fleet_job(const models::TrainingPlan& plan, std::uint32_t type,
                           std::int64_t devices, const JobTiming& timing) {
  models::FleetJob f;
  f.type = type;
  f.devices = devices;
  f.duration = to_sim(plan.duration);
  f.steps_exact = plan.steps_exact;
  f.steps = plan.steps;
  f.compute_power = plan.device_power;
  f.flops = units::to_flops(plan.flops);
  if (timing.fixed_start) {
    f.fixed_start = *timing.fixed_start;
    f.submit = f.fixed_start;
  } else {
    f.submit = timing.submit;
    f.slack = timing.slack;
  }
  if (timing.checkpoint_interval) {
    f.checkpoint_interval = to_sim(*timing.checkpoint_interval);
    f.checkpoint_duration = to_sim(timing.checkpoint_duration);
    f.pause_above = timing.pause_above.value_or(models::kNeverPause);
  }
  return f;
}

std::int64_t inventory_of(const DatacenterSpec& dc, const std::string& type) {
  for (const auto& i : dc.inventory) {
    if (i.accelerator == type) {
      return i.count - i.services;
    }
  }
  return 0;
}

std::shared_ptr<const models::FleetTables> build_fleet(const Scenario& sc, std::uint64_t seed,
                                                       JobNames& names) {
  auto t = std::make_shared<models::FleetTables>();
  // Every type in an inventory has an index, so that datacenters can count them.
  for (const auto& dc : sc.datacenters) {
    for (const auto& i : dc.inventory) {
      type_index(*t, *sc.accelerators.find(i.accelerator));
    }
  }
  add_listed_jobs(sc, *t, names);
  CandidateLists lists;
  add_trace_jobs(sc, *t, names, lists);
  if (sc.generator) {
    add_generated_jobs(sc, seed, *t, names, lists);
  }
  check_failures_allow_progress(sc, *t, names);
  return t;
}

}  // namespace footprint::scenario
