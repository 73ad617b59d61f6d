// The services section of a scenario file: LLM services, each a model on replicas of a
// datacenter's accelerators, its engine limits, its requests and its objectives
// (docs/scenario-format.md, "services[]").
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "models/workloads/load_profile.hpp"
#include "models/workloads/step_model.hpp"
#include "sim/app/scenario/parse.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/units/utc.hpp"

namespace footprint::scenario::parse {

namespace {

/// A token length: a whole number, { mean, sd } (log-normal) or [min, max] (uniform).
std::optional<models::TokenLength> read_length(const MapReader& r, const std::string& key,
                                               bool required) {
  auto& d = r.diagnostics();
  if (!r.has(key)) {
    if (required) {
      r.missing(key);
    }
    return std::nullopt;
  }
  const auto node = r.get(key);
  const auto path = r.path(key);
  constexpr const char* kExpected =
      "expected a whole number of tokens (>= 1), { mean: M, sd: S } or [min, max]";
  try {
    if (node.IsScalar()) {
      if (const auto n = r.count(key, true, 1)) {
        return models::TokenLength::fixed(*n);
      }
      return std::nullopt;
    }
    if (node.IsSequence()) {
      if (node.size() != 2) {
        report(d, node, path, kExpected);
        return std::nullopt;
      }
      const auto lo = read_number(d, node[0], path + "[0]");
      const auto hi = read_number(d, node[1], path + "[1]");
      if (!lo || !hi) {
        return std::nullopt;
      }
      if (*lo < 1 || *hi < *lo || std::floor(*lo) != *lo || std::floor(*hi) != *hi) {
        report(d, node, path, "expected [min, max] with whole numbers 1 <= min <= max");
        return std::nullopt;
      }
      return models::TokenLength::uniform(static_cast<std::int64_t>(*lo),
                                          static_cast<std::int64_t>(*hi));
    }
    MapReader m(node, path, d, {"mean", "sd"});
    if (!m.valid()) {
      return std::nullopt;
    }
    const auto mean = m.number("mean", true, Sign::kPositive);
    const auto sd = m.number("sd", true, Sign::kNonNegative);
    if (!mean || !sd) {
      return std::nullopt;
    }
    return models::TokenLength::log_normal(*mean, *sd);
  } catch (const std::invalid_argument& e) {
    report(d, node, path, e.what());
  }
  return std::nullopt;
}

void read_precision(const MapReader& r, models::ServingModelSpec& s) {
  if (!r.has("precision")) {
    return;
  }
  auto& d = r.diagnostics();
  MapReader p(r.get("precision"), r.path("precision"), d, {"weights", "kv_cache"});
  if (!p.valid()) {
    return;
  }
  if (const auto w = p.text("weights", false)) {
    if (*w == "bf16") {
      s.weights = models::WeightFormat::kBf16;
    } else if (*w == "fp8") {
      s.weights = models::WeightFormat::kFp8;
    } else if (*w == "int8") {
      s.weights = models::WeightFormat::kInt8;
    } else if (*w == "int4") {
      s.weights = models::WeightFormat::kInt4;
    } else {
      report(d, p.get("weights"), p.path("weights"),
             fmt::format("expected bf16, fp8, int8 or int4, got \"{}\"", *w));
    }
  }
  if (const auto k = p.text("kv_cache", false)) {
    if (*k == "bf16") {
      s.kv_cache = models::KvFormat::kBf16;
    } else if (*k == "fp8") {
      s.kv_cache = models::KvFormat::kFp8;
    } else {
      report(d, p.get("kv_cache"), p.path("kv_cache"),
             fmt::format("expected bf16 or fp8, got \"{}\"", *k));
    }
  }
}

/// replica: { devices, parallelism: { tensor, pipeline, expert } }: tensor x pipeline =
/// devices (keys left out are 1; without parallelism, tensor = devices).
void read_replica(const MapReader& r, models::ServingModelSpec& s) {
  auto& d = r.diagnostics();
  if (!r.has("replica")) {
    r.missing("replica");
    return;
  }
  MapReader rep(r.get("replica"), r.path("replica"), d, {"devices", "parallelism"});
  if (!rep.valid()) {
    return;
  }
  const auto devices = rep.count("devices", true, 1);
  std::optional<std::int64_t> tensor;
  std::optional<std::int64_t> pipeline;
  if (rep.has("parallelism")) {
    MapReader par(rep.get("parallelism"), rep.path("parallelism"), d,
                  {"tensor", "pipeline", "expert"});
    if (par.valid()) {
      tensor = par.count("tensor", false, 1);
      pipeline = par.count("pipeline", false, 1);
      s.layout.expert = par.count("expert", false, 1).value_or(1);
      if (par.bad("tensor") || par.bad("pipeline")) {
        return;
      }
    }
  }
  if (!devices) {
    return;
  }
  // Without parallelism, tensor parallelism over the replica; with it, keys left out are 1
  // (as a training job's).
  const bool given = rep.has("parallelism");
  s.layout.tensor = tensor.value_or(given ? 1 : *devices);
  s.layout.pipeline = pipeline.value_or(1);
  if (s.layout.tensor * s.layout.pipeline != *devices) {
    report(d, rep.has("parallelism") ? rep.get("parallelism") : rep.node(), rep.path("parallelism"),
           fmt::format("tensor ({}) x pipeline ({}) = {}, but the replica has {} devices",
                       s.layout.tensor, s.layout.pipeline, s.layout.tensor * s.layout.pipeline,
                       *devices));
  }
}

/// arrival.profile: a built-in daily profile's name, { profile: NAME } or { file: X.csv }
/// (hour-of-day or timestamped multipliers of the rate), read here.
void read_load_profile(const MapReader& a, const Context& ctx, ServiceSpec& s) {
  if (!a.has("profile")) {
    return;
  }
  auto& d = a.diagnostics();
  const auto node = a.get("profile");
  std::string name;
  std::string path = a.path("profile");
  YAML::Node at = node;
  std::optional<std::int64_t> offset_s;
  YAML::Node offset_at;
  std::string offset_path;
  // A daily profile in the users' local time, shifted to UTC.
  const auto shift = [&](models::LoadProfile p) -> std::optional<models::LoadProfile> {
    if (!offset_s) {
      return p;
    }
    try {
      return p.with_utc_offset(*offset_s);
    } catch (const std::invalid_argument& e) {
      report(d, offset_at, offset_path, e.what());
      return std::nullopt;
    }
  };
  if (node.IsScalar()) {
    name = node.Scalar();
  } else {
    MapReader p(node, path, d, {"profile", "file", "utc_offset"});
    if (!p.valid()) {
      return;
    }
    if (p.has("utc_offset")) {
      const auto off = p.quantity<units::Seconds>("utc_offset", false, Sign::kAny);
      if (off) {
        offset_s = static_cast<std::int64_t>(std::llround(units::to_seconds(*off)));
        offset_at = p.get("utc_offset");
        offset_path = p.path("utc_offset");
      } else {
        return;
      }
    }
    const auto prof = p.text("profile", false);
    const auto file = p.text("file", false);
    if (prof && file) {
      report(d, node, path, "give profile or file, not both");
      return;
    }
    if (!prof && !file) {
      report(d, node, path,
             "missing required key \"profile\" (built in) or \"file\" (a CSV of multipliers)");
      return;
    }
    if (file) {
      const auto resolved = resolve_file(*file, ctx, p, "file");
      if (resolved.empty()) {
        return;
      }
      try {
        s.profile = shift(models::load_load_profile_csv(resolved));
        s.profile_given = *file;
        s.profile_file = resolved;
      } catch (const InputError& e) {
        for (const auto& item : e.diagnostics()) {
          d.add(item);
        }
      }
      s.profile_path = p.path("file");
      return;
    }
    name = *prof;
    at = p.get("profile");
    path = p.path("profile");
  }
  s.profile_path = path;
  if (auto b = models::builtin_load_profile(name)) {
    s.profile = shift(std::move(*b));
    return;
  }
  const auto names = models::builtin_load_profile_names();
  const auto hint = closest_match(name, names);
  report(
      d, at, path,
      hint.empty()
          ? fmt::format("unknown load profile \"{}\" (built in: {})", name, fmt::join(names, ", "))
          : fmt::format("unknown load profile \"{}\" (did you mean \"{}\"?)", name, hint));
}

/// requests: { arrival: { at | rate | file, start, limit, profile }, count, prompt_tokens,
/// output_tokens }.
void read_requests(const MapReader& r, const Context& ctx, ServiceSpec& s) {
  auto& d = r.diagnostics();
  if (!r.has("requests")) {
    r.missing("requests");
    return;
  }
  MapReader q(r.get("requests"), r.path("requests"), d,
              {"arrival", "count", "prompt_tokens", "output_tokens"});
  if (!q.valid()) {
    return;
  }
  s.count = q.count("count", false, 0);
  if (!q.has("arrival")) {
    q.missing("arrival");
    return;
  }
  MapReader a(q.get("arrival"), q.path("arrival"), d,
              {"at", "rate", "file", "start", "limit", "profile"});
  if (!a.valid()) {
    return;
  }
  const int kinds = (a.has("at") ? 1 : 0) + (a.has("rate") ? 1 : 0) + (a.has("file") ? 1 : 0);
  if (kinds != 1) {
    report(d, a.node(), a.path(), "give one of at (all at once), rate or file");
    return;
  }
  s.start = a.quantity<units::Seconds>("start", false, Sign::kNonNegative)
                .value_or(units::Seconds::zero());
  if (a.has("at")) {
    s.arrival = ServiceSpec::Arrival::kAt;
    s.at =
        a.quantity<units::Seconds>("at", true, Sign::kNonNegative).value_or(units::Seconds::zero());
    if (!q.has("count")) {
      report(d, q.node(), q.path("count"), "requests all at once need a count");
    }
  } else if (a.has("rate")) {
    s.arrival = ServiceSpec::Arrival::kRate;
    if (const auto rate = a.quantity<units::EventRate>("rate", true)) {
      s.rate_per_s = rate->si();
    }
    read_load_profile(a, ctx, s);
  } else {
    s.arrival = ServiceSpec::Arrival::kFile;
    if (const auto f = a.text("file", true)) {
      s.file_given = *f;
      s.file = resolve_file(*f, ctx, a, "file");
    }
    s.limit = a.count("limit", false, 1);
    if (q.has("count")) {
      report(d, q.get("count"), q.path("count"),
             "a request file gives its own count: use arrival.limit to take its first N");
    }
  }
  if (a.has("profile") && s.arrival != ServiceSpec::Arrival::kRate) {
    report(d, a.get("profile"), a.path("profile"), "a profile shapes a rate: give rate with it");
  }
  if (a.has("limit") && s.arrival != ServiceSpec::Arrival::kFile) {
    report(d, a.get("limit"), a.path("limit"), "limit applies to a file");
  }
  if (s.arrival == ServiceSpec::Arrival::kFile) {
    for (const char* key : {"prompt_tokens", "output_tokens"}) {
      if (q.has(key)) {
        report(d, q.get(key), q.path(key), "a request file gives each request's tokens");
      }
    }
  } else {
    s.prompt_tokens = read_length(q, "prompt_tokens", true);
    s.output_tokens = read_length(q, "output_tokens", true);
  }
}

/// A Poisson stream without a count runs to the horizon, which must then be given; and a
/// service holds at most kMaxRequests requests (each is kept in memory, about 130 bytes).
void check_request_count(const MapReader& r, const Scenario& sc, const ServiceSpec& s) {
  if (!r.has("requests") || r.bad("requests")) {
    return;
  }
  constexpr double kMaxRequests = 1e9;
  auto& d = r.diagnostics();
  const auto req = r.get("requests");
  const std::string path = r.path("requests");
  if (s.count && static_cast<double>(*s.count) > kMaxRequests) {
    report(d, req["count"], path + ".count",
           fmt::format("{} requests: a service may have at most {:.0e}", *s.count, kMaxRequests));
  }
  if (s.arrival == ServiceSpec::Arrival::kRate && !s.count) {
    if (s.profile && sc.horizon &&
        !s.profile->covers(
            sc.epoch_unix_s + static_cast<std::int64_t>(std::floor(units::to_seconds(s.start))),
            sc.epoch_unix_s +
                static_cast<std::int64_t>(std::ceil(units::to_seconds(*sc.horizon))))) {
      auto at = req["arrival"]["profile"];
      for (const char* k : {"file", "profile"}) {
        if (at.IsMap() && at[k]) {
          at = at[k];
          break;
        }
      }
      report(d, at, s.profile_path,
             fmt::format(
                 "the profile covers {} to {}, but the requests run from {} to the "
                 "horizon, {}: give a profile that covers them",
                 units::format_utc(s.profile->first_s()), units::format_utc(s.profile->end_s()),
                 units::format_utc(sc.epoch_unix_s +
                                   static_cast<std::int64_t>(units::to_seconds(s.start))),
                 units::format_utc(sc.epoch_unix_s +
                                   static_cast<std::int64_t>(units::to_seconds(*sc.horizon)))));
    }
    if (!sc.horizon) {
      report(d, req["arrival"]["rate"], path + ".arrival.rate",
             "a rate without a count runs until the horizon: give requests.count or a top-level "
             "horizon");
    } else if (s.rate_per_s * (s.profile ? s.profile->mean() : 1.0) *
                   std::max(0.0, units::to_seconds(*sc.horizon) - units::to_seconds(s.start)) >
               kMaxRequests) {
      report(
          d, req["arrival"]["rate"], path + ".arrival.rate",
          fmt::format("{:g} /s until the horizon is about {:.3g} requests: a service may have at "
                      "most {:.0e}",
                      s.rate_per_s,
                      s.rate_per_s * (units::to_seconds(*sc.horizon) - units::to_seconds(s.start)),
                      kMaxRequests));
    }
  }
}

void read_slo(const MapReader& r, ServiceSpec& s) {
  if (!r.has("slo")) {
    return;
  }
  MapReader o(r.get("slo"), r.path("slo"), r.diagnostics(), {"ttft", "tpot"});
  if (!o.valid()) {
    return;
  }
  s.slo_ttft = o.quantity<units::Seconds>("ttft", false);
  s.slo_tpot = o.quantity<units::Seconds>("tpot", false);
  if (!o.has("ttft") && !o.has("tpot")) {
    report(r.diagnostics(), o.node(), o.path(), "give ttft, tpot or both");
  }
}

void read_request_rows(const MapReader& r, ServiceSpec& s) {
  if (!r.has("request_rows")) {
    return;
  }
  const auto node = r.get("request_rows");
  if (node.IsScalar() && node.Scalar() == "all") {
    s.all_request_rows = true;
    return;
  }
  if (const auto n = r.count("request_rows", true, 0)) {
    s.request_rows = *n;
  }
}

/// A per-datacenter value: one for every site (a scalar) or a map naming the service's
/// datacenters; `read` reads one value at (node, path). Sites a map leaves out get
/// `fallback` (nullopt: an error).
template <class T, class Read>
void read_per_site(const MapReader& r, const std::string& key, const Scenario& sc,
                   std::vector<ServiceSite>& sites, T ServiceSite::*field,
                   std::optional<T> fallback, Read read) {
  if (!r.has(key)) {
    return;
  }
  auto& d = r.diagnostics();
  const auto node = r.get(key);
  if (!node.IsMap()) {
    if (const auto v = read(node, r.path(key))) {
      for (auto& site : sites) {
        site.*field = *v;
      }
    }
    return;
  }
  std::vector<bool> given(sites.size(), false);
  std::vector<std::string> names;
  for (const auto& site : sites) {
    names.push_back(sc.datacenters[site.datacenter].name);
  }
  for (const auto& kv : node) {
    const auto name = kv.first.as<std::string>();
    const auto path = r.path(key) + "." + name;
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      const auto hint = closest_match(name, names);
      report(d, kv.first, path,
             fmt::format("{} is not one of the service's datacenters ({}){}", name,
                         fmt::join(names, ", "),
                         hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
      continue;
    }
    const auto k = static_cast<std::size_t>(it - names.begin());
    given[k] = true;
    if (const auto v = read(kv.second, path)) {
      sites[k].*field = *v;
    }
  }
  for (std::size_t k = 0; k < sites.size(); ++k) {
    if (!given[k]) {
      if (fallback) {
        sites[k].*field = *fallback;
      } else {
        report(d, node, r.path(key), fmt::format("no {} given for datacenter {}", key, names[k]));
      }
    }
  }
}

/// datacenter: NAME, or datacenters: [NAME, ...]; then replicas, reserve and latency, each
/// one value or a map by datacenter; autoscale; routing.
void read_sites(const MapReader& r, const NameIndex& dcs, const Scenario& sc, ServiceSpec& s) {
  auto& d = r.diagnostics();
  if (r.has("datacenter") && r.has("datacenters")) {
    report(d, r.get("datacenters"), r.path("datacenters"),
           "give datacenter (one) or datacenters (a list), not both");
    return;
  }
  if (r.has("datacenters")) {
    const auto list = r.get("datacenters");
    if (!list.IsSequence() || list.size() == 0) {
      report(d, list, r.path("datacenters"), "expected a list of datacenter names");
      return;
    }
    for (std::size_t k = 0; k < list.size(); ++k) {
      const auto path = fmt::format("{}[{}]", r.path("datacenters"), k);
      if (!list[k].IsScalar()) {
        report(d, list[k], path, "expected a datacenter name");
        continue;
      }
      const auto idx = resolve_name(dcs, d, list[k], path, "datacenter", list[k].Scalar());
      if (!idx) {
        continue;
      }
      if (std::any_of(s.sites.begin(), s.sites.end(),
                      [&](const ServiceSite& x) { return x.datacenter == *idx; })) {
        report(d, list[k], path, fmt::format("{} is listed twice", list[k].Scalar()));
        continue;
      }
      s.sites.push_back({*idx, 1, 0, units::Seconds::zero()});
    }
    if (s.sites.size() != list.size()) {
      s.sites.clear();
      return;
    }
  } else if (const auto dc = resolve(dcs, r, "datacenter", "datacenter")) {
    s.sites.push_back({*dc, 1, 0, units::Seconds::zero()});
  } else {
    if (!r.has("datacenter")) {
      r.missing("datacenter");
    }
    return;
  }
  const auto count = [&](std::int64_t min) {
    return [&d, min](const YAML::Node& n, const std::string& path) -> std::optional<std::int64_t> {
      const auto v = read_number(d, n, path);
      if (!v) {
        return std::nullopt;
      }
      if (*v < static_cast<double>(min) || std::floor(*v) != *v) {
        report(d, n, path, fmt::format("expected a whole number >= {}", min));
        return std::nullopt;
      }
      return static_cast<std::int64_t>(*v);
    };
  };
  if (r.has("autoscale") && r.has("replicas")) {
    report(d, r.get("replicas"), r.path("replicas"),
           "with autoscale, give the replicas' bounds there (min, max), not replicas");
  } else {
    read_per_site<std::int64_t>(r, "replicas", sc, s.sites, &ServiceSite::replicas, std::nullopt,
                                count(1));
  }
  read_per_site<std::int64_t>(r, "reserve", sc, s.sites, &ServiceSite::reserve, 0, count(0));
  read_per_site<units::Seconds>(
      r, "latency", sc, s.sites, &ServiceSite::latency, units::Seconds::zero(),
      [&d](const YAML::Node& n, const std::string& path) -> std::optional<units::Seconds> {
        if (!n.IsScalar()) {
          report(d, n, path, "expected a latency with its unit (35 ms)");
          return std::nullopt;
        }
        try {
          const auto v = units::parse_as<units::Seconds>(n.Scalar());
          if (v < units::Seconds::zero()) {
            report(d, n, path, "a latency cannot be negative");
            return std::nullopt;
          }
          return v;
        } catch (const units::UnitError& e) {
          report(d, n, path, e.what());
          return std::nullopt;
        }
      });
  if (r.has("autoscale")) {
    MapReader a(r.get("autoscale"), r.path("autoscale"), d,
                {"min", "max", "target", "window", "startup", "lend"});
    if (a.valid()) {
      models::AutoscaleConfig c;
      const auto lo = a.count("min", true, 1);
      const auto hi = a.count("max", true, 1);
      if (const auto t = a.fraction("target", false)) {
        if (!(*t > 0)) {
          report(d, a.get("target"), a.path("target"), "expected a target above 0 %");
        }
        c.target = *t;
      }
      if (const auto w = a.quantity<units::Seconds>("window", false)) {
        c.window = engine::SimTime::from_seconds(units::to_seconds(*w));
      }
      if (const auto st = a.quantity<units::Seconds>("startup", false, Sign::kNonNegative)) {
        c.startup = engine::SimTime::from_seconds(units::to_seconds(*st));
      }
      if (const auto lend = a.text("lend", false)) {
        if (*lend == "true" || *lend == "false") {
          c.lend = *lend == "true";
        } else {
          report(d, a.get("lend"), a.path("lend"),
                 fmt::format("expected true or false (whether training may borrow parked "
                             "replicas' devices), got '{}'",
                             *lend));
        }
        for (const auto& site : s.sites) {
          const auto& dc = sc.datacenters[site.datacenter];
          if (c.lend && !dc.topology.kind.empty()) {
            report(d, a.get("lend"), a.path("lend"),
                   fmt::format("datacenter {} declares a topology: jobs there get blocks of its "
                               "fabric, which the services' devices are not part of; lending "
                               "needs a datacenter without one",
                               dc.name));
          }
        }
      }
      if (lo && hi && *lo > *hi) {
        report(d, a.get("min"), a.path("min"), fmt::format("min ({}) is above max ({})", *lo, *hi));
      } else if (lo && hi) {
        c.min = *lo;
        c.max = *hi;
        for (auto& site : s.sites) {
          site.replicas = *hi;
        }
        s.autoscale = c;
      }
    }
  }
  if (r.has("routing")) {
    MapReader ro(r.get("routing"), r.path("routing"), d, {"policy", "budget"});
    if (ro.valid()) {
      if (const auto p = ro.text("policy", false)) {
        if (*p == "nearest") {
          s.routing = models::Routing::kNearest;
        } else if (*p == "lowest-carbon") {
          s.routing = models::Routing::kLowestCarbon;
        } else {
          report(d, ro.get("policy"), ro.path("policy"),
                 fmt::format("expected nearest or lowest-carbon, got \"{}\"", *p));
        }
      }
      s.latency_budget = ro.quantity<units::Seconds>("budget", false, Sign::kNonNegative);
    }
  }
  s.datacenter = s.sites.empty() ? 0 : s.sites.front().datacenter;
  s.replicas = 0;
  s.reserve = 0;
  for (const auto& site : s.sites) {
    s.replicas += site.replicas;
    s.reserve += site.reserve;
  }
}

/// `power_limit`: the service's own, within (idle, TDP] of its chip; else its datacenters',
/// which must agree (one replica model serves every site).
void read_service_power_limit(const MapReader& r, const Scenario& sc,
                              const models::AcceleratorType* chip, ServiceSpec& s) {
  if (r.has("power_limit")) {
    s.serving.power_limit = r.quantity<units::Watts>("power_limit", false, Sign::kPositive);
    if (s.serving.power_limit && chip) {
      if (const auto problem = power_limit_problem(*s.serving.power_limit, *chip)) {
        report(r.diagnostics(), r.get("power_limit"), r.path("power_limit"), *problem);
        s.serving.power_limit.reset();
      }
    }
    return;
  }
  for (std::size_t k = 0; k < s.sites.size(); ++k) {
    const auto dc = s.sites[k].datacenter;
    if (dc >= sc.datacenters.size()) {
      continue;
    }
    const auto& limit = sc.datacenters[dc].power_limit;
    if (k == 0) {
      s.serving.power_limit = limit;
    } else if (limit != s.serving.power_limit) {
      const std::string key = r.has("datacenters") ? "datacenters" : "datacenter";
      report(r.diagnostics(), r.get(key), r.path(key),
             fmt::format("its datacenters limit devices differently (\"{}\" and \"{}\"); a "
                         "service has one power limit: give the service its own power_limit",
                         sc.datacenters[s.sites.front().datacenter].name, sc.datacenters[dc].name));
      s.serving.power_limit.reset();
      return;
    }
  }
}

ServiceSpec read_service(const YAML::Node& node, std::size_t i, const Context& ctx,
                         const NameIndex& dcs, Scenario& sc, bool& complete) {
  auto& d = ctx.d;
  const auto path = item_path("services", i);
  MapReader r(
      node, path, d,
      {"name",        "datacenter", "datacenters",  "accelerator",      "model",
       "precision",   "replica",    "replicas",     "reserve",          "autoscale",
       "latency",     "routing",    "max_batch",    "max_batch_tokens", "memory_utilisation",
       "requests",    "slo",        "request_rows", "fidelity",         "disaggregated",
       "power_limit", "admission"});
  ServiceSpec s;
  complete = false;
  if (!r.valid()) {
    return s;
  }
  const auto before = d.items().size();
  s.name = r.text("name", true).value_or("");
  read_sites(r, dcs, sc, s);
  const models::AcceleratorType* chip = nullptr;
  if (const auto a = r.text("accelerator", true)) {
    chip = resolve_accelerator(sc.accelerators, d, r.get("accelerator"), r.path("accelerator"), *a);
  }
  if (r.has("model")) {
    if (const auto shape = read_job_model(r, d)) {
      if (!shape->transformer) {
        report(d, r.get("model"), r.path("model"),
               "a service needs the model's architecture (layers, d_model, d_ff, heads, "
               "vocabulary, sequence, ...), not only its parameter counts");
      } else if (shape->transformer->scores == models::AttentionScores::kMaterialised) {
        const YAML::Node attention = r.get("model")["attention"];
        report(d, attention["scores"], r.path("model") + ".attention.scores",
               "a service's attention is modelled with fused kernels (paged attention keeps "
               "no scores in memory): materialised scores apply to training jobs");
      } else {
        s.serving.model = *shape->transformer;
      }
    }
  } else {
    r.missing("model");
  }
  read_precision(r, s.serving);
  read_replica(r, s.serving);
  s.serving.max_batch = r.count("max_batch", false, 1).value_or(256);
  s.serving.max_batch_tokens = r.count("max_batch_tokens", false, 1).value_or(8192);
  if (const auto a = r.text("admission", false)) {
    if (*a == "whole_sequence") {
      s.serving.admission = models::Admission::kWholeSequence;
    } else if (*a != "prompt") {
      report(d, r.get("admission"), r.path("admission"),
             fmt::format("expected prompt or whole_sequence, got \"{}\"", *a));
    }
  }
  if (const auto u = r.fraction("memory_utilisation", false)) {
    if (!(*u > 0)) {
      report(d, r.get("memory_utilisation"), r.path("memory_utilisation"), "must be positive");
    }
    s.serving.memory_utilisation = *u;
  }
  if (r.has("disaggregated")) {
    MapReader g(r.get("disaggregated"), r.path("disaggregated"), d, {"prefill", "decode"});
    if (g.valid()) {
      const auto pre = g.count("prefill", true, 1);
      const auto dec = g.count("decode", true, 1);
      const char* clash = r.has("replicas")    ? "replicas"
                          : r.has("autoscale") ? "autoscale"
                          : s.sites.size() > 1 ? "datacenters"
                                               : nullptr;
      if (clash != nullptr) {
        report(d, r.get("disaggregated"), r.path("disaggregated"),
               fmt::format("disaggregated pools are their own replicas, in one datacenter and "
                           "not autoscaled: not with {}",
                           clash));
      } else if (pre && dec) {
        s.disaggregated = models::Disaggregation{*pre, *dec};
        s.sites.front().replicas = *pre + *dec;
        s.replicas = *pre + *dec;
      }
    }
  }
  if (const auto f = r.text("fidelity", false)) {
    if (*f == "iteration") {
      s.fidelity = models::Fidelity::kIteration;
    } else if (*f == "request") {
      s.fidelity = models::Fidelity::kRequest;
    } else {
      report(d, r.get("fidelity"), r.path("fidelity"),
             fmt::format("expected iteration or request, got \"{}\"", *f));
    }
  }
  read_service_power_limit(r, sc, chip, s);
  read_requests(r, ctx, s);
  check_request_count(r, sc, s);
  read_slo(r, s);
  read_request_rows(r, s);
  if (d.items().size() != before || s.sites.empty() || chip == nullptr) {
    return s;
  }
  s.accelerator = chip->name;
  // The replica on its chip: the layout divides the model, the weights fit with room for
  // one sequence's KV cache.
  try {
    const auto& spec = sc.datacenters[s.datacenter];
    const models::ServingModel model(s.serving, *chip, models::job_network(*chip, spec.network));
    (void)model;
  } catch (const std::invalid_argument& e) {
    report(d, r.get("replica"), r.path("replica"), e.what());
    return s;
  }
  if (s.arrival == ServiceSpec::Arrival::kFile && s.file.empty()) {
    return s;
  }
  complete = true;
  return s;
}

}  // namespace

void read_services(const YAML::Node& root, const Context& ctx, const NameIndex& datacenters,
                   Scenario& sc) {
  auto& d = ctx.d;
  const auto nodes = list_items(root, "services", false, d);
  std::vector<ServiceSpec> services;
  std::vector<bool> complete;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    bool ok = false;
    services.push_back(read_service(nodes[i], i, ctx, datacenters, sc, ok));
    complete.push_back(ok);
  }
  index_names(services, nodes, "services", d);
  for (const auto& s : services) {
    if (!s.profile_file.empty()) {
      sc.inputs.emplace_back(s.profile_given, s.profile_file);
    }
  }
  // Each datacenter must hold every service's replicas and reserve; they are set apart.
  for (std::size_t i = 0; i < services.size(); ++i) {
    if (!complete[i]) {
      continue;
    }
    const auto& s = services[i];
    for (const auto& site : s.sites) {
      auto& dc = sc.datacenters[site.datacenter];
      const std::int64_t need = (site.replicas + site.reserve) * s.serving.layout.devices();
      auto it = std::find_if(dc.inventory.begin(), dc.inventory.end(), [&](const InventoryItem& x) {
        return x.accelerator == s.accelerator;
      });
      const std::int64_t free = it == dc.inventory.end() ? 0 : it->count - it->services;
      if (need > free) {
        const char* key = s.autoscale ? "autoscale" : "replicas";
        report(d, nodes[i][key] ? nodes[i][key] : nodes[i], item_path("services", i) + "." + key,
               fmt::format("{} {} and {} in reserve of {} {} need {} devices, but datacenter {} "
                           "has {} {} left for them",
                           site.replicas, s.autoscale ? "replicas at most" : "replicas",
                           site.reserve, s.serving.layout.devices(), s.accelerator, need, dc.name,
                           free, s.accelerator));
        continue;
      }
      it->services += need;
    }
  }
  sc.services = std::move(services);
}

}  // namespace footprint::scenario::parse
