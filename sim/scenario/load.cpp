// Reading a scenario file: YAML -> Scenario, with every problem collected.
#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "sim/engine/time.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/scenario/yaml_reader.hpp"

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
                 "embodied", "source"});
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

std::optional<models::ModelShape> read_model(const MapReader& job, Diagnostics& d) {
  if (!job.has("model")) {
    return std::nullopt;
  }
  MapReader r(job.get("model"), job.path("model"), d,
              {"architecture", "parameters", "active_parameters", "active_fraction"});
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
             "a dense model activates all of its parameters; use architecture: moe");
    }
    m.active_parameters = m.parameters;
  } else {
    if (!active && !frac) {
      report(d, r.node(), r.path(),
             "a moe model needs active_parameters or active_fraction (parameters used per token)");
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
  YAML::Node node;
  bool complete = false;
};

}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& file_name) {
  Diagnostics d(file_name);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    d.error(e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg);
    d.throw_if_any();
  }
  if (!root.IsDefined() || root.IsNull()) {
    d.error("", "the scenario file is empty");
    d.throw_if_any();
  }
  Scenario sc;
  sc.source = file_name;
  sc.text = text;
  MapReader top(root, "", d,
                {"name", "description", "seed", "trace", "regions", "datacenters", "jobs",
                 "accelerator_types"});
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

  read_accelerator_types(root, d, sc.accelerators);

  // Regions.
  const auto region_nodes = list_items(root, "regions", true, d);
  for (std::size_t i = 0; i < region_nodes.size(); ++i) {
    MapReader r(region_nodes[i], item_path("regions", i), d,
                {"name", "intensity", "market_intensity"});
    RegionSpec reg;
    reg.name = r.text("name", true).value_or("");
    const auto gross = r.quantity<units::CarbonIntensity>("intensity", true, Sign::kNonNegative);
    const auto net =
        r.quantity<units::CarbonIntensity>("market_intensity", false, Sign::kNonNegative);
    reg.intensity = gross.value_or(units::CarbonIntensity::zero());
    reg.market_intensity = net ? *net : reg.intensity;
    sc.regions.push_back(std::move(reg));
  }
  const auto region_index = index_names(sc.regions, region_nodes, "regions", d);

  // Datacenters.
  const auto dc_nodes = list_items(root, "datacenters", true, d);
  std::vector<YAML::Node> inventory_nodes;
  for (std::size_t i = 0; i < dc_nodes.size(); ++i) {
    MapReader r(dc_nodes[i], item_path("datacenters", i), d,
                {"name", "region", "pue", "accelerators"});
    DatacenterSpec dc;
    dc.name = r.text("name", true).value_or("");
    dc.region = resolve(region_index, r, "region", "region").value_or(0);
    if (const auto pue = r.number("pue", true)) {
      if (*pue < 1.0) {
        report(d, r.get("pue"), r.path("pue"),
               fmt::format("a PUE is facility energy over IT energy, at least 1, got {:g}", *pue));
      }
      dc.pue = *pue;
    }
    if (!r.has("accelerators")) {
      if (r.valid()) {
        r.missing("accelerators");
      }
    } else if (!r.get("accelerators").IsMap()) {
      report(d, r.get("accelerators"), r.path("accelerators"),
             "expected a mapping of accelerator type to count, e.g. { V100: 10000 }");
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
  const auto job_nodes = list_items(root, "jobs", true, d);
  std::vector<JobNode> jobs;
  for (std::size_t i = 0; i < job_nodes.size(); ++i) {
    MapReader r(job_nodes[i], item_path("jobs", i), d,
                {"name", "type", "datacenter", "accelerator", "devices", "model", "work", "batch",
                 "steps", "throughput", "mfu", "power", "utilisation", "start"});
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
    const auto dci = resolve(dc_index, r, "datacenter", "datacenter");
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
             "work given in tokens needs the model's parameters (model: { parameters: ... })");
      ok = false;
    }
    job.batch = r.quantity<units::Tokens>("batch", false);
    job.steps = r.count("steps", false, 1);
    if (job.batch && job.steps) {
      report(d, r.node(), r.path(), "give batch or steps, not both");
    }
    if (job.batch && !model && job.work_kind != WorkKind::kTokens) {
      report(d, r.get("batch"), r.path("batch"),
             "a batch sets the step count from tokens: give work in tokens or the model's "
             "parameters");
    }
    job.throughput = r.quantity<units::FlopRate>("throughput", false);
    job.mfu = r.fraction("mfu", false);
    if (job.mfu && !(*job.mfu > 0)) {
      report(d, r.get("mfu"), r.path("mfu"), "must be positive");
      ok = false;
    }
    if (job.throughput && job.mfu) {
      report(d, r.node(), r.path(), "give throughput or mfu, not both");
    } else if (!job.throughput && !job.mfu && r.valid()) {
      report(d, r.node(), r.path(),
             "missing required key \"throughput\" (achieved FLOP/s per device) or \"mfu\"");
      ok = false;
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
    job.start = r.quantity<units::Seconds>("start", false, Sign::kNonNegative)
                    .value_or(units::Seconds::zero());
    if (dci && type && devices) {
      const auto& dc = sc.datacenters[*dci];
      const auto it =
          std::find_if(dc.inventory.begin(), dc.inventory.end(),
                       [&](const InventoryItem& x) { return x.accelerator == type->name; });
      if (it == dc.inventory.end()) {
        report(d, r.get("accelerator"), r.path("accelerator"),
               fmt::format("datacenter \"{}\" has no {} accelerators", dc.name, type->name));
        ok = false;
      } else if (*devices > it->count) {
        report(d, r.get("devices"), r.path("devices"),
               fmt::format("{} devices requested, but datacenter \"{}\" has {} {}", *devices,
                           dc.name, it->count, type->name));
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
      // The run keeps times as int64 nanoseconds: the start and the end must fit.
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
    const auto cap =
        std::find_if(dc.inventory.begin(), dc.inventory.end(), [&](const InventoryItem& x) {
          return x.accelerator == key.second;
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
  }
  return sc;
}

Scenario load_scenario(const std::filesystem::path& path) {
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
  auto sc = parse_scenario(ss.str(), path.string());
  sc.source = path;
  return sc;
}

}  // namespace footprint::scenario
