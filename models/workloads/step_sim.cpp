#include "models/workloads/step_sim.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <set>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "sim/engine/integrator.hpp"
#include "sim/engine/random.hpp"
#include "sim/engine/simulation.hpp"

namespace footprint::models {
namespace {

using engine::Context;
using engine::Event;
using engine::LpId;
using engine::RandomStream;
using engine::SimTime;
using Ticks = SimTime::rep;

/// Stream ids of the model's own random streams, keyed (seed, stream, sub). They are far
/// above any LP id (the engine keys LP streams (seed, LP id, 0)), so they never collide
/// with an LP's stream, and they do not depend on how devices are grouped into LPs.
constexpr std::uint64_t kStragglerStream = 0x5354'5241'4747'4c52ULL;  // "STRAGGLR"; sub: device
constexpr std::uint64_t kExpertStream = 0x4558'5045'5254'5321ULL;     // "EXPERTS!"; sub 0

/// devices_per_lp = 0 groups the devices into about this many LPs.
constexpr std::int64_t kDefaultGroupLps = 64;
/// Keeps the per-step sum of fixed-point slowdowns within int64 (see kSlowdownScale).
constexpr std::int64_t kMaxDevices = std::int64_t{1} << 24;
/// A straggler draw E = -log(1 - u) ~ Exp(1) is kept as the integer round(E x 2^32):
/// sums over devices are then exact and do not depend on the grouping. u <= 1 - 2^-53,
/// so E <= 53 ln 2 < 36.8 and a draw is below 2^37.2; 2^24 devices sum below 2^61.2.
constexpr double kSlowdownScale = 0x1.0p32;
constexpr double kMaxUnitExponential = 36.8;  ///< > 53 ln 2, the largest Exp(1) draw
/// Runs are limited to this many ticks (half of int64, about 146 years).
constexpr double kMaxRunTicks = 0x1.0p62;
/// LP weights for the split into threads, in units of one device's draw: handling one
/// event and sending one message costs about this many draws.
constexpr double kEventWeight = 10.0;

constexpr const char* kStragglersName = "stragglers";
constexpr const char* kImbalanceName = "imbalance";

/// The coordinator is LP 0 (so that the engine's split by weight, which closes a chunk once
/// it holds its share, cuts between two equal halves of the groups); groups are 1..G.
constexpr LpId kCoordinator = 0;

/// The coordinator to a group: the start of `step`. A group to the coordinator: its report
/// for `step`. 24 bytes, so that an event is 48.
struct StepMsg {
  std::int64_t step = 0;
  std::int64_t max_q = 0;  ///< report: the group's largest fixed-point draw
  std::int64_t sum_q = 0;  ///< report: the sum of the group's fixed-point draws
};

/// A block of devices: at each step's start, draws each device's slowdown from the
/// device's own stream and reports (max, sum) to the coordinator.
class GroupLp final : public engine::Process<StepMsg> {
 public:
  GroupLp(std::uint64_t seed, std::int64_t first, std::int64_t count, bool draws, SimTime lookahead)
      : draws_(draws), lookahead_(lookahead) {
    if (draws_) {
      streams_.reserve(static_cast<std::size_t>(count));
      for (std::int64_t d = first; d < first + count; ++d) {
        streams_.emplace_back(seed, kStragglerStream, static_cast<std::uint64_t>(d));
      }
    }
  }

  void on_start(Context<StepMsg>& ctx) override {
    ctx.schedule(SimTime::zero(), StepMsg{.step = 0});
  }

  void on_event(Context<StepMsg>& ctx, const Event<StepMsg>& e) override {
    if ((e.src != kCoordinator && e.src != ctx.self()) || e.payload.step != next_step_) {
      throw std::logic_error(fmt::format("step_sim: group LP {} expected the start of step {}",
                                         ctx.self(), next_step_));
    }
    ++next_step_;
    std::int64_t max_q = 0;
    std::int64_t sum_q = 0;
    if (draws_) {
      for (auto& rng : streams_) {
        // 1 - u is exact for u a multiple of 2^-53, so -log(1 - u) equals -log1p(-u) up
        // to the last bit, at half the cost.
        const double unit = -std::log(1.0 - rng.uniform());
        const auto q = static_cast<std::int64_t>(unit * kSlowdownScale + 0.5);
        max_q = std::max(max_q, q);
        sum_q += q;
      }
    }
    ctx.send(kCoordinator, lookahead_,
             StepMsg{.step = e.payload.step, .max_q = max_q, .sum_q = sum_q});
  }

 private:
  bool draws_;
  SimTime lookahead_;
  std::vector<RandomStream> streams_;  ///< one per device, in device order
  std::int64_t next_step_ = 0;
};

struct PhaseTicks {
  Ticks base = 0;           ///< the phase's expected duration, rounded once to the nearest tick
  units::Seconds duration;  ///< base, in seconds
  units::Watts power;
  PhaseScaling scaling = PhaseScaling::kFixed;
};

/// What the coordinator needs besides the phases.
struct CoordinatorSetup {
  std::vector<PhaseTicks> phases;
  std::int64_t steps = 0;
  std::int64_t devices = 0;
  std::int64_t groups = 0;
  units::Watts idle_power;
  double straggler_mean = 0;
  std::int64_t experts = 0;
  double capacity_factor = 1;
  double routing_skew = 0;
  std::uint64_t seed = 0;
  SimTime lookahead;
};

/// Collects the G reports of a step at t_s + L, computes the step's duration and energy,
/// and starts the next step at t_s + D_s.
class CoordinatorLp final : public engine::Process<StepMsg> {
 public:
  explicit CoordinatorLp(CoordinatorSetup s)
      : s_(std::move(s)),
        expert_rng_(s_.seed, kExpertStream, 0),
        z_(static_cast<std::size_t>(s_.experts)),
        phase_energy_(s_.phases.size() + 2) {}

  void on_event(Context<StepMsg>& ctx, const Event<StepMsg>& e) override {
    const StepMsg& m = e.payload;
    if (e.src == kCoordinator || m.step != step_) {
      throw std::logic_error(fmt::format(
          "step_sim: the coordinator got a message for step {} while in step {}", m.step, step_));
    }
    if (reports_ == 0) {
      report_time_ = ctx.now();
    } else if (ctx.now() != report_time_) {
      throw std::logic_error(fmt::format("step_sim: the reports of step {} arrived at {} and {}",
                                         step_, engine::to_string(report_time_),
                                         engine::to_string(ctx.now())));
    }
    ++reports_;
    max_q_ = std::max(max_q_, m.max_q);
    sum_q_ += m.sum_q;
    if (reports_ == s_.groups) {
      finish_step(ctx);
    }
  }

  void on_stop(Context<StepMsg>& /*ctx*/) override {
    if (step_ != s_.steps || reports_ != 0) {
      throw std::logic_error(
          fmt::format("step_sim: the run stopped after {} of {} steps with {} reports pending",
                      step_, s_.steps, reports_));
    }
  }

  [[nodiscard]] StepSimResult result() const {
    StepSimResult r;
    Ticks phases_total = 0;
    for (const auto& p : s_.phases) {
      const Ticks t = p.base * s_.steps;
      r.phase_durations.push_back(units::seconds(engine::ticks_to_seconds(t)));
      phases_total += t;
    }
    r.phase_durations.push_back(units::seconds(engine::ticks_to_seconds(straggler_ticks_)));
    r.phase_durations.push_back(units::seconds(engine::ticks_to_seconds(imbalance_ticks_)));
    if (phases_total + straggler_ticks_ + imbalance_ticks_ != total_ticks_) {
      throw std::logic_error("step_sim: the phases do not add up to the run's duration");
    }
    r.duration = units::seconds(engine::ticks_to_seconds(total_ticks_));
    r.energy = units::joules(energy_.value());
    r.phase_energies.reserve(phase_energy_.size());
    for (const auto& e : phase_energy_) {
      r.phase_energies.push_back(units::joules(e.value()));
    }
    r.steps = s_.steps;
    const auto steps = static_cast<double>(s_.steps);
    r.mean_step = r.duration / steps;
    r.max_step = units::seconds(engine::ticks_to_seconds(max_step_ticks_));
    if (s_.experts > 0) {
      r.dropped_token_fraction = dropped_.value() / steps;
      r.mean_expert_factor = factor_sum_.value() / steps;
      r.max_expert_factor = max_factor_;
    }
    return r;
  }

 private:
  /// The expert phases' factor for this step; adds the step's dropped fraction.
  double expert_factor() {
    if (s_.experts == 0) {
      return 1.0;
    }
    // Shares relative to the mean, r_e = experts x p_e, computed with the largest z
    // subtracted so that exp() cannot overflow whatever the skew.
    if (s_.routing_skew == 0) {
      // Even popularity: every expert gets the mean, nothing is dropped (cf >= 1).
      factor_sum_.add(1.0);
      max_factor_ = std::max(max_factor_, 1.0);
      return 1.0;
    }
    // Standard normals by Marsaglia's polar method, two per accepted pair: one log and
    // one square root per pair, no trigonometry (Marsaglia and Bray 1964).
    double z_max = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < z_.size();) {
      double u = 0;
      double v = 0;
      double q = 0;
      do {
        u = 2 * expert_rng_.uniform() - 1;
        v = 2 * expert_rng_.uniform() - 1;
        q = u * u + v * v;
      } while (q >= 1 || q == 0);
      const double f = std::sqrt(-2 * std::log(q) / q);
      z_[i] = u * f;
      z_max = std::max(z_max, z_[i++]);
      if (i < z_.size()) {
        z_[i] = v * f;
        z_max = std::max(z_max, z_[i++]);
      }
    }
    double total = 0;
    for (auto& z : z_) {
      z = std::exp(s_.routing_skew * (z - z_max));
      total += z;
    }
    const auto experts = static_cast<double>(s_.experts);
    double r_max = 0;
    double over = 0;
    for (const double w : z_) {
      const double r = experts * w / total;
      r_max = std::max(r_max, r);
      over += std::max(0.0, r - s_.capacity_factor);
    }
    dropped_.add(over / experts);
    // The busiest expert carries at least the mean (and cf >= 1); max(1, .) only absorbs
    // the rounding of r_e.
    const double factor = std::max(1.0, std::min(r_max, s_.capacity_factor));
    factor_sum_.add(factor);
    max_factor_ = std::max(max_factor_, factor);
    return factor;
  }

  void finish_step(Context<StepMsg>& ctx) {
    const auto n = static_cast<double>(s_.devices);
    const double x_max = s_.straggler_mean * (static_cast<double>(max_q_) / kSlowdownScale);
    const double x_sum = s_.straggler_mean * (static_cast<double>(sum_q_) / kSlowdownScale);
    const double factor = expert_factor();
    Ticks step_ticks = 0;
    auto& stragglers = phase_energy_[s_.phases.size()];
    auto& imbalance = phase_energy_[s_.phases.size() + 1];
    for (std::size_t i = 0; i < s_.phases.size(); ++i) {
      const auto& p = s_.phases[i];
      step_ticks += p.base;
      // Every device runs the phase's expected time at its power: the phase's own energy.
      const double expected_j = units::to_joules(n * p.power * p.duration);
      phase_energy_[i].add(expected_j);
      switch (p.scaling) {
        case PhaseScaling::kFixed:
          energy_.add(expected_j);
          break;
        case PhaseScaling::kStraggler: {
          // Device d runs base (1 + X_d) at the phase power, then waits for the slowest,
          // extra - base X_d, at idle power; extra = base X_max rounded to a tick. Beyond
          // the expected time, both go to "stragglers".
          const Ticks extra = std::llround(static_cast<double>(p.base) * x_max);
          const units::Seconds extra_s = units::seconds(engine::ticks_to_seconds(extra));
          const double wait_j =
              units::to_joules(s_.idle_power * (n * extra_s - p.duration * x_sum));
          energy_.add(units::to_joules(p.power * p.duration * (n + x_sum)));
          energy_.add(wait_j);
          stragglers.add(units::to_joules(p.power * p.duration * x_sum));
          stragglers.add(wait_j);
          straggler_ticks_ += extra;
          step_ticks += extra;
          break;
        }
        case PhaseScaling::kExpert: {
          // All devices run the expected time at the phase power, then wait at idle power
          // for the busiest expert: (factor - 1) x base, rounded to a tick ("imbalance").
          const Ticks extra = std::llround(static_cast<double>(p.base) * (factor - 1.0));
          const double wait_j =
              units::to_joules(n * s_.idle_power * units::seconds(engine::ticks_to_seconds(extra)));
          energy_.add(expected_j);
          energy_.add(wait_j);
          imbalance.add(wait_j);
          imbalance_ticks_ += extra;
          step_ticks += extra;
          break;
        }
      }
    }
    total_ticks_ += step_ticks;
    max_step_ticks_ = std::max(max_step_ticks_, step_ticks);
    reports_ = 0;
    max_q_ = 0;
    sum_q_ = 0;
    ++step_;
    if (step_ < s_.steps) {
      // The step began at now - L and ends at now - L + D; D >= 2L, so the delay D - L
      // is at least the lookahead.
      const SimTime delay = SimTime::ticks(step_ticks) - s_.lookahead;
      for (std::int64_t g = 1; g <= s_.groups; ++g) {
        ctx.send(static_cast<LpId>(g), delay, StepMsg{.step = step_});
      }
    }
  }

  CoordinatorSetup s_;
  RandomStream expert_rng_;
  std::vector<double> z_;  ///< per expert: z, then exp(skew (z - z_max)); reused each step

  std::int64_t step_ = 0;  ///< the step whose reports are awaited
  std::int64_t reports_ = 0;
  SimTime report_time_;
  std::int64_t max_q_ = 0;
  std::int64_t sum_q_ = 0;

  Ticks total_ticks_ = 0;
  Ticks max_step_ticks_ = 0;
  Ticks straggler_ticks_ = 0;
  Ticks imbalance_ticks_ = 0;
  engine::CompensatedSum energy_;
  /// By phase, then stragglers and imbalance (StepSimResult::phase_energies).
  std::vector<engine::CompensatedSum> phase_energy_;
  engine::CompensatedSum dropped_;
  engine::CompensatedSum factor_sum_;
  double max_factor_ = 1;
};

bool finite_nonnegative(double x) {
  return std::isfinite(x) && x >= 0;
}

/// Throws std::invalid_argument naming the first problem; returns the phases in ticks.
std::vector<PhaseTicks> validate(const StepSimConfig& c) {
  if (c.phases.empty()) {
    throw std::invalid_argument("step simulation: no phases; a step needs at least one");
  }
  std::set<std::string> names;
  std::vector<PhaseTicks> out;
  Ticks min_step = 0;
  for (std::size_t i = 0; i < c.phases.size(); ++i) {
    const auto& p = c.phases[i];
    const std::string where = fmt::format("step simulation: phase {} ('{}')", i, p.name);
    if (p.name.empty()) {
      throw std::invalid_argument(fmt::format("step simulation: phase {} has no name", i));
    }
    if (p.name == kStragglersName || p.name == kImbalanceName) {
      throw std::invalid_argument(
          fmt::format("{}: the name is reserved for the result's extra time", where));
    }
    if (!names.insert(p.name).second) {
      throw std::invalid_argument(fmt::format("{}: the name is used twice", where));
    }
    const double seconds = units::to_seconds(p.duration);
    if (!finite_nonnegative(seconds)) {
      throw std::invalid_argument(
          fmt::format("{}: seconds must be a finite number >= 0, got {}", where, seconds));
    }
    if (!finite_nonnegative(units::to_watts(p.power))) {
      throw std::invalid_argument(fmt::format("{}: power_w must be a finite number >= 0, got {}",
                                              where, units::to_watts(p.power)));
    }
    if (!(seconds * static_cast<double>(SimTime::kTicksPerSecond) < kMaxRunTicks)) {
      throw std::invalid_argument(fmt::format("{}: {} s is too long", where, seconds));
    }
    const SimTime base = SimTime::from_seconds(seconds);
    out.push_back(
        {base.count(), units::seconds(engine::ticks_to_seconds(base.count())), p.power, p.scaling});
    min_step += base.count();
  }
  if (min_step < 2) {
    throw std::invalid_argument(
        fmt::format("step simulation: the phases add up to {} ns; a step needs at least 2 ns (the "
                    "lookahead is half the shortest step)",
                    min_step));
  }
  if (c.steps < 1) {
    throw std::invalid_argument(
        fmt::format("step simulation: steps must be at least 1, got {}", c.steps));
  }
  if (c.devices < 1 || c.devices > kMaxDevices) {
    throw std::invalid_argument(
        fmt::format("step simulation: devices must be in [1, {}], got {}", kMaxDevices, c.devices));
  }
  if (c.devices_per_lp < 0) {
    throw std::invalid_argument(fmt::format(
        "step simulation: devices_per_lp must be >= 0 (0: automatic), got {}", c.devices_per_lp));
  }
  if (!finite_nonnegative(units::to_watts(c.idle_power))) {
    throw std::invalid_argument(
        fmt::format("step simulation: idle_power_w must be a finite number >= 0, got {}",
                    units::to_watts(c.idle_power)));
  }
  if (!finite_nonnegative(c.straggler_mean)) {
    throw std::invalid_argument(fmt::format(
        "step simulation: straggler_mean must be a finite number >= 0, got {}", c.straggler_mean));
  }
  if (c.experts < 0) {
    throw std::invalid_argument(
        fmt::format("step simulation: experts must be >= 0 (0: none), got {}", c.experts));
  }
  if (c.top_k < 1) {
    throw std::invalid_argument(
        fmt::format("step simulation: top_k must be at least 1, got {}", c.top_k));
  }
  if (c.experts > 0 && c.top_k > c.experts) {
    throw std::invalid_argument(
        fmt::format("step simulation: top_k ({}) is larger than experts ({})", c.top_k, c.experts));
  }
  if (!finite_nonnegative(c.tokens_per_step) || (c.experts > 0 && c.tokens_per_step == 0)) {
    throw std::invalid_argument(fmt::format(
        "step simulation: tokens_per_step must be a finite number, > 0 with experts, got {}",
        c.tokens_per_step));
  }
  if (!std::isfinite(c.capacity_factor) || c.capacity_factor < 1) {
    throw std::invalid_argument(
        fmt::format("step simulation: capacity_factor must be a finite number >= 1, got {}",
                    c.capacity_factor));
  }
  if (!finite_nonnegative(c.routing_skew)) {
    throw std::invalid_argument(fmt::format(
        "step simulation: routing_skew must be a finite number >= 0, got {}", c.routing_skew));
  }
  // The longest possible step: every straggler phase at the largest draw, every expert
  // phase at the capacity factor, plus a tick of rounding per phase.
  double longest = 0;
  for (const auto& p : out) {
    double f = 1;
    if (p.scaling == PhaseScaling::kStraggler) {
      f += c.straggler_mean * kMaxUnitExponential;
    } else if (p.scaling == PhaseScaling::kExpert) {
      f = c.capacity_factor;
    }
    longest += static_cast<double>(p.base) * f + 1;
  }
  if (!(longest * static_cast<double>(c.steps) < kMaxRunTicks)) {
    throw std::invalid_argument(fmt::format(
        "step simulation: {} steps of up to {:g} s may not fit in simulated time (int64 ns, "
        "limited here to about 146 years)",
        c.steps, longest / static_cast<double>(SimTime::kTicksPerSecond)));
  }
  return out;
}

}  // namespace

StepSimResult simulate_steps(const StepSimConfig& config) {
  auto phases = validate(config);
  Ticks min_step = 0;
  bool straggler_phase = false;
  for (const auto& p : phases) {
    min_step += p.base;
    straggler_phase = straggler_phase || p.scaling == PhaseScaling::kStraggler;
  }
  const SimTime lookahead = SimTime::ticks(min_step / 2);
  const bool draws = straggler_phase && config.straggler_mean > 0;

  const std::int64_t per_lp = config.devices_per_lp > 0
                                  ? std::min(config.devices_per_lp, config.devices)
                                  : (config.devices + kDefaultGroupLps - 1) / kDefaultGroupLps;
  const std::int64_t groups = (config.devices + per_lp - 1) / per_lp;

  engine::Simulation<StepMsg> sim({.seed = config.seed, .lookahead = lookahead});
  std::vector<double> weights;
  weights.reserve(static_cast<std::size_t>(groups) + 1);
  // The coordinator works in windows of its own (the groups' reports arrive L after they
  // drew), so it competes with no group: its weight only has to be small.
  auto& coordinator = sim.emplace<CoordinatorLp>(CoordinatorSetup{
      .phases = std::move(phases),
      .steps = config.steps,
      .devices = config.devices,
      .groups = groups,
      .idle_power = config.idle_power,
      .straggler_mean = config.straggler_mean,
      .experts = config.experts,
      .capacity_factor = config.capacity_factor,
      .routing_skew = config.routing_skew,
      .seed = config.seed,
      .lookahead = lookahead,
  });
  weights.push_back(kEventWeight);
  for (std::int64_t g = 0; g < groups; ++g) {
    const std::int64_t first = g * per_lp;
    const std::int64_t count = std::min(per_lp, config.devices - first);
    sim.emplace<GroupLp>(config.seed, first, count, draws, lookahead);
    weights.push_back(kEventWeight + (draws ? static_cast<double>(count) : 0.0));
  }
  sim.set_weights(std::move(weights));

  const auto& stats = sim.run({.threads = config.threads});
  StepSimResult r = coordinator.result();
  r.phase_names.reserve(config.phases.size() + 2);
  for (const auto& p : config.phases) {
    r.phase_names.push_back(p.name);
  }
  r.phase_names.emplace_back(kStragglersName);
  r.phase_names.emplace_back(kImbalanceName);
  r.devices_per_lp = per_lp;
  r.group_lps = groups;
  r.stats = stats;
  return r;
}

}  // namespace footprint::models
