// The engine: one Simulation object owns a run.
//
// A Simulation holds logical processes (LPs), one pending-event queue and one random
// stream per LP, simulated time and run statistics. Nothing is global or static: two
// Simulations can run side by side in one process.
//
// Execution is conservative and window by window. The model declares a lookahead L: the
// minimum delay of any message from one LP to another. With T the earliest pending
// event, no LP can affect another within [T, T + L), so each LP processes its events of
// the window independently, in parallel on oneTBB. Messages to other LPs are buffered
// per (source chunk, destination chunk) and merged into the destination queues at the
// start of the next window. Each LP's queue is ordered by the total key (time, sender
// LP, sender sequence number), so every LP sees the same events in the same order at any
// thread count: results are bit-identical at 1, 2, 4 or 8 threads. See
// docs/architecture.md.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include "sim/engine/errors.hpp"
#include "sim/engine/event.hpp"
#include "sim/engine/random.hpp"
#include "sim/engine/stats.hpp"
#include "sim/engine/time.hpp"
#include "sim/engine/tsan.hpp"

namespace footprint::engine {

template <class Payload>
class Simulation;

/// What a handler sees: the current time, its own LP id and random stream, and the
/// means to send messages. Nothing else is reachable from a handler.
template <class Payload>
class Context {
 public:
  [[nodiscard]] SimTime now() const { return now_; }
  [[nodiscard]] LpId self() const { return self_; }
  [[nodiscard]] SimTime lookahead() const { return sim_->lookahead(); }
  [[nodiscard]] std::size_t lp_count() const { return sim_->lp_count(); }

  /// This LP's random stream (derived from (seed, LP id)).
  RandomStream& rng() { return sim_->lps_[self_].rng; }
  /// An independent sub-stream of this LP's stream, for example one per device.
  [[nodiscard]] RandomStream substream(std::uint64_t k) const {
    return sim_->lps_[self_].rng.derive(k);
  }

  /// Sends `payload` to LP `target`, to arrive after `delay`. A message to another LP
  /// needs delay >= lookahead (LookaheadError otherwise); a message to self any delay >= 0.
  void send(LpId target, SimTime delay, Payload payload) {
    sim_->send_from(*this, target, delay, std::move(payload));
  }
  /// Sends `payload` to this LP itself after `delay` >= 0.
  void schedule(SimTime delay, Payload payload) {
    sim_->send_from(*this, self_, delay, std::move(payload));
  }

 private:
  friend class Simulation<Payload>;
  enum class Mode { kStart, kDirect, kBuffered, kStop };

  Context(Simulation<Payload>* sim, Mode mode) : sim_(sim), mode_(mode) {}

  Simulation<Payload>* sim_;
  Mode mode_;
  LpId self_ = 0;
  SimTime now_;
  std::size_t chunk_ = 0;  ///< the sending chunk, in buffered mode
  SimTime::rep out_min_ = std::numeric_limits<SimTime::rep>::max();
  std::uint64_t cross_ = 0;
};

/// A logical process: the unit of state that handles events. Models derive from it.
template <class Payload>
class Process {
 public:
  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  Process(Process&&) = delete;
  Process& operator=(Process&&) = delete;
  virtual ~Process() = default;

  /// Called once, in LP order, at time zero before the first event. Sends here may use
  /// any delay >= 0, to any LP.
  virtual void on_start(Context<Payload>& ctx) { static_cast<void>(ctx); }
  /// Called for each event, in the LP's total order.
  virtual void on_event(Context<Payload>& ctx, const Event<Payload>& event) = 0;
  /// A hint, called before on_event(): `next` is the event this LP handles after the one
  /// about to be handled, in the same window (if nothing earlier is sent to it before; not
  /// called when the LP has no further event in the window). A process whose state is too
  /// large for the cache may start loading what `next` will touch, so that the load
  /// overlaps the current event's work. Must not change anything.
  virtual void prefetch(const Event<Payload>& next) const { static_cast<void>(next); }
  /// Called once when the run stops, with now() = the stop time. No sends.
  virtual void on_stop(Context<Payload>& ctx) { static_cast<void>(ctx); }
};

struct SimulationOptions {
  std::uint64_t seed = 0;
  /// Minimum delay of any message from one LP to another; must be positive.
  /// SimTime::max() declares that LPs never message each other.
  SimTime lookahead = SimTime::max();
};

struct RunOptions {
  /// Events with time < until are processed. SimTime::max(): until no event is left.
  SimTime until = SimTime::max();
  /// Worker threads for this run; 0 means all cores. 1 takes the serial path, which
  /// gives the same results.
  unsigned threads = 0;
  /// Called between windows at most every `progress_every_s` of wall time.
  std::function<void(SimTime now, const RunStats&)> progress;
  double progress_every_s = 0.5;
  /// Parallel path: every this many windows, the chunk boundaries move to balance the
  /// handler time each LP was measured to take (0: keep the boundaries the weights give).
  /// Results do not depend on it.
  std::uint64_t rebalance_every = 4096;
  /// Parallel path: the LPs are split into this many chunks per thread. With 1, each
  /// thread keeps its chunk (the least overhead when LPs are alike, as in PHOLD: 2-threaded
  /// PHOLD on 1024 LPs lost a fifth of its rate with 4); with more, threads take chunks as
  /// they come free, so that a window whose work is uneven (one LP, a scheduler, much
  /// busier than the rest) keeps every thread busy with the other chunks. Results do not
  /// depend on it.
  unsigned chunks_per_thread = 1;
};

template <class Payload>
class Simulation {
 public:
  using EventT = Event<Payload>;
  using ProcessT = Process<Payload>;
  using ContextT = Context<Payload>;

  explicit Simulation(SimulationOptions options) : opt_(options) {
    if (opt_.lookahead <= SimTime::zero()) {
      throw UsageError(
          fmt::format("the lookahead must be positive, got {}", to_string(opt_.lookahead)));
    }
  }

  /// Adds an LP; returns its id (ids are dense, in order of addition).
  LpId add(std::unique_ptr<ProcessT> process) {
    if (started_) {
      throw UsageError("LPs must be added before the simulation runs");
    }
    if (!process) {
      throw UsageError("add() was given no process");
    }
    const auto id = static_cast<LpId>(procs_.size());
    procs_.push_back(std::move(process));
    lps_.push_back(Lp{{}, RandomStream(opt_.seed, id, 0), 0});
    next_.push_back(kNever);
    cost_.push_back(0);
    return id;
  }

  template <class T, class... Args>
  T& emplace(Args&&... args) {
    auto p = std::make_unique<T>(std::forward<Args>(args)...);
    T& ref = *p;
    add(std::move(p));
    return ref;
  }

  /// Relative cost of each LP (default: equal). The parallel path splits LPs into
  /// contiguous chunks of about equal total weight, one per thread, then moves the
  /// boundaries as it measures what each LP costs (RunOptions::rebalance_every). Results
  /// do not depend on either; only the balance between threads does.
  void set_weights(std::vector<double> weights) {
    if (weights.size() != procs_.size()) {
      throw UsageError(
          fmt::format("set_weights: {} weights for {} LPs", weights.size(), procs_.size()));
    }
    weights_ = std::move(weights);
  }

  [[nodiscard]] std::size_t lp_count() const { return procs_.size(); }
  [[nodiscard]] SimTime lookahead() const { return opt_.lookahead; }
  [[nodiscard]] std::uint64_t seed() const { return opt_.seed; }
  [[nodiscard]] SimTime now() const { return now_; }
  [[nodiscard]] const RunStats& stats() const { return stats_; }
  [[nodiscard]] ProcessT& process(LpId id) { return *procs_.at(id); }
  [[nodiscard]] const ProcessT& process(LpId id) const { return *procs_.at(id); }

  /// Runs the simulation once. Throws what a handler throws (after which the
  /// Simulation cannot be run again), LookaheadError, or UsageError.
  const RunStats& run(const RunOptions& ro = {}) {
    if (started_) {
      throw UsageError("a Simulation runs once; create a new one for another run");
    }
    started_ = true;
    unsigned threads =
        ro.threads != 0 ? ro.threads : std::max(1U, std::thread::hardware_concurrency());
    threads =
        std::min<unsigned>(threads, static_cast<unsigned>(std::max<std::size_t>(1, lps_.size())));
    stats_ = RunStats{};
    stats_.threads = threads;
    const auto t0 = Clock::now();
    start_all();
    if (threads == 1) {
      run_serial(ro);
    } else {
      run_parallel(ro, threads);
    }
    stats_.wall_s = seconds_since(t0);
    stop_all(ro.until);
    std::uint64_t pending = 0;
    for (const auto& lp : lps_) {
      pending += lp.queue.size();
    }
    stats_.pending = pending;
    return stats_;
  }

 private:
  friend class Context<Payload>;
  using Clock = std::chrono::steady_clock;
  using rep = SimTime::rep;
  static constexpr rep kNever = std::numeric_limits<rep>::max();
  /// A rebalance must lighten the heaviest chunk by at least this share of the total.
  static constexpr double kMinRebalanceGain = 0.02;
  /// Each LP counts as at least this share of the mean LP's measured cost, so that LPs
  /// idle in one stretch are not taken as free.
  static constexpr double kCostFloor = 1e-3;
  /// LP costs are timed in one window of this many (reading the clock after every LP
  /// in every window costs PHOLD a third of its 2-thread rate).
  static constexpr std::uint64_t kCostSampleEvery = 16;

  struct Lp {
    std::vector<EventT> queue;  ///< binary min-heap on before()
    RandomStream rng;
    std::uint64_t seq = 0;
  };

  struct alignas(64) ChunkState {
    rep min_next = kNever;
    rep last_time = 0;  ///< latest event time processed
    std::uint64_t events = 0;
    std::uint64_t window_events = 0;
    std::uint64_t cross = 0;
    double process_s = 0;
    double deliver_s = 0;
  };

  static bool later(const EventT& a, const EventT& b) { return before(b, a); }
  static double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  }

  void push(LpId dst, EventT&& e) {
    auto& q = lps_[dst].queue;
    const rep t = e.time.count();
    q.push_back(std::move(e));
    std::push_heap(q.begin(), q.end(), later);
    next_[dst] = std::min(next_[dst], t);
  }

  void send_from(ContextT& ctx, LpId target, SimTime delay, Payload&& payload) {
    using Mode = typename ContextT::Mode;
    if (ctx.mode_ == Mode::kStop) {
      throw UsageError(fmt::format("LP {} sent a message from on_stop()", ctx.self_));
    }
    if (target >= lps_.size()) {
      throw UsageError(fmt::format("LP {} at {} sent to LP {}, but there are only {} LPs",
                                   ctx.self_, to_string(ctx.now_), target, lps_.size()));
    }
    if (delay < SimTime::zero()) {
      throw UsageError(fmt::format("LP {} at {} sent to LP {} with a negative delay {}", ctx.self_,
                                   to_string(ctx.now_), target, to_string(delay)));
    }
    if (target != ctx.self_ && delay < opt_.lookahead && ctx.mode_ != Mode::kStart) {
      throw LookaheadError(fmt::format(
          "LP {} at {} sent to LP {} with delay {}, below the declared lookahead {}", ctx.self_,
          to_string(ctx.now_), target, to_string(delay), to_string(opt_.lookahead)));
    }
    auto& src = lps_[ctx.self_];
    EventT e{ctx.now_.checked_add(delay), ctx.self_, target, src.seq++, std::move(payload)};
    if (target == ctx.self_ || ctx.mode_ != Mode::kBuffered) {
      if (target != ctx.self_) {
        ++ctx.cross_;
        ctx.out_min_ = std::min(ctx.out_min_, e.time.count());
      }
      push(target, std::move(e));
      return;
    }
    ++ctx.cross_;
    ctx.out_min_ = std::min(ctx.out_min_, e.time.count());
    outbox(parity_, ctx.chunk_, chunk_of(target)).push_back(std::move(e));
  }

  void start_all() {
    ContextT ctx(this, ContextT::Mode::kStart);
    ctx.now_ = SimTime::zero();
    for (LpId id = 0; id < procs_.size(); ++id) {
      ctx.self_ = id;
      procs_[id]->on_start(ctx);
    }
    stats_.cross_lp_messages += ctx.cross_;
  }

  void stop_all(SimTime until) {
    if (until == SimTime::max()) {
      until = now_;
    }
    now_ = until;
    ContextT ctx(this, ContextT::Mode::kStop);
    ctx.now_ = until;
    for (LpId id = 0; id < procs_.size(); ++id) {
      ctx.self_ = id;
      procs_[id]->on_stop(ctx);
    }
  }

  /// Processes LP `id`'s events with time < wend; returns the count.
  std::uint64_t process_lp(LpId id, rep wend, ContextT& ctx, rep& last_time) {
    auto& q = lps_[id].queue;
    std::uint64_t n = 0;
    ctx.self_ = id;
    while (!q.empty() && q.front().time.count() < wend) {
      std::pop_heap(q.begin(), q.end(), later);
      EventT ev = std::move(q.back());
      q.pop_back();
      ctx.now_ = ev.time;
      if (!q.empty() && q.front().time.count() < wend) {
        procs_[id]->prefetch(q.front());
      }
      procs_[id]->on_event(ctx, ev);
      ++n;
    }
    next_[id] = q.empty() ? kNever : q.front().time.count();
    if (n != 0) {
      last_time = std::max(last_time, ctx.now_.count());
    }
    return n;
  }

  [[nodiscard]] rep scan_min() const {
    rep m = kNever;
    for (const rep t : next_) {
      m = std::min(m, t);
    }
    return m;
  }

  [[nodiscard]] rep window_end(rep start, rep until) const {
    rep end = 0;
    if (__builtin_add_overflow(start, opt_.lookahead.count(), &end)) {
      end = kNever;
    }
    return std::min(end, until);
  }

  void maybe_progress(const RunOptions& ro, rep t, Clock::time_point& last) {
    if (ro.progress && seconds_since(last) >= ro.progress_every_s) {
      ro.progress(SimTime::ticks(t), stats_);
      last = Clock::now();
    }
  }

  /// Contiguous chunk boundaries of about equal total weight `w` (one per LP).
  void partition(std::size_t chunks, const std::vector<double>& w) {
    nchunks_ = chunks;
    const std::size_t n = lps_.size();
    double total = 0;
    for (const double x : w) {
      total += x;
    }
    chunk_lo_.assign(chunks + 1, static_cast<LpId>(n));
    chunk_of_.assign(n, 0);
    chunk_lo_[0] = 0;
    double acc = 0;
    std::size_t c = 0;
    for (std::size_t i = 0; i < n; ++i) {
      // Start the next chunk once this one holds its share, keeping at least one LP
      // for each remaining chunk where there are enough LPs.
      const double share = total * static_cast<double>(c + 1) / static_cast<double>(chunks);
      if (c + 1 < chunks && i > chunk_lo_[c] && (acc >= share || n - i <= chunks - c - 1)) {
        chunk_lo_[++c] = static_cast<LpId>(i);
      }
      chunk_of_[i] = static_cast<std::uint32_t>(c);
      acc += w[i];
    }
    for (std::size_t k = c + 1; k <= chunks; ++k) {
      chunk_lo_[k] = static_cast<LpId>(n);
    }
  }

  [[nodiscard]] std::vector<double> initial_weights() const {
    return weights_.empty() ? std::vector<double>(lps_.size(), 1.0) : weights_;
  }

  /// The largest chunk's share of the total weight `w` under the current boundaries.
  [[nodiscard]] double heaviest_share(const std::vector<double>& w) const {
    double total = 0;
    double heaviest = 0;
    for (std::size_t c = 0; c < nchunks_; ++c) {
      double sum = 0;
      for (LpId id = chunk_lo_[c]; id < chunk_lo_[c + 1]; ++id) {
        sum += w[id];
      }
      total += sum;
      heaviest = std::max(heaviest, sum);
    }
    return total > 0 ? heaviest / total : 0;
  }

  /// Between windows, on one thread: delivers every message the last window sent.
  void deliver_sent() {
    for (auto& box : out_[parity_ ^ 1U]) {
      for (auto& e : box) {
        push(e.dst, std::move(e));
      }
      box.clear();
    }
  }

  /// Between windows: moves the chunk boundaries to balance the handler time sampled per
  /// LP since the last call. It moves them when the boundaries that balance the samples
  /// would give the heaviest chunk a smaller share of the work, by kMinRebalanceGain, than
  /// the heaviest chunk's share of the time all chunks spent since the last call (timed in
  /// every window: the samples alone would always favour new boundaries drawn from them).
  /// Messages still in the outboxes are delivered first, because the destination chunk of
  /// an LP may change. Only the balance depends on this.
  void rebalance() {
    double spent = 0;
    double heaviest_spent = 0;
    for (std::size_t c = 0; c < nchunks_; ++c) {
      const double d = chunk_[c].process_s - process_at_rebalance_[c];
      process_at_rebalance_[c] = chunk_[c].process_s;
      spent += d;
      heaviest_spent = std::max(heaviest_spent, d);
    }
    double total = 0;
    for (const double c : cost_) {
      total += c;
    }
    if (total <= 0) {
      return;
    }
    std::vector<double> w(cost_.size());
    const double floor = kCostFloor * total / static_cast<double>(cost_.size());
    for (std::size_t i = 0; i < w.size(); ++i) {
      w[i] = cost_[i] + floor;
      cost_[i] = 0;
    }
    if (spent <= 0) {
      return;
    }
    const double before = heaviest_spent / spent;
    const auto lo = chunk_lo_;
    const auto of = chunk_of_;
    partition(nchunks_, w);
    if (heaviest_share(w) > before - kMinRebalanceGain) {
      chunk_lo_ = lo;  // not worth it: keep the boundaries
      chunk_of_ = of;
      return;
    }
    deliver_sent();
    ++stats_.rebalances;
  }

  void run_serial(const RunOptions& ro) {
    partition(1, initial_weights());
    rep last_time = 0;
    const rep until = ro.until.count();
    ContextT ctx(this, ContextT::Mode::kDirect);
    rep t = scan_min();
    auto last = Clock::now();
    const auto n = static_cast<LpId>(lps_.size());
    while (t < until) {
      const rep wend = window_end(t, until);
      rep mn = kNever;
      std::uint64_t in_window = 0;
      ctx.out_min_ = kNever;
      for (LpId id = 0; id < n; ++id) {
        if (next_[id] < wend) {
          in_window += process_lp(id, wend, ctx, last_time);
        }
        mn = std::min(mn, next_[id]);
      }
      t = std::min(mn, ctx.out_min_);
      stats_.events += in_window;
      stats_.max_window_events = std::max(stats_.max_window_events, in_window);
      ++stats_.windows;
      maybe_progress(ro, t, last);
    }
    stats_.cross_lp_messages += ctx.cross_;
    now_ = SimTime::ticks(last_time);
  }

  [[nodiscard]] std::size_t chunk_of(LpId id) const { return chunk_of_[id]; }
  std::vector<EventT>& outbox(unsigned parity, std::size_t src, std::size_t dst) {
    return out_[parity][src * nchunks_ + dst];
  }

  /// `measure`: time each LP's handlers, for rebalance().
  void run_chunk(std::size_t c, rep wend, unsigned parity, bool measure) {
    auto& cs = chunk_[c];
    const auto t0 = Clock::now();
    // Deliver what other chunks sent to this chunk during the previous window.
    for (std::size_t s = 0; s < nchunks_; ++s) {
      auto& box = outbox(parity ^ 1U, s, c);
      for (auto& e : box) {
        push(e.dst, std::move(e));
      }
      box.clear();
    }
    const auto t1 = Clock::now();
    ContextT ctx(this, ContextT::Mode::kBuffered);
    ctx.chunk_ = c;
    const LpId lo = chunk_lo_[c];
    const LpId hi = chunk_lo_[c + 1];
    rep mn = kNever;
    std::uint64_t n = 0;
    auto t = t1;
    for (LpId id = lo; id < hi; ++id) {
      if (next_[id] < wend) {
        n += process_lp(id, wend, ctx, cs.last_time);
        if (measure) {
          const auto t_next = Clock::now();
          cost_[id] += std::chrono::duration<double>(t_next - t).count();
          t = t_next;
        }
      }
      mn = std::min(mn, next_[id]);
    }
    cs.min_next = std::min(mn, ctx.out_min_);
    cs.window_events = n;
    cs.events += n;
    cs.cross += ctx.cross_;
    if (!measure) {
      t = Clock::now();
    }
    cs.deliver_s += std::chrono::duration<double>(t1 - t0).count();
    cs.process_s += std::chrono::duration<double>(t - t1).count();
  }

  /// One window's work for a range of chunks. Copied by the thread that spawns or splits
  /// the task, run by another: the copy and the run carry happens-before annotations for
  /// ThreadSanitizer (tsan.hpp), which cannot see oneTBB's own synchronisation.
  struct WindowBody {
    TsanReuse reuse;  // first: the task memory that holds a copy is pooled and reused
    Simulation* sim;
    rep wend;
    unsigned parity;
    bool measure;
    WindowBody(Simulation* s, rep w, unsigned p, bool m) : sim(s), wend(w), parity(p), measure(m) {
      tsan_release(this);
    }
    WindowBody(const WindowBody& o)
        : reuse(), sim(acquired(o).sim), wend(o.wend), parity(o.parity), measure(o.measure) {
      tsan_release(this);
    }
    static const WindowBody& acquired(const WindowBody& o) {
      tsan_acquire(&o);
      return o;
    }
    WindowBody& operator=(const WindowBody&) = delete;
    ~WindowBody() = default;
    void operator()(const tbb::blocked_range<std::size_t>& r) const {
      tsan_acquire(this);
      Simulation* const s = sim;
      const rep w = wend;
      const unsigned p = parity;
      const bool m = measure;
      tsan_release(this);  // done with this object: its memory may be reused
      for (std::size_t c = r.begin(); c != r.end(); ++c) {
        s->run_chunk(c, w, p, m);
        tsan_release(&s->chunk_[c]);
      }
    }
  };

  void run_parallel(const RunOptions& ro, unsigned threads) {
    const std::size_t chunks = std::min<std::size_t>(
        static_cast<std::size_t>(threads) * std::max(1U, ro.chunks_per_thread), lps_.size());
    partition(chunks, initial_weights());
    chunk_.assign(nchunks_, ChunkState{});
    process_at_rebalance_.assign(nchunks_, 0.0);
    for (auto& o : out_) {
      o.assign(nchunks_ * nchunks_, {});
    }
    parity_ = 0;
    const rep until = ro.until.count();
    tbb::task_arena arena(static_cast<int>(threads));
    arena.execute([&] {
      rep t = scan_min();
      auto last = Clock::now();
      while (t < until) {
        const rep wend = window_end(t, until);
        const bool measure = ro.rebalance_every != 0 && stats_.windows % kCostSampleEvery == 0;
        const tbb::blocked_range<std::size_t> all(0, nchunks_, 1);
        const WindowBody body{this, wend, parity_, measure};
        if (nchunks_ > threads) {
          tbb::parallel_for(all, body, tbb::simple_partitioner());
        } else {
          tbb::parallel_for(all, body, tbb::static_partitioner());
        }
        for (const auto& cs : chunk_) {
          tsan_acquire(&cs);  // the chunks' writes, for the next window's readers
        }
        t = kNever;
        std::uint64_t in_window = 0;
        for (const auto& cs : chunk_) {
          t = std::min(t, cs.min_next);
          in_window += cs.window_events;
        }
        parity_ ^= 1U;
        stats_.events += in_window;
        stats_.max_window_events = std::max(stats_.max_window_events, in_window);
        ++stats_.windows;
        if (ro.progress) {
          maybe_progress(ro, t, last);
        }
        if (ro.rebalance_every != 0 && stats_.windows % ro.rebalance_every == 0) {
          rebalance();
        }
      }
    });
    // Deliver what the last window sent, so that pending counts and queues are whole.
    deliver_sent();
    rep last_t = 0;
    for (std::size_t c = 0; c < nchunks_; ++c) {
      stats_.process_s += chunk_[c].process_s;
      stats_.deliver_s += chunk_[c].deliver_s;
      stats_.cross_lp_messages += chunk_[c].cross;
      last_t = std::max(last_t, chunk_[c].last_time);
    }
    now_ = SimTime::ticks(last_t);
  }

  SimulationOptions opt_;
  std::vector<std::unique_ptr<ProcessT>> procs_;
  std::vector<Lp> lps_;
  std::vector<rep> next_;     ///< per LP: time of its earliest pending event, or kNever
  std::vector<double> cost_;  ///< per LP: handler seconds since the last rebalance
  std::size_t nchunks_ = 1;
  std::vector<double> weights_;
  std::vector<LpId> chunk_lo_;           ///< chunk c holds LPs [chunk_lo_[c], chunk_lo_[c + 1])
  std::vector<std::uint32_t> chunk_of_;  ///< per LP: its chunk
  std::vector<ChunkState> chunk_;
  std::vector<double> process_at_rebalance_;  ///< per chunk: process_s at the last rebalance
  std::vector<std::vector<EventT>> out_[2];
  unsigned parity_ = 0;
  SimTime now_;
  RunStats stats_;
  bool started_ = false;
};

}  // namespace footprint::engine
