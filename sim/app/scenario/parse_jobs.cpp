// The jobs section of a scenario file: each job's placement, model, work, rate and timing
// (docs/scenario-format.md, "jobs[]").
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "models/workloads/step_model.hpp"
#include "sim/app/scenario/parse.hpp"

namespace footprint::scenario::parse {

namespace {

using models::Architecture;
using models::TrainingJobSpec;
using models::WorkKind;

/// A predicted rate turns tokens into steps: it needs the global batch and work that is
/// not a duration. Reports what is missing; a batch given but bad was reported already.
bool check_predictable(const MapReader& r, Diagnostics& d, const TrainingJobSpec& job) {
  if (!job.batch) {
    if (r.has("batch")) {
      return false;  // given but bad: reported where it is
    }
    report(d, r.node(), r.path(),
           "a job whose throughput is predicted needs its global batch (batch: \"3.2e6 tokens\")");
    return false;
  }
  if (job.work_kind == WorkKind::kDuration) {
    report(d, r.get("work"), r.path("work"),
           "a job whose throughput is predicted gives its work in tokens or FLOP, not a duration");
    return false;
  }
  return true;
}

/// parallelism.microbatch: sequences per microbatch, the way papers state it; gives the
/// microbatches per step of each data-parallel replica. Empty after a reported problem.
std::optional<std::int64_t> microbatches_from_size(const MapReader& pr, Diagnostics& d,
                                                   const models::PredictedTraining& p,
                                                   std::int64_t size) {
  std::int64_t per_sequence = 0;
  try {
    per_sequence = models::count_transformer(p.model).tokens_per_sequence;
  } catch (const std::invalid_argument&) {
    return std::nullopt;  // the model's own problem, reported where it is read
  }
  const double sequences = p.tokens_per_step / static_cast<double>(per_sequence);
  const double per_replica = sequences / static_cast<double>(p.layout.data);
  const double count = per_replica / static_cast<double>(size);
  if (count < 1 || count != std::floor(count)) {
    report(d, pr.get("microbatch"), pr.path("microbatch"),
           fmt::format("a batch of {:g} sequences over data = {} is {:g} sequences per replica, "
                       "not a whole number of microbatches of {}",
                       sequences, p.layout.data, per_replica, size));
    return std::nullopt;
  }
  return static_cast<std::int64_t>(count);
}

bool is_auto(const YAML::Node& n) {
  return n.IsScalar() && n.Scalar() == "auto";
}

/// Whether `key` has a value (a key with nothing after it counts as absent).
bool given(const MapReader& r, const std::string& key) {
  return r.has(key) && !r.get(key).IsNull();
}

/// A key of parallelism: `auto` (searched: returns true), or a whole number >= 1 read into
/// `value` (left as it is when the key is absent or bad).
bool read_layout_key(const MapReader& pr, const std::string& key, std::int64_t& value) {
  if (!given(pr, key)) {
    return false;
  }
  const auto n = pr.get(key);
  if (is_auto(n)) {
    return true;
  }
  if (n.IsScalar()) {
    try {
      (void)n.as<double>();
    } catch (const YAML::Exception&) {
      report(pr.diagnostics(), n, pr.path(key),
             fmt::format("expected a whole number >= 1 or auto, got \"{}\"", n.Scalar()));
      return false;
    }
  }
  if (const auto v = pr.count(key, false, 1)) {
    value = *v;
  }
  return false;
}

/// The keys of parallelism that split the devices or the model, with where each goes.
struct LayoutKey {
  const char* key;
  std::int64_t models::ParallelLayout::*layout;
  std::optional<std::int64_t> models::LayoutRequest::*request;
};
constexpr LayoutKey kLayoutKeys[] = {
    {"data", &models::ParallelLayout::data, &models::LayoutRequest::data},
    {"tensor", &models::ParallelLayout::tensor, &models::LayoutRequest::tensor},
    {"pipeline", &models::ParallelLayout::pipeline, &models::LayoutRequest::pipeline},
    {"context", &models::ParallelLayout::context, &models::LayoutRequest::context},
    {"expert", &models::ParallelLayout::expert, &models::LayoutRequest::expert},
    {"virtual_stages", &models::ParallelLayout::virtual_stages,
     &models::LayoutRequest::virtual_stages},
};

/// parallelism.microbatches or parallelism.microbatch (sequences per microbatch), either
/// `auto`; when neither is given, pipeline if every other key is fixed, else searched. With
/// data fixed, microbatch gives the microbatches here; with data searched, auto_layout()
/// derives them for each candidate. Read after the other keys.
void read_microbatches(const MapReader& pr, Diagnostics& d, models::PredictedTraining& p) {
  auto& req = p.request;
  std::int64_t count = 0;
  std::int64_t size = 0;
  const bool count_auto = read_layout_key(pr, "microbatches", count);
  const bool size_auto = read_layout_key(pr, "microbatch", size);
  if (count_auto || size_auto) {
    if (given(pr, "microbatches") && given(pr, "microbatch") && !(count_auto && size_auto) &&
        !pr.bad("microbatches") && !pr.bad("microbatch")) {
      report(d, pr.get("microbatch"), pr.path("microbatch"),
             "microbatch and microbatches: one is auto and the other fixed; give one of them");
    }
    req.microbatches.reset();
    return;
  }
  if (size > 0 && !req.data) {
    if (count > 0) {
      report(d, pr.get("microbatch"), pr.path("microbatch"),
             "with data: auto, give microbatch (sequences per microbatch) or microbatches, not "
             "both");
    }
    req.microbatch = size;
    req.microbatches.reset();
    return;
  }
  if (size > 0 && !pr.bad("data")) {
    if (const auto n = microbatches_from_size(pr, d, p, size)) {
      if (count > 0 && count != *n) {
        report(d, pr.get("microbatch"), pr.path("microbatch"),
               fmt::format("microbatch: {} sequences gives {} microbatches per replica, but "
                           "microbatches: {}; give one of them",
                           size, *n, count));
      }
      count = *n;
    }
  }
  const bool fixed =
      req.data && req.tensor && req.pipeline && req.context && req.expert && req.virtual_stages;
  if (count > 0) {
    p.layout.microbatches = count;
    req.microbatches = count;
  } else if (fixed) {
    p.layout.microbatches = *req.pipeline;
    req.microbatches = *req.pipeline;
  } else {
    req.microbatches.reset();  // searched with the other keys
  }
}

/// parallelism.context must divide each sequence; tensor the heads; expert the experts and
/// data; virtual_stages > 1 needs a pipeline. Only the fixed keys, and those read well.
void check_layout_keys(const MapReader& pr, Diagnostics& d, const models::PredictedTraining& p) {
  const auto& req = p.request;
  const auto& m = p.model;
  if (req.context && *req.context > 1 && !pr.bad("context")) {
    for (const auto seq : {m.sequence, m.target_sequence}) {
      if (seq > 0 && seq % *req.context != 0) {
        report(d, pr.get("context"), pr.path("context"),
               fmt::format("context ({}) does not divide the model's {} ({} tokens): each "
                           "context rank takes an equal share of every sequence",
                           *req.context, seq == m.sequence ? "sequence" : "target_sequence", seq));
        break;
      }
    }
  }
  if (req.tensor && *req.tensor > 1 && !pr.bad("tensor") && m.heads > 0 &&
      m.heads % *req.tensor != 0) {
    report(d, pr.get("tensor"), pr.path("tensor"),
           fmt::format("tensor ({}) does not divide the model's heads ({}): each tensor rank "
                       "takes whole heads",
                       *req.tensor, m.heads));
  }
  if (req.expert && *req.expert > 1 && !pr.bad("expert")) {
    if (m.experts == 0) {
      report(d, pr.get("expert"), pr.path("expert"),
             "expert parallelism applies to architecture: moe");
    } else if (m.experts % *req.expert != 0) {
      report(d, pr.get("expert"), pr.path("expert"),
             fmt::format("expert ({}) does not divide the model's experts ({})", *req.expert,
                         m.experts));
    } else if (req.data && !pr.bad("data") && *req.data % *req.expert != 0) {
      report(d, pr.get("expert"), pr.path("expert"),
             fmt::format("expert ({}) does not divide data ({}): experts are spread over "
                         "data-parallel devices",
                         *req.expert, *req.data));
    }
  }
  if (req.virtual_stages && *req.virtual_stages > 1 && req.pipeline && *req.pipeline == 1 &&
      !pr.bad("virtual_stages") && !pr.bad("pipeline")) {
    report(d, pr.get("virtual_stages"), pr.path("virtual_stages"),
           fmt::format("virtual_stages: {} needs pipeline > 1 (it splits each pipeline stage "
                       "into chunks), but pipeline is 1",
                       *req.virtual_stages));
  }
}

/// data x tensor x pipeline x context must be the job's devices; with some of them auto,
/// the fixed ones must divide the devices.
void check_layout_devices(const MapReader& pr, Diagnostics& d, const models::PredictedTraining& p,
                          std::int64_t devices) {
  std::vector<std::int64_t> all;
  std::vector<std::string> names;  // the fixed keys above 1, with auto
  std::vector<std::int64_t> values;
  bool searched = false;
  for (const auto& k : {kLayoutKeys[0], kLayoutKeys[1], kLayoutKeys[2], kLayoutKeys[3]}) {
    if (pr.bad(k.key)) {
      return;  // reported where it is
    }
    const auto v = p.request.*k.request;
    searched = searched || !v;
    all.push_back(v.value_or(1));
    if (v && *v > 1) {
      names.emplace_back(k.key);
      values.push_back(*v);
    }
  }
  std::int64_t product = 1;
  for (const auto v : all) {
    product *= v;
  }
  if (!searched && product != devices) {
    report(d, pr.node(), pr.path(),
           fmt::format("data x tensor x pipeline x context = {} = {}, but the job has {} devices",
                       fmt::join(all, " x "), product, devices));
  } else if (searched && devices % product != 0) {
    report(d, pr.node(), pr.path(),
           names.size() == 1
               ? fmt::format("{} = {} does not divide the job's {} devices", names.front(), product,
                             devices)
               : fmt::format("the fixed keys {} = {} = {} do not divide the job's {} devices",
                             fmt::join(names, " x "), fmt::join(values, " x "), product, devices));
  }
}

/// parallelism: absent or "auto" searches every key (auto_layout()); a mapping fixes the
/// keys it gives (those left out are 1) and searches those given as `auto`.
void read_layout(const MapReader& r, Diagnostics& d, models::PredictedTraining& p,
                 std::int64_t devices) {
  const YAML::Node pn = r.get("parallelism");
  if (!r.has("parallelism") || is_auto(pn)) {
    p.auto_layout = true;
    p.request = models::LayoutRequest::all_auto();
    return;
  }
  MapReader pr(pn, r.path("parallelism"), d,
               {"data", "tensor", "pipeline", "context", "virtual_stages", "expert", "microbatches",
                "microbatch"});
  if (!pr.valid()) {
    return;
  }
  p.request = {};
  for (const auto& k : kLayoutKeys) {
    if (!read_layout_key(pr, k.key, p.layout.*k.layout)) {
      p.request.*k.request = p.layout.*k.layout;
    }
  }
  read_microbatches(pr, d, p);
  check_layout_keys(pr, d, p);
  check_layout_devices(pr, d, p, devices);
  const auto& q = p.request;
  p.auto_layout = !q.data || !q.tensor || !q.pipeline || !q.context || !q.expert ||
                  !q.virtual_stages || !q.microbatches;
}

/// precision.weights and precision.optimizer: the bytes kept per parameter.
void read_number_formats(const MapReader& pr, Diagnostics& d, models::TrainingPrecision& prec) {
  if (const auto w = pr.text("weights", false)) {
    constexpr double kHalfBytes = 2;
    constexpr double kSingleBytes = 4;
    if (*w == "bf16" || *w == "fp16") {
      prec.parameter_bytes = kHalfBytes;
      prec.gradient_bytes = kHalfBytes;
    } else if (*w == "fp32") {
      prec.parameter_bytes = kSingleBytes;
      prec.gradient_bytes = kSingleBytes;
    } else {
      report(d, pr.get("weights"), pr.path("weights"),
             fmt::format("expected bf16, fp16 or fp32, got \"{}\"", *w));
    }
  }
  if (const auto o = pr.text("optimizer", false)) {
    if (*o == "adam") {
      prec.optimizer = models::Optimizer::kAdam;
    } else if (*o == "adafactor") {
      prec.optimizer = models::Optimizer::kAdafactor;
    } else if (*o == "sgd") {
      prec.optimizer = models::Optimizer::kSgdMomentum;
    } else {
      report(d, pr.get("optimizer"), pr.path("optimizer"),
             fmt::format("expected adam, adafactor or sgd, got \"{}\"", *o));
    }
  }
}

/// "A, B and C".
std::string and_list(const std::vector<std::string>& items) {
  if (items.size() < 2) {
    return items.empty() ? std::string("none") : items.front();
  }
  return fmt::format("{} and {}", fmt::join(items.begin(), items.end() - 1, ", "), items.back());
}

/// precision.compute: bf16 | fp16 (the chip's 16-bit format) or fp8, each only on a chip
/// that has it.
void read_compute(const MapReader& pr, const models::AcceleratorType& chip,
                  const models::AcceleratorLibrary& lib, models::TrainingPrecision& prec) {
  const auto c = pr.text("compute", false);
  if (!c) {
    return;
  }
  Diagnostics& d = pr.diagnostics();
  if (*c == "bf16" && !chip.has_bf16) {
    report(d, pr.get("compute"), pr.path("compute"),
           fmt::format("{} has no BF16; use fp16", chip.name));
  } else if (*c == "bf16" || *c == "fp16") {
    prec.compute = models::ComputeFormat::k16Bit;
  } else if (*c == "fp8" && !chip.peak_fp8) {
    std::vector<std::string> with_fp8;
    for (const auto& t : lib.types()) {
      if (t.peak_fp8) {
        with_fp8.push_back(t.name);
      }
    }
    report(d, pr.get("compute"), pr.path("compute"),
           fmt::format("{} has no FP8 (no peak_fp8 figure); the chips with FP8 are {}", chip.name,
                       and_list(with_fp8)));
  } else if (*c == "fp8") {
    prec.compute = models::ComputeFormat::kFp8;
  } else {
    report(d, pr.get("compute"), pr.path("compute"),
           fmt::format("expected bf16, fp16 or fp8, got \"{}\"", *c));
  }
}

/// precision.recompute: none | selective | full | dots; a YAML boolean is accepted too (true:
/// full, false: none).
void read_recompute(const MapReader& pr, models::TrainingPrecision& prec) {
  if (!given(pr, "recompute")) {
    return;
  }
  const auto n = pr.get("recompute");
  const std::string s = n.IsScalar() ? n.Scalar() : "";
  if (s == "none") {
    prec.recompute = models::Recompute::kNone;
  } else if (s == "selective") {
    prec.recompute = models::Recompute::kSelective;
  } else if (s == "full") {
    prec.recompute = models::Recompute::kFull;
  } else if (s == "dots") {
    prec.recompute = models::Recompute::kDots;
  } else {
    try {
      prec.recompute = n.as<bool>() ? models::Recompute::kFull : models::Recompute::kNone;
    } catch (const YAML::Exception&) {
      report(pr.diagnostics(), n, pr.path("recompute"),
             n.IsScalar() ? fmt::format("expected none, selective, full or dots (or true = "
                                        "full, false = none), got \"{}\"",
                                        s)
                          : std::string("expected none, selective, full or dots"));
    }
  }
}

/// precision.shard: none | optimizer | gradients | parameters, or the older
/// shard_optimizer: true/false (not both); shard_group: devices per sharding group.
void read_sharding(const MapReader& pr, const MapReader& r, models::PredictedTraining& p) {
  Diagnostics& d = pr.diagnostics();
  auto& prec = p.precision;
  if (const auto s = pr.text("shard", false)) {
    if (*s == "none") {
      prec.shard = models::Sharding::kNone;
    } else if (*s == "optimizer") {
      prec.shard = models::Sharding::kOptimizer;
    } else if (*s == "gradients") {
      prec.shard = models::Sharding::kGradients;
    } else if (*s == "parameters") {
      prec.shard = models::Sharding::kParameters;
    } else {
      report(d, pr.get("shard"), pr.path("shard"),
             fmt::format("expected none, optimizer, gradients or parameters (ZeRO stages 1, 2 "
                         "and 3), got \"{}\"",
                         *s));
    }
  }
  if (given(pr, "shard_optimizer")) {
    if (given(pr, "shard")) {
      report(d, pr.get("shard_optimizer"), pr.path("shard_optimizer"),
             "give shard or shard_optimizer (the older spelling of shard: optimizer), not both");
    } else {
      try {
        prec.shard = pr.get("shard_optimizer").as<bool>() ? models::Sharding::kOptimizer
                                                          : models::Sharding::kNone;
      } catch (const YAML::Exception&) {
        report(d, pr.get("shard_optimizer"), pr.path("shard_optimizer"), "expected true or false");
      }
    }
  }
  const auto group = pr.count("shard_group", false, 1);
  if (!group) {
    return;
  }
  prec.shard_group = *group;
  const auto& req = p.request;
  if (prec.shard == models::Sharding::kNone) {
    if (!pr.bad("shard") && !pr.bad("shard_optimizer")) {
      report(d, pr.get("shard_group"), pr.path("shard_group"),
             "applies with shard: optimizer, gradients or parameters");
    }
  } else if (req.data && req.context && !r.bad("parallelism") &&
             (*req.data * *req.context) % *group != 0) {
    report(d, pr.get("shard_group"), pr.path("shard_group"),
           fmt::format("shard_group ({}) does not divide data x context = {} x {} = {}", *group,
                       *req.data, *req.context, *req.data * *req.context));
  }
}

/// precision.offload_layers: layers of each pipeline stage whose activations wait in host
/// memory; the chip's system must have host memory and a host link, and every stage must
/// keep at least one layer's on the device (with the pipeline searched, the model's layers
/// bound it).
void read_offload(const MapReader& pr, const MapReader& r, const models::AcceleratorType& chip,
                  models::PredictedTraining& p) {
  const auto n = pr.count("offload_layers", false, 0);
  if (!n || *n == 0) {
    return;
  }
  Diagnostics& d = pr.diagnostics();
  p.precision.offload_layers = *n;
  if (chip.host_memory <= units::Bytes::zero() ||
      chip.host_link_bandwidth <= units::ByteRate::zero()) {
    report(d, pr.get("offload_layers"), pr.path("offload_layers"),
           fmt::format("{} has no host memory or host link figure to offload to; give "
                       "host_memory and host_link_bandwidth in accelerator_types",
                       chip.name));
    return;
  }
  // With the pipeline searched (auto), a stage holds at most every layer.
  const auto pipeline = p.request.pipeline.value_or(1);
  if (!r.bad("parallelism")) {
    const std::int64_t smallest = models::count_transformer(p.model).layers / pipeline;
    if (smallest >= 1 && *n >= smallest) {
      report(d, pr.get("offload_layers"), pr.path("offload_layers"),
             p.request.pipeline
                 ? fmt::format("offload_layers ({}) must be below the layers of the smallest of "
                               "the {} pipeline stages ({})",
                               *n, pipeline, smallest)
                 : fmt::format("offload_layers ({}) must be below the model's layers ({}), "
                               "which one pipeline stage holds at most",
                               *n, smallest));
    }
  }
}

/// precision: { compute, weights, optimizer, recompute, shard, shard_optimizer,
/// shard_group, offload_layers }. Read after the layout: shard_group must divide it.
void read_precision(const MapReader& r, Diagnostics& d, const models::AcceleratorType& chip,
                    const models::AcceleratorLibrary& lib, models::PredictedTraining& p) {
  MapReader pr(r.get("precision"), r.path("precision"), d,
               {"compute", "weights", "optimizer", "recompute", "shard", "shard_optimizer",
                "shard_group", "offload_layers"});
  if (!pr.valid()) {
    return;
  }
  read_compute(pr, chip, lib, p.precision);
  read_number_formats(pr, d, p.precision);
  read_recompute(pr, p.precision);
  read_sharding(pr, r, p);
  read_offload(pr, r, chip, p);
}

/// dispatch: { copies: per_expert | per_domain, format: bf16 | fp8, overlap }: how a MoE
/// job's tokens reach their experts (step_model.hpp, ExpertDispatch).
void read_dispatch(const MapReader& r, Diagnostics& d, models::PredictedTraining& p) {
  if (p.model.experts == 0) {
    report(d, r.get("dispatch"), r.path("dispatch"), "applies to architecture: moe");
    return;
  }
  MapReader dr(r.get("dispatch"), r.path("dispatch"), d, {"copies", "format", "overlap"});
  if (!dr.valid()) {
    return;
  }
  if (const auto c = dr.text("copies", false)) {
    if (*c == "per_domain") {
      p.dispatch.per_domain = true;
    } else if (*c != "per_expert") {
      report(d, dr.get("copies"), dr.path("copies"),
             fmt::format("expected per_expert or per_domain, got \"{}\"", *c));
    }
  }
  if (const auto f = dr.text("format", false)) {
    if (*f == "fp8") {
      p.dispatch.format = models::ComputeFormat::kFp8;
    } else if (*f != "bf16" && *f != "fp16") {
      report(d, dr.get("format"), dr.path("format"),
             fmt::format("expected bf16, fp16 or fp8, got \"{}\"", *f));
    }
  }
  p.dispatch.overlap = dr.fraction("overlap", false).value_or(0);
}

/// parallelism, precision, stragglers, routing_skew, gradient_overlap of a job whose
/// throughput the step model predicts; its expected step is estimated once the scenario
/// has been validated (plan.hpp).
bool read_predicted(const MapReader& r, Diagnostics& d, TrainingJobSpec& job,
                    const models::AcceleratorType& chip, const models::AcceleratorLibrary& lib,
                    std::int64_t devices) {
  const auto before = d.items().size();
  models::PredictedTraining p;
  p.model = *job.model.transformer;
  if (!check_predictable(r, d, job)) {
    return false;
  }
  p.tokens_per_step = job.batch->si();
  read_layout(r, d, p, devices);
  if (r.has("precision")) {
    read_precision(r, d, chip, lib, p);
  }
  if (r.has("stragglers")) {
    MapReader sr(r.get("stragglers"), r.path("stragglers"), d, {"mean"});
    p.straggler_mean = sr.fraction("mean", true).value_or(0);
  }
  p.routing_skew = r.number("routing_skew", false, Sign::kNonNegative).value_or(0);
  if (r.has("routing_skew") && p.model.experts == 0) {
    report(d, r.get("routing_skew"), r.path("routing_skew"), "applies to architecture: moe");
  }
  p.gradient_overlap = r.fraction("gradient_overlap", false).value_or(0);
  if (r.has("dispatch")) {
    read_dispatch(r, d, p);
  }
  if (d.items().size() != before) {
    return false;
  }
  job.predicted = std::move(p);
  return true;
}

/// A given parameter count may differ from the architecture's by this much (biases, layer
/// norms and position embeddings are not counted: docs/models.md).
constexpr double kParameterTolerance = 0.05;

/// An optional count; 0 (the spec's "not given") when absent or bad.
std::int64_t count_or_zero(const MapReader& r, const char* key, bool required, std::int64_t min) {
  return r.count(key, required, min).value_or(0);
}

/// The stack and its widths: layers (decoder-only) or encoder_layers and decoder_layers,
/// d_model, d_ff, heads, d_head, vocabulary, sequence, target_sequence.
void read_transformer_sizes(const MapReader& r, Diagnostics& d, models::TransformerSpec& t) {
  if (r.has("layers") && (r.has("encoder_layers") || r.has("decoder_layers"))) {
    report(d, r.get("layers"), r.path("layers"),
           "give layers (decoder-only) or encoder_layers and decoder_layers, not both");
  }
  if (r.has("layers")) {
    t.decoder_layers = count_or_zero(r, "layers", true, 1);
  } else {
    t.encoder_layers = count_or_zero(r, "encoder_layers", true, 1);
    t.decoder_layers = count_or_zero(r, "decoder_layers", true, 1);
  }
  t.d_model = count_or_zero(r, "d_model", true, 1);
  t.d_ff = count_or_zero(r, "d_ff", true, 1);
  t.heads = count_or_zero(r, "heads", true, 1);
  t.d_head = count_or_zero(r, "d_head", false, 1);
  t.vocabulary = count_or_zero(r, "vocabulary", true, 1);
  t.sequence = count_or_zero(r, "sequence", true, 1);
  t.target_sequence = count_or_zero(r, "target_sequence", false, 1);
}

/// A feed-forward kind: "two-matrix", or "gated" (also written "swiglu" or "geglu": the
/// count is the same, 3 matrices); reported when it is neither.
std::optional<models::FfnKind> read_ffn_kind(const MapReader& r, Diagnostics& d, const char* key) {
  const auto f = r.text(key, false);
  if (!f) {
    return std::nullopt;
  }
  if (*f == "gated" || *f == "swiglu" || *f == "geglu") {
    return models::FfnKind::kGated;
  }
  if (*f == "two-matrix") {
    return models::FfnKind::kTwoMatrix;
  }
  report(d, r.get(key), r.path(key),
         fmt::format("expected \"two-matrix\" or \"gated\" (or \"swiglu\", \"geglu\"), got \"{}\"",
                     *f));
  return std::nullopt;
}

/// attention.scores (fused | materialised) and attention.dropout (a probability below 1).
void read_attention_scores(const MapReader& ar, Diagnostics& d, models::TransformerSpec& t) {
  if (const auto scores = ar.text("scores", false)) {
    if (*scores == "materialised" || *scores == "materialized") {
      t.scores = models::AttentionScores::kMaterialised;
    } else if (*scores != "fused") {
      report(d, ar.get("scores"), ar.path("scores"),
             fmt::format("expected \"fused\" or \"materialised\", got \"{}\"", *scores));
    }
  }
  if (const auto p = ar.fraction("dropout", false)) {
    if (*p >= 1) {
      report(d, ar.get("dropout"), ar.path("dropout"),
             fmt::format("a dropout probability must be below 1, got {}", *p));
    } else {
      t.attention_dropout = *p;
    }
  }
}

/// kv_heads, and attention: { kind: mha | mla, q_rank, kv_rank, rope_dim, scores, dropout }.
/// Read after heads: kv_heads must divide them (not checked again when heads was bad).
void read_attention(const MapReader& r, Diagnostics& d, models::TransformerSpec& t) {
  t.kv_heads = count_or_zero(r, "kv_heads", false, 1);
  if (r.has("attention")) {
    MapReader ar(r.get("attention"), r.path("attention"), d,
                 {"kind", "q_rank", "kv_rank", "rope_dim", "scores", "dropout"});
    if (ar.valid()) {
      read_attention_scores(ar, d, t);
      const auto kind = ar.text("kind", true);
      if (kind && *kind == "mla") {
        t.attention = models::AttentionKind::kLatent;
        t.q_rank = count_or_zero(ar, "q_rank", false, 0);
        t.kv_rank = count_or_zero(ar, "kv_rank", true, 1);
        t.rope_dim = count_or_zero(ar, "rope_dim", false, 0);
      } else if (kind && *kind != "mha") {
        report(d, ar.get("kind"), ar.path("kind"),
               fmt::format("expected \"mha\" or \"mla\", got \"{}\"", *kind));
      } else if (kind) {
        for (const char* key : {"q_rank", "kv_rank", "rope_dim"}) {
          if (ar.has(key)) {
            report(d, ar.get(key), ar.path(key), "applies to kind: mla");
          }
        }
      }
    }
  }
  if (!r.has("kv_heads") || r.bad("kv_heads")) {
    return;
  }
  if (t.attention == models::AttentionKind::kLatent) {
    report(d, r.get("kv_heads"), r.path("kv_heads"),
           "kv_heads is for multi-head attention (grouped-query); attention kind mla has no "
           "key/value heads: remove it");
  } else if (t.heads > 0 && t.kv_heads > 0 && t.heads % t.kv_heads != 0) {
    report(d, r.get("kv_heads"), r.path("kv_heads"),
           fmt::format("kv_heads ({}) does not divide heads ({})", t.kv_heads, t.heads));
  }
}

/// ffn, expert_ffn, tied_embeddings.
void read_transformer_options(const MapReader& r, Diagnostics& d, models::TransformerSpec& t) {
  if (const auto f = read_ffn_kind(r, d, "ffn")) {
    t.ffn = *f;
  }
  if (const auto f = read_ffn_kind(r, d, "expert_ffn")) {
    t.expert_ffn = *f;
  }
  if (r.has("tied_embeddings")) {
    try {
      t.tied_embeddings = r.get("tied_embeddings").as<bool>();
    } catch (const YAML::Exception&) {
      report(d, r.get("tied_embeddings"), r.path("tied_embeddings"), "expected true or false");
    }
  }
}

/// routing: { groups, limit }: group-limited routing, groups dividing the experts, a limit
/// of 1 to groups whose groups hold at least top_k experts.
void read_routing(const MapReader& r, Diagnostics& d, models::TransformerSpec& t) {
  MapReader rr(r.get("routing"), r.path("routing"), d, {"groups", "limit"});
  if (!rr.valid()) {
    return;
  }
  t.routing_groups = count_or_zero(rr, "groups", true, 1);
  t.routing_group_limit = count_or_zero(rr, "limit", true, 1);
  if (t.routing_groups == 0 || t.experts == 0 || r.bad("experts")) {
    return;
  }
  if (t.experts % t.routing_groups != 0) {
    report(d, rr.get("groups"), rr.path("groups"),
           fmt::format("{} groups do not divide the {} experts", t.routing_groups, t.experts));
    return;
  }
  if (t.routing_group_limit == 0) {
    return;
  }
  if (t.routing_group_limit > t.routing_groups) {
    report(d, rr.get("limit"), rr.path("limit"),
           fmt::format("a limit of {} groups exceeds the {} groups", t.routing_group_limit,
                       t.routing_groups));
  } else if (!r.bad("top_k") && t.routing_group_limit * (t.experts / t.routing_groups) < t.top_k) {
    report(d, rr.get("limit"), rr.path("limit"),
           fmt::format("the limit's groups hold {} experts ({} x {}), fewer than top_k ({})",
                       t.routing_group_limit * (t.experts / t.routing_groups),
                       t.routing_group_limit, t.experts / t.routing_groups, t.top_k));
  }
}

/// experts, top_k, moe_every, expert_d_ff, expert_ffn, shared_experts, dense_layers,
/// capacity_factor: for architecture: moe only (not reported again when the architecture
/// itself was bad). Read after the layers: dense_layers must leave MoE layers in each stack.
void read_experts(const MapReader& r, Diagnostics& d, bool moe, models::TransformerSpec& t) {
  for (const char* key : {"experts", "top_k", "moe_every", "expert_d_ff", "expert_ffn",
                          "shared_experts", "dense_layers", "capacity_factor", "routing"}) {
    if (!moe && r.has(key) && !r.bad("architecture")) {
      report(d, r.get(key), r.path(key), "experts belong to architecture: moe");
    }
  }
  if (!moe) {
    return;
  }
  t.experts = count_or_zero(r, "experts", true, 2);
  t.top_k = r.count("top_k", false, 1).value_or(1);
  t.moe_every = r.count("moe_every", false, 1).value_or(2);
  t.expert_d_ff = count_or_zero(r, "expert_d_ff", false, 1);
  t.shared_experts = count_or_zero(r, "shared_experts", false, 0);
  t.dense_layers = count_or_zero(r, "dense_layers", false, 0);
  t.capacity_factor = r.number("capacity_factor", false, Sign::kPositive).value_or(1.0);
  if (r.has("top_k") && !r.bad("top_k") && t.experts > 0 && t.top_k > t.experts) {
    report(d, r.get("top_k"), r.path("top_k"),
           fmt::format("top_k ({}) exceeds experts ({})", t.top_k, t.experts));
  }
  if (r.has("routing")) {
    read_routing(r, d, t);
  }
  const std::int64_t shortest =
      t.encoder_layers > 0 ? std::min(t.encoder_layers, t.decoder_layers) : t.decoder_layers;
  if (r.has("dense_layers") && !r.bad("dense_layers") && shortest > 0 &&
      t.dense_layers >= shortest) {
    report(d, r.get("dense_layers"), r.path("dense_layers"),
           fmt::format("{} dense layers leave no MoE layer in a stack of {}: give fewer",
                       t.dense_layers, shortest));
  }
}

/// parameters / active_parameters, when given, must agree with the derived counts;
/// active_fraction has no place beside an architecture.
void check_given_counts(const MapReader& r, Diagnostics& d, const models::TransformerCounts& c) {
  auto agree = [&](const char* key, double derived) {
    if (const auto given = r.number(key, false, Sign::kPositive)) {
      if (std::fabs(*given - derived) > kParameterTolerance * derived) {
        report(
            d, r.get(key), r.path(key),
            fmt::format("{:.4g} given, but the architecture has {:.4g} ({:+.1f} %; more than "
                        "{:g} % apart)",
                        *given, derived, (*given / derived - 1) * 100, kParameterTolerance * 100));
      }
    }
  };
  agree("parameters", c.parameters);
  agree("active_parameters", c.active_parameters);
  if (r.has("active_fraction")) {
    report(d, r.get("active_fraction"), r.path("active_fraction"),
           "with an architecture the active parameters are derived: give active_parameters to "
           "check them");
  }
}

/// model: with d_model: a transformer (models/workloads/transformer.hpp). Its counts are
/// derived; `parameters` / `active_parameters`, when given, must agree within 5 %.
std::optional<models::ModelShape> read_transformer(const MapReader& r, Diagnostics& d,
                                                   models::ModelShape m) {
  models::TransformerSpec t;
  const auto before = d.items().size();
  read_transformer_sizes(r, d, t);
  read_attention(r, d, t);
  read_transformer_options(r, d, t);
  read_experts(r, d, m.architecture == Architecture::kMoe, t);
  if (d.items().size() != before || r.bad("architecture")) {
    return std::nullopt;  // the counts, and the checks of given ones, need every field
  }
  models::TransformerCounts c;
  try {
    c = models::count_transformer(t);
  } catch (const std::invalid_argument& e) {
    report(d, r.node(), r.path(), e.what());
    return std::nullopt;
  }
  check_given_counts(r, d, c);
  m.parameters = c.parameters;
  m.active_parameters = c.active_parameters;
  m.transformer = t;
  return m;
}

/// The active parameters of a moe model without an architecture: active_parameters or
/// active_fraction of the parameters, one of them required.
bool read_moe_active(const MapReader& r, Diagnostics& d, std::optional<double> active,
                     std::optional<double> frac, models::ModelShape& m) {
  if (!r.has("active_parameters") && !r.has("active_fraction")) {
    report(d, r.node(), r.path(),
           "a moe model needs active_parameters or active_fraction (parameters used per token)");
    return false;
  }
  if (!active && !frac) {
    return false;  // given but bad: reported where it is
  }
  m.active_parameters = active ? *active : *frac * m.parameters;
  if (m.active_parameters > m.parameters) {
    report(d, r.get("active_parameters"), r.path("active_parameters"),
           fmt::format("active parameters ({:g}) exceed the parameters ({:g})", m.active_parameters,
                       m.parameters));
  }
  if (!(m.active_parameters > 0)) {
    report(d, r.get("active_fraction"), r.path("active_fraction"), "must be positive");
  }
  return true;
}

/// A model without an architecture: parameters, and for moe the active ones, as given.
std::optional<models::ModelShape> read_given_counts(const MapReader& r, Diagnostics& d,
                                                    models::ModelShape m) {
  const auto params = r.number("parameters", true, Sign::kPositive);
  const auto active = r.number("active_parameters", false, Sign::kPositive);
  const auto frac = r.fraction("active_fraction", false);
  if (!params) {
    return std::nullopt;
  }
  m.parameters = *params;
  if (active && frac) {
    report(d, r.node(), r.path(), "give active_parameters or active_fraction, not both");
  }
  if (r.bad("architecture")) {
    return std::nullopt;  // which counts apply depends on it
  }
  if (m.architecture == Architecture::kMoe) {
    return read_moe_active(r, d, active, frac, m) ? std::optional(m) : std::nullopt;
  }
  if ((active && *active != m.parameters) || (frac && *frac != 1.0)) {
    report(d, r.get(active ? "active_parameters" : "active_fraction"),
           r.path(active ? "active_parameters" : "active_fraction"),
           "a dense model activates all of its parameters; use architecture: moe");
  }
  m.active_parameters = m.parameters;
  return m;
}

std::optional<models::ModelShape> read_model(const MapReader& job, Diagnostics& d) {
  if (!job.has("model")) {
    return std::nullopt;
  }
  MapReader r(job.get("model"), job.path("model"), d,
              {"architecture",
               "parameters",
               "active_parameters",
               "active_fraction",
               "layers",
               "encoder_layers",
               "decoder_layers",
               "d_model",
               "d_ff",
               "heads",
               "d_head",
               "kv_heads",
               "attention",
               "vocabulary",
               "sequence",
               "target_sequence",
               "ffn",
               "tied_embeddings",
               "experts",
               "top_k",
               "moe_every",
               "expert_d_ff",
               "expert_ffn",
               "shared_experts",
               "dense_layers",
               "capacity_factor",
               "routing"});
  if (!r.valid()) {
    return std::nullopt;
  }
  models::ModelShape m;
  const auto arch = r.text("architecture", true);
  if (arch && *arch != "dense" && *arch != "moe") {
    report(d, r.get("architecture"), r.path("architecture"),
           fmt::format("expected \"dense\" or \"moe\", got \"{}\"", *arch));
  }
  m.architecture = arch && *arch == "moe" ? Architecture::kMoe : Architecture::kDense;
  if (r.has("d_model")) {
    // An architecture: the counts come from it (and are checked against given ones).
    auto shape = read_transformer(r, d, m);
    return r.bad("architecture") ? std::nullopt : shape;
  }
  return read_given_counts(r, d, m);
}

/// work: a FLOP count, a token count, or a duration.
bool read_work(const MapReader& r, TrainingJobSpec& job) {
  const auto s = r.text("work", true);
  if (!s) {
    return false;
  }
  try {
    const auto p = units::parse_quantity(*s);
    if (!(p.value_si > 0)) {
      report(r.diagnostics(), r.get("work"), r.path("work"),
             fmt::format("must be positive, got \"{}\"", *s));
      return false;
    }
    if (p.dim == units::kFlopCount) {
      job.work_kind = WorkKind::kFlops;
      job.work_flops = units::Flops::from_si(p.value_si);
    } else if (p.dim == units::kTokenCount) {
      job.work_kind = WorkKind::kTokens;
      job.work_tokens = units::Tokens::from_si(p.value_si);
    } else if (p.dim == units::kDuration) {
      if (p.value_si < kOneTickSeconds || p.value_si > Bound<units::Seconds>::kSi) {
        report(r.diagnostics(), r.get("work"), r.path("work"),
               fmt::format("\"{}\" is out of range: a duration of work is from 1 ns (one tick "
                           "of simulated time) to {}",
                           *s, Bound<units::Seconds>::kText));
        return false;
      }
      job.work_kind = WorkKind::kDuration;
      job.work_duration = units::Seconds::from_si(p.value_si);
    } else {
      report(r.diagnostics(), r.get("work"), r.path("work"),
             fmt::format("expected a FLOP count (\"3.14e23 FLOP\"), a token count "
                         "(\"300e9 tokens\") or a duration (\"14.8 d\"), got \"{}\"",
                         *s));
      return false;
    }
  } catch (const units::UnitError& e) {
    report(r.diagnostics(), r.get("work"), r.path("work"), e.what());
    return false;
  }
  return true;
}

/// datacenter: NAME, or datacenters: [NAMES] for a scheduled job; the first is the job's.
std::optional<std::size_t> read_job_datacenters(const MapReader& r, const NameIndex& dcs,
                                                JobPlacement& place) {
  Diagnostics& d = r.diagnostics();
  if (!r.has("datacenters")) {
    const auto dci = resolve(dcs, r, "datacenter", "datacenter");
    if (dci) {
      place.datacenters.push_back(*dci);
    }
    return dci;
  }
  const auto list = r.get("datacenters");
  if (r.has("datacenter")) {
    report(d, r.get("datacenter"), r.path("datacenter"),
           "give datacenter or datacenters, not both");
  }
  if (!list.IsSequence() || list.size() == 0) {
    report(d, list, r.path("datacenters"), "expected a list of datacenter names");
    return std::nullopt;
  }
  for (std::size_t k = 0; k < list.size(); ++k) {
    if (const auto dc = resolve_name(dcs, d, list[k], item_path(r.path("datacenters"), k),
                                     "datacenter", list[k].as<std::string>(""))) {
      place.datacenters.push_back(*dc);
    }
  }
  if (place.datacenters.size() != list.size()) {
    return std::nullopt;
  }
  return place.datacenters.front();
}

/// work in tokens, and batch, need what turns FLOP into tokens.
bool check_tokens_known(const MapReader& r, const TrainingJobSpec& job, bool has_model) {
  Diagnostics& d = r.diagnostics();
  bool ok = true;
  if (job.work_kind == WorkKind::kTokens && !has_model && r.has("work") && !r.has("model")) {
    report(d, r.get("work"), r.path("work"),
           "work given in tokens needs the model's parameters (model: { parameters: ... })");
    ok = false;
  }
  if (job.batch && job.steps) {
    report(d, r.node(), r.path(), "give batch or steps, not both");
  }
  if (job.batch && !has_model && job.work_kind != WorkKind::kTokens && !r.bad("work") &&
      !r.bad("model")) {
    report(d, r.get("batch"), r.path("batch"),
           "a batch sets the step count from tokens: give work in tokens or the model's "
           "parameters");
  }
  return ok;
}

/// throughput or mfu, or neither when the step model predicts the rate. Returns whether
/// the rate is predicted; `ok` turns false when the rate cannot be known.
bool read_job_rate(const MapReader& r, TrainingJobSpec& job, bool has_model, bool& ok) {
  Diagnostics& d = r.diagnostics();
  job.throughput = r.quantity<units::FlopRate>("throughput", false);
  job.mfu = r.fraction("mfu", false);
  if (job.mfu && !(*job.mfu > 0)) {
    report(d, r.get("mfu"), r.path("mfu"), "must be positive");
    ok = false;
  }
  // "Missing" means absent: a rate given but bad is reported once, where it is.
  const bool given = r.has("throughput") || r.has("mfu");
  const bool predict = has_model && job.model.transformer && !given;
  // A duration of work (with a power, as published footprints are given) needs no rate:
  // its FLOPs are then unknown (NaN in the trace).
  const bool duration_only =
      job.work_kind == WorkKind::kDuration && r.has("work") && !r.bad("work") && !predict;
  if (job.throughput && job.mfu) {
    report(d, r.node(), r.path(), "give throughput or mfu, not both");
  } else if (!given && !predict && !duration_only && r.valid() && !r.bad("model")) {
    report(d, r.node(), r.path(),
           "missing required key \"throughput\" (achieved FLOP/s per device) or \"mfu\", "
           "or the model's architecture (d_model, layers, ...) to predict it, or work as a "
           "duration");
    ok = false;
  }
  for (const char* key :
       {"parallelism", "precision", "stragglers", "routing_skew", "gradient_overlap", "dispatch"}) {
    if (r.has(key) && !predict && !r.bad("model") && !r.bad("throughput") && !r.bad("mfu")) {
      report(d, r.get(key), r.path(key),
             "applies to a job whose throughput is predicted from its architecture (model: "
             "with d_model, and no throughput or mfu)");
      ok = false;
    }
  }
  return predict;
}

/// start (a fixed start) or submit and slack; checkpoint.
void read_job_timing(const MapReader& r, TrainingJobSpec& job, JobPlacement& place) {
  Diagnostics& d = r.diagnostics();
  const auto start = r.quantity<units::Seconds>("start", false, Sign::kNonNegative);
  place.submit = r.quantity<units::Seconds>("submit", false, Sign::kNonNegative);
  if (start && place.submit) {
    report(d, r.get("submit"), r.path("submit"),
           "give start (a fixed start) or submit (when it may start), not both");
  }
  place.fixed_start = start.has_value();
  job.start = start.value_or(place.submit.value_or(units::Seconds::zero()));
  if (!start && !place.submit) {
    place.submit = units::Seconds::zero();
  }
  place.slack = r.quantity<units::Seconds>("slack", false, Sign::kNonNegative)
                    .value_or(units::Seconds::zero());
  if (start && r.has("slack")) {
    report(d, r.get("slack"), r.path("slack"), "a job with a fixed start has no slack");
  }
  if (start && place.datacenters.size() > 1) {
    report(d, r.get("datacenters"), r.path("datacenters"),
           "a job with a fixed start runs in one datacenter");
  }
  if (r.has("checkpoint")) {
    MapReader cr(r.get("checkpoint"), r.path("checkpoint"), d,
                 {"interval", "duration", "pause_above"});
    place.checkpoint_interval = cr.quantity<units::Seconds>("interval", true);
    place.checkpoint_duration = cr.quantity<units::Seconds>("duration", true, Sign::kNonNegative)
                                    .value_or(units::Seconds::zero());
    place.pause_above =
        cr.quantity<units::CarbonIntensity>("pause_above", false, Sign::kNonNegative);
    if (place.pause_above && start) {
      report(d, cr.get("pause_above"), cr.path("pause_above"),
             "a job with a fixed start has no slack to pause in: give submit and slack");
    }
  }
}

/// Each listed datacenter must have the type; the job must fit in at least one.
bool check_job_fits(const MapReader& r, const Scenario& sc, const JobPlacement& place,
                    const models::AcceleratorType& type, std::int64_t devices, bool ok) {
  Diagnostics& d = r.diagnostics();
  std::int64_t most = 0;
  for (const auto dcx : place.datacenters) {
    const auto& dc = sc.datacenters[dcx];
    if (has_problem(d, item_path("datacenters", dcx) + ".accelerators")) {
      ok = false;  // its inventory is not known: nothing to check against
      continue;
    }
    const auto it =
        std::find_if(dc.inventory.begin(), dc.inventory.end(),
                     [&](const InventoryItem& x) { return x.accelerator == type.name; });
    if (it == dc.inventory.end()) {
      report(d, r.get("accelerator"), r.path("accelerator"),
             fmt::format("datacenter \"{}\" has no {} accelerators", dc.name, type.name));
      ok = false;
    } else {
      most = std::max(most, it->count);
    }
  }
  if (ok && devices > most) {
    const auto& dc = sc.datacenters[place.datacenters.front()];
    report(d, r.get("devices"), r.path("devices"),
           place.datacenters.size() == 1
               ? fmt::format("{} devices requested, but datacenter \"{}\" has {} {}", devices,
                             dc.name, most, type.name)
               : fmt::format("{} devices requested, but no listed datacenter has more than "
                             "{} {}: the job can never run",
                             devices, most, type.name));
    ok = false;
  }
  return ok;
}

/// accelerator: a type of the library (or an alias); null, reported, if unknown.
const models::AcceleratorType* read_job_accelerator(const MapReader& r, const Scenario& sc,
                                                    TrainingJobSpec& job) {
  const models::AcceleratorType* type = nullptr;
  if (const auto acc = r.text("accelerator", true)) {
    type = resolve_accelerator(sc.accelerators, r.diagnostics(), r.get("accelerator"),
                               r.path("accelerator"), *acc);
  }
  if (type) {
    job.accelerator = type->name;
  }
  return type;
}

/// A given throughput cannot exceed the device's peak.
void check_peak(const MapReader& r, const TrainingJobSpec& job,
                const models::AcceleratorType& type) {
  if (job.throughput && *job.throughput > type.peak) {
    report(r.diagnostics(), r.get("throughput"), r.path("throughput"),
           fmt::format("{:g} TFLOP/s exceeds the {} peak of {:g} TFLOP/s",
                       units::to_teraflops_per_second(*job.throughput), type.name,
                       units::to_teraflops_per_second(type.peak)));
  }
}

/// `power_limit`: the job's own, within (idle, TDP] of its device; else that of the
/// datacenters it may run in, which must agree (a job has one duration). False on a problem.
bool read_job_power_limit(const MapReader& r, const Scenario& sc, const JobPlacement& place,
                          const models::AcceleratorType* type, TrainingJobSpec& job) {
  if (r.has("power_limit")) {
    job.power_limit = r.quantity<units::Watts>("power_limit", false, Sign::kPositive);
    if (!job.power_limit) {
      return false;
    }
    if (type) {
      if (const auto problem = power_limit_problem(*job.power_limit, *type)) {
        report(r.diagnostics(), r.get("power_limit"), r.path("power_limit"), *problem);
        return false;
      }
    }
    return true;
  }
  for (std::size_t k = 0; k < place.datacenters.size(); ++k) {
    const auto dc = place.datacenters[k];
    if (dc >= sc.datacenters.size()) {
      continue;
    }
    const auto& limit = sc.datacenters[dc].power_limit;
    if (k == 0) {
      job.power_limit = limit;
    } else if (limit != job.power_limit) {
      const std::string key = r.has("datacenters") ? "datacenters" : "datacenter";
      const auto& first = sc.datacenters[place.datacenters.front()];
      const auto& other = sc.datacenters[dc];
      const auto show = [](const std::optional<units::Watts>& l) {
        return l ? fmt::format("{:g} W", units::to_watts(*l)) : std::string("none");
      };
      report(r.diagnostics(), r.get(key), r.path(key),
             fmt::format("datacenter \"{}\" limits devices to {} but \"{}\" to {}; a job has "
                         "one power limit: give the job its own power_limit",
                         first.name, show(first.power_limit), other.name, show(other.power_limit)));
      job.power_limit.reset();
      return false;
    }
  }
  return true;
}

JobEntry read_job(const YAML::Node& node, std::size_t i, const Context& ctx, const NameIndex& dcs,
                  const Scenario& sc) {
  Diagnostics& d = ctx.d;
  MapReader r(node, item_path("jobs", i), d,
              {"name",
               "type",
               "datacenter",
               "accelerator",
               "devices",
               "model",
               "work",
               "batch",
               "steps",
               "throughput",
               "mfu",
               "power",
               "utilisation",
               "start",
               "submit",
               "slack",
               "datacenters",
               "checkpoint",
               "parallelism",
               "precision",
               "stragglers",
               "routing_skew",
               "gradient_overlap",
               "dispatch",
               "power_limit"});
  JobEntry jn;
  jn.node = node;
  auto& job = jn.spec;
  bool ok = r.valid();
  job.name = r.text("name", true).value_or("");
  if (const auto type = r.text("type", true); type && *type != "training") {
    report(d, r.get("type"), r.path("type"),
           fmt::format("unknown job type \"{}\" (known: training)", *type));
    ok = false;
  }
  const auto dci = read_job_datacenters(r, dcs, jn.place);
  ok = ok && dci.has_value();
  job.datacenter = dci.value_or(0);
  const auto* type = read_job_accelerator(r, sc, job);
  ok = ok && type != nullptr;
  const auto devices = r.count("devices", true, 1);
  ok = ok && devices.has_value();
  job.devices = devices.value_or(0);
  const auto model = read_model(r, d);
  if (model) {
    job.model = *model;
  } else if (r.has("model")) {
    ok = false;
  }
  ok = read_work(r, job) && ok;
  job.batch = r.quantity<units::Tokens>("batch", false);
  job.steps = r.count("steps", false, 1);
  ok = check_tokens_known(r, job, model.has_value()) && ok;
  const bool predict = read_job_rate(r, job, model.has_value(), ok);
  if (predict && ok && type && devices) {
    ok = read_predicted(r, d, job, *type, sc.accelerators, *devices) && ok;
  }
  if (type) {
    check_peak(r, job, *type);
  }
  job.power = r.device_power("power", false);
  if (const auto u = r.fraction("utilisation", false)) {
    job.utilisation = *u;
  }
  read_job_timing(r, job, jn.place);
  if (type && devices && !jn.place.datacenters.empty()) {
    ok = check_job_fits(r, sc, jn.place, *type, *devices, ok);
  }
  ok = read_job_power_limit(r, sc, jn.place, type, job) && ok;
  jn.complete = ok;
  return jn;
}

}  // namespace

std::vector<JobEntry> read_jobs(const YAML::Node& root, const Context& ctx, const NameIndex& dcs,
                                bool required, Scenario& sc) {
  const auto nodes = list_items(root, "jobs", required, ctx.d);
  std::vector<JobEntry> jobs;
  jobs.reserve(nodes.size());
  std::vector<models::TrainingJobSpec> specs;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    jobs.push_back(read_job(nodes[i], i, ctx, dcs, sc));
    specs.push_back(jobs.back().spec);
  }
  index_names(specs, nodes, "jobs", ctx.d);
  return jobs;
}

std::optional<models::ModelShape> read_job_model(const MapReader& parent, Diagnostics& d) {
  return read_model(parent, d);
}

}  // namespace footprint::scenario::parse
