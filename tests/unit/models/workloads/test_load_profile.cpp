// Daily load: profiles of multipliers (daily and timestamped, built in and from CSV) and the
// Poisson process that follows them.
#include <array>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "../../temp_dir.hpp"
#include "models/workloads/load_profile.hpp"
#include "models/workloads/requests.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"

using namespace footprint;
using engine::SimTime;
using models::LoadProfile;
using models::TokenLength;
using test_util::TempDir;

namespace {

constexpr std::uint64_t kSeed = 7;
constexpr std::int64_t kDay = 86400;
// 2024-05-13T00:00:00Z, a Monday.
constexpr std::int64_t kEpoch = 1715558400;

std::array<double, models::kHoursPerDay> halves(double first, double second) {
  std::array<double, models::kHoursPerDay> h{};
  for (int i = 0; i < models::kHoursPerDay; ++i) {
    h[static_cast<std::size_t>(i)] = i < 12 ? first : second;
  }
  return h;
}

std::vector<std::string> problems(const std::function<void()>& f) {
  std::vector<std::string> out;
  try {
    f();
  } catch (const InputError& e) {
    for (const auto& d : e.diagnostics()) {
      out.push_back(d.render());
    }
  }
  return out;
}

}  // namespace

TEST_CASE("A daily profile repeats its hours in UTC", "[models][load]") {
  const auto p = LoadProfile::daily(halves(0.5, 1.5), "test");
  CHECK(p.mean() == Approx(1.0).epsilon(1e-15));
  // 2024-05-13T11:59:59Z: hour 11, until noon; 12:00: hour 12, until 13:00.
  CHECK(p.at(kEpoch + 11 * 3600 + 3599).multiplier == 0.5);
  CHECK(p.at(kEpoch + 11 * 3600 + 3599).end_s == kEpoch + 12 * 3600);
  CHECK(p.at(kEpoch + 12 * 3600).multiplier == 1.5);
  CHECK(p.at(kEpoch + 12 * 3600).end_s == kEpoch + 13 * 3600);
  // Before 1970 too (floor to the day).
  CHECK(p.at(-1).multiplier == 1.5);
  CHECK(p.at(-1).end_s == 0);
  CHECK(p.covers(0, 100 * kDay));
}

TEST_CASE("A timed profile covers its steps only", "[models][load]") {
  const auto p = LoadProfile::timed({kEpoch, kEpoch + 3600}, {1.0, 3.0}, kEpoch + 7200, "t");
  CHECK(p.mean() == Approx(2.0));
  CHECK(p.at(kEpoch + 3599).multiplier == 1.0);
  CHECK(p.at(kEpoch + 3600).multiplier == 3.0);
  CHECK(p.at(kEpoch + 3600).end_s == kEpoch + 7200);
  CHECK(p.covers(kEpoch, kEpoch + 7200));
  CHECK_FALSE(p.covers(kEpoch, kEpoch + 7201));
  CHECK_THROWS_AS(p.at(kEpoch + 7200), std::out_of_range);
  CHECK_THROWS_AS(p.at(kEpoch - 1), std::out_of_range);
  CHECK_THROWS_AS(LoadProfile::timed({kEpoch}, {-1.0}, kEpoch + 1, "t"), std::invalid_argument);
  CHECK_THROWS_AS(LoadProfile::daily(halves(0, 0), "t"), std::invalid_argument);
}

TEST_CASE("A flat profile gives the constant-rate process, tick for tick", "[models][load]") {
  // At 1 request per second the unit-rate draws are the gaps themselves; crossing the hour
  // steps must not move an arrival by more than the rounding of one tick.
  const auto flat = LoadProfile::daily(halves(1, 1), "flat");
  const auto a = models::poisson(1.0, 20000, SimTime::zero(), TokenLength::fixed(1),
                                 TokenLength::fixed(1), kSeed);
  const auto b = models::poisson_profiled(1.0, flat, kEpoch, 20000, SimTime::max(), SimTime::zero(),
                                          TokenLength::fixed(1), TokenLength::fixed(1), kSeed);
  REQUIRE(a.size() == b.size());
  std::int64_t worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::abs((a[i].arrival - b[i].arrival).count()));
  }
  // Each of the ~5 hour boundaries crossed re-rounds the time once: at most 1 ns apiece.
  CHECK(worst <= 6);
}

TEST_CASE("Arrivals follow the profile: none at 0, twice the mean rate at 2", "[models][load]") {
  // Mornings (UTC hours 0-11) at 0, afternoons at 2, over 20 days at 0.5 /s: afternoons get
  // 2 x 0.5 x 43200 = 43200 requests a day, mornings none.
  const auto p = LoadProfile::daily(halves(0, 2), "halves");
  const SimTime until = SimTime::days(20);
  const auto reqs = models::poisson_profiled(0.5, p, kEpoch, std::nullopt, until, SimTime::zero(),
                                             TokenLength::fixed(1), TokenLength::fixed(1), kSeed);
  std::array<std::int64_t, 24> by_hour{};
  for (const auto& r : reqs) {
    const auto s = r.arrival.count() / SimTime::kTicksPerSecond;
    ++by_hour[static_cast<std::size_t>((s % kDay) / 3600)];
    REQUIRE(r.arrival <= until);
  }
  const double expected = 43200.0 * 20;
  // Poisson: sd = sqrt(expected) = 930; within 4 sd.
  CHECK(std::abs(static_cast<double>(reqs.size()) - expected) < 4 * std::sqrt(expected));
  for (int h = 0; h < 12; ++h) {
    CHECK(by_hour[static_cast<std::size_t>(h)] == 0);
  }
  // Each afternoon hour: 20 x 3600 requests, sd 268.
  for (int h = 12; h < 24; ++h) {
    CHECK(std::abs(static_cast<double>(by_hour[static_cast<std::size_t>(h)]) - 72000.0) <
          4 * std::sqrt(72000.0));
  }
}

TEST_CASE("A timed profile too short for the count says so", "[models][load]") {
  const auto p = LoadProfile::timed({kEpoch, kEpoch + 60}, {1.0, 1.0}, kEpoch + 120, "short");
  // About 120 requests fit at 1 /s; 1000 cannot.
  CHECK_THROWS_AS(models::poisson_profiled(1.0, p, kEpoch, 1000, SimTime::max(), SimTime::zero(),
                                           TokenLength::fixed(1), TokenLength::fixed(1), kSeed),
                  std::out_of_range);
  const auto ok = models::poisson_profiled(1.0, p, kEpoch, 50, SimTime::max(), SimTime::zero(),
                                           TokenLength::fixed(1), TokenLength::fixed(1), kSeed);
  CHECK(ok.size() == 50);
}

TEST_CASE("Load profile CSV files: hour of day and timestamped", "[models][load]") {
  const TempDir tmp;
  SECTION("hour of day") {
    std::string text = "hour,multiplier\n";
    for (int h = 23; h >= 0; --h) {  // any order
      text += std::to_string(h) + "," + (h < 12 ? "0.5" : "1.5") + "\n";
    }
    const auto p = models::load_load_profile_csv(tmp.write("day.csv", text));
    CHECK(p.is_daily());
    CHECK(p.mean() == Approx(1.0));
    CHECK(p.at(kEpoch + 13 * 3600).multiplier == 1.5);
  }
  SECTION("timestamped: the last row holds for the median step") {
    const auto p = models::load_load_profile_csv(
        tmp.write("t.csv",
                  "timestamp_utc,multiplier\n2024-05-13T00:00:00Z,1\n2024-05-13T01:00:00Z,2\n"
                  "2024-05-13T02:00:00Z,3\n"));
    CHECK_FALSE(p.is_daily());
    CHECK(p.end_s() == kEpoch + 3 * 3600);
    CHECK(p.at(kEpoch + 2 * 3600 + 5).multiplier == 3.0);
  }
  SECTION("a day not covered, a duplicate, a bad and a negative multiplier: all reported") {
    std::string text = "hour,multiplier\n";
    for (int h = 0; h < 22; ++h) {
      text += std::to_string(h) + ",1\n";
    }
    text += "3,1\n24,1\n5.5,1\n";
    const auto msgs =
        problems([&] { (void)models::load_load_profile_csv(tmp.write("b.csv", text)); });
    for (const auto& m : msgs) {
      INFO(m);
    }
    REQUIRE(msgs.size() == 3);
    CHECK_THAT(msgs[0], Catch::Contains(":24:1: hour: hour 3 given twice (first on line 5)"));
    CHECK_THAT(msgs[1], Catch::Contains(":25:1: hour: 24: expected a whole hour from 0 to 23"));
    CHECK_THAT(msgs[2], Catch::Contains(":26:1: hour: 5.5"));
    const auto gap = problems([&] {
      std::string t = "hour,multiplier\n";
      for (int h = 0; h < 24; ++h) {
        if (h != 5 && h != 17) {
          t += std::to_string(h) + (h == 9 ? ",-2\n" : ",1\n");
        }
      }
      (void)models::load_load_profile_csv(tmp.write("g.csv", t));
    });
    REQUIRE(gap.size() == 1);
    CHECK_THAT(gap[0], Catch::Contains(":10:3: multiplier: -2 is negative"));
    const auto missing = problems([&] {
      std::string t = "hour,multiplier\n";
      for (int h = 0; h < 24; ++h) {
        if (h != 5 && h != 17) {
          t += std::to_string(h) + ",1\n";
        }
      }
      (void)models::load_load_profile_csv(tmp.write("m.csv", t));
    });
    REQUIRE(missing.size() == 1);
    CHECK_THAT(missing[0], Catch::Contains("does not cover the day: hours 5, 17 missing"));
  }
  SECTION("neither time column; times going backwards") {
    CHECK_THAT(problems([&] {
                 (void)models::load_load_profile_csv(tmp.write("n.csv", "h,multiplier\n1,1\n"));
               }).at(0),
               Catch::Contains("expected a header hour,multiplier"));
    const auto back = problems([&] {
      (void)models::load_load_profile_csv(
          tmp.write("back.csv",
                    "timestamp_utc,multiplier\n2024-05-13T01:00:00Z,1\n2024-05-13T00:00:00Z,1\n"));
    });
    REQUIRE(back.size() == 1);
    CHECK_THAT(back[0],
               Catch::Contains(":3:1: timestamp_utc: 2024-05-13T00:00:00Z does not follow"));
  }
}

TEST_CASE("Built-in daily profiles average 1; BurstGPT's hours as published", "[models][load]") {
  const auto names = models::builtin_load_profile_names();
  REQUIRE(names == std::vector<std::string>{"burstgpt", "flat"});
  for (const auto& n : names) {
    const auto p = models::builtin_load_profile(n);
    REQUIRE(p);
    CHECK(p->mean() == Approx(1.0).epsilon(1e-12));
  }
  // BurstGPT (Wang et al. 2024) mean requests by hour as printed: 987 at 05:00 (the
  // lowest), 2457 at 16:00 (the highest), over a mean of 1821.0.
  const auto b = *models::builtin_load_profile("burstgpt");
  CHECK(b.at(5 * 3600).multiplier == Approx(987.0 / 1821.0).epsilon(1e-15));
  CHECK(b.at(16 * 3600).multiplier == Approx(2457.0 / 1821.0).epsilon(1e-15));
  CHECK_FALSE(models::builtin_load_profile("burst"));
}

TEST_CASE("utc_offset moves a daily profile's local hours to UTC", "[models][load]") {
  // Local hours 12-23 at 1.5; at UTC-5 (local = UTC - 5 h) local noon is 17:00 UTC.
  const auto p = LoadProfile::daily(halves(0.5, 1.5), "t").with_utc_offset(-5 * 3600);
  CHECK(p.at(kEpoch + 16 * 3600 + 3599).multiplier == 0.5);  // 11:59:59 local
  CHECK(p.at(kEpoch + 17 * 3600).multiplier == 1.5);         // 12:00 local
  CHECK(p.at(kEpoch + 17 * 3600).end_s == kEpoch + 18 * 3600);
  // Local 23:00-24:00 is 04:00-05:00 UTC the next day; local midnight, 05:00 UTC, is 0.5.
  CHECK(p.at(kEpoch + kDay + 4 * 3600).multiplier == 1.5);
  CHECK(p.at(kEpoch + kDay + 5 * 3600).multiplier == 0.5);
  CHECK(p.mean() == Approx(1.0));
  const auto t = LoadProfile::timed({kEpoch, kEpoch + 60}, {1.0, 1.0}, kEpoch + 120, "t");
  CHECK_THROWS_AS(t.with_utc_offset(3600), std::invalid_argument);
  CHECK_THROWS_AS(LoadProfile::daily(halves(1, 1), "t").with_utc_offset(kDay),
                  std::invalid_argument);
}

TEST_CASE("A Poisson source rejects what filter_by_sequence removes, and keeps the rest",
          "[models][load]") {
  const auto prompt = TokenLength::log_normal(1000, 900);
  const auto output = TokenLength::log_normal(250, 250);
  const auto drain = [](models::PoissonSource& src) {
    std::vector<models::Request> out;
    while (const auto q = src.next()) {
      out.push_back(*q);
    }
    return out;
  };
  const auto same = [](const std::vector<models::Request>& a,
                       const std::vector<models::Request>& b) {
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      REQUIRE(a[i].arrival == b[i].arrival);
      REQUIRE(a[i].prompt_tokens == b[i].prompt_tokens);
      REQUIRE(a[i].output_tokens == b[i].output_tokens);
    }
  };
  const std::int64_t sequence = 2048;
  SECTION("a count at a constant rate") {
    auto v = models::poisson(20, 5000, SimTime::seconds(3), prompt, output, kSeed);
    const auto f = models::filter_by_sequence(v, sequence);
    models::PoissonSource src(20, nullptr, kEpoch, 5000, SimTime::max(), SimTime::seconds(3),
                              prompt, output, kSeed, sequence);
    same(drain(src), v);
    CHECK(src.rejected() == f.rejected);
    CHECK(f.rejected > 0);
  }
  SECTION("until a time at a constant rate") {
    auto v =
        models::poisson_until(20, SimTime::minutes(10), SimTime::zero(), prompt, output, kSeed);
    const auto f = models::filter_by_sequence(v, sequence);
    models::PoissonSource src(20, nullptr, kEpoch, std::nullopt, SimTime::minutes(10),
                              SimTime::zero(), prompt, output, kSeed, sequence);
    same(drain(src), v);
    CHECK(src.rejected() == f.rejected);
  }
  SECTION("until a time with a profile") {
    const auto p = *models::builtin_load_profile("burstgpt");
    auto v = models::poisson_profiled(20, p, kEpoch, std::nullopt, SimTime::hours(3),
                                      SimTime::zero(), prompt, output, kSeed);
    const auto f = models::filter_by_sequence(v, sequence);
    models::PoissonSource src(20, &p, kEpoch, std::nullopt, SimTime::hours(3), SimTime::zero(),
                              prompt, output, kSeed, sequence);
    same(drain(src), v);
    CHECK(src.rejected() == f.rejected);
  }
}
