// The request streams of LLM inference serving: when requests arrive and how many prompt
// and output tokens each one has. Generated (all at once, or Poisson at a rate) with
// lengths drawn from a TokenLength, or read from a trace file; then filtered against a
// model's sequence length, as a serving engine rejects a request longer than it accepts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <variant>
#include <vector>

#include "sim/engine/random.hpp"
#include "sim/engine/time.hpp"

namespace footprint::models {

struct Request {
  engine::SimTime arrival;         ///< simulated time the request arrives
  std::int64_t prompt_tokens = 0;  ///< >= 1
  std::int64_t output_tokens = 0;  ///< >= 1
};

/// Requests in arrival order, one at a time (a service draws them as its simulation
/// reaches them, so that a day of them need not be held at once).
class RequestSource {
 public:
  RequestSource() = default;
  RequestSource(const RequestSource&) = delete;
  RequestSource& operator=(const RequestSource&) = delete;
  RequestSource(RequestSource&&) = delete;
  RequestSource& operator=(RequestSource&&) = delete;
  virtual ~RequestSource() = default;
  /// The next request; nullopt when there are no more.
  virtual std::optional<Request> next() = 0;
};

/// The requests of a vector, in its order.
class VectorSource final : public RequestSource {
 public:
  explicit VectorSource(const std::vector<Request>& requests) : requests_(requests) {}
  std::optional<Request> next() override {
    if (next_ == requests_.size()) {
      return std::nullopt;
    }
    return requests_[next_++];
  }

 private:
  const std::vector<Request>& requests_;
  std::size_t next_ = 0;
};

/// The length in tokens of a prompt or of an output: fixed, log-normal, or uniform
/// integers. Every factory throws std::invalid_argument on bad parameters.
class TokenLength {
 public:
  struct Fixed {
    std::int64_t n = 1;
  };
  /// Given by the mean and standard deviation of the lengths themselves, not of their
  /// logarithm; mu and sigma are the underlying normal's (derived in log_normal()).
  struct LogNormal {
    double mean = 1;
    double sd = 0;
    double mu = 0;
    double sigma = 0;
  };
  /// Every integer in [min, max], inclusive, equally likely.
  struct Uniform {
    std::int64_t min = 1;
    std::int64_t max = 1;
  };

  /// n >= 1.
  static TokenLength fixed(std::int64_t n);
  /// mean > 0, sd >= 0, both finite. Draws are rounded to the nearest integer, at least 1.
  static TokenLength log_normal(double mean, double sd);
  /// 1 <= min <= max.
  static TokenLength uniform(std::int64_t min, std::int64_t max);

  /// One length (>= 1) drawn from `rng`.
  std::int64_t draw(engine::RandomStream& rng) const;

  [[nodiscard]] const std::variant<Fixed, LogNormal, Uniform>& spec() const { return spec_; }

 private:
  explicit TokenLength(std::variant<Fixed, LogNormal, Uniform> spec) : spec_(spec) {}
  std::variant<Fixed, LogNormal, Uniform> spec_;
};

/// `count` requests (>= 0), all arriving at `start`. Lengths drawn from `prompt` and
/// `output` on the random streams of `seed`.
std::vector<Request> all_at_once(std::int64_t count, engine::SimTime start,
                                 const TokenLength& prompt, const TokenLength& output,
                                 std::uint64_t seed);

/// `count` requests (>= 0) of a Poisson process at `rate_per_s` (> 0, finite) requests per
/// second: the first arrives one exponential gap after `start`, each next one gap later.
/// Gaps are rounded to whole ticks; arrivals are non-decreasing.
std::vector<Request> poisson(double rate_per_s, std::int64_t count, engine::SimTime start,
                             const TokenLength& prompt, const TokenLength& output,
                             std::uint64_t seed);

/// The same process, every arrival in (start, until] (until >= start).
std::vector<Request> poisson_until(double rate_per_s, engine::SimTime until, engine::SimTime start,
                                   const TokenLength& prompt, const TokenLength& output,
                                   std::uint64_t seed);

/// Reads a request trace. Two headers are accepted (columns found by name, in any order):
///  - the Azure LLM inference trace: TIMESTAMP,ContextTokens,GeneratedTokens, timestamps
///    "YYYY-MM-DD HH:MM:SS.fffffff" with no zone (taken as UTC; a 'T' for the space and a
///    trailing 'Z' are accepted), up to 9 fractional digits kept exactly in ticks;
///    arrivals counted from the first row's timestamp;
///  - Footprint's own: arrival_s,prompt_tokens,output_tokens, arrival_s a decimal number
///    of seconds (>= 0, up to 9 fractional digits) from the trace's start.
/// Each arrival is `start` plus its time from the trace's start. Token counts are whole
/// numbers >= 1: a request with 0 output tokens is an error (a serving engine generates at
/// least one token; the Azure 2023 files hold none). Times going backwards are an error,
/// never sorted silently; equal times are kept in file order. Every problem of the file is
/// thrown together as one InputError, each at its line and column.
std::vector<Request> load_request_trace(const std::filesystem::path& path, engine::SimTime start);

/// How many requests a model accepted and how many it rejected.
struct RequestFilter {
  std::int64_t accepted = 0;
  std::int64_t rejected = 0;
};

/// Removes, in place and keeping the order of the rest, every request whose prompt plus
/// output tokens exceed `sequence` (the model's maximum sequence length, >= 1; throws
/// std::invalid_argument otherwise), and counts both kinds.
RequestFilter filter_by_sequence(std::vector<Request>& requests, std::int64_t sequence);

}  // namespace footprint::models
