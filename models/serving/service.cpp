#include "models/serving/service.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <limits>
#include <optional>
#include <queue>
#include <set>
#include <stdexcept>
#include <utility>

#include "models/grid/carbon.hpp"

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

/// A finished request's TTFT and TPOT (with 2 output tokens or more) into `t`'s lists, and
/// whether it met both objectives (a missing objective always holds).
void add_latency(RequestTotals& t, const RequestOutcome& o, std::optional<double> slo_ttft_s,
                 std::optional<double> slo_tpot_s) {
  const double first = (o.first_token - o.arrival).to_seconds();
  t.ttft_s.push_back(first);
  double per_token = 0;
  if (o.output_tokens > 1) {
    per_token = (o.end - o.first_token).to_seconds() / static_cast<double>(o.output_tokens - 1);
    t.tpot_s.push_back(per_token);
  }
  if ((!slo_ttft_s || first <= *slo_ttft_s) && (!slo_tpot_s || per_token <= *slo_tpot_s)) {
    ++t.good;
  }
}

struct Live {
  std::int64_t target =
      0;  ///< tokens to prefill: the prompt, or prompt + generated after preemption
  std::int64_t prefilled = 0;  ///< of target
  std::int64_t kv = 0;         ///< KV-cache tokens held
  /// Admission::kWholeSequence: the cache tokens reserved for its whole sequence.
  std::int64_t reserved = 0;
};

/// A replica serves (active), is loading its model (starting), finishes what it holds
/// before parking (draining), or is parked (scaled in).
enum class State : std::uint8_t { kActive, kStarting, kDraining, kParked };
/// Co-located (both phases), or one pool of a disaggregated service.
enum class Role : std::uint8_t { kBoth, kPrefill, kDecode };

struct Replica {
  std::deque<std::uint32_t> waiting;
  std::vector<std::uint32_t> running;  ///< in admission order
  std::int64_t kv_used = 0;
  std::int64_t kv_reserved = 0;  ///< Admission::kWholeSequence: the running requests' sum
  std::int64_t inbound = 0;      ///< routed here, still on the network
  bool busy = false;
  SimTime busy_total;
  // The iteration in flight: who is in it and with how many tokens (prefill chunk, or 1).
  std::vector<std::pair<std::uint32_t, std::int64_t>> batch;
  SimTime start;
  SimTime end;
  IterationCost cost;
  /// A decode segment (Fidelity::kRequest): `seg_k` iterations of `seg_tau` ticks each,
  /// each costing `seg_unit`; seg_k = 1 for a single iteration.
  std::int64_t seg_k = 1;
  SimTime::rep seg_tau = 0;
  IterationCost seg_unit;
  std::uint32_t site = 0;
  State state = State::kActive;
  Role role = Role::kBoth;
  SimTime since;  ///< when it last parked or woke
  SimTime parked_total;
  [[nodiscard]] std::size_t held() const {
    return running.size() + waiting.size() + static_cast<std::size_t>(inbound);
  }
};

struct Site {
  SiteConfig cfg;
  std::uint32_t first = 0;  ///< its replicas: [first, first + cfg.replicas)
  double host_per_replica = 0;
  double idle_w = 0;        ///< an awake idle replica, accelerators and hosts
  double parked_w = 0;      ///< a parked replica
  double parked_acc_w = 0;  ///< of which the accelerators
  double window_batch = 0;  ///< sequence-seconds in iterations since the last window
  /// The serving (active) replicas by (requests held, index): the least loaded first. Pool
  /// 0 takes arrivals (co-located or prefill replicas), pool 1 the decode replicas.
  std::array<std::set<std::pair<std::size_t, std::uint32_t>>, 2> pools;
};

class ServiceSim {
 public:
  ServiceSim(const ServingModel& model, const ServiceConfig& cfg, RequestSource& source)
      : model_(model), cfg_(cfg), source_(source) {
    std::vector<SiteConfig> sites = cfg.sites;
    if (sites.empty()) {
      sites.push_back({cfg.replicas, cfg.reserve, cfg.host_watts, 0.0, SimTime::zero(), nullptr});
      sites.back().parked_watts =
          (model.idle_watts() / static_cast<double>(model.devices()) + cfg.host_watts);
    }
    if (cfg.interval.count() <= 0 || cfg.power_bin.count() <= 0 ||
        cfg.interval.count() % cfg.power_bin.count() != 0) {
      throw std::invalid_argument("the power bin must divide the trace interval");
    }
    if (cfg.disaggregated) {
      const auto& g = *cfg.disaggregated;
      if (g.prefill < 1 || g.decode < 1 || sites.size() != 1 || cfg.autoscale) {
        throw std::invalid_argument(
            "disaggregated serving needs one datacenter, at least 1 prefill and 1 decode "
            "replica, and no autoscaling");
      }
      sites.front().replicas = g.prefill + g.decode;
    }
    if (cfg.autoscale) {
      const auto& a = *cfg.autoscale;
      if (a.min < 1 || a.max < a.min || !(a.target > 0) || a.window.count() <= 0 ||
          a.startup < SimTime::zero()) {
        throw std::invalid_argument(
            "autoscale needs 1 <= min <= max, a target > 0, a window > 0 and a startup >= 0");
      }
    }
    const double devices = static_cast<double>(model.devices());
    for (const auto& sc : sites) {
      if (sc.replicas < 1 || sc.reserve < 0) {
        throw std::invalid_argument(
            "a service needs at least 1 replica and a reserve of 0 or more at each site");
      }
      if (cfg.routing == Routing::kLowestCarbon && sites.size() > 1 && sc.carbon == nullptr) {
        throw std::invalid_argument("lowest-carbon routing needs each site's carbon signal");
      }
      Site site;
      site.cfg = sc;
      site.first = static_cast<std::uint32_t>(replicas_.size());
      site.host_per_replica = sc.host_watts * devices;
      site.idle_w = model.idle_watts() + site.host_per_replica;
      site.parked_w = sc.parked_watts * devices;
      site.parked_acc_w = std::min(site.parked_w, model.idle_watts());
      const auto sid = static_cast<std::uint32_t>(sites_.size());
      const std::int64_t awake =
          cfg.autoscale ? std::min(cfg.autoscale->min, sc.replicas) : sc.replicas;
      for (std::int64_t k = 0; k < sc.replicas; ++k) {
        Replica r;
        r.site = sid;
        r.state = k < awake ? State::kActive : State::kParked;
        if (cfg.disaggregated) {
          r.role = k < cfg.disaggregated->prefill ? Role::kPrefill : Role::kDecode;
        }
        replicas_.push_back(std::move(r));
      }
      sites_.push_back(site);
      res_.sites.emplace_back();
      if (cfg.autoscale) {
        res_.sites.back().parked.emplace_back(SimTime::zero(), sc.replicas - awake);
      }
      for (auto r = site.first; r < static_cast<std::uint32_t>(replicas_.size()); ++r) {
        enter(r);
      }
    }
    if (cfg.streaming && cfg.streaming->row_stride < 1) {
      throw std::invalid_argument("a streamed service keeps every n-th row: n >= 1");
    }
    pending_ = source_.next();
    carbon_cache_.resize(sites_.size());
    res_.kv_capacity_tokens = model.kv_capacity_tokens();
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
                             {cfg_.interval, s.replica_seconds},
                             {}});
    auto& [arrived, finished, prompt, output, batch, kv, acc, it, awake, power] = *bins_;
    for (auto& sr : res_.sites) {
      power.emplace_back(cfg_.power_bin, sr.power_bins);
    }

    using Ev = std::pair<SimTime::rep, std::uint32_t>;  // (time, replica or request)
    using MinHeap = std::priority_queue<Ev, std::vector<Ev>, std::greater<>>;
    MinHeap ends;        // iterations ending
    MinHeap ready;       // replicas done starting
    MinHeap deliveries;  // requests reaching their site (request index; replica in live)
    const SimTime window = cfg_.autoscale ? cfg_.autoscale->window : SimTime::max();
    SimTime next_tick = window;
    SimTime last = SimTime::zero();
    const auto top = [](const MinHeap& h) {
      return h.empty() ? SimTime::max() : SimTime::ticks(h.top().first);
    };
    while (true) {
      const SimTime t_end = top(ends);
      const SimTime t_ready = top(ready);
      const SimTime t_del = top(deliveries);
      const SimTime t_arr = pending_ ? pending_->arrival : SimTime::max();
      // Autoscaling ticks only while anything else is still to come.
      SimTime soonest = std::min({t_end, t_ready, t_del, t_arr});
      const bool tick = next_tick <= soonest && soonest != SimTime::max();
      const SimTime now = tick ? next_tick : soonest;
      if (now == SimTime::max() || now > cfg_.until) {
        break;
      }
      last = std::max(last, now);
      // At one instant: iterations end, replicas become ready, the autoscaler looks,
      // requests reach their sites, then new requests arrive.
      if (t_end == now && !tick) {
        const auto r = ends.top().second;
        ends.pop();
        if (!replicas_[r].busy || replicas_[r].end != now) {
          continue;  // a segment cut short ends earlier: this end no longer holds
        }
        const auto before = replicas_[r].held();
        complete(r, now);
        reposition(r, before);
        for (const auto& h : handoffs_) {
          deliveries.push(h);
        }
        handoffs_.clear();
        if (begin(r, now)) {
          ends.emplace(replicas_[r].end.count(), r);
        } else {
          maybe_park(r, now);
        }
        continue;
      }
      if (t_ready == now && !tick) {
        const auto r = ready.top().second;
        ready.pop();
        if (replicas_[r].state == State::kStarting) {
          replicas_[r].state = State::kActive;
          enter(r);
        }
        continue;
      }
      if (tick) {
        scale(now, ready);
        next_tick = now + window;
        continue;
      }
      if (t_del == now) {
        const auto i = deliveries.top().second;
        deliveries.pop();
        const auto r = static_cast<std::uint32_t>(outs_[i].replica);
        --replicas_[r].inbound;
        deliver(r, i, now, ends);
        continue;
      }
      const auto i = admit(*pending_);
      pending_ = source_.next();
      if (pending_ && pending_->arrival < now) {
        throw std::invalid_argument("requests must be sorted by arrival");
      }
      arrived.add(now, 1.0);
      const auto r = route(now);
      auto& o = outs_[i];
      o.replica = static_cast<std::int32_t>(r);
      o.site = static_cast<std::int32_t>(replicas_[r].site);
      ++res_.sites[replicas_[r].site].requests;
      const SimTime lat = sites_[replicas_[r].site].cfg.latency;
      leave(r);
      if (lat == SimTime::zero()) {
        deliver(r, i, now, ends);
      } else {
        ++replicas_[r].inbound;
        deliveries.emplace((now + lat).count(), i);
      }
      enter(r);
    }
    // Requests the horizon leaves unstarted are accepted and unfinished.
    while (pending_) {
      (void)admit(*pending_);
      pending_ = source_.next();
    }
    // Stop: at the horizon, with what is in flight cut there; else at the last event.
    const SimTime stop = cfg_.until != SimTime::max() ? cfg_.until : last;
    for (std::uint32_t r = 0; r < replicas_.size(); ++r) {
      auto& rep = replicas_[r];
      if (rep.busy) {
        account(r, rep.start, std::min(rep.end, stop));
        rep.busy_total += std::min(rep.end, stop) - rep.start;
      }
      if (rep.state == State::kParked) {
        parked_until(r, stop);
      } else {
        awake.spread(std::min(rep.since, stop), stop, 1.0);
        res_.sites[rep.site].replica_seconds += (stop - std::min(rep.since, stop)).to_seconds();
      }
    }
    res_.end = stop;
    if (cfg_.streaming) {
      // What is still in flight at the stop, then the rows in arrival order.
      std::vector<std::uint32_t> open;
      std::vector<bool> freed(outs_.size(), false);
      for (const auto f : free_) {
        freed[f] = true;
      }
      for (std::uint32_t i = 0; i < outs_.size(); ++i) {
        if (!freed[i]) {
          open.push_back(i);
        }
      }
      std::sort(open.begin(), open.end(),
                [&](std::uint32_t a, std::uint32_t b) { return index_[a] < index_[b]; });
      for (const auto i : open) {
        retire(i);
      }
      std::sort(rows_.begin(), rows_.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      res_.requests.reserve(rows_.size());
      for (auto& [k, o] : rows_) {
        res_.requests.push_back(o);
      }
      res_.streamed = true;
    } else {
      for (const auto& o : outs_) {
        fold(o);
      }
      res_.requests = std::move(outs_);
    }
    // Idle serving replicas and the reserve, at idle with their hosts (parked ones at
    // their parked draw: parked_until() spread the difference).
    const double idle_acc = model_.idle_watts();
    const double span_s = stop.to_seconds();
    for (const auto& rep : replicas_) {
      const auto& site = sites_[rep.site];
      auto& sr = res_.sites[rep.site];
      const double parked_s = rep.parked_total.to_seconds();
      const double idle_s = span_s - rep.busy_total.to_seconds() - parked_s;
      sr.idle_joules += site.idle_w * idle_s + site.parked_w * parked_s;
      sr.parked_replica_seconds += parked_s;
      sr.idle_accelerator_joules += idle_acc * idle_s + site.parked_acc_w * parked_s;
    }
    for (std::size_t k = 0; k < sites_.size(); ++k) {
      const auto& site = sites_[k];
      auto& sr = res_.sites[k];
      const double reserve = static_cast<double>(site.cfg.reserve);
      sr.reserve_joules = reserve * site.idle_w * span_s;
      sr.idle_accelerator_joules += reserve * idle_acc * span_s;
      // Every device at idle over the whole span; iterations and parking added the rest.
      const double all = static_cast<double>(site.cfg.replicas + site.cfg.reserve);
      power[k].spread(SimTime::zero(), stop, site.idle_w * all);
      acc.spread(SimTime::zero(), stop, idle_acc * all);
      it.spread(SimTime::zero(), stop, site.idle_w * all);
      res_.accelerator_joules += sr.accelerator_joules;
      res_.host_joules += sr.host_joules;
      res_.idle_joules += sr.idle_joules;
      res_.reserve_joules += sr.reserve_joules;
      res_.idle_accelerator_joules += sr.idle_accelerator_joules;
    }
    for (auto* b : {&arrived, &finished, &prompt, &output, &batch, &kv, &acc, &it, &awake}) {
      b->resize(stop);
    }
    // A run stopped at 0 with an arrival at 0: the series all as long as the longest.
    std::size_t intervals = 0;
    for (auto* b : {&arrived, &finished, &prompt, &output, &batch, &kv, &acc, &it, &awake}) {
      intervals = std::max(intervals, b->size());
    }
    for (auto* b : {&arrived, &finished, &prompt, &output, &batch, &kv, &acc, &it, &awake}) {
      b->pad(intervals);
    }
    // Power bins hold joules so far: mean watts per bin; the service's are the sites' sum.
    const double bin_s = cfg_.power_bin.to_seconds();
    for (std::size_t k = 0; k < sites_.size(); ++k) {
      power[k].resize(stop);
      auto& bins = res_.sites[k].power_bins;
      for (auto& p : bins) {
        p /= bin_s;
      }
      res_.power_bins.resize(std::max(res_.power_bins.size(), bins.size()), 0.0);
      for (std::size_t j = 0; j < bins.size(); ++j) {
        res_.power_bins[j] += bins[j];
      }
    }
    return std::move(res_);
  }

 private:
  /// Request i reaches replica r at `now` (a draining one still takes what was sent).
  void deliver(std::uint32_t r, std::uint32_t i, SimTime now,
               std::priority_queue<std::pair<SimTime::rep, std::uint32_t>,
                                   std::vector<std::pair<SimTime::rep, std::uint32_t>>,
                                   std::greater<>>& ends) {
    auto& rep = replicas_[r];
    rep.waiting.push_back(i);
    if (!rep.busy && begin(r, now)) {
      ends.emplace(rep.end.count(), r);
    } else if (rep.busy && rep.seg_k > 1 && admits_waiting(rep) && cut(r, now)) {
      ends.emplace(rep.end.count(), r);
    }
  }

  /// No request can join the batch before one of its requests ends.
  [[nodiscard]] bool full(const Replica& rep) const {
    return static_cast<std::int64_t>(rep.running.size()) >= model_.spec().max_batch;
  }

  /// Admission::kWholeSequence: the cache request i reserves on `rep`, its whole sequence
  /// (its prompt and first token on a disaggregated prefill replica), at most the whole
  /// cache: a request longer than the cache runs alone, and may still preempt.
  [[nodiscard]] std::int64_t reservation(const Replica& rep, std::uint32_t i) const {
    const auto& o = outs_[i];
    const std::int64_t tokens =
        o.prompt_tokens + (rep.role == Role::kPrefill ? 1 : o.output_tokens);
    return std::min(tokens, model_.kv_capacity_tokens());
  }
  /// Whether the reservation of request i fits beside the running requests' (always, under
  /// Admission::kPrompt).
  [[nodiscard]] bool reservation_fits(const Replica& rep, std::uint32_t i) const {
    return model_.spec().admission == Admission::kPrompt ||
           rep.kv_reserved + reservation(rep, i) <= model_.kv_capacity_tokens();
  }
  /// The first waiting request could join the batch at the next iteration boundary.
  [[nodiscard]] bool admits_waiting(const Replica& rep) const {
    return !rep.waiting.empty() && !full(rep) && reservation_fits(rep, rep.waiting.front());
  }
  void reserve(Replica& rep, std::uint32_t i) {
    if (model_.spec().admission == Admission::kWholeSequence) {
      lives_[i].reserved = reservation(rep, i);
      rep.kv_reserved += lives_[i].reserved;
    }
  }
  void release(Replica& rep, std::uint32_t i) {
    rep.kv_reserved -= lives_[i].reserved;
    lives_[i].reserved = 0;
  }

  /// Ends replica r's decode segment at its first iteration boundary after `now` (where
  /// an iteration would have admitted the newcomer); true when that moves its end.
  bool cut(std::uint32_t r, SimTime now) {
    auto& rep = replicas_[r];
    const SimTime::rep done = (now - rep.start).count();
    const std::int64_t j = std::max<std::int64_t>(1, (done + rep.seg_tau - 1) / rep.seg_tau);
    if (j >= rep.seg_k) {
      return false;
    }
    const std::int64_t drop = rep.seg_k - j;
    for (auto& [i, n] : rep.batch) {
      lives_[i].kv -= drop;
      rep.kv_used -= drop;
      n = j;
    }
    res_.iterations -= drop;
    rep.seg_k = j;
    rep.cost.seconds = rep.seg_unit.seconds * static_cast<double>(j);
    rep.cost.accelerator_joules = rep.seg_unit.accelerator_joules * static_cast<double>(j);
    rep.end = rep.start + SimTime::ticks(rep.seg_tau * j);
    return true;
  }

  /// Fidelity::kRequest: replica r's next work as one decode segment, when it only decodes
  /// (nothing waiting that could join, every running request past its prompt, the cache
  /// and the token budget room for the segment); false to form an exact iteration instead.
  bool segment(std::uint32_t r, SimTime now) {
    auto& rep = replicas_[r];
    if (admits_waiting(rep) || rep.running.empty() ||
        static_cast<std::int64_t>(rep.running.size()) > model_.spec().max_batch_tokens) {
      return false;
    }
    std::int64_t k = std::numeric_limits<std::int64_t>::max();
    double context = 0;
    for (const auto i : rep.running) {
      const auto& l = lives_[i];
      if (l.prefilled < l.target) {
        return false;
      }
      const auto& o = outs_[i];
      k = std::min(k, o.output_tokens - o.generated);
      context += static_cast<double>(l.kv);
    }
    const auto b = static_cast<std::int64_t>(rep.running.size());
    k = std::min(k, (model_.kv_capacity_tokens() - rep.kv_used) / b);
    if (k < 2) {
      return false;
    }
    // The middle iteration's cost: the context grows by b per iteration.
    IterationLoad load;
    load.decode_tokens = b;
    load.decode_context = context + static_cast<double>(b) * static_cast<double>(k - 1) / 2.0;
    rep.seg_unit = model_.cost(load);
    rep.seg_tau = std::max<SimTime::rep>(
        1, std::llround(rep.seg_unit.seconds * static_cast<double>(SimTime::kTicksPerSecond)));
    rep.seg_k = k;
    rep.batch.clear();
    for (const auto i : rep.running) {
      rep.batch.emplace_back(i, k);
      lives_[i].kv += k;
    }
    rep.kv_used += b * k;
    rep.cost.seconds = rep.seg_unit.seconds * static_cast<double>(k);
    rep.cost.accelerator_joules = rep.seg_unit.accelerator_joules * static_cast<double>(k);
    rep.start = now;
    rep.end = now + SimTime::ticks(rep.seg_tau * k);
    rep.busy = true;
    res_.iterations += k;
    ++res_.scheduled;
    return true;
  }

  [[nodiscard]] bool takes(const Replica& rep) const { return rep.state == State::kActive; }

  /// The least-loaded replica of site k that takes requests (lowest index on ties), and
  /// its load; {UINT32_MAX, SIZE_MAX} when none does.
  [[nodiscard]] std::pair<std::uint32_t, std::size_t> least_loaded(
      std::size_t k, Role skip = Role::kDecode) const {
    const auto& pool = sites_[k].pools[skip == Role::kPrefill ? 1 : 0];
    if (pool.empty()) {
      return {UINT32_MAX, SIZE_MAX};
    }
    return {pool.begin()->second, pool.begin()->first};
  }

  [[nodiscard]] static std::size_t pool_of(const Replica& rep) {
    return rep.role == Role::kDecode ? 1 : 0;
  }
  /// A serving replica joins its pool at its load; leave() takes it out before its load or
  /// its state changes (a replica not serving is in no pool).
  void enter(std::uint32_t r) {
    const auto& rep = replicas_[r];
    if (takes(rep)) {
      sites_[rep.site].pools[pool_of(rep)].emplace(rep.held(), r);
    }
  }
  /// Replica r's load changed from `before` (its state did not): its place in its pool.
  void reposition(std::uint32_t r, std::size_t before) {
    const auto& rep = replicas_[r];
    if (takes(rep) && rep.held() != before) {
      auto& pool = sites_[rep.site].pools[pool_of(rep)];
      pool.erase({before, r});
      pool.emplace(rep.held(), r);
    }
  }
  void leave(std::uint32_t r) {
    const auto& rep = replicas_[r];
    if (takes(rep)) {
      sites_[rep.site].pools[pool_of(rep)].erase({rep.held(), r});
    }
  }

  /// Site k's location-based intensity at `now`, read from its grid once per step of it.
  double intensity(std::size_t k, SimTime now) const {
    auto& c = carbon_cache_[k];
    if (now < c.from || now >= c.until) {
      const auto* grid = sites_[k].cfg.carbon;
      c.value = grid->at(now).location.si();
      c.from = now;
      c.until = grid->next_change(now);
    }
    return c.value;
  }

  std::uint32_t route(SimTime now) const {
    if (sites_.size() == 1) {
      return least_loaded(0).first;
    }
    // Candidates: the sites within the budget (the nearest always).
    SimTime nearest = SimTime::max();
    for (const auto& site : sites_) {
      nearest = std::min(nearest, site.cfg.latency);
    }
    auto& order = order_;  // scratch, kept between calls
    order.clear();
    for (std::size_t k = 0; k < sites_.size(); ++k) {
      if (sites_[k].cfg.latency <= std::max(nearest, cfg_.latency_budget)) {
        order.push_back(k);
      }
    }
    auto& key = key_;
    key.assign(sites_.size(), 0.0);
    if (cfg_.routing == Routing::kLowestCarbon) {
      for (const auto k : order) {
        key[k] = intensity(k, now);
      }
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      if (key[a] != key[b]) {
        return key[a] < key[b];
      }
      return sites_[a].cfg.latency < sites_[b].cfg.latency;
    });
    const auto max_batch = static_cast<std::size_t>(model_.spec().max_batch);
    for (const auto k : order) {
      const auto [r, load] = least_loaded(k);
      if (r != UINT32_MAX && load < max_batch) {
        return r;
      }
    }
    // No room within the budget: the least loaded there, by requests held per replica.
    std::uint32_t best = UINT32_MAX;
    double best_ratio = std::numeric_limits<double>::infinity();
    for (const auto k : order) {
      const auto [r, load] = least_loaded(k);
      const double ratio = static_cast<double>(load);
      if (r != UINT32_MAX && ratio < best_ratio) {
        best_ratio = ratio;
        best = r;
      }
    }
    if (best == UINT32_MAX) {
      // Every replica within the budget is starting or draining: the nearest site's first
      // awake one.
      for (const auto k : order) {
        for (std::uint32_t r = sites_[k].first;
             r < sites_[k].first + static_cast<std::uint32_t>(sites_[k].cfg.replicas); ++r) {
          if (replicas_[r].state != State::kParked) {
            return r;
          }
        }
      }
      return sites_[order.front()].first;
    }
    return best;
  }

  /// The autoscaler's look at `now`: each site's replicas to desired.
  template <class Heap>
  void scale(SimTime now, Heap& ready) {
    const auto& a = *cfg_.autoscale;
    const double max_batch = static_cast<double>(model_.spec().max_batch);
    constexpr double kTolerance = 0.1;  // Kubernetes HPA's default
    for (std::size_t k = 0; k < sites_.size(); ++k) {
      auto& site = sites_[k];
      const auto first = site.first;
      const auto last = first + static_cast<std::uint32_t>(site.cfg.replicas);
      std::int64_t active = 0;
      std::int64_t starting = 0;
      for (auto r = first; r < last; ++r) {
        active += replicas_[r].state == State::kActive ? 1 : 0;
        starting += replicas_[r].state == State::kStarting ? 1 : 0;
      }
      const double occupancy =
          site.window_batch / (a.window.to_seconds() * max_batch *
                               static_cast<double>(std::max<std::int64_t>(1, active)));
      site.window_batch = 0;
      const std::int64_t current = active + starting;
      const double ratio = occupancy / a.target;
      if (std::abs(ratio - 1) <= kTolerance) {
        continue;
      }
      const std::int64_t hi = std::min(a.max, site.cfg.replicas);
      const std::int64_t desired = std::clamp<std::int64_t>(
          static_cast<std::int64_t>(std::ceil(static_cast<double>(current) * ratio)),
          std::min(a.min, hi), hi);
      auto& sr = res_.sites[k];
      for (std::int64_t need = desired - current; need > 0; --need) {
        // Draining replicas first (they are loaded), then parked ones (they start).
        std::uint32_t pick = UINT32_MAX;
        for (auto r = first; r < last && pick == UINT32_MAX; ++r) {
          if (replicas_[r].state == State::kDraining) {
            pick = r;
          }
        }
        if (pick != UINT32_MAX) {
          replicas_[pick].state = State::kActive;
          enter(pick);
          continue;
        }
        for (auto r = first; r < last && pick == UINT32_MAX; ++r) {
          if (replicas_[r].state == State::kParked) {
            pick = r;
          }
        }
        if (pick == UINT32_MAX) {
          break;
        }
        wake(pick, now);
        replicas_[pick].state = State::kStarting;
        ready.emplace((now + a.startup).count(), pick);
        ++sr.scale_ups;
      }
      for (std::int64_t excess = current - desired; excess > 0 && active > 1; --excess) {
        // The active replica holding least (the highest index on ties) drains.
        std::uint32_t pick = UINT32_MAX;
        std::size_t load = SIZE_MAX;
        for (auto r = first; r < last; ++r) {
          if (replicas_[r].state == State::kActive && replicas_[r].held() <= load) {
            load = replicas_[r].held();
            pick = r;
          }
        }
        if (pick == UINT32_MAX) {
          break;
        }
        leave(pick);
        replicas_[pick].state = State::kDraining;
        --active;
        ++sr.scale_downs;
        maybe_park(pick, now);
      }
    }
  }

  /// A draining replica with nothing left parks.
  void maybe_park(std::uint32_t r, SimTime now) {
    auto& rep = replicas_[r];
    if (rep.state != State::kDraining || rep.busy || rep.held() > 0) {
      return;
    }
    note_parked(rep.site, now, +1);
    bins_->awake.spread(rep.since, now, 1.0);
    res_.sites[rep.site].replica_seconds += (now - rep.since).to_seconds();
    rep.state = State::kParked;
    rep.since = now;
  }

  /// A parked replica wakes at `now`: its parked time is counted.
  void wake(std::uint32_t r, SimTime now) {
    note_parked(replicas_[r].site, now, -1);
    parked_until(r, now);
  }

  /// Site k's parked replicas change by `delta` at `now` (changes at one time merge).
  void note_parked(std::uint32_t k, SimTime now, std::int64_t delta) {
    auto& p = res_.sites[k].parked;
    if (!p.empty() && p.back().first == now) {
      p.back().second += delta;
    } else {
      p.emplace_back(now, (p.empty() ? 0 : p.back().second) + delta);
    }
  }

  /// Counts replica r's parking from `since` to `now` (and restarts its awake time there).
  void parked_until(std::uint32_t r, SimTime now) {
    auto& rep = replicas_[r];
    const auto& site = sites_[rep.site];
    if (now > rep.since) {
      rep.parked_total += now - rep.since;
      const double diff = site.parked_w - site.idle_w;
      bins_->power[rep.site].spread(rep.since, now, diff);
      bins_->acc.spread(rep.since, now, site.parked_acc_w - model_.idle_watts());
      bins_->it.spread(rep.since, now, diff);
    }
    rep.since = now;
  }

  /// Frees request i's KV cache and takes it out of the running set (by value).
  void preempt(Replica& rep, std::size_t pos) {
    const auto i = rep.running[pos];
    auto& l = lives_[i];
    rep.kv_used -= l.kv;
    l.kv = 0;
    l.prefilled = 0;
    l.target = outs_[i].prompt_tokens + outs_[i].generated;
    release(rep, i);
    rep.running.erase(rep.running.begin() + static_cast<std::ptrdiff_t>(pos));
    rep.waiting.push_front(i);
    ++outs_[i].preemptions;
    ++res_.preemptions;
  }

  /// Forms replica r's next iteration at `now`; false when it has nothing to do.
  bool begin(std::uint32_t r, SimTime now) {
    auto& rep = replicas_[r];
    rep.seg_k = 1;
    if (cfg_.fidelity == Fidelity::kRequest && segment(r, now)) {
      return true;
    }
    rep.batch.clear();
    const std::int64_t cap = model_.kv_capacity_tokens();
    std::int64_t budget = model_.spec().max_batch_tokens;
    IterationLoad load;
    // Running requests first, in admission order: a decode token each, or the next chunk
    // of a prefill. A full cache preempts the latest admitted (possibly this one).
    for (std::size_t pos = 0; pos < rep.running.size() && budget > 0;) {
      const auto i = rep.running[pos];
      auto& l = lives_[i];
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
      auto& l = lives_[i];
      if (l.prefilled >= l.target) {
        // Its prompt's cache came from a prefill replica: it takes that room and decodes.
        if (rep.kv_used + l.target + 1 > cap || !reservation_fits(rep, i)) {
          break;
        }
        reserve(rep, i);
        rep.waiting.pop_front();
        rep.running.push_back(i);
        l.kv = l.target;
        rep.kv_used += l.target + 1;
        add_to_load(load, l, 1, true);
        l.kv += 1;
        rep.batch.emplace_back(i, 1);
        budget -= 1;
        continue;
      }
      const std::int64_t need = std::min(l.target - l.prefilled, budget);
      if (rep.kv_used + need > cap || !reservation_fits(rep, i)) {
        break;
      }
      reserve(rep, i);
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
    ++res_.scheduled;
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
    auto& site = sites_[rep.site];
    auto& sr = res_.sites[rep.site];
    const double full = (rep.end - rep.start).to_seconds();
    const double frac = full > 0 ? (b - a).to_seconds() / full : 0.0;
    const double dur = (b - a).to_seconds();
    const double acc_j = rep.cost.accelerator_joules * frac;
    const double host_j = site.host_per_replica * dur;
    sr.accelerator_joules += acc_j;
    sr.host_joules += host_j;
    std::int64_t tokens = 0;
    for (const auto& [i, n] : rep.batch) {
      tokens += n;
    }
    for (const auto& [i, n] : rep.batch) {
      const double share = static_cast<double>(n) / static_cast<double>(tokens);
      outs_[i].accelerator_joules += acc_j * share;
      outs_[i].it_joules += (acc_j + host_j) * share;
    }
    site.window_batch += static_cast<double>(rep.batch.size()) * dur;
    if (dur > 0) {
      // Above the idle draw that run() spreads over the whole span.
      const double extra = (acc_j + host_j) / dur - model_.idle_watts() - site.host_per_replica;
      bins_->power[rep.site].spread(a, b, extra);
      bins_->acc.spread(a, b, acc_j / dur - model_.idle_watts());
      bins_->it.spread(a, b, extra);
      bins_->batch.spread(a, b, static_cast<double>(rep.batch.size()));
      // A segment holds its middle iteration's cache on average.
      const double kv = static_cast<double>(rep.kv_used) - static_cast<double>(rep.batch.size()) *
                                                               static_cast<double>(rep.seg_k - 1) /
                                                               2.0;
      bins_->kv.spread(a, b, kv);
    }
  }

  /// Replica r's iteration ends at `now` (at its site; the user sees tokens one network
  /// latency later).
  void complete(std::uint32_t r, SimTime now) {
    auto& rep = replicas_[r];
    account(r, rep.start, rep.end);
    rep.busy_total += rep.end - rep.start;
    rep.busy = false;
    const SimTime seen = now + sites_[rep.site].cfg.latency;
    for (const auto& [i, n] : rep.batch) {
      auto& l = lives_[i];
      auto& o = outs_[i];
      const bool was_prefill = l.prefilled < l.target;
      if (was_prefill) {
        l.prefilled += n;
        bins_->prompt.add(now, static_cast<double>(n));
        if (l.prefilled < l.target) {
          continue;  // more chunks to come
        }
      }
      const std::int64_t made = was_prefill ? 1 : n;  // a segment's decode makes n tokens
      o.generated += made;
      bins_->output.add(now, static_cast<double>(made));
      if (o.generated == made) {
        o.first_token = seen;
      }
      if (rep.role == Role::kPrefill && o.generated < o.output_tokens) {
        // Disaggregated: the cache leaves for a decode replica over the fabric.
        rep.kv_used -= l.kv;
        l.kv = 0;
        release(rep, i);
        rep.running.erase(std::find(rep.running.begin(), rep.running.end(), i));
        const auto d = least_loaded(rep.site, Role::kPrefill).first;
        leave(d);
        ++replicas_[d].inbound;
        enter(d);
        o.replica = static_cast<std::int32_t>(d);
        handoffs_.emplace_back(
            (now + SimTime::from_seconds(model_.kv_transfer_seconds(l.target))).count(), i);
        continue;
      }
      if (o.generated >= o.output_tokens) {
        o.end = seen;
        bins_->finished.add(now, 1.0);
        rep.kv_used -= l.kv;
        l.kv = 0;
        release(rep, i);
        rep.running.erase(std::find(rep.running.begin(), rep.running.end(), i));
        if (cfg_.streaming) {
          retire(i);
        }
      }
    }
    rep.batch.clear();
  }

  /// A slot for request q (in arrival order): its outcome and its state while served.
  std::uint32_t admit(const Request& q) {
    std::uint32_t i = 0;
    if (!free_.empty()) {
      i = free_.back();
      free_.pop_back();
    } else {
      i = static_cast<std::uint32_t>(outs_.size());
      if (outs_.size() == std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("more than 2^32 requests in flight");
      }
      outs_.emplace_back();
      lives_.emplace_back();
      index_.emplace_back();
    }
    outs_[i] = RequestOutcome{};
    outs_[i].arrival = q.arrival;
    outs_[i].prompt_tokens = q.prompt_tokens;
    outs_[i].output_tokens = q.output_tokens;
    lives_[i] = Live{};
    lives_[i].target = q.prompt_tokens;
    index_[i] = arrivals_++;
    return i;
  }

  /// Streaming: request i's outcome folded into the summaries (and kept as a row when its
  /// arrival index is a multiple of the row stride); its slot freed.
  void retire(std::uint32_t i) {
    const auto& o = outs_[i];
    if (o.finished()) {
      add_latency(res_.totals, o, cfg_.streaming->slo_ttft_s, cfg_.streaming->slo_tpot_s);
    }
    if (index_[i] % static_cast<std::uint64_t>(cfg_.streaming->row_stride) == 0) {
      rows_.emplace_back(index_[i], o);
    }
    fold(o);
    free_.push_back(i);
  }

  /// The totals of one accepted request.
  void fold(const RequestOutcome& o) {
    auto& t = res_.totals;
    ++t.accepted;
    t.prompt_tokens += static_cast<double>(o.prompt_tokens);
    t.generated += static_cast<double>(o.generated);
    t.first_arrival = std::min(t.first_arrival, o.arrival);
    if (o.finished()) {
      ++t.finished;
      t.last_end = std::max(t.last_end, o.end);
    }
  }

  const ServingModel& model_;
  const ServiceConfig& cfg_;
  RequestSource& source_;
  std::optional<Request> pending_;  ///< the next arrival, not yet admitted
  std::uint64_t arrivals_ = 0;
  std::vector<Replica> replicas_;
  std::vector<Site> sites_;
  /// Per slot (a request being served; streaming reuses the slots of ended requests): its
  /// outcome so far, its serving state, its arrival index.
  std::vector<RequestOutcome> outs_;
  std::vector<Live> lives_;
  std::vector<std::uint64_t> index_;
  std::vector<std::uint32_t> free_;
  std::vector<std::pair<std::uint64_t, RequestOutcome>> rows_;  ///< streaming: kept rows
  // route()'s scratch and each site's grid intensity over [from, until).
  mutable std::vector<std::size_t> order_;
  mutable std::vector<double> key_;
  struct CarbonCache {
    SimTime from = SimTime::max();
    SimTime until = SimTime::max();
    double value = 0;
  };
  mutable std::vector<CarbonCache> carbon_cache_;
  ServiceResult res_;
  /// Requests whose cache complete() sent to a decode replica: (arrival there, request),
  /// moved to the deliveries by run().
  std::vector<std::pair<SimTime::rep, std::uint32_t>> handoffs_;
  /// The per-interval series and the power bins (one per site), while run() runs.
  struct SeriesBins {
    Bins arrived, finished, prompt, output, batch, kv, acc, it, awake;
    std::vector<Bins> power;
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
                               RequestSource& requests) {
  ServiceSim sim(model, config, requests);
  return sim.run();
}

ServiceResult simulate_service(const ServingModel& model, const ServiceConfig& config,
                               const std::vector<Request>& requests) {
  VectorSource source(requests);
  return simulate_service(model, config, source);
}

LatencySummary summarise_latency(const std::vector<RequestOutcome>& requests,
                                 std::optional<double> slo_ttft_s,
                                 std::optional<double> slo_tpot_s) {
  RequestTotals t;
  t.accepted = static_cast<std::int64_t>(requests.size());
  for (const auto& r : requests) {
    if (r.finished()) {
      ++t.finished;
      add_latency(t, r, slo_ttft_s, slo_tpot_s);
    }
  }
  return summarise_latency(t, slo_ttft_s || slo_tpot_s);
}

LatencySummary summarise_latency(RequestTotals& totals, bool with_objectives) {
  LatencySummary s;
  s.finished = totals.finished;
  constexpr double kP50 = 0.50;
  constexpr double kP90 = 0.90;
  constexpr double kP99 = 0.99;
  s.ttft_p50 = percentile(totals.ttft_s, kP50);
  s.ttft_p90 = percentile(totals.ttft_s, kP90);
  s.ttft_p99 = percentile(totals.ttft_s, kP99);
  s.tpot_p50 = percentile(totals.tpot_s, kP50);
  s.tpot_p90 = percentile(totals.tpot_s, kP90);
  s.tpot_p99 = percentile(totals.tpot_s, kP99);
  if (with_objectives) {
    s.goodput = totals.accepted == 0
                    ? 0.0
                    : static_cast<double>(totals.good) / static_cast<double>(totals.accepted);
  }
  return s;
}

}  // namespace footprint::models
