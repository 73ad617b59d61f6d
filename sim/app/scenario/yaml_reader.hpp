// Reading YAML scenario files with every problem recorded, not thrown: a MapReader
// checks a mapping's keys against the allowed ones (suggesting the closest for a typo),
// and reads typed values (numbers, counts, fractions, quantities with units), recording a
// Diagnostic with file:line:column and key path for each problem.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/units/parse.hpp"

namespace footprint::scenario {

/// Records a problem located at `node` (or without location if it has none).
void report(Diagnostics& d, const YAML::Node& node, const std::string& path, std::string msg);

/// Whether a problem has been reported at `path` or anywhere under it ("jobs[0].model"
/// covers "jobs[0].model.architecture"). A check that depends on a value reads this first
/// and is skipped when the value was bad: one mistake gives one error, not its echoes.
bool has_problem(const Diagnostics& d, const std::string& path);

/// A random seed: a whole number from 0 to 2^64 - 1 written in decimal digits, read
/// exactly (no sign, fraction, exponent or rounding). Nullopt, with `why` set, otherwise.
std::optional<std::uint64_t> parse_seed(std::string_view text, std::string& why);

/// A bare number that must be finite; nullopt (and a diagnostic) otherwise.
std::optional<double> read_number(Diagnostics& d, const YAML::Node& node, const std::string& path);

enum class Sign { kAny, kPositive, kNonNegative };

/// The largest magnitude a scenario may give a quantity of type Q (in SI units), and how
/// a message says it: beyond these, results overflow (or, for times, leave simulated time:
/// int64 nanoseconds). Documented in docs/scenario-format.md, "Upper bounds".
template <class Q>
struct Bound {
  static constexpr double kSi = 1e30;
  static constexpr const char* kText = "1e30 in SI units";
};
template <>
struct Bound<units::Seconds> {
  static constexpr double kSi = 9.2e9;
  static constexpr const char* kText =
      "9.2e9 s (about 291 years: simulated time is int64 nanoseconds)";
};
template <>
struct Bound<units::Watts> {
  static constexpr double kSi = 1e12;
  static constexpr const char* kText = "1 TW";
};
template <>
struct Bound<units::CarbonIntensity> {
  static constexpr double kSi = 1e5 / 3.6e6;  // 1e5 g/kWh, in g/J
  static constexpr const char* kText = "1e5 g/kWh";
};
template <>
struct Bound<units::WaterIntensity> {
  static constexpr double kSi = 1e4 / 3.6e6;  // 1e4 L/kWh, in L/J
  static constexpr const char* kText = "1e4 L/kWh";
};

/// One tick of simulated time: a shorter duration would round to nothing.
inline constexpr double kOneTickSeconds = 1e-9;

/// The largest power of one device (a job's `power`, an accelerator's `tdp` and `idle`).
inline constexpr double kMaxDevicePowerW = 1e6;

class MapReader {
 public:
  /// `node` must be a mapping (else a diagnostic); keys outside `allowed` are reported,
  /// with the closest allowed key as a suggestion.
  MapReader(const YAML::Node& node, std::string path, Diagnostics& d,
            std::vector<std::string> allowed);

  [[nodiscard]] bool valid() const { return valid_; }
  [[nodiscard]] bool has(const std::string& key) const;
  [[nodiscard]] YAML::Node get(const std::string& key) const;
  [[nodiscard]] std::string path(const std::string& key) const;
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const YAML::Node& node() const { return node_; }
  [[nodiscard]] Diagnostics& diagnostics() const { return *d_; }
  void missing(const std::string& key) const;
  /// Whether the value under `key` had a problem (has_problem of its path).
  [[nodiscard]] bool bad(const std::string& key) const { return has_problem(*d_, path(key)); }

  std::optional<std::string> text(const std::string& key, bool required) const;
  std::optional<double> number(const std::string& key, bool required, Sign sign = Sign::kAny) const;
  /// A whole number >= `min`.
  std::optional<std::int64_t> count(const std::string& key, bool required,
                                    std::int64_t min = 0) const;
  /// The power of one device: a quantity in W of at most kMaxDevicePowerW.
  std::optional<units::Watts> device_power(const std::string& key, bool required,
                                           Sign sign = Sign::kPositive) const;
  /// A seed (parse_seed).
  std::optional<std::uint64_t> seed(const std::string& key, bool required) const;
  /// A fraction in [0, 1], written 0.19 or "19 %".
  std::optional<double> fraction(const std::string& key, bool required) const;

  /// A quantity with a unit of the dimension of Q ("310 W"); a bare number is an error.
  template <class Q>
  std::optional<Q> quantity(const std::string& key, bool required,
                            Sign sign = Sign::kPositive) const {
    return quantity_within<Q>(key, required, sign, Bound<Q>::kSi, Bound<Q>::kText);
  }

  /// The same, at most `max` (SI units) in magnitude; `max_text` says it with its unit.
  template <class Q>
  std::optional<Q> quantity_within(const std::string& key, bool required, Sign sign, double max,
                                   const char* max_text) const {
    const auto s = scalar(key, required);
    if (!s) {
      return std::nullopt;
    }
    try {
      Q q = units::parse_as<Q>(*s);
      if (!check_sign(key, q.si(), sign) || !check_bound(key, *s, q.si(), max, max_text)) {
        return std::nullopt;
      }
      return q;
    } catch (const units::UnitError& e) {
      report(*d_, get(key), path(key), e.what());
      return std::nullopt;
    }
  }

 private:
  std::optional<std::string> scalar(const std::string& key, bool required) const;
  bool check_sign(const std::string& key, double v, Sign sign) const;
  /// False, and a problem reported, when |v| > `max` (`max_text` says it with its unit).
  bool check_bound(const std::string& key, const std::string& given, double v, double max,
                   const char* max_text) const;

  YAML::Node node_;
  std::string path_;
  Diagnostics* d_;
  bool valid_ = false;
};

}  // namespace footprint::scenario
