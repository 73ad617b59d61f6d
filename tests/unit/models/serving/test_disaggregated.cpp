// Disaggregated prefill and decode (models/serving/service): prompts run on the prefill
// pool, each cache crosses the fabric, the decode pool generates the rest; every request
// finishes, energy is conserved, and the handoff shows in the time per output token.
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include <fmt/format.h>
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

using footprint::test_util::llama_70b;
using footprint::test_util::sum;

namespace {

constexpr double kRelative = 1e-12;

ServingModel model_70b() {
  const AcceleratorLibrary lib;
  const auto chip = *lib.find("H100");
  ServingModelSpec spec;
  spec.model = llama_70b();
  spec.layout.tensor = 4;
  spec.max_batch = 64;
  return ServingModel(spec, chip, job_network(chip));
}

ServiceConfig base() {
  ServiceConfig cfg;
  cfg.host_watts = 100;
  cfg.interval = SimTime::minutes(1);
  cfg.power_bin = SimTime::seconds(10);
  return cfg;
}

}  // namespace

TEST_CASE("Disaggregated: a KV cache's transfer time is its shard over one link",
          "[service][disaggregated]") {
  const auto m = model_70b();
  // 70B, TP4, 8 KV heads: 2 x 2 heads x 128 x 2 bytes x 80 layers = 81,920 bytes a token
  // per device; 1000 tokens over 50 GB/s at the step model's network efficiency, plus the
  // 5 us scale-out latency.
  const double bytes = 1000.0 * 81920.0;
  const double t = m.kv_transfer_seconds(1000);
  CHECK(m.kv_bytes_per_token_per_device() == Approx(81920.0));
  // H100's 16-bit network efficiency in the step model's table is 1.00: 1.6434 ms.
  CHECK(t == Approx(bytes / 50e9 + 5e-6).epsilon(1e-12));
  CHECK(m.kv_transfer_seconds(0) == Approx(5e-6));
}

TEST_CASE("Disaggregated: every request finishes, energy is conserved, the pools split",
          "[service][disaggregated]") {
  const auto m = model_70b();
  const auto reqs = poisson(4.0, 1200, SimTime::zero(), TokenLength::log_normal(1000, 800),
                            TokenLength::log_normal(250, 250), 21);
  auto co = base();
  co.replicas = 4;
  auto dis = base();
  dis.disaggregated = Disaggregation{1, 3};
  const auto a = simulate_service(m, co, reqs);
  const auto b = simulate_service(m, dis, reqs);
  double req_it = 0;
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    const auto& q = b.requests[i];
    REQUIRE(q.finished());
    CHECK(q.generated == q.output_tokens);
    // Decoded on a decode replica (1 to 3) unless it had one output token.
    if (q.output_tokens > 1) {
      CHECK(q.replica >= 1);
    }
    req_it += q.it_joules;
  }
  CHECK(req_it + b.idle_joules + b.reserve_joules == Approx(b.it_joules()).epsilon(kRelative));
  CHECK(sum(b.power_bins) * dis.power_bin.to_seconds() == Approx(b.it_joules()).epsilon(kRelative));
  CHECK(sum(b.series.output_tokens) == Approx(sum(a.series.output_tokens)));
  const auto la = summarise_latency(a.requests, std::nullopt, std::nullopt);
  const auto lb = summarise_latency(b.requests, std::nullopt, std::nullopt);
  INFO(
      fmt::format("co-located TTFT p50 {:.3f} p99 {:.3f} s, TPOT p50 {:.1f} p99 {:.1f} ms, {:.4g} "
                  "J; disaggregated TTFT p50 {:.3f} p99 {:.3f} s, TPOT p50 {:.1f} p99 {:.1f} ms, "
                  "{:.4g} J",
                  la.ttft_p50, la.ttft_p99, 1e3 * la.tpot_p50, 1e3 * la.tpot_p99, a.it_joules(),
                  lb.ttft_p50, lb.ttft_p99, 1e3 * lb.tpot_p50, 1e3 * lb.tpot_p99, b.it_joules()));
  // Decode iterations no longer carry prefill chunks: the tail of TPOT falls.
  CHECK(lb.tpot_p99 < la.tpot_p99);
  // One prefill replica for 4 requests a second of 1000-token prompts: bursts queue there,
  // so the slowest first tokens wait longer than with prefill spread over four replicas.
  CHECK(lb.ttft_p99 > la.ttft_p99);
}
