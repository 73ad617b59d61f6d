// The serving model's iteration (models/serving/iteration): the memory a replica needs and
// the cost of one iteration, each against a hand computation from the roofline's equations
// (weights and KV cache read at memory_efficiency x HBM bandwidth, matmuls at the step
// model's matmul efficiency x peak, attention at its attention efficiency x the 16-bit
// peak, a fixed overhead per layer, power by boundness).
#include <cmath>
#include <regex>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "models/accelerators/accelerator.hpp"
#include "models/accelerators/frequency.hpp"
#include "models/serving/iteration.hpp"
#include "models/workloads/step_model.hpp"
#include "models/workloads/transformer.hpp"
#include "serving_fixtures.hpp"

using namespace footprint::models;
namespace units = footprint::units;

using footprint::test_util::h100;
using footprint::test_util::llama_70b;
using footprint::test_util::llama_8b;

namespace {

constexpr double kRelative = 1e-12;

/// Round serving constants, so that the hand arithmetic is plain: half of HBM bandwidth,
/// 10 us per layer, memory-bound draw at half of the span above idle.
ServingCalibration round_calibration() {
  ServingCalibration c;
  c.chip = "H100";
  c.memory_efficiency = 0.5;
  c.layer_overhead_s = 10e-6;
  c.memory_utilisation = 0.5;
  c.source = "test";
  return c;
}

/// Llama 3.1 70B's parameters by hand: embeddings 2 x V d (untied); per layer Q and O
/// d x d each, K and V d x (kv_heads x d_head) each, three d x d_ff matrices.
double llama_70b_parameters() {
  const double d = 8192;
  const double kv_width = 8 * 128;
  const double layer = 2 * d * d + 2 * d * kv_width + 3 * d * 28672;
  return 2 * 128256 * d + 80 * layer;
}

/// Llama 3.1 8B's, the same way.
double llama_8b_parameters() {
  const double d = 4096;
  const double kv_width = 8 * 128;
  const double layer = 2 * d * d + 2 * d * kv_width + 3 * d * 14336;
  return 2 * 128256 * d + 32 * layer;
}

JobNetwork network_without_latency(const AcceleratorType& chip) {
  JobNetwork n = job_network(chip);
  n.scale_up_latency = units::Seconds::zero();
  n.scale_out_latency = units::Seconds::zero();
  return n;
}

ServingModelSpec spec_of(const TransformerSpec& m, std::int64_t tensor) {
  ServingModelSpec s;
  s.model = m;
  s.layout.tensor = tensor;
  return s;
}

}  // namespace

TEST_CASE("Serving model: Llama 3.1 70B's weights on 4 H100", "[serving]") {
  const auto chip = h100();
  const ServingModel model(spec_of(llama_70b(), 4), chip, job_network(chip));
  // 70.55e9 parameters (Meta publishes 70.6B), 2 bytes each, split over 4 devices: no key
  // or value projection is replicated, 8 KV heads over 4 ranks.
  const double params = llama_70b_parameters();
  CHECK(params == Approx(70.55e9).epsilon(1e-3));
  CHECK(model.weight_bytes_per_device() == Approx(params * 2 / 4).epsilon(kRelative));
  CHECK(model.devices() == 4);
  // Activations reserved for the largest iteration (8192 tokens, 256 sequences): per token
  // 2 bytes x (4 d + 3 d_ff / tensor), and FP32 logits of 256 x V over 4 ranks.
  const double activations = 8192 * 2.0 * (4 * 8192 + 3 * 28672 / 4.0) + 256 * 128256 * 4.0 / 4;
  CHECK(model.activation_bytes_per_device() == Approx(activations).epsilon(kRelative));
  // KV cache: 0.9 x 80 GB less weights and activations, at 81920 bytes per token (below).
  const double free = 0.9 * 80e9 - params * 2 / 4 - activations;
  CHECK(static_cast<double>(model.kv_capacity_tokens()) ==
        Approx(std::floor(free / 81920)).margin(1));
}

TEST_CASE("Serving model: GQA's KV cache per token splits over min(tensor, kv_heads) ranks",
          "[serving]") {
  const auto chip = h100();
  const auto net = job_network(chip);
  // Per token and layer: keys and values of 8 heads of 128, 2 bytes: 4096 bytes, over
  // min(tensor, 8) ranks; 80 layers.
  const double whole = 2.0 * 8 * 128 * 2 * 80;  // 327680 bytes
  const ServingModel t4(spec_of(llama_70b(), 4), chip, net);
  const ServingModel t8(spec_of(llama_70b(), 8), chip, net);
  const ServingModel t16(spec_of(llama_70b(), 16), chip, net);
  CHECK(t4.kv_bytes_per_token_per_device() == Approx(whole / 4).epsilon(kRelative));
  CHECK(t8.kv_bytes_per_token_per_device() == Approx(whole / 8).epsilon(kRelative));
  // Beyond 8 ranks each KV head is replicated on 2 ranks: the same bytes per device as 8.
  CHECK(t16.kv_bytes_per_token_per_device() == Approx(whole / 8).epsilon(kRelative));
  // ... and so are the key and value projections: 2 d (8 x 128) x 80 more parameters in all.
  const double replicated = 2.0 * 8192 * 8 * 128 * 80;
  CHECK(t16.weight_bytes_per_device() ==
        Approx((llama_70b_parameters() + replicated) * 2 / 16).epsilon(kRelative));
  // An FP8 cache is half; pipeline stages each hold half of the layers.
  auto fp8 = spec_of(llama_70b(), 8);
  fp8.kv_cache = KvFormat::kFp8;
  CHECK(ServingModel(fp8, chip, net).kv_bytes_per_token_per_device() ==
        Approx(whole / 16).epsilon(kRelative));
  auto staged = spec_of(llama_70b(), 4);
  staged.layout.pipeline = 2;
  CHECK(ServingModel(staged, chip, net).kv_bytes_per_token_per_device() ==
        Approx(whole / 4 / 2).epsilon(kRelative));
}

TEST_CASE("Serving model: MLA's latent cache is replicated on each tensor rank", "[serving]") {
  TransformerSpec m;
  m.decoder_layers = 4;
  m.d_model = 1024;
  m.d_ff = 4096;
  m.ffn = FfnKind::kGated;
  m.heads = 8;
  m.d_head = 128;
  m.attention = AttentionKind::kLatent;
  m.kv_rank = 512;
  m.rope_dim = 64;
  m.vocabulary = 1000;
  m.sequence = 4096;
  const auto chip = h100();
  const auto net = job_network(chip);
  // Per token and layer: the latent (512) and the shared RoPE key (64), 2 bytes each, on
  // every rank whatever the tensor split: 576 x 2 x 4 = 4608 bytes.
  const double per_token = (512.0 + 64) * 2 * 4;
  CHECK(ServingModel(spec_of(m, 1), chip, net).kv_bytes_per_token_per_device() ==
        Approx(per_token).epsilon(kRelative));
  CHECK(ServingModel(spec_of(m, 8), chip, net).kv_bytes_per_token_per_device() ==
        Approx(per_token).epsilon(kRelative));
}

TEST_CASE("Serving model: a replica that does not fit says by how much", "[serving]") {
  const auto chip = h100();
  // Llama 3.1 70B on 1 H100: weights 2 x 70.55e9 = 141.10 GB; activations 8192 x 2 x
  // (4 x 8192 + 3 x 28672) + 256 x 128256 x 4 = 2.0775 GB; KV cache of one sequence of
  // 8192 tokens at 327680 bytes = 2.6844 GB; usable 0.9 x 80 = 72 GB: 73.87 GB too much.
  const double weights = 2 * llama_70b_parameters();
  const double activations = 8192 * 2.0 * (4 * 8192 + 3 * 28672) + 256 * 128256 * 4.0;
  const double kv = 327680.0 * 8192;
  const double too_much_gb = (weights + activations + kv - 0.9 * 80e9) / 1e9;
  CHECK(too_much_gb == Approx(73.87).margin(0.01));
  std::string message;
  try {
    const ServingModel model(spec_of(llama_70b(), 1), chip, job_network(chip));
  } catch (const std::invalid_argument& e) {
    message = e.what();
  }
  CAPTURE(message);
  std::smatch match;
  REQUIRE(std::regex_search(message, match, std::regex(R"(([0-9.]+) GB too much)")));
  // Printed with one decimal.
  CHECK(std::stod(match[1].str()) == Approx(too_much_gb).margin(0.05 + 1e-9));
  CHECK(message.find("does not fit") != std::string::npos);
  // On 2 devices not either (70.6 GB of weights, 1.3 GB of activations and 1.3 GB of KV
  // cache: 1.2 GB too much); on 4 it fits.
  CHECK_THROWS_WITH(ServingModel(spec_of(llama_70b(), 2), chip, job_network(chip)),
                    Catch::Matchers::Contains("1.2 GB too much"));
  CHECK_NOTHROW(ServingModel(spec_of(llama_70b(), 4), chip, job_network(chip)));
}

TEST_CASE("Serving model: layouts that do not divide the model throw", "[serving]") {
  const auto chip = h100();
  const auto net = job_network(chip);
  // 64 heads over 3 ranks.
  CHECK_THROWS_AS(ServingModel(spec_of(llama_70b(), 3), chip, net), std::invalid_argument);
  CHECK_THROWS_WITH(ServingModel(spec_of(llama_70b(), 3), chip, net),
                    Catch::Matchers::Contains("tensor 3 does not divide the model's 64 heads"));
  // A mixture of 6 experts over 4 expert groups; 2 groups divide both.
  TransformerSpec moe;
  moe.decoder_layers = 4;
  moe.d_model = 1024;
  moe.d_ff = 2048;
  moe.ffn = FfnKind::kGated;
  moe.heads = 8;
  moe.vocabulary = 1000;
  moe.sequence = 2048;
  moe.experts = 6;
  moe.top_k = 2;
  moe.moe_every = 1;
  auto bad = spec_of(moe, 4);
  bad.layout.expert = 4;
  CHECK_THROWS_AS(ServingModel(bad, chip, net), std::invalid_argument);
  CHECK_THROWS_WITH(ServingModel(bad, chip, net),
                    Catch::Matchers::Contains("the model's 6 experts"));
  auto good = spec_of(moe, 4);
  good.layout.expert = 2;
  CHECK_NOTHROW(ServingModel(good, chip, net));
}

TEST_CASE("Serving model: a small decode iteration is memory-bound and reads the weights once",
          "[serving]") {
  const auto chip = h100();
  const auto cal = round_calibration();
  const ServingModel model(spec_of(llama_8b(), 1), chip, job_network(chip), cal);
  const double bw = 3350e9 * 0.5;
  REQUIRE(units::to_bytes_per_second(chip.memory_bandwidth) == Approx(3350e9));
  // Read per iteration: every weight but the input embedding (only the rows looked up),
  // 2 bytes each.
  const double weight_bytes = (llama_8b_parameters() - 128256.0 * 4096) * 2;
  // KV cache per token: 8 heads x 128 x keys and values x 2 bytes x 32 layers.
  const double kv_per_token = 2.0 * 8 * 128 * 2 * 32;
  CHECK(model.kv_bytes_per_token_per_device() == Approx(kv_per_token).epsilon(kRelative));
  const double overhead = 32 * 10e-6;
  IterationLoad one;
  one.decode_tokens = 1;
  const auto c0 = model.cost(one);
  // The lower bound: the weights at the achieved bandwidth, plus the layers' overhead.
  CHECK(c0.seconds >= weight_bytes / bw + overhead);
  // Exactly: weights, the one new token's keys and values written, overhead (the matmuls,
  // 2 x 7e9 FLOPs at 0.55 x 989 TFLOP/s, take 27 us against 9 ms of reading).
  CHECK(c0.seconds == Approx((weight_bytes + kv_per_token) / bw + overhead).epsilon(kRelative));
  // 8000 tokens of context read once more each.
  IterationLoad long_context = one;
  long_context.decode_context = 8000;
  const auto c1 = model.cost(long_context);
  CHECK(c1.seconds - c0.seconds == Approx(8000 * kv_per_token / bw).epsilon(1e-9));
  // Energy: one device between idle and TDP over the iteration; memory-bound, so between
  // the memory-bound draw (half of the span above idle) and the compute draw.
  const double idle = units::to_watts(chip.idle);
  const double tdp = units::to_watts(chip.tdp);
  const double u_compute = phase_power(chip).compute_utilisation;
  for (const auto& c : {c0, c1}) {
    CHECK(c.accelerator_joules >= idle * c.seconds);
    CHECK(c.accelerator_joules <= tdp * c.seconds);
    CHECK(c.accelerator_joules >= (idle + (tdp - idle) * 0.5) * c.seconds * (1 - 1e-12));
    CHECK(c.accelerator_joules <= (idle + (tdp - idle) * u_compute) * c.seconds);
  }
}

TEST_CASE("Serving model: a long prefill is compute-bound", "[serving]") {
  const auto chip = h100();
  const auto cal = round_calibration();
  const ServingModel model(spec_of(llama_8b(), 1), chip, job_network(chip), cal);
  const auto step = require_calibration(chip, ComputeFormat::k16Bit).calibration;
  const double peak = 989e12 * step->matmul_efficiency;
  const double peak_attention = 989e12 * step->attention_efficiency;
  REQUIRE(units::to_flops_per_second(chip.peak) == Approx(989e12));
  // One prompt of 2048 tokens: 2 FLOPs per non-embedding weight per token, and one
  // token's logits (2 d V); attention over 2048 x 2049 / 2 pairs, 2 x 2 x heads x d_head
  // per pair and layer.
  const double n = 2048;
  IterationLoad load;
  load.prefill_tokens = 2048;
  load.prefill_context = n * (n + 1) / 2;
  load.prefill_last = 1;
  const double matmul = 2 * (llama_8b_parameters() - 2 * 128256.0 * 4096) * n + 2.0 * 4096 * 128256;
  const double attention = 2.0 * 2 * 32 * 128 * 32 * load.prefill_context;
  const double t_compute = matmul / peak + attention / peak_attention;
  const double overhead = 32 * 10e-6;
  const auto c = model.cost(load);
  // 52 ms of matmuls against 9 ms of reading weights; 2 ms of attention against 0.2 ms of
  // reading keys and values.
  CHECK(c.seconds == Approx(t_compute + overhead).epsilon(1e-12));
  // About 2 x active (non-embedding) parameters x tokens / (peak x matmul efficiency).
  CHECK(c.seconds ==
        Approx(2 * (llama_8b_parameters() - 2 * 128256.0 * 4096) * n / peak).epsilon(0.1));
  // Energy: compute-bound at the compute draw; the overhead at the memory-bound draw.
  const double idle = units::to_watts(chip.idle);
  const double span = units::to_watts(chip.tdp) - idle;
  const double u_compute = phase_power(chip).compute_utilisation;
  CHECK(c.accelerator_joules ==
        Approx(t_compute * (idle + span * u_compute) + overhead * (idle + span * 0.5))
            .epsilon(1e-12));
  CHECK(c.accelerator_joules >= idle * c.seconds);
  CHECK(c.accelerator_joules <= units::to_watts(chip.tdp) * c.seconds);
}

TEST_CASE("Serving model: twice the tensor ranks read half the weights each", "[serving]") {
  const auto chip = h100();
  const auto cal = round_calibration();
  const auto net = network_without_latency(chip);
  const ServingModel t4(spec_of(llama_70b(), 4), chip, net, cal);
  const ServingModel t8(spec_of(llama_70b(), 8), chip, net, cal);
  IterationLoad one;
  one.decode_tokens = 1;
  const auto c4 = t4.cost(one);
  const auto c8 = t8.cost(one);
  const double overhead = 80 * 10e-6;
  // Without the overhead: 139 GB / 4 (or 8) ranks at 1.675 TB/s, 21 (10) ms; the all-reduces
  // of one token's 16 kB without latency are 9 us in all.
  const double weights = (llama_70b_parameters() - 128256.0 * 8192) * 2;
  CHECK(c4.seconds - overhead == Approx(weights / 4 / (3350e9 * 0.5)).epsilon(1e-3));
  CHECK(c8.seconds - overhead == Approx((c4.seconds - overhead) / 2).epsilon(1e-3));
  // Energy: outside the overhead (each device at the memory-bound draw), 8 devices for
  // half as long draw what 4 draw.
  const double idle = units::to_watts(chip.idle);
  const double p_overhead = idle + (units::to_watts(chip.tdp) - idle) * 0.5;
  CHECK(c8.accelerator_joules - 8 * overhead * p_overhead ==
        Approx(c4.accelerator_joules - 4 * overhead * p_overhead).epsilon(1e-3));
}

TEST_CASE("Serving model: a MoE layer's tokens touch more experts the more they are", "[serving]") {
  // 16 MoE layers of 8 SwiGLU experts (d 2048, 8192), top 2; 16 heads, 4 KV heads.
  TransformerSpec m;
  m.decoder_layers = 16;
  m.d_model = 2048;
  m.d_ff = 8192;
  m.ffn = FfnKind::kGated;
  m.heads = 16;
  m.kv_heads = 4;
  m.vocabulary = 32000;
  m.sequence = 4096;
  m.experts = 8;
  m.top_k = 2;
  m.moe_every = 1;
  const auto chip = h100();
  const ServingModel model(spec_of(m, 1), chip, job_network(chip), round_calibration());
  const double bw = 3350e9 * 0.5;
  const double expert_bytes = 3.0 * 2048 * 8192 * 2;  // one expert of one layer
  // Dense weights read: embeddings (tied, read as the output layer), attention (Q and O
  // d x d, K and V d x 512) and the routers (d x 8).
  const double dense_bytes =
      (32000.0 * 2048 + 16 * (2.0 * 2048 * 2048 + 2.0 * 2048 * 512 + 2048.0 * 8)) * 2;
  const double kv_per_token = 2.0 * 4 * 128 * 2 * 16;
  const double overhead = 16 * 10e-6;
  IterationLoad one;
  one.decode_tokens = 1;
  // One token: its 2 experts in each layer.
  const auto c1 = model.cost(one);
  CHECK(
      c1.seconds ==
      Approx((dense_bytes + 2 * expert_bytes * 16 + kv_per_token) / bw + overhead).epsilon(1e-12));
  // 64 tokens: each expert left untouched by all of them with probability (6/8)^64, so
  // 8 (1 - 0.75^64) = 7.99999 experts per layer are read.
  IterationLoad many;
  many.decode_tokens = 64;
  const auto c64 = model.cost(many);
  const double touched = 8 * (1 - std::pow(0.75, 64));
  CHECK(touched == Approx(8).epsilon(1e-7));
  CHECK(c64.seconds ==
        Approx((dense_bytes + touched * expert_bytes * 16 + 64 * kv_per_token) / bw + overhead)
            .epsilon(1e-12));
  CHECK(c64.seconds > 3 * (c1.seconds - overhead));
}

TEST_CASE("Serving model: a power limit slows compute-bound prefill, not memory-bound decode",
          "[serving][power_limit]") {
  // docs/power-limits.md: each roofline term at a draw above what the limit allows runs at
  // the clock that gives the allowed draw; its compute time x 1 / clock, its memory time kept.
  const AcceleratorType chip = h100();
  const auto cal = round_calibration();
  auto spec = spec_of(llama_8b(), 1);
  const ServingModel free(spec, chip, job_network(chip), cal);
  spec.power_limit = units::watts(400);
  const ServingModel limited(spec, chip, job_network(chip), cal);
  const auto& c = calibrated_frequency_constants();
  // The H100: idle 100 W, TDP 700 W. Allowed at 400 W: 100 + 300 h = 387.9 W.
  const double allowed = 100 + 300 * c.headroom;
  // A small decode iteration: memory-bound, near the memory draw, 100 + 600 x 0.5 = 400 W
  // (its small compute share adds a little): capped at the allowed draw, the same time.
  IterationLoad decode;
  decode.decode_tokens = 8;
  decode.decode_context = 8 * 1000;
  const auto fd = free.cost(decode);
  const auto ld = limited.cost(decode);
  CHECK(ld.seconds == Approx(fd.seconds).epsilon(kRelative));
  CHECK(ld.accelerator_joules < fd.accelerator_joules);
  // A long prefill: compute-bound at the compute draw, slowed by 1 / f on its matmuls.
  IterationLoad prefill;
  prefill.prefill_tokens = 8192;
  prefill.prefill_context = 8192.0 * 8193.0 / 2.0;
  prefill.prefill_last = 1;
  const auto fp = free.cost(prefill);
  const auto lp = limited.cost(prefill);
  const double p_compute = units::to_watts(chip.power_at(0.917));  // the step model's H100 u
  const double f = std::pow((allowed - 100) / (p_compute - 100), 1 / c.exponent);
  CHECK(lp.seconds > fp.seconds);
  CHECK(lp.seconds < fp.seconds / f * (1 + 1e-9));  // overhead and memory terms keep their time
  CHECK(lp.seconds > fp.seconds * (0.95 / f));      // mostly compute
  // A limit that binds nowhere (at the TDP: allowed 676 W, above the 650 W compute draw).
  spec.power_limit = units::watts(700);
  const ServingModel loose(spec, chip, job_network(chip), cal);
  CHECK(loose.cost(prefill).seconds == fp.seconds);
  CHECK(loose.cost(prefill).accelerator_joules == fp.accelerator_joules);
}
