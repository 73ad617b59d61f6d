// Reading a sweep file, part by part: the settings, the base scenario, the axes (key
// paths resolved against the base, each with a list of values or a zipped group of lists)
// and the checks of the axes as a whole. Every problem is located in the sweep file.
#include "sim/app/sweep/parse_sweep.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include "sim/kernel/diagnostics/diagnostics.hpp"

namespace footprint::sweep::parse {

namespace fs = std::filesystem;

namespace {

/// More points than this is almost certainly a mistake in the axes.
constexpr std::size_t kMaxPoints = 1'000'000;

bool key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

/// The bracketed step `[inner]` of a key path: a position [N] or a match [field=value].
std::optional<Step> parse_bracket(const std::string& inner, std::string& why) {
  const auto eq = inner.find('=');
  if (eq == std::string::npos) {
    if (!all_digits(inner)) {
      why = fmt::format("\"[{}]\" is neither a position [N] nor a match [field=value]", inner);
      return std::nullopt;
    }
    return Step{Step::Kind::kIndex, {}, {}, std::stoul(inner)};
  }
  const std::string field = inner.substr(0, eq);
  const std::string value = inner.substr(eq + 1);
  if (field.empty() || value.empty() || !std::all_of(field.begin(), field.end(), key_char)) {
    why = fmt::format("\"[{}]\" is not a match of the form [field=value]", inner);
    return std::nullopt;
  }
  return Step{Step::Kind::kMatch, field, value, 0};
}

/// Parses `a.b[3].c[name=x]`; returns the steps or an explanation.
std::optional<std::vector<Step>> parse_path(const std::string& path, std::string& why) {
  std::vector<Step> steps;
  std::size_t i = 0;
  const std::size_t n = path.size();
  bool need_key = true;
  while (i < n) {
    if (need_key) {
      const std::size_t start = i;
      while (i < n && key_char(path[i])) {
        ++i;
      }
      if (i == start) {
        why = fmt::format("expected a key at character {}", start + 1);
        return std::nullopt;
      }
      steps.push_back({Step::Kind::kKey, path.substr(start, i - start), {}, 0});
      need_key = false;
      continue;
    }
    if (path[i] == '.') {
      ++i;
      need_key = true;
      continue;
    }
    if (path[i] != '[') {
      why = fmt::format("unexpected '{}' at character {}", path[i], i + 1);
      return std::nullopt;
    }
    const auto close = path.find(']', i);
    if (close == std::string::npos) {
      why = fmt::format("'[' at character {} is not closed", i + 1);
      return std::nullopt;
    }
    auto step = parse_bracket(path.substr(i + 1, close - i - 1), why);
    if (!step) {
      return std::nullopt;
    }
    steps.push_back(std::move(*step));
    i = close + 1;
  }
  if (need_key) {
    why = steps.empty() ? "the path is empty" : "the path ends with '.'";
    return std::nullopt;
  }
  return steps;
}

std::string scalar_of(const YAML::Node& n) {
  // A const node's missing key is an invalid node: IsDefined() is false, IsScalar() throws.
  return n.IsDefined() && n.IsScalar() ? n.Scalar() : std::string{};
}

/// How a problem names the node that `display` spells (the root has no display path).
std::string where_of(const std::string& display) {
  return display.empty() ? "the scenario" : display;
}

/// The key step `st` of mapping `node`, reached by `out`; false with an explanation if the
/// node is no mapping or, unless `st` is the last step, has no such key.
bool resolve_key(const YAML::Node& node, const Step& st, bool last, Resolved& out,
                 std::string& why) {
  if (!node.IsMap()) {
    why =
        fmt::format("{} is not a mapping, so it has no key \"{}\"", where_of(out.display), st.key);
    return false;
  }
  if (!node[st.key].IsDefined() && !last) {
    std::vector<std::string> keys;
    for (const auto& kv : node) {
      keys.push_back(kv.first.as<std::string>());
    }
    const auto near = footprint::closest_match(st.key, keys);
    why = fmt::format("{} has no key \"{}\"{}", where_of(out.display), st.key,
                      near.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", near));
    return false;
  }
  out.display += (out.display.empty() ? "" : ".") + st.key;
  out.steps.push_back({Step::Kind::kKey, st.key, {}, 0});
  return true;
}

/// The position in list `node` of the one item whose field `st.key` is `st.value`.
std::optional<std::size_t> match_item(const YAML::Node& node, const Step& st,
                                      const std::string& display, std::string& why) {
  std::vector<std::size_t> hits;
  std::vector<std::string> names;
  for (std::size_t k = 0; k < node.size(); ++k) {
    const YAML::Node item = node[k];
    const auto v = item.IsMap() ? scalar_of(item[st.key]) : std::string{};
    names.push_back(v);
    if (v == st.value) {
      hits.push_back(k);
    }
  }
  if (hits.size() == 1) {
    return hits.front();
  }
  const auto near = footprint::closest_match(st.value, names);
  why = hits.empty()
            ? fmt::format("no item of {} has {} \"{}\"{}", display, st.key, st.value,
                          near.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", near))
            : fmt::format("{} items of {} have {} \"{}\"", hits.size(), display, st.key, st.value);
  return std::nullopt;
}

/// The list step `st` (a position or a match) of `node`, reached by `out`; the position
/// it resolves to, or nullopt with an explanation.
std::optional<std::size_t> resolve_item(const YAML::Node& node, const Step& st, Resolved& out,
                                        std::string& why) {
  if (!node.IsSequence()) {
    why = fmt::format("{} is not a list", out.display);
    return std::nullopt;
  }
  std::size_t index = st.index;
  if (st.kind == Step::Kind::kIndex) {
    if (index >= node.size()) {
      why = fmt::format("{} has {} items; [{}] is out of range", out.display, node.size(), index);
      return std::nullopt;
    }
  } else if (const auto hit = match_item(node, st, out.display, why)) {
    index = *hit;
  } else {
    return std::nullopt;
  }
  out.display += fmt::format("[{}]", index);
  out.steps.push_back({Step::Kind::kIndex, {}, {}, index});
  return index;
}

/// Resolves `steps` in `root`; every step but the last must exist (the last key may be
/// new). Returns nullopt with an explanation.
std::optional<Resolved> resolve(const YAML::Node& root, const std::vector<Step>& steps,
                                std::string& why) {
  Resolved out;
  YAML::Node node = root;  // rebound with reset(), never assigned (that would write)
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const Step& st = steps[s];
    const bool last = s + 1 == steps.size();
    if (st.kind == Step::Kind::kKey) {
      if (!resolve_key(node, st, last, out, why)) {
        return std::nullopt;
      }
      if (!last) {
        const YAML::Node child = node[st.key];
        node.reset(child);
      }
      continue;
    }
    const auto index = resolve_item(node, st, out, why);
    if (!index) {
      return std::nullopt;
    }
    if (!last) {
      YAML::Node child = node[*index];
      node.reset(child);
    }
  }
  return out;
}

/// One key path of an axis and its list of values; nullopt (and a problem at `where`) if
/// the path is malformed, not in the base scenario, or the values are no non-empty list.
std::optional<Axis::Member> read_member(const YAML::Node& key, const YAML::Node& values,
                                        const std::string& where, const YAML::Node& base_root,
                                        Diagnostics& d) {
  const std::string path = key.as<std::string>();
  std::string why;
  const auto steps = parse_path(path, why);
  if (!steps) {
    scenario::report(d, key, where, fmt::format("bad key path \"{}\": {}", path, why));
    return std::nullopt;
  }
  auto resolved = resolve(base_root, *steps, why);
  if (!resolved) {
    scenario::report(d, key, where,
                     fmt::format("key path \"{}\" is not in the base scenario: {}", path, why));
    return std::nullopt;
  }
  if (!values.IsSequence() || values.size() == 0) {
    scenario::report(d, values, where, "expected a non-empty list of values");
    return std::nullopt;
  }
  Axis::Member m{path, std::move(*resolved), {}, key.Mark()};
  for (const auto& v : values) {
    m.values.push_back(v);
  }
  return m;
}

/// A zipped group `{zip: {path: [values], ...}}`: one axis whose lists, all of the same
/// length, advance together. Nullopt if any member has a problem.
std::optional<Axis> read_zip(const std::string& name, const YAML::Node& group,
                             const std::string& where, const YAML::Node& base_root,
                             Diagnostics& d) {
  scenario::MapReader g(group, where, d, {"zip"});
  if (!g.valid()) {
    return std::nullopt;
  }
  if (!g.has("zip")) {
    g.missing("zip");
    return std::nullopt;
  }
  const YAML::Node zn = g.get("zip");
  if (!zn.IsMap() || zn.size() == 0) {
    scenario::report(d, zn, where + ".zip", "expected a mapping of key paths to lists of values");
    return std::nullopt;
  }
  Axis axis{name, {}};
  bool ok = true;
  for (const auto& zkv : zn) {
    auto m = read_member(zkv.first, zkv.second, where + ".zip." + zkv.first.as<std::string>(),
                         base_root, d);
    if (!m) {
      ok = false;
      continue;
    }
    if (!axis.members.empty() && m->values.size() != axis.members.front().values.size()) {
      scenario::report(d, zkv.second, where + ".zip." + m->path,
                       fmt::format("has {} values but \"{}\" has {}: a zipped group's lists "
                                   "must have the same length",
                                   m->values.size(), axis.members.front().path,
                                   axis.members.front().values.size()));
      ok = false;
      continue;
    }
    axis.members.push_back(std::move(*m));
  }
  if (!ok) {
    return std::nullopt;
  }
  return axis;
}

}  // namespace

bool is_prefix(const std::string& a, const std::string& b) {
  return b.size() > a.size() && b.compare(0, a.size(), a) == 0 &&
         (b[a.size()] == '.' || b[a.size()] == '[');
}

std::string read_text(const fs::path& p, Diagnostics& d, const std::string& what) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    d.error("", fmt::format("{} {} is a directory, not a file", what, p.string()));
    return {};
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    d.error("", fmt::format("{} {}: {}", what, p.string(),
                            fs::exists(p, ec) ? "cannot read the file" : "no such file"));
    return {};
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

YAML::Node read_yaml(const std::string& text, Diagnostics& d) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    d.error(e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg);
    d.throw_if_any();
  }
  if (!root.IsDefined() || root.IsNull()) {
    d.error("", "the sweep file is empty");
    d.throw_if_any();
  }
  return root;
}

void read_settings(const scenario::MapReader& top, Sweep& sw) {
  sw.name = top.text("sweep", true).value_or("");
  top.text("description", false);
  sw.base_given = top.text("base", true).value_or("");
  sw.replicas = static_cast<std::size_t>(top.count("replicas", false, 1).value_or(1));
}

Base read_base(const scenario::MapReader& top, const scenario::LoadOptions& options, Sweep& sw) {
  sw.base_path = fs::path(sw.base_given).is_absolute()
                     ? fs::path(sw.base_given)
                     : sw.file.parent_path() / fs::path(sw.base_given);
  std::error_code ec;
  if (!fs::exists(sw.base_path, ec) || fs::is_directory(sw.base_path, ec)) {
    Diagnostics& d = top.diagnostics();
    scenario::report(d, top.get("base"), "base",
                     fmt::format("no scenario file at {}", sw.base_path.string()));
    d.throw_if_any();
  }
  Diagnostics bd(sw.base_path.string());
  Base base;
  base.text = read_text(sw.base_path, bd, "base scenario");
  bd.throw_if_any();
  base.seed = scenario::parse_scenario(base.text, sw.base_path.string(), options).seed;
  base.root = YAML::Load(base.text);
  return base;
}

std::vector<Axis> read_axes(const scenario::MapReader& top, const YAML::Node& base_root) {
  std::vector<Axis> axes;
  if (!top.has("axes")) {
    return axes;
  }
  Diagnostics& d = top.diagnostics();
  const YAML::Node an = top.get("axes");
  if (!an.IsMap()) {
    scenario::report(d, an, "axes", "expected a mapping of key paths to lists of values");
    return axes;
  }
  for (const auto& kv : an) {
    const std::string name = kv.first.as<std::string>();
    const std::string where = "axes." + name;
    if (kv.second.IsMap()) {
      if (auto axis = read_zip(name, kv.second, where, base_root, d)) {
        axes.push_back(std::move(*axis));
      }
    } else if (auto m = read_member(kv.first, kv.second, where, base_root, d)) {
      axes.push_back({name, {std::move(*m)}});
    }
  }
  return axes;
}

void check_overlaps(const std::vector<Axis>& axes, Diagnostics& d) {
  std::vector<const Axis::Member*> all;
  for (const auto& a : axes) {
    for (const auto& m : a.members) {
      all.push_back(&m);
    }
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (std::size_t j = 0; j < all.size(); ++j) {
      const auto& a = all[i]->resolved.display;
      const auto& b = all[j]->resolved.display;
      if (i < j && a == b) {
        d.error("axes", fmt::format("\"{}\" and \"{}\" name the same key ({})", all[i]->path,
                                    all[j]->path, a));
      } else if (i != j && is_prefix(a, b)) {
        d.error("axes", fmt::format("\"{}\" lies inside \"{}\": give one or the other",
                                    all[j]->path, all[i]->path));
      }
    }
  }
}

std::size_t count_points(const std::vector<Axis>& axes, std::size_t replicas, Diagnostics& d) {
  std::size_t count = replicas;
  for (const auto& a : axes) {
    if (count > kMaxPoints / a.size()) {
      count = kMaxPoints + 1;
      break;
    }
    count *= a.size();
  }
  if (count > kMaxPoints) {
    d.error("axes", fmt::format("the sweep has more than {} points", kMaxPoints));
    d.throw_if_any();
  }
  return count;
}

}  // namespace footprint::sweep::parse
