// What the sections of a scenario file share: references by name, lists, data files and
// series.
#include <filesystem>

#include <fmt/format.h>

#include "sim/app/scenario/parse.hpp"

namespace footprint::scenario::parse {

namespace {

std::vector<std::string> keys_of(const NameIndex& m) {
  std::vector<std::string> k;
  k.reserve(m.size());
  for (const auto& kv : m) {
    k.push_back(kv.first);
  }
  return k;
}

}  // namespace

std::string item_path(const std::string& list, std::size_t i) {
  return fmt::format("{}[{}]", list, i);
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

std::optional<std::size_t> resolve_name(const NameIndex& names, Diagnostics& d,
                                        const YAML::Node& at, const std::string& path,
                                        const std::string& what, const std::string& name) {
  const auto it = names.find(name);
  if (it != names.end()) {
    return it->second;
  }
  const auto all = keys_of(names);
  const auto hint = closest_match(name, all);
  report(d, at, path,
         hint.empty()
             ? fmt::format("unknown {} \"{}\" (known: {})", what, name, fmt::join(all, ", "))
             : fmt::format("unknown {} \"{}\" (did you mean \"{}\"?)", what, name, hint));
  return std::nullopt;
}

std::optional<std::size_t> resolve(const NameIndex& names, const MapReader& r,
                                   const std::string& key, const std::string& what) {
  const auto name = r.text(key, true);
  if (!name) {
    return std::nullopt;
  }
  return resolve_name(names, r.diagnostics(), r.get(key), r.path(key), what, *name);
}

std::optional<std::string> power_limit_problem(units::Watts limit,
                                               const models::AcceleratorType& type) {
  if (limit <= type.idle) {
    return fmt::format(
        "{:g} W is not above the {} idle power of {:g} W: a device limited there "
        "could not run",
        units::to_watts(limit), type.name, units::to_watts(type.idle));
  }
  if (limit > type.tdp) {
    return fmt::format(
        "{:g} W is above the {} TDP of {:g} W: the limit goes from the idle power "
        "(exclusive) to the TDP",
        units::to_watts(limit), type.name, units::to_watts(type.tdp));
  }
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

std::string resolve_file(const std::string& name, const Context& ctx, const MapReader& r,
                         const std::string& key) {
  namespace fs = std::filesystem;
  const fs::path p(name);
  std::vector<fs::path> tried;
  if (p.is_absolute()) {
    tried.push_back(p);
  } else {
    tried.push_back(ctx.scenario_dir / p);
    for (const auto& dir : ctx.options.data_dirs) {
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

std::optional<SeriesSource> read_series(const MapReader& parent, const std::string& key,
                                        const Context& ctx, bool intensity) {
  MapReader r(parent.get(key), parent.path(key), parent.diagnostics(),
              {"file", "profile", "repeat", "max_gap", "kind"});
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
           "missing required key \"file\" (a CSV time series) or \"profile\" (built in)");
    return std::nullopt;
  }
  if (file) {
    s.given = *file;
    s.file = resolve_file(*file, ctx, r, "file");
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
  if (const auto kind = r.text("kind", false)) {
    if (!intensity) {
      report(r.diagnostics(), r.get("kind"), r.path("kind"),
             "kind (average or marginal) is for a region's intensity series");
    } else if (*kind == "marginal") {
      s.marginal = true;
      if (profile) {
        report(r.diagnostics(), r.get("kind"), r.path("kind"),
               "the built-in profiles are average intensities: a marginal signal is a file");
      }
    } else if (*kind != "average") {
      report(r.diagnostics(), r.get("kind"), r.path("kind"),
             fmt::format("expected average or marginal, got \"{}\"", *kind));
    }
  }
  return s;
}

}  // namespace footprint::scenario::parse
