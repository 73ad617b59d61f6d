#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>
#include <catch2/catch.hpp>

#include "../../temp_dir.hpp"
#include "models/workloads/requests.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"

using namespace footprint;
using engine::SimTime;
using models::Request;
using models::TokenLength;

namespace {

constexpr std::uint64_t kSeed = 42;
constexpr int kDraws = 200'000;

struct Moments {
  double mean = 0;
  double sd = 0;
};

Moments moments(const std::vector<double>& xs) {
  double sum = 0;
  for (const double x : xs) {
    sum += x;
  }
  const double mean = sum / static_cast<double>(xs.size());
  double ss = 0;
  for (const double x : xs) {
    ss += (x - mean) * (x - mean);
  }
  return {mean, std::sqrt(ss / static_cast<double>(xs.size() - 1))};
}

using TempDir = test_util::TempDir;

/// The messages of the InputError that `f` throws ("line:column: path: message" each).
template <class F>
std::vector<std::string> problems(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    std::vector<std::string> out;
    for (const auto& d : e.diagnostics()) {
      out.push_back(d.render());
    }
    return out;
  }
  FAIL("no InputError thrown");
  return {};
}

}  // namespace

TEST_CASE("Log-normal lengths have the requested mean and sd", "[models][requests]") {
  const auto len = TokenLength::log_normal(1000, 500);
  engine::RandomStream rng(kSeed, 1, 0);
  std::vector<double> xs;
  xs.reserve(kDraws);
  for (int i = 0; i < kDraws; ++i) {
    const std::int64_t n = len.draw(rng);
    REQUIRE(n >= 1);
    xs.push_back(static_cast<double>(n));
  }
  // 200,000 draws: the standard error of the mean is 500/sqrt(2e5) = 1.1 tokens (0.11 %),
  // so 1 % is about 9 standard errors; rounding to integers moves neither by more than 0.3.
  const auto m = moments(xs);
  CHECK(m.mean == Approx(1000).epsilon(0.01));
  CHECK(m.sd == Approx(500).epsilon(0.01));
}

TEST_CASE("A log-normal with sd 0 always gives the mean, rounded", "[models][requests]") {
  const auto len = TokenLength::log_normal(99.6, 0);
  engine::RandomStream rng(kSeed, 1, 0);
  for (int i = 0; i < 100; ++i) {
    CHECK(len.draw(rng) == 100);
  }
}

TEST_CASE("Uniform lengths cover [min, max] evenly", "[models][requests]") {
  const auto len = TokenLength::uniform(10, 20);
  engine::RandomStream rng(kSeed, 2, 0);
  std::set<std::int64_t> seen;
  std::vector<double> xs;
  xs.reserve(kDraws);
  for (int i = 0; i < kDraws; ++i) {
    const std::int64_t n = len.draw(rng);
    REQUIRE(n >= 10);
    REQUIRE(n <= 20);
    seen.insert(n);
    xs.push_back(static_cast<double>(n));
  }
  CHECK(seen.size() == 11);
  // Mean 15, sd sqrt((11^2 - 1)/12) = 3.16: standard error 0.007 (0.05 %).
  CHECK(moments(xs).mean == Approx(15).epsilon(0.01));
}

TEST_CASE("Fixed lengths are fixed", "[models][requests]") {
  const auto reqs = models::all_at_once(5, SimTime::seconds(3), TokenLength::fixed(128),
                                        TokenLength::fixed(7), kSeed);
  REQUIRE(reqs.size() == 5);
  for (const auto& r : reqs) {
    CHECK(r.arrival == SimTime::seconds(3));
    CHECK(r.prompt_tokens == 128);
    CHECK(r.output_tokens == 7);
  }
}

TEST_CASE("Bad length parameters are rejected", "[models][requests]") {
  CHECK_THROWS_AS(TokenLength::fixed(0), std::invalid_argument);
  CHECK_THROWS_AS(TokenLength::log_normal(0, 1), std::invalid_argument);
  CHECK_THROWS_AS(TokenLength::log_normal(10, -1), std::invalid_argument);
  CHECK_THROWS_AS(TokenLength::log_normal(NAN, 1), std::invalid_argument);
  CHECK_THROWS_AS(TokenLength::uniform(0, 5), std::invalid_argument);
  CHECK_THROWS_AS(TokenLength::uniform(6, 5), std::invalid_argument);
  CHECK_NOTHROW(TokenLength::uniform(5, 5));
  CHECK_THROWS_WITH(TokenLength::uniform(6, 5), Catch::Contains("1 <= min <= max"));
  const auto one = TokenLength::fixed(1);
  CHECK_THROWS_AS(models::poisson(0, 1, SimTime::zero(), one, one, kSeed), std::invalid_argument);
  CHECK_THROWS_AS(models::poisson(1, -1, SimTime::zero(), one, one, kSeed), std::invalid_argument);
  CHECK_THROWS_AS(models::all_at_once(-1, SimTime::zero(), one, one, kSeed), std::invalid_argument);
}

TEST_CASE("Poisson arrivals at 20/s: exponential gaps of mean 0.05 s", "[models][requests]") {
  const auto one = TokenLength::fixed(1);
  const SimTime start = SimTime::seconds(100);
  const auto reqs = models::poisson(20, kDraws, start, one, one, kSeed);
  REQUIRE(reqs.size() == kDraws);
  std::vector<double> gaps;
  gaps.reserve(kDraws);
  SimTime prev = start;
  for (const auto& r : reqs) {
    REQUIRE(r.arrival >= prev);
    gaps.push_back((r.arrival - prev).to_seconds());
    prev = r.arrival;
  }
  // Exponential gaps: sd = mean, so the mean's standard error is 0.22 % and 1 % is 4.5 of
  // them; the sd's is about 0.5 % (sqrt(8/200,000)/2 relative for the CV), 2 % is 4 of them.
  const auto m = moments(gaps);
  CHECK(m.mean == Approx(0.05).epsilon(0.01));
  CHECK(m.sd / m.mean == Approx(1.0).epsilon(0.02));

  const auto same = models::poisson(20, kDraws, start, one, one, kSeed);
  const auto other = models::poisson(20, kDraws, start, one, one, kSeed + 1);
  bool identical = true;
  std::int64_t differ = 0;
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    identical = identical && same[i].arrival == reqs[i].arrival;
    differ += other[i].arrival != reqs[i].arrival ? 1 : 0;
  }
  CHECK(identical);
  CHECK(differ > kDraws / 2);
}

TEST_CASE("Poisson arrivals until a time, and lengths on their own streams", "[models][requests]") {
  const auto prompt = TokenLength::log_normal(1000, 500);
  const auto output = TokenLength::uniform(1, 100);
  const SimTime start = SimTime::seconds(10);
  const SimTime until = SimTime::seconds(1010);
  const auto reqs = models::poisson_until(20, until, start, prompt, output, kSeed);
  // 1000 s at 20/s: 20,000 expected, sd sqrt(20,000) = 141; 5 % is 7 sd.
  CHECK(static_cast<double>(reqs.size()) == Approx(20'000).epsilon(0.05));
  REQUIRE(!reqs.empty());
  CHECK(reqs.front().arrival > start);
  CHECK(reqs.back().arrival <= until);
  // The same process by count: the same arrival times, and the same lengths.
  const auto by_count =
      models::poisson(20, static_cast<std::int64_t>(reqs.size()), start, prompt, output, kSeed);
  bool same = true;
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    same = same && by_count[i].arrival == reqs[i].arrival &&
           by_count[i].prompt_tokens == reqs[i].prompt_tokens &&
           by_count[i].output_tokens == reqs[i].output_tokens;
  }
  CHECK(same);
  // Other lengths leave the arrival times unchanged.
  const auto fixed =
      models::poisson(20, 100, start, TokenLength::fixed(5), TokenLength::fixed(5), kSeed);
  for (std::size_t i = 0; i < fixed.size(); ++i) {
    REQUIRE(fixed[i].arrival == reqs[i].arrival);
  }
  CHECK(models::poisson_until(20, start, start, prompt, output, kSeed).empty());
  CHECK_THROWS_AS(models::poisson_until(20, start, until, prompt, output, kSeed),
                  std::invalid_argument);
}

TEST_CASE("The Azure LLM inference traces load with their counts, times and means",
          "[models][requests]") {
  const auto dir = std::filesystem::path(FOOTPRINT_SHARED_DIR) / "data" / "inference";
  if (!std::filesystem::is_directory(dir)) {
    WARN("skipped: " << dir.string() << " is absent");
    return;
  }
  struct Case {
    std::string file;
    std::size_t rows;
    double prompt_mean;  ///< the README's, rounded to a whole token
    double output_mean;
  };
  const std::vector<Case> cases = {{"azure_llm_2023_code.csv", 8'819, 2048, 28},
                                   {"azure_llm_2023_conv.csv", 19'366, 1155, 211}};
  const SimTime start = SimTime::hours(2);
  for (const auto& c : cases) {
    INFO(c.file);
    const auto path = dir / c.file;
    const auto reqs = models::load_request_trace(path, start);
    REQUIRE(reqs.size() == c.rows);
    CHECK(reqs.front().arrival == start);

    // Independently: the file split on commas, sums of the token columns.
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    std::vector<std::string> stamps;
    double prompt = 0;
    double output = 0;
    while (std::getline(in, line)) {
      std::stringstream ss(line);
      std::string t;
      std::string p;
      std::string o;
      std::getline(ss, t, ',');
      std::getline(ss, p, ',');
      std::getline(ss, o, ',');
      stamps.push_back(t);
      prompt += std::stod(p);
      output += std::stod(o);
    }
    REQUIRE(stamps.size() == c.rows);
    double loaded_prompt = 0;
    double loaded_output = 0;
    for (const auto& r : reqs) {
      loaded_prompt += static_cast<double>(r.prompt_tokens);
      loaded_output += static_cast<double>(r.output_tokens);
    }
    const auto n = static_cast<double>(c.rows);
    CHECK(loaded_prompt == prompt);
    CHECK(loaded_output == output);
    // The README's means are rounded to whole tokens: within 0.5.
    CHECK(std::abs(loaded_prompt / n - c.prompt_mean) <= 0.5);
    CHECK(std::abs(loaded_output / n - c.output_mean) <= 0.5);
    // The last arrival: the span from the first to the last timestamp, within the hour.
    CHECK((reqs.back().arrival - start) > SimTime::minutes(50));
    CHECK((reqs.back().arrival - start) < SimTime::hours(1));
  }
  // code: 18:17:03.9799600 then 18:17:04.0319600, 0.0520000 s apart: 52,000,000 ns.
  const auto code = models::load_request_trace(dir / "azure_llm_2023_code.csv", SimTime::zero());
  CHECK(code[1].arrival.count() == 52'000'000);
  // conv: 18:15:46.6805900 then 18:15:50.9951690: 4.3145790 s.
  const auto conv = models::load_request_trace(dir / "azure_llm_2023_conv.csv", SimTime::zero());
  CHECK(conv[1].arrival.count() == 4'314'579'000);
  CHECK(conv[0].prompt_tokens == 374);
  CHECK(conv[0].output_tokens == 44);
}

TEST_CASE("Footprint's own trace format: seconds from the start", "[models][requests]") {
  const TempDir tmp;
  const auto p = tmp.write("own.csv",
                           "# requests\n"
                           "prompt_tokens,arrival_s,output_tokens\n"
                           "100,0,10\n"
                           "200,0.5,20\n"
                           "300,0.5,30\n"
                           "400,12.000000001,40\n");
  const auto reqs = models::load_request_trace(p, SimTime::seconds(60));
  REQUIRE(reqs.size() == 4);
  CHECK(reqs[0].arrival == SimTime::seconds(60));
  CHECK(reqs[1].arrival.count() == 60'500'000'000);
  CHECK(reqs[2].arrival.count() == 60'500'000'000);
  CHECK(reqs[3].arrival.count() == 72'000'000'001);
  CHECK(reqs[3].prompt_tokens == 400);
  CHECK(reqs[3].output_tokens == 40);
}

TEST_CASE("A bad trace reports every problem at once with line and column", "[models][requests]") {
  const TempDir tmp;
  SECTION("bad timestamp, bad counts, backwards time") {
    const auto p = tmp.write("bad.csv",
                             "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                             "2023-11-16 18:17:03.9799600,4808,10\n"
                             "2023-11-16 18:17:0x.0319600,3180,8\n"
                             "2023-11-16 18:17:05.0000000,-3,8\n"
                             "2023-11-16 18:17:04.0000000,10,8\n"
                             "2023-11-16 18:17:06.0000000,10,0\n"
                             "2023-11-16 18:17:07.0000000,10,2.5\n"
                             "2023-02-30 18:17:08,10,5\n");
    const auto msgs = problems([&] { (void)models::load_request_trace(p, SimTime::zero()); });
    for (const auto& m : msgs) {
      INFO(m);
    }
    REQUIRE(msgs.size() == 6);
    CHECK_THAT(msgs[0], Catch::Contains(":3:1: TIMESTAMP: bad time '2023-11-16 18:17:0x.0319600'"));
    CHECK_THAT(msgs[1], Catch::Contains(":4:29: ContextTokens: -3 tokens"));
    CHECK_THAT(msgs[2], Catch::Contains(":5:1: TIMESTAMP: time goes backwards") &&
                            Catch::Contains("line 4"));
    CHECK_THAT(msgs[3], Catch::Contains(":6:32: GeneratedTokens: 0 tokens"));
    CHECK_THAT(msgs[4], Catch::Contains(":7:32: GeneratedTokens: '2.5' is not a whole number"));
    CHECK_THAT(msgs[5], Catch::Contains(":8:1: TIMESTAMP:") &&
                            Catch::Contains("day 30 does not exist in 2023-02"));
  }
  SECTION("a missing column") {
    const auto p = tmp.write("missing.csv",
                             "TIMESTAMP,ContextTokens\n"
                             "2023-11-16 18:17:03.9799600,4808\n");
    const auto msgs = problems([&] { (void)models::load_request_trace(p, SimTime::zero()); });
    REQUIRE(msgs.size() == 1);
    CHECK_THAT(msgs[0], Catch::Contains("GeneratedTokens"));
  }
  SECTION("neither header") {
    const auto p = tmp.write("neither.csv", "time,prompt,output\n1,2,3\n");
    const auto msgs = problems([&] { (void)models::load_request_trace(p, SimTime::zero()); });
    REQUIRE(msgs.size() == 3);
    CHECK_THAT(msgs[0], Catch::Contains("arrival_s"));
  }
  SECTION("too many fractional digits, a negative arrival") {
    const auto p = tmp.write("own.csv",
                             "arrival_s,prompt_tokens,output_tokens\n"
                             "0.0000000001,1,1\n"
                             "-1,1,1\n");
    const auto msgs = problems([&] { (void)models::load_request_trace(p, SimTime::zero()); });
    REQUIRE(msgs.size() == 2);
    CHECK_THAT(msgs[0], Catch::Contains(":2:1: arrival_s:") &&
                            Catch::Contains("more than 9 fractional digits"));
    CHECK_THAT(msgs[1], Catch::Contains(":3:1: arrival_s:") && Catch::Contains("negative time"));
  }
}

TEST_CASE("Requests longer than the model's sequence are rejected and counted",
          "[models][requests]") {
  std::vector<Request> reqs = {
      {SimTime::seconds(0), 4000, 96},   // 4096: exactly the sequence, accepted
      {SimTime::seconds(1), 4000, 97},   // 4097: rejected
      {SimTime::seconds(2), 1, 1},       // accepted
      {SimTime::seconds(3), 5000, 1},    // rejected
      {SimTime::seconds(4), 2048, 2048}  // accepted
  };
  const auto f = models::filter_by_sequence(reqs, 4096);
  CHECK(f.accepted == 3);
  CHECK(f.rejected == 2);
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].arrival == SimTime::seconds(0));
  CHECK(reqs[1].arrival == SimTime::seconds(2));
  CHECK(reqs[2].arrival == SimTime::seconds(4));
  CHECK_THROWS_AS(models::filter_by_sequence(reqs, 0), std::invalid_argument);
}
