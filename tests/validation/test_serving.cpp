// The serving model against published serving measurements (docs/serving.md,
// "Calibration and validation"). Each chip's serving constants (memory efficiency,
// per-layer overhead, memory-bound draw) are fitted only on the ML.ENERGY leaderboard v3.0
// runs the calibration names; the other measurements check the model where it was not
// fitted.
//
// Like with like: each ML.ENERGY run is simulated as the leaderboard ran it (vLLM, every
// request sent at once, concurrency capped by max-num-seqs, LMArena prompts of 224 tokens
// on average, the run's mean output length) and measured in steady state: over the
// 1-second intervals whose mean batch is full, output tokens per second, GPU energy per
// output token and power per GPU.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "models/accelerators/accelerator.hpp"
#include "models/serving/iteration.hpp"
#include "models/serving/service.hpp"
#include "models/workloads/requests.hpp"
#include "models/workloads/step_model.hpp"

using namespace footprint::models;
using footprint::engine::SimTime;
namespace units = footprint::units;

namespace {

const AcceleratorType& chip(const std::string& name) {
  static const AcceleratorLibrary lib;
  const auto* t = lib.find(name);
  REQUIRE(t != nullptr);
  return *t;
}

TransformerSpec llama31(std::int64_t layers, std::int64_t d, std::int64_t dff, std::int64_t heads) {
  TransformerSpec m;
  m.decoder_layers = layers;
  m.d_model = d;
  m.d_ff = dff;
  m.heads = heads;
  m.kv_heads = 8;
  m.vocabulary = 128256;
  m.sequence = 131072;
  m.ffn = FfnKind::kGated;
  m.tied_embeddings = false;
  return m;
}

// Llama 3.1 (Meta, "The Llama 3 Herd of Models", 2024, Table 3).
TransformerSpec llama8b() {
  return llama31(32, 4096, 14336, 32);
}
TransformerSpec llama70b() {
  return llama31(80, 8192, 28672, 64);
}
TransformerSpec llama405b() {
  return llama31(126, 16384, 53248, 128);
}

/// A published serving run: the setup and what was measured.
struct ServingRun {
  std::string name;
  std::string chip;
  TransformerSpec model;
  WeightFormat weights = WeightFormat::kBf16;
  std::int64_t tensor = 1;
  std::int64_t batch = 1;
  double prompt_tokens = 0;
  double output_tokens = 0;  ///< mean per request
  double tokens_per_s = 0;   ///< output tokens per second, the replica
  double joules_per_token = 0;
  std::string source;
};

/// ML.ENERGY leaderboard v3.0 (ml.energy/leaderboard, vLLM 0.11.1, GPU energy only,
/// steady state, LMArena prompts of 224 tokens on average): the calibration runs the
/// serving issue names, each row as the leaderboard lists it.
std::vector<ServingRun> calibration_runs() {
  const std::string src = "ML.ENERGY leaderboard v3.0, LLM chat, ";
  return {
      {"Llama 3.1 8B, 1 H100, batch 64", "H100", llama8b(), WeightFormat::kBf16, 1, 64, 224, 396,
       5147, 0.1186, src + "Llama-3.1-8B-Instruct, 1x H100, max-num-seqs 64"},
      {"Llama 3.1 70B, 4 H100, batch 128", "H100", llama70b(), WeightFormat::kBf16, 4, 128, 224,
       359, 3876, 0.5634, src + "Llama-3.1-70B-Instruct, 4x H100, max-num-seqs 128"},
      {"Llama 3.1 405B FP8, 8 H100, batch 64", "H100", llama405b(), WeightFormat::kFp8, 8, 64, 224,
       360, 1350, 3.08, src + "Llama-3.1-405B-Instruct-FP8, 8x H100, max-num-seqs 64"},
      {"Llama 3.1 8B, 1 B200, batch 64", "B200", llama8b(), WeightFormat::kBf16, 1, 64, 224, 390,
       5589, 0.1103, src + "Llama-3.1-8B-Instruct, 1x B200, max-num-seqs 64"},
  };
}

struct Steady {
  double tokens_per_s = 0;
  double joules_per_token = 0;
  double watts_per_device = 0;
};

/// Runs `run` as the leaderboard did and measures it in steady state.
Steady simulate(const ServingRun& run, const ServingCalibration& cal) {
  ServingModelSpec spec;
  spec.model = run.model;
  spec.layout.tensor = run.tensor;
  spec.weights = run.weights;
  spec.max_batch = run.batch;
  spec.max_batch_tokens = 8192;
  const auto& c = chip(run.chip);
  const ServingModel model(spec, c, job_network(c), cal);
  // Output lengths vary widely in chat (LMArena): log-normal with sd = mean, an
  // assumption; prompts too, with sd half the mean.
  const auto prompt = TokenLength::log_normal(run.prompt_tokens, run.prompt_tokens / 2);
  const auto output = TokenLength::log_normal(run.output_tokens, run.output_tokens);
  constexpr std::int64_t kBatches = 12;
  auto reqs = all_at_once(kBatches * run.batch, SimTime::zero(), prompt, output, 7);
  filter_by_sequence(reqs, spec.model.sequence);
  ServiceConfig cfg;
  cfg.interval = SimTime::seconds(1);
  cfg.power_bin = SimTime::seconds(1);
  const auto res = simulate_service(model, cfg, reqs);
  double tokens = 0;
  double joules = 0;
  double seconds = 0;
  const auto& s = res.series;
  for (std::size_t k = 0; k + 1 < s.output_tokens.size(); ++k) {
    if (s.batch_seconds[k] >= 0.98 * static_cast<double>(run.batch)) {
      tokens += s.output_tokens[k];
      joules += s.accelerator_joules[k];
      seconds += 1;
    }
  }
  REQUIRE(seconds > 0);
  return {tokens / seconds, joules / tokens,
          joules / seconds / static_cast<double>(model.devices())};
}

}  // namespace

TEST_CASE("Serving: print the calibration runs (run by hand)", "[.print]") {
  for (const auto& run : calibration_runs()) {
    const auto& cal = *serving_calibration(chip(run.chip)).calibration;
    const auto s = simulate(run, cal);
    fmt::print(
        "{}: {:.0f} tok/s (published {:.0f}), {:.4f} J/token ({:.4f}), {:.0f} W/GPU "
        "({:.0f})\n",
        run.name, s.tokens_per_s, run.tokens_per_s, s.joules_per_token, run.joules_per_token,
        s.watts_per_device,
        run.joules_per_token * run.tokens_per_s / static_cast<double>(run.tensor));
  }
}

namespace {

/// Sum of squared log errors of throughput over `runs`.
double throughput_sse(const std::vector<ServingRun>& runs, const ServingCalibration& cal) {
  double sse = 0;
  for (const auto& run : runs) {
    const double e = std::log(simulate(run, cal).tokens_per_s / run.tokens_per_s);
    sse += e * e;
  }
  return sse;
}

/// Minimises f over [lo, hi] by golden-section search (f unimodal there).
template <class F>
double golden(F f, double lo, double hi, int steps = 40) {
  const double g = (std::sqrt(5.0) - 1) / 2;
  double a = lo;
  double b = hi;
  for (int i = 0; i < steps; ++i) {
    const double c = b - g * (b - a);
    const double d = a + g * (b - a);
    if (f(c) <= f(d)) {
      b = d;
    } else {
      a = c;
    }
  }
  return (a + b) / 2;
}

}  // namespace

/// The fit, per chip: with two calibration runs or more, memory efficiency (0.30 to 1.00 by
/// 0.01) and per-layer overhead (golden section in [0, 500 us]) minimise the sum of squared
/// log errors of throughput; with one run (B200), the run is launch-bound (its weights are
/// read in about a quarter of its iteration), so it fits the per-layer overhead with the
/// memory efficiency of the calibrated chip of the same engine (H100). Then the
/// memory-bound draw minimises the squared log errors of power per GPU.
ServingCalibration fit(const std::string& name) {
  std::vector<ServingRun> runs;
  for (const auto& r : calibration_runs()) {
    if (r.chip == name) {
      runs.push_back(r);
    }
  }
  ServingCalibration cal = *serving_calibration(chip(name)).calibration;
  const auto overhead = [&](ServingCalibration c) {
    return golden(
        [&](double o) {
          c.layer_overhead_s = o;
          return throughput_sse(runs, c);
        },
        0.0, 500e-6);
  };
  if (runs.size() > 1) {
    double best = 1e300;
    ServingCalibration trial = cal;
    for (int k = 0; k <= 70; ++k) {
      trial.memory_efficiency = 0.30 + 0.01 * k;
      trial.layer_overhead_s = overhead(trial);
      const double sse = throughput_sse(runs, trial);
      if (sse < best) {
        best = sse;
        cal = trial;
      }
    }
  } else {
    cal.memory_efficiency = fit("H100").memory_efficiency;
    cal.layer_overhead_s = overhead(cal);
  }
  cal.memory_utilisation = golden(
      [&](double u) {
        auto c = cal;
        c.memory_utilisation = u;
        double sse = 0;
        for (const auto& run : runs) {
          const double published =
              run.joules_per_token * run.tokens_per_s / static_cast<double>(run.tensor);
          const double e = std::log(simulate(run, c).watts_per_device / published);
          sse += e * e;
        }
        return sse;
      },
      0.0, 1.0);
  return cal;
}

TEST_CASE("Serving: print the fit (run by hand to refit the table)", "[.servingfit]") {
  for (const auto* name : {"H100", "B200"}) {
    const auto c = fit(name);
    fmt::print(
        "{}: memory_efficiency {:.2f}, layer_overhead {:.1f} us, memory_utilisation "
        "{:.3f}\n",
        name, c.memory_efficiency, c.layer_overhead_s * 1e6, c.memory_utilisation);
  }
}

// --- Calibration: the table reproduces its runs -----------------------------------------

namespace {

/// The calibration target: every calibration run within this of its published throughput,
/// J/token and power per GPU with the table's constants. The fit itself (about 2.5 min) is
/// the hidden [.servingfit] test; this checks, fast, that the table still reproduces what it
/// was fitted on.
constexpr double kCalibrationTolerance = 0.10;

}  // namespace

TEST_CASE("Serving: the table's constants reproduce every calibration run within 10 %",
          "[serving]") {
  for (const auto& run : calibration_runs()) {
    const auto choice = serving_calibration(chip(run.chip));
    REQUIRE(choice.calibration != nullptr);
    CHECK(choice.borrowed_from.empty());
    const auto s = simulate(run, *choice.calibration);
    const double watts = run.joules_per_token * run.tokens_per_s / static_cast<double>(run.tensor);
    INFO(
        fmt::format("{} ({}): {:.0f} tok/s vs {:.0f}, {:.4f} J/token vs {:.4f}, {:.0f} W/GPU vs "
                    "{:.0f}",
                    run.name, run.source, s.tokens_per_s, run.tokens_per_s, s.joules_per_token,
                    run.joules_per_token, s.watts_per_device, watts));
    CHECK(s.tokens_per_s == Approx(run.tokens_per_s).epsilon(kCalibrationTolerance));
    CHECK(s.joules_per_token == Approx(run.joules_per_token).epsilon(kCalibrationTolerance));
    CHECK(s.watts_per_device == Approx(watts).epsilon(kCalibrationTolerance));
  }
}

// --- Validation: measurements the constants were not fitted on --------------------------

namespace {

// Llama 2 70B (Touvron et al. 2023, "Llama 2", Table 1 and section 2.2; the released
// config.json): 80 layers, d_model 8192, feed-forward 28672 (SwiGLU), 64 heads of 128, 8
// key/value heads (GQA), vocabulary 32000, context 4096, untied output layer.
TransformerSpec llama2_70b() {
  auto m = llama31(80, 8192, 28672, 64);
  m.vocabulary = 32000;
  m.sequence = 4096;
  return m;
}

// BLOOM 176B (BigScience 2022, "BLOOM", Table 3): 70 layers, d_model 14336, 112 heads of
// 128 (multi-head), feed-forward 4 x d_model (GELU, two matrices), vocabulary 250880, tied
// embeddings, context 2048.
TransformerSpec bloom176b() {
  TransformerSpec m;
  m.decoder_layers = 70;
  m.d_model = 14336;
  m.d_ff = 4 * 14336;
  m.heads = 112;
  m.vocabulary = 250880;
  m.sequence = 2048;
  m.ffn = FfnKind::kTwoMatrix;
  m.tied_embeddings = true;
  return m;
}

// Qwen3-235B-A22B (Qwen team 2025, "Qwen3 Technical Report", Table 2; the released
// config.json): 94 layers, d_model 4096, 64 query heads of 128 and 4 key/value heads, every
// feed-forward block a MoE of 128 experts (SwiGLU, hidden 1536), 8 per token, no shared
// expert, vocabulary 151936, untied output layer, context 40960.
TransformerSpec qwen3_235b() {
  TransformerSpec m;
  m.decoder_layers = 94;
  m.d_model = 4096;
  m.heads = 64;
  m.d_head = 128;
  m.kv_heads = 4;
  m.d_ff = 12288;
  m.experts = 128;
  m.top_k = 8;
  m.moe_every = 1;
  m.expert_d_ff = 1536;
  m.vocabulary = 151936;
  m.sequence = 40960;
  m.ffn = FfnKind::kGated;
  m.tied_embeddings = false;
  return m;
}

/// One validation figure: what was published and what the model predicts for it.
struct Validation {
  std::string name;
  std::string source;
  double published = 0;
  double predicted = 0;
  std::string unit;
  std::string note;  ///< what the simulated run did (the table's last column)
  [[nodiscard]] double error() const { return predicted / published - 1; }
};

// Splitwise (Patel et al., ISCA 2024): the profiling data released with the paper,
// SplitwiseSim data/perf_model.csv (Mutinifni/splitwise-sim, commit 3780880), TP 8,
// prompts of 512 tokens, 128 output tokens, FP16 weights, median of the 5 repeats:
// prompt_time (the prefill of the whole batch) and token_time (the mean decode iteration),
// ms.
struct SplitwiseRow {
  std::int64_t batch;
  double h100_prompt_ms;
  double h100_tbt_ms;
  double a100_prompt_ms;
  double a100_tbt_ms;
};
constexpr std::array<SplitwiseRow, 7> kSplitwiseLlama{{
    {1, 53.4, 29.8, 94.3, 44.9},
    {2, 76.9, 30.3, 165.9, 44.6},
    {4, 132.6, 31.8, 292.3, 45.8},
    {8, 371.6, 32.5, 767.6, 46.5},
    {16, 811.9, 34.2, 2084, 50.4},
    {32, 1552, 38.6, 3525, 53.0},
    {64, 2936, 50.2, 7554, 71.6},
}};
constexpr std::array<SplitwiseRow, 7> kSplitwiseBloom{{
    {1, 75.5, 36.1, 173.8, 48.8},
    {2, 131.3, 36.9, 286.8, 50.0},
    {4, 238.8, 38.1, 528.6, 51.0},
    {8, 625.0, 38.1, 1322, 53.0},
    {16, 1313, 40.6, 3510, 57.3},
    {32, 2522, 45.8, 5782, 65.4},
    {64, 4996, 64.1, 11252, 96.6},
}};
constexpr std::int64_t kSplitwisePrompt = 512;
constexpr std::int64_t kSplitwiseOutput = 128;
constexpr std::int64_t kSplitwiseTensor = 8;

struct BatchTimes {
  double prefill_s = 0;
  double tbt_s = 0;
};

/// Splitwise's measurement, simulated as it ran: `batch` requests of 512 prompt tokens
/// arrive at once and are prefilled in one iteration (the token budget is the whole
/// batch's prompts); then 127 decode iterations of the whole batch. The prefill time is
/// when the first tokens come; the TBT the mean time per later token.
BatchTimes splitwise_batch(const TransformerSpec& m, const std::string& chip_name,
                           std::int64_t batch) {
  ServingModelSpec spec;
  spec.model = m;
  spec.layout.tensor = kSplitwiseTensor;
  spec.weights = WeightFormat::kBf16;  // FP16: the same 2 bytes and 16-bit matmuls
  spec.max_batch = batch;
  spec.max_batch_tokens = kSplitwisePrompt * batch;
  const auto& c = chip(chip_name);
  const ServingModel model(spec, c, job_network(c));
  const auto reqs = all_at_once(batch, SimTime::zero(), TokenLength::fixed(kSplitwisePrompt),
                                TokenLength::fixed(kSplitwiseOutput), 1);
  ServiceConfig cfg;
  cfg.interval = SimTime::seconds(1);
  cfg.power_bin = SimTime::seconds(1);
  const auto res = simulate_service(model, cfg, reqs);
  BatchTimes t;
  double tbt = 0;
  for (const auto& r : res.requests) {
    REQUIRE(r.finished());
    t.prefill_s = std::max(t.prefill_s, (r.first_token - r.arrival).to_seconds());
    tbt += (r.end - r.first_token).to_seconds() / static_cast<double>(kSplitwiseOutput - 1);
  }
  t.tbt_s = tbt / static_cast<double>(res.requests.size());
  return t;
}

void add_splitwise(std::vector<Validation>& out, const std::string& model_name,
                   const TransformerSpec& m, const std::array<SplitwiseRow, 7>& rows) {
  const std::string src =
      "Splitwise (Patel et al. ISCA 2024), splitwise-sim data/perf_model.csv, " + model_name +
      " TP8, prompt 512, ";
  for (const auto& row : rows) {
    for (const auto* c : {"H100", "A100"}) {
      const auto t = splitwise_batch(m, c, row.batch);
      const bool h100 = std::string(c) == "H100";
      const std::string at = fmt::format("{}, {} TP8, batch {}", model_name, c, row.batch);
      out.push_back({"Splitwise: prefill, " + at,
                     src + fmt::format("{}, batch {}: prompt_time", c, row.batch),
                     (h100 ? row.h100_prompt_ms : row.a100_prompt_ms), t.prefill_s * 1e3, "ms"});
      out.push_back({"Splitwise: TBT, " + at,
                     src + fmt::format("{}, batch {}: token_time", c, row.batch),
                     (h100 ? row.h100_tbt_ms : row.a100_tbt_ms), t.tbt_s * 1e3, "ms"});
    }
  }
}

// TensorRT-LLM performance overview (NVIDIA/TensorRT-LLM
// docs/source/performance/perf-overview.md, commit 00f3768, the v1.0 page): trtllm-bench
// throughput, PyTorch backend, every request queued at once, fixed input and output
// lengths (stdev 0), ModelOpt FP8 checkpoints, "Total Output Throughput (tokens/sec)" of
// the whole tensor-parallel group, with the page's number of requests per length pair.
struct TrtRow {
  std::string model_name;
  std::string chip;
  std::int64_t tensor;
  std::int64_t expert;
  std::int64_t isl;
  std::int64_t osl;
  std::int64_t requests;
  double tokens_per_s;
};

/// The page's number of requests for an input/output pair ("Preparing a Dataset").
std::int64_t trt_requests(std::int64_t isl, std::int64_t osl) {
  if (isl == 128 && osl == 128) {
    return 30000;
  }
  if ((isl == 128 && osl == 2048) || (isl == 2048 && osl == 128) || (isl == 1000 && osl == 1000) ||
      (isl == 500 && osl == 2000)) {
    return 3000;
  }
  if (isl == 20000) {
    return 1000;
  }
  return 1500;
}

std::vector<TrtRow> trt_rows() {
  std::vector<TrtRow> rows;
  const auto add = [&](const std::string& m, const std::string& c, std::int64_t tp, std::int64_t ep,
                       std::int64_t isl, std::int64_t osl, double tps) {
    rows.push_back({m, c, tp, ep, isl, osl, trt_requests(isl, osl), tps});
  };
  // "Llama 3.1 8B" table, H100 TP1 (FP8) and H200 TP1 (FP8) columns.
  for (const auto& [isl, osl, h100, h200] :
       std::vector<std::tuple<std::int64_t, std::int64_t, double, double>>{
           {128, 128, 28312, 27911},
           {128, 2048, 22714, 26221},
           {1000, 1000, 15220, 17744},
           {2048, 128, 3450, 3538},
           {2048, 2048, 9305, 12194},
           {5000, 500, 3459, 3902}}) {
    add("Llama 3.1 8B", "H100", 1, 1, isl, osl, h100);
    add("Llama 3.1 8B", "H200", 1, 1, isl, osl, h200);
  }
  // "Llama 3.3 70B" table (the Llama 3.1 70B architecture), H100 TP2 (FP8).
  for (const auto& [isl, osl, tps] :
       std::vector<std::tuple<std::int64_t, std::int64_t, double>>{{128, 128, 6378},
                                                                   {128, 2048, 6651},
                                                                   {1000, 1000, 4205},
                                                                   {2048, 128, 762},
                                                                   {2048, 2048, 3082},
                                                                   {5000, 500, 898}}) {
    add("Llama 3.3 70B", "H100", 2, 1, isl, osl, tps);
  }
  // "Llama 3.1 405B" table, H100 TP8 (FP8).
  for (const auto& [isl, osl, tps] :
       std::vector<std::tuple<std::int64_t, std::int64_t, double>>{{128, 128, 3627},
                                                                   {128, 2048, 4340},
                                                                   {1000, 1000, 2919},
                                                                   {2048, 128, 453},
                                                                   {2048, 2048, 2296},
                                                                   {5000, 500, 610}}) {
    add("Llama 3.1 405B", "H100", 8, 1, isl, osl, tps);
  }
  // "Qwen3-235B-A22B" table, H100 TP8 (FP8); the page runs MoE models with --ep and
  // attention data parallelism: here tensor 8, expert 8.
  for (const auto& [isl, osl, tps] : std::vector<std::tuple<std::int64_t, std::int64_t, double>>{
           {128, 2048, 19658}, {1000, 1000, 14898}, {2048, 2048, 9924}, {5000, 500, 3225}}) {
    add("Qwen3-235B-A22B", "H100", 8, 8, isl, osl, tps);
  }
  return rows;
}

TransformerSpec trt_model(const std::string& name) {
  if (name == "Llama 3.1 8B") {
    return llama8b();
  }
  if (name == "Llama 3.3 70B") {
    return llama70b();
  }
  if (name == "Llama 3.1 405B") {
    return llama405b();
  }
  return qwen3_235b();
}

/// trtllm-bench's run, simulated: every request queued at once, fixed lengths, FP8
/// weights with an FP8 KV cache (ModelOpt's FP8 checkpoints; an assumption where the page
/// does not say), the LLM API's default limits (2048 sequences and 8192 tokens per
/// iteration), 95 % of the memory for the engine (--kv_cache_free_gpu_mem_fraction 0.95,
/// which the page says it uses in many cases). Throughput: all output tokens over the
/// whole run, as trtllm-bench reports it.
double trt_throughput(const TrtRow& row, std::string* note) {
  ServingModelSpec spec;
  spec.model = trt_model(row.model_name);
  spec.layout.tensor = row.tensor;
  spec.layout.expert = row.expert;
  spec.weights = WeightFormat::kFp8;
  spec.kv_cache = KvFormat::kFp8;
  spec.max_batch = 2048;
  spec.max_batch_tokens = 8192;
  spec.memory_utilisation = 0.95;
  // TensorRT-LLM's default capacity scheduler, GUARANTEED_NO_EVICT (TensorRT-LLM docs,
  // "Useful Runtime Options"), which trtllm-bench keeps.
  spec.admission = Admission::kWholeSequence;
  const auto& c = chip(row.chip);
  const ServingModel model(spec, c, job_network(c));
  const auto reqs = all_at_once(row.requests, SimTime::zero(), TokenLength::fixed(row.isl),
                                TokenLength::fixed(row.osl), 1);
  ServiceConfig cfg;
  cfg.interval = SimTime::seconds(60);
  cfg.power_bin = SimTime::seconds(60);
  const auto res = simulate_service(model, cfg, reqs);
  double tokens = 0;
  for (const auto& r : res.requests) {
    REQUIRE(r.finished());
    tokens += static_cast<double>(r.output_tokens);
  }
  const double span = res.end.to_seconds();
  double batch_seconds = 0;
  for (const double b : res.series.batch_seconds) {
    batch_seconds += b;
  }
  double prefilled = 0;
  for (const double p : res.series.prompt_tokens) {
    prefilled += p;
  }
  const double recomputed =
      prefilled - static_cast<double>(row.requests) * static_cast<double>(row.isl);
  const auto& cal = *serving_calibration(c).calibration;
  *note = fmt::format(
      "mean batch {:.0f}, KV cache {} tokens, {} preemptions recomputing {:.2g} tokens, "
      "per-layer overhead {:.0f} % of the time",
      batch_seconds / span, model.kv_capacity_tokens(), res.preemptions, recomputed,
      100 * static_cast<double>(res.iterations) * static_cast<double>(spec.model.decoder_layers) *
          cal.layer_overhead_s / span);
  return tokens / span;
}

/// Every validation figure, computed once.
const std::vector<Validation>& validations() {
  static const std::vector<Validation> kAll = [] {
    std::vector<Validation> v;
    add_splitwise(v, "Llama-2-70B", llama2_70b(), kSplitwiseLlama);
    add_splitwise(v, "BLOOM-176B", bloom176b(), kSplitwiseBloom);
    for (const auto& row : trt_rows()) {
      const std::string at =
          fmt::format("{} FP8, {} TP{}{}, {}/{}", row.model_name, row.chip, row.tensor,
                      row.expert > 1 ? fmt::format(" EP{}", row.expert) : "", row.isl, row.osl);
      v.push_back({"TensorRT-LLM: " + at,
                   fmt::format("TensorRT-LLM perf-overview.md (v1.0), \"{}\" table, {} TP{} (FP8) "
                               "column, ISL/OSL {}/{}",
                               row.model_name, row.chip, row.tensor, row.isl, row.osl),
                   row.tokens_per_s, 0, "tok/s"});
      v.back().predicted = trt_throughput(row, &v.back().note);
    }
    return v;
  }();
  return kAll;
}

}  // namespace

TEST_CASE("Serving: print the validation table (run by hand)", "[.servingtable]") {
  fmt::print("| run | published | predicted | error | simulated |\n|---|---|---|---|---|\n");
  for (const auto& v : validations()) {
    fmt::print("| {} | {:.4g} {} | {:.4g} {} | {:+.1f} % | {} |\n", v.name, v.published, v.unit,
               v.predicted, v.unit, 100 * v.error(), v.note);
  }
}

// --- Validation: every figure's error, documented and pinned ------------------------------

namespace {

/// The validation target: a figure the model was not fitted on, within 20 %.
constexpr double kValidationTolerance = 0.20;
/// Each figure's documented error (docs/serving.md, "Calibration and validation") holds
/// within this: its bound is the documented error plus 3 points, so a change of the model
/// that moves a figure shows here, and the documentation follows it.
constexpr double kErrorPin = 0.03;

constexpr std::string_view kWithin = "";
constexpr std::string_view kWhyTbtLlama =
    "Splitwise's 2023 engine decodes slower than vLLM 0.11.1, whose per-layer overhead the "
    "constants carry: at batch 1 on H100 the model charges 19.9 ms (the weights read in 6.9 ms at "
    "0.75 of HBM bandwidth, 10.8 ms of per-layer overhead, 2.2 ms of all-reduce latency) against "
    "29.8 ms measured; from batch 1 to 64 the published TBT grows by 20.4 ms (H100) and 26.7 ms "
    "(A100) where the model's KV-cache reads and matmuls add 1.4 ms and 3.2 ms; on A100 the "
    "overhead borrowed from H100 does not grow with the slower chip (A100/H100 TBT at batch 1: "
    "1.51 measured, 1.22 predicted)";
constexpr std::string_view kWhyTbtBloom =
    "Splitwise's 2023 engine, as for Llama-2-70B: BLOOM's larger weights (44 GB per GPU) make the "
    "weight read, which the model charges correctly within its constants, the larger part, so the "
    "miss is smaller; it grows with the batch (H100, batch 1 to 64: +28.0 ms published, +8.6 ms "
    "predicted; A100: +47.8 ms and +15.6 ms)";
constexpr std::string_view kWhyPrefill =
    "Splitwise's prefill is slower than the step model's matmul efficiency: at batch 64 on H100 "
    "it runs at about 19 % of the 16-bit peak (32768 tokens x 2 x 68.5 GFLOP in 2.94 s on 8 "
    "GPUs), the model at 0.587 of it; and it grows superlinearly from batch 4 to 8 (2.80x on "
    "H100, 2.63x on A100, for twice the tokens) where the model's grows 1.76x and 1.90x";

struct Documented {
  std::string_view name;
  double error;  ///< predicted / published - 1
  std::string_view why;
};
constexpr std::array<Documented, 84> kDocumented{{
    {"Splitwise: prefill, Llama-2-70B, H100 TP8, batch 1", -0.375, kWhyPrefill},
    {"Splitwise: TBT, Llama-2-70B, H100 TP8, batch 1", -0.334, kWhyTbtLlama},
    {"Splitwise: prefill, Llama-2-70B, A100 TP8, batch 1", -0.249, kWhyPrefill},
    {"Splitwise: TBT, Llama-2-70B, A100 TP8, batch 1", -0.459, kWhyTbtLlama},
    {"Splitwise: prefill, Llama-2-70B, H100 TP8, batch 2", -0.131, kWithin},
    {"Splitwise: TBT, Llama-2-70B, H100 TP8, batch 2", -0.342, kWhyTbtLlama},
    {"Splitwise: prefill, Llama-2-70B, A100 TP8, batch 2", -0.146, kWithin},
    {"Splitwise: TBT, Llama-2-70B, A100 TP8, batch 2", -0.451, kWhyTbtLlama},
    {"Splitwise: prefill, Llama-2-70B, H100 TP8, batch 4", -0.189, kWithin},
    {"Splitwise: TBT, Llama-2-70B, H100 TP8, batch 4", -0.370, kWhyTbtLlama},
    {"Splitwise: prefill, Llama-2-70B, A100 TP8, batch 4", -0.120, kWithin},
    {"Splitwise: TBT, Llama-2-70B, A100 TP8, batch 4", -0.460, kWhyTbtLlama},
    {"Splitwise: prefill, Llama-2-70B, H100 TP8, batch 8", -0.491, kWhyPrefill},
    {"Splitwise: TBT, Llama-2-70B, H100 TP8, batch 8", -0.381, kWhyTbtLlama},
    {"Splitwise: prefill, Llama-2-70B, A100 TP8, batch 8", -0.364, kWhyPrefill},
    {"Splitwise: TBT, Llama-2-70B, A100 TP8, batch 8", -0.463, kWhyTbtLlama},
    {"Splitwise: prefill, Llama-2-70B, H100 TP8, batch 16", -0.566, kWhyPrefill},
    {"Splitwise: TBT, Llama-2-70B, H100 TP8, batch 16", -0.407, kWhyTbtLlama},
    {"Splitwise: prefill, Llama-2-70B, A100 TP8, batch 16", -0.544, kWhyPrefill},
    {"Splitwise: TBT, Llama-2-70B, A100 TP8, batch 16", -0.497, kWhyTbtLlama},
    {"Splitwise: prefill, Llama-2-70B, H100 TP8, batch 32", -0.563, kWhyPrefill},
    {"Splitwise: TBT, Llama-2-70B, H100 TP8, batch 32", -0.466, kWhyTbtLlama},
    {"Splitwise: prefill, Llama-2-70B, A100 TP8, batch 32", -0.468, kWhyPrefill},
    {"Splitwise: TBT, Llama-2-70B, A100 TP8, batch 32", -0.508, kWhyTbtLlama},
    {"Splitwise: prefill, Llama-2-70B, H100 TP8, batch 64", -0.547, kWhyPrefill},
    {"Splitwise: TBT, Llama-2-70B, H100 TP8, batch 64", -0.577, kWhyTbtLlama},
    {"Splitwise: prefill, Llama-2-70B, A100 TP8, batch 64", -0.507, kWhyPrefill},
    {"Splitwise: TBT, Llama-2-70B, A100 TP8, batch 64", -0.617, kWhyTbtLlama},
    {"Splitwise: prefill, BLOOM-176B, H100 TP8, batch 1", -0.238, kWhyPrefill},
    {"Splitwise: TBT, BLOOM-176B, H100 TP8, batch 1", -0.196, kWithin},
    {"Splitwise: prefill, BLOOM-176B, A100 TP8, batch 1", -0.178, kWithin},
    {"Splitwise: TBT, BLOOM-176B, A100 TP8, batch 1", -0.172, kWithin},
    {"Splitwise: prefill, BLOOM-176B, H100 TP8, batch 2", -0.122, kWithin},
    {"Splitwise: TBT, BLOOM-176B, H100 TP8, batch 2", -0.206, kWhyTbtBloom},
    {"Splitwise: prefill, BLOOM-176B, A100 TP8, batch 2", -0.003, kWithin},
    {"Splitwise: TBT, BLOOM-176B, A100 TP8, batch 2", -0.179, kWithin},
    {"Splitwise: prefill, BLOOM-176B, H100 TP8, batch 4", -0.131, kWithin},
    {"Splitwise: TBT, BLOOM-176B, H100 TP8, batch 4", -0.221, kWhyTbtBloom},
    {"Splitwise: prefill, BLOOM-176B, A100 TP8, batch 4", 0.038, kWithin},
    {"Splitwise: TBT, BLOOM-176B, A100 TP8, batch 4", -0.180, kWithin},
    {"Splitwise: prefill, BLOOM-176B, H100 TP8, batch 8", -0.373, kWhyPrefill},
    {"Splitwise: TBT, BLOOM-176B, H100 TP8, batch 8", -0.206, kWhyTbtBloom},
    {"Splitwise: prefill, BLOOM-176B, A100 TP8, batch 8", -0.187, kWithin},
    {"Splitwise: TBT, BLOOM-176B, A100 TP8, batch 8", -0.190, kWithin},
    {"Splitwise: prefill, BLOOM-176B, H100 TP8, batch 16", -0.420, kWhyPrefill},
    {"Splitwise: TBT, BLOOM-176B, H100 TP8, batch 16", -0.228, kWhyTbtBloom},
    {"Splitwise: prefill, BLOOM-176B, A100 TP8, batch 16", -0.394, kWhyPrefill},
    {"Splitwise: TBT, BLOOM-176B, A100 TP8, batch 16", -0.217, kWhyTbtBloom},
    {"Splitwise: prefill, BLOOM-176B, H100 TP8, batch 32", -0.405, kWhyPrefill},
    {"Splitwise: TBT, BLOOM-176B, H100 TP8, batch 32", -0.270, kWhyTbtBloom},
    {"Splitwise: prefill, BLOOM-176B, A100 TP8, batch 32", -0.268, kWhyPrefill},
    {"Splitwise: TBT, BLOOM-176B, A100 TP8, batch 32", -0.257, kWhyTbtBloom},
    {"Splitwise: prefill, BLOOM-176B, H100 TP8, batch 64", -0.404, kWhyPrefill},
    {"Splitwise: TBT, BLOOM-176B, H100 TP8, batch 64", -0.413, kWhyTbtBloom},
    {"Splitwise: prefill, BLOOM-176B, A100 TP8, batch 64", -0.250, kWhyPrefill},
    {"Splitwise: TBT, BLOOM-176B, A100 TP8, batch 64", -0.420, kWhyTbtBloom},
    {"TensorRT-LLM: Llama 3.1 8B FP8, H100 TP1, 128/128", 0.099, kWithin},
    {"TensorRT-LLM: Llama 3.1 8B FP8, H200 TP1, 128/128", 0.170, kWithin},
    {"TensorRT-LLM: Llama 3.1 8B FP8, H100 TP1, 128/2048", -0.182, kWithin},
    {"TensorRT-LLM: Llama 3.1 8B FP8, H200 TP1, 128/2048", -0.057, kWithin},
    {"TensorRT-LLM: Llama 3.1 8B FP8, H100 TP1, 1000/1000", -0.098, kWithin},
    {"TensorRT-LLM: Llama 3.1 8B FP8, H200 TP1, 1000/1000", -0.030, kWithin},
    {"TensorRT-LLM: Llama 3.1 8B FP8, H100 TP1, 2048/128", 0.064, kWithin},
    {"TensorRT-LLM: Llama 3.1 8B FP8, H200 TP1, 2048/128", 0.107, kWithin},
    {"TensorRT-LLM: Llama 3.1 8B FP8, H100 TP1, 2048/2048", -0.154, kWithin},
    {"TensorRT-LLM: Llama 3.1 8B FP8, H200 TP1, 2048/2048", -0.117, kWithin},
    {"TensorRT-LLM: Llama 3.1 8B FP8, H100 TP1, 5000/500", -0.042, kWithin},
    {"TensorRT-LLM: Llama 3.1 8B FP8, H200 TP1, 5000/500", 0.042, kWithin},
    {"TensorRT-LLM: Llama 3.3 70B FP8, H100 TP2, 128/128", 0.060, kWithin},
    {"TensorRT-LLM: Llama 3.3 70B FP8, H100 TP2, 128/2048", -0.096, kWithin},
    {"TensorRT-LLM: Llama 3.3 70B FP8, H100 TP2, 1000/1000", 0.015, kWithin},
    {"TensorRT-LLM: Llama 3.3 70B FP8, H100 TP2, 2048/128", 0.023, kWithin},
    {"TensorRT-LLM: Llama 3.3 70B FP8, H100 TP2, 2048/2048", -0.172, kWithin},
    {"TensorRT-LLM: Llama 3.3 70B FP8, H100 TP2, 5000/500", -0.057, kWithin},
    {"TensorRT-LLM: Llama 3.1 405B FP8, H100 TP8, 128/128", -0.007, kWithin},
    {"TensorRT-LLM: Llama 3.1 405B FP8, H100 TP8, 128/2048", 0.059, kWithin},
    {"TensorRT-LLM: Llama 3.1 405B FP8, H100 TP8, 1000/1000", -0.025, kWithin},
    {"TensorRT-LLM: Llama 3.1 405B FP8, H100 TP8, 2048/128", -0.066, kWithin},
    {"TensorRT-LLM: Llama 3.1 405B FP8, H100 TP8, 2048/2048", -0.057, kWithin},
    {"TensorRT-LLM: Llama 3.1 405B FP8, H100 TP8, 5000/500", -0.084, kWithin},
    {"TensorRT-LLM: Qwen3-235B-A22B FP8, H100 TP8 EP8, 128/2048", -0.089, kWithin},
    {"TensorRT-LLM: Qwen3-235B-A22B FP8, H100 TP8 EP8, 1000/1000", -0.048, kWithin},
    {"TensorRT-LLM: Qwen3-235B-A22B FP8, H100 TP8 EP8, 2048/2048", -0.158, kWithin},
    {"TensorRT-LLM: Qwen3-235B-A22B FP8, H100 TP8 EP8, 5000/500", 0.162, kWithin},
}};

const Documented* documented(const std::string& name) {
  for (const auto& d : kDocumented) {
    if (d.name == name) {
      return &d;
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("Serving: every validation figure is within its documented error", "[serving]") {
  std::size_t within = 0;
  for (const auto& v : validations()) {
    INFO(fmt::format("{} ({}): predicted {:.4g} {}, published {:.4g} ({:+.1f} %)", v.name, v.source,
                     v.predicted, v.unit, v.published, 100 * v.error()));
    const auto* d = documented(v.name);
    REQUIRE(d != nullptr);
    INFO(fmt::format("documented {:+.1f} %: {}", 100 * d->error, d->why));
    CHECK(v.error() == Approx(d->error).margin(kErrorPin));
    // A miss beyond the validation target says why; a figure within it says nothing.
    CHECK((std::abs(d->error) > kValidationTolerance) == !d->why.empty());
    within += std::abs(v.error()) <= kValidationTolerance ? 1U : 0U;
  }
  CHECK(kDocumented.size() == validations().size());
  // How many figures meet the 20 % target (docs/serving.md counts them).
  CHECK(within == 43U);
}

TEST_CASE("Serving: TensorRT-LLM's throughput rows are predicted within 20 %", "[serving]") {
  // The serving constants were fitted on another engine (vLLM 0.11.1); on TensorRT-LLM's
  // offline throughput rows, run with its default capacity scheduler (admission:
  // whole_sequence), the model is within 20 % on all 28.
  for (const auto& v : validations()) {
    if (v.name.starts_with("TensorRT-LLM")) {
      INFO(v.name << ": " << 100 * v.error() << " %");
      CHECK(std::abs(v.error()) <= kValidationTolerance);
    }
  }
}

// --- Validation: ML.ENERGY v3.0 at the other batch sizes ----------------------------------

namespace {

// ML.ENERGY blog, "LLM Inference Energy: A Longitudinal Analysis" (2026-02-09; repository
// ml-energy/blog, docs/posts/llm-energy-over-time.md): energy per output token, output
// throughput and average GPU power against the batch size (max-num-seqs) of Llama 3.1 8B
// (1 H100), 70B (4 H100) and 405B (8 H100, FP8 in V3), the V3 series (vLLM 0.11.1, the
// leaderboard v3.0 runs the calibration comes from). Digitised from the SVG path
// coordinates of the figures llama-energy-per-token-light.svg, llama-throughput-light.svg
// and llama-power-light.svg against each axis' tick positions and labels (linear axes): the
// coordinates have 6 decimals, so the error is below 0.01 %; power / throughput reproduces
// the energy per token within 0.005 % at every point, and the calibration batch sizes
// reproduce the leaderboard's rows. The figure's power is the replica's; here per GPU.
struct MlEnergyBatchRow {
  std::size_t run;  ///< the calibration run of the same model (calibration_runs())
  std::int64_t batch;
  double joules_per_token;
  double tokens_per_s;
  double watts_per_gpu;
};
// The calibration batch sizes (8B 64, 70B 128, 405B 64) are left out: they are fitted.
constexpr std::array<MlEnergyBatchRow, 25> kMlEnergyBatches{{
    {0, 16, 0.2627, 1954, 513.3},   {0, 32, 0.1651, 3391, 559.7},   {0, 96, 0.1029, 6260, 644.0},
    {0, 128, 0.09511, 7037, 669.2}, {0, 192, 0.0837, 8223, 688.3},  {0, 256, 0.07664, 9010, 690.5},
    {0, 384, 0.07423, 9248, 686.5}, {0, 512, 0.07019, 9806, 688.3}, {0, 768, 0.07135, 9603, 685.1},
    {1, 16, 2.091, 863, 451.0},     {1, 32, 1.207, 1487, 448.6},    {1, 64, 0.7972, 2511, 500.4},
    {1, 96, 0.6478, 3244, 525.4},   {1, 192, 0.514, 4461, 573.3},   {1, 256, 0.479, 4915, 588.6},
    {1, 384, 0.4406, 5319, 585.9},  {1, 512, 0.421, 5921, 623.2},   {1, 768, 0.3896, 6507, 633.8},
    {1, 1024, 0.3731, 6827, 636.9}, {2, 16, 7.589, 446, 423.0},     {2, 32, 4.765, 786, 468.0},
    {2, 96, 2.661, 1682, 559.3},    {2, 128, 2.43, 1896, 575.8},    {2, 192, 2.234, 2154, 601.6},
    {2, 256, 2.063, 2363, 609.4},
}};

struct MlEnergyBatchFigures {
  MlEnergyBatchRow row;
  std::string name;  ///< e.g. "Llama 3.1 8B, 1 H100, batch 16"
  Steady predicted;
};

/// Each row simulated with simulate() exactly as its model's calibration run (the same
/// prompt and output lengths; the blog gives no per-batch output lengths), only the batch
/// changed, with the table's H100 constants.
const std::vector<MlEnergyBatchFigures>& mlenergy_batches() {
  static const std::vector<MlEnergyBatchFigures> kAll = [] {
    std::vector<MlEnergyBatchFigures> v;
    const auto runs = calibration_runs();
    for (const auto& row : kMlEnergyBatches) {
      auto run = runs[row.run];
      run.batch = row.batch;
      const auto& cal = *serving_calibration(chip(run.chip)).calibration;
      const auto comma = run.name.rfind(", batch");
      v.push_back({row, fmt::format("{}, batch {}", run.name.substr(0, comma), row.batch),
                   simulate(run, cal)});
    }
    return v;
  }();
  return kAll;
}

}  // namespace

TEST_CASE("Serving: print the ML.ENERGY batch-size table (run by hand)", "[.mlenergyprint]") {
  fmt::print(
      "| run | J/token: published | predicted | error | tok/s: published | predicted | error | "
      "W/GPU: published | predicted | error |\n|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& f : mlenergy_batches()) {
    const auto& r = f.row;
    const auto& p = f.predicted;
    fmt::print(
        "| {} | {:.4g} | {:.4g} | {:+.1f} % | {:.0f} | {:.0f} | {:+.1f} % | {:.0f} | {:.0f} | "
        "{:+.1f} % |\n",
        f.name, r.joules_per_token, p.joules_per_token,
        100 * (p.joules_per_token / r.joules_per_token - 1), r.tokens_per_s, p.tokens_per_s,
        100 * (p.tokens_per_s / r.tokens_per_s - 1), r.watts_per_gpu, p.watts_per_device,
        100 * (p.watts_per_device / r.watts_per_gpu - 1));
  }
}

// --- Validation: the ML.ENERGY batch sizes, every figure's error documented and pinned ----

namespace {

constexpr std::string_view kWhySmallBatch =
    "below the calibration batch the measured iteration is shorter than the model's and the "
    "measured draw lower: batch / throughput at batch 16 is 8.2 ms measured, 10.8 ms predicted "
    "(8B; the per-layer overhead fitted at batch 64 to 128 alone is 32 x 134.5 us = 4.3 ms), "
    "18.5 ms and 26.2 ms (70B), 35.9 ms and 42.2 ms (405B); the measured power per GPU at batch "
    "16 is 513 W (8B), 451 W (70B), 423 W (405B), 60 to 73 % of TDP, where the model's "
    "memory-bound draw (u_mem 0.765, 559 W) keeps it at 536 to 565 W";
constexpr std::string_view kWhyLargeBatch =
    "above the calibration batch the measured iteration grows faster with the batch than the "
    "model's and the measured draw rises toward TDP: 8B batch / throughput from batch 64 to 256 "
    "grows 12.4 to 28.4 ms measured, 12.4 to 22.1 ms predicted, and the measured throughput stops "
    "rising from batch 256 (9010 to 9806 tok/s up to 768) where the model's keeps rising (11564 to "
    "14511); the measured power per GPU reaches 685 to 690 W (8B, batch 192 and up) and 602 to "
    "609 W (405B, batch 192 and 256), the model's 598 to 612 W and 530 W";

/// One row's documented errors (predicted / published - 1) and, beyond 20 %, why.
struct MlEnergyDocumented {
  std::string_view name;
  double joules_per_token;
  double tokens_per_s;
  double watts_per_gpu;
  std::string_view why;
};
constexpr std::array<MlEnergyDocumented, 25> kMlEnergyDocumented{{
    {"Llama 3.1 8B, 1 H100, batch 16", +0.453, -0.243, +0.100, kWhySmallBatch},
    {"Llama 3.1 8B, 1 H100, batch 32", +0.225, -0.169, +0.018, kWhySmallBatch},
    {"Llama 3.1 8B, 1 H100, batch 96", -0.186, +0.116, -0.091, kWithin},
    {"Llama 3.1 8B, 1 H100, batch 128", -0.268, +0.206, -0.118, kWhyLargeBatch},
    {"Llama 3.1 8B, 1 H100, batch 192", -0.319, +0.276, -0.132, kWhyLargeBatch},
    {"Llama 3.1 8B, 1 H100, batch 256", -0.322, +0.283, -0.129, kWhyLargeBatch},
    {"Llama 3.1 8B, 1 H100, batch 384", -0.342, +0.338, -0.120, kWhyLargeBatch},
    {"Llama 3.1 8B, 1 H100, batch 512", -0.328, +0.311, -0.120, kWhyLargeBatch},
    {"Llama 3.1 8B, 1 H100, batch 768", -0.409, +0.511, -0.106, kWhyLargeBatch},
    {"Llama 3.1 70B, 4 H100, batch 16", +0.733, -0.293, +0.227, kWhySmallBatch},
    {"Llama 3.1 70B, 4 H100, batch 32", +0.552, -0.201, +0.241, kWhySmallBatch},
    {"Llama 3.1 70B, 4 H100, batch 64", +0.261, -0.108, +0.125, kWhySmallBatch},
    {"Llama 3.1 70B, 4 H100, batch 96", +0.117, -0.031, +0.082, kWithin},
    {"Llama 3.1 70B, 4 H100, batch 192", -0.109, +0.135, +0.012, kWithin},
    {"Llama 3.1 70B, 4 H100, batch 256", -0.150, +0.167, -0.007, kWithin},
    {"Llama 3.1 70B, 4 H100, batch 384", -0.148, +0.179, +0.005, kWithin},
    {"Llama 3.1 70B, 4 H100, batch 512", -0.149, +0.114, -0.051, kWithin},
    {"Llama 3.1 70B, 4 H100, batch 768", -0.104, +0.046, -0.062, kWithin},
    {"Llama 3.1 70B, 4 H100, batch 1024", -0.147, +0.099, -0.063, kWithin},
    {"Llama 3.1 405B FP8, 8 H100, batch 16", +0.491, -0.150, +0.267, kWhySmallBatch},
    {"Llama 3.1 405B FP8, 8 H100, batch 32", +0.234, -0.074, +0.143, kWhySmallBatch},
    {"Llama 3.1 405B FP8, 8 H100, batch 96", -0.133, +0.095, -0.050, kWithin},
    {"Llama 3.1 405B FP8, 8 H100, batch 128", -0.230, +0.197, -0.078, kWhyLargeBatch},
    {"Llama 3.1 405B FP8, 8 H100, batch 192", -0.340, +0.335, -0.119, kWhyLargeBatch},
    {"Llama 3.1 405B FP8, 8 H100, batch 256", -0.364, +0.368, -0.130, kWhyLargeBatch},
}};

}  // namespace

TEST_CASE("Serving: every ML.ENERGY batch-size figure is within its documented error",
          "[serving]") {
  const auto& figures = mlenergy_batches();
  REQUIRE(figures.size() == kMlEnergyDocumented.size());
  std::array<std::size_t, 3> within{};
  for (std::size_t i = 0; i < figures.size(); ++i) {
    const auto& f = figures[i];
    const auto& d = kMlEnergyDocumented[i];
    REQUIRE(f.name == d.name);
    const std::array<double, 3> error{f.predicted.joules_per_token / f.row.joules_per_token - 1,
                                      f.predicted.tokens_per_s / f.row.tokens_per_s - 1,
                                      f.predicted.watts_per_device / f.row.watts_per_gpu - 1};
    const std::array<double, 3> documented{d.joules_per_token, d.tokens_per_s, d.watts_per_gpu};
    INFO(fmt::format(
        "{} (ML.ENERGY blog, llm-energy-over-time, V3, digitised): J/token {:.4g} vs {:.4g}, "
        "tok/s {:.0f} vs {:.0f}, W/GPU {:.0f} vs {:.0f}; {}",
        f.name, f.predicted.joules_per_token, f.row.joules_per_token, f.predicted.tokens_per_s,
        f.row.tokens_per_s, f.predicted.watts_per_device, f.row.watts_per_gpu, d.why));
    bool miss = false;
    for (std::size_t k = 0; k < 3; ++k) {
      // Each bound: the documented error plus 3 points (the digitisation adds < 0.01 %).
      CHECK(error[k] == Approx(documented[k]).margin(kErrorPin));
      miss = miss || std::abs(documented[k]) > kValidationTolerance;
      within[k] += std::abs(error[k]) <= kValidationTolerance ? 1U : 0U;
    }
    // A row with a figure beyond the 20 % target says why; a row within it says nothing.
    CHECK(miss == !d.why.empty());
  }
  // How many of the 25 rows meet the 20 % target (docs/serving.md counts them): J/token,
  // throughput, power per GPU.
  CHECK(within[0] == 9U);
  CHECK(within[1] == 14U);
  CHECK(within[2] == 22U);
}
