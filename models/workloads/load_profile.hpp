// How a service's request rate varies over time: multipliers of its mean rate, by hour of
// the day (UTC, repeated every day) or over timestamped steps, built in or read from a CSV
// file; and the Poisson process whose rate follows them (docs/serving.md, "Daily load").
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/workloads/requests.hpp"
#include "sim/engine/time.hpp"

namespace footprint::models {

inline constexpr int kHoursPerDay = 24;

/// Piecewise-constant multipliers of a rate over UTC time.
class LoadProfile {
 public:
  /// The same 24 multipliers every day, hour h holding over [h:00, h+1:00) UTC. Each is
  /// finite and >= 0, and at least one is > 0 (std::invalid_argument otherwise).
  static LoadProfile daily(const std::array<double, kHoursPerDay>& hourly, std::string source);
  /// value[i] from t_s[i] until t_s[i + 1] (UTC unix seconds, strictly increasing), the last
  /// one until end_s (> t_s.back()); nothing outside [t_s.front(), end_s).
  static LoadProfile timed(std::vector<std::int64_t> t_s, std::vector<double> value,
                           std::int64_t end_s, std::string source);

  /// A daily profile whose hours are a local clock `offset_s` ahead of UTC (UTC-5 h:
  /// -18000): hour h of the profile then holds over [h:00 - offset, h+1:00 - offset) UTC.
  /// std::invalid_argument for a timed profile (its timestamps are UTC already).
  [[nodiscard]] LoadProfile with_utc_offset(std::int64_t offset_s) const;

  /// Whether the profile gives a multiplier at every time of [from_s, to_s).
  [[nodiscard]] bool covers(std::int64_t from_s, std::int64_t to_s) const;
  /// The first and last covered unix seconds (a daily profile: the whole range).
  [[nodiscard]] std::int64_t first_s() const;
  [[nodiscard]] std::int64_t end_s() const;
  /// The multiplier at unix second u and when its step ends (> u). Throws
  /// std::out_of_range outside the profile.
  struct Step {
    double multiplier = 0;
    std::int64_t end_s = 0;
  };
  [[nodiscard]] Step at(std::int64_t u) const;
  /// The time-weighted mean multiplier (over a day, or over the steps).
  [[nodiscard]] double mean() const;
  [[nodiscard]] bool is_daily() const { return daily_; }
  [[nodiscard]] const std::string& source() const { return source_; }
  /// The 24 hourly multipliers of a daily profile (empty for a timed one).
  [[nodiscard]] std::vector<double> hourly() const;

 private:
  bool daily_ = true;
  std::vector<std::int64_t> t_s_;
  std::vector<double> value_;
  std::int64_t end_s_ = 0;
  std::int64_t offset_s_ = 0;  ///< local clock minus UTC, daily profiles
  std::string source_;
};

/// The built-in daily profiles (hour of day, UTC), by name; nullopt for an unknown name.
[[nodiscard]] std::optional<LoadProfile> builtin_load_profile(std::string_view name);
[[nodiscard]] std::vector<std::string> builtin_load_profile_names();

/// Reads a load profile CSV. Two headers are accepted (columns found by name):
///  - hour,multiplier: hour of the day 0 to 23 (UTC), each exactly once (a day not covered
///    is an error naming the hours missing);
///  - timestamp_utc,multiplier: steps from each timestamp (ISO-8601 UTC, as the grid
///    series) to the next, the last one holding for the median step.
/// Multipliers are finite and >= 0. Every problem is thrown together as one InputError.
[[nodiscard]] LoadProfile load_load_profile_csv(const std::filesystem::path& path);

/// Poisson arrivals at `rate_per_s` x the profile's multiplier at each instant (simulated
/// time t is UTC unix second epoch_unix_s + t), from `start`: `count` of them when given,
/// else every arrival in (start, until]. Exact for piecewise-constant rates (the process's
/// cumulative intensity inverted step by step); deterministic on the streams of `seed`, the
/// same streams as poisson(). Throws std::out_of_range when the arrivals need the profile
/// beyond its end (saying when), std::invalid_argument for a rate that is not finite and
/// > 0.
std::vector<Request> poisson_profiled(double rate_per_s, const LoadProfile& profile,
                                      std::int64_t epoch_unix_s, std::optional<std::int64_t> count,
                                      engine::SimTime until, engine::SimTime start,
                                      const TokenLength& prompt, const TokenLength& output,
                                      std::uint64_t seed);

/// The Poisson processes (constant rate: poisson() and poisson_until(); with a profile:
/// poisson_profiled(), which all drain one) drawn one request at a time on the streams of
/// `seed`, with those longer than `sequence` (when > 0) rejected and counted, as
/// filter_by_sequence() does.
class PoissonSource final : public RequestSource {
 public:
  /// `profile` null: a constant rate. With `count`, that many arrivals; else every arrival
  /// in (start, until].
  PoissonSource(double rate_per_s, const LoadProfile* profile, std::int64_t epoch_unix_s,
                std::optional<std::int64_t> count, engine::SimTime until, engine::SimTime start,
                TokenLength prompt, TokenLength output, std::uint64_t seed, std::int64_t sequence);
  std::optional<Request> next() override;
  [[nodiscard]] std::int64_t rejected() const { return rejected_; }

 private:
  std::optional<engine::SimTime> arrival();

  double rate_;
  const LoadProfile* profile_;
  std::int64_t epoch_;
  std::optional<std::int64_t> count_;
  engine::SimTime until_;
  engine::SimTime t_;
  TokenLength prompt_;
  TokenLength output_;
  engine::RandomStream arrivals_;
  engine::RandomStream prompts_;
  engine::RandomStream outputs_;
  std::int64_t sequence_;
  std::int64_t drawn_ = 0;
  std::int64_t rejected_ = 0;
  bool done_ = false;
};

}  // namespace footprint::models
