#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "models/topology/placement.hpp"

using namespace footprint;
using models::AcceleratorId;
using models::Allocation;
using models::Allocator;
using models::Fabric;
using models::FatTreeSpec;
using models::IdRange;
using models::TorusSpec;

namespace {

Fabric h100(std::int64_t accelerators) {
  FatTreeSpec s;  // 8 per host, 4 hosts per leaf, 256 per pod
  s.accelerators = accelerators;
  return Fabric::fat_tree(s);
}

/// Checks the allocator's counts against the allocations it has given out.
void check_consistent(const Fabric& f, const Allocator& alloc,
                      const std::vector<Allocation>& live) {
  std::vector<char> used(static_cast<std::size_t>(f.num_accelerators()), 0);
  std::int64_t devices = 0;
  for (const Allocation& a : live) {
    devices += a.devices;
    std::set<std::uint32_t> pods;
    for (const AcceleratorId id : a.ids()) {
      REQUIRE(used[id] == 0);  // no accelerator given twice
      used[id] = 1;
      pods.insert(static_cast<std::uint32_t>(f.pod_of(id)));
    }
    REQUIRE(std::vector<std::uint32_t>(pods.begin(), pods.end()) == a.pods);
  }
  REQUIRE(alloc.free_devices() + devices == alloc.capacity());
  std::vector<std::int64_t> pod_free(static_cast<std::size_t>(f.num_pods()), 0);
  for (AcceleratorId id = 0; id < used.size(); ++id) {
    REQUIRE(alloc.is_free(id) == (used[id] == 0));
    pod_free[static_cast<std::size_t>(f.pod_of(id))] += used[id] == 0 ? 1 : 0;
  }
  for (std::uint32_t p = 0; p < pod_free.size(); ++p) {
    REQUIRE(alloc.free_in_pod(p) == pod_free[p]);
  }
}

/// The bounding extents of a torus allocation (no wraparound in these tests).
std::array<std::int64_t, 3> extents(const Fabric& f, const Allocation& a) {
  std::array<std::int64_t, 3> lo{1 << 30, 1 << 30, 1 << 30};
  std::array<std::int64_t, 3> hi{-1, -1, -1};
  for (const AcceleratorId id : a.ids()) {
    const auto c = f.torus_layout().coordinates(id);
    for (std::size_t d = 0; d < 3; ++d) {
      lo[d] = std::min(lo[d], c[d]);
      hi[d] = std::max(hi[d], c[d]);
    }
  }
  return {hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1};
}

}  // namespace

TEST_CASE("A 256-device job on an empty 4096 fabric lands in exactly one pod", "[placement]") {
  const Fabric f = h100(4096);
  Allocator alloc(f);
  const auto a = alloc.allocate(256);
  REQUIRE(a);
  CHECK(a->devices == 256);
  CHECK(a->pods == std::vector<std::uint32_t>{0});
  CHECK(a->ranges == std::vector<IdRange>{{0, 256}});
  CHECK(alloc.free_in_pod(0) == 0);
  CHECK(alloc.free_devices() == 4096 - 256);
  // Compact: its bisection is the whole pod's, 128 NICs.
  CHECK(units::to_gigabytes_per_second(f.bisection_bandwidth(a->ids())) == Approx(128 * 50.0));
}

TEST_CASE("The allocator fills a pod before spilling to the next", "[placement]") {
  const Fabric f = h100(4096);
  Allocator alloc(f);
  for (int j = 0; j < 32; ++j) {  // 32 whole hosts fill pod 0
    const auto a = alloc.allocate(8);
    REQUIRE(a);
    CHECK(a->pods == std::vector<std::uint32_t>{0});
    CHECK(a->ranges.size() == 1);  // one whole host
    CHECK(a->ranges[0].size() == 8);
    CHECK(f.host_of(a->ranges[0].begin) == j);
  }
  CHECK(alloc.free_in_pod(0) == 0);
  const auto next = alloc.allocate(8);
  REQUIRE(next);
  CHECK(next->pods == std::vector<std::uint32_t>{1});

  // Small jobs share a host by best fit: 3 then 5 fill host 33 (the first of pod 1 after
  // `next` took host 32).
  const auto three = alloc.allocate(3);
  const auto five = alloc.allocate(5);
  REQUIRE(three);
  REQUIRE(five);
  CHECK(f.host_of(three->ranges[0].begin) == 33);
  CHECK(f.host_of(five->ranges[0].begin) == 33);
  CHECK(three->ranges == std::vector<IdRange>{{264, 267}});
  CHECK(five->ranges == std::vector<IdRange>{{267, 272}});

  // A job that fits in a partly used pod goes there (best fit) rather than to an empty one.
  const auto mid = alloc.allocate(100);
  REQUIRE(mid);
  CHECK(mid->pods == std::vector<std::uint32_t>{1});
  // 100 = three whole free leaves (12 hosts) + 4 on a free host of the partly used leaf.
  std::set<std::int64_t> hosts;
  for (const AcceleratorId id : mid->ids()) {
    hosts.insert(f.host_of(id));
  }
  CHECK(hosts.size() == 13);  // 12 whole hosts and one for the remaining 4
}

TEST_CASE("A job larger than a pod takes whole pods and its remainder by best fit", "[placement]") {
  const Fabric f = h100(4096);
  Allocator alloc(f);
  const auto small = alloc.allocate(200);  // pod 0, 56 left
  REQUIRE(small);
  const auto big = alloc.allocate(2 * 256 + 50);
  REQUIRE(big);
  // Two whole free pods (1 and 2), then 50 in pod 0, the pod that holds 50 most tightly.
  CHECK(big->pods == std::vector<std::uint32_t>{0, 1, 2});
  CHECK(alloc.free_in_pod(0) == 6);
  CHECK(alloc.free_in_pod(1) == 0);
  CHECK(alloc.free_in_pod(2) == 0);
}

TEST_CASE("Release restores the free counts and the same calls give the same allocations",
          "[placement]") {
  const Fabric f = h100(4096);
  Allocator alloc(f);
  std::vector<Allocation> first;
  for (const std::int64_t n : {5, 300, 8, 1024, 17, 256, 3}) {
    first.push_back(*alloc.allocate(n));
  }
  check_consistent(f, alloc, first);
  for (const Allocation& a : first) {
    alloc.release(a);
  }
  CHECK(alloc.free_devices() == 4096);
  for (std::uint32_t p = 0; p < 16; ++p) {
    CHECK(alloc.free_in_pod(p) == 256);
  }
  // Empty again: the same calls give the same allocations.
  std::vector<Allocation> second;
  for (const std::int64_t n : {5, 300, 8, 1024, 17, 256, 3}) {
    second.push_back(*alloc.allocate(n));
  }
  CHECK(first == second);
  // Releasing twice, or something never given, throws and changes nothing.
  alloc.release(second[0]);
  CHECK_THROWS_AS(alloc.release(second[0]), std::invalid_argument);
  Allocation bogus;
  bogus.devices = 2;
  bogus.ranges = {{4000, 4002}};
  CHECK_THROWS_AS(alloc.release(bogus), std::invalid_argument);
  bogus.ranges = {{4095, 4097}};
  CHECK_THROWS_AS(alloc.release(bogus), std::invalid_argument);
  second.erase(second.begin());
  check_consistent(f, alloc, second);
  CHECK_THROWS_AS(alloc.allocate(0), std::invalid_argument);
  CHECK_FALSE(alloc.allocate(alloc.free_devices() + 1));
}

TEST_CASE("Fragmentation: jobs spill over the fewest pods when no pod holds them", "[placement]") {
  const Fabric f = h100(4096);
  Allocator alloc(f);
  std::vector<Allocation> pods;
  for (int p = 0; p < 16; ++p) {
    pods.push_back(*alloc.allocate(256));
    CHECK(pods.back().pods == std::vector<std::uint32_t>{static_cast<std::uint32_t>(p)});
  }
  CHECK_FALSE(alloc.allocate(1));
  for (int p = 0; p < 16; p += 2) {  // free pods 0, 2, 4, ..., 14
    alloc.release(pods[static_cast<std::size_t>(p)]);
  }
  // 1024 = four whole pods, the lowest free ones.
  const auto big = alloc.allocate(1024);
  REQUIRE(big);
  CHECK(big->pods == std::vector<std::uint32_t>{0, 2, 4, 6});
  // Leave 56 free in each of pods 8, 10, 12, 14.
  std::vector<Allocation> fillers;
  for (int k = 0; k < 4; ++k) {
    fillers.push_back(*alloc.allocate(200));
    CHECK(fillers.back().pods.size() == 1);
  }
  for (const std::uint32_t p : {8U, 10U, 12U, 14U}) {
    CHECK(alloc.free_in_pod(p) == 56);
  }
  // 100 fits in no pod: it takes the pod with the most free (56, lowest index: 8), then 44
  // from the best fit (10).
  const auto spill = alloc.allocate(100);
  REQUIRE(spill);
  CHECK(spill->pods == std::vector<std::uint32_t>{8, 10});
  CHECK(alloc.free_in_pod(8) == 0);
  CHECK(alloc.free_in_pod(10) == 12);
  CHECK_FALSE(alloc.allocate(alloc.free_devices() + 1));
  const auto rest = alloc.allocate(alloc.free_devices());  // everything left: 12 + 56 + 56
  REQUIRE(rest);
  CHECK(rest->devices == 124);
  CHECK(rest->pods == std::vector<std::uint32_t>{10, 12, 14});
  CHECK(alloc.free_devices() == 0);
}

TEST_CASE("Same sequence of calls, same allocations", "[placement]") {
  const Fabric f = h100(8192);
  const auto run = [&] {
    Allocator alloc(f);
    std::mt19937_64 rng(42);
    std::vector<Allocation> live;
    std::vector<Allocation> log;
    for (int i = 0; i < 5000; ++i) {
      if (!live.empty() && rng() % 2 == 0) {
        const auto k = static_cast<std::size_t>(rng() % live.size());
        alloc.release(live[k]);
        live.erase(live.begin() + static_cast<long>(k));
      }
      if (auto a = alloc.allocate(1 + static_cast<std::int64_t>(rng() % 700))) {
        log.push_back(*a);
        live.push_back(std::move(*a));
      }
    }
    check_consistent(f, alloc, live);
    return log;
  };
  const auto a = run();
  const auto b = run();
  CHECK(a.size() > 1000);
  CHECK(a == b);
}

TEST_CASE("Torus allocation gives cube-like blocks", "[placement]") {
  TorusSpec s;
  s.x = s.y = s.z = 8;  // 8 cubes of 4x4x4
  const Fabric f = Fabric::torus3d(s);
  Allocator alloc(f);
  const auto a8 = alloc.allocate(8);
  REQUIRE(a8);
  CHECK(extents(f, *a8) == std::array<std::int64_t, 3>{2, 2, 2});
  CHECK(a8->pods.size() == 1);
  // 32 stays in one cube: 2x4x4 (the first of the most cube-like boxes).
  const auto a32 = alloc.allocate(32);
  REQUIRE(a32);
  CHECK(a32->pods.size() == 1);
  const auto e32 = extents(f, *a32);
  CHECK(e32[0] * e32[1] * e32[2] == 32);
  CHECK(e32 == std::array<std::int64_t, 3>{2, 4, 4});
  // Best fit: the next small job goes to the partly used cube.
  CHECK(a32->pods == a8->pods);
  // 128: two whole cubes, a 4x4x8 block. Its z extent is the whole ring of 8, so the z cut
  // is 4 x 4 x 2 = 32 links; the x and y cuts are 4 x 8 = 32 links as well.
  const auto a128 = alloc.allocate(128);
  REQUIRE(a128);
  CHECK(a128->pods.size() == 2);
  CHECK(extents(f, *a128) == std::array<std::int64_t, 3>{4, 4, 8});
  CHECK(units::to_gigabytes_per_second(f.bisection_bandwidth(a128->ids())) == Approx(32 * 50.0));
  // 7 chips: no 7-chip box fits a cube, so the first 7 free chips of a 2x2x2 box.
  const auto a7 = alloc.allocate(7);
  REQUIRE(a7);
  CHECK(a7->devices == 7);
  CHECK(a7->pods.size() == 1);
  CHECK(extents(f, *a7) == std::array<std::int64_t, 3>{2, 2, 2});
  check_consistent(f, alloc, {*a8, *a32, *a128, *a7});
  alloc.release(*a32);
  alloc.release(*a8);
  check_consistent(f, alloc, {*a128, *a7});
  const auto all = alloc.allocate(alloc.free_devices());
  REQUIRE(all);
  CHECK(alloc.free_devices() == 0);
  check_consistent(f, alloc, {*a128, *a7, *all});
}

TEST_CASE("1,000,000 allocate/release pairs on 102,400 accelerators", "[placement][bench]") {
  const Fabric f = h100(102'400);  // 400 pods of 256, 12,800 hosts
  Allocator alloc(f);
  std::mt19937_64 rng(2024);
  // 60 % small (1-8: one host), 30 % medium (8-256 by 8), 10 % large (256-2048 by 256).
  const auto draw = [&]() -> std::int64_t {
    const auto r = rng() % 100;
    if (r < 60) {
      return 1 + static_cast<std::int64_t>(rng() % 8);
    }
    if (r < 90) {
      return 8 * (1 + static_cast<std::int64_t>(rng() % 32));
    }
    return 256 * (1 + static_cast<std::int64_t>(rng() % 8));
  };
  std::vector<Allocation> live;
  while (alloc.free_devices() > alloc.capacity() / 5) {  // warm up to 80 % in use
    if (auto a = alloc.allocate(draw())) {
      live.push_back(std::move(*a));
    }
  }
  constexpr int kPairs = 1'000'000;
  std::int64_t refused = 0;
  std::int64_t devices = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kPairs; ++i) {
    if (!live.empty()) {
      const auto k = static_cast<std::size_t>(rng() % live.size());
      alloc.release(live[k]);
      live[k] = std::move(live.back());
      live.pop_back();
    }
    const std::int64_t n = draw();
    if (auto a = alloc.allocate(n)) {
      devices += n;
      live.push_back(std::move(*a));
    } else {
      ++refused;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WARN("1,000,000 allocate/release pairs on 102,400 accelerators: "
       << seconds << " s (" << devices << " devices placed, " << refused
       << " requests refused for lack of free devices, " << live.size() << " jobs live)");
  CHECK(refused < kPairs / 10);
  check_consistent(f, alloc, live);
}

TEST_CASE("LevelBitset finds the next and previous set index like an ordered set", "[placement]") {
  for (const std::size_t size : {std::size_t{1}, std::size_t{64}, std::size_t{65},
                                 std::size_t{4096}, std::size_t{300'000}}) {
    models::detail::LevelBitset bits(size);
    std::set<std::size_t> ref;
    std::mt19937_64 rng(size);
    constexpr auto kNone = models::detail::LevelBitset::kNone;
    for (int i = 0; i < 20'000; ++i) {
      const auto k = static_cast<std::size_t>(rng() % size);
      if (rng() % 3 == 0) {
        bits.reset(k);
        ref.erase(k);
      } else {
        bits.set(k);
        ref.insert(k);
      }
      const auto q = static_cast<std::size_t>(rng() % size);
      const auto it = ref.lower_bound(q);
      REQUIRE(bits.next(q) == (it == ref.end() ? kNone : *it));
      const auto up = ref.upper_bound(q);
      REQUIRE(bits.previous(q) == (up == ref.begin() ? kNone : *std::prev(up)));
    }
    REQUIRE(bits.next(size) == kNone);
  }
}
