// One LLM service simulated exactly: its replicas run iteration after iteration under
// continuous batching (as vLLM's scheduler does: decode tokens first, then chunked prefill
// within a token budget, then new requests while the batch and the KV cache have room), a
// full KV cache preempts the latest admitted request, which recomputes later, and each
// request's arrival, first token, end and share of the energy is recorded. Requests are
// routed on arrival to the replica holding the fewest (least loaded). docs/serving.md has
// the rules, the energy boundaries and the limits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/serving/iteration.hpp"
#include "models/workloads/requests.hpp"
#include "sim/engine/integrator.hpp"
#include "sim/engine/time.hpp"

namespace footprint::models {

class CarbonSignal;

/// One datacenter of a service (a site): its replicas, its hosts, what its parked devices
/// draw, how far it is from the service's users, and its grid (for carbon-aware routing).
struct SiteConfig {
  /// Serving replicas; with autoscaling, the most the site may run (its devices set apart).
  std::int64_t replicas = 1;
  std::int64_t reserve = 0;
  double host_watts = 0;  ///< per accelerator
  /// What each device of a parked (scaled-in) replica draws with its host share, watts:
  /// the datacenter's idle or sleep power.
  double parked_watts = 0;
  /// One-way network latency from the service's users to the datacenter: a request
  /// reaches it this much after it is sent, and each token reaches the user this much
  /// after it is made.
  engine::SimTime latency;
  const CarbonSignal* carbon = nullptr;  ///< needed by lowest-carbon routing
};

/// Autoscaling of each site's replicas between min and max, on the rule of Kubernetes'
/// horizontal pod autoscaler: every window, desired = ceil(awake x occupancy / target),
/// where occupancy is the mean batch (sequences in iterations) over max_batch of the
/// site's awake replicas over the window; no change within 10 % of the target. New
/// replicas serve after `startup` (drawing idle power meanwhile); surplus ones stop taking
/// requests, finish those they hold, then park.
struct AutoscaleConfig {
  std::int64_t min = 1;
  std::int64_t max = 1;
  double target = 0.7;
  engine::SimTime window = engine::SimTime::minutes(1);
  engine::SimTime startup = engine::SimTime::minutes(2);
  /// Parked replicas' devices may be borrowed by training jobs in their datacenter, which
  /// yield them when the site scales up (read by the fleet, not by the service itself).
  bool lend = false;
};

/// Across sites: the nearest within the latency budget that has room (a replica holding
/// fewer than max_batch requests), or the lowest-carbon one within the budget that has
/// room; without room anywhere within the budget, the least loaded within it. Within a
/// site: the least loaded replica.
enum class Routing { kNearest, kLowestCarbon };

/// How finely a replica's work is simulated. kIteration: every iteration, exactly.
/// kRequest: iterations that only decode run as one segment until the first of their
/// requests ends (each at the cost of the segment's middle iteration), cut at the next
/// iteration boundary when a request reaches the replica; prefill and admission
/// iterations stay exact (docs/serving.md, "Fidelity").
enum class Fidelity { kIteration, kRequest };

/// Disaggregated prefill and decode (Splitwise, DistServe): `prefill` replicas take the
/// requests and run their prompts; each finished prompt's KV cache goes over the scale-out
/// fabric to the least-loaded of `decode` replicas, which generate the rest.
struct Disaggregation {
  std::int64_t prefill = 1;
  std::int64_t decode = 1;
};

/// A service with more requests than are worth keeping one by one: each request's outcome
/// is folded into the latency lists and the totals when it ends, and only every
/// `row_stride`-th request (by arrival) is kept as a row; memory grows with the requests in
/// flight (and 16 bytes per finished request for the percentiles), not with all of them.
struct Streaming {
  std::int64_t row_stride = 1;
  /// The objectives goodput is counted against (none: every finished request counts).
  std::optional<double> slo_ttft_s;
  std::optional<double> slo_tpot_s;
};

struct ServiceConfig {
  Fidelity fidelity = Fidelity::kIteration;
  /// Without: every request's outcome is kept (ServiceResult::requests, in arrival order).
  std::optional<Streaming> streaming;
  /// One site only, without autoscaling; its replicas are the two pools (prefill first).
  std::optional<Disaggregation> disaggregated;
  /// The sites; empty: one site of `replicas`, `reserve` and `host_watts` below.
  std::vector<SiteConfig> sites;
  std::optional<AutoscaleConfig> autoscale;
  Routing routing = Routing::kNearest;
  /// One-way latency a site may be from the users and still take requests (the nearest
  /// site always may).
  engine::SimTime latency_budget = engine::SimTime::max();
  std::int64_t replicas = 1;
  /// Replicas kept powered and idle beside the serving ones (failover reserve).
  std::int64_t reserve = 0;
  /// Host draw per accelerator (CPU, DRAM, NIC share), watts: the datacenter's.
  double host_watts = 0;
  /// Width of the per-interval series, and of the bins of mean IT power the service's
  /// datacenter draws (a divisor of the interval).
  engine::SimTime interval = engine::SimTime::hours(1);
  engine::SimTime power_bin = engine::SimTime::minutes(1);
  /// The run stops here (max: when the last request ends).
  engine::SimTime until = engine::SimTime::max();
};

/// What happened to an accepted request. `first_token` and `end` are SimTime::max() when
/// it did not get that far before the run stopped.
struct RequestOutcome {
  engine::SimTime arrival;
  engine::SimTime first_token = engine::SimTime::max();
  engine::SimTime end = engine::SimTime::max();
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t generated = 0;  ///< output tokens produced (all of them when finished)
  std::int32_t replica = 0;    ///< over all sites, site by site
  std::int32_t site = 0;
  std::int32_t preemptions = 0;
  double accelerator_joules = 0;  ///< its share of the iterations it was in
  double it_joules = 0;           ///< the same with the hosts' draw
  [[nodiscard]] bool finished() const { return end != engine::SimTime::max(); }
};

/// One value per interval of each per-interval series.
struct ServiceSeries {
  std::vector<double> arrived;             ///< requests
  std::vector<double> finished;            ///< requests
  std::vector<double> prompt_tokens;       ///< prefilled (recomputation included)
  std::vector<double> output_tokens;       ///< generated
  std::vector<double> batch_seconds;       ///< integral of sequences in iterations, all replicas
  std::vector<double> kv_token_seconds;    ///< integral of KV-cache tokens held, all replicas
  std::vector<double> accelerator_joules;  ///< every device of the service, idle included
  std::vector<double> it_joules;           ///< the same with hosts
  std::vector<double> replica_seconds;     ///< integral of awake serving replicas (not parked)
};

/// What one site of a service drew (the ServiceResult's totals are their sums).
struct SiteResult {
  std::int64_t requests = 0;  ///< routed here
  double accelerator_joules = 0;
  double host_joules = 0;
  double idle_joules = 0;  ///< awake but not in an iteration, and parked
  double reserve_joules = 0;
  double idle_accelerator_joules = 0;
  double replica_seconds = 0;         ///< awake serving replicas over time
  double parked_replica_seconds = 0;  ///< parked (scaled-in) replicas over time
  std::int64_t scale_ups = 0;
  std::int64_t scale_downs = 0;
  /// With autoscaling: the parked replicas over time, as (from when, how many) in time
  /// order, the first at time 0: what the site could lend to training (models/fleet).
  std::vector<std::pair<engine::SimTime, std::int64_t>> parked;
  /// Mean IT power of the site's devices per power bin, watts, over [0, end).
  std::vector<double> power_bins;
  [[nodiscard]] double it_joules() const {
    return accelerator_joules + host_joules + idle_joules + reserve_joules;
  }
};

/// What every accepted request came to, together (both ways of keeping them).
struct RequestTotals {
  std::int64_t accepted = 0;
  std::int64_t finished = 0;
  double prompt_tokens = 0;
  double generated = 0;
  engine::SimTime first_arrival = engine::SimTime::max();
  engine::SimTime last_end = engine::SimTime::zero();
  // Streaming only: the finished requests' TTFT, their TPOT (those with 2 output tokens or
  // more), in the order they ended, and how many met both objectives.
  std::vector<double> ttft_s;
  std::vector<double> tpot_s;
  std::int64_t good = 0;
};

struct ServiceResult {
  /// Accepted, in arrival order: all of them, or with ServiceConfig::streaming the kept
  /// rows only (`streamed`).
  std::vector<RequestOutcome> requests;
  bool streamed = false;
  RequestTotals totals;
  std::int64_t iterations = 0;
  /// Iterations and decode segments begun: the work the simulation scheduled (equal to
  /// `iterations` at Fidelity::kIteration).
  std::int64_t scheduled = 0;
  std::int64_t preemptions = 0;
  engine::SimTime end;                  ///< when the run of the service stopped
  std::int64_t kv_capacity_tokens = 0;  ///< per replica
  // Energy over [0, end], joules: the accelerators while in iterations; the hosts of the
  // serving replicas while in iterations; the serving replicas while idle (accelerators
  // and hosts); the reserve replicas (accelerators and hosts).
  double accelerator_joules = 0;
  double host_joules = 0;
  double idle_joules = 0;
  double reserve_joules = 0;
  /// Of `idle_joules` and `reserve_joules`, the accelerators' part.
  double idle_accelerator_joules = 0;
  ServiceSeries series;
  /// Mean IT power of all the service's devices per power bin, watts, over [0, end).
  std::vector<double> power_bins;
  std::vector<SiteResult> sites;
  [[nodiscard]] double it_joules() const {
    return accelerator_joules + host_joules + idle_joules + reserve_joules;
  }
};

/// Runs `requests` (sorted by arrival; filtered against the model's sequence already) on
/// the replicas of `model` at each site of `config`. Deterministic: no random draws.
ServiceResult simulate_service(const ServingModel& model, const ServiceConfig& config,
                               const std::vector<Request>& requests);
/// The same, the requests drawn from `requests` as the simulation reaches them.
ServiceResult simulate_service(const ServingModel& model, const ServiceConfig& config,
                               RequestSource& requests);

/// TTFT and TPOT of the finished requests (TPOT over those with at least 2 output tokens),
/// percentiles by nearest rank, and goodput: the share of accepted requests that finished
/// within both objectives (a missing objective always holds).
struct LatencySummary {
  double ttft_p50 = 0, ttft_p90 = 0, ttft_p99 = 0;
  double tpot_p50 = 0, tpot_p90 = 0, tpot_p99 = 0;
  std::optional<double> goodput;  ///< only with an objective
  std::int64_t finished = 0;
};
LatencySummary summarise_latency(const std::vector<RequestOutcome>& requests,
                                 std::optional<double> slo_ttft_s,
                                 std::optional<double> slo_tpot_s);
/// The same from a streamed service's totals (goodput against the objectives it was run
/// with).
LatencySummary summarise_latency(RequestTotals& totals, bool with_objectives);

}  // namespace footprint::models
