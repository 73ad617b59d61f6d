#include "sim/app/sweep/sweep.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <tuple>

#include <fmt/format.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <yaml-cpp/yaml.h>

#include "sim/app/scenario/run.hpp"
#include "sim/app/scenario/yaml_reader.hpp"
#include "sim/engine/random.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/hash/sha256.hpp"

namespace footprint::sweep {

namespace fs = std::filesystem;

namespace {

/// "SWEEP" in ASCII: the stream of replica seeds.
constexpr std::uint64_t kReplicaStream = 0x5357454550ULL;
/// Bits kept of a replica seed: exact as a double (JSON, YAML readers) and as int64.
constexpr unsigned kSeedBits = 53;
/// More points than this is almost certainly a mistake in the axes.
constexpr std::size_t kMaxPoints = 1'000'000;

/// One step of a key path: a mapping key, a list position, or a list item by field.
struct Step {
  enum class Kind { kKey, kIndex, kMatch };
  Kind kind = Kind::kKey;
  std::string key;  ///< kKey: the key; kMatch: the field ("name")
  std::string value;
  std::size_t index = 0;
};

bool key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
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
    const std::string inner = path.substr(i + 1, close - i - 1);
    const auto eq = inner.find('=');
    if (eq == std::string::npos) {
      if (inner.empty() || !std::all_of(inner.begin(), inner.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c)) != 0;
          })) {
        why = fmt::format("\"[{}]\" is neither a position [N] nor a match [field=value]", inner);
        return std::nullopt;
      }
      steps.push_back({Step::Kind::kIndex, {}, {}, std::stoul(inner)});
    } else {
      const std::string field = inner.substr(0, eq);
      const std::string value = inner.substr(eq + 1);
      if (field.empty() || value.empty() || !std::all_of(field.begin(), field.end(), key_char)) {
        why = fmt::format("\"[{}]\" is not a match of the form [field=value]", inner);
        return std::nullopt;
      }
      steps.push_back({Step::Kind::kMatch, field, value, 0});
    }
    i = close + 1;
  }
  if (need_key) {
    why = steps.empty() ? "the path is empty" : "the path ends with '.'";
    return std::nullopt;
  }
  return steps;
}

/// A path resolved against the base scenario: keys and list positions only, and how the
/// scenario's own diagnostics spell it ("datacenters[1].pue").
struct Resolved {
  std::vector<Step> steps;  ///< kKey or kIndex
  std::string display;
};

std::string scalar_of(const YAML::Node& n) {
  return n.IsScalar() ? n.Scalar() : std::string{};
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
      if (!node.IsMap()) {
        why = fmt::format("{} is not a mapping, so it has no key \"{}\"",
                          out.display.empty() ? "the scenario" : out.display, st.key);
        return std::nullopt;
      }
      const YAML::Node child = node[st.key];
      if (!child.IsDefined() && !last) {
        std::vector<std::string> keys;
        for (const auto& kv : node) {
          keys.push_back(kv.first.as<std::string>());
        }
        const auto near = footprint::closest_match(st.key, keys);
        why = fmt::format("{} has no key \"{}\"{}",
                          out.display.empty() ? "the scenario" : out.display, st.key,
                          near.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", near));
        return std::nullopt;
      }
      out.display += (out.display.empty() ? "" : ".") + st.key;
      out.steps.push_back({Step::Kind::kKey, st.key, {}, 0});
      if (!last) {
        node.reset(child);
      }
      continue;
    }
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
    } else {
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
      if (hits.size() != 1) {
        const auto near = footprint::closest_match(st.value, names);
        why = hits.empty()
                  ? fmt::format("no item of {} has {} \"{}\"{}", out.display, st.key, st.value,
                                near.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", near))
                  : fmt::format("{} items of {} have {} \"{}\"", hits.size(), out.display, st.key,
                                st.value);
        return std::nullopt;
      }
      index = hits.front();
    }
    out.display += fmt::format("[{}]", index);
    out.steps.push_back({Step::Kind::kIndex, {}, {}, index});
    if (!last) {
      YAML::Node child = node[index];
      node.reset(child);
    }
  }
  return out;
}

/// Sets the value at a resolved path of `root` to a copy of `value` (a copy: sharing the
/// sweep file's node would tie every point's memory to the sweep's, which yaml-cpp merges
/// at a cost growing with the number of points).
void apply(const YAML::Node& root, const Resolved& r, const YAML::Node& value) {
  YAML::Node node = root;
  for (std::size_t s = 0; s + 1 < r.steps.size(); ++s) {
    const Step& st = r.steps[s];
    YAML::Node child = st.kind == Step::Kind::kKey ? node[st.key] : node[st.index];
    node.reset(child);
  }
  const Step& last = r.steps.back();
  if (last.kind == Step::Kind::kKey) {
    node[last.key] = YAML::Clone(value);
  } else {
    node[last.index] = YAML::Clone(value);
  }
}

std::string flow_text(const YAML::Node& value) {
  if (value.IsScalar()) {
    return value.Scalar();
  }
  YAML::Emitter e;
  e << YAML::Flow << value;
  return e.c_str();
}

/// One axis: a plain path, or a zipped group of paths.
struct Axis {
  std::string name;
  struct Member {
    std::string path;
    Resolved resolved;
    std::vector<YAML::Node> values;
    YAML::Mark mark;  ///< of the path in the sweep file
  };
  std::vector<Member> members;
  [[nodiscard]] std::size_t size() const { return members.front().values.size(); }
};

bool is_prefix(const std::string& a, const std::string& b) {
  return b.size() > a.size() && b.compare(0, a.size(), a) == 0 &&
         (b[a.size()] == '.' || b[a.size()] == '[');
}

/// Problems found in the points' scenarios, each reported once with the first point it
/// occurred in and how many points share it.
class PointProblems {
 public:
  void add(Diagnostic d, std::size_t point) {
    std::lock_guard lock(mutex_);
    auto it = seen_.find(std::make_tuple(d.file, d.line, d.column, d.path, d.message));
    if (it != seen_.end()) {
      ++items_[it->second].count;
      items_[it->second].first = std::min(items_[it->second].first, point);
      return;
    }
    seen_.emplace(std::make_tuple(d.file, d.line, d.column, d.path, d.message), items_.size());
    items_.push_back({std::move(d), point, 1});
  }
  /// In a fixed order (points were checked in parallel): by first point, then place.
  void report_to(Diagnostics& out, const Sweep& sw) {
    std::sort(items_.begin(), items_.end(), [](const Item& a, const Item& b) {
      return std::tie(a.first, a.d.file, a.d.line, a.d.column, a.d.path, a.d.message) <
             std::tie(b.first, b.d.file, b.d.line, b.d.column, b.d.path, b.d.message);
    });
    for (auto& item : items_) {
      item.d.message += item.count == 1 ? fmt::format(" [in point {}]", sw.describe(item.first))
                                        : fmt::format(" [in {} points, the first {}]", item.count,
                                                      sw.describe(item.first));
      out.add(std::move(item.d));
    }
  }

 private:
  struct Item {
    Diagnostic d;
    std::size_t first;
    std::size_t count;
  };
  std::mutex mutex_;
  std::map<std::tuple<std::string, int, int, std::string, std::string>, std::size_t> seen_;
  std::vector<Item> items_;
};

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

}  // namespace

std::string Sweep::point_file(std::size_t index) {
  return fmt::format("points/p{:06}.h5", index);
}

std::string Sweep::describe(std::size_t index) const {
  const Point& p = points.at(index);
  std::string s = fmt::format("{}", index);
  if (replicas > 1) {
    s += fmt::format(" replica {}", p.replica);
  }
  if (!columns.empty()) {
    s += " (";
    for (std::size_t c = 0; c < columns.size(); ++c) {
      s += fmt::format("{}{}={}", c == 0 ? "" : ", ", columns[c].path, p.values[c]);
    }
    s += ")";
  }
  return s;
}

std::uint64_t replica_seed(std::uint64_t base, std::size_t r) {
  engine::RandomStream s(base, kReplicaStream, r);
  return s.next() >> (64U - kSeedBits);
}

Sweep load_sweep(const fs::path& file, const SweepLoadOptions& options) {
  Sweep sw;
  sw.file = file;
  Diagnostics d(file.string());
  sw.text = read_text(file, d, "sweep file");
  d.throw_if_any();
  YAML::Node root;
  try {
    root = YAML::Load(sw.text);
  } catch (const YAML::Exception& e) {
    d.error(e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg);
    d.throw_if_any();
  }
  if (!root.IsDefined() || root.IsNull()) {
    d.error("", "the sweep file is empty");
    d.throw_if_any();
  }
  scenario::MapReader top(root, "", d, {"sweep", "description", "base", "replicas", "axes"});
  if (!top.valid()) {
    d.throw_if_any();
  }
  sw.name = top.text("sweep", true).value_or("");
  top.text("description", false);
  sw.base_given = top.text("base", true).value_or("");
  sw.replicas = static_cast<std::size_t>(top.count("replicas", false, 1).value_or(1));
  d.throw_if_any();

  // The base scenario, relative to the sweep file; it must be valid on its own.
  sw.base_path = fs::path(sw.base_given).is_absolute()
                     ? fs::path(sw.base_given)
                     : file.parent_path() / fs::path(sw.base_given);
  {
    std::error_code ec;
    if (!fs::exists(sw.base_path, ec) || fs::is_directory(sw.base_path, ec)) {
      scenario::report(d, top.get("base"), "base",
                       fmt::format("no scenario file at {}", sw.base_path.string()));
      d.throw_if_any();
    }
  }
  Diagnostics bd(sw.base_path.string());
  const std::string base_text = read_text(sw.base_path, bd, "base scenario");
  bd.throw_if_any();
  const auto base = scenario::parse_scenario(base_text, sw.base_path.string(), options.scenario);
  const YAML::Node base_root = YAML::Load(base_text);

  // Axes, in file order.
  std::vector<Axis> axes;
  if (top.has("axes")) {
    const YAML::Node an = top.get("axes");
    if (!an.IsMap()) {
      scenario::report(d, an, "axes", "expected a mapping of key paths to lists of values");
    } else {
      auto read_member = [&](const YAML::Node& key, const YAML::Node& values,
                             const std::string& where) -> std::optional<Axis::Member> {
        const std::string path = key.as<std::string>();
        std::string why;
        const auto steps = parse_path(path, why);
        if (!steps) {
          scenario::report(d, key, where, fmt::format("bad key path \"{}\": {}", path, why));
          return std::nullopt;
        }
        auto resolved = resolve(base_root, *steps, why);
        if (!resolved) {
          scenario::report(
              d, key, where,
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
      };
      for (const auto& kv : an) {
        const std::string name = kv.first.as<std::string>();
        const std::string where = "axes." + name;
        if (kv.second.IsMap()) {
          scenario::MapReader g(kv.second, where, d, {"zip"});
          if (!g.valid()) {
            continue;
          }
          if (!g.has("zip")) {
            g.missing("zip");
            continue;
          }
          const YAML::Node zn = g.get("zip");
          if (!zn.IsMap() || zn.size() == 0) {
            scenario::report(d, zn, where + ".zip",
                             "expected a mapping of key paths to lists of values");
            continue;
          }
          Axis axis{name, {}};
          bool ok = true;
          for (const auto& zkv : zn) {
            auto m =
                read_member(zkv.first, zkv.second, where + ".zip." + zkv.first.as<std::string>());
            if (!m) {
              ok = false;
              continue;
            }
            if (!axis.members.empty() && m->values.size() != axis.members.front().values.size()) {
              scenario::report(
                  d, zkv.second, where + ".zip." + m->path,
                  fmt::format("has {} values but \"{}\" has {}: a zipped group's lists "
                              "must have the same length",
                              m->values.size(), axis.members.front().path,
                              axis.members.front().values.size()));
              ok = false;
              continue;
            }
            axis.members.push_back(std::move(*m));
          }
          if (ok) {
            axes.push_back(std::move(axis));
          }
          continue;
        }
        if (auto m = read_member(kv.first, kv.second, where)) {
          axes.push_back({name, {std::move(*m)}});
        }
      }
    }
  }
  d.throw_if_any();

  // No path may lie inside another (a later value would write into an earlier one).
  std::vector<std::pair<const Axis::Member*, const YAML::Node*>> all;
  for (const auto& a : axes) {
    for (const auto& m : a.members) {
      sw.columns.push_back({m.path, a.name});
      all.emplace_back(&m, nullptr);
    }
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (std::size_t j = 0; j < all.size(); ++j) {
      const auto& a = all[i].first->resolved.display;
      const auto& b = all[j].first->resolved.display;
      if (i < j && a == b) {
        d.error("axes", fmt::format("\"{}\" and \"{}\" name the same key ({})", all[i].first->path,
                                    all[j].first->path, a));
      } else if (i != j && is_prefix(a, b)) {
        d.error("axes", fmt::format("\"{}\" lies inside \"{}\": give one or the other",
                                    all[j].first->path, all[i].first->path));
      }
    }
  }
  d.throw_if_any();

  std::size_t count = sw.replicas;
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

  // Expand every point: the base with its values, then the replica's seed.
  PointProblems problems;
  std::vector<scenario::Scenario> scenarios;
  scenarios.reserve(count);
  sw.points.reserve(count);
  // Which value of each axis a point takes (first axis slowest, replica fastest).
  auto digits_of = [&](std::size_t p) {
    std::vector<std::size_t> digit(axes.size(), 0);
    std::size_t rest = p / sw.replicas;
    for (std::size_t a = axes.size(); a-- > 0;) {
      digit[a] = rest % axes[a].size();
      rest /= axes[a].size();
    }
    return digit;
  };
  // A problem at or under a path a point's value replaced is the sweep file's: located at
  // that value.
  auto relocate = [&](Diagnostic& diag, std::size_t p) {
    if (diag.file != sw.base_path.string()) {
      return;
    }
    const auto digit = digits_of(p);
    for (std::size_t a = 0; a < axes.size(); ++a) {
      for (const auto& m : axes[a].members) {
        const auto& at = m.resolved.display;
        if (diag.path == at || is_prefix(at, diag.path)) {
          const YAML::Mark mark = m.values[digit[a]].Mark();
          diag.file = file.string();
          diag.line = mark.line + 1;
          diag.column = mark.column + 1;
          return;
        }
      }
    }
  };
  for (std::size_t p = 0; p < count; ++p) {
    const std::size_t replica = p % sw.replicas;
    const auto digit = digits_of(p);
    Point pt;
    pt.index = p;
    pt.replica = replica;
    YAML::Node tree = YAML::Load(base_text);
    for (std::size_t a = 0; a < axes.size(); ++a) {
      for (const auto& m : axes[a].members) {
        const YAML::Node& v = m.values[digit[a]];
        apply(tree, m.resolved, v);
        pt.values.push_back(flow_text(v));
      }
    }
    std::uint64_t seed = base.seed;
    if (const YAML::Node s = tree["seed"]; s.IsDefined() && s.IsScalar()) {
      try {
        seed = s.as<std::uint64_t>();
      } catch (const YAML::Exception&) {
        // Reported by the scenario's own check below.
      }
    }
    if (sw.replicas > 1) {
      seed = replica_seed(seed, replica);
      tree["seed"] = YAML::Node(seed);  // a new node: a seed axis's value stays as it is
    }
    pt.seed = seed;
    pt.text = YAML::Dump(tree) + "\n";
    pt.sha256 = io::sha256_hex(pt.text);
    try {
      scenarios.push_back(
          scenario::parse_scenario_tree(tree, pt.text, sw.base_path.string(), options.scenario));
    } catch (const InputError& e) {
      for (auto diag : e.diagnostics()) {
        relocate(diag, p);
        problems.add(std::move(diag), p);
      }
      scenarios.emplace_back();
    }
    sw.points.push_back(std::move(pt));
  }
  problems.report_to(d, sw);
  d.throw_if_any();

  // Each point as `footprint check` sees it: data files read, jobs drawn, fabrics formed.
  if (options.deep_check) {
    PointProblems deep;
    const unsigned threads =
        options.threads != 0 ? options.threads : std::max(1U, std::thread::hardware_concurrency());
    tbb::task_arena arena(static_cast<int>(threads));
    arena.execute([&] {
      tbb::parallel_for(std::size_t{0}, scenarios.size(), [&](std::size_t p) {
        try {
          (void)scenario::check_scenario(scenarios[p]);
        } catch (const InputError& e) {
          for (auto diag : e.diagnostics()) {
            relocate(diag, p);
            deep.add(std::move(diag), p);
          }
        }
      });
    });
    deep.report_to(d, sw);
    d.throw_if_any();
  }
  return sw;
}

}  // namespace footprint::sweep
