// Reading a scenario file: YAML -> Scenario, with every problem collected.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "models/workloads/step_model.hpp"
#include "sim/app/scenario/scenario.hpp"
#include "sim/app/scenario/yaml_reader.hpp"
#include "sim/engine/time.hpp"
#include "sim/kernel/csv/csv.hpp"
#include "sim/kernel/units/utc.hpp"

namespace footprint::scenario {
namespace {

using models::Architecture;
using models::TrainingJobSpec;
using models::WorkKind;

std::string item_path(const std::string& list, std::size_t i) {
  return fmt::format("{}[{}]", list, i);
}

/// Names must be unique within a list; returns name -> index.
template <class T>
std::map<std::string, std::size_t> index_names(const std::vector<T>& items,
                                               const std::vector<YAML::Node>& nodes,
                                               const std::string& list, Diagnostics& d) {
  std::map<std::string, std::size_t> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].name.empty()) {
      continue;
    }
    auto [it, fresh] = out.emplace(items[i].name, i);
    if (!fresh) {
      report(d, nodes[i], item_path(list, i) + ".name",
             fmt::format("duplicate name \"{}\" (also {}[{}])", items[i].name, list, it->second));
    }
  }
  return out;
}

std::vector<std::string> keys_of(const std::map<std::string, std::size_t>& m) {
  std::vector<std::string> k;
  for (const auto& kv : m) {
    k.push_back(kv.first);
  }
  return k;
}

/// Resolves a reference by name, reporting an unknown one with a suggestion.
std::optional<std::size_t> resolve(const std::map<std::string, std::size_t>& names,
                                   const MapReader& r, const std::string& key,
                                   const std::string& what) {
  const auto name = r.text(key, true);
  if (!name) {
    return std::nullopt;
  }
  const auto it = names.find(*name);
  if (it != names.end()) {
    return it->second;
  }
  const auto all = keys_of(names);
  const auto hint = closest_match(*name, all);
  report(r.diagnostics(), r.get(key), r.path(key),
         hint.empty()
             ? fmt::format("unknown {} \"{}\" (known: {})", what, *name, fmt::join(all, ", "))
             : fmt::format("unknown {} \"{}\" (did you mean \"{}\"?)", what, *name, hint));
  return std::nullopt;
}

const models::AcceleratorType* resolve_accelerator(const models::AcceleratorLibrary& lib,
                                                   Diagnostics& d, const YAML::Node& at,
                                                   const std::string& path,
                                                   const std::string& name) {
  if (const auto* t = lib.find(name)) {
    return t;
  }
  const auto names = lib.names();
  const auto hint = closest_match(name, names);
  report(d, at, path,
         hint.empty()
             ? fmt::format("unknown accelerator \"{}\" (known: {})", name, fmt::join(names, ", "))
             : fmt::format("unknown accelerator \"{}\" (did you mean \"{}\"?)", name, hint));
  return nullptr;
}

std::vector<YAML::Node> list_items(const YAML::Node& root, const std::string& key, bool required,
                                   Diagnostics& d) {
  std::vector<YAML::Node> out;
  const auto n = root[key];
  if (!n.IsDefined() || n.IsNull()) {
    if (required) {
      report(d, root, key, fmt::format("missing required key \"{}\"", key));
    }
    return out;
  }
  if (!n.IsSequence()) {
    report(d, n, key, "expected a list");
    return out;
  }
  for (const auto& item : n) {
    out.push_back(item);
  }
  if (out.empty() && required) {
    report(d, n, key, "must list at least one entry");
  }
  return out;
}

void read_accelerator_types(const YAML::Node& root, Diagnostics& d,
                            models::AcceleratorLibrary& lib) {
  const auto items = list_items(root, "accelerator_types", false, d);
  for (std::size_t i = 0; i < items.size(); ++i) {
    MapReader r(items[i], item_path("accelerator_types", i), d,
                {"name", "base", "aliases", "tdp", "idle", "peak", "memory", "memory_bandwidth",
                 "embodied", "service_life", "source"});
    if (!r.valid()) {
      continue;
    }
    const auto name = r.text("name", true);
    models::AcceleratorType t;
    bool have_base = false;
    if (const auto base = r.text("base", false)) {
      if (const auto* b = resolve_accelerator(lib, d, r.get("base"), r.path("base"), *base)) {
        t = *b;
        t.aliases.clear();
        have_base = true;
      }
    }
    const bool need = !have_base;
    const auto tdp = r.quantity<units::Watts>("tdp", need);
    const auto idle = r.quantity<units::Watts>("idle", false, Sign::kNonNegative);
    const auto peak = r.quantity<units::FlopRate>("peak", need);
    const auto mem = r.quantity<units::Bytes>("memory", false);
    const auto bw = r.quantity<units::ByteRate>("memory_bandwidth", false);
    const auto emb = r.quantity<units::Grams>("embodied", false, Sign::kNonNegative);
    const auto life = r.quantity<units::Seconds>("service_life", false);
    const auto source = r.text("source", false);
    if (!name) {
      continue;
    }
    t.name = *name;
    if (tdp) {
      t.tdp = *tdp;
      if (!idle && !have_base) {
        t.idle = units::Watts::zero();
      }
    }
    if (idle) {
      t.idle = *idle;
    }
    if (peak) {
      t.peak = *peak;
    }
    if (mem) {
      t.memory = *mem;
    }
    if (bw) {
      t.memory_bandwidth = *bw;
    }
    if (emb) {
      t.embodied = *emb;
    }
    if (life) {
      t.service_life = *life;
    }
    t.source = source ? *source : "scenario " + r.path();
    if (r.has("aliases")) {
      const auto a = r.get("aliases");
      if (a.IsSequence()) {
        for (const auto& x : a) {
          t.aliases.push_back(x.as<std::string>(""));
        }
      } else {
        report(d, a, r.path("aliases"), "expected a list of names");
      }
    }
    if (t.idle > t.tdp) {
      report(d, r.get("idle"), r.path("idle"), "the idle power exceeds the TDP");
    }
    lib.put(std::move(t));
  }
}

/// parallelism, precision, stragglers, routing_skew, gradient_overlap of a job
/// whose throughput the step model predicts; the expected step is estimated
/// now, so that a layout that does not fit is an input error.
bool read_predicted(const MapReader& r, Diagnostics& d, TrainingJobSpec& job,
                    const models::AcceleratorType& chip, std::int64_t devices) {
  const auto before = d.items().size();
  models::PredictedTraining p;
  p.model = *job.model.transformer;
  if (!job.batch) {
    report(d, r.node(), r.path(),
           "a job whose throughput is predicted needs its global batch (batch: "
           "\"3.2e6 tokens\")");
    return false;
  }
  if (job.work_kind == WorkKind::kDuration) {
    report(d, r.get("work"), r.path("work"),
           "a job whose throughput is predicted gives its work in tokens or "
           "FLOP, not a duration");
    return false;
  }
  p.tokens_per_step = job.batch->si();
  const YAML::Node pn = r.get("parallelism");
  if (!r.has("parallelism") || (pn.IsScalar() && pn.Scalar() == "auto")) {
    p.auto_layout = true;
  } else {
    MapReader pr(pn, r.path("parallelism"), d,
                 {"data", "tensor", "pipeline", "expert", "microbatches"});
    p.layout.data = pr.count("data", false, 1).value_or(1);
    p.layout.tensor = pr.count("tensor", false, 1).value_or(1);
    p.layout.pipeline = pr.count("pipeline", false, 1).value_or(1);
    p.layout.expert = pr.count("expert", false, 1).value_or(1);
    p.layout.microbatches = pr.count("microbatches", false, 1).value_or(p.layout.pipeline);
    const auto product = p.layout.data * p.layout.tensor * p.layout.pipeline;
    if (pr.valid() && product != devices) {
      report(d, pn, r.path("parallelism"),
             fmt::format("data x tensor x pipeline = {} x {} x {} = {}, but "
                         "the job has {} "
                         "devices",
                         p.layout.data, p.layout.tensor, p.layout.pipeline, product, devices));
    }
  }
  if (r.has("precision")) {
    MapReader pr(r.get("precision"), r.path("precision"), d,
                 {"weights", "optimizer", "recompute", "shard_optimizer"});
    if (const auto w = pr.text("weights", false)) {
      constexpr double kHalfBytes = 2;
      constexpr double kSingleBytes = 4;
      if (*w == "bf16" || *w == "fp16") {
        p.precision.parameter_bytes = kHalfBytes;
        p.precision.gradient_bytes = kHalfBytes;
      } else if (*w == "fp32") {
        p.precision.parameter_bytes = kSingleBytes;
        p.precision.gradient_bytes = kSingleBytes;
      } else {
        report(d, pr.get("weights"), pr.path("weights"),
               fmt::format("expected bf16, fp16 or fp32, got \"{}\"", *w));
      }
    }
    if (const auto o = pr.text("optimizer", false)) {
      if (*o == "adam") {
        p.precision.optimizer = models::Optimizer::kAdam;
      } else if (*o == "adafactor") {
        p.precision.optimizer = models::Optimizer::kAdafactor;
      } else if (*o == "sgd") {
        p.precision.optimizer = models::Optimizer::kSgdMomentum;
      } else {
        report(d, pr.get("optimizer"), pr.path("optimizer"),
               fmt::format("expected adam, adafactor or sgd, got \"{}\"", *o));
      }
    }
    for (const char* key : {"recompute", "shard_optimizer"}) {
      if (pr.has(key)) {
        try {
          (std::string(key) == "recompute" ? p.precision.recompute_activations
                                           : p.precision.shard_optimizer) = pr.get(key).as<bool>();
        } catch (const YAML::Exception&) {
          report(d, pr.get(key), pr.path(key), "expected true or false");
        }
      }
    }
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
  if (d.items().size() != before) {
    return false;
  }
  models::StepModelInput in{p.model, p.layout, p.precision, p.tokens_per_step, p.gradient_overlap};
  try {
    const auto net = models::default_network(chip, devices);
    if (p.auto_layout) {
      const auto best = models::auto_layout(in, chip, net, devices);
      if (!best) {
        report(d, r.has("parallelism") ? r.get("parallelism") : r.node(),
               r.has("parallelism") ? r.path("parallelism") : r.path(),
               fmt::format("no layout of {} {} fits the model in memory", devices, chip.name));
        return false;
      }
      in.layout = *best;
      p.layout = *best;
    }
    const auto est = models::estimate_step(in, chip, net);
    p.phases = est.phases;
    p.flops_per_step = est.flops_per_step;
  } catch (const std::invalid_argument& e) {
    report(d, r.has("parallelism") ? r.get("parallelism") : r.node(),
           r.has("parallelism") ? r.path("parallelism") : r.path(), e.what());
    return false;
  }
  job.predicted = std::move(p);
  return true;
}

/// A given parameter count may differ from the architecture's by this much
/// (biases, layer norms and position embeddings are not counted:
/// docs/models.md).
constexpr double kParameterTolerance = 0.05;

/// model: with d_model: a transformer (models/workloads/transformer.hpp). Its
/// counts are derived; `parameters` / `active_parameters`, when given, must
/// agree within 5 %.
std::optional<models::ModelShape> read_transformer(const MapReader& r, Diagnostics& d,
                                                   models::ModelShape m) {
  models::TransformerSpec t;
  const auto before = d.items().size();
  const bool moe = m.architecture == Architecture::kMoe;
  auto count = [&](const char* key, bool required, std::int64_t min) {
    return r.count(key, required, min).value_or(0);
  };
  if (r.has("layers") && (r.has("encoder_layers") || r.has("decoder_layers"))) {
    report(d, r.get("layers"), r.path("layers"),
           "give layers (decoder-only) or encoder_layers and decoder_layers, "
           "not both");
  }
  if (r.has("layers")) {
    t.decoder_layers = count("layers", true, 1);
  } else {
    t.encoder_layers = count("encoder_layers", true, 1);
    t.decoder_layers = count("decoder_layers", true, 1);
  }
  t.d_model = count("d_model", true, 1);
  t.d_ff = count("d_ff", true, 1);
  t.heads = count("heads", true, 1);
  t.d_head = count("d_head", false, 1);
  t.vocabulary = count("vocabulary", true, 1);
  t.sequence = count("sequence", true, 1);
  t.target_sequence = count("target_sequence", false, 1);
  if (const auto f = r.text("ffn", false)) {
    if (*f == "gated") {
      t.ffn = models::FfnKind::kGated;
    } else if (*f != "two-matrix") {
      report(d, r.get("ffn"), r.path("ffn"),
             fmt::format("expected \"two-matrix\" or \"gated\", got \"{}\"", *f));
    }
  }
  if (const auto f = r.text("expert_ffn", false)) {
    if (*f == "gated" || *f == "two-matrix") {
      t.expert_ffn = *f == "gated" ? models::FfnKind::kGated : models::FfnKind::kTwoMatrix;
    } else {
      report(d, r.get("expert_ffn"), r.path("expert_ffn"),
             fmt::format("expected \"two-matrix\" or \"gated\", got \"{}\"", *f));
    }
  }
  if (r.has("tied_embeddings")) {
    try {
      t.tied_embeddings = r.get("tied_embeddings").as<bool>();
    } catch (const YAML::Exception&) {
      report(d, r.get("tied_embeddings"), r.path("tied_embeddings"), "expected true or false");
    }
  }
  for (const char* key :
       {"experts", "top_k", "moe_every", "expert_d_ff", "expert_ffn", "capacity_factor"}) {
    if (!moe && r.has(key)) {
      report(d, r.get(key), r.path(key), "experts belong to architecture: moe");
    }
  }
  if (moe) {
    t.experts = count("experts", true, 2);
    t.top_k = r.count("top_k", false, 1).value_or(1);
    t.moe_every = r.count("moe_every", false, 1).value_or(2);
    t.expert_d_ff = count("expert_d_ff", false, 1);
    t.capacity_factor = r.number("capacity_factor", false, Sign::kPositive).value_or(1.0);
  }
  if (d.items().size() != before) {
    return std::nullopt;
  }
  models::TransformerCounts c;
  try {
    c = models::count_transformer(t);
  } catch (const std::invalid_argument& e) {
    report(d, r.node(), r.path(), e.what());
    return std::nullopt;
  }
  auto agree = [&](const char* key, double derived) {
    if (const auto given = r.number(key, false, Sign::kPositive)) {
      if (std::fabs(*given - derived) > kParameterTolerance * derived) {
        report(
            d, r.get(key), r.path(key),
            fmt::format("{:.4g} given, but the architecture has {:.4g} "
                        "({:+.1f} %; more than "
                        "{:g} % apart)",
                        *given, derived, (*given / derived - 1) * 100, kParameterTolerance * 100));
      }
    }
  };
  agree("parameters", c.parameters);
  agree("active_parameters", c.active_parameters);
  if (r.has("active_fraction")) {
    report(d, r.get("active_fraction"), r.path("active_fraction"),
           "with an architecture the active parameters are derived: give "
           "active_parameters to "
           "check them");
  }
  m.parameters = c.parameters;
  m.active_parameters = c.active_parameters;
  m.transformer = t;
  return m;
}

std::optional<models::ModelShape> read_model(const MapReader& job, Diagnostics& d) {
  if (!job.has("model")) {
    return std::nullopt;
  }
  MapReader r(job.get("model"), job.path("model"), d,
              {"architecture",    "parameters",      "active_parameters",
               "active_fraction", "layers",          "encoder_layers",
               "decoder_layers",  "d_model",         "d_ff",
               "heads",           "d_head",          "vocabulary",
               "sequence",        "target_sequence", "ffn",
               "tied_embeddings", "experts",         "top_k",
               "moe_every",       "expert_d_ff",     "expert_ffn",
               "capacity_factor"});
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
    // An architecture: the counts come from it (and are checked against given
    // ones).
    return read_transformer(r, d, m);
  }
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
  if (m.architecture == Architecture::kDense) {
    if ((active && *active != m.parameters) || (frac && *frac != 1.0)) {
      report(d, r.get(active ? "active_parameters" : "active_fraction"),
             r.path(active ? "active_parameters" : "active_fraction"),
             "a dense model activates all of its parameters; use architecture: "
             "moe");
    }
    m.active_parameters = m.parameters;
  } else {
    if (!active && !frac) {
      report(d, r.node(), r.path(),
             "a moe model needs active_parameters or active_fraction "
             "(parameters used per token)");
      return std::nullopt;
    }
    m.active_parameters = active ? *active : *frac * m.parameters;
    if (m.active_parameters > m.parameters) {
      report(d, r.get("active_parameters"), r.path("active_parameters"),
             fmt::format("active parameters ({:g}) exceed the parameters ({:g})",
                         m.active_parameters, m.parameters));
    }
    if (!(m.active_parameters > 0)) {
      report(d, r.get("active_fraction"), r.path("active_fraction"), "must be positive");
    }
  }
  return m;
}

/// work: a FLOP count, a token count, or a duration.
bool read_work(const MapReader& r, TrainingJobSpec& job) {
  const auto s = r.text("work", true);
  if (!s) {
    return false;
  }
  try {
    const auto p = units::parse_quantity(*s);
    if (!(p.si_value > 0)) {
      report(r.diagnostics(), r.get("work"), r.path("work"),
             fmt::format("must be positive, got \"{}\"", *s));
      return false;
    }
    if (p.dim == units::kFlopCount) {
      job.work_kind = WorkKind::kFlops;
      job.work_flops = units::Flops::from_si(p.si_value);
    } else if (p.dim == units::kTokenCount) {
      job.work_kind = WorkKind::kTokens;
      job.work_tokens = units::Tokens::from_si(p.si_value);
    } else if (p.dim == units::kDuration) {
      job.work_kind = WorkKind::kDuration;
      job.work_duration = units::Seconds::from_si(p.si_value);
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

bool fits_sim_time(double seconds) {
  try {
    (void)engine::SimTime::from_seconds(seconds);
    return true;
  } catch (const engine::TimeError&) {
    return false;
  }
}

struct JobNode {
  TrainingJobSpec spec;
  JobPlacement place;
  YAML::Node node;
  bool complete = false;
};

/// Resolves a data file: absolute as is; relative against the scenario's
/// folder, then the data folders. Returns the first that exists, or empty (with
/// a diagnostic).
std::string resolve_file(const std::string& name, const std::filesystem::path& scenario_dir,
                         const LoadOptions& options, const MapReader& r, const std::string& key) {
  namespace fs = std::filesystem;
  const fs::path p(name);
  std::vector<fs::path> tried;
  if (p.is_absolute()) {
    tried.push_back(p);
  } else {
    tried.push_back(scenario_dir / p);
    for (const auto& dir : options.data_dirs) {
      tried.push_back(dir / p);
    }
  }
  std::error_code ec;
  for (const auto& t : tried) {
    if (fs::is_regular_file(t, ec)) {
      return t.string();
    }
  }
  std::string where;
  for (const auto& t : tried) {
    where += (where.empty() ? "" : ", ") + t.string();
  }
  report(r.diagnostics(), r.get(key), r.path(key),
         fmt::format("data file \"{}\" not found (looked in: {}; give --data-dir or set "
                     "FOOTPRINT_DATA for a data folder)",
                     name, where));
  return {};
}

/// A series: { file: F | profile: P, repeat: yearly|none, max_gap: D }.
std::optional<SeriesSource> read_series(const MapReader& parent, const std::string& key,
                                        const std::filesystem::path& scenario_dir,
                                        const LoadOptions& options) {
  MapReader r(parent.get(key), parent.path(key), parent.diagnostics(),
              {"file", "profile", "repeat", "max_gap"});
  if (!r.valid()) {
    return std::nullopt;
  }
  SeriesSource s;
  s.key_path = r.path();
  const auto file = r.text("file", false);
  const auto profile = r.text("profile", false);
  if (file && profile) {
    report(r.diagnostics(), r.node(), r.path(), "give file or profile, not both");
  } else if (!file && !profile) {
    report(r.diagnostics(), r.node(), r.path(),
           "missing required key \"file\" (a CSV time series) or \"profile\" "
           "(built in)");
    return std::nullopt;
  }
  if (file) {
    s.given = *file;
    s.file = resolve_file(*file, scenario_dir, options, r, "file");
    if (s.file.empty()) {
      return std::nullopt;
    }
  }
  if (profile) {
    s.profile = *profile;
  }
  if (const auto rep = r.text("repeat", false)) {
    if (*rep == "yearly") {
      s.repeat_yearly = true;
    } else if (*rep != "none") {
      report(r.diagnostics(), r.get("repeat"), r.path("repeat"),
             fmt::format("expected \"yearly\" or \"none\", got \"{}\"", *rep));
    }
  }
  if (const auto gap = r.quantity<units::Seconds>("max_gap", false, Sign::kNonNegative)) {
    s.max_gap = *gap;
  }
  return s;
}

/// The columns of a job trace (docs/scenario-format.md, workload.trace); the
/// optional ones hold nothing when absent.
struct TraceColumns {
  std::size_t name = 0;
  std::size_t submit = 0;
  std::size_t accelerator = 0;
  std::size_t devices = 0;
  std::size_t duration = 0;
  std::optional<std::size_t> datacenters;
  std::optional<std::size_t> slack;
  std::optional<std::size_t> utilisation;
  std::optional<std::size_t> mfu;
};

std::optional<TraceColumns> trace_columns(const csv::Table& table, Diagnostics& fd) {
  const auto name = table.column("name", fd);
  const auto submit = table.column("submit_s", fd);
  const auto accelerator = table.column("accelerator", fd);
  const auto devices = table.column("devices", fd);
  const auto duration = table.column("duration_s", fd);
  TraceColumns c{.datacenters = table.optional_column("datacenters", fd),
                 .slack = table.optional_column("slack_s", fd),
                 .utilisation = table.optional_column("utilisation", fd),
                 .mfu = table.optional_column("mfu", fd)};
  if (!name || !submit || !accelerator || !devices || !duration || !fd.empty()) {
    return std::nullopt;
  }
  c.name = *name;
  c.submit = *submit;
  c.accelerator = *accelerator;
  c.devices = *devices;
  c.duration = *duration;
  return c;
}

/// A number of a job trace's row within [lo, hi]; `fallback` when the cell is
/// empty and `required` is false, or when the value is bad (then reported).
double trace_number(const csv::Row& row, std::size_t col, std::string_view key, double lo,
                    double hi, std::optional<double> fallback, Diagnostics& fd) {
  const auto& cell = row.cells[col];
  if (cell.text.empty() && fallback) {
    return *fallback;
  }
  const auto v =
      csv::read_number(row, cell, key, fmt::format("a number in [{:g}, {:g}]", lo, hi), fd);
  if (v && (*v < lo || *v > hi)) {
    fd.error(row.line, cell.column, std::string(key),
             fmt::format("{:g} is outside [{:g}, {:g}]", *v, lo, hi));
    return fallback.value_or(std::nan(""));
  }
  return v.value_or(fallback.value_or(std::nan("")));
}

/// The datacenters cell of a trace row: names separated by ';'.
std::vector<std::size_t> trace_datacenters(const csv::Row& row, const csv::Cell& cell,
                                           const std::map<std::string, std::size_t>& dc_index,
                                           Diagnostics& fd) {
  std::vector<std::size_t> out;
  std::string_view names = cell.text;
  while (true) {
    const auto next = names.find(';');
    const std::string dn(names.substr(0, next));
    if (const auto it = dc_index.find(dn); it != dc_index.end()) {
      out.push_back(it->second);
    } else {
      fd.error(row.line, cell.column, "datacenters", fmt::format("unknown datacenter \"{}\"", dn));
    }
    if (next == std::string_view::npos) {
      return out;
    }
    names.remove_prefix(next + 1);
  }
}

/// Bounds of a job trace's numbers.
constexpr double kMaxTraceSeconds = 9.2e9;  // within simulated time (int64 ns)
constexpr double kMaxTraceDevices = 9.0e15;
constexpr double kMinTracePositive = 1e-9;

TraceJob read_trace_row(const csv::Row& row, const TraceColumns& c, const Scenario& sc,
                        const std::map<std::string, std::size_t>& dc_index, Diagnostics& fd) {
  TraceJob j;
  j.name = std::string(row.cells[c.name].text);
  if (j.name.empty()) {
    fd.error(row.line, row.cells[c.name].column, "name", "a job needs a name");
  }
  j.submit_s = trace_number(row, c.submit, "submit_s", 0, kMaxTraceSeconds, std::nullopt, fd);
  j.duration_s = trace_number(row, c.duration, "duration_s", kMinTracePositive, kMaxTraceSeconds,
                              std::nullopt, fd);
  const double devices =
      trace_number(row, c.devices, "devices", 1, kMaxTraceDevices, std::nullopt, fd);
  if (std::isfinite(devices) && devices != std::floor(devices)) {
    fd.error(row.line, row.cells[c.devices].column, "devices", "expected a whole number");
  }
  j.devices = std::isfinite(devices) ? static_cast<std::int64_t>(devices) : 0;
  if (c.slack) {
    j.slack_s = trace_number(row, *c.slack, "slack_s", 0, kMaxTraceSeconds, 0.0, fd);
  }
  if (c.utilisation) {
    j.utilisation = trace_number(row, *c.utilisation, "utilisation", 0, 1, 1.0, fd);
  }
  if (c.mfu) {
    j.mfu = trace_number(row, *c.mfu, "mfu", kMinTracePositive, 1, j.mfu, fd);
  }
  const auto& acc = row.cells[c.accelerator];
  if (const auto* t = sc.accelerators.find(std::string(acc.text))) {
    j.accelerator = t->name;
  } else {
    fd.error(row.line, acc.column, "accelerator",
             fmt::format("unknown accelerator \"{}\"", acc.text));
  }
  if (c.datacenters && !row.cells[*c.datacenters].text.empty()) {
    j.datacenters = trace_datacenters(row, row.cells[*c.datacenters], dc_index, fd);
  }
  return j;
}

/// workload.trace: { file: jobs.csv } with columns
/// name,submit_s,accelerator,devices,duration_s[,datacenters][,slack_s][,utilisation][,mfu].
void read_job_trace(const MapReader& w, Diagnostics& d, Scenario& sc,
                    const std::map<std::string, std::size_t>& dc_index,
                    const std::filesystem::path& scenario_dir, const LoadOptions& options) {
  MapReader tr(w.get("trace"), w.path("trace"), d, {"file"});
  const auto name = tr.text("file", true);
  if (!name) {
    return;
  }
  const auto file = resolve_file(*name, scenario_dir, options, tr, "file");
  if (file.empty()) {
    return;
  }
  sc.inputs.emplace_back(*name, file);
  Diagnostics fd(file);
  try {
    const auto table = csv::Table::read(file, fd,
                                        "name,submit_s,accelerator,devices,"
                                        "duration_s[,datacenters,slack_s,...]");
    if (const auto columns = trace_columns(table, fd)) {
      std::map<std::string, int> lines;  // job name -> the line that first gave it
      for (const auto& row : table.rows()) {
        if (!table.complete(row, fd)) {
          continue;
        }
        auto job = read_trace_row(row, *columns, sc, dc_index, fd);
        const auto [first, fresh] = lines.emplace(job.name, row.line);
        if (!fresh && !job.name.empty()) {
          fd.error(
              row.line, row.cells[columns->name].column, "name",
              fmt::format("duplicate job name \"{}\" (also line {})", job.name, first->second));
        }
        sc.trace_jobs.push_back(std::move(job));
      }
    }
  } catch (const InputError&) {
    // An unreadable or empty file: its one problem is in fd already.
  }
  for (const auto& item : fd.items()) {
    d.add(item);  // reported with the scenario's own problems
  }
}

void read_workload(const MapReader& top, Diagnostics& d, Scenario& sc,
                   const std::map<std::string, std::size_t>& dc_index,
                   const std::filesystem::path& scenario_dir, const LoadOptions& options) {
  MapReader w(top.get("workload"), "workload", d, {"generator", "trace"});
  if (w.has("trace")) {
    read_job_trace(w, d, sc, dc_index, scenario_dir, options);
  }
  if (!w.has("generator")) {
    if (w.valid() && !w.has("trace")) {
      report(d, w.node(), w.path(), "expected a generator or a trace (a CSV job trace)");
    }
    return;
  }
  MapReader g(w.get("generator"), w.path("generator"), d, {"count", "span", "classes"});
  GeneratorSpec spec;
  spec.count = g.count("count", true, 1).value_or(0);
  spec.span = g.quantity<units::Seconds>("span", true).value_or(units::days(1));
  const auto classes = g.get("classes");
  if (!classes.IsDefined()) {
    if (g.valid()) {
      g.missing("classes");
    }
  } else if (!classes.IsSequence() || classes.size() == 0) {
    report(d, classes, g.path("classes"), "expected a list of job classes");
  } else {
    for (std::size_t i = 0; i < classes.size(); ++i) {
      MapReader c(classes[i], fmt::format("{}[{}]", g.path("classes"), i), d,
                  {"name", "weight", "devices", "duration", "accelerators", "architecture",
                   "utilisation", "mfu", "slack", "checkpoint"});
      JobClass jc;
      jc.name = c.text("name", true).value_or("");
      jc.weight = c.number("weight", true, Sign::kPositive).value_or(1.0);
      const auto range = [&](const std::string& key, bool whole) -> std::pair<double, double> {
        const auto n = c.get(key);
        if (!n.IsDefined()) {
          c.missing(key);
          return {0, 0};
        }
        if (!n.IsSequence() || n.size() != 2) {
          report(d, n, c.path(key), "expected [min, max]");
          return {0, 0};
        }
        std::pair<double, double> out{0, 0};
        for (std::size_t k = 0; k < 2; ++k) {
          const auto p = fmt::format("{}[{}]", c.path(key), k);
          double v = 0;
          if (whole) {
            v = read_number(d, n[k], p).value_or(0);
            if (v < 1 || v != std::floor(v)) {
              report(d, n[k], p, "expected a whole number of at least 1");
            }
          } else {
            try {
              v = units::parse_as<units::Seconds>(n[k].as<std::string>("")).si();
              if (!(v > 0)) {
                report(d, n[k], p, "must be positive");
              }
            } catch (const units::UnitError& e) {
              report(d, n[k], p, e.what());
            }
          }
          (k == 0 ? out.first : out.second) = v;
        }
        if (out.first > out.second) {
          report(d, n, c.path(key), "min exceeds max");
        }
        return out;
      };
      const auto dev = range("devices", true);
      jc.devices_min = static_cast<std::int64_t>(dev.first);
      jc.devices_max = static_cast<std::int64_t>(dev.second);
      const auto dur = range("duration", false);
      jc.duration_min = units::seconds(dur.first);
      jc.duration_max = units::seconds(dur.second);
      const auto accs = c.get("accelerators");
      if (!accs.IsDefined()) {
        if (c.valid()) {
          c.missing("accelerators");
        }
      } else if (!accs.IsSequence() || accs.size() == 0) {
        report(d, accs, c.path("accelerators"), "expected a list of accelerator types");
      } else {
        for (std::size_t k = 0; k < accs.size(); ++k) {
          const auto name = accs[k].as<std::string>("");
          if (const auto* t =
                  resolve_accelerator(sc.accelerators, d, accs[k],
                                      fmt::format("{}[{}]", c.path("accelerators"), k), name)) {
            jc.accelerators.push_back(t->name);
          }
        }
      }
      if (const auto arch = c.text("architecture", false)) {
        if (*arch == "moe") {
          jc.architecture = models::Architecture::kMoe;
        } else if (*arch != "dense") {
          report(d, c.get("architecture"), c.path("architecture"),
                 fmt::format("expected \"dense\" or \"moe\", got \"{}\"", *arch));
        }
      }
      jc.utilisation = c.fraction("utilisation", false).value_or(1.0);
      jc.mfu = c.fraction("mfu", false).value_or(jc.mfu);
      if (!(jc.mfu > 0)) {
        report(d, c.get("mfu"), c.path("mfu"), "must be positive");
      }
      jc.slack = c.quantity<units::Seconds>("slack", false, Sign::kNonNegative)
                     .value_or(units::Seconds::zero());
      if (c.has("checkpoint")) {
        MapReader cr(c.get("checkpoint"), c.path("checkpoint"), d,
                     {"interval", "duration", "pause_above"});
        jc.checkpoint_interval = cr.quantity<units::Seconds>("interval", true);
        jc.checkpoint_duration = cr.quantity<units::Seconds>("duration", true, Sign::kNonNegative)
                                     .value_or(units::Seconds::zero());
        jc.pause_above =
            cr.quantity<units::CarbonIntensity>("pause_above", false, Sign::kNonNegative);
      }
      spec.classes.push_back(std::move(jc));
    }
  }
  sc.generator = std::move(spec);
}

}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& file_name,
                        const LoadOptions& options) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    Diagnostics d(file_name);
    d.error(e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg);
    d.throw_if_any();
  }
  return parse_scenario_tree(root, text, file_name, options);
}

Scenario parse_scenario_tree(const YAML::Node& root, const std::string& text,
                             const std::string& file_name, const LoadOptions& options) {
  Diagnostics d(file_name);
  const auto scenario_dir = std::filesystem::path(file_name).parent_path();
  if (!root.IsDefined() || root.IsNull()) {
    d.error("", "the scenario file is empty");
    d.throw_if_any();
  }
  Scenario sc;
  sc.source = file_name;
  sc.text = text;
  MapReader top(root, "", d,
                {"name", "description", "seed", "trace", "epoch", "horizon", "scheduler",
                 "failures", "workload", "regions", "datacenters", "jobs", "accelerator_types"});
  if (!top.valid()) {
    d.throw_if_any();
  }
  if (const auto name = top.text("name", true)) {
    sc.name = *name;
  }
  top.text("description", false);
  if (const auto seed = top.count("seed", false, 0)) {
    sc.seed = static_cast<std::uint64_t>(*seed);
  }
  if (top.has("trace")) {
    MapReader tr(top.get("trace"), "trace", d, {"interval"});
    if (const auto iv = tr.quantity<units::Seconds>("interval", false)) {
      constexpr double kMinInterval = 1e-3;
      if (units::to_seconds(*iv) < kMinInterval) {
        report(d, tr.get("interval"), tr.path("interval"), "must be at least 1 ms");
      } else {
        sc.trace_interval = *iv;
      }
    }
  }

  if (const auto epoch = top.text("epoch", false)) {
    std::string why;
    if (const auto t = units::parse_utc_timestamp(*epoch, why)) {
      sc.epoch_unix_s = *t;
    } else {
      report(d, top.get("epoch"), "epoch",
             fmt::format("expected a UTC time such as 2022-01-01T00:00:00Z, "
                         "got \"{}\" ({})",
                         *epoch, why));
    }
  }
  sc.horizon = top.quantity<units::Seconds>("horizon", false);
  if (top.has("scheduler")) {
    MapReader r(top.get("scheduler"), "scheduler", d,
                {"policy", "forecast", "tolerance", "epoch", "backfill_depth", "compare"});
    if (const auto policy = r.text("policy", false)) {
      if (*policy == "fifo") {
        sc.scheduler.policy = models::Policy::kFifo;
      } else if (*policy == "backfill") {
        sc.scheduler.policy = models::Policy::kBackfill;
      } else if (*policy == "carbon-aware") {
        sc.scheduler.policy = models::Policy::kCarbonAware;
      } else {
        report(d, r.get("policy"), r.path("policy"),
               fmt::format("expected fifo, backfill or carbon-aware, got \"{}\"", *policy));
      }
    }
    if (r.has("forecast")) {
      const auto f = r.get("forecast");
      if (f.IsScalar() && f.Scalar() == "perfect") {
        sc.scheduler.forecast_error = 0;
      } else if (f.IsMap()) {
        MapReader fr(f, r.path("forecast"), d, {"error"});
        sc.scheduler.forecast_error = fr.fraction("error", true).value_or(0.0);
      } else {
        report(d, f, r.path("forecast"),
               "expected \"perfect\" or { error: 10 % } (relative error of "
               "hourly forecasts)");
      }
    }
    sc.scheduler.tolerance = r.fraction("tolerance", false).value_or(0.0);
    if (const auto e = r.quantity<units::Seconds>("epoch", false)) {
      sc.scheduler.epoch = engine::SimTime::from_seconds(units::to_seconds(*e));
      if (sc.scheduler.epoch < engine::SimTime::seconds(1)) {
        report(d, r.get("epoch"), r.path("epoch"), "must be at least 1 s");
        sc.scheduler.epoch = engine::SimTime::minutes(5);
      }
    }
    if (const auto depth = r.count("backfill_depth", false, 1)) {
      sc.scheduler.backfill_depth = static_cast<std::size_t>(*depth);
    }
    if (const auto cmp = r.text("compare", false)) {
      if (*cmp == "fifo") {
        sc.compare_fifo = true;
      } else if (*cmp != "none") {
        report(d, r.get("compare"), r.path("compare"),
               fmt::format("expected \"fifo\" or \"none\", got \"{}\"", *cmp));
      }
    }
  }
  if (top.has("failures")) {
    MapReader r(top.get("failures"), "failures", d, {"device_mtbf", "restart"});
    if (const auto m = r.quantity<units::Seconds>("device_mtbf", true)) {
      sc.failures.device_mtbf_hours = units::to_hours(*m);
    }
    if (const auto rs = r.quantity<units::Seconds>("restart", false, Sign::kNonNegative)) {
      sc.failures.restart = *rs;
    }
  }

  read_accelerator_types(root, d, sc.accelerators);

  // Regions.
  const auto region_nodes = list_items(root, "regions", true, d);
  for (std::size_t i = 0; i < region_nodes.size(); ++i) {
    MapReader r(region_nodes[i], item_path("regions", i), d,
                {"name", "intensity", "market_intensity", "cfe"});
    RegionSpec reg;
    reg.name = r.text("name", true).value_or("");
    if (r.has("intensity") && r.get("intensity").IsMap()) {
      reg.series = read_series(r, "intensity", scenario_dir, options);
    } else {
      const auto gross = r.quantity<units::CarbonIntensity>("intensity", true, Sign::kNonNegative);
      reg.intensity = gross.value_or(units::CarbonIntensity::zero());
    }
    reg.market_intensity =
        r.quantity<units::CarbonIntensity>("market_intensity", false, Sign::kNonNegative);
    if (r.has("cfe")) {
      MapReader cr(r.get("cfe"), r.path("cfe"), d, {"annual", "hourly"});
      reg.cfe_annual = cr.fraction("annual", false);
      if (cr.has("hourly")) {
        reg.cfe_hourly = read_series(cr, "hourly", scenario_dir, options);
      }
      if (cr.valid() && (reg.cfe_annual.has_value() == cr.has("hourly"))) {
        report(d, cr.node(), cr.path(), "give annual or hourly carbon-free energy, one of them");
      }
      if (reg.market_intensity) {
        report(d, cr.node(), cr.path(), "give market_intensity or cfe, not both");
      }
    }
    sc.regions.push_back(std::move(reg));
  }
  const auto region_index = index_names(sc.regions, region_nodes, "regions", d);

  // Datacenters.
  const auto dc_nodes = list_items(root, "datacenters", true, d);
  std::vector<YAML::Node> inventory_nodes;
  for (std::size_t i = 0; i < dc_nodes.size(); ++i) {
    MapReader r(dc_nodes[i], item_path("datacenters", i), d,
                {"name", "region", "pue", "cooling", "accelerators", "power_cap", "idle",
                 "sleep_power", "host_overhead", "topology"});
    DatacenterSpec dc;
    dc.name = r.text("name", true).value_or("");
    if (dc.name.find_first_of("/.") != std::string::npos) {
      report(d, r.get("name"), r.path("name"), "a datacenter name may not contain '/' or '.'");
    }
    dc.region = resolve(region_index, r, "region", "region").value_or(0);
    const auto check_pue = [&](const MapReader& at, double pue) {
      if (pue < 1.0) {
        report(d, at.get("pue"), at.path("pue"),
               fmt::format("a PUE is facility energy over IT energy, at least 1, got {:g}", pue));
      }
    };
    if (r.has("cooling")) {
      MapReader cr(r.get("cooling"), r.path("cooling"), d, {"model", "pue", "weather"});
      const auto model = cr.text("model", true);
      if (model && *model == "constant") {
        dc.cooling.model = CoolingSpec::Model::kConstant;
        if (const auto pue = cr.number("pue", true)) {
          check_pue(cr, *pue);
          dc.cooling.pue = *pue;
        }
        if (cr.has("weather")) {
          report(d, cr.get("weather"), cr.path("weather"),
                 "a constant PUE takes no weather (model: economizer-chiller "
                 "does)");
        }
      } else if (model && *model == "economizer-chiller") {
        dc.cooling.model = CoolingSpec::Model::kEconomizerChiller;
        if (cr.has("pue")) {
          report(d, cr.get("pue"), cr.path("pue"),
                 "the economizer-chiller model computes its PUE from the "
                 "weather; pue applies "
                 "to model: constant");
        }
        if (!cr.has("weather")) {
          cr.missing("weather");
        } else {
          dc.cooling.weather = read_series(cr, "weather", scenario_dir, options);
          const auto w = cr.get("weather");
          for (const char* key : {"repeat", "max_gap"}) {
            if (w.IsMap() && w[key].IsDefined()) {
              report(d, w[key], cr.path("weather") + "." + key,
                     "weather is a typical year that repeats by itself: no "
                     "repeat or max_gap");
            }
          }
        }
      } else if (model) {
        report(d, cr.get("model"), cr.path("model"),
               fmt::format("expected \"constant\" or \"economizer-chiller\", got \"{}\"", *model));
      }
      if (r.has("pue")) {
        report(d, r.get("pue"), r.path("pue"), "give pue or cooling, not both");
      }
    } else if (const auto pue = r.number("pue", true)) {
      check_pue(r, *pue);
      dc.cooling.pue = *pue;
    }
    dc.power_cap = r.quantity<units::Watts>("power_cap", false);
    if (const auto idle = r.text("idle", false)) {
      if (*idle == "off") {
        dc.power.idle_draw = false;
      } else if (*idle == "sleep") {
        dc.power.sleep_power = r.quantity<units::Watts>("sleep_power", true, Sign::kNonNegative)
                                   .value_or(units::Watts::zero());
      } else if (*idle != "draw") {
        report(d, r.get("idle"), r.path("idle"),
               fmt::format("expected \"draw\" (idle accelerators draw idle "
                           "power), \"sleep\" "
                           "(they and their hosts sleep at sleep_power) or "
                           "\"off\", got \"{}\"",
                           *idle));
      }
    }
    if (r.has("sleep_power") && !dc.power.sleep_power) {
      report(d, r.get("sleep_power"), r.path("sleep_power"), "applies with idle: sleep");
    }
    dc.power.host_overhead = r.quantity<units::Watts>("host_overhead", false, Sign::kNonNegative)
                                 .value_or(units::Watts::zero());
    if (r.has("topology")) {
      MapReader tr(r.get("topology"), r.path("topology"), d, {"kind", "pod_size"});
      dc.topology.kind = tr.text("kind", true).value_or("");
      if (!dc.topology.kind.empty() && dc.topology.kind != "fat-tree" &&
          dc.topology.kind != "torus") {
        report(d, tr.get("kind"), tr.path("kind"),
               fmt::format("expected \"fat-tree\" or \"torus\", got \"{}\"", dc.topology.kind));
      }
      dc.topology.pod_size = tr.count("pod_size", false, 1).value_or(0);
    }
    if (!r.has("accelerators")) {
      if (r.valid()) {
        r.missing("accelerators");
      }
    } else if (!r.get("accelerators").IsMap()) {
      report(d, r.get("accelerators"), r.path("accelerators"),
             "expected a mapping of accelerator type to count, e.g. { V100: "
             "10000 }");
    } else {
      // Canonical accelerator name -> the line where it was first listed.
      std::map<std::string, int> listed;
      for (const auto& kv : r.get("accelerators")) {
        const auto type_name = kv.first.as<std::string>("");
        const auto p = r.path("accelerators") + "." + type_name;
        const auto* t = resolve_accelerator(sc.accelerators, d, kv.first, p, type_name);
        const auto n = read_number(d, kv.second, p);
        constexpr double kMaxExact = 9.007199254740992e15;  // 2^53
        if (n && (*n < 1 || *n != std::floor(*n) || *n > kMaxExact)) {
          report(d, kv.second, p,
                 fmt::format("expected a whole number of at least 1, got {:g}", *n));
        } else if (t && n) {
          const auto [first, fresh] = listed.emplace(t->name, kv.first.Mark().line + 1);
          if (!fresh) {
            report(d, kv.first, p,
                   fmt::format("{} is listed twice (first on line {})", t->name, first->second));
          } else {
            dc.inventory.push_back({t->name, static_cast<std::int64_t>(*n)});
          }
        }
      }
    }
    sc.datacenters.push_back(std::move(dc));
  }
  const auto dc_index = index_names(sc.datacenters, dc_nodes, "datacenters", d);

  // Jobs.
  if (top.has("workload")) {
    read_workload(top, d, sc, dc_index, scenario_dir, options);
  }
  const auto job_nodes =
      list_items(root, "jobs", !sc.generator.has_value() && !top.has("workload"), d);
  std::vector<JobNode> jobs;
  for (std::size_t i = 0; i < job_nodes.size(); ++i) {
    MapReader r(job_nodes[i], item_path("jobs", i), d,
                {"name",       "type",         "datacenter",      "accelerator", "devices",
                 "model",      "work",         "batch",           "steps",       "throughput",
                 "mfu",        "power",        "utilisation",     "start",       "submit",
                 "slack",      "datacenters",  "checkpoint",      "parallelism", "precision",
                 "stragglers", "routing_skew", "gradient_overlap"});
    JobNode jn;
    jn.node = job_nodes[i];
    auto& job = jn.spec;
    bool ok = r.valid();
    job.name = r.text("name", true).value_or("");
    if (const auto type = r.text("type", true); type && *type != "training") {
      report(d, r.get("type"), r.path("type"),
             fmt::format("unknown job type \"{}\" (known: training)", *type));
      ok = false;
    }
    JobPlacement& place = jn.place;
    std::optional<std::size_t> dci;
    if (r.has("datacenters")) {
      const auto list = r.get("datacenters");
      if (r.has("datacenter")) {
        report(d, r.get("datacenter"), r.path("datacenter"),
               "give datacenter or datacenters, not both");
      }
      if (!list.IsSequence() || list.size() == 0) {
        report(d, list, r.path("datacenters"), "expected a list of datacenter names");
      } else {
        for (std::size_t k = 0; k < list.size(); ++k) {
          const auto name = list[k].as<std::string>("");
          const auto it = dc_index.find(name);
          if (it == dc_index.end()) {
            const auto all = keys_of(dc_index);
            const auto hint = closest_match(name, all);
            report(d, list[k], fmt::format("{}[{}]", r.path("datacenters"), k),
                   hint.empty() ? fmt::format("unknown datacenter \"{}\"", name)
                                : fmt::format("unknown datacenter \"{}\" (did you mean \"{}\"?)",
                                              name, hint));
          } else {
            place.datacenters.push_back(it->second);
          }
        }
        if (place.datacenters.size() == list.size()) {
          dci = place.datacenters.front();
        }
      }
    } else {
      dci = resolve(dc_index, r, "datacenter", "datacenter");
      if (dci) {
        place.datacenters.push_back(*dci);
      }
    }
    ok = ok && dci.has_value();
    job.datacenter = dci.value_or(0);
    const models::AcceleratorType* type = nullptr;
    if (const auto acc = r.text("accelerator", true)) {
      type = resolve_accelerator(sc.accelerators, d, r.get("accelerator"), r.path("accelerator"),
                                 *acc);
    }
    ok = ok && type != nullptr;
    if (type) {
      job.accelerator = type->name;
    }
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
    if (job.work_kind == WorkKind::kTokens && !model && r.has("work") && !r.has("model")) {
      report(d, r.get("work"), r.path("work"),
             "work given in tokens needs the model's parameters (model: { "
             "parameters: ... })");
      ok = false;
    }
    job.batch = r.quantity<units::Tokens>("batch", false);
    job.steps = r.count("steps", false, 1);
    if (job.batch && job.steps) {
      report(d, r.node(), r.path(), "give batch or steps, not both");
    }
    if (job.batch && !model && job.work_kind != WorkKind::kTokens) {
      report(d, r.get("batch"), r.path("batch"),
             "a batch sets the step count from tokens: give work in tokens or "
             "the model's "
             "parameters");
    }
    job.throughput = r.quantity<units::FlopRate>("throughput", false);
    job.mfu = r.fraction("mfu", false);
    if (job.mfu && !(*job.mfu > 0)) {
      report(d, r.get("mfu"), r.path("mfu"), "must be positive");
      ok = false;
    }
    const bool predict = model && model->transformer && !job.throughput && !job.mfu;
    if (job.throughput && job.mfu) {
      report(d, r.node(), r.path(), "give throughput or mfu, not both");
    } else if (!job.throughput && !job.mfu && !predict && r.valid()) {
      report(d, r.node(), r.path(),
             "missing required key \"throughput\" (achieved FLOP/s per device) or "
             "\"mfu\", "
             "or the model's architecture (d_model, layers, ...) to predict it");
      ok = false;
    }
    for (const char* key :
         {"parallelism", "precision", "stragglers", "routing_skew", "gradient_overlap"}) {
      if (r.has(key) && !predict) {
        report(d, r.get(key), r.path(key),
               "applies to a job whose throughput is predicted from its "
               "architecture (model: "
               "with d_model, and no throughput or mfu)");
        ok = false;
      }
    }
    if (predict && ok && type && devices) {
      ok = read_predicted(r, d, job, *type, *devices) && ok;
    }
    if (type && job.throughput && *job.throughput > type->peak) {
      report(d, r.get("throughput"), r.path("throughput"),
             fmt::format("{:g} TFLOP/s exceeds the {} peak of {:g} TFLOP/s",
                         units::to_teraflops_per_second(*job.throughput), type->name,
                         units::to_teraflops_per_second(type->peak)));
    }
    job.power = r.quantity<units::Watts>("power", false);
    if (const auto u = r.fraction("utilisation", false)) {
      job.utilisation = *u;
    }
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
               "a job with a fixed start has no slack to pause in: give submit "
               "and slack");
      }
    }
    if (type && devices && !place.datacenters.empty()) {
      // Each listed datacenter must have the type; the job must fit in at least
      // one.
      std::int64_t most = 0;
      for (const auto dcx : place.datacenters) {
        const auto& dc = sc.datacenters[dcx];
        const auto it =
            std::find_if(dc.inventory.begin(), dc.inventory.end(),
                         [&](const InventoryItem& x) { return x.accelerator == type->name; });
        if (it == dc.inventory.end()) {
          report(d, r.get("accelerator"), r.path("accelerator"),
                 fmt::format("datacenter \"{}\" has no {} accelerators", dc.name, type->name));
          ok = false;
        } else {
          most = std::max(most, it->count);
        }
      }
      if (ok && *devices > most) {
        const auto& dc = sc.datacenters[place.datacenters.front()];
        report(d, r.get("devices"), r.path("devices"),
               place.datacenters.size() == 1
                   ? fmt::format("{} devices requested, but datacenter \"{}\" has {} {}", *devices,
                                 dc.name, most, type->name)
                   : fmt::format("{} devices requested, but no listed datacenter "
                                 "has more than "
                                 "{} {}: the job can never run",
                                 *devices, most, type->name));
        ok = false;
      }
    }
    jn.complete = ok;
    jobs.push_back(std::move(jn));
  }
  {
    std::vector<TrainingJobSpec> specs;
    for (const auto& j : jobs) {
      specs.push_back(j.spec);
    }
    index_names(specs, job_nodes, "jobs", d);
  }

  // Plans: durations and concurrent use of each datacenter's inventory.
  struct Use {
    double t;
    std::int64_t delta;
  };
  std::map<std::pair<std::size_t, std::string>, std::vector<Use>> uses;
  const bool input_ok = d.empty();
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!jobs[i].complete || !input_ok) {
      continue;
    }
    const auto& job = jobs[i].spec;
    try {
      const auto plan = models::plan_training(job, *sc.accelerators.find(job.accelerator));
      const double s = units::to_seconds(job.start);
      const double e = s + units::to_seconds(plan.duration);
      // The run keeps times as int64 nanoseconds: the start and the end must
      // fit.
      const bool start_fits = fits_sim_time(s);
      if (!start_fits || !fits_sim_time(units::to_seconds(plan.duration)) || !fits_sim_time(e)) {
        const char* key = start_fits ? "work" : "start";
        const YAML::Node& node = jobs[i].node;
        report(d, node[key], item_path("jobs", i) + "." + key,
               fmt::format("the job would {} at {:g} s, past the limit of simulated time "
                           "(int64 ns, about 292 years)",
                           start_fits ? "end" : "start", start_fits ? e : s));
        continue;
      }
      if (!jobs[i].place.fixed_start) {
        continue;
      }
      auto& u = uses[{job.datacenter, job.accelerator}];
      u.push_back({s, job.devices});
      u.push_back({e, -job.devices});
    } catch (const std::exception& e) {
      report(d, jobs[i].node, item_path("jobs", i), e.what());
    }
  }
  for (auto& [key, u] : uses) {
    std::sort(u.begin(), u.end(), [](const Use& a, const Use& b) {
      return a.t != b.t ? a.t < b.t : a.delta < b.delta;  // ends before starts at a tie
    });
    std::int64_t in_use = 0;
    const auto& dc = sc.datacenters[key.first];
    const std::string& type = key.second;  // a lambda may not capture a structured binding
    const auto cap =
        std::find_if(dc.inventory.begin(), dc.inventory.end(), [&](const InventoryItem& x) {
          return x.accelerator == type;
        })->count;
    for (const auto& x : u) {
      in_use += x.delta;
      if (in_use > cap) {
        d.error("jobs", fmt::format("jobs running together at {:g} s use {} {} devices, but "
                                    "datacenter \"{}\" has {}",
                                    x.t, in_use, key.second, dc.name, cap));
        break;
      }
    }
  }
  d.throw_if_any();
  for (auto& j : jobs) {
    sc.jobs.push_back(std::move(j.spec));
    sc.placements.push_back(std::move(j.place));
  }
  return sc;
}

Scenario load_scenario(const std::filesystem::path& path, const LoadOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    Diagnostics d(path.string());
    d.error("", "is a directory, not a scenario file");
    d.throw_if_any();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Diagnostics d(path.string());
    d.error("", std::filesystem::exists(path) ? "cannot read the file" : "no such file");
    d.throw_if_any();
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto sc = parse_scenario(ss.str(), path.string(), options);
  sc.source = path;
  return sc;
}

}  // namespace footprint::scenario
