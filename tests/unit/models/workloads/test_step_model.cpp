// The step model's parts, each against a hand computation on a made-up chip and network
// (models/workloads/step_model; docs/models.md, "Step model").
#include <algorithm>
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "models/accelerators/accelerator.hpp"
#include "models/workloads/step_model.hpp"
#include "models/workloads/transformer.hpp"

using namespace footprint::models;
namespace units = footprint::units;

namespace {

constexpr double kRelative = 1e-12;

/// A chip with round numbers: 100 TFLOP/s 16-bit, 200 FP8, 1 TB/s of HBM, 1000 GB.
AcceleratorType test_chip() {
  AcceleratorType c;
  c.name = "TestChip";
  c.tdp = units::watts(500);
  c.idle = units::watts(100);
  c.peak = units::FlopRate::from_si(100e12);
  c.peak_fp8 = units::FlopRate::from_si(200e12);
  c.memory = units::Bytes::from_si(1000e9);
  c.memory_bandwidth = units::ByteRate::from_si(1e12);
  c.scale_up_domain = 8;
  c.scale_up_bandwidth = units::ByteRate::from_si(100e9);
  c.scale_out_bandwidth = units::ByteRate::from_si(10e9);
  return c;
}

/// Constants that make the arithmetic plain: half of peak, all of HBM and links.
ChipCalibration test_calibration() {
  ChipCalibration c;
  c.chip = "TestChip";
  c.matmul_efficiency = 0.5;
  c.attention_efficiency = 0.5;
  c.memory_efficiency = 1.0;
  c.network_efficiency = 1.0;
  return c;
}

JobNetwork network_without_latency(const AcceleratorType& chip) {
  JobNetwork n = job_network(chip);
  n.scale_up_latency = units::Seconds::zero();
  n.scale_out_latency = units::Seconds::zero();
  return n;
}

/// A GPT-like model: 8 layers, d 1024, 8 heads, d_ff 4096, vocabulary 1000, 512 tokens.
StepModelInput gpt_like() {
  StepModelInput in;
  in.model.decoder_layers = 8;
  in.model.d_model = 1024;
  in.model.d_ff = 4096;
  in.model.heads = 8;
  in.model.vocabulary = 1000;
  in.model.sequence = 512;
  in.tokens_per_step = 64 * 512.0;
  return in;
}

double phase_s(const StepEstimate& e, const std::string& name) {
  for (const auto& p : e.phases) {
    if (p.name == name) {
      return units::to_seconds(p.duration);
    }
  }
  return 0;
}

}  // namespace

TEST_CASE("Step model: hierarchical all-reduce of the gradients", "[step_model]") {
  // data 16 on domains of 8: reduce-scatter and all-gather inside (a = 8 members at
  // 100 GB/s), all-reduce across b = 2 domains of 1/8 of the bytes at 10 GB/s.
  const auto chip = test_chip();
  auto in = gpt_like();
  in.layout.data = 16;
  const auto e = estimate_step_with(in, chip, network_without_latency(chip), test_calibration());
  const auto counts = count_transformer(in.model);
  const double bytes = counts.dense_parameters * 2;
  const double inside = 2.0 * 7 / 8 * bytes / 100e9;
  const double across = 2.0 * 1 / 2 * (bytes / 8) / 10e9;
  CHECK(phase_s(e, "gradient-allreduce") == Approx(inside + across).epsilon(kRelative));
  // Half hidden behind the backward pass.
  in.gradient_overlap = 0.5;
  const auto half = estimate_step_with(in, chip, network_without_latency(chip), test_calibration());
  CHECK(phase_s(half, "gradient-allreduce") == Approx((inside + across) / 2).epsilon(kRelative));
}

TEST_CASE("Step model: gradients hidden up to the last microbatch's backward pass",
          "[step_model]") {
  const auto chip = test_chip();
  const auto net = network_without_latency(chip);
  auto in = gpt_like();
  in.layout = {.data = 16, .microbatches = 4};
  const auto exposed = estimate_step_with(in, chip, net, test_calibration());
  const double reduction = phase_s(exposed, "gradient-allreduce");
  const double span = phase_s(exposed, "compute") + phase_s(exposed, "attention");
  // The last of 4 microbatches' backward pass: 2 of its 3 passes.
  const double backward = span * 2.0 / 3.0 / 4.0;
  REQUIRE(backward < reduction);  // the window binds in this case
  in.gradient_overlap = 1.0;
  const auto all = estimate_step_with(in, chip, net, test_calibration());
  CHECK(phase_s(all, "gradient-allreduce") == Approx(reduction - backward).epsilon(1e-9));
  in.gradient_overlap = 0.25;
  const auto quarter = estimate_step_with(in, chip, net, test_calibration());
  CHECK(phase_s(quarter, "gradient-allreduce") == Approx(reduction * 0.75).epsilon(1e-9));
  // A sharded optimizer: the reduce-scatter behind that backward pass, the parameters'
  // all-gather (the same bytes here: 16-bit gradients and weights, one shard group of all
  // 16) behind the first microbatch's forward pass.
  in.precision.shard = Sharding::kOptimizer;
  in.gradient_overlap = 0;
  const auto zero1 = estimate_step_with(in, chip, net, test_calibration());
  const double each = phase_s(zero1, "gradient-allreduce") / 2;
  in.gradient_overlap = 1.0;
  const auto zero1_hidden = estimate_step_with(in, chip, net, test_calibration());
  const double forward = span / 3.0 / 4.0;
  CHECK(phase_s(zero1_hidden, "gradient-allreduce") ==
        Approx(std::max(0.0, each - backward) + std::max(0.0, each - forward)).epsilon(1e-9));
}

TEST_CASE("Step model: the loss over the vocabulary is element-wise traffic", "[step_model]") {
  // 52 bytes per logit (Megatron-Core's cross-entropy in 32 bits, kernel by kernel) on every
  // output token, the vocabulary split over the tensor ranks, at 1 TB/s.
  const auto chip = test_chip();
  const auto net = network_without_latency(chip);
  auto in = gpt_like();
  const auto v1000 = estimate_step_with(in, chip, net, test_calibration());
  in.model.vocabulary = 2000;
  const auto v2000 = estimate_step_with(in, chip, net, test_calibration());
  CHECK(phase_s(v2000, "elementwise") - phase_s(v1000, "elementwise") ==
        Approx(52.0 * 1000 * 64 * 512 / 1e12).epsilon(1e-9));
  in.layout.tensor = 2;
  const auto t2 = estimate_step_with(in, chip, net, test_calibration());
  in.model.vocabulary = 1000;
  const auto t1 = estimate_step_with(in, chip, net, test_calibration());
  CHECK(phase_s(t2, "elementwise") - phase_s(t1, "elementwise") ==
        Approx(52.0 * 1000 * 64 * 512 / 2 / 1e12).epsilon(1e-9));
}

TEST_CASE("Step model: FP8 matmuls at the FP8 peak, attention at 16 bits", "[step_model]") {
  const auto chip = test_chip();
  auto in = gpt_like();
  const auto net = network_without_latency(chip);
  const auto e16 = estimate_step_with(in, chip, net, test_calibration());
  in.precision.compute = ComputeFormat::kFp8;
  const auto e8 = estimate_step_with(in, chip, net, test_calibration());
  CHECK(phase_s(e8, "compute") == Approx(phase_s(e16, "compute") / 2).epsilon(kRelative));
  CHECK(phase_s(e8, "attention") == Approx(phase_s(e16, "attention")).epsilon(kRelative));
  // MFU against the peak of the format: FP8's is twice the 16-bit one.
  CHECK(e8.mfu == Approx(e8.achieved_flops_per_device / 200e12).epsilon(kRelative));
  CHECK(e16.mfu == Approx(e16.achieved_flops_per_device / 100e12).epsilon(kRelative));
  // The compute phase by hand: 3 passes x the dense forward FLOPs at half of 100 TFLOP/s.
  const auto counts = count_transformer(gpt_like().model);
  const double sequences = 64;
  CHECK(
      phase_s(e16, "compute") ==
      Approx(3 * counts.forward_matmul_flops_per_sequence * sequences / 50e12).epsilon(kRelative));
}

TEST_CASE("Step model: recomputation is charged as time", "[step_model]") {
  const auto chip = test_chip();
  auto in = gpt_like();
  const auto net = network_without_latency(chip);
  const auto none = estimate_step_with(in, chip, net, test_calibration());
  in.precision.recompute = Recompute::kSelective;
  const auto selective = estimate_step_with(in, chip, net, test_calibration());
  in.precision.recompute = Recompute::kFull;
  const auto full = estimate_step_with(in, chip, net, test_calibration());
  // Selective: the attention products once more (4 passes of 3); full: every matmul too.
  CHECK(phase_s(selective, "compute") == Approx(phase_s(none, "compute")).epsilon(kRelative));
  CHECK(phase_s(selective, "attention") ==
        Approx(phase_s(none, "attention") * 4 / 3).epsilon(kRelative));
  CHECK(phase_s(full, "compute") == Approx(phase_s(none, "compute") * 4 / 3).epsilon(kRelative));
  CHECK(phase_s(full, "attention") ==
        Approx(phase_s(none, "attention") * 4 / 3).epsilon(kRelative));
  // Element-wise traffic: 6 passes over the activations instead of 4; the loss over the
  // vocabulary (52 bytes per logit at 1 TB/s) is not recomputed.
  const double loss = 52.0 * 1000 * 64 * 512 / 1e12;
  CHECK(phase_s(full, "elementwise") - loss ==
        Approx((phase_s(none, "elementwise") - loss) * 6 / 4).epsilon(1e-9));
  // Memory: only each layer's input, 2 d bytes per token.
  CHECK(full.memory.activations < none.memory.activations / 10);
}

TEST_CASE("Step model: the interleaved schedule divides the bubble", "[step_model]") {
  const auto chip = test_chip();
  auto in = gpt_like();
  in.layout = {.data = 2, .pipeline = 4, .microbatches = 8};
  const auto net = network_without_latency(chip);
  const auto plain = estimate_step_with(in, chip, net, test_calibration());
  in.layout.virtual_stages = 2;
  const auto interleaved = estimate_step_with(in, chip, net, test_calibration());
  // bubble = (p - 1) / (m v) x the stage's work (point-to-point transfers included, which
  // double with v).
  const auto work = [](const StepEstimate& e) {
    double s = 0;
    for (const char* n : {"compute", "attention", "elementwise", "pipeline-p2p"}) {
      s += phase_s(e, n);
    }
    return s;
  };
  CHECK(phase_s(plain, "bubble") == Approx(3.0 / 8 * work(plain)).epsilon(kRelative));
  CHECK(phase_s(interleaved, "bubble") == Approx(3.0 / 16 * work(interleaved)).epsilon(kRelative));
  CHECK(phase_s(interleaved, "pipeline-p2p") ==
        Approx(2 * phase_s(plain, "pipeline-p2p")).epsilon(kRelative));
  // The first stage keeps more in flight: x (1 + 3 / 8).
  CHECK(interleaved.memory.activations ==
        Approx(plain.memory.activations * (1 + 3.0 / 8)).epsilon(kRelative));
}

TEST_CASE("Step model: context parallelism splits the sequence", "[step_model]") {
  const auto chip = test_chip();
  auto in = gpt_like();
  in.layout.data = 4;
  const auto net = network_without_latency(chip);
  const auto data_only = estimate_step_with(in, chip, net, test_calibration());
  in.layout = {.data = 2, .context = 2};
  CHECK(in.layout.devices() == 4);
  const auto ring = estimate_step_with(in, chip, net, test_calibration());
  // Each rank holds half of each of twice the sequences: the same activations; the same
  // FLOPs per device.
  CHECK(ring.memory.activations == Approx(data_only.memory.activations).epsilon(kRelative));
  CHECK(phase_s(ring, "compute") == Approx(phase_s(data_only, "compute")).epsilon(kRelative));
  // A context that does not divide the sequence is an error naming it.
  in.layout = {.data = 1, .context = 3};
  in.model.sequence = 512;
  CHECK_THROWS_WITH(estimate_step_with(in, chip, net, test_calibration()),
                    Catch::Matchers::Contains("context (3) does not divide the sequence (512)"));
}

TEST_CASE("Step model: sharding divides state and adds gathers", "[step_model]") {
  const auto chip = test_chip();
  auto in = gpt_like();
  in.layout.data = 8;
  const auto net = network_without_latency(chip);
  const auto replicated = estimate_step_with(in, chip, net, test_calibration());
  in.precision.shard = Sharding::kOptimizer;
  const auto zero1 = estimate_step_with(in, chip, net, test_calibration());
  CHECK(zero1.memory.optimizer == Approx(replicated.memory.optimizer / 8).epsilon(kRelative));
  CHECK(zero1.memory.gradients == Approx(replicated.memory.gradients).epsilon(kRelative));
  // ZeRO-1 within one domain of 8: reduce-scatter of the gradients and all-gather of the
  // parameters, each half an all-reduce: the same bytes as the all-reduce.
  CHECK(phase_s(zero1, "gradient-allreduce") ==
        Approx(phase_s(replicated, "gradient-allreduce")).epsilon(kRelative));
  in.precision.shard = Sharding::kParameters;
  const auto fsdp = estimate_step_with(in, chip, net, test_calibration());
  CHECK(fsdp.memory.gradients == Approx(replicated.memory.gradients / 8).epsilon(kRelative));
  CHECK(fsdp.memory.parameters < replicated.memory.parameters);
  // Hybrid: groups of 4.
  in.precision.shard_group = 4;
  const auto hybrid = estimate_step_with(in, chip, net, test_calibration());
  CHECK(hybrid.memory.optimizer == Approx(replicated.memory.optimizer / 4).epsilon(kRelative));
  in.precision.shard_group = 3;
  CHECK_THROWS_WITH(
      estimate_step_with(in, chip, net, test_calibration()),
      Catch::Matchers::Contains("shard_group (3) does not divide data x context (8)"));
}

TEST_CASE("Step model: offloaded activations cost only the copies' excess over their pass",
          "[step_model]") {
  auto chip = test_chip();
  auto in = gpt_like();
  in.layout = {.data = 8, .microbatches = 2};
  const auto net = network_without_latency(chip);
  const auto kept = estimate_step_with(in, chip, net, test_calibration());
  in.precision.offload_layers = 2;
  // No host memory figure: an error that names the chip.
  CHECK_THROWS_WITH(estimate_step_with(in, chip, net, test_calibration()),
                    Catch::Matchers::Contains("TestChip"));
  chip.host_memory = units::Bytes::from_si(100e9);
  chip.host_link_bandwidth = units::ByteRate::from_si(1e12);
  const auto fast = estimate_step_with(in, chip, net, test_calibration());
  // A fast link hides the copies: the step is unchanged; 2 of the 8 layers' activations
  // (the 8 sequences of a replica, 4 a microbatch) are in host memory, one layer's copy on
  // the device.
  CHECK(phase_s(fast, "host-offload") == 0);
  CHECK(units::to_seconds(fast.step_duration) ==
        Approx(units::to_seconds(kept.step_duration)).epsilon(kRelative));
  const double per_token =
      activation_bytes_per_token(in.model, false, false, ComputeFormat::k16Bit, Recompute::kNone);
  const double layer_mb = per_token * 4 * 512;
  CHECK(fast.memory.offloaded == Approx(2 * layer_mb).epsilon(kRelative));
  CHECK(fast.memory.activations == Approx(kept.memory.activations - layer_mb).epsilon(kRelative));
  // A slow link (1 GB/s): each microbatch's copy out beyond its forward pass and back beyond
  // its backward pass is charged, at communication power.
  chip.host_link_bandwidth = units::ByteRate::from_si(1e9);
  const auto slow = estimate_step_with(in, chip, net, test_calibration());
  const double span = phase_s(slow, "compute") + phase_s(slow, "attention");
  const double forward = span / 3.0 / 2.0;
  const double copy = 2 * layer_mb / 1e9;
  REQUIRE(copy > 2 * forward);
  CHECK(phase_s(slow, "host-offload") ==
        Approx(2 * ((copy - forward) + (copy - 2 * forward))).epsilon(1e-9));
  // Host memory too small for the offloaded activations: does not fit, saying so.
  chip.host_memory = units::Bytes::from_si(layer_mb);
  CHECK_THROWS_WITH(estimate_step_with(in, chip, net, test_calibration()),
                    Catch::Matchers::Contains("of host memory per device"));
}

TEST_CASE("Step model: more tensor ranks than key/value heads replicate K and V", "[step_model]") {
  const auto chip = test_chip();
  auto in = gpt_like();
  in.model.kv_heads = 2;
  in.layout.tensor = 8;
  const auto net = network_without_latency(chip);
  const auto e = estimate_step_with(in, chip, net, test_calibration());
  // Per layer K and V: 2 x 1024 x 256 = 524,288 weights over min(8, 2) = 2 ranks, the rest
  // (2 x 1024 x 1024 + 2 x 1024 x 4096) over 8; 8 layers + the embedding (1000 x 1024,
  // tied, one stage) over 8; 2 bytes each.
  const double per_layer = 524'288.0 / 2 + (2.0 * 1024 * 1024 + 2.0 * 1024 * 4096) / 8;
  CHECK(e.memory.parameters == Approx(2 * (8 * per_layer + 1000.0 * 1024 / 8)).epsilon(kRelative));
}

TEST_CASE("Step model: a datacenter's network overrides the chip's usual one", "[step_model]") {
  const AcceleratorLibrary lib;
  const auto& h100 = *lib.find("H100");
  const auto usual = job_network(h100);
  CHECK(usual.scale_up_domain == 8);
  CHECK(units::to_bytes_per_second(usual.scale_up_bandwidth) == 450e9);
  CHECK(units::to_bytes_per_second(usual.scale_out_bandwidth) == 50e9);
  NetworkOverride o;
  o.scale_up_domain = 72;
  o.scale_out_bandwidth = units::ByteRate::from_si(100e9);
  const auto custom = job_network(h100, o);
  CHECK(custom.scale_up_domain == 72);
  CHECK(units::to_bytes_per_second(custom.scale_up_bandwidth) == 450e9);
  CHECK(units::to_bytes_per_second(custom.scale_out_bandwidth) == 100e9);
  // TPUs: a torus, 3-D for v4 and v5p.
  CHECK(job_network(*lib.find("TPUv4")).torus_dimensions == 3);
  CHECK(job_network(*lib.find("TPUv3")).torus_dimensions == 2);
  CHECK(job_network(*lib.find("A100")).torus_dimensions == 0);
}

TEST_CASE("Step model: power by phase from the chip's table", "[step_model]") {
  const AcceleratorLibrary lib;
  const auto& h100 = *lib.find("H100");
  auto in = gpt_like();
  in.layout.data = 16;
  const auto e = estimate_step(in, h100, job_network(h100));
  // An H100 computes at 650 W (idle 100 W + 0.917 x 600 W), communicates at 310 W.
  for (const auto& p : e.phases) {
    INFO(p.name);
    if (p.name == "compute" || p.name == "attention") {
      CHECK(units::to_watts(p.power) == Approx(100 + 0.917 * 600).epsilon(kRelative));
    } else if (p.name == "gradient-allreduce") {
      CHECK(units::to_watts(p.power) == Approx(100 + 0.35 * 600).epsilon(kRelative));
    }
  }
  CHECK(e.error_band > 0);
  CHECK(e.borrowed_from.empty());
}

TEST_CASE("Step model: materialised attention scores are charged as traffic and full products",
          "[step_model]") {
  // gpt_like on one device: 64 sequences of 512 tokens, 8 heads, 8 layers; 1 TB/s of HBM.
  const auto chip = test_chip();
  const auto net = network_without_latency(chip);
  auto in = gpt_like();
  const auto fused = estimate_step_with(in, chip, net, test_calibration());
  in.model.scores = AttentionScores::kMaterialised;
  const auto plain = estimate_step_with(in, chip, net, test_calibration());
  in.model.attention_dropout = 0.1;
  const auto dropout = estimate_step_with(in, chip, net, test_calibration());

  // Every query-key pair is computed: s^2 against s (s + 1) / 2.
  const double s = 512;
  CHECK(phase_s(plain, "attention") ==
        Approx(phase_s(fused, "attention") * s * s / (s * (s + 1) / 2)).epsilon(kRelative));
  CHECK(phase_s(plain, "compute") == Approx(phase_s(fused, "compute")).epsilon(kRelative));
  // Element-wise: 4 passes over 2 bytes per score (5 with dropout's mask and output), for
  // heads x s scores per token and layer, 8 layers, 64 x 512 tokens, at 1 TB/s.
  const double scores = 8.0 * s * 8 * 64 * s;
  CHECK(phase_s(plain, "elementwise") - phase_s(fused, "elementwise") ==
        Approx(4 * 2 * scores / 1e12).epsilon(1e-9));
  CHECK(phase_s(dropout, "elementwise") - phase_s(fused, "elementwise") ==
        Approx(4 * 5 * scores / 1e12).epsilon(1e-9));
  // Kept for the backward pass without recomputation: 5 bytes per score of a layer, per
  // token; none with selective recomputation (it recomputes exactly these).
  const double per_token_layer = 5.0 * 8 * s;
  CHECK(dropout.memory.activations - fused.memory.activations ==
        Approx(per_token_layer * 8 * 64 * s).epsilon(1e-9));
  in.precision.recompute = Recompute::kSelective;
  const auto selective = estimate_step_with(in, chip, net, test_calibration());
  in.model.scores = AttentionScores::kFused;
  const auto selective_fused = estimate_step_with(in, chip, net, test_calibration());
  CHECK(selective.memory.activations == Approx(selective_fused.memory.activations));
  // ... and runs the softmax and dropout once more: 6 passes over the 5 bytes of a score.
  CHECK(phase_s(selective, "elementwise") - phase_s(selective_fused, "elementwise") ==
        Approx(6 * 5 * scores / 1e12).epsilon(1e-9));
}

TEST_CASE("Step model: attention dropout is a probability below 1", "[step_model]") {
  auto in = gpt_like();
  in.model.attention_dropout = 1.0;
  CHECK_THROWS_WITH(count_transformer(in.model), Catch::Contains("attention_dropout"));
  in.model.attention_dropout = -0.1;
  CHECK_THROWS_WITH(count_transformer(in.model), Catch::Contains("attention_dropout"));
}

TEST_CASE("Step model: recompute dots keeps the matmuls' outputs and recomputes the rest",
          "[step_model]") {
  const auto chip = test_chip();
  const auto net = network_without_latency(chip);
  auto in = gpt_like();
  const auto none = estimate_step_with(in, chip, net, test_calibration());
  in.precision.recompute = Recompute::kDots;
  const auto dots = estimate_step_with(in, chip, net, test_calibration());
  in.precision.recompute = Recompute::kFull;
  const auto full = estimate_step_with(in, chip, net, test_calibration());
  // Matmuls with the weights once (3 passes), attention products again (4 of 3),
  // element-wise traffic again (6 passes of 4), as full recomputation does.
  CHECK(phase_s(dots, "compute") == Approx(phase_s(none, "compute")).epsilon(kRelative));
  CHECK(phase_s(dots, "attention") ==
        Approx(phase_s(none, "attention") * 4 / 3).epsilon(kRelative));
  CHECK(phase_s(dots, "elementwise") == Approx(phase_s(full, "elementwise")).epsilon(kRelative));
  // Kept per token and layer: the input (2 d) and 2 bytes per output of Q, K, V (3 d), the
  // output projection (d), the up projection (d_ff) and the down projection (d): 2 (6 d +
  // d_ff) = 2 (6144 + 4096) bytes, over 8 layers and 64 x 512 tokens in one microbatch.
  const double per_token = 2.0 * (6 * 1024 + 4096);
  const double full_per_token = 2.0 * 1024;
  CHECK(dots.memory.activations - full.memory.activations ==
        Approx((per_token - full_per_token) * 8 * 64 * 512).epsilon(1e-9));
  CHECK(dots.memory.activations < none.memory.activations);
}

namespace {

/// gpt_like() with 32 experts of d_ff 4096 in every layer, top-4, spread over 32 devices:
/// four scale-up domains of 8.
StepModelInput moe_like() {
  auto in = gpt_like();
  in.model.experts = 32;
  in.model.top_k = 4;
  in.model.moe_every = 1;
  in.layout.data = 32;
  in.layout.expert = 32;
  return in;
}

}  // namespace

TEST_CASE("Step model: remote domains a token's experts lie in", "[step_model]") {
  auto m = moe_like().model;
  // 4 of 32 experts over 4 domains of 8: 4 (1 - C(24,4) / C(32,4)) domains hit, 3/4 remote.
  const double hits = 4 * (1 - 24.0 * 23 * 22 * 21 / (32.0 * 31 * 30 * 29));
  CHECK(remote_domains_per_token(m, 4) == Approx(hits * 3 / 4).epsilon(kRelative));
  CHECK(remote_domains_per_token(m, 1) == 0);
  // Four groups, one per domain, a token's experts in one of them: one domain, 3/4 remote.
  m.routing_groups = 4;
  m.routing_group_limit = 1;
  CHECK(remote_domains_per_token(m, 4) == Approx(0.75).epsilon(kRelative));
  // Two groups of two domains each, one per token: top-4 of its group's 16 experts over 2
  // domains, 2 (1 - C(8,4) / C(16,4)) hit.
  m.routing_groups = 2;
  CHECK(remote_domains_per_token(m, 4) ==
        Approx(2 * (1 - 1680.0 / 43680) * 3 / 4).epsilon(kRelative));
  // DeepSeek-V3: 256 experts, top-8 within 4 of 8 groups, one group per node of 8: 4 nodes,
  // 3.5 of them remote (DeepSeek-V3 report, sec. 2.1.2: "at most 4 nodes").
  TransformerSpec v3 = m;
  v3.experts = 256;
  v3.top_k = 8;
  v3.routing_groups = 8;
  v3.routing_group_limit = 4;
  CHECK(remote_domains_per_token(v3, 8) == Approx(3.5).epsilon(kRelative));
}

TEST_CASE("Step model: the expert dispatch's copies, format and overlap", "[step_model]") {
  const auto chip = test_chip();
  const auto net = network_without_latency(chip);
  auto in = moe_like();
  const auto per_expert = estimate_step_with(in, chip, net, test_calibration());
  const double full = phase_s(per_expert, "all-to-all");
  // By hand: 1024 tokens per device and microbatch, 4 copies of 1024 values of 2 bytes, 3/4
  // of them to the other three domains at 10 GB/s (the scale-up share, 7/32 at 100 GB/s, is
  // less); 4 all-to-alls in each of the 8 MoE layers.
  const double bytes = 1024.0 * 4 * 1024 * 2;
  CHECK(full == Approx(4 * 8 * 0.75 * bytes / 10e9).epsilon(kRelative));

  // Once per domain: the scale-out bytes fall from 3 copies per token to the remote domains.
  in.dispatch.per_domain = true;
  const auto per_domain = estimate_step_with(in, chip, net, test_calibration());
  CHECK(phase_s(per_domain, "all-to-all") ==
        Approx(full * remote_domains_per_token(in.model, 4) / 3).epsilon(kRelative));

  // FP8 dispatch: the forward's dispatch at 1 + 4/128 bytes a value, the other three at 2.
  in.dispatch.per_domain = false;
  in.dispatch.format = ComputeFormat::kFp8;
  const auto fp8 = estimate_step_with(in, chip, net, test_calibration());
  CHECK(phase_s(fp8, "all-to-all") == Approx(full * (1.03125 + 3 * 2) / 8).epsilon(kRelative));

  // Overlapped: hidden behind the matmuls and attention, as far as they go.
  in.dispatch.format = ComputeFormat::k16Bit;
  const double computing = phase_s(per_expert, "compute") + phase_s(per_expert, "attention") +
                           phase_s(per_expert, "expert-compute");
  for (const double overlap : {0.25, 1.0}) {
    in.dispatch.overlap = overlap;
    const auto e = estimate_step_with(in, chip, net, test_calibration());
    INFO("overlap " << overlap << ", all-to-all " << full << " s, computing " << computing << " s");
    CHECK(phase_s(e, "all-to-all") ==
          Approx(full - std::min(overlap * full, computing)).epsilon(kRelative));
  }
}

TEST_CASE("Step model: group-limited routing is checked", "[step_model]") {
  auto m = moe_like().model;
  m.routing_groups = 3;  // does not divide 32
  m.routing_group_limit = 1;
  CHECK_THROWS_WITH(count_transformer(m), Catch::Contains("must divide experts"));
  m.routing_groups = 16;
  m.routing_group_limit = 1;  // 2 experts, fewer than top-4
  CHECK_THROWS_WITH(count_transformer(m), Catch::Contains("fewer than top_k"));
  m.routing_groups = 8;
  m.routing_group_limit = 9;
  CHECK_THROWS_WITH(count_transformer(m), Catch::Contains("must be 1 to 8"));
  m.routing_group_limit = 2;
  CHECK_NOTHROW(count_transformer(m));
}
