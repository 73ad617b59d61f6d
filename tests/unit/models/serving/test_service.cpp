// One service under continuous batching (models/serving/service): a tiny model whose
// iterations are checked against ServingModel::cost() of the loads worked out by hand,
// chunked prefill, KV-cache preemption, routing, the horizon, energy conservation and the
// latency summary.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include <catch2/catch.hpp>

#include "models/accelerators/accelerator.hpp"
#include "models/serving/iteration.hpp"
#include "models/serving/service.hpp"
#include "models/workloads/requests.hpp"
#include "models/workloads/step_model.hpp"
#include "models/workloads/transformer.hpp"
#include "serving_fixtures.hpp"

using namespace footprint::models;
using footprint::engine::SimTime;
namespace units = footprint::units;

using footprint::test_util::h100;
using footprint::test_util::slow_calibration;
using footprint::test_util::sum;
using footprint::test_util::tiny;

namespace {

constexpr double kRelative = 1e-12;

ServingModelSpec tiny_spec(std::int64_t max_batch_tokens = 8192, std::int64_t max_batch = 256) {
  ServingModelSpec s;
  s.model = tiny();
  s.max_batch_tokens = max_batch_tokens;
  s.max_batch = max_batch;
  return s;
}

ServingModel tiny_model(const ServingModelSpec& spec, const AcceleratorType& chip) {
  return ServingModel(spec, chip, job_network(chip), slow_calibration());
}

/// An iteration of `seconds` as the service schedules it: rounded to the nearest tick,
/// at least one.
SimTime ticks_of(const IterationCost& c) {
  return SimTime::ticks(std::max<SimTime::rep>(1, std::llround(c.seconds * 1e9)));
}

IterationLoad prefill(std::int64_t cached, std::int64_t chunk, bool last) {
  const double c = static_cast<double>(cached);
  const double l = static_cast<double>(chunk);
  IterationLoad load;
  load.prefill_tokens = chunk;
  load.prefill_context = c * l + l * (l + 1) / 2;
  load.prefill_last = last ? 1 : 0;
  return load;
}

IterationLoad decode(std::int64_t context) {
  IterationLoad load;
  load.decode_tokens = 1;
  load.decode_context = static_cast<double>(context);
  return load;
}

/// The energy identities every run keeps: requests' shares plus idle and reserve make the
/// total; the per-interval series and the power bins integrate to it; the idle energy is
/// the idle draw over the time the replicas were not in iterations (known from the hosts'
/// energy, drawn only in iterations).
void check_energy(const ServiceResult& r, const ServiceConfig& cfg, const ServingModel& model) {
  double req_it = 0;
  double req_acc = 0;
  for (const auto& q : r.requests) {
    req_it += q.it_joules;
    req_acc += q.accelerator_joules;
  }
  const double total = r.it_joules();
  REQUIRE(total > 0);
  CHECK(req_it + r.idle_joules + r.reserve_joules == Approx(total).epsilon(kRelative));
  CHECK(req_acc == Approx(r.accelerator_joules).epsilon(kRelative));
  CHECK(sum(r.series.it_joules) == Approx(total).epsilon(kRelative));
  CHECK(sum(r.series.accelerator_joules) ==
        Approx(r.accelerator_joules + r.idle_accelerator_joules).epsilon(kRelative));
  CHECK(sum(r.power_bins) * cfg.power_bin.to_seconds() == Approx(total).epsilon(kRelative));
  // Busy replica-seconds from the hosts' energy, then the idle parts by hand.
  const double host_w = cfg.host_watts * static_cast<double>(model.devices());
  REQUIRE(host_w > 0);
  const double busy_s = r.host_joules / host_w;
  const double span_s = r.end.to_seconds();
  const double idle_acc_w = model.idle_watts();
  const double serving = static_cast<double>(cfg.replicas);
  const double reserve = static_cast<double>(cfg.reserve);
  const double margin = 1e-9 * total;  // for a replica that never idles
  CHECK(r.idle_joules ==
        Approx((idle_acc_w + host_w) * (serving * span_s - busy_s)).epsilon(1e-9).margin(margin));
  CHECK(r.reserve_joules == Approx((idle_acc_w + host_w) * reserve * span_s).epsilon(kRelative));
  CHECK(r.idle_accelerator_joules ==
        Approx(idle_acc_w * ((serving + reserve) * span_s - busy_s)).epsilon(1e-9).margin(margin));
  // Every device between idle and TDP (hosts at their draw) over the span.
  const double devices = static_cast<double>(model.devices()) * (serving + reserve);
  const double hosts = cfg.host_watts * devices * span_s;
  CHECK(total >= units::to_watts(model.chip().idle) * devices * span_s + hosts);
  CHECK(total <= units::to_watts(model.chip().tdp) * devices * span_s + hosts);
}

std::vector<Request> poisson_load(std::int64_t count, double rate) {
  return poisson(rate, count, SimTime::zero(), TokenLength::uniform(10, 300),
                 TokenLength::uniform(1, 60), 7);
}

ServiceConfig config(std::int64_t replicas, std::int64_t reserve) {
  ServiceConfig cfg;
  cfg.replicas = replicas;
  cfg.reserve = reserve;
  cfg.host_watts = 50;
  cfg.interval = SimTime::nanoseconds(100'000'000);  // 100 ms
  cfg.power_bin = SimTime::nanoseconds(10'000'000);  // 10 ms
  return cfg;
}

}  // namespace

TEST_CASE("Service: one request alone, iteration by iteration", "[service]") {
  const auto chip = h100();
  const auto model = tiny_model(tiny_spec(), chip);
  ServiceConfig cfg;
  cfg.host_watts = 50;
  const SimTime arrival = SimTime::seconds(1);
  const std::vector<Request> reqs{{arrival, 100, 5}};
  const auto r = simulate_service(model, cfg, reqs);
  REQUIRE(r.requests.size() == 1);
  const auto& q = r.requests[0];
  // The whole prompt (100 <= 8192) in one iteration, attending to 100 x 101 / 2 pairs; its
  // first token at its end.
  const auto p = model.cost(prefill(0, 100, true));
  // 2 layers x 1 ms of overhead; reading 325 kB of weights takes 0.2 us.
  CHECK(p.seconds == Approx(2e-3).epsilon(1e-3));
  CHECK(q.first_token == arrival + ticks_of(p));
  // Then 4 decode iterations, the k-th (k = 1..4) over 100 + k - 1 cached tokens.
  SimTime t = q.first_token;
  double joules = p.accelerator_joules;
  SimTime busy = ticks_of(p);
  for (std::int64_t k = 1; k <= 4; ++k) {
    const auto c = model.cost(decode(100 + k - 1));
    t += ticks_of(c);
    busy += ticks_of(c);
    joules += c.accelerator_joules;
  }
  CHECK(q.end == t);
  CHECK(r.end == t);
  CHECK(q.generated == 5);
  CHECK(q.preemptions == 0);
  CHECK(q.replica == 0);
  CHECK(r.iterations == 5);
  const auto summary = summarise_latency(r.requests, std::nullopt, std::nullopt);
  CHECK(summary.ttft_p50 == Approx(ticks_of(p).to_seconds()).epsilon(kRelative));
  CHECK(summary.tpot_p50 == Approx((t - q.first_token).to_seconds() / 4).epsilon(kRelative));
  // Its energy: the five iterations' accelerators, and its host at 50 W while in them.
  CHECK(q.accelerator_joules == Approx(joules).epsilon(kRelative));
  CHECK(q.it_joules == Approx(joules + 50 * busy.to_seconds()).epsilon(kRelative));
  // The replica idles (with its host) for the first second and never after.
  CHECK(r.idle_joules ==
        Approx((model.idle_watts() + 50) * (t - busy).to_seconds()).epsilon(kRelative));
  CHECK((t - busy) == arrival);
  check_energy(r, cfg, model);
}

TEST_CASE("Service: a prompt above the token budget is prefilled in chunks", "[service]") {
  const auto chip = h100();
  const auto model = tiny_model(tiny_spec(32), chip);
  ServiceConfig cfg;
  cfg.host_watts = 10;
  const std::vector<Request> reqs{{SimTime::zero(), 100, 3}};
  const auto r = simulate_service(model, cfg, reqs);
  const auto& q = r.requests.at(0);
  // ceil(100 / 32) = 4 chunks: 32, 32, 32 and 4 tokens after 0, 32, 64 and 96 cached.
  const SimTime ttft =
      ticks_of(model.cost(prefill(0, 32, false))) + ticks_of(model.cost(prefill(32, 32, false))) +
      ticks_of(model.cost(prefill(64, 32, false))) + ticks_of(model.cost(prefill(96, 4, true)));
  CHECK(q.first_token == ttft);
  // Two decode iterations over 100 and 101 cached tokens.
  CHECK(q.end == ttft + ticks_of(model.cost(decode(100))) + ticks_of(model.cost(decode(101))));
  CHECK(r.iterations == 6);
  CHECK(sum(r.series.prompt_tokens) == 100);
  CHECK(sum(r.series.output_tokens) == 3);
  check_energy(r, cfg, model);
}

TEST_CASE("Service: energy is conserved under load", "[service]") {
  const auto chip = h100();
  const auto model = tiny_model(tiny_spec(512, 32), chip);
  const auto cfg = config(2, 1);
  const auto reqs = poisson_load(300, 400);
  const auto r = simulate_service(model, cfg, reqs);
  REQUIRE(r.requests.size() == 300);
  std::int64_t outputs = 0;
  std::int64_t prompts = 0;
  bool both = false;
  for (const auto& q : r.requests) {
    CHECK(q.finished());
    CHECK(q.generated == q.output_tokens);
    CHECK(q.first_token > q.arrival);
    CHECK(q.end >= q.first_token);
    outputs += q.output_tokens;
    prompts += q.prompt_tokens;
    both = both || q.replica == 1;
  }
  CHECK(both);                // the load reached both replicas
  CHECK(r.preemptions == 0);  // the cache holds 150k tokens, far more than is asked
  CHECK(sum(r.series.arrived) == 300);
  CHECK(sum(r.series.finished) == 300);
  CHECK(sum(r.series.output_tokens) == static_cast<double>(outputs));
  CHECK(sum(r.series.prompt_tokens) == static_cast<double>(prompts));
  check_energy(r, cfg, model);
}

TEST_CASE("Service: a full KV cache preempts, and every request still finishes", "[service]") {
  // The chip's memory holds the weights (324608 bytes), the activations (256 tokens x 2 x
  // (4 x 64 + 3 x 256) + 16 sequences x 1000 x 4 = 588288 bytes) and 3000 tokens of KV
  // cache at 512 bytes, all of it usable.
  auto chip = h100();
  chip.memory = units::Bytes::from_si(324608.0 + 588288.0 + 3000.0 * 512);
  auto spec = tiny_spec(256, 16);
  spec.memory_utilisation = 1.0;
  const auto model = tiny_model(spec, chip);
  REQUIRE(model.weight_bytes_per_device() == Approx(324608).epsilon(kRelative));
  REQUIRE(model.activation_bytes_per_device() == Approx(588288).epsilon(kRelative));
  REQUIRE(model.kv_capacity_tokens() == 3000);
  // 40 requests of 200 + 300 tokens at once: 16 prompts fill 3200 > 3000 tokens, and 16
  // full sequences would need 8000.
  const std::vector<Request> reqs =
      all_at_once(40, SimTime::zero(), TokenLength::fixed(200), TokenLength::fixed(300), 1);
  const auto cfg = config(1, 0);
  const auto r = simulate_service(model, cfg, reqs);
  CHECK(r.preemptions > 0);
  std::int64_t preemptions = 0;
  for (const auto& q : r.requests) {
    CHECK(q.finished());
    CHECK(q.generated == 300);
    preemptions += q.preemptions;
  }
  CHECK(preemptions == r.preemptions);
  // Preempted requests prefill again: their prompt and what they had generated.
  CHECK(sum(r.series.prompt_tokens) > 40 * 200);
  CHECK(sum(r.series.output_tokens) == 40 * 300);
  // The cache never holds more than its capacity: its mean over each interval neither.
  const double interval_s = cfg.interval.to_seconds();
  double peak = 0;
  for (const double kv : r.series.kv_token_seconds) {
    CHECK(kv / interval_s <= 3000 * (1 + 1e-12));
    peak = std::max(peak, kv / interval_s);
  }
  CHECK(peak > 2000);  // and it is full at times
  check_energy(r, cfg, model);
}

TEST_CASE("Service: whole-sequence admission never preempts and holds what fits", "[service]") {
  // The cache of the case above (3000 tokens) with TensorRT-LLM's GUARANTEED_NO_EVICT: a
  // request of 200 + 300 tokens joins only when its 500 fit beside the running requests'
  // whole sequences, so at most 6 run at once and nothing is recomputed.
  auto chip = h100();
  chip.memory = units::Bytes::from_si(324608.0 + 588288.0 + 3000.0 * 512);
  auto spec = tiny_spec(256, 16);
  spec.memory_utilisation = 1.0;
  spec.admission = Admission::kWholeSequence;
  const auto model = tiny_model(spec, chip);
  REQUIRE(model.kv_capacity_tokens() == 3000);
  const std::vector<Request> reqs =
      all_at_once(40, SimTime::zero(), TokenLength::fixed(200), TokenLength::fixed(300), 1);
  for (const auto fidelity : {Fidelity::kIteration, Fidelity::kRequest}) {
    auto cfg = config(1, 0);
    cfg.fidelity = fidelity;
    const auto r = simulate_service(model, cfg, reqs);
    INFO("fidelity " << (fidelity == Fidelity::kRequest ? "request" : "iteration"));
    CHECK(r.preemptions == 0);
    for (const auto& q : r.requests) {
      CHECK(q.finished());
      CHECK(q.preemptions == 0);
    }
    CHECK(sum(r.series.prompt_tokens) == 40 * 200);  // no prompt prefilled twice
    CHECK(sum(r.series.output_tokens) == 40 * 300);
    const double interval_s = cfg.interval.to_seconds();
    double peak_batch = 0;
    for (const double b : r.series.batch_seconds) {
      peak_batch = std::max(peak_batch, b / interval_s);
    }
    CHECK(peak_batch <= 6 * (1 + 1e-12));
    CHECK(peak_batch > 5);  // and 6 do run together
    // Requests join in arrival order, six at a time: the seventh's first token comes after
    // the first's last.
    CHECK(r.requests[6].first_token > r.requests[0].end);
    check_energy(r, cfg, model);
  }
}

TEST_CASE("Service: requests go to the least loaded replica", "[service]") {
  const auto chip = h100();
  const auto model = tiny_model(tiny_spec(), chip);
  const auto cfg = config(2, 0);
  const std::vector<Request> reqs{
      {SimTime::zero(), 50, 4}, {SimTime::zero(), 50, 4}, {SimTime::zero(), 50, 4}};
  const auto r = simulate_service(model, cfg, reqs);
  CHECK(r.requests[0].replica == 0);
  CHECK(r.requests[1].replica == 1);
  CHECK(r.requests[2].replica == 0);  // both hold one: the first
  // The first two start at once, each alone on its replica: the same first token.
  const SimTime first = ticks_of(model.cost(prefill(0, 50, true)));
  CHECK(r.requests[0].first_token == first);
  CHECK(r.requests[1].first_token == first);
  // The second stays alone: 3 decode iterations over 50, 51 and 52 cached tokens.
  CHECK(r.requests[1].end == first + ticks_of(model.cost(decode(50))) +
                                 ticks_of(model.cost(decode(51))) +
                                 ticks_of(model.cost(decode(52))));
  // The third waits for replica 0's first iteration, then shares replica 0's next one with
  // the first request's decode token: 50 + 1 tokens.
  IterationLoad shared = prefill(0, 50, true);
  shared.decode_tokens = 1;
  shared.decode_context = 50;
  CHECK(r.requests[2].first_token == first + ticks_of(model.cost(shared)));
  CHECK(r.requests[0].end > r.requests[1].end);
  check_energy(r, cfg, model);
}

TEST_CASE("Service: the horizon stops the run and cuts what is in flight", "[service]") {
  const auto chip = h100();
  const auto model = tiny_model(tiny_spec(512, 32), chip);
  const auto reqs = poisson_load(300, 400);
  auto cfg = config(2, 1);
  const auto full = simulate_service(model, cfg, reqs);
  REQUIRE(full.end > SimTime::nanoseconds(500'000'000));
  // Stop at 0.4 s, on an interval's edge.
  cfg.until = SimTime::nanoseconds(400'000'000);
  const auto cut = simulate_service(model, cfg, reqs);
  CHECK(cut.end == cfg.until);
  std::int64_t unfinished = 0;
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    const auto& q = cut.requests[i];
    if (q.finished()) {
      CHECK(q.end <= cfg.until);
      // The horizon does not change the past.
      CHECK(q.end == full.requests[i].end);
      CHECK(q.first_token == full.requests[i].first_token);
    } else {
      CHECK(q.end == SimTime::max());
      CHECK(q.generated < q.output_tokens);
      ++unfinished;
    }
    if (q.arrival > cfg.until) {
      CHECK(q.first_token == SimTime::max());
    }
  }
  CHECK(unfinished > 0);
  CHECK(unfinished < 300);
  check_energy(cut, cfg, model);
  // Energy up to the stop is the full run's up to then, interval by interval (an
  // iteration in flight at the stop counted in proportion to its time before it).
  REQUIRE(cut.series.it_joules.size() == 4);
  for (std::size_t k = 0; k < 4; ++k) {
    CHECK(cut.series.it_joules[k] == Approx(full.series.it_joules[k]).epsilon(1e-9));
    CHECK(cut.series.accelerator_joules[k] ==
          Approx(full.series.accelerator_joules[k]).epsilon(1e-9));
  }
}

TEST_CASE("Service: two runs are identical", "[service]") {
  const auto chip = h100();
  auto chip_small = chip;
  chip_small.memory = units::Bytes::from_si(324608.0 + 588288.0 + 3000.0 * 512);
  auto spec = tiny_spec(256, 16);
  spec.memory_utilisation = 1.0;
  const auto model = tiny_model(spec, chip_small);
  const auto reqs = poisson_load(200, 300);
  const auto cfg = config(2, 0);
  const auto a = simulate_service(model, cfg, reqs);
  const auto b = simulate_service(model, cfg, reqs);
  REQUIRE(a.requests.size() == b.requests.size());
  for (std::size_t i = 0; i < a.requests.size(); ++i) {
    CHECK(a.requests[i].first_token == b.requests[i].first_token);
    CHECK(a.requests[i].end == b.requests[i].end);
    CHECK(a.requests[i].replica == b.requests[i].replica);
    CHECK(a.requests[i].preemptions == b.requests[i].preemptions);
    CHECK(a.requests[i].it_joules == b.requests[i].it_joules);
  }
  CHECK(a.iterations == b.iterations);
  CHECK(a.preemptions == b.preemptions);
  CHECK(a.it_joules() == b.it_joules());
  CHECK(a.series.kv_token_seconds == b.series.kv_token_seconds);
  CHECK(a.power_bins == b.power_bins);
}

TEST_CASE("Service: latency percentiles by nearest rank, and goodput", "[service]") {
  // Ten finished requests, given out of order: the k-th (k = 1..10) with a first token k
  // seconds after it arrives and 10 more tokens k x 10 ms apart (TPOT 0.01 k).
  std::vector<RequestOutcome> v;
  for (const int k : {7, 3, 10, 1, 5, 9, 2, 8, 4, 6}) {
    RequestOutcome o;
    o.arrival = SimTime::seconds(100);
    o.first_token = o.arrival + SimTime::seconds(k);
    o.end = o.first_token + SimTime::nanoseconds(k * 100'000'000LL);
    o.output_tokens = 11;
    o.generated = 11;
    v.push_back(o);
  }
  // Nearest rank over 10: p50 the 5th, p90 the 9th, p99 the 10th.
  auto s = summarise_latency(v, std::nullopt, std::nullopt);
  CHECK(s.finished == 10);
  CHECK(s.ttft_p50 == Approx(5).epsilon(kRelative));
  CHECK(s.ttft_p90 == Approx(9).epsilon(kRelative));
  CHECK(s.ttft_p99 == Approx(10).epsilon(kRelative));
  CHECK(s.tpot_p50 == Approx(0.05).epsilon(kRelative));
  CHECK(s.tpot_p90 == Approx(0.09).epsilon(kRelative));
  CHECK(s.tpot_p99 == Approx(0.10).epsilon(kRelative));
  CHECK_FALSE(s.goodput.has_value());
  // One more finished with a single output token (no TPOT) and a first token after 20 s,
  // and one that never finished.
  RequestOutcome single;
  single.first_token = SimTime::seconds(20);
  single.end = single.first_token;
  single.output_tokens = 1;
  v.push_back(single);
  RequestOutcome cut;
  cut.arrival = SimTime::seconds(5);
  cut.first_token = SimTime::seconds(6);
  cut.output_tokens = 50;
  v.push_back(cut);
  s = summarise_latency(v, std::nullopt, std::nullopt);
  CHECK(s.finished == 11);
  // TTFT over 11: ranks ceil(5.5) = 6, ceil(9.9) = 10, ceil(10.89) = 11.
  CHECK(s.ttft_p50 == Approx(6).epsilon(kRelative));
  CHECK(s.ttft_p90 == Approx(10).epsilon(kRelative));
  CHECK(s.ttft_p99 == Approx(20).epsilon(kRelative));
  // TPOT still over the 10.
  CHECK(s.tpot_p50 == Approx(0.05).epsilon(kRelative));
  CHECK(s.tpot_p99 == Approx(0.10).epsilon(kRelative));
  // Goodput over all 12 accepted: TTFT <= 5.5 s holds for k = 1..5; TPOT <= 75 ms for
  // k = 1..7 and the single-token one; both for k = 1..5.
  CHECK(summarise_latency(v, 5.5, std::nullopt).goodput.value() == Approx(5.0 / 12));
  CHECK(summarise_latency(v, std::nullopt, 0.075).goodput.value() == Approx(8.0 / 12));
  CHECK(summarise_latency(v, 5.5, 0.075).goodput.value() == Approx(5.0 / 12));
  // Nothing finished: NaN percentiles, goodput 0.
  const auto none = summarise_latency({cut}, 1.0, std::nullopt);
  CHECK(none.finished == 0);
  CHECK(std::isnan(none.ttft_p50));
  CHECK(none.goodput.value() == 0);
}

TEST_CASE("Service: a request ending on an interval's edge keeps the series aligned", "[service]") {
  const auto chip = h100();
  const auto model = tiny_model(tiny_spec(), chip);
  const auto cfg = config(1, 0);  // intervals of 100 ms
  // One request of 100 + 3 tokens takes a prefill and 2 decode iterations; it arrives so
  // that it ends, and the run stops, exactly at 100 ms.
  const SimTime duration = ticks_of(model.cost(prefill(0, 100, true))) +
                           ticks_of(model.cost(decode(100))) + ticks_of(model.cost(decode(101)));
  const SimTime edge = SimTime::nanoseconds(100'000'000);
  const std::vector<Request> reqs{{edge - duration, 100, 3}};
  const auto r = simulate_service(model, cfg, reqs);
  REQUIRE(r.requests[0].end == edge);
  REQUIRE(r.end == edge);
  // Every series has one value per interval of [0, 100 ms), the same number, and keeps its
  // counts: what happens at the stop belongs to the last interval.
  const auto n = r.series.it_joules.size();
  CHECK(n == 1);
  CHECK(r.series.arrived.size() == n);
  CHECK(r.series.finished.size() == n);
  CHECK(r.series.prompt_tokens.size() == n);
  CHECK(r.series.output_tokens.size() == n);
  CHECK(r.series.batch_seconds.size() == n);
  CHECK(r.series.kv_token_seconds.size() == n);
  CHECK(r.series.accelerator_joules.size() == n);
  CHECK(sum(r.series.finished) == 1);
  CHECK(sum(r.series.output_tokens) == 3);
  check_energy(r, cfg, model);
  // A run stopped at 0 with an arrival at 0: its series are as long as one another too.
  auto at_zero = cfg;
  at_zero.until = SimTime::zero();
  const std::vector<Request> first{{SimTime::zero(), 100, 3}};
  const auto z = simulate_service(model, at_zero, first);
  CHECK(z.end == SimTime::zero());
  CHECK(z.it_joules() == 0);
  CHECK_FALSE(z.requests[0].finished());
  CHECK(z.series.arrived.size() == z.series.it_joules.size());
  CHECK(z.series.kv_token_seconds.size() == z.series.it_joules.size());
}
