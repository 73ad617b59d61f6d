#include "models/topology/fabric.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/graph/breadth_first_search.hpp>

namespace footprint::models {

namespace {

/// Accelerator ids are 32-bit and the graph has a few vertices more than accelerators.
constexpr std::int64_t kMaxAccelerators = std::int64_t{1} << 30;
constexpr std::int64_t kMaxPerHost = 64;  // one 64-bit free mask per host in the Allocator

constexpr double kInfinity = std::numeric_limits<double>::infinity();

void require(bool ok, const std::string& what) {
  if (!ok) {
    throw std::invalid_argument("fabric: " + what);
  }
}

bool positive_rate(units::ByteRate r) {
  return std::isfinite(r.si()) && r.si() > 0.0;
}

bool valid_latency(units::Seconds s) {
  return std::isfinite(s.si()) && s.si() >= 0.0;
}

std::size_t sz(std::int64_t v) {
  return static_cast<std::size_t>(v);
}

/// Distance between two positions on a ring of `n`.
std::int64_t ring_distance(std::int64_t a, std::int64_t b, std::int64_t n) {
  const std::int64_t d = a > b ? a - b : b - a;
  return std::min(d, n - d);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Torus index arithmetic

std::array<std::int64_t, 3> TorusLayout::coordinates(AcceleratorId a) const {
  const std::int64_t pod = a / cube_volume;
  const std::int64_t local = a % cube_volume;
  const std::array<std::int64_t, 3> c{pod % cubes[0], (pod / cubes[0]) % cubes[1],
                                      pod / (cubes[0] * cubes[1])};
  const std::array<std::int64_t, 3> l{local % cube[0], (local / cube[0]) % cube[1],
                                      local / (cube[0] * cube[1])};
  return {c[0] * cube[0] + l[0], c[1] * cube[1] + l[1], c[2] * cube[2] + l[2]};
}

AcceleratorId TorusLayout::id(const std::array<std::int64_t, 3>& p) const {
  const std::int64_t pod =
      p[0] / cube[0] + cubes[0] * (p[1] / cube[1] + cubes[1] * (p[2] / cube[2]));
  const std::int64_t local =
      p[0] % cube[0] + cube[0] * (p[1] % cube[1] + cube[1] * (p[2] % cube[2]));
  return static_cast<AcceleratorId>(pod * cube_volume + local);
}

std::int64_t TorusLayout::host_of(AcceleratorId a) const {
  const std::int64_t pod = a / cube_volume;
  const std::int64_t local = a % cube_volume;
  const std::array<std::int64_t, 3> l{local % cube[0], (local / cube[0]) % cube[1],
                                      local / (cube[0] * cube[1])};
  const std::array<std::int64_t, 3> per{cube[0] / host[0], cube[1] / host[1], cube[2] / host[2]};
  const std::int64_t h = l[0] / host[0] + per[0] * (l[1] / host[1] + per[1] * (l[2] / host[2]));
  return pod * (cube_volume / host_volume) + h;
}

// ---------------------------------------------------------------------------------------
// Builders

Fabric Fabric::fat_tree(const FatTreeSpec& spec) {
  require(spec.accelerators > 0 && spec.accelerators <= kMaxAccelerators,
          "fat tree: accelerators must be in [1, 2^30], got " + std::to_string(spec.accelerators));
  require(spec.accelerators_per_host >= 1 && spec.accelerators_per_host <= kMaxPerHost,
          "fat tree: accelerators_per_host must be in [1, 64], got " +
              std::to_string(spec.accelerators_per_host));
  require(spec.hosts_per_leaf >= 1, "fat tree: hosts_per_leaf must be at least 1, got " +
                                        std::to_string(spec.hosts_per_leaf));
  const std::int64_t leaf_size = spec.accelerators_per_host * spec.hosts_per_leaf;
  require(spec.pod_size >= 1 && spec.pod_size % leaf_size == 0,
          "fat tree: pod_size (" + std::to_string(spec.pod_size) +
              ") must be a positive multiple of accelerators_per_host x hosts_per_leaf (" +
              std::to_string(leaf_size) + ")");
  require(spec.accelerators % spec.pod_size == 0,
          "fat tree: accelerators (" + std::to_string(spec.accelerators) +
              ") must be a multiple of pod_size (" + std::to_string(spec.pod_size) + ")");
  require(positive_rate(spec.intra_host_bandwidth),
          "fat tree: intra_host_bandwidth must be positive and finite");
  require(positive_rate(spec.nic_bandwidth), "fat tree: nic_bandwidth must be positive and finite");
  require(std::isfinite(spec.leaf_oversubscription) && spec.leaf_oversubscription >= 1.0,
          "fat tree: leaf_oversubscription must be finite and at least 1");
  require(std::isfinite(spec.spine_oversubscription) && spec.spine_oversubscription >= 1.0,
          "fat tree: spine_oversubscription must be finite and at least 1");
  require(valid_latency(spec.intra_host_latency) && valid_latency(spec.nic_latency) &&
              valid_latency(spec.spine_latency) && valid_latency(spec.core_latency),
          "fat tree: latencies must be finite and not negative");

  Fabric f;
  f.kind_ = FabricKind::kFatTree;
  f.fat_spec_ = spec;
  FatTreeLayout& l = f.fat_;
  l.accelerators = spec.accelerators;
  l.per_host = spec.accelerators_per_host;
  l.hosts_per_leaf = spec.hosts_per_leaf;
  l.pod_size = spec.pod_size;
  l.leaf_size = leaf_size;
  l.hosts = spec.accelerators / spec.accelerators_per_host;
  l.leaves = spec.accelerators / leaf_size;
  l.pods = spec.accelerators / spec.pod_size;
  l.leaves_per_pod = spec.pod_size / leaf_size;
  f.accelerators_ = l.accelerators;
  f.hosts_ = l.hosts;
  f.pods_ = l.pods;
  f.leaf_uplink_ = spec.nic_bandwidth * static_cast<double>(leaf_size) / spec.leaf_oversubscription;
  f.pod_uplink_ = spec.nic_bandwidth * static_cast<double>(spec.pod_size) /
                  (spec.leaf_oversubscription * spec.spine_oversubscription);

  // Vertices: accelerators, hosts, leaves, spines (one per pod), the core (when pods > 1).
  const std::int64_t host0 = l.accelerators;
  const std::int64_t leaf0 = host0 + l.hosts;
  const std::int64_t spine0 = leaf0 + l.leaves;
  const std::int64_t core = spine0 + l.pods;
  const std::int64_t vertices = core + (l.pods > 1 ? 1 : 0);
  FabricGraph& g = f.graph_;
  g = FabricGraph(sz(vertices));
  for (std::int64_t v = 0; v < vertices; ++v) {
    FabricVertex& p = g[sz(v)];
    if (v < host0) {
      p = {VertexKind::kAccelerator, SwitchTier::kNone, static_cast<std::uint32_t>(v)};
    } else if (v < leaf0) {
      p = {VertexKind::kHost, SwitchTier::kNone, static_cast<std::uint32_t>(v - host0)};
    } else if (v < spine0) {
      p = {VertexKind::kSwitch, SwitchTier::kLeaf, static_cast<std::uint32_t>(v - leaf0)};
    } else if (v < core) {
      p = {VertexKind::kSwitch, SwitchTier::kSpine, static_cast<std::uint32_t>(v - spine0)};
    } else {
      p = {VertexKind::kSwitch, SwitchTier::kCore, 0};
    }
  }
  for (std::int64_t a = 0; a < l.accelerators; ++a) {
    boost::add_edge(sz(a), sz(host0 + a / l.per_host),
                    FabricLink{spec.intra_host_bandwidth, spec.intra_host_latency}, g);
    boost::add_edge(sz(a), sz(leaf0 + a / l.leaf_size),
                    FabricLink{spec.nic_bandwidth, spec.nic_latency}, g);
  }
  for (std::int64_t leaf = 0; leaf < l.leaves; ++leaf) {
    boost::add_edge(sz(leaf0 + leaf), sz(spine0 + leaf / l.leaves_per_pod),
                    FabricLink{f.leaf_uplink_, spec.spine_latency}, g);
  }
  if (l.pods > 1) {
    for (std::int64_t p = 0; p < l.pods; ++p) {
      boost::add_edge(sz(spine0 + p), sz(core), FabricLink{f.pod_uplink_, spec.core_latency}, g);
    }
  }
  return f;
}

Fabric Fabric::torus3d(const TorusSpec& spec) {
  const std::array<std::int64_t, 3> dims{spec.x, spec.y, spec.z};
  const char* names[3] = {"x", "y", "z"};
  std::int64_t chips = 1;
  for (std::size_t d = 0; d < 3; ++d) {
    require(
        dims[d] >= 1 && dims[d] <= kMaxAccelerators,
        std::string("torus: ") + names[d] + " must be at least 1, got " + std::to_string(dims[d]));
    require(spec.cube[d] >= 1 && dims[d] % spec.cube[d] == 0,
            std::string("torus: cube extent along ") + names[d] + " (" +
                std::to_string(spec.cube[d]) + ") must be positive and divide " +
                std::to_string(dims[d]));
    require(spec.host[d] >= 1 && spec.cube[d] % spec.host[d] == 0,
            std::string("torus: host extent along ") + names[d] + " (" +
                std::to_string(spec.host[d]) + ") must be positive and divide the cube's " +
                std::to_string(spec.cube[d]));
    chips *= dims[d];
    require(chips <= kMaxAccelerators, "torus: more than 2^30 chips");
  }
  require(positive_rate(spec.link_bandwidth), "torus: link_bandwidth must be positive and finite");
  require(valid_latency(spec.link_latency), "torus: link_latency must be finite and not negative");

  Fabric f;
  f.kind_ = FabricKind::kTorus3d;
  f.torus_spec_ = spec;
  TorusLayout& t = f.torus_;
  t.dims = dims;
  t.cube = spec.cube;
  t.host = spec.host;
  for (std::size_t d = 0; d < 3; ++d) {
    t.cubes[d] = dims[d] / spec.cube[d];
  }
  t.chips = chips;
  t.cube_volume = spec.cube[0] * spec.cube[1] * spec.cube[2];
  t.host_volume = spec.host[0] * spec.host[1] * spec.host[2];
  f.accelerators_ = chips;
  f.hosts_ = chips / t.host_volume;
  f.pods_ = chips / t.cube_volume;

  FabricGraph& g = f.graph_;
  g = FabricGraph(sz(chips));
  const FabricLink link{spec.link_bandwidth, spec.link_latency};
  for (std::int64_t a = 0; a < chips; ++a) {
    g[sz(a)] = {VertexKind::kAccelerator, SwitchTier::kNone, static_cast<std::uint32_t>(a)};
    const auto c = t.coordinates(static_cast<AcceleratorId>(a));
    for (std::size_t d = 0; d < 3; ++d) {
      // A ring of n >= 3 has n links; a ring of 2 has one; a ring of 1 none.
      if (dims[d] < 2 || (dims[d] == 2 && c[d] == 1)) {
        continue;
      }
      auto n = c;
      n[d] = (c[d] + 1) % dims[d];
      boost::add_edge(sz(a), t.id(n), link, g);
    }
  }
  return f;
}

// ---------------------------------------------------------------------------------------
// Queries

const FatTreeLayout& Fabric::fat_tree_layout() const {
  if (kind_ != FabricKind::kFatTree) {
    throw std::logic_error("fabric: not a fat tree");
  }
  return fat_;
}

const TorusLayout& Fabric::torus_layout() const {
  if (kind_ != FabricKind::kTorus3d) {
    throw std::logic_error("fabric: not a torus");
  }
  return torus_;
}

const FatTreeSpec& Fabric::fat_tree_spec() const {
  (void)fat_tree_layout();
  return fat_spec_;
}

const TorusSpec& Fabric::torus_spec() const {
  (void)torus_layout();
  return torus_spec_;
}

void Fabric::check(AcceleratorId a) const {
  if (static_cast<std::int64_t>(a) >= accelerators_) {
    throw std::invalid_argument("fabric: accelerator id " + std::to_string(a) +
                                " out of range (the fabric has " + std::to_string(accelerators_) +
                                ")");
  }
}

std::int64_t Fabric::pod_of(AcceleratorId a) const {
  check(a);
  return kind_ == FabricKind::kFatTree ? fat_.pod_of(a) : torus_.pod_of(a);
}

std::int64_t Fabric::host_of(AcceleratorId a) const {
  check(a);
  return kind_ == FabricKind::kFatTree ? fat_.host_of(a) : torus_.host_of(a);
}

Route Fabric::fat_tree_route(AcceleratorId a, AcceleratorId b) const {
  const FatTreeSpec& s = fat_spec_;
  if (a == b) {
    return {0, units::bytes_per_second(kInfinity), units::seconds(0)};
  }
  if (fat_.host_of(a) == fat_.host_of(b)) {
    // Two 2-hop paths: through the host's NVSwitch or through the leaf. The wider wins;
    // on equal bandwidth, the faster.
    const Route via_host{2, s.intra_host_bandwidth, s.intra_host_latency * 2.0};
    const Route via_leaf{2, s.nic_bandwidth, s.nic_latency * 2.0};
    if (via_host.bandwidth != via_leaf.bandwidth) {
      return via_host.bandwidth > via_leaf.bandwidth ? via_host : via_leaf;
    }
    return via_host.latency <= via_leaf.latency ? via_host : via_leaf;
  }
  if (fat_.leaf_of(a) == fat_.leaf_of(b)) {
    return {2, s.nic_bandwidth, s.nic_latency * 2.0};
  }
  if (fat_.pod_of(a) == fat_.pod_of(b)) {
    return {4, std::min(s.nic_bandwidth, leaf_uplink_), (s.nic_latency + s.spine_latency) * 2.0};
  }
  return {6, std::min({s.nic_bandwidth, leaf_uplink_, pod_uplink_}),
          (s.nic_latency + s.spine_latency + s.core_latency) * 2.0};
}

Route Fabric::torus_route(AcceleratorId a, AcceleratorId b) const {
  if (a == b) {
    return {0, units::bytes_per_second(kInfinity), units::seconds(0)};
  }
  const auto ca = torus_.coordinates(a);
  const auto cb = torus_.coordinates(b);
  std::int64_t h = 0;
  for (std::size_t d = 0; d < 3; ++d) {
    h += ring_distance(ca[d], cb[d], torus_.dims[d]);
  }
  return {static_cast<int>(h), torus_spec_.link_bandwidth,
          torus_spec_.link_latency * static_cast<double>(h)};
}

Route Fabric::route(AcceleratorId a, AcceleratorId b) const {
  check(a);
  check(b);
  return kind_ == FabricKind::kFatTree ? fat_tree_route(a, b) : torus_route(a, b);
}

int Fabric::hops(AcceleratorId a, AcceleratorId b) const {
  return route(a, b).hops;
}

units::ByteRate Fabric::path_bandwidth(AcceleratorId a, AcceleratorId b) const {
  return route(a, b).bandwidth;
}

units::Seconds Fabric::path_latency(AcceleratorId a, AcceleratorId b) const {
  return route(a, b).latency;
}

int Fabric::diameter() const {
  if (kind_ == FabricKind::kTorus3d) {
    std::int64_t h = 0;
    for (const std::int64_t n : torus_.dims) {
      h += n / 2;
    }
    return static_cast<int>(h);
  }
  if (fat_.pods > 1) {
    return 6;
  }
  if (fat_.leaves_per_pod > 1) {
    return 4;
  }
  return fat_.accelerators > 1 ? 2 : 0;
}

std::vector<int> Fabric::hop_distances(AcceleratorId from) const {
  check(from);
  std::vector<int> dist(boost::num_vertices(graph_), -1);
  dist[from] = 0;
  boost::breadth_first_search(graph_, boost::vertex(from, graph_),
                              boost::visitor(boost::make_bfs_visitor(
                                  boost::record_distances(dist.data(), boost::on_tree_edge()))));
  return dist;
}

Route Fabric::route_by_search(AcceleratorId a, AcceleratorId b) const {
  const std::vector<int> dist = hop_distances(a);
  check(b);
  const int target = dist[b];
  if (target < 0) {
    throw std::logic_error("fabric: accelerator " + std::to_string(b) + " unreachable from " +
                           std::to_string(a));
  }
  if (target == 0) {
    return {0, units::bytes_per_second(kInfinity), units::seconds(0)};
  }
  // The shortest paths are the edges that go one layer further from `a`; walk the layers in
  // order. First the widest bottleneck, then the least latency among the paths that keep it.
  std::vector<std::vector<std::size_t>> layers(sz(target) + 1);
  for (std::size_t v = 0; v < dist.size(); ++v) {
    if (dist[v] >= 0 && dist[v] <= target) {
      layers[sz(dist[v])].push_back(v);
    }
  }
  std::vector<double> width(dist.size(), 0.0);
  width[a] = kInfinity;
  for (std::size_t layer = 1; layer <= sz(target); ++layer) {
    for (const std::size_t v : layers[layer]) {
      for (const auto e : boost::make_iterator_range(boost::out_edges(v, graph_))) {
        const std::size_t u = boost::target(e, graph_);
        if (sz(dist[u]) + 1 == layer) {
          width[v] = std::max(width[v], std::min(width[u], graph_[e].bandwidth.si()));
        }
      }
    }
  }
  const double w = width[b];
  std::vector<double> latency(dist.size(), kInfinity);
  latency[a] = 0.0;
  for (std::size_t layer = 1; layer <= sz(target); ++layer) {
    for (const std::size_t v : layers[layer]) {
      for (const auto e : boost::make_iterator_range(boost::out_edges(v, graph_))) {
        const std::size_t u = boost::target(e, graph_);
        if (sz(dist[u]) + 1 == layer && graph_[e].bandwidth.si() >= w) {
          latency[v] = std::min(latency[v], latency[u] + graph_[e].latency.si());
        }
      }
    }
  }
  return {target, units::bytes_per_second(w), units::seconds(latency[b])};
}

// ---------------------------------------------------------------------------------------
// Bisection bandwidth

units::ByteRate Fabric::bisection_bandwidth(const std::vector<AcceleratorId>& group) const {
  if (group.empty()) {
    throw std::invalid_argument("fabric: bisection of an empty group");
  }
  for (const AcceleratorId a : group) {
    check(a);
  }
  std::vector<AcceleratorId> sorted = group;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    throw std::invalid_argument("fabric: the group lists an accelerator twice");
  }
  if (sorted.size() == 1) {
    return units::bytes_per_second(kInfinity);
  }
  return kind_ == FabricKind::kFatTree ? fat_tree_bisection(std::move(sorted))
                                       : torus_bisection(sorted);
}

units::ByteRate Fabric::fat_tree_bisection(std::vector<AcceleratorId> group) const {
  // `group` is sorted, so hosts, leaves and pods come in runs. The first half sends, the
  // second receives. Through each host's NVSwitch: min(senders, receivers) x intra-host
  // bandwidth. Through the NICs and switches (a tree, full duplex): each subtree first
  // matches its own senders with its own receivers, then passes the rest up, capped by its
  // uplink; matching low is never worse in a tree, so the sum is the maximum flow.
  const double intra = fat_spec_.intra_host_bandwidth.si();
  const double nic = fat_spec_.nic_bandwidth.si();
  const double leaf_up = leaf_uplink_.si();
  const double pod_up = pod_uplink_.si();
  const std::size_t half = group.size() / 2;

  double flow = 0.0;
  double core_supply = 0.0;
  double core_demand = 0.0;
  std::size_t i = 0;
  while (i < group.size()) {  // one pod per pass
    const std::int64_t pod = fat_.pod_of(group[i]);
    double pod_supply = 0.0;
    double pod_demand = 0.0;
    while (i < group.size() && fat_.pod_of(group[i]) == pod) {  // one leaf per pass
      const std::int64_t leaf = fat_.leaf_of(group[i]);
      double supply = 0.0;
      double demand = 0.0;
      while (i < group.size() && fat_.leaf_of(group[i]) == leaf) {  // one host per pass
        const std::int64_t host = fat_.host_of(group[i]);
        double senders = 0.0;
        double receivers = 0.0;
        for (; i < group.size() && fat_.host_of(group[i]) == host; ++i) {
          (i < half ? senders : receivers) += 1.0;
        }
        flow += std::min(senders, receivers) * intra;
        supply += senders * nic;
        demand += receivers * nic;
      }
      const double matched = std::min(supply, demand);
      flow += matched;
      pod_supply += std::min(supply - matched, leaf_up);
      pod_demand += std::min(demand - matched, leaf_up);
    }
    const double matched = std::min(pod_supply, pod_demand);
    flow += matched;
    core_supply += std::min(pod_supply - matched, pod_up);
    core_demand += std::min(pod_demand - matched, pod_up);
  }
  if (fat_.pods > 1) {
    flow += std::min(core_supply, core_demand);
  }
  return units::bytes_per_second(flow);
}

units::ByteRate Fabric::torus_bisection(const std::vector<AcceleratorId>& group) const {
  const TorusLayout& t = torus_;
  const std::size_t n = group.size();
  std::vector<std::array<std::int64_t, 3>> coords(n);
  for (std::size_t i = 0; i < n; ++i) {
    coords[i] = t.coordinates(group[i]);
  }
  // The smallest arc of each ring that covers the group: the ring minus its longest run of
  // unused positions.
  std::array<std::int64_t, 3> start{};
  std::array<std::int64_t, 3> extent{};
  for (std::size_t d = 0; d < 3; ++d) {
    const std::int64_t ring = t.dims[d];
    std::vector<char> used(sz(ring), 0);
    for (const auto& c : coords) {
      used[sz(c[d])] = 1;
    }
    std::int64_t best_gap = 0;
    std::int64_t best_gap_end = 0;  // first used position after the longest gap
    std::int64_t first_used = -1;
    for (std::int64_t p = 0; p < ring; ++p) {
      if (used[sz(p)] != 0) {
        first_used = p;
        break;
      }
    }
    // Walk the ring once from the first used position; gaps wrap around.
    std::int64_t gap = 0;
    for (std::int64_t k = 1; k <= ring; ++k) {
      const std::int64_t p = (first_used + k) % ring;
      if (used[sz(p)] == 0) {
        ++gap;
      } else {
        if (gap > best_gap) {
          best_gap = gap;
          best_gap_end = p;
        }
        gap = 0;
      }
    }
    start[d] = best_gap > 0 ? best_gap_end : 0;
    extent[d] = ring - best_gap;
  }
  const double link = torus_spec_.link_bandwidth.si();
  double best = kInfinity;
  if (extent[0] * extent[1] * extent[2] == static_cast<std::int64_t>(n)) {
    // A block: the group fills its bounding arcs. Cut across dimension d between two
    // planes; when the block spans a whole ring of 3 or more, the wraparound links cross the
    // cut as well.
    for (std::size_t d = 0; d < 3; ++d) {
      if (extent[d] < 2) {
        continue;
      }
      const std::int64_t cross_section = static_cast<std::int64_t>(n) / extent[d];
      const bool wraps = extent[d] == t.dims[d] && t.dims[d] >= 3;
      best = std::min(best, static_cast<double>(cross_section * (wraps ? 2 : 1)) * link);
    }
    return units::bytes_per_second(best);
  }
  // Any other group: split it at the median along each dimension (positions relative to the
  // arc's start) and count the direct links between the halves.
  std::vector<char> side(sz(t.chips), 0);  // 0: not in the group, 1: first half, 2: second
  std::vector<std::size_t> order(n);
  for (std::size_t d = 0; d < 3; ++d) {
    if (extent[d] < 2) {
      continue;
    }
    const auto rel = [&](std::size_t i) {
      return (coords[i][d] - start[d] + t.dims[d]) % t.dims[d];
    };
    for (std::size_t i = 0; i < n; ++i) {
      order[i] = i;
    }
    std::sort(order.begin(), order.end(), [&](std::size_t p, std::size_t q) {
      const std::int64_t rp = rel(p);
      const std::int64_t rq = rel(q);
      return rp != rq ? rp < rq : group[p] < group[q];
    });
    for (std::size_t k = 0; k < n; ++k) {
      side[group[order[k]]] = k < n / 2 ? 1 : 2;
    }
    std::int64_t crossing = 0;
    for (const AcceleratorId a : group) {
      if (side[a] != 1) {
        continue;
      }
      for (const auto e : boost::make_iterator_range(boost::out_edges(a, graph_))) {
        if (side[boost::target(e, graph_)] == 2) {
          ++crossing;
        }
      }
    }
    best = std::min(best, static_cast<double>(crossing) * link);
  }
  return units::bytes_per_second(best);
}

}  // namespace footprint::models
