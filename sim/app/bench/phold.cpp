#include "sim/app/bench/phold.hpp"

#include <sys/resource.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "sim/engine/simulation.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"

namespace footprint::bench {
namespace {

using engine::Context;
using engine::Event;
using engine::LpId;
using engine::SimTime;

struct PholdMsg {};

class PholdLp final : public engine::Process<PholdMsg> {
 public:
  PholdLp(const PholdConfig& c, SimTime lookahead)
      : n_(c.lps),
        m_(c.start_events),
        remote_(c.remote),
        lookahead_(lookahead),
        exp_mean_(c.mean - c.lookahead) {}

  void on_start(Context<PholdMsg>& ctx) override {
    for (std::uint32_t i = 0; i < m_; ++i) {
      ctx.schedule(delay(ctx), PholdMsg{});
    }
  }

  void on_event(Context<PholdMsg>& ctx, const Event<PholdMsg>& /*event*/) override {
    ++received_;
    LpId dst = ctx.self();
    if (ctx.rng().uniform() <= remote_) {
      dst = static_cast<LpId>(ctx.rng().below(n_));
      remote_to_other_ += dst != ctx.self() ? 1U : 0U;
    }
    ctx.send(dst, delay(ctx), PholdMsg{});
  }

  [[nodiscard]] std::uint64_t received() const { return received_; }
  [[nodiscard]] std::uint64_t remote_to_other() const { return remote_to_other_; }

 private:
  SimTime delay(Context<PholdMsg>& ctx) const {
    const double extra = ctx.rng().exponential(exp_mean_) * SimTime::kTicksPerSecond;
    return lookahead_ + SimTime::ticks(static_cast<SimTime::rep>(std::llround(extra)));
  }

  std::uint32_t n_;
  std::uint32_t m_;
  double remote_;
  SimTime lookahead_;
  double exp_mean_;
  std::uint64_t received_ = 0;
  std::uint64_t remote_to_other_ = 0;
};

constexpr std::uint64_t kFnvOffset = 1469598103934665603ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

}  // namespace

PholdResult run_phold(const PholdConfig& c) {
  if (c.lps == 0) {
    throw InputError(Diagnostic{.message = "--lps must be at least 1"});
  }
  if (!(c.lookahead > 0) || !std::isfinite(c.lookahead)) {
    throw InputError(Diagnostic{.message = "--lookahead must be a positive number"});
  }
  if (!(c.mean >= c.lookahead) || !std::isfinite(c.mean)) {
    throw InputError(Diagnostic{.message = "--mean must be a number at least --lookahead"});
  }
  if (!(c.remote >= 0 && c.remote <= 1)) {
    throw InputError(Diagnostic{.message = "--remote must be a probability in [0, 1]"});
  }
  if (!(c.end > 0) || !std::isfinite(c.end)) {
    throw InputError(Diagnostic{.message = "--end must be a positive number"});
  }
  const SimTime lookahead = SimTime::from_seconds(c.lookahead);
  engine::Simulation<PholdMsg> sim({.seed = c.seed, .lookahead = lookahead});
  std::vector<const PholdLp*> lps;
  lps.reserve(c.lps);
  for (std::uint32_t i = 0; i < c.lps; ++i) {
    lps.push_back(&sim.emplace<PholdLp>(c, lookahead));
  }
  const auto& stats = sim.run({.until = SimTime::from_seconds(c.end), .threads = c.threads});

  PholdResult r;
  r.stats = stats;
  r.processed = stats.events;
  r.pending = stats.pending;
  r.run_s = stats.wall_s;
  r.events_per_s = stats.wall_s > 0 ? static_cast<double>(stats.events) / stats.wall_s : 0.0;
  std::uint64_t h = kFnvOffset;
  for (const auto* lp : lps) {
    h ^= lp->received();
    h *= kFnvPrime;
    r.remote_to_other += lp->remote_to_other();
  }
  r.fingerprint = h;
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    constexpr std::uint64_t kBytesPerKiB = 1024;
    r.peak_rss_bytes = static_cast<std::uint64_t>(ru.ru_maxrss) * kBytesPerKiB;
  }
  return r;
}

std::string format_line(const PholdConfig& c, const PholdResult& r) {
  return fmt::format(
      "phold lps={} start_events={} end={:g} remote={:g} lookahead={:g} mean={:g} seed={} "
      "threads={} processed={} remote_to_other={} pending_at_end={} run_s={:.4f} "
      "events_per_s={:.1f} fingerprint={:016x} windows={} events_per_window={:.1f} "
      "peak_rss_bytes={}",
      c.lps, c.start_events, c.end, c.remote, c.lookahead, c.mean, c.seed, r.stats.threads,
      r.processed, r.remote_to_other, r.pending, r.run_s, r.events_per_s, r.fingerprint,
      r.stats.windows, r.stats.events_per_window(), r.peak_rss_bytes);
}

std::string format_json(const PholdConfig& c, const PholdResult& r) {
  return fmt::format(
      R"({{"model":"phold","lps":{},"start_events":{},"end":{},"remote":{},"lookahead":{},)"
      R"("mean":{},"seed":{},"threads":{},"processed":{},"remote_to_other":{},)"
      R"("pending_at_end":{},"run_s":{},"events_per_s":{},"fingerprint":"{:016x}",)"
      R"("windows":{},"events_per_window":{},"process_s":{},"deliver_s":{},"peak_rss_bytes":{}}})",
      c.lps, c.start_events, c.end, c.remote, c.lookahead, c.mean, c.seed, r.stats.threads,
      r.processed, r.remote_to_other, r.pending, r.run_s, r.events_per_s, r.fingerprint,
      r.stats.windows, r.stats.events_per_window(), r.stats.process_s, r.stats.deliver_s,
      r.peak_rss_bytes);
}

}  // namespace footprint::bench
