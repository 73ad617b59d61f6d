// The network of a datacenter's accelerators as a graph: a three-tier fat tree (GPU
// clusters) or a 3D torus (TPU pods).
//
// Vertices are accelerators, hosts and switches; every edge is a full-duplex link with a
// bandwidth per direction and a latency. Accelerator ids are the graph's first vertices and
// are pod-major: pod p holds ids [p x pod_size, (p + 1) x pod_size). Queries (hops, path
// bandwidth and latency, bisection bandwidth) are closed forms per topology, O(1) or
// O(group); route_by_search() and hop_distances() run Boost graph searches on the same
// graph and are the reference the closed forms are tested against. docs/topology.md has
// every formula, default and source, and the limits.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "sim/kernel/units/quantity.hpp"

namespace footprint::models {

using AcceleratorId = std::uint32_t;

enum class FabricKind : std::uint8_t { kFatTree, kTorus3d };
enum class VertexKind : std::uint8_t { kAccelerator, kHost, kSwitch };
/// Tier of a switch: leaf (top of a group of hosts), spine (one logical switch per pod),
/// core (one logical switch joining the pods). kNone for accelerators and hosts.
enum class SwitchTier : std::uint8_t { kNone, kLeaf, kSpine, kCore };

struct FabricVertex {
  VertexKind kind = VertexKind::kAccelerator;
  SwitchTier tier = SwitchTier::kNone;
  std::uint32_t index = 0;  ///< index among the vertices of its kind (and tier)
};

struct FabricLink {
  units::ByteRate bandwidth;  ///< per direction
  units::Seconds latency;
};

using FabricGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, FabricVertex, FabricLink>;

/// A GPU cluster: hosts of accelerators joined by an intra-host fabric (NVLink through
/// NVSwitch), one NIC per accelerator to a leaf switch shared by `hosts_per_leaf` hosts,
/// the leaves of a pod joined by a spine, the pods by a core. Spine and core are logical
/// switches: one vertex standing for the parallel switches of that tier, its links carrying
/// their summed bandwidth. Defaults: a DGX H100 SuperPOD (see docs/topology.md for sources).
struct FatTreeSpec {
  std::int64_t accelerators = 4096;
  std::int64_t accelerators_per_host = 8;  ///< DGX/HGX H100: 8 GPUs; at most 64
  std::int64_t hosts_per_leaf = 4;         ///< 32 NICs down, 32 up on a 64-port NDR switch
  std::int64_t pod_size = 256;  ///< accelerators per pod (SuperPOD scalable unit: 32 DGX)
  /// Per accelerator to its host's NVSwitch: NVLink 4, 900 GB/s total = 450 GB/s per
  /// direction (H100 SXM).
  units::ByteRate intra_host_bandwidth = units::gigabytes_per_second(450);
  /// Per accelerator NIC to its leaf: 400 Gb/s (ConnectX-7, NDR InfiniBand) = 50 GB/s.
  units::ByteRate nic_bandwidth = units::gigabytes_per_second(50);
  /// Leaf downlink / uplink bandwidth (1 = non-blocking).
  double leaf_oversubscription = 1.0;
  /// Spine (pod) downlink / uplink bandwidth to the core (1 = non-blocking).
  double spine_oversubscription = 1.0;
  // Latencies per link: assumptions (no datasheet gives a per-link figure), see the doc.
  units::Seconds intra_host_latency = units::seconds(0.5e-6);
  units::Seconds nic_latency = units::seconds(1e-6);    ///< accelerator - leaf
  units::Seconds spine_latency = units::seconds(1e-6);  ///< leaf - spine
  units::Seconds core_latency = units::seconds(1e-6);   ///< spine - core
};

/// A 3D torus of chips (TPU v4: 4x4x4 cubes of 64 chips with ICI links; a full pod is
/// 16x16x16). Every chip links to its neighbours at +-1 along each dimension, with
/// wraparound; a dimension of 2 has a single link, a dimension of 1 none. Pods are the
/// `cube` blocks (the OCS unit of TPU v4), hosts the `host` blocks (a 2x2x1 tray of 4 chips).
struct TorusSpec {
  std::int64_t x = 4;
  std::int64_t y = 4;
  std::int64_t z = 4;
  /// Per ICI link and direction: 400 Gb/s = 50 GB/s (TPU v4).
  units::ByteRate link_bandwidth = units::gigabytes_per_second(50);
  units::Seconds link_latency = units::seconds(1e-6);  ///< assumption
  std::array<std::int64_t, 3> cube{4, 4, 4};           ///< pod extents; must divide x, y, z
  std::array<std::int64_t, 3> host{2, 2, 1};           ///< host extents; must divide the cube's
};

/// Index arithmetic of a fat tree (no graph): what an Allocator needs.
struct FatTreeLayout {
  std::int64_t accelerators = 0;
  std::int64_t per_host = 0;
  std::int64_t hosts_per_leaf = 0;
  std::int64_t pod_size = 0;
  std::int64_t leaf_size = 0;  ///< accelerators per leaf
  std::int64_t hosts = 0;
  std::int64_t leaves = 0;
  std::int64_t pods = 0;
  std::int64_t leaves_per_pod = 0;

  [[nodiscard]] std::int64_t host_of(AcceleratorId a) const { return a / per_host; }
  [[nodiscard]] std::int64_t leaf_of(AcceleratorId a) const { return a / leaf_size; }
  [[nodiscard]] std::int64_t pod_of(AcceleratorId a) const { return a / pod_size; }
};

/// Index arithmetic of a 3D torus whose ids are pod (cube) major: id = pod x cube volume +
/// local, pod = cx + CX (cy + CY cz), local = lx + cube_x (ly + cube_y lz).
struct TorusLayout {
  std::array<std::int64_t, 3> dims{};
  std::array<std::int64_t, 3> cube{};
  std::array<std::int64_t, 3> host{};
  std::array<std::int64_t, 3> cubes{};  ///< cubes along each dimension
  std::int64_t chips = 0;
  std::int64_t cube_volume = 0;
  std::int64_t host_volume = 0;

  [[nodiscard]] std::array<std::int64_t, 3> coordinates(AcceleratorId a) const;
  [[nodiscard]] AcceleratorId id(const std::array<std::int64_t, 3>& c) const;
  [[nodiscard]] std::int64_t pod_of(AcceleratorId a) const { return a / cube_volume; }
  [[nodiscard]] std::int64_t host_of(AcceleratorId a) const;
};

/// The hops, bottleneck bandwidth and latency of a route between two accelerators.
struct Route {
  int hops = 0;
  units::ByteRate bandwidth;  ///< +infinity from an accelerator to itself
  units::Seconds latency;
};

class Fabric {
 public:
  /// Throws std::invalid_argument when the spec is inconsistent (see the checks in
  /// fabric.cpp: sizes positive and dividing each other, rates positive and finite, ...).
  [[nodiscard]] static Fabric fat_tree(const FatTreeSpec& spec);
  [[nodiscard]] static Fabric torus3d(const TorusSpec& spec);

  [[nodiscard]] FabricKind kind() const { return kind_; }
  [[nodiscard]] std::int64_t num_accelerators() const { return accelerators_; }
  [[nodiscard]] std::int64_t num_hosts() const { return hosts_; }
  [[nodiscard]] std::int64_t num_pods() const { return pods_; }
  [[nodiscard]] std::int64_t pod_size() const { return accelerators_ / pods_; }
  [[nodiscard]] std::int64_t accelerators_per_host() const { return accelerators_ / hosts_; }
  [[nodiscard]] std::int64_t pod_of(AcceleratorId a) const;
  [[nodiscard]] std::int64_t host_of(AcceleratorId a) const;

  /// Links on a shortest path; 0 from an accelerator to itself. O(1).
  [[nodiscard]] int hops(AcceleratorId a, AcceleratorId b) const;
  /// The largest bottleneck (minimum link) bandwidth over the shortest paths. O(1).
  [[nodiscard]] units::ByteRate path_bandwidth(AcceleratorId a, AcceleratorId b) const;
  /// The smallest summed latency over the shortest paths of path_bandwidth(). O(1).
  [[nodiscard]] units::Seconds path_latency(AcceleratorId a, AcceleratorId b) const;
  /// The three above at once, in closed form. O(1).
  [[nodiscard]] Route route(AcceleratorId a, AcceleratorId b) const;
  /// The same as route(), found by a Boost breadth-first search and a pass over the
  /// shortest-path graph: O(vertices + edges). The reference for route() in the tests.
  [[nodiscard]] Route route_by_search(AcceleratorId a, AcceleratorId b) const;
  /// Hops from `from` to every vertex of graph() (Boost BFS); -1 where unreachable.
  [[nodiscard]] std::vector<int> hop_distances(AcceleratorId from) const;
  /// The largest hops() between two accelerators, closed form.
  [[nodiscard]] int diameter() const;

  /// Bisection bandwidth (per direction) of a placed group: the rate at which one half of
  /// the group can send to the other, each link at its capacity and no other traffic.
  /// Fat tree: the group is split at its median in id (hierarchical) order and the rate is
  /// the exact maximum flow across that cut with accelerators as end points only (no
  /// relaying through a third GPU). Torus: for a block (possibly wrapping around),
  /// min over dimensions of (cross-section links, x2 when the block spans a whole ring of
  /// 3 or more) x link bandwidth; for any other group, min over dimensions of the direct
  /// links between the two halves of a median split along that dimension. A group of one
  /// has +infinity. Throws std::invalid_argument on an empty group, a duplicate or an id
  /// out of range. O(group log group) (+ O(accelerators) for a non-block torus group).
  [[nodiscard]] units::ByteRate bisection_bandwidth(const std::vector<AcceleratorId>& group) const;

  [[nodiscard]] const FabricGraph& graph() const { return graph_; }
  /// Throws std::logic_error on a fabric of the other kind.
  [[nodiscard]] const FatTreeLayout& fat_tree_layout() const;
  [[nodiscard]] const TorusLayout& torus_layout() const;
  [[nodiscard]] const FatTreeSpec& fat_tree_spec() const;
  [[nodiscard]] const TorusSpec& torus_spec() const;

 private:
  Fabric() = default;
  void check(AcceleratorId a) const;
  [[nodiscard]] Route fat_tree_route(AcceleratorId a, AcceleratorId b) const;
  [[nodiscard]] Route torus_route(AcceleratorId a, AcceleratorId b) const;
  [[nodiscard]] units::ByteRate fat_tree_bisection(std::vector<AcceleratorId> group) const;
  [[nodiscard]] units::ByteRate torus_bisection(const std::vector<AcceleratorId>& group) const;

  FabricKind kind_ = FabricKind::kFatTree;
  std::int64_t accelerators_ = 0;
  std::int64_t hosts_ = 0;
  std::int64_t pods_ = 0;
  FatTreeSpec fat_spec_;
  FatTreeLayout fat_;
  TorusSpec torus_spec_;
  TorusLayout torus_;
  units::ByteRate leaf_uplink_;  ///< fat tree: leaf - spine
  units::ByteRate pod_uplink_;   ///< fat tree: spine - core
  FabricGraph graph_;
};

}  // namespace footprint::models
