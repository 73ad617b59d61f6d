#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/edmonds_karp_max_flow.hpp>
#include <catch2/catch.hpp>

#include "models/topology/fabric.hpp"

using namespace footprint;
using models::AcceleratorId;
using models::Fabric;
using models::FatTreeSpec;
using models::TorusSpec;

namespace {

double gbps(units::ByteRate r) {
  return units::to_gigabytes_per_second(r);
}

/// A small fat tree with four pods and every tier distinct: 64 accelerators, 4 per host,
/// 2 hosts per leaf, 16 per pod; 2:1 oversubscribed at the leaf and again at the spine.
FatTreeSpec small_fat_tree() {
  FatTreeSpec s;
  s.accelerators = 64;
  s.accelerators_per_host = 4;
  s.hosts_per_leaf = 2;
  s.pod_size = 16;
  s.leaf_oversubscription = 2.0;
  s.spine_oversubscription = 2.0;
  s.intra_host_latency = units::seconds(0.3e-6);
  s.nic_latency = units::seconds(1.1e-6);
  s.spine_latency = units::seconds(0.7e-6);
  s.core_latency = units::seconds(1.3e-6);
  return s;
}

void check_routes_against_search(const Fabric& f) {
  const auto n = static_cast<AcceleratorId>(f.num_accelerators());
  for (AcceleratorId a = 0; a < n; ++a) {
    const std::vector<int> dist = f.hop_distances(a);
    for (AcceleratorId b = 0; b < n; ++b) {
      const models::Route closed = f.route(a, b);
      const models::Route searched = f.route_by_search(a, b);
      INFO("a = " << a << ", b = " << b);
      REQUIRE(closed.hops == dist[b]);
      REQUIRE(closed.hops == searched.hops);
      REQUIRE(closed.bandwidth.si() == searched.bandwidth.si());
      REQUIRE(closed.latency.si() == Approx(searched.latency.si()).margin(1e-15));
      REQUIRE(f.hops(a, b) == f.hops(b, a));
    }
  }
}

/// Max flow (Boost Edmonds-Karp) from the first half of `group` (ascending) to the second
/// half, through the fabric's links at their per-direction bandwidth, in GB/s. Group
/// accelerators are end points only: a sender has only outgoing links, a receiver only
/// incoming ones; accelerators outside the group carry nothing.
double max_flow_gbps(const Fabric& f, std::vector<AcceleratorId> group) {
  using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
  using Net = boost::adjacency_list<
      boost::vecS, boost::vecS, boost::directedS, boost::no_property,
      boost::property<
          boost::edge_capacity_t, double,
          boost::property<boost::edge_residual_capacity_t, double,
                          boost::property<boost::edge_reverse_t, Traits::edge_descriptor>>>>;
  std::sort(group.begin(), group.end());
  const auto& g = f.graph();
  const std::size_t n = boost::num_vertices(g);
  std::vector<int> side(n, 0);  // 1 sender, 2 receiver, 0 other accelerator, 3 not one
  for (std::size_t v = 0; v < n; ++v) {
    if (g[v].kind != models::VertexKind::kAccelerator) {
      side[v] = 3;
    }
  }
  for (std::size_t i = 0; i < group.size(); ++i) {
    side[group[i]] = i < group.size() / 2 ? 1 : 2;
  }
  Net net(n + 2);
  const std::size_t source = n;
  const std::size_t sink = n + 1;
  auto cap = boost::get(boost::edge_capacity, net);
  auto rev = boost::get(boost::edge_reverse, net);
  const auto arc = [&](std::size_t u, std::size_t v, double c) {
    const auto e = boost::add_edge(u, v, net).first;
    const auto r = boost::add_edge(v, u, net).first;
    cap[e] = c;
    cap[r] = 0.0;
    rev[e] = r;
    rev[r] = e;
  };
  constexpr double kBig = 1e12;
  for (std::size_t v = 0; v < n; ++v) {
    if (side[v] == 1) {
      arc(source, v, kBig);
    } else if (side[v] == 2) {
      arc(v, sink, kBig);
    }
  }
  for (const auto e : boost::make_iterator_range(boost::edges(g))) {
    const std::size_t u = boost::source(e, g);
    const std::size_t v = boost::target(e, g);
    const double c = gbps(g[e].bandwidth);
    for (const auto& [from, to] : {std::pair{u, v}, std::pair{v, u}}) {
      const bool from_ok = side[from] == 1 || side[from] == 3;
      const bool to_ok = side[to] == 2 || side[to] == 3;
      if (from_ok && to_ok) {
        arc(from, to, c);
      }
    }
  }
  return boost::edmonds_karp_max_flow(net, source, sink);
}

/// Links between the two halves of `group` split at the median along dimension d (by
/// coordinate relative to `origin`, then id), counted on the graph; min over dimensions
/// whose extent is at least 2.
std::int64_t torus_cut_links(const Fabric& f, const std::vector<AcceleratorId>& group,
                             const std::array<std::int64_t, 3>& origin) {
  const auto& t = f.torus_layout();
  std::int64_t best = std::numeric_limits<std::int64_t>::max();
  for (std::size_t d = 0; d < 3; ++d) {
    std::vector<std::pair<std::int64_t, AcceleratorId>> order;
    std::int64_t lo = t.dims[d];
    std::int64_t hi = -1;
    for (const AcceleratorId a : group) {
      const std::int64_t rel = (t.coordinates(a)[d] - origin[d] + t.dims[d]) % t.dims[d];
      order.emplace_back(rel, a);
      lo = std::min(lo, rel);
      hi = std::max(hi, rel);
    }
    if (hi == lo) {
      continue;
    }
    std::sort(order.begin(), order.end());
    std::vector<int> side(static_cast<std::size_t>(f.num_accelerators()), 0);
    for (std::size_t k = 0; k < order.size(); ++k) {
      side[order[k].second] = k < order.size() / 2 ? 1 : 2;
    }
    std::int64_t cut = 0;
    for (const auto e : boost::make_iterator_range(boost::edges(f.graph()))) {
      const auto u = boost::source(e, f.graph());
      const auto v = boost::target(e, f.graph());
      if (side[u] + side[v] == 3) {
        ++cut;
      }
    }
    best = std::min(best, cut);
  }
  return best;
}

std::vector<AcceleratorId> block(const Fabric& f, const std::array<std::int64_t, 3>& origin,
                                 const std::array<std::int64_t, 3>& extent) {
  const auto& t = f.torus_layout();
  std::vector<AcceleratorId> out;
  for (std::int64_t k = 0; k < extent[2]; ++k) {
    for (std::int64_t j = 0; j < extent[1]; ++j) {
      for (std::int64_t i = 0; i < extent[0]; ++i) {
        out.push_back(t.id({(origin[0] + i) % t.dims[0], (origin[1] + j) % t.dims[1],
                            (origin[2] + k) % t.dims[2]}));
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("A fat tree of 4096 H100 has the expected counts", "[topology]") {
  FatTreeSpec s;  // defaults: 8 per host, 4 hosts per leaf, 256 per pod
  s.accelerators = 4096;
  const Fabric f = Fabric::fat_tree(s);
  CHECK(f.kind() == models::FabricKind::kFatTree);
  CHECK(f.num_accelerators() == 4096);
  CHECK(f.num_hosts() == 512);  // 4096 / 8
  CHECK(f.num_pods() == 16);    // 4096 / 256
  CHECK(f.pod_size() == 256);
  CHECK(f.accelerators_per_host() == 8);
  CHECK(f.fat_tree_layout().leaves == 128);  // 4096 / 32
  // Vertices: 4096 accelerators + 512 hosts + 128 leaves + 16 spines + 1 core.
  CHECK(boost::num_vertices(f.graph()) == 4096 + 512 + 128 + 16 + 1);
  // Edges: 2 per accelerator (NVLink, NIC) + 1 per leaf + 1 per spine.
  CHECK(boost::num_edges(f.graph()) == 2 * 4096 + 128 + 16);
  CHECK(f.pod_of(255) == 0);
  CHECK(f.pod_of(256) == 1);
  CHECK(f.host_of(15) == 1);
  CHECK(f.diameter() == 6);
  // Hops: same host 2 (NVSwitch), same leaf 2, same pod 4, across pods 6.
  CHECK(f.hops(0, 0) == 0);
  CHECK(f.hops(0, 7) == 2);
  CHECK(f.hops(0, 8) == 2);
  CHECK(f.hops(0, 32) == 4);
  CHECK(f.hops(0, 256) == 6);
  // Bandwidth: NVLink inside a host (450 GB/s per direction), the NIC (50 GB/s) beyond.
  CHECK(gbps(f.path_bandwidth(0, 7)) == Approx(450));
  CHECK(gbps(f.path_bandwidth(0, 8)) == Approx(50));
  CHECK(gbps(f.path_bandwidth(0, 4095)) == Approx(50));
  CHECK(std::isinf(f.path_bandwidth(3, 3).si()));
  // Latency: 2 x 0.5 us inside a host; 2 x (1 + 1 + 1) us across pods.
  CHECK(units::to_seconds(f.path_latency(0, 7)) == Approx(1e-6));
  CHECK(units::to_seconds(f.path_latency(0, 4095)) == Approx(6e-6));
}

TEST_CASE("A 4x4x4 torus has 64 chips, 6 neighbours each and diameter 6", "[topology]") {
  const Fabric f =
      Fabric::torus3d(TorusSpec{4, 4, 4, units::gigabytes_per_second(50), units::seconds(1e-6)});
  CHECK(f.kind() == models::FabricKind::kTorus3d);
  CHECK(f.num_accelerators() == 64);
  CHECK(f.num_pods() == 1);
  CHECK(f.num_hosts() == 16);  // 2x2x1 trays
  CHECK(boost::num_vertices(f.graph()) == 64);
  CHECK(boost::num_edges(f.graph()) == 64 * 6 / 2);
  for (AcceleratorId a = 0; a < 64; ++a) {
    CHECK(boost::out_degree(a, f.graph()) == 6);
  }
  CHECK(f.diameter() == 6);  // 2 + 2 + 2
  int eccentricity = 0;
  for (AcceleratorId a = 0; a < 64; ++a) {
    const auto d = f.hop_distances(a);
    eccentricity = std::max(eccentricity, *std::max_element(d.begin(), d.end()));
  }
  CHECK(eccentricity == 6);
  const auto& t = f.torus_layout();
  CHECK(f.hops(t.id({0, 0, 0}), t.id({3, 0, 0})) == 1);  // wraparound
  CHECK(f.hops(t.id({0, 0, 0}), t.id({2, 2, 2})) == 6);
  for (AcceleratorId a = 0; a < 64; ++a) {
    CHECK(t.id(t.coordinates(a)) == a);
  }
}

TEST_CASE("Closed-form routes equal a Boost search on every pair", "[topology]") {
  SECTION("fat tree, four pods, oversubscribed") {
    check_routes_against_search(Fabric::fat_tree(small_fat_tree()));
  }
  SECTION("fat tree, one pod of one leaf, NIC faster than the intra-host link") {
    FatTreeSpec s = small_fat_tree();
    s.accelerators = 8;
    s.pod_size = 8;
    s.intra_host_bandwidth = units::gigabytes_per_second(25);
    const Fabric f = Fabric::fat_tree(s);
    CHECK(f.diameter() == 2);
    check_routes_against_search(f);
  }
  SECTION("fat tree, equal intra-host and NIC bandwidth: the faster path wins") {
    FatTreeSpec s = small_fat_tree();
    s.intra_host_bandwidth = s.nic_bandwidth;
    check_routes_against_search(Fabric::fat_tree(s));
  }
  SECTION("torus 3x4x5 (odd rings)") {
    TorusSpec s{3, 4, 5, units::gigabytes_per_second(50), units::seconds(1e-6)};
    s.cube = {3, 4, 5};
    s.host = {1, 2, 1};
    const Fabric f = Fabric::torus3d(s);
    CHECK(f.diameter() == 1 + 2 + 2);
    check_routes_against_search(f);
  }
  SECTION("torus 2x4x1 (a ring of 2 and a ring of 1), two pods") {
    TorusSpec s{2, 4, 1, units::gigabytes_per_second(50), units::seconds(1e-6)};
    s.cube = {2, 2, 1};
    s.host = {1, 1, 1};
    const Fabric f = Fabric::torus3d(s);
    CHECK(f.num_pods() == 2);
    CHECK(boost::num_edges(f.graph()) == 4 + 8);  // x: one link per pair; y: rings of 4
    check_routes_against_search(f);
  }
  SECTION("torus 8x4x4 of two cubes") {
    TorusSpec s;
    s.x = 8;
    check_routes_against_search(Fabric::torus3d(s));
  }
}

TEST_CASE("Torus bisection: 2 x cross-section x link bandwidth with wraparound", "[topology]") {
  const auto link = units::gigabytes_per_second(50);
  const Fabric f = Fabric::torus3d(TorusSpec{4, 4, 4, link, units::seconds(1e-6)});
  std::vector<AcceleratorId> all(64);
  for (AcceleratorId a = 0; a < 64; ++a) {
    all[a] = a;
  }
  // Derivation: cutting the 4x4x4 torus into x in {0,1} and x in {2,3} cuts, for each of
  // the 4 x 4 = 16 (y, z) rows, the link 1-2 and the wraparound link 3-0: 32 links.
  const std::int64_t expected_links = 4 * 4 * 2;
  CHECK(torus_cut_links(f, all, {0, 0, 0}) == expected_links);
  CHECK(gbps(f.bisection_bandwidth(all)) == Approx(expected_links * 50.0));  // 1600 GB/s

  // Sub-blocks: a whole ring brings its wraparound, a partial one does not.
  struct Case {
    std::array<std::int64_t, 3> origin;
    std::array<std::int64_t, 3> extent;
    std::int64_t links;  // derived by hand
  };
  const std::vector<Case> cases{
      {{0, 0, 0}, {2, 4, 4}, 16},  // x: 16 x 1; y, z (whole rings): 8 x 2 = 16
      {{0, 0, 0}, {2, 2, 2}, 4},   // 4 x 1 in every dimension
      {{3, 0, 0}, {2, 2, 4}, 8},   // x in {3, 0}: x, y: 8 x 1; z (whole ring): 4 x 2
      {{1, 1, 0}, {2, 2, 1}, 2},   // a tray: 2 x 1
      {{0, 0, 0}, {4, 4, 2}, 16},  // z: 16 x 1; x, y: 8 x 2 = 16
  };
  for (const Case& c : cases) {
    const auto g = block(f, c.origin, c.extent);
    INFO("origin " << c.origin[0] << c.origin[1] << c.origin[2] << " extent " << c.extent[0]
                   << c.extent[1] << c.extent[2]);
    CHECK(torus_cut_links(f, g, c.origin) == c.links);
    CHECK(gbps(f.bisection_bandwidth(g)) == Approx(static_cast<double>(c.links) * 50.0));
  }

  // A full TPU v4 pod, 16x16x16: 2 x 256 x 50 GB/s = 25.6 TB/s (Google quotes 24 TB/s).
  TorusSpec pod;
  pod.x = pod.y = pod.z = 16;
  const Fabric big = Fabric::torus3d(pod);
  CHECK(big.num_pods() == 64);
  CHECK(big.num_hosts() == 1024);
  std::vector<AcceleratorId> chips(4096);
  for (AcceleratorId a = 0; a < 4096; ++a) {
    chips[a] = a;
  }
  CHECK(gbps(big.bisection_bandwidth(chips)) == Approx(2 * 256 * 50.0));
  CHECK(big.diameter() == 24);
}

TEST_CASE("Torus bisection of a group that is not a block counts the links cut", "[topology]") {
  TorusSpec s;
  s.x = 8;
  const Fabric f = Fabric::torus3d(s);
  // An L: a 2x2x2 block plus one more chip beside it.
  auto g = block(f, {0, 0, 0}, {2, 2, 2});
  g.push_back(f.torus_layout().id({2, 0, 0}));
  const auto links = torus_cut_links(f, g, {0, 0, 0});
  CHECK(gbps(f.bisection_bandwidth(g)) == Approx(static_cast<double>(links) * 50.0));
  // A block wrapping around x on a ring of 8: x in {6, 7, 0, 1}; a block of 4 x 4 x 4 whose
  // x extent is not a whole ring: x cut 16 x 1, y and z cuts 16 x 2.
  const auto wrapped = block(f, {6, 0, 0}, {4, 4, 4});
  CHECK(gbps(f.bisection_bandwidth(wrapped)) == Approx(16 * 50.0));
  CHECK(torus_cut_links(f, wrapped, {6, 0, 0}) == 16);
}

TEST_CASE("Fat-tree bisection equals a Boost max flow across the median cut", "[topology]") {
  SECTION("worked examples on the default fabric") {
    FatTreeSpec s;
    s.accelerators = 1024;
    const Fabric f = Fabric::fat_tree(s);
    // One whole pod, non-blocking: 128 senders' NICs, 128 x 50 GB/s.
    std::vector<AcceleratorId> pod(256);
    for (AcceleratorId a = 0; a < 256; ++a) {
      pod[a] = a;
    }
    CHECK(gbps(f.bisection_bandwidth(pod)) == Approx(128 * 50.0));
    CHECK(max_flow_gbps(f, pod) == Approx(128 * 50.0));
    // One host of 8: 4 x 450 GB/s through the NVSwitch plus 4 x 50 GB/s through the leaf.
    const std::vector<AcceleratorId> host{0, 1, 2, 3, 4, 5, 6, 7};
    CHECK(gbps(f.bisection_bandwidth(host)) == Approx(4 * 450.0 + 4 * 50.0));
    CHECK(max_flow_gbps(f, host) == Approx(4 * 450.0 + 4 * 50.0));
    // Two pods under a 4:1 oversubscribed spine: each pod's uplink is 256 x 50 / 4.
    FatTreeSpec o = s;
    o.spine_oversubscription = 4.0;
    const Fabric fo = Fabric::fat_tree(o);
    std::vector<AcceleratorId> two(512);
    for (AcceleratorId a = 0; a < 512; ++a) {
      two[a] = a;
    }
    CHECK(gbps(fo.bisection_bandwidth(two)) == Approx(256 * 50.0 / 4));
    CHECK(max_flow_gbps(fo, two) == Approx(256 * 50.0 / 4));
    CHECK(std::isinf(f.bisection_bandwidth({5}).si()));
  }
  SECTION("random groups on a small oversubscribed fabric") {
    const Fabric f = Fabric::fat_tree(small_fat_tree());
    std::mt19937_64 rng(7);
    std::vector<AcceleratorId> all(64);
    for (AcceleratorId a = 0; a < 64; ++a) {
      all[a] = a;
    }
    for (int trial = 0; trial < 300; ++trial) {
      std::shuffle(all.begin(), all.end(), rng);
      const auto size = 2 + static_cast<std::size_t>(rng() % 63);
      const std::vector<AcceleratorId> g(all.begin(), all.begin() + static_cast<long>(size));
      INFO("trial " << trial << ", size " << size);
      CHECK(gbps(f.bisection_bandwidth(g)) == Approx(max_flow_gbps(f, g)));
    }
  }
}

TEST_CASE("Bad fabric parameters and queries throw", "[topology]") {
  FatTreeSpec s;
  s.accelerators = 1000;  // not a multiple of 256
  CHECK_THROWS_AS(Fabric::fat_tree(s), std::invalid_argument);
  s = FatTreeSpec{};
  s.accelerators_per_host = 65;
  CHECK_THROWS_AS(Fabric::fat_tree(s), std::invalid_argument);
  s = FatTreeSpec{};
  s.pod_size = 100;
  CHECK_THROWS_AS(Fabric::fat_tree(s), std::invalid_argument);
  s = FatTreeSpec{};
  s.nic_bandwidth = units::gigabytes_per_second(0);
  CHECK_THROWS_AS(Fabric::fat_tree(s), std::invalid_argument);
  s = FatTreeSpec{};
  s.leaf_oversubscription = 0.5;
  CHECK_THROWS_AS(Fabric::fat_tree(s), std::invalid_argument);
  s = FatTreeSpec{};
  s.core_latency = units::seconds(-1);
  CHECK_THROWS_AS(Fabric::fat_tree(s), std::invalid_argument);

  TorusSpec t;
  t.x = 6;  // the 4x4x4 cube does not divide it
  CHECK_THROWS_AS(Fabric::torus3d(t), std::invalid_argument);
  t = TorusSpec{};
  t.z = 0;
  CHECK_THROWS_AS(Fabric::torus3d(t), std::invalid_argument);
  t = TorusSpec{};
  t.host = {3, 1, 1};
  CHECK_THROWS_AS(Fabric::torus3d(t), std::invalid_argument);

  const Fabric f = Fabric::torus3d(TorusSpec{});
  CHECK_THROWS_AS(f.hops(0, 64), std::invalid_argument);
  CHECK_THROWS_AS(f.bisection_bandwidth({}), std::invalid_argument);
  CHECK_THROWS_AS(f.bisection_bandwidth({1, 2, 1}), std::invalid_argument);
  CHECK_THROWS_AS(f.fat_tree_layout(), std::logic_error);
}
