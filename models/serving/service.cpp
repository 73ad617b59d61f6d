#include "models/serving/service.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <optional>
#include <queue>
#include <stdexcept>
#include <utility>

namespace footprint::models {

using engine::SimTime;

namespace {

/// Quantities accumulated per fixed-width bin from time 0: rates spread over a span, and
/// counts at an instant.
class Bins {
 public:
  Bins(SimTime width, std::vector<double>& out) : w_(width.count()), out_(out) {}
  /// `value` (per second) over [a, b).
  void spread(SimTime a, SimTime b, double value) {
    if (b <= a || value == 0) {
      return;
    }
    auto k = static_cast<std::size_t>(a.count() / w_);
    SimTime::rep t = a.count();
    while (t < b.count()) {
      const SimTime::rep edge = std::min(b.count(), (static_cast<SimTime::rep>(k) + 1) * w_);
      at(k) += value * engine::ticks_to_seconds(edge - t);
      t = edge;
      ++k;
    }
  }
  void add(SimTime t, double v) { at(static_cast<std::size_t>(t.count() / w_)) += v; }
  /// One bin per width of [0, end). A count at `end` itself, when it falls on a bin's
  /// edge, belongs to the last bin: the run's last interval ends there.
  void resize(SimTime end) {
    const auto n = static_cast<std::size_t>((end.count() + w_ - 1) / w_);
    if (n > 0 && out_.size() > n) {
      for (std::size_t k = n; k < out_.size(); ++k) {
        out_[n - 1] += out_[k];
      }
      out_.resize(n);
    }
    out_.resize(std::max(out_.size(), n), 0.0);
  }
  [[nodiscard]] std::size_t size() const { return out_.size(); }
  void pad(std::size_t n) { out_.resize(std::max(out_.size(), n), 0.0); }

 private:
  double& at(std::size_t k) {
    if (k >= out_.size()) {
      out_.resize(k + 1, 0.0);
    }
    return out_[k];
  }
  SimTime::rep w_;
  std::vector<double>& out_;
};

struct Live {
  std::int64_t target =
      0;  ///< tokens to prefill: the prompt, or prompt + generated after preemption
  std::int64_t prefilled = 0;  ///< of target
  std::int64_t kv = 0;         ///< KV-cache tokens held
};

struct Replica {
  std::deque<std::uint32_t> waiting;
  std::vector<std::uint32_t> running;  ///< in admission order
  std::int64_t kv_used = 0;
  bool busy = false;
  SimTime busy_since;
  SimTime busy_total;
  // The iteration in flight: who is in it and with how many tokens (prefill chunk, or 1).
  std::vector<std::pair<std::uint32_t, std::int64_t>> batch;
  SimTime start;
  SimTime end;
  IterationCost cost;
};

class ServiceSim {
 public:
  ServiceSim(const ServingModel& model, const ServiceConfig& cfg, const std::vector<Request>& reqs)
      : model_(model),
        cfg_(cfg),
        reqs_(reqs),
        replicas_(static_cast<std::size_t>(cfg.replicas)),
        live_(reqs.size()) {
    if (cfg.replicas < 1 || cfg.reserve < 0) {
      throw std::invalid_argument("a service needs at least 1 replica and a reserve of 0 or more");
    }
    if (cfg.interval.count() <= 0 || cfg.power_bin.count() <= 0 ||
        cfg.interval.count() % cfg.power_bin.count() != 0) {
      throw std::invalid_argument("the power bin must divide the trace interval");
    }
    res_.requests.resize(reqs.size());
    for (std::size_t i = 0; i < reqs.size(); ++i) {
      auto& o = res_.requests[i];
      o.arrival = reqs[i].arrival;
      o.prompt_tokens = reqs[i].prompt_tokens;
      o.output_tokens = reqs[i].output_tokens;
      live_[i].target = reqs[i].prompt_tokens;
      if (i > 0 && reqs[i].arrival < reqs[i - 1].arrival) {
        throw std::invalid_argument("requests must be sorted by arrival");
      }
    }
    res_.kv_capacity_tokens = model.kv_capacity_tokens();
    host_per_replica_ = cfg.host_watts * static_cast<double>(model.devices());
  }

  ServiceResult run() {
    auto& s = res_.series;
    bins_.emplace(SeriesBins{{cfg_.interval, s.arrived},
                             {cfg_.interval, s.finished},
                             {cfg_.interval, s.prompt_tokens},
                             {cfg_.interval, s.output_tokens},
                             {cfg_.interval, s.batch_seconds},
                             {cfg_.interval, s.kv_token_seconds},
                             {cfg_.interval, s.accelerator_joules},
                             {cfg_.interval, s.it_joules},
                             {cfg_.power_bin, res_.power_bins}});
    auto& [arrived, finished, prompt, output, batch, kv, acc, it, power] = *bins_;

    using Ev = std::pair<SimTime::rep, std::uint32_t>;  // (iteration end, replica)
    std::priority_queue<Ev, std::vector<Ev>, std::greater<>> ends;
    std::size_t next = 0;
    SimTime last = SimTime::zero();
    while (true) {
      const SimTime t_end = ends.empty() ? SimTime::max() : SimTime::ticks(ends.top().first);
      const SimTime t_arr = next < reqs_.size() ? reqs_[next].arrival : SimTime::max();
      const SimTime now = std::min(t_end, t_arr);
      if (now == SimTime::max() || now > cfg_.until) {
        break;
      }
      last = now;
      if (t_end <= t_arr) {
        // Iterations end before arrivals at the same instant.
        const auto r = ends.top().second;
        ends.pop();
        complete(r, now);
        if (begin(r, now)) {
          ends.emplace(replicas_[r].end.count(), r);
        }
        continue;
      }
      const auto i = static_cast<std::uint32_t>(next++);
      arrived.add(now, 1.0);
      const auto r = route();
      replicas_[r].waiting.push_back(i);
      res_.requests[i].replica = static_cast<std::int32_t>(r);
      if (!replicas_[r].busy && begin(r, now)) {
        ends.emplace(replicas_[r].end.count(), r);
      }
    }
    // Stop: at the horizon, with what is in flight cut there; else at the last event.
    const SimTime stop = cfg_.until != SimTime::max() ? cfg_.until : last;
    for (std::uint32_t r = 0; r < replicas_.size(); ++r) {
      auto& rep = replicas_[r];
      if (rep.busy) {
        account(r, rep.start, std::min(rep.end, stop));
        rep.busy_total += std::min(rep.end, stop) - rep.start;
      }
    }
    res_.end = stop;
    // Idle serving replicas and the reserve, at idle with their hosts.
    const double idle_acc = model_.idle_watts();
    const double idle_w = idle_acc + host_per_replica_;
    const double span_s = stop.to_seconds();
    for (const auto& rep : replicas_) {
      const double idle_s = span_s - rep.busy_total.to_seconds();
      res_.idle_joules += idle_w * idle_s;
      res_.idle_accelerator_joules += idle_acc * idle_s;
    }
    const double reserve = static_cast<double>(cfg_.reserve);
    res_.reserve_joules = reserve * idle_w * span_s;
    res_.idle_accelerator_joules += reserve * idle_acc * span_s;
    // Every device at idle over the whole span; iterations added what they draw above it.
    const double all_idle_w = idle_w * static_cast<double>(cfg_.replicas + cfg_.reserve);
    power.spread(SimTime::zero(), stop, all_idle_w);
    acc.spread(SimTime::zero(), stop, idle_acc * static_cast<double>(cfg_.replicas + cfg_.reserve));
    it.spread(SimTime::zero(), stop, all_idle_w);
    for (auto* b : {&arrived, &finished, &prompt, &output, &batch, &kv, &acc, &it, &power}) {
      b->resize(stop);
    }
    // A run stopped at 0 with an arrival at 0: the series all as long as the longest.
    std::size_t intervals = 0;
    for (auto* b : {&arrived, &finished, &prompt, &output, &batch, &kv, &acc, &it}) {
      intervals = std::max(intervals, b->size());
    }
    for (auto* b : {&arrived, &finished, &prompt, &output, &batch, &kv, &acc, &it}) {
      b->pad(intervals);
    }
    // Power bins hold joules so far: mean watts per bin.
    const double bin_s = cfg_.power_bin.to_seconds();
    for (auto& p : res_.power_bins) {
      p /= bin_s;
    }
    return std::move(res_);
  }

 private:
  std::uint32_t route() const {
    std::uint32_t best = 0;
    std::size_t load = SIZE_MAX;
    for (std::uint32_t r = 0; r < replicas_.size(); ++r) {
      const auto l = replicas_[r].running.size() + replicas_[r].waiting.size();
      if (l < load) {
        load = l;
        best = r;
      }
    }
    return best;
  }

  /// Frees request i's KV cache and takes it out of the running set (by value).
  void preempt(Replica& rep, std::size_t pos) {
    const auto i = rep.running[pos];
    auto& l = live_[i];
    rep.kv_used -= l.kv;
    l.kv = 0;
    l.prefilled = 0;
    l.target = reqs_[i].prompt_tokens + res_.requests[i].generated;
    rep.running.erase(rep.running.begin() + static_cast<std::ptrdiff_t>(pos));
    rep.waiting.push_front(i);
    ++res_.requests[i].preemptions;
    ++res_.preemptions;
  }

  /// Forms replica r's next iteration at `now`; false when it has nothing to do.
  bool begin(std::uint32_t r, SimTime now) {
    auto& rep = replicas_[r];
    rep.batch.clear();
    const std::int64_t cap = model_.kv_capacity_tokens();
    std::int64_t budget = model_.spec().max_batch_tokens;
    IterationLoad load;
    // Running requests first, in admission order: a decode token each, or the next chunk
    // of a prefill. A full cache preempts the latest admitted (possibly this one).
    for (std::size_t pos = 0; pos < rep.running.size() && budget > 0;) {
      const auto i = rep.running[pos];
      auto& l = live_[i];
      const bool decode = l.prefilled >= l.target;
      const std::int64_t need = decode ? 1 : std::min(l.target - l.prefilled, budget);
      while (rep.kv_used + need > cap && rep.running.size() > pos + 1) {
        preempt(rep, rep.running.size() - 1);
      }
      if (rep.kv_used + need > cap) {
        preempt(rep, pos);
        continue;
      }
      rep.kv_used += need;
      add_to_load(load, l, need, decode);
      l.kv += need;
      rep.batch.emplace_back(i, need);
      budget -= need;
      ++pos;
    }
    // Then new (or preempted) requests while the batch, the budget and the cache have room.
    while (!rep.waiting.empty() && budget > 0 &&
           static_cast<std::int64_t>(rep.running.size()) < model_.spec().max_batch) {
      const auto i = rep.waiting.front();
      auto& l = live_[i];
      const std::int64_t need = std::min(l.target - l.prefilled, budget);
      if (rep.kv_used + need > cap) {
        break;
      }
      rep.waiting.pop_front();
      rep.running.push_back(i);
      rep.kv_used += need;
      add_to_load(load, l, need, false);
      l.kv += need;
      rep.batch.emplace_back(i, need);
      budget -= need;
    }
    if (rep.batch.empty()) {
      rep.busy = false;
      return false;
    }
    rep.cost = model_.cost(load);
    rep.start = now;
    rep.end =
        now +
        SimTime::ticks(std::max<SimTime::rep>(
            1, std::llround(rep.cost.seconds * static_cast<double>(SimTime::kTicksPerSecond))));
    rep.busy = true;
    ++res_.iterations;
    return true;
  }

  void add_to_load(IterationLoad& load, const Live& l, std::int64_t need, bool decode) const {
    if (decode) {
      ++load.decode_tokens;
      load.decode_context += static_cast<double>(l.kv);
      return;
    }
    const double c = static_cast<double>(l.kv);
    const double n = static_cast<double>(need);
    load.prefill_tokens += need;
    load.prefill_context += c * n + n * (n + 1) / 2;
    if (l.prefilled + need >= l.target) {
      ++load.prefill_last;
    }
  }

  /// Energy and series of replica r's iteration over [a, b) (b < its end when cut short).
  void account(std::uint32_t r, SimTime a, SimTime b) {
    auto& rep = replicas_[r];
    const double full = (rep.end - rep.start).to_seconds();
    const double frac = full > 0 ? (b - a).to_seconds() / full : 0.0;
    const double dur = (b - a).to_seconds();
    const double acc_j = rep.cost.accelerator_joules * frac;
    const double host_j = host_per_replica_ * dur;
    res_.accelerator_joules += acc_j;
    res_.host_joules += host_j;
    std::int64_t tokens = 0;
    for (const auto& [i, n] : rep.batch) {
      tokens += n;
    }
    for (const auto& [i, n] : rep.batch) {
      const double share = static_cast<double>(n) / static_cast<double>(tokens);
      res_.requests[i].accelerator_joules += acc_j * share;
      res_.requests[i].it_joules += (acc_j + host_j) * share;
    }
    if (dur > 0) {
      // Above the idle draw that run() spreads over the whole span.
      const double extra = (acc_j + host_j) / dur - model_.idle_watts() - host_per_replica_;
      bins_->power.spread(a, b, extra);
      bins_->acc.spread(a, b, acc_j / dur - model_.idle_watts());
      bins_->it.spread(a, b, extra);
      bins_->batch.spread(a, b, static_cast<double>(rep.batch.size()));
      bins_->kv.spread(a, b, static_cast<double>(rep.kv_used));
    }
  }

  /// Replica r's iteration ends at `now`.
  void complete(std::uint32_t r, SimTime now) {
    auto& rep = replicas_[r];
    account(r, rep.start, rep.end);
    rep.busy_total += rep.end - rep.start;
    rep.busy = false;
    for (const auto& [i, n] : rep.batch) {
      auto& l = live_[i];
      auto& o = res_.requests[i];
      const bool was_prefill = l.prefilled < l.target;
      if (was_prefill) {
        l.prefilled += n;
        bins_->prompt.add(now, static_cast<double>(n));
        if (l.prefilled < l.target) {
          continue;  // more chunks to come
        }
      }
      ++o.generated;
      bins_->output.add(now, 1.0);
      if (o.generated == 1) {
        o.first_token = now;
      }
      if (o.generated >= o.output_tokens) {
        o.end = now;
        bins_->finished.add(now, 1.0);
        rep.kv_used -= l.kv;
        l.kv = 0;
        rep.running.erase(std::find(rep.running.begin(), rep.running.end(), i));
      }
    }
    rep.batch.clear();
  }

  const ServingModel& model_;
  const ServiceConfig& cfg_;
  const std::vector<Request>& reqs_;
  std::vector<Replica> replicas_;
  std::vector<Live> live_;
  ServiceResult res_;
  double host_per_replica_ = 0;
  /// The per-interval series and the power bins, while run() runs.
  struct SeriesBins {
    Bins arrived, finished, prompt, output, batch, kv, acc, it, power;
  };
  std::optional<SeriesBins> bins_;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  // Nearest rank: the smallest value with at least p of the values at or below it.
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  const std::size_t k = std::clamp<std::size_t>(rank, 1, v.size()) - 1;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

ServiceResult simulate_service(const ServingModel& model, const ServiceConfig& config,
                               const std::vector<Request>& requests) {
  ServiceSim sim(model, config, requests);
  return sim.run();
}

LatencySummary summarise_latency(const std::vector<RequestOutcome>& requests,
                                 std::optional<double> slo_ttft_s,
                                 std::optional<double> slo_tpot_s) {
  LatencySummary s;
  std::vector<double> ttft;
  std::vector<double> tpot;
  std::int64_t good = 0;
  for (const auto& r : requests) {
    if (!r.finished()) {
      continue;
    }
    ++s.finished;
    const double first = (r.first_token - r.arrival).to_seconds();
    ttft.push_back(first);
    double per_token = 0;
    if (r.output_tokens > 1) {
      per_token = (r.end - r.first_token).to_seconds() / static_cast<double>(r.output_tokens - 1);
      tpot.push_back(per_token);
    }
    if ((!slo_ttft_s || first <= *slo_ttft_s) && (!slo_tpot_s || per_token <= *slo_tpot_s)) {
      ++good;
    }
  }
  constexpr double kP50 = 0.50;
  constexpr double kP90 = 0.90;
  constexpr double kP99 = 0.99;
  s.ttft_p50 = percentile(ttft, kP50);
  s.ttft_p90 = percentile(ttft, kP90);
  s.ttft_p99 = percentile(ttft, kP99);
  s.tpot_p50 = percentile(tpot, kP50);
  s.tpot_p90 = percentile(tpot, kP90);
  s.tpot_p99 = percentile(tpot, kP99);
  if (slo_ttft_s || slo_tpot_s) {
    s.goodput =
        requests.empty() ? 0.0 : static_cast<double>(good) / static_cast<double>(requests.size());
  }
  return s;
}

}  // namespace footprint::models
