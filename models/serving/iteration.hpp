// One iteration of an LLM serving replica under continuous batching: how long it takes
// and what its devices draw, from the batch it holds (prefill chunks and decode tokens),
// the architecture, the replica's layout, the weights' and the KV cache's formats and the
// chip, on a roofline (docs/serving.md, "The iteration" has every equation and source).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "models/accelerators/accelerator.hpp"
#include "models/workloads/step_model.hpp"
#include "models/workloads/transformer.hpp"

namespace footprint::models {

/// The number format of the weights as they are stored and read: BF16 (2 bytes), FP8 and
/// INT8 (1), INT4 (0.5; the group scales, about 1/64 of that, are left out).
enum class WeightFormat { kBf16, kFp8, kInt8, kInt4 };
/// The KV cache's format: BF16 (2 bytes per value) or FP8 (1).
enum class KvFormat { kBf16, kFp8 };

double weight_bytes(WeightFormat f);
double kv_bytes(KvFormat f);
/// "bf16", "fp8", "int8", "int4".
std::string weight_format_name(WeightFormat f);
std::string kv_format_name(KvFormat f);

/// How a replica's devices share the model: tensor x pipeline = devices. Tensor ranks
/// split every layer (Megatron style: two all-reduces per layer); pipeline stages hold
/// contiguous layers and run one after another on each iteration's batch; with expert > 1
/// each MoE layer's experts are spread over `expert` groups of devices (expert parallelism,
/// two all-to-alls per MoE layer instead of the feed-forward all-reduce).
struct ReplicaLayout {
  std::int64_t tensor = 1;
  std::int64_t pipeline = 1;
  std::int64_t expert = 1;
  [[nodiscard]] std::int64_t devices() const { return tensor * pipeline; }
};

/// The constants of one chip's serving, each fitted only on the runs named in `source`
/// (tests/validation/test_serving.cpp refits them and checks this table).
struct ServingCalibration {
  std::string chip;
  /// Achieved fraction of HBM bandwidth when reading weights and the KV cache.
  double memory_efficiency = 0;
  /// Time per layer and iteration that no roofline term covers (kernel launches and
  /// synchronisation the engine does not hide), seconds.
  double layer_overhead_s = 0;
  /// Power while memory-bound, as a fraction of (TDP - idle) above idle.
  double memory_utilisation = 0;
  std::string source;
};

/// The serving constants of `chip`: its own, or a calibrated chip's (`borrowed_from` names
/// it). Matmul and attention efficiencies come from the step model's calibration of the
/// chip and format (require_calibration()).
struct ServingChoice {
  const ServingCalibration* calibration = nullptr;
  std::string borrowed_from;
};
ServingChoice serving_calibration(const AcceleratorType& chip);
std::span<const ServingCalibration> builtin_serving_calibrations();

/// When a waiting request joins the batch. kPrompt (vLLM): while its prompt's cache fits; a
/// full cache then preempts the latest admitted request and recomputes it later.
/// kWholeSequence (TensorRT-LLM's default capacity scheduler, GUARANTEED_NO_EVICT): only
/// when its prompt and all its output tokens fit beside the whole sequences of the running
/// requests; nothing is ever preempted.
enum class Admission : std::uint8_t { kPrompt, kWholeSequence };

struct ServingModelSpec {
  TransformerSpec model;
  ReplicaLayout layout;
  WeightFormat weights = WeightFormat::kBf16;
  KvFormat kv_cache = KvFormat::kBf16;
  std::int64_t max_batch = 256;          ///< sequences per iteration
  std::int64_t max_batch_tokens = 8192;  ///< tokens per iteration
  Admission admission = Admission::kPrompt;
  /// Fraction of device memory the engine may use (vLLM's gpu_memory_utilization).
  double memory_utilisation = 0.9;
  /// Per device (docs/power-limits.md): a draw above what it allows lowers the clock; the
  /// compute of a roofline term slows with it, its memory traffic and the network do not.
  std::optional<units::Watts> power_limit;
};

/// What an iteration holds. Prefill chunks: `prefill_tokens` new prompt tokens in all,
/// attending to `prefill_context` (key, value) pairs in all (a chunk of L tokens after c
/// cached ones attends to c L + L (L + 1) / 2), of which `prefill_last` chunks end their
/// prompt and produce a first token. Decode: `decode_tokens` sequences, one token each,
/// attending to `decode_context` cached tokens in all.
struct IterationLoad {
  std::int64_t prefill_tokens = 0;
  double prefill_context = 0;
  std::int64_t prefill_last = 0;
  std::int64_t decode_tokens = 0;
  double decode_context = 0;
  [[nodiscard]] std::int64_t tokens() const { return prefill_tokens + decode_tokens; }
};

struct IterationCost {
  double seconds = 0;
  /// Energy of all the replica's accelerators over the iteration, joules (no hosts).
  double accelerator_joules = 0;
};

/// Weights and KV cache of a replica on one chip, and the cost of its iterations.
class ServingModel {
 public:
  /// Throws std::invalid_argument (saying by how much) when the weights and activations
  /// leave no room for the KV cache of one max-length sequence, and for a layout that does
  /// not divide the model (tensor not dividing the heads, pipeline above the layers, expert
  /// not dividing the devices and the experts), or a chip without a calibration to borrow.
  ServingModel(const ServingModelSpec& spec, const AcceleratorType& chip,
               const JobNetwork& network);
  /// The same with given constants (for fitting them).
  ServingModel(const ServingModelSpec& spec, const AcceleratorType& chip, const JobNetwork& network,
               const ServingCalibration& calibration);

  [[nodiscard]] IterationCost cost(const IterationLoad& load) const;

  /// Tokens of KV cache the replica holds (all layers, every sequence together).
  [[nodiscard]] std::int64_t kv_capacity_tokens() const { return kv_capacity_; }
  /// Bytes per device: weights, the activations reserved for the largest iteration, and
  /// the KV cache per token.
  [[nodiscard]] double weight_bytes_per_device() const { return weights_per_device_; }
  [[nodiscard]] double activation_bytes_per_device() const { return activations_per_device_; }
  [[nodiscard]] double kv_bytes_per_token_per_device() const { return kv_per_token_; }
  [[nodiscard]] const TransformerCounts& counts() const { return counts_; }
  [[nodiscard]] std::int64_t devices() const { return spec_.layout.devices(); }
  [[nodiscard]] const AcceleratorType& chip() const { return chip_; }
  [[nodiscard]] const ServingModelSpec& spec() const { return spec_; }
  /// What was borrowed ("H100"), empty when the chip is calibrated itself; the same for
  /// the step model's matmul constants.
  [[nodiscard]] const std::string& borrowed_from() const { return borrowed_; }
  [[nodiscard]] ComputeFormat compute() const { return compute_; }
  /// Idle draw of the replica's accelerators, watts.
  [[nodiscard]] double idle_watts() const;
  /// Seconds to send `tokens` of KV cache to another replica of the same layout over the
  /// scale-out fabric: each device its own shard over its own link, at the step model's
  /// network efficiency, plus one scale-out latency (disaggregated prefill and decode).
  [[nodiscard]] double kv_transfer_seconds(std::int64_t tokens) const;

 private:
  void init();

  ServingModelSpec spec_;
  AcceleratorType chip_;
  JobNetwork network_;
  ServingCalibration cal_;
  std::string borrowed_;
  ComputeFormat compute_ = ComputeFormat::k16Bit;
  double matmul_eta_ = 0;
  double attention_eta_ = 0;
  double network_eta_ = 0;
  double compute_utilisation_ = 1;
  double comm_utilisation_ = 0;
  TransformerCounts counts_;
  // Per token, whole model: matmul FLOPs through the dense weights (attention projections,
  // dense and shared feed-forward, routers), through the routed experts it uses, and for
  // the output logits of a sampled token.
  double dense_flops_per_token_ = 0;
  double expert_flops_per_token_ = 0;
  double logit_flops_ = 0;
  // Bytes read per iteration, whole replica: dense weights (with the key/value projections
  // replicated where heads are fewer than ranks) and the output layer; per routed expert.
  double dense_weight_bytes_ = 0;
  double expert_bytes_ = 0;  ///< one expert of one layer
  double moe_layers_ = 0;    ///< MoE layers
  double experts_ = 0;
  double top_k_ = 0;
  double layers_ = 0;
  // Attention per (token, context token) pair and layer, whole replica: FLOPs of a prefill
  // (expanded) and of a decode (with MLA: absorbed into the latent) token, and KV bytes read
  // per context token and layer summed over the tensor ranks.
  double prefill_attention_flops_ = 0;
  double decode_attention_flops_ = 0;
  double kv_read_bytes_ = 0;
  double weights_per_device_ = 0;
  double activations_per_device_ = 0;
  double kv_per_token_ = 0;  ///< per device, all its layers
  std::int64_t kv_capacity_ = 0;
};

}  // namespace footprint::models
