// Placement of jobs on a fabric's accelerators, and the split of a fabric's pods across
// simulation threads.
//
// The Allocator gives each job a compact set of accelerators (few hops between them):
// - fat tree: hierarchical best fit. A job that fits in a pod goes to the pod with the
//   fewest free accelerators that still holds it; inside a pod the same rule picks a leaf,
//   inside a leaf a host. A job larger than a unit (pod, leaf, host) takes whole free units
//   first (lowest index first), then puts its remainder by best fit; when fragmentation
//   leaves no unit big enough, it takes the units with the most free accelerators first.
//   Inside a host it takes the lowest free slots.
// - 3D torus: the most cube-like free block. Candidate boxes are ordered by volume (the
//   job's size first), then surface (most cube-like first); a job no larger than a pod
//   (cube) looks inside single pods first (best-fit pod order), then anywhere, with
//   wraparound. When no box of the exact size is free, the smallest box with enough free
//   chips is used and the job takes its first free chips.
// Costs: fat tree O(hosts touched x hosts per leaf + leaves per pod + log64 accelerators)
// per call (pods indexed by free count in a bit tree, a 64-bit free mask per host); torus
// O(chips + candidate boxes) per call. Every choice breaks ties by the lowest index: the same
// sequence of calls gives the same allocations. docs/topology.md has the policy in full.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "models/topology/fabric.hpp"

namespace footprint::models {

namespace detail {

/// A set of indices [0, size) as bits, with summary words above (bit i of level L + 1 set
/// when word i of level L is not zero): next and previous set index in O(log64 size).
class LevelBitset {
 public:
  static constexpr std::size_t kNone = ~std::size_t{0};

  LevelBitset() = default;
  explicit LevelBitset(std::size_t size);
  void set(std::size_t i);
  void reset(std::size_t i);
  /// The first set index >= i, or kNone.
  [[nodiscard]] std::size_t next(std::size_t i) const;
  /// The last set index <= i, or kNone.
  [[nodiscard]] std::size_t previous(std::size_t i) const;

 private:
  std::size_t size_ = 0;
  std::vector<std::vector<std::uint64_t>> levels_;
};

}  // namespace detail

/// Accelerators [begin, end).
struct IdRange {
  AcceleratorId begin = 0;
  AcceleratorId end = 0;

  [[nodiscard]] std::int64_t size() const { return std::int64_t{end} - std::int64_t{begin}; }
  constexpr bool operator==(const IdRange&) const = default;
};

struct Allocation {
  std::int64_t devices = 0;
  std::vector<IdRange> ranges;      ///< ascending, disjoint and not adjacent
  std::vector<std::uint32_t> pods;  ///< pods touched, ascending

  /// Every accelerator id, ascending.
  [[nodiscard]] std::vector<AcceleratorId> ids() const;
  bool operator==(const Allocation&) const = default;
};

class Allocator {
 public:
  /// Starts with every accelerator free. Keeps its own copy of the fabric's layout.
  explicit Allocator(const Fabric& fabric);

  /// A compact set of `devices` free accelerators, or nothing when fewer are free. Throws
  /// std::invalid_argument when `devices` is not positive.
  [[nodiscard]] std::optional<Allocation> allocate(std::int64_t devices);
  /// Frees an allocation this allocator gave. Throws std::invalid_argument (and changes
  /// nothing) when a range is out of bounds, unsorted, or holds an accelerator that is free.
  void release(const Allocation& allocation);

  [[nodiscard]] std::int64_t capacity() const { return capacity_; }
  [[nodiscard]] std::int64_t free_devices() const { return free_total_; }
  [[nodiscard]] std::int64_t num_pods() const {
    return static_cast<std::int64_t>(pod_free_.size());
  }
  /// Throws std::invalid_argument when `pod` is out of range.
  [[nodiscard]] std::int64_t free_in_pod(std::uint32_t pod) const;
  /// Throws std::invalid_argument when `a` is out of range.
  [[nodiscard]] bool is_free(AcceleratorId a) const;

 private:
  class Ranges;

  void allocate_fat_tree(std::int64_t n, Ranges& out, std::vector<std::uint32_t>& pods);
  void take_from_pod(std::uint32_t pod, std::int64_t k, Ranges& out);
  void take_from_leaf(std::int64_t leaf, std::int64_t k, Ranges& out);
  void take_from_host(std::int64_t host, std::int64_t k, Ranges& out);
  void set_pod_free(std::uint32_t pod, std::int64_t free);
  void allocate_torus(std::int64_t n, Ranges& out, std::vector<std::uint32_t>& pods);
  void release_fat_tree(const Allocation& allocation);
  void release_torus(const Allocation& allocation);

  FabricKind kind_;
  std::int64_t capacity_ = 0;
  std::int64_t free_total_ = 0;
  std::vector<std::int64_t> pod_free_;
  // Fat tree.
  FatTreeLayout fat_;
  /// Bit free x pods + pod is set for each pod: the next set bit from need x pods is the
  /// pod with the fewest free accelerators that holds `need` (lowest index on a tie).
  detail::LevelBitset pods_by_free_;
  std::vector<std::int64_t> leaf_free_;
  std::vector<std::uint64_t> host_free_mask_;  ///< bit s set: slot s of the host is free
  std::vector<std::int32_t> host_free_;        ///< free slots of each host
  // Torus.
  TorusLayout torus_;
  std::vector<std::uint8_t> chip_free_;  ///< 1 when free
  std::vector<std::int32_t> prefix_;     ///< free chips, prefix sums over the doubled torus
};

}  // namespace footprint::models
