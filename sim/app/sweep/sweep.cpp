// Sweeps: a sweep file read part by part (parse_sweep.cpp), then expanded into one
// complete scenario per point, each checked before anything runs.
#include "sim/app/sweep/sweep.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>

#include <fmt/format.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <yaml-cpp/yaml.h>

#include "sim/app/scenario/run.hpp"
#include "sim/app/scenario/yaml_reader.hpp"
#include "sim/app/sweep/parse_sweep.hpp"
#include "sim/engine/random.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/hash/sha256.hpp"

namespace footprint::sweep {

namespace {

using parse::Axis;

/// "SWEEP" in ASCII: the stream of replica seeds.
constexpr std::uint64_t kReplicaStream = 0x5357454550ULL;
/// Bits kept of a replica seed: exact as a double (JSON, YAML readers) and as int64.
constexpr unsigned kSeedBits = 53;

/// Sets the value at a resolved path of `root` to a copy of `value` (a copy: sharing the
/// sweep file's node would tie every point's memory to the sweep's, which yaml-cpp merges
/// at a cost growing with the number of points).
void apply(const YAML::Node& root, const parse::Resolved& r, const YAML::Node& value) {
  YAML::Node node = root;
  for (std::size_t s = 0; s + 1 < r.steps.size(); ++s) {
    const parse::Step& st = r.steps[s];
    YAML::Node child = st.kind == parse::Step::Kind::kKey ? node[st.key] : node[st.index];
    node.reset(child);
  }
  const parse::Step& last = r.steps.back();
  if (last.kind == parse::Step::Kind::kKey) {
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

/// The index table's columns: every axis's paths, in file order.
std::vector<AxisColumn> columns_of(const std::vector<Axis>& axes) {
  std::vector<AxisColumn> columns;
  for (const auto& a : axes) {
    for (const auto& m : a.members) {
      columns.push_back({m.path, a.name});
    }
  }
  return columns;
}

/// Which value of each axis point `p` takes (first axis slowest, replica fastest).
std::vector<std::size_t> digits_of(const std::vector<Axis>& axes, std::size_t replicas,
                                   std::size_t p) {
  std::vector<std::size_t> digit(axes.size(), 0);
  std::size_t rest = p / replicas;
  for (std::size_t a = axes.size(); a-- > 0;) {
    digit[a] = rest % axes[a].size();
    rest /= axes[a].size();
  }
  return digit;
}

/// A problem at or under a path that point `p`'s value replaced is the sweep file's:
/// located at that value.
void relocate(Diagnostic& diag, const Sweep& sw, const std::vector<Axis>& axes, std::size_t p) {
  if (diag.file != sw.base_path.string()) {
    return;
  }
  const auto digit = digits_of(axes, sw.replicas, p);
  for (std::size_t a = 0; a < axes.size(); ++a) {
    for (const auto& m : axes[a].members) {
      const auto& at = m.resolved.display;
      if (diag.path == at || parse::is_prefix(at, diag.path)) {
        const YAML::Mark mark = m.values[digit[a]].Mark();
        diag.file = sw.file.string();
        diag.line = mark.line + 1;
        diag.column = mark.column + 1;
        return;
      }
    }
  }
}

/// Point `p`: the base with its values in `tree`, then the replica's seed.
Point make_point(const Sweep& sw, const std::vector<Axis>& axes, const parse::Base& base,
                 std::size_t p, YAML::Node& tree) {
  const auto digit = digits_of(axes, sw.replicas, p);
  Point pt;
  pt.index = p;
  pt.replica = p % sw.replicas;
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
      // Reported by the scenario's own check.
    }
  }
  if (sw.replicas > 1) {
    seed = replica_seed(seed, pt.replica);
    tree["seed"] = YAML::Node(seed);  // a new node: a seed axis's value stays as it is
  }
  pt.seed = seed;
  pt.text = YAML::Dump(tree) + "\n";
  pt.sha256 = io::sha256_hex(pt.text);
  return pt;
}

/// Every point of the sweep, and its scenario as read (empty where it has a problem);
/// throws with the problems of every point.
std::vector<scenario::Scenario> expand_points(Sweep& sw, const std::vector<Axis>& axes,
                                              const parse::Base& base, std::size_t count,
                                              const scenario::LoadOptions& options,
                                              Diagnostics& d) {
  PointProblems problems;
  std::vector<scenario::Scenario> scenarios;
  scenarios.reserve(count);
  sw.points.reserve(count);
  for (std::size_t p = 0; p < count; ++p) {
    YAML::Node tree = YAML::Load(base.text);
    Point pt = make_point(sw, axes, base, p, tree);
    try {
      scenarios.push_back(
          scenario::parse_scenario_tree(tree, pt.text, sw.base_path.string(), options));
    } catch (const InputError& e) {
      for (auto diag : e.diagnostics()) {
        relocate(diag, sw, axes, p);
        problems.add(std::move(diag), p);
      }
      scenarios.emplace_back();
    }
    sw.points.push_back(std::move(pt));
  }
  problems.report_to(d, sw);
  d.throw_if_any();
  return scenarios;
}

/// Each point as `footprint check` sees it: data files read, jobs drawn, fabrics formed.
void check_points(const Sweep& sw, const std::vector<Axis>& axes,
                  const std::vector<scenario::Scenario>& scenarios, unsigned threads,
                  Diagnostics& d) {
  PointProblems deep;
  const unsigned workers =
      threads != 0 ? threads : std::max(1U, std::thread::hardware_concurrency());
  tbb::task_arena arena(static_cast<int>(workers));
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, scenarios.size(), [&](std::size_t p) {
      try {
        (void)scenario::check_scenario(scenarios[p]);
      } catch (const InputError& e) {
        for (auto diag : e.diagnostics()) {
          relocate(diag, sw, axes, p);
          deep.add(std::move(diag), p);
        }
      }
    });
  });
  deep.report_to(d, sw);
  d.throw_if_any();
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

Sweep load_sweep(const std::filesystem::path& file, const SweepLoadOptions& options) {
  Sweep sw;
  sw.file = file;
  Diagnostics d(file.string());
  sw.text = parse::read_text(file, d, "sweep file");
  d.throw_if_any();
  const YAML::Node root = parse::read_yaml(sw.text, d);
  scenario::MapReader top(root, "", d, {"sweep", "description", "base", "replicas", "axes"});
  if (!top.valid()) {
    d.throw_if_any();
  }
  parse::read_settings(top, sw);
  d.throw_if_any();
  const parse::Base base = parse::read_base(top, options.scenario, sw);
  const std::vector<Axis> axes = parse::read_axes(top, base.root);
  d.throw_if_any();
  parse::check_overlaps(axes, d);
  d.throw_if_any();
  sw.columns = columns_of(axes);
  const std::size_t count = parse::count_points(axes, sw.replicas, d);
  const auto scenarios = expand_points(sw, axes, base, count, options.scenario, d);
  if (options.deep_check) {
    check_points(sw, axes, scenarios, options.threads, d);
  }
  return sw;
}

}  // namespace footprint::sweep
