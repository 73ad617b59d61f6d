#include "models/topology/placement.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <stdexcept>
#include <string>
#include <tuple>

namespace footprint::models {

namespace {

std::size_t sz(std::int64_t v) {
  return static_cast<std::size_t>(v);
}

/// Bits [lo, hi) of a 64-bit mask, 0 <= lo <= hi <= 64.
std::uint64_t slot_bits(std::int64_t lo, std::int64_t hi) {
  const std::int64_t n = hi - lo;
  const std::uint64_t low = n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
  return low << lo;
}

/// Picks children of a unit for `k` accelerators and takes them with `take(child, count)`.
/// Children are [first, first + count); `free(child)` is the child's free accelerators and
/// `cap` its size. The parent must hold at least `k` free accelerators.
template <class Free, class Take>
void distribute(std::int64_t k, std::int64_t first, std::int64_t count, std::int64_t cap,
                const Free& free, const Take& take) {
  // The child with the fewest free accelerators that still holds `need`, lowest index first.
  const auto best_fit = [&](std::int64_t need) {
    std::int64_t best = -1;
    std::int64_t best_free = 0;
    for (std::int64_t c = first; c < first + count; ++c) {
      const std::int64_t f = free(c);
      if (f >= need && (best < 0 || f < best_free)) {
        best = c;
        best_free = f;
      }
    }
    return best;
  };
  if (k <= cap) {
    const std::int64_t b = best_fit(k);
    if (b >= 0) {
      take(b, k);
      return;
    }
  }
  // Whole free children first.
  for (std::int64_t c = first; c < first + count && k >= cap; ++c) {
    if (free(c) == cap) {
      take(c, cap);
      k -= cap;
    }
  }
  while (k > 0) {
    const std::int64_t b = best_fit(k);
    if (b >= 0) {
      take(b, k);
      return;
    }
    // None holds the rest: drain the child with the most free accelerators.
    std::int64_t most = -1;
    std::int64_t most_free = 0;
    for (std::int64_t c = first; c < first + count; ++c) {
      const std::int64_t f = free(c);
      if (f > most_free) {
        most = c;
        most_free = f;
      }
    }
    if (most < 0) {
      throw std::logic_error("allocator: free counts are inconsistent");
    }
    take(most, most_free);
    k -= most_free;
  }
}

struct Box {
  std::array<std::int64_t, 3> extent{};
  std::int64_t volume = 0;
  std::int64_t surface = 0;
};

/// Boxes no larger than `limit` along each axis with a volume of at least `min_volume`, by
/// volume, then surface (most cube-like first), then the largest extent, then extents.
std::vector<Box> boxes(const std::array<std::int64_t, 3>& limit, std::int64_t min_volume) {
  std::vector<Box> out;
  for (std::int64_t a = 1; a <= limit[0]; ++a) {
    for (std::int64_t b = 1; b <= limit[1]; ++b) {
      for (std::int64_t c = 1; c <= limit[2]; ++c) {
        if (a * b * c >= min_volume) {
          out.push_back({{a, b, c}, a * b * c, a * b + b * c + c * a});
        }
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const Box& p, const Box& q) {
    const auto key = [](const Box& r) {
      return std::make_tuple(r.volume, r.surface, std::max({r.extent[0], r.extent[1], r.extent[2]}),
                             r.extent[0], r.extent[1], r.extent[2]);
    };
    return key(p) < key(q);
  });
  return out;
}

}  // namespace

namespace detail {

LevelBitset::LevelBitset(std::size_t size) : size_(size) {
  std::size_t words = size;
  do {
    words = (words + 63) / 64;
    levels_.emplace_back(std::max<std::size_t>(words, 1), 0);
  } while (words > 1);
}

void LevelBitset::set(std::size_t i) {
  for (auto& level : levels_) {
    const std::size_t w = i / 64;
    const bool was_empty = level[w] == 0;
    level[w] |= std::uint64_t{1} << (i % 64);
    if (!was_empty) {
      return;
    }
    i = w;
  }
}

void LevelBitset::reset(std::size_t i) {
  for (auto& level : levels_) {
    const std::size_t w = i / 64;
    level[w] &= ~(std::uint64_t{1} << (i % 64));
    if (level[w] != 0) {
      return;
    }
    i = w;
  }
}

std::size_t LevelBitset::next(std::size_t i) const {
  if (i >= size_) {
    return kNone;
  }
  std::size_t level = 0;
  for (;; ++level) {  // climb until a word holds a set bit at or after i
    if (level == levels_.size()) {
      return kNone;
    }
    const auto& words = levels_[level];
    const std::size_t w = i / 64;
    if (w >= words.size()) {
      return kNone;
    }
    const std::uint64_t m = words[w] & (~std::uint64_t{0} << (i % 64));
    if (m != 0) {
      i = w * 64 + static_cast<std::size_t>(std::countr_zero(m));
      break;
    }
    i = w + 1;
  }
  while (level > 0) {  // descend along the lowest set bits
    --level;
    i = i * 64 + static_cast<std::size_t>(std::countr_zero(levels_[level][i]));
  }
  return i;
}

std::size_t LevelBitset::previous(std::size_t i) const {
  if (size_ == 0) {
    return kNone;
  }
  i = std::min(i, size_ - 1);
  std::size_t level = 0;
  for (;; ++level) {  // climb until a word holds a set bit at or before i
    if (level == levels_.size()) {
      return kNone;
    }
    const std::size_t w = i / 64;
    const std::size_t b = i % 64;
    const std::uint64_t below = b == 63 ? ~std::uint64_t{0} : (std::uint64_t{1} << (b + 1)) - 1;
    const std::uint64_t m = levels_[level][w] & below;
    if (m != 0) {
      i = w * 64 + 63 - static_cast<std::size_t>(std::countl_zero(m));
      break;
    }
    if (w == 0) {
      return kNone;
    }
    i = w - 1;
  }
  while (level > 0) {  // descend along the highest set bits
    --level;
    i = i * 64 + 63 - static_cast<std::size_t>(std::countl_zero(levels_[level][i]));
  }
  return i;
}

}  // namespace detail

/// Collects the accelerator ranges of an allocation as they are taken.
class Allocator::Ranges {
 public:
  void add(std::int64_t begin, std::int64_t end) {
    if (!ranges_.empty() && std::int64_t{ranges_.back().end} == begin) {
      ranges_.back().end = static_cast<AcceleratorId>(end);
      return;
    }
    ranges_.push_back({static_cast<AcceleratorId>(begin), static_cast<AcceleratorId>(end)});
  }
  /// Ascending and merged.
  std::vector<IdRange> finish() {
    std::sort(ranges_.begin(), ranges_.end(),
              [](const IdRange& a, const IdRange& b) { return a.begin < b.begin; });
    std::vector<IdRange> out;
    out.reserve(ranges_.size());
    for (const IdRange& r : ranges_) {
      if (!out.empty() && out.back().end == r.begin) {
        out.back().end = r.end;
      } else {
        out.push_back(r);
      }
    }
    return out;
  }

 private:
  std::vector<IdRange> ranges_;
};

std::vector<AcceleratorId> Allocation::ids() const {
  std::vector<AcceleratorId> out;
  out.reserve(sz(std::max<std::int64_t>(devices, 0)));
  for (const IdRange& r : ranges) {
    for (AcceleratorId a = r.begin; a < r.end; ++a) {
      out.push_back(a);
    }
  }
  return out;
}

Allocator::Allocator(const Fabric& fabric)
    : kind_(fabric.kind()),
      capacity_(fabric.num_accelerators()),
      free_total_(fabric.num_accelerators()),
      pod_free_(sz(fabric.num_pods()), fabric.pod_size()) {
  if (kind_ == FabricKind::kFatTree) {
    fat_ = fabric.fat_tree_layout();
    pods_by_free_ = detail::LevelBitset(sz((fat_.pod_size + 1) * fat_.pods));
    for (std::int64_t p = 0; p < fat_.pods; ++p) {
      pods_by_free_.set(sz(fat_.pod_size * fat_.pods + p));
    }
    leaf_free_.assign(sz(fat_.leaves), fat_.leaf_size);
    host_free_mask_.assign(sz(fat_.hosts), slot_bits(0, fat_.per_host));
    host_free_.assign(sz(fat_.hosts), static_cast<std::int32_t>(fat_.per_host));
  } else {
    torus_ = fabric.torus_layout();
    chip_free_.assign(sz(torus_.chips), 1);
  }
}

std::int64_t Allocator::free_in_pod(std::uint32_t pod) const {
  if (pod >= pod_free_.size()) {
    throw std::invalid_argument("allocator: pod " + std::to_string(pod) + " out of range (" +
                                std::to_string(pod_free_.size()) + " pods)");
  }
  return pod_free_[pod];
}

bool Allocator::is_free(AcceleratorId a) const {
  if (std::int64_t{a} >= capacity_) {
    throw std::invalid_argument("allocator: accelerator " + std::to_string(a) + " out of range");
  }
  if (kind_ == FabricKind::kFatTree) {
    const std::int64_t h = fat_.host_of(a);
    return ((host_free_mask_[sz(h)] >> (a - h * fat_.per_host)) & 1U) != 0;
  }
  return chip_free_[a] != 0;
}

std::optional<Allocation> Allocator::allocate(std::int64_t devices) {
  if (devices <= 0) {
    throw std::invalid_argument("allocator: a job needs at least one device, got " +
                                std::to_string(devices));
  }
  if (devices > free_total_) {
    return std::nullopt;
  }
  Ranges ranges;
  Allocation out;
  out.devices = devices;
  if (kind_ == FabricKind::kFatTree) {
    allocate_fat_tree(devices, ranges, out.pods);
  } else {
    allocate_torus(devices, ranges, out.pods);
  }
  out.ranges = ranges.finish();
  std::sort(out.pods.begin(), out.pods.end());
  out.pods.erase(std::unique(out.pods.begin(), out.pods.end()), out.pods.end());
  free_total_ -= devices;
  return out;
}

// ---------------------------------------------------------------------------------------
// Fat tree

void Allocator::set_pod_free(std::uint32_t pod, std::int64_t free) {
  pods_by_free_.reset(sz(pod_free_[pod] * fat_.pods + pod));
  pod_free_[pod] = free;
  pods_by_free_.set(sz(free * fat_.pods + pod));
}

void Allocator::allocate_fat_tree(std::int64_t n, Ranges& out, std::vector<std::uint32_t>& pods) {
  const std::int64_t cap = fat_.pod_size;
  const auto take = [&](std::uint32_t pod, std::int64_t k) {
    pods.push_back(pod);
    take_from_pod(pod, k, out);
  };
  // The pod with the fewest free accelerators that still holds `need`, lowest index first.
  const auto best_fit = [&](std::int64_t need) -> std::optional<std::uint32_t> {
    const std::size_t bit = pods_by_free_.next(sz(need * fat_.pods));
    if (bit == detail::LevelBitset::kNone) {
      return std::nullopt;
    }
    return static_cast<std::uint32_t>(bit % sz(fat_.pods));
  };
  if (n <= cap) {
    if (const auto p = best_fit(n)) {
      take(*p, n);
      return;
    }
  }
  while (n >= cap) {  // whole free pods, lowest index first
    const auto p = best_fit(cap);
    if (!p) {
      break;
    }
    take(*p, cap);
    n -= cap;
  }
  while (n > 0) {
    if (const auto p = best_fit(n)) {
      take(*p, n);
      return;
    }
    // None holds the rest: drain the pod with the most free accelerators (lowest index).
    const std::size_t last = pods_by_free_.previous(detail::LevelBitset::kNone);
    const auto most = static_cast<std::int64_t>(last / sz(fat_.pods));
    const auto p =
        static_cast<std::uint32_t>(pods_by_free_.next(sz(most * fat_.pods)) % sz(fat_.pods));
    take(p, most);
    n -= most;
  }
}

void Allocator::take_from_pod(std::uint32_t pod, std::int64_t k, Ranges& out) {
  set_pod_free(pod, pod_free_[pod] - k);
  distribute(
      k, std::int64_t{pod} * fat_.leaves_per_pod, fat_.leaves_per_pod, fat_.leaf_size,
      [&](std::int64_t leaf) { return leaf_free_[sz(leaf)]; },
      [&](std::int64_t leaf, std::int64_t count) { take_from_leaf(leaf, count, out); });
}

void Allocator::take_from_leaf(std::int64_t leaf, std::int64_t k, Ranges& out) {
  leaf_free_[sz(leaf)] -= k;
  distribute(
      k, leaf * fat_.hosts_per_leaf, fat_.hosts_per_leaf, fat_.per_host,
      [&](std::int64_t host) { return std::int64_t{host_free_[sz(host)]}; },
      [&](std::int64_t host, std::int64_t count) { take_from_host(host, count, out); });
}

void Allocator::take_from_host(std::int64_t host, std::int64_t k, Ranges& out) {
  std::uint64_t mask = host_free_mask_[sz(host)];
  const std::int64_t base = host * fat_.per_host;
  host_free_[sz(host)] -= static_cast<std::int32_t>(k);
  if (k == fat_.per_host) {  // the whole host
    out.add(base, base + k);
    host_free_mask_[sz(host)] = 0;
    return;
  }
  for (std::int64_t j = 0; j < k; ++j) {  // the lowest free slots
    const std::int64_t slot = std::countr_zero(mask);
    mask &= mask - 1;
    out.add(base + slot, base + slot + 1);
  }
  host_free_mask_[sz(host)] = mask;
}

void Allocator::release_fat_tree(const Allocation& allocation) {
  const std::int64_t per_host = fat_.per_host;
  // Walks the allocation host by host: visit(host, first id, end id, slot bits).
  const auto for_each_host = [&](const auto& visit) {
    for (const IdRange& r : allocation.ranges) {
      const std::int64_t end = r.end;
      std::int64_t h = std::int64_t{r.begin} / per_host;
      std::int64_t b = r.begin;
      std::int64_t base = h * per_host;
      while (b < end) {
        const std::int64_t e = std::min(end, base + per_host);
        visit(h, b, e, e - b == per_host ? slot_bits(0, per_host) : slot_bits(b - base, e - base));
        b = e;
        base += per_host;
        ++h;
      }
    }
  };
  for_each_host([&](std::int64_t h, std::int64_t b, std::int64_t, std::uint64_t bits) {
    if ((host_free_mask_[sz(h)] & bits) != 0) {
      throw std::invalid_argument("allocator: release of accelerators that are free (in host " +
                                  std::to_string(h) + ", from id " + std::to_string(b) + ")");
    }
  });
  std::int64_t leaf = -1;
  std::int64_t leaf_returned = 0;
  std::int64_t pod = -1;
  std::int64_t pod_returned = 0;
  const auto flush_leaf = [&] {
    if (leaf >= 0) {
      leaf_free_[sz(leaf)] += leaf_returned;
    }
  };
  const auto flush_pod = [&] {
    if (pod >= 0) {
      set_pod_free(static_cast<std::uint32_t>(pod), pod_free_[sz(pod)] + pod_returned);
    }
  };
  for_each_host([&](std::int64_t h, std::int64_t b, std::int64_t e, std::uint64_t bits) {
    host_free_mask_[sz(h)] |= bits;
    host_free_[sz(h)] += static_cast<std::int32_t>(e - b);
    const std::int64_t l = h / fat_.hosts_per_leaf;
    if (l != leaf) {
      flush_leaf();
      leaf = l;
      leaf_returned = 0;
      const std::int64_t p = l / fat_.leaves_per_pod;
      if (p != pod) {
        flush_pod();
        pod = p;
        pod_returned = 0;
      }
    }
    leaf_returned += e - b;
    pod_returned += e - b;
  });
  flush_leaf();
  flush_pod();
}

// ---------------------------------------------------------------------------------------
// Torus

void Allocator::allocate_torus(std::int64_t n, Ranges& out, std::vector<std::uint32_t>& pods) {
  const TorusLayout& t = torus_;
  const auto& dim = t.dims;
  // Prefix sums of free chips over the torus repeated twice along each axis, so that a box
  // that wraps around is a plain box: P(i, j, k) = free chips in [0, i) x [0, j) x [0, k).
  const std::array<std::int64_t, 3> span{2 * dim[0] + 1, 2 * dim[1] + 1, 2 * dim[2] + 1};
  prefix_.assign(sz(span[0] * span[1] * span[2]), 0);
  const auto at = [&](std::int64_t i, std::int64_t j, std::int64_t k) -> std::int32_t& {
    return prefix_[sz(i + span[0] * (j + span[1] * k))];
  };
  for (std::int64_t k = 1; k < span[2]; ++k) {
    for (std::int64_t j = 1; j < span[1]; ++j) {
      for (std::int64_t i = 1; i < span[0]; ++i) {
        const AcceleratorId id = t.id({(i - 1) % dim[0], (j - 1) % dim[1], (k - 1) % dim[2]});
        at(i, j, k) = chip_free_[id] + at(i - 1, j, k) + at(i, j - 1, k) + at(i, j, k - 1) -
                      at(i - 1, j - 1, k) - at(i - 1, j, k - 1) - at(i, j - 1, k - 1) +
                      at(i - 1, j - 1, k - 1);
      }
    }
  }
  const auto free_in = [&](const std::array<std::int64_t, 3>& o,
                           const std::array<std::int64_t, 3>& e) -> std::int64_t {
    const std::int64_t x0 = o[0];
    const std::int64_t y0 = o[1];
    const std::int64_t z0 = o[2];
    const std::int64_t x1 = o[0] + e[0];
    const std::int64_t y1 = o[1] + e[1];
    const std::int64_t z1 = o[2] + e[2];
    return at(x1, y1, z1) - at(x0, y1, z1) - at(x1, y0, z1) - at(x1, y1, z0) + at(x0, y0, z1) +
           at(x0, y1, z0) + at(x1, y0, z0) - at(x0, y0, z0);
  };
  // Takes the first `n` free chips of the box, x fastest.
  const auto take = [&](const std::array<std::int64_t, 3>& o,
                        const std::array<std::int64_t, 3>& e) {
    std::int64_t left = n;
    for (std::int64_t k = 0; k < e[2] && left > 0; ++k) {
      for (std::int64_t j = 0; j < e[1] && left > 0; ++j) {
        for (std::int64_t i = 0; i < e[0] && left > 0; ++i) {
          const AcceleratorId id =
              t.id({(o[0] + i) % dim[0], (o[1] + j) % dim[1], (o[2] + k) % dim[2]});
          if (chip_free_[id] != 0) {
            chip_free_[id] = 0;
            const std::int64_t pod = t.pod_of(id);
            --pod_free_[sz(pod)];
            pods.push_back(static_cast<std::uint32_t>(pod));
            out.add(id, std::int64_t{id} + 1);
            --left;
          }
        }
      }
    }
  };

  if (n <= t.cube_volume) {
    // Inside one pod: boxes that fit a cube, pods by best fit.
    std::vector<std::uint32_t> order;
    for (std::size_t p = 0; p < pod_free_.size(); ++p) {
      if (pod_free_[p] >= n) {
        order.push_back(static_cast<std::uint32_t>(p));
      }
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return pod_free_[a] < pod_free_[b]; });
    for (const Box& box : boxes(t.cube, n)) {
      const auto& e = box.extent;
      for (const std::uint32_t pod : order) {
        const std::array<std::int64_t, 3> corner{(pod % t.cubes[0]) * t.cube[0],
                                                 (pod / t.cubes[0] % t.cubes[1]) * t.cube[1],
                                                 (pod / (t.cubes[0] * t.cubes[1])) * t.cube[2]};
        for (std::int64_t k = 0; k + e[2] <= t.cube[2]; ++k) {
          for (std::int64_t j = 0; j + e[1] <= t.cube[1]; ++j) {
            for (std::int64_t i = 0; i + e[0] <= t.cube[0]; ++i) {
              const std::array<std::int64_t, 3> o{corner[0] + i, corner[1] + j, corner[2] + k};
              if (free_in(o, e) >= n) {
                take(o, e);
                return;
              }
            }
          }
        }
      }
    }
  }
  // Anywhere, with wraparound: origins on the cube grid first, then the others. Along an
  // axis that the box spans whole, every origin gives the same chips: only 0 is tried.
  for (const Box& box : boxes(dim, n)) {
    const auto& e = box.extent;
    const std::array<std::int64_t, 3> last{e[0] == dim[0] ? 1 : dim[0], e[1] == dim[1] ? 1 : dim[1],
                                           e[2] == dim[2] ? 1 : dim[2]};
    for (const bool aligned : {true, false}) {
      for (std::int64_t k = 0; k < last[2]; ++k) {
        for (std::int64_t j = 0; j < last[1]; ++j) {
          for (std::int64_t i = 0; i < last[0]; ++i) {
            const bool on_grid = i % t.cube[0] == 0 && j % t.cube[1] == 0 && k % t.cube[2] == 0;
            if (on_grid != aligned) {
              continue;
            }
            const std::array<std::int64_t, 3> o{i, j, k};
            if (free_in(o, e) >= n) {
              take(o, e);
              return;
            }
          }
        }
      }
    }
  }
  throw std::logic_error("allocator: no box holds the free chips");  // the whole torus does
}

void Allocator::release_torus(const Allocation& allocation) {
  for (const IdRange& r : allocation.ranges) {
    for (AcceleratorId a = r.begin; a < r.end; ++a) {
      if (chip_free_[a] != 0) {
        throw std::invalid_argument("allocator: release of accelerator " + std::to_string(a) +
                                    ", which is free");
      }
    }
  }
  for (const IdRange& r : allocation.ranges) {
    for (AcceleratorId a = r.begin; a < r.end; ++a) {
      chip_free_[a] = 1;
      ++pod_free_[sz(torus_.pod_of(a))];
    }
  }
}

void Allocator::release(const Allocation& allocation) {
  std::int64_t total = 0;
  std::int64_t previous_end = -1;
  for (const IdRange& r : allocation.ranges) {
    if (r.begin >= r.end || std::int64_t{r.end} > capacity_ ||
        std::int64_t{r.begin} <= previous_end) {
      throw std::invalid_argument(
          "allocator: release of an allocation whose ranges are empty, "
          "out of range or not ascending and disjoint");
    }
    previous_end = r.end;
    total += r.size();
  }
  if (total != allocation.devices) {
    throw std::invalid_argument("allocator: release of an allocation of " +
                                std::to_string(allocation.devices) + " devices whose ranges hold " +
                                std::to_string(total));
  }
  if (kind_ == FabricKind::kFatTree) {
    release_fat_tree(allocation);
  } else {
    release_torus(allocation);
  }
  free_total_ += total;
}

}  // namespace footprint::models
