// The fleet's sections of a scenario file: settings, scheduler, failures, accelerator
// types, regions and datacenters.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

#include "models/grid/water.hpp"
#include "sim/app/scenario/parse.hpp"
#include "sim/engine/time.hpp"
#include "sim/kernel/units/utc.hpp"

namespace footprint::scenario::parse {

namespace {

/// The shortest trace interval: below it a run writes an unreasonable number of bins.
constexpr double kMinTraceInterval = 1e-3;

}  // namespace

void read_settings(const MapReader& top, Scenario& sc) {
  Diagnostics& d = top.diagnostics();
  if (const auto name = top.text("name", true)) {
    sc.name = *name;
  }
  top.text("description", false);
  if (const auto seed = top.seed("seed", false)) {
    sc.seed = *seed;
  }
  if (top.has("trace")) {
    MapReader tr(top.get("trace"), "trace", d, {"interval"});
    if (const auto iv = tr.quantity<units::Seconds>("interval", false)) {
      if (units::to_seconds(*iv) < kMinTraceInterval) {
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
             fmt::format("expected a UTC time such as 2022-01-01T00:00:00Z, got \"{}\" ({})",
                         *epoch, why));
    }
  }
  sc.horizon = top.quantity<units::Seconds>("horizon", false);
  if (sc.horizon && units::to_seconds(*sc.horizon) < kOneTickSeconds) {
    report(d, top.get("horizon"), "horizon",
           fmt::format("{:g} s is below one tick of simulated time (1 ns): the run would have "
                       "no trace interval",
                       units::to_seconds(*sc.horizon)));
    sc.horizon.reset();
  }
}

namespace {

/// The policies by their names in scenario files and traces.
struct NamedPolicy {
  std::string_view name;
  models::Policy policy;
};
constexpr std::array<NamedPolicy, 3> kPolicies{{{"fifo", models::Policy::kFifo},
                                                {"backfill", models::Policy::kBackfill},
                                                {"carbon-aware", models::Policy::kCarbonAware}}};

/// The scheduler's own settings: the keys of `scheduler` and of a `compare` mapping.
constexpr std::array<std::string_view, 5> kSchedulerSettings{"policy", "forecast", "tolerance",
                                                             "epoch", "backfill_depth"};

/// kSchedulerSettings and `compare`: the keys a `scheduler` mapping may hold (and that a
/// `compare` mapping is checked against, to say why `compare` may not be in it).
std::vector<std::string> scheduler_keys() {
  std::vector<std::string> keys(kSchedulerSettings.begin(), kSchedulerSettings.end());
  keys.emplace_back("compare");
  return keys;
}

/// The shortest decision period, in seconds.
constexpr engine::SimTime::rep kMinEpochSeconds = 1;

void read_policy(const MapReader& r, models::SchedulerConfig& cfg) {
  const auto policy = r.text("policy", false);
  if (!policy) {
    return;
  }
  const auto* p = std::find_if(kPolicies.begin(), kPolicies.end(),
                               [&](const NamedPolicy& n) { return n.name == *policy; });
  if (p == kPolicies.end()) {
    report(r.diagnostics(), r.get("policy"), r.path("policy"),
           fmt::format("expected fifo, backfill or carbon-aware, got \"{}\"", *policy));
    return;
  }
  cfg.policy = p->policy;
}

void read_forecast(const MapReader& r, models::SchedulerConfig& cfg) {
  if (!r.has("forecast")) {
    return;
  }
  const auto f = r.get("forecast");
  if (f.IsScalar() && f.Scalar() == "perfect") {
    cfg.forecast_error = 0;
  } else if (f.IsMap()) {
    MapReader fr(f, r.path("forecast"), r.diagnostics(), {"error"});
    if (const auto e = fr.fraction("error", true)) {
      cfg.forecast_error = *e;
    }
  } else {
    report(r.diagnostics(), f, r.path("forecast"),
           "expected \"perfect\" or { error: 10 % } (relative error of hourly forecasts)");
  }
}

/// The scheduler's settings under `r` (kSchedulerSettings): each one given replaces
/// `cfg`'s, the others are left as they are.
void read_scheduler_settings(const MapReader& r, models::SchedulerConfig& cfg) {
  read_policy(r, cfg);
  read_forecast(r, cfg);
  if (const auto t = r.fraction("tolerance", false)) {
    cfg.tolerance = *t;
  }
  if (const auto e = r.quantity<units::Seconds>("epoch", false)) {
    const auto epoch = engine::SimTime::from_seconds(units::to_seconds(*e));
    if (epoch < engine::SimTime::seconds(kMinEpochSeconds)) {
      report(r.diagnostics(), r.get("epoch"), r.path("epoch"), "must be at least 1 s");
    } else {
      cfg.epoch = epoch;
    }
  }
  if (const auto depth = r.count("backfill_depth", false, 1)) {
    cfg.backfill_depth = static_cast<std::size_t>(*depth);
  }
}

/// Whether two settings are the same, as given (whether or not the policy uses them).
bool same_settings(const models::SchedulerConfig& a, const models::SchedulerConfig& b) {
  return a.policy == b.policy && a.epoch == b.epoch && a.forecast_error == b.forecast_error &&
         a.tolerance == b.tolerance && a.backfill_depth == b.backfill_depth;
}

/// scheduler.compare: "fifo" (the scheduler's settings under FIFO), "none", or a mapping
/// of scheduler settings that replace the scheduler's. `settings_ok`: the scheduler's own
/// settings and keys were read without a problem (else a baseline equal to them is not
/// reported).
void read_baseline(const MapReader& r, bool settings_ok, Scenario& sc) {
  if (!r.has("compare")) {
    return;
  }
  Diagnostics& d = r.diagnostics();
  const auto node = r.get("compare");
  const auto path = r.path("compare");
  models::SchedulerConfig base = sc.scheduler;
  if (node.IsScalar() && node.Scalar() == "none") {
    return;
  }
  if (node.IsScalar() && node.Scalar() == "fifo") {
    base.policy = models::Policy::kFifo;
  } else if (node.IsMap()) {
    // "compare" is allowed here to say why it may not be, rather than "unknown key".
    MapReader cr(node, path, d, scheduler_keys());
    if (cr.has("compare")) {
      report(d, cr.get("compare"), cr.path("compare"),
             "a baseline has no baseline of its own: compare may not be given inside compare");
    }
    read_scheduler_settings(cr, base);
    if (has_problem(d, path)) {
      return;
    }
  } else {
    report(d, node, path,
           fmt::format("expected \"fifo\", \"none\" or a mapping of scheduler settings such as "
                       "{{ policy: backfill }}, got {}",
                       node.IsScalar()     ? "\"" + node.Scalar() + "\""
                       : node.IsSequence() ? std::string("a list")
                                           : std::string("nothing")));
    return;
  }
  if (!settings_ok) {
    return;
  }
  if (same_settings(base, sc.scheduler)) {
    report(d, node, path,
           fmt::format("the baseline is this scheduler itself (policy {} with the same settings): "
                       "nothing to compare; give the baseline another policy or setting, or "
                       "leave compare out",
                       policy_name(base.policy)));
    return;
  }
  sc.baseline = base;
}

}  // namespace

void read_scheduler(const MapReader& top, Scenario& sc) {
  if (!top.has("scheduler")) {
    return;
  }
  MapReader r(top.get("scheduler"), "scheduler", top.diagnostics(), scheduler_keys());
  read_scheduler_settings(r, sc.scheduler);
  // Any problem so far is with the scheduler's own settings or keys (a misspelt policy
  // leaves the default): a baseline equal to them would be its echo.
  read_baseline(r, r.valid() && !has_problem(top.diagnostics(), r.path()), sc);
}

void read_failures(const MapReader& top, Scenario& sc) {
  if (!top.has("failures")) {
    return;
  }
  MapReader r(top.get("failures"), "failures", top.diagnostics(), {"device_mtbf", "restart"});
  if (const auto m = r.quantity<units::Seconds>("device_mtbf", true)) {
    sc.failures.device_mtbf = *m;
  }
  if (const auto rs = r.quantity<units::Seconds>("restart", false, Sign::kNonNegative)) {
    sc.failures.restart = *rs;
  }
}

namespace {

/// tdp, idle, peak, peak_fp8, memory, memory_bandwidth, scale_up_domain,
/// scale_up_bandwidth, scale_out_bandwidth, host_memory, host_link_bandwidth, embodied,
/// service_life, source: each given one
/// replaces the base's; without a base, tdp and peak are required.
void read_accelerator_figures(const MapReader& r, bool have_base, models::AcceleratorType& t) {
  const bool need = !have_base;
  const auto tdp = r.device_power("tdp", need);
  const auto idle = r.device_power("idle", false, Sign::kNonNegative);
  const auto peak = r.quantity<units::FlopRate>("peak", need);
  const auto peak_fp8 = r.quantity<units::FlopRate>("peak_fp8", false);
  const auto mem = r.quantity<units::Bytes>("memory", false);
  const auto bw = r.quantity<units::ByteRate>("memory_bandwidth", false);
  const auto domain = r.count("scale_up_domain", false, 1);
  const auto up_bw = r.quantity<units::ByteRate>("scale_up_bandwidth", false);
  const auto out_bw = r.quantity<units::ByteRate>("scale_out_bandwidth", false);
  const auto host_mem = r.quantity<units::Bytes>("host_memory", false);
  const auto host_bw = r.quantity<units::ByteRate>("host_link_bandwidth", false);
  const auto emb = r.quantity<units::Grams>("embodied", false, Sign::kNonNegative);
  const auto life = r.quantity<units::Seconds>("service_life", false);
  const auto source = r.text("source", false);
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
  if (peak_fp8) {
    t.peak_fp8 = *peak_fp8;
  }
  if (domain) {
    t.scale_up_domain = *domain;
  }
  if (up_bw) {
    t.scale_up_bandwidth = *up_bw;
  }
  if (out_bw) {
    t.scale_out_bandwidth = *out_bw;
  }
  if (host_mem) {
    t.host_memory = *host_mem;
  }
  if (host_bw) {
    t.host_link_bandwidth = *host_bw;
  }
  if (emb) {
    t.embodied = *emb;
  }
  if (life) {
    t.service_life = *life;
  }
  t.source = source ? *source : "scenario " + r.path();
}

/// One entry of accelerator_types: a new type, or a base type with figures replaced.
/// Every figure is read (and its problems reported) even when the name is missing.
std::optional<models::AcceleratorType> read_accelerator_type(
    const MapReader& r, Diagnostics& d, const models::AcceleratorLibrary& lib) {
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
  read_accelerator_figures(r, have_base, t);
  if (!name) {
    return std::nullopt;
  }
  t.name = *name;
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
  return t;
}

}  // namespace

void read_accelerator_types(const YAML::Node& root, Diagnostics& d,
                            models::AcceleratorLibrary& lib) {
  const auto items = list_items(root, "accelerator_types", false, d);
  for (std::size_t i = 0; i < items.size(); ++i) {
    MapReader r(items[i], item_path("accelerator_types", i), d,
                {"name", "base", "aliases", "tdp", "idle", "peak", "peak_fp8", "memory",
                 "memory_bandwidth", "scale_up_domain", "scale_up_bandwidth", "scale_out_bandwidth",
                 "host_memory", "host_link_bandwidth", "embodied", "service_life", "source"});
    if (!r.valid()) {
      continue;
    }
    if (auto t = read_accelerator_type(r, d, lib)) {
      lib.put(std::move(*t));
    }
  }
}

NameIndex read_regions(const YAML::Node& root, const Context& ctx, Scenario& sc) {
  Diagnostics& d = ctx.d;
  const auto nodes = list_items(root, "regions", true, d);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    MapReader r(nodes[i], item_path("regions", i), d,
                {"name", "intensity", "market_intensity", "cfe", "grid_cfe", "water_intensity",
                 "water_factors"});
    RegionSpec reg;
    reg.name = r.text("name", true).value_or("");
    if (r.has("intensity") && r.get("intensity").IsMap()) {
      reg.series = read_series(r, "intensity", ctx, true);
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
        reg.cfe_hourly = read_series(cr, "hourly", ctx);
      }
      if (cr.valid() && cr.has("annual") == cr.has("hourly")) {
        report(d, cr.node(), cr.path(), "give annual or hourly carbon-free energy, one of them");
      }
      if (reg.market_intensity) {
        report(d, cr.node(), cr.path(), "give market_intensity or cfe, not both");
      }
    }
    reg.grid_cfe = r.fraction("grid_cfe", false);
    reg.water_intensity =
        r.quantity<units::WaterIntensity>("water_intensity", false, Sign::kNonNegative);
    reg.water_key_path = r.path();
    if (r.has("water_factors")) {
      const auto known = models::macknick_2012_water_consumption();
      std::vector<std::string> codes;
      for (const auto& [code, v] : known.g_per_kwh) {
        codes.push_back(code);
      }
      MapReader wf(r.get("water_factors"), r.path("water_factors"), d, codes);
      for (const auto& code : codes) {
        if (const auto q = wf.quantity<units::WaterIntensity>(code, false, Sign::kNonNegative)) {
          reg.water_factors[code] = units::to_litres_per_kwh(*q);
        }
      }
    }
    sc.regions.push_back(std::move(reg));
  }
  return index_names(sc.regions, nodes, "regions", d);
}

namespace {

void check_pue(const MapReader& at, double pue) {
  if (pue < 1.0) {
    report(at.diagnostics(), at.get("pue"), at.path("pue"),
           fmt::format("a PUE is facility energy over IT energy, at least 1, got {:g}", pue));
  }
}

/// cooling: { model: economizer-chiller, weather: SERIES }.
void read_economizer(const MapReader& cr, const Context& ctx, CoolingSpec& cooling) {
  Diagnostics& d = ctx.d;
  cooling.model = CoolingSpec::Model::kEconomizerChiller;
  if (cr.has("pue")) {
    report(d, cr.get("pue"), cr.path("pue"),
           "the economizer-chiller model computes its PUE from the weather; pue applies "
           "to model: constant");
  }
  if (!cr.has("weather")) {
    cr.missing("weather");
    return;
  }
  cooling.weather = read_series(cr, "weather", ctx);
  const auto w = cr.get("weather");
  for (const char* key : {"repeat", "max_gap"}) {
    if (w.IsMap() && w[key].IsDefined()) {
      report(d, w[key], cr.path("weather") + "." + key,
             "weather is a typical year that repeats by itself: no repeat or max_gap");
    }
  }
}

/// pue: 1.1, or cooling: { model: constant | economizer-chiller, ... }.
void read_cooling(const MapReader& r, const Context& ctx, CoolingSpec& cooling) {
  Diagnostics& d = ctx.d;
  if (!r.has("cooling")) {
    if (const auto pue = r.number("pue", true)) {
      check_pue(r, *pue);
      cooling.pue = *pue;
    }
    return;
  }
  MapReader cr(r.get("cooling"), r.path("cooling"), d, {"model", "pue", "weather"});
  const auto model = cr.text("model", true);
  if (model && *model == "constant") {
    cooling.model = CoolingSpec::Model::kConstant;
    if (const auto pue = cr.number("pue", true)) {
      check_pue(cr, *pue);
      cooling.pue = *pue;
    }
    if (cr.has("weather")) {
      report(d, cr.get("weather"), cr.path("weather"),
             "a constant PUE takes no weather (model: economizer-chiller does)");
    }
  } else if (model && *model == "economizer-chiller") {
    read_economizer(cr, ctx, cooling);
  } else if (model) {
    report(d, cr.get("model"), cr.path("model"),
           fmt::format("expected \"constant\" or \"economizer-chiller\", got \"{}\"", *model));
  }
  if (r.has("pue")) {
    report(d, r.get("pue"), r.path("pue"), "give pue or cooling, not both");
  }
}

/// idle: draw | sleep | off, sleep_power, host_overhead.
void read_idle(const MapReader& r, models::DevicePower& power) {
  Diagnostics& d = r.diagnostics();
  if (const auto idle = r.text("idle", false)) {
    if (*idle == "off") {
      power.idle_draw = false;
    } else if (*idle == "sleep") {
      power.sleep_power =
          r.device_power("sleep_power", true, Sign::kNonNegative).value_or(units::Watts::zero());
    } else if (*idle != "draw") {
      report(d, r.get("idle"), r.path("idle"),
             fmt::format("expected \"draw\" (idle accelerators draw idle power), \"sleep\" "
                         "(they and their hosts sleep at sleep_power) or \"off\", got \"{}\"",
                         *idle));
    }
  }
  if (r.has("sleep_power") && !power.sleep_power) {
    report(d, r.get("sleep_power"), r.path("sleep_power"), "applies with idle: sleep");
  }
  power.host_overhead =
      r.device_power("host_overhead", false, Sign::kNonNegative).value_or(units::Watts::zero());
}

void read_topology(const MapReader& r, TopologySpec& topology) {
  if (!r.has("topology")) {
    return;
  }
  MapReader tr(r.get("topology"), r.path("topology"), r.diagnostics(), {"kind", "pod_size"});
  topology.kind = tr.text("kind", true).value_or("");
  if (!topology.kind.empty() && topology.kind != "fat-tree" && topology.kind != "torus") {
    report(r.diagnostics(), tr.get("kind"), tr.path("kind"),
           fmt::format("expected \"fat-tree\" or \"torus\", got \"{}\"", topology.kind));
  }
  topology.pod_size = tr.count("pod_size", false, 1).value_or(0);
}

/// network: { scale_up, scale_up_bandwidth, scale_out_bandwidth }, each optional: what
/// differs from the chips' usual system.
void read_network(const MapReader& r, models::NetworkOverride& network) {
  if (!r.has("network")) {
    return;
  }
  MapReader nr(r.get("network"), r.path("network"), r.diagnostics(),
               {"scale_up", "scale_up_bandwidth", "scale_out_bandwidth"});
  network.scale_up_domain = nr.count("scale_up", false, 1);
  network.scale_up_bandwidth = nr.quantity<units::ByteRate>("scale_up_bandwidth", false);
  network.scale_out_bandwidth = nr.quantity<units::ByteRate>("scale_out_bandwidth", false);
}

/// accelerators: { TYPE: COUNT, ... }, each type once (under any of its names).
void read_inventory(const MapReader& r, const models::AcceleratorLibrary& lib,
                    std::vector<InventoryItem>& inventory) {
  Diagnostics& d = r.diagnostics();
  if (!r.has("accelerators")) {
    if (r.valid()) {
      r.missing("accelerators");
    }
    return;
  }
  if (!r.get("accelerators").IsMap()) {
    report(d, r.get("accelerators"), r.path("accelerators"),
           "expected a mapping of accelerator type to count, e.g. { V100: 10000 }");
    return;
  }
  constexpr double kMaxExact = 9.007199254740992e15;  // 2^53
  // Canonical accelerator name -> the line where it was first listed.
  std::map<std::string, int> listed;
  for (const auto& kv : r.get("accelerators")) {
    const auto type_name = kv.first.as<std::string>("");
    const auto p = r.path("accelerators") + "." + type_name;
    const auto* t = resolve_accelerator(lib, d, kv.first, p, type_name);
    const auto n = read_number(d, kv.second, p);
    if (n && (*n < 1 || *n != std::floor(*n) || *n > kMaxExact)) {
      report(d, kv.second, p, fmt::format("expected a whole number of at least 1, got {:g}", *n));
    } else if (t && n) {
      const auto [first, fresh] = listed.emplace(t->name, kv.first.Mark().line + 1);
      if (!fresh) {
        report(d, kv.first, p,
               fmt::format("{} is listed twice (first on line {})", t->name, first->second));
      } else {
        inventory.push_back({t->name, static_cast<std::int64_t>(*n)});
      }
    }
  }
}

}  // namespace

namespace {

constexpr double kWattsPerMegawatt = 1e6;

/// supply.solar or supply.wind: { profile | file, capacity, capacity_factor, repeat, max_gap }.
std::optional<GenerationSpec> read_generation(const MapReader& s, const std::string& key,
                                              const Context& ctx) {
  if (!s.has(key)) {
    return std::nullopt;
  }
  Diagnostics& d = s.diagnostics();
  MapReader g(s.get(key), s.path(key), d,
              {"profile", "file", "capacity", "capacity_factor", "repeat", "max_gap"});
  if (!g.valid()) {
    return std::nullopt;
  }
  GenerationSpec gen;
  gen.key_path = g.path();
  gen.capacity = g.quantity<units::Watts>("capacity", false, Sign::kNonNegative);
  gen.capacity_factor = g.fraction("capacity_factor", false);
  if (gen.capacity_factor && !(*gen.capacity_factor > 0)) {
    report(d, g.get("capacity_factor"), g.path("capacity_factor"),
           "expected a capacity factor above 0 %");
  }
  if (g.has("file") || g.has("profile")) {
    SeriesSource src;
    src.key_path = g.path();
    const auto file = g.text("file", false);
    const auto profile = g.text("profile", false);
    if (file && profile) {
      report(d, g.node(), g.path(), "give file or profile, not both");
      return gen;
    }
    if (file) {
      src.given = *file;
      src.file = resolve_file(*file, ctx, g, "file");
    }
    if (profile) {
      src.profile = *profile;
      const std::string suffix = "-" + key;
      if (src.profile.size() <= suffix.size() ||
          src.profile.compare(src.profile.size() - suffix.size(), suffix.size(), suffix) != 0) {
        report(d, g.get("profile"), g.path("profile"),
               fmt::format("a built-in {} shape is named <region>{} (us-pjm{}), got \"{}\"", key,
                           suffix, suffix, src.profile));
      }
    }
    if (const auto rep = g.text("repeat", false)) {
      if (*rep == "yearly") {
        src.repeat_yearly = true;
      } else if (*rep != "none") {
        report(d, g.get("repeat"), g.path("repeat"),
               fmt::format("expected \"yearly\" or \"none\", got \"{}\"", *rep));
      }
    }
    if (const auto gap = g.quantity<units::Seconds>("max_gap", false, Sign::kNonNegative)) {
      src.max_gap = *gap;
    }
    gen.source = src;
  }
  if (!gen.capacity && (!gen.source || gen.source->file.empty())) {
    report(d, g.node(), g.path(),
           "missing required key \"capacity\" (a shape is scaled to it; only a file in MW "
           "goes without)");
  }
  return gen;
}

/// datacenters[i].water: { wue: X L/kWh } or { tower: { cycles: N } }.
std::optional<WaterSpec> read_water(const MapReader& r, const CoolingSpec& cooling) {
  if (!r.has("water")) {
    return std::nullopt;
  }
  Diagnostics& d = r.diagnostics();
  MapReader w(r.get("water"), r.path("water"), d, {"wue", "tower"});
  if (!w.valid()) {
    return std::nullopt;
  }
  WaterSpec spec;
  spec.key_path = w.path();
  const auto mark = [](const YAML::Node& n) {
    return n.Mark().line >= 0 ? std::pair<int, int>{n.Mark().line + 1, n.Mark().column + 1}
                              : std::pair<int, int>{0, 0};
  };
  spec.at = mark(w.node());
  if (w.has("tower")) {
    spec.tower_at = mark(w.get("tower"));
  }
  if (w.has("wue") == w.has("tower")) {
    report(d, w.node(), w.path(),
           "give wue (litres per kWh of IT energy) or tower (a cooling tower: { cycles: N }), "
           "one of them");
    return std::nullopt;
  }
  if (w.has("wue")) {
    spec.on_site = WaterSpec::OnSite::kWue;
    const auto q = w.quantity<units::WaterIntensity>("wue", true, Sign::kNonNegative);
    if (!q) {
      return std::nullopt;
    }
    spec.wue = *q;
    return spec;
  }
  spec.on_site = WaterSpec::OnSite::kTower;
  MapReader t(w.get("tower"), w.path("tower"), d, {"cycles"});
  if (!t.valid()) {
    return std::nullopt;
  }
  const auto cycles = t.number("cycles", true);
  if (!cycles) {
    return std::nullopt;
  }
  constexpr double kMaxCycles = 100;
  if (!(*cycles > 1) || *cycles > kMaxCycles) {
    report(d, t.get("cycles"), t.path("cycles"),
           fmt::format("cycles of concentration must be above 1 and at most {:g} (blowdown is "
                       "evaporation / (cycles - 1)), got {:g}",
                       kMaxCycles, *cycles));
    return std::nullopt;
  }
  spec.cycles = *cycles;
  if (cooling.model != CoolingSpec::Model::kEconomizerChiller) {
    report(d, w.get("tower"), w.path("tower"),
           "a cooling tower rejects the chiller's heat and follows the weather: it needs "
           "cooling: { model: economizer-chiller, weather: ... } (with a constant PUE, give wue)");
    return std::nullopt;
  }
  return spec;
}

/// datacenters[i].supply: { solar, wind, firm, battery }.
std::optional<SupplySpec> read_supply(const MapReader& r, const Context& ctx,
                                      const std::optional<units::Watts>& power_cap) {
  if (!r.has("supply")) {
    return std::nullopt;
  }
  Diagnostics& d = r.diagnostics();
  MapReader s(r.get("supply"), r.path("supply"), d, {"solar", "wind", "firm", "battery"});
  if (!s.valid()) {
    return std::nullopt;
  }
  SupplySpec sup;
  sup.key_path = s.path();
  sup.solar = read_generation(s, "solar", ctx);
  sup.wind = read_generation(s, "wind", ctx);
  sup.firm =
      s.quantity<units::Watts>("firm", false, Sign::kNonNegative).value_or(units::Watts::zero());
  if (s.has("battery")) {
    MapReader b(
        s.get("battery"), s.path("battery"), d,
        {"capacity", "power", "efficiency", "soc", "initial_soc", "dispatch", "threshold", "peak"});
    if (b.valid()) {
      models::BatterySpec bat;
      bat.capacity_mwh =
          units::to_joules(b.quantity<units::Joules>("capacity", true, Sign::kNonNegative)
                               .value_or(units::Joules{})) /
          units::kJoulesPerMegawattHour;
      bat.power_mw = units::to_watts(b.quantity<units::Watts>("power", true, Sign::kNonNegative)
                                         .value_or(units::Watts{})) /
                     kWattsPerMegawatt;
      if (const auto e = b.fraction("efficiency", false)) {
        if (!(*e > 0)) {
          report(d, b.get("efficiency"), b.path("efficiency"),
                 "expected a round-trip efficiency above 0 %");
        }
        bat.efficiency = *e;
      }
      if (b.has("soc")) {
        const auto soc = b.get("soc");
        bool ok = soc.IsSequence() && soc.size() == 2;
        std::array<double, 2> v{0, 1};
        for (std::size_t k = 0; ok && k < 2; ++k) {
          try {
            const auto text = soc[k].as<std::string>();
            const auto q = units::parse_quantity(text);
            ok = q.dim == units::Dimension{};
            v.at(k) = q.value_si;
          } catch (const std::exception&) {  // not text, or not a number
            ok = false;
          }
        }
        if (!ok) {
          report(d, soc, b.path("soc"), "expected [min, max] state of charge, as fractions or %");
        } else if (v[0] < 0 || v[1] > 1 || v[0] > v[1]) {
          report(d, soc, b.path("soc"),
                 fmt::format("expected 0 <= min <= max <= 100 %, got [{:g} %, {:g} %]", v[0] * 100,
                             v[1] * 100));
        } else {
          bat.soc_min = v[0];
          bat.soc_max = v[1];
        }
      }
      if (const auto init = b.fraction("initial_soc", false)) {
        bat.initial_soc = *init;
      }
      const auto dispatch = b.text("dispatch", false).value_or("carbon");
      if (dispatch == "carbon") {
        bat.dispatch = models::BatteryDispatch::kCarbon;
        bat.threshold_g_per_kwh = -1;  // the run's mean intensity, filled in by the run
        if (const auto t =
                b.quantity<units::CarbonIntensity>("threshold", false, Sign::kNonNegative)) {
          bat.threshold_g_per_kwh = t->si() * units::kJoulesPerKilowattHour;
        }
        if (b.has("peak")) {
          report(d, b.get("peak"), b.path("peak"), "peak is for dispatch: peak");
        }
      } else if (dispatch == "peak") {
        bat.dispatch = models::BatteryDispatch::kPeak;
        if (const auto pk = b.quantity<units::Watts>("peak", false)) {
          bat.peak_mw = units::to_watts(*pk) / kWattsPerMegawatt;
        } else if (power_cap) {
          bat.peak_mw = units::to_watts(*power_cap) / kWattsPerMegawatt;
        } else {
          report(d, b.node(), b.path(),
                 "dispatch: peak needs a peak (the grid import to stay under) or the "
                 "datacenter's power_cap");
        }
        if (b.has("threshold")) {
          report(d, b.get("threshold"), b.path("threshold"), "threshold is for dispatch: carbon");
        }
      } else {
        report(d, b.get("dispatch"), b.path("dispatch"),
               fmt::format("expected carbon or peak, got \"{}\"", dispatch));
      }
      if (bat.capacity_mwh > 0 && !(bat.power_mw > 0) && b.has("power") && !b.bad("power")) {
        report(d, b.get("power"), b.path("power"),
               "a battery with a capacity needs a power above 0 MW (a capacity of 0 is none)");
      }
      sup.battery = bat;
    }
  }
  return sup;
}

/// `power_limit`: per device, within (idle, TDP] of every type of the inventory.
void read_power_limit(const MapReader& r, const models::AcceleratorLibrary& lib,
                      DatacenterSpec& dc) {
  dc.power_limit = r.quantity<units::Watts>("power_limit", false, Sign::kPositive);
  if (!dc.power_limit) {
    return;
  }
  const auto at = r.get("power_limit");
  if (at.Mark().line >= 0) {
    dc.power_limit_at = {at.Mark().line + 1, at.Mark().column + 1};
  }
  for (const auto& item : dc.inventory) {
    const auto* type = lib.find(item.accelerator);
    if (type == nullptr) {
      continue;
    }
    if (const auto problem = power_limit_problem(*dc.power_limit, *type)) {
      report(r.diagnostics(), at, r.path("power_limit"), *problem);
      return;  // one error for the key
    }
  }
}

}  // namespace

NameIndex read_datacenters(const YAML::Node& root, const Context& ctx, const NameIndex& regions,
                           Scenario& sc) {
  Diagnostics& d = ctx.d;
  const auto nodes = list_items(root, "datacenters", true, d);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    MapReader r(
        nodes[i], item_path("datacenters", i), d,
        {"name", "region", "pue", "cooling", "accelerators", "power_cap", "idle", "sleep_power",
         "host_overhead", "topology", "network", "supply", "water", "power_limit"});
    DatacenterSpec dc;
    dc.name = r.text("name", true).value_or("");
    if (dc.name.find_first_of("/.") != std::string::npos) {
      report(d, r.get("name"), r.path("name"), "a datacenter name may not contain '/' or '.'");
    }
    dc.region = resolve(regions, r, "region", "region").value_or(0);
    read_cooling(r, ctx, dc.cooling);
    dc.power_cap = r.quantity<units::Watts>("power_cap", false);
    if (const auto cap = r.get("power_cap"); cap.IsDefined() && cap.Mark().line >= 0) {
      dc.power_cap_at = {cap.Mark().line + 1, cap.Mark().column + 1};
    }
    read_idle(r, dc.power);
    read_topology(r, dc.topology);
    read_network(r, dc.network);
    read_inventory(r, sc.accelerators, dc.inventory);
    read_power_limit(r, sc.accelerators, dc);
    dc.supply = read_supply(r, ctx, dc.power_cap);
    dc.water = read_water(r, dc.cooling);
    if (dc.supply && dc.region < sc.regions.size()) {
      const auto& reg = sc.regions[dc.region];
      if (reg.cfe_annual || reg.cfe_hourly || reg.market_intensity) {
        report(d, r.get("supply"), r.path("supply"),
               fmt::format("region {} already gives market-based accounting (cfe or "
                           "market_intensity): a supply accounts for it hour by hour; give one",
                           reg.name));
      }
    }
    sc.datacenters.push_back(std::move(dc));
  }
  return index_names(sc.datacenters, nodes, "datacenters", d);
}

}  // namespace footprint::scenario::parse

namespace footprint::scenario {

std::string_view policy_name(models::Policy policy) {
  for (const auto& p : parse::kPolicies) {
    if (p.policy == policy) {
      return p.name;
    }
  }
  throw std::logic_error("policy_name: unknown policy");
}

}  // namespace footprint::scenario
