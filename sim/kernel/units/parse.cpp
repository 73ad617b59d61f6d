#include "sim/kernel/units/parse.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

namespace footprint::units {
namespace {

// ---------------------------------------------------------------------------------------
// Named dimensions and the units listed for them.

constexpr std::string_view kPowerUnits[] = {"W", "kW", "MW", "GW"};
constexpr std::string_view kEnergyUnits[] = {"J", "kJ", "MJ", "GJ", "Wh", "kWh", "MWh", "GWh"};
constexpr std::string_view kDurationUnits[] = {"s", "ms", "min", "h", "d", "y"};
constexpr std::string_view kFlopCountUnits[] = {"FLOP", "GFLOP", "TFLOP", "PFLOP", "EFLOP"};
constexpr std::string_view kFlopRateUnits[] = {"FLOP/s",  "GFLOP/s", "TFLOP/s",
                                               "PFLOP/s", "TFLOPS",  "PFLOPS"};
constexpr std::string_view kDataSizeUnits[] = {"B",   "kB",  "MB",  "GB", "TB",
                                               "KiB", "MiB", "GiB", "TiB"};
constexpr std::string_view kBandwidthUnits[] = {"B/s", "MB/s", "GB/s", "TB/s", "GiB/s"};
constexpr std::string_view kCarbonMassUnits[] = {"g", "kg", "t", "lb", "gCO2e", "kgCO2e", "tCO2e"};
constexpr std::string_view kCarbonIntensityUnits[] = {"g/kWh",  "kg/kWh", "gCO2e/kWh", "g/MWh",
                                                      "kg/MWh", "t/MWh",  "lb/MWh",    "g/J"};
constexpr std::string_view kTokenCountUnits[] = {"token", "tokens", "ktokens", "Mtokens",
                                                 "Gtokens"};
constexpr std::string_view kFlopsPerTokenUnits[] = {"FLOP/token", "GFLOP/token", "TFLOP/token"};
constexpr std::string_view kTokenRateUnits[] = {"tokens/s", "ktokens/s"};
constexpr std::string_view kEnergyPerTokenUnits[] = {"J/token", "mJ/token", "Wh/token"};
constexpr std::string_view kEventRateUnits[] = {"/s", "/min", "/h"};
constexpr std::string_view kWaterVolumeUnits[] = {"L", "mL", "kL", "ML", "gal"};
constexpr std::string_view kWaterIntensityUnits[] = {"L/kWh", "L/MWh", "mL/kWh", "gal/MWh", "L/J"};
constexpr std::string_view kDimensionlessUnits[] = {"%"};

struct NamedDimension {
  Dimension dim;
  std::string_view name;
  std::string_view si_symbol;  // the SI unit format_si() prints
  std::span<const std::string_view> examples;
};

constexpr NamedDimension kNamedDimensions[] = {
    {kPower, "power", "W", kPowerUnits},
    {kEnergy, "energy", "J", kEnergyUnits},
    {kDuration, "duration", "s", kDurationUnits},
    {kFlopCount, "FLOP count", "FLOP", kFlopCountUnits},
    {kFlopRate, "FLOP rate", "FLOP/s", kFlopRateUnits},
    {kDataSize, "data size", "B", kDataSizeUnits},
    {kBandwidth, "bandwidth", "B/s", kBandwidthUnits},
    {kCarbonMass, "CO2e mass", "g", kCarbonMassUnits},
    {kCarbonIntensity, "carbon intensity", "g/J", kCarbonIntensityUnits},
    {kTokenCount, "token count", "tokens", kTokenCountUnits},
    {kFlopsPerToken, "FLOP per token", "FLOP/token", kFlopsPerTokenUnits},
    {kTokenRate, "token rate", "tokens/s", kTokenRateUnits},
    {kEnergyPerToken, "energy per token", "J/token", kEnergyPerTokenUnits},
    {kEventRate, "rate", "/s", kEventRateUnits},
    {kWaterVolume, "water volume", "L", kWaterVolumeUnits},
    {kWaterIntensity, "water intensity", "L/J", kWaterIntensityUnits},
    {kDimensionless, "dimensionless", "", kDimensionlessUnits},
};

const NamedDimension* find_named(const Dimension& dim) {
  for (const NamedDimension& n : kNamedDimensions) {
    if (n.dim == dim) {
      return &n;
    }
  }
  return nullptr;
}

/// "J*B/s^2", "1/s": the dimension written with SI base symbols.
std::string formula(const Dimension& d) {
  struct Axis {
    int exponent;
    std::string_view symbol;
  };
  const std::array<Axis, 7> axes = {{{d.water, "L"},
                                     {d.energy, "J"},
                                     {d.flop, "FLOP"},
                                     {d.byte, "B"},
                                     {d.carbon, "g"},
                                     {d.token, "token"},
                                     {d.time, "s"}}};
  std::vector<std::string> num;
  std::vector<std::string> den;
  for (const Axis& a : axes) {
    if (a.exponent == 0) {
      continue;
    }
    const int magnitude = a.exponent < 0 ? -a.exponent : a.exponent;
    std::string term(a.symbol);
    if (magnitude > 1) {
      term += fmt::format("^{}", magnitude);
    }
    (a.exponent > 0 ? num : den).push_back(std::move(term));
  }
  std::string out = num.empty() ? std::string("1") : fmt::format("{}", fmt::join(num, "*"));
  if (den.size() == 1) {
    out += "/" + den.front();
  } else if (den.size() > 1) {
    out += fmt::format("/({})", fmt::join(den, "*"));
  }
  return out;
}

/// "a power", "an energy", "a dimensionless number", "a quantity in J/s^2".
std::string describe(const Dimension& dim) {
  if (dim.dimensionless()) {
    return "a dimensionless number";
  }
  if (const NamedDimension* n = find_named(dim)) {
    const bool vowel = std::string_view("aeiou").find(n->name.front()) != std::string_view::npos;
    return fmt::format("{} {}", vowel ? "an" : "a", n->name);
  }
  return "a quantity in " + formula(dim);
}

// ---------------------------------------------------------------------------------------
// Unit symbols.

enum class Prefixes { kNone, kSi, kSiAndBinary };

struct BaseUnit {
  std::string_view symbol;
  Dimension dim;
  double factor;  // SI value of one unit, apart from the power of ten below
  int pow10;
  Prefixes prefixes;
};

constexpr BaseUnit kBaseUnits[] = {
    {"s", kDuration, 1.0, 0, Prefixes::kSi},
    {"min", kDuration, kSecondsPerMinute, 0, Prefixes::kNone},
    {"h", kDuration, kSecondsPerHour, 0, Prefixes::kNone},
    {"d", kDuration, kSecondsPerDay, 0, Prefixes::kNone},
    {"y", kDuration, kSecondsPerYear, 0, Prefixes::kNone},
    {"J", kEnergy, 1.0, 0, Prefixes::kSi},
    {"Wh", kEnergy, kJoulesPerWattHour, 0, Prefixes::kSi},
    {"W", kPower, 1.0, 0, Prefixes::kSi},
    {"FLOP", kFlopCount, 1.0, 0, Prefixes::kSi},
    {"FLOPs", kFlopCount, 1.0, 0, Prefixes::kSi},
    {"FLOPS", kFlopRate, 1.0, 0, Prefixes::kSi},
    {"B", kDataSize, 1.0, 0, Prefixes::kSiAndBinary},
    {"g", kCarbonMass, 1.0, 0, Prefixes::kSi},
    {"t", kCarbonMass, 1.0, 6, Prefixes::kSi},  // tonne
    {"lb", kCarbonMass, kGramsPerPound, 0, Prefixes::kNone},
    {"token", kTokenCount, 1.0, 0, Prefixes::kSi},
    {"tokens", kTokenCount, 1.0, 0, Prefixes::kSi},
    {"L", kWaterVolume, 1.0, 0, Prefixes::kSi},
    {"gal", kWaterVolume, kLitresPerGallon, 0, Prefixes::kNone},
    {"%", kDimensionless, 1.0, -2, Prefixes::kNone},
};

struct SiPrefix {
  std::string_view symbol;
  int pow10;
};

constexpr SiPrefix kSiPrefixes[] = {
    {"n", -9},
    {"u", -6},
    {"\xC2\xB5", -6} /* micro sign */,
    {"\xCE\xBC", -6} /* Greek mu */,
    {"m", -3},
    {"k", 3},
    {"M", 6},
    {"G", 9},
    {"T", 12},
    {"P", 15},
    {"E", 18},
};

struct BinaryPrefix {
  std::string_view symbol;
  double factor;
};

constexpr BinaryPrefix kBinaryPrefixes[] = {
    {"Ki", kBytesPerKibibyte},          {"Mi", kBytesPerMebibyte},
    {"Gi", kBytesPerGibibyte},          {"Ti", kBytesPerTebibyte},
    {"Pi", 1024.0 * kBytesPerTebibyte}, {"Ei", 1024.0 * 1024.0 * kBytesPerTebibyte},
};

constexpr std::string_view kCarbonSuffixes[] = {"CO2e", "CO2"};

/// The SI value of a unit expression: factor * 10^pow10 per unit. Powers of ten are kept
/// apart so that "0.3 kW" is read as the decimal 0.3e3 and rounds once, to exactly 300.
struct Scale {
  Dimension dim{};
  double factor = 1.0;
  int pow10 = 0;
};

const BaseUnit* find_base(std::string_view symbol) {
  for (const BaseUnit& b : kBaseUnits) {
    if (b.symbol == symbol) {
      return &b;
    }
  }
  return nullptr;
}

/// One term without a CO2 suffix: a base symbol, optionally prefixed.
std::optional<Scale> lookup_plain(std::string_view term) {
  if (const BaseUnit* b = find_base(term)) {
    return Scale{b->dim, b->factor, b->pow10};
  }
  for (const BinaryPrefix& p : kBinaryPrefixes) {
    if (term.starts_with(p.symbol)) {
      const BaseUnit* b = find_base(term.substr(p.symbol.size()));
      if (b != nullptr && b->prefixes == Prefixes::kSiAndBinary) {
        return Scale{b->dim, b->factor * p.factor, b->pow10};
      }
    }
  }
  for (const SiPrefix& p : kSiPrefixes) {
    if (term.starts_with(p.symbol)) {
      const BaseUnit* b = find_base(term.substr(p.symbol.size()));
      if (b != nullptr && b->prefixes != Prefixes::kNone) {
        return Scale{b->dim, b->factor, b->pow10 + p.pow10};
      }
    }
  }
  return std::nullopt;
}

std::optional<Scale> lookup_term(std::string_view term) {
  if (auto s = lookup_plain(term)) {
    return s;
  }
  for (std::string_view suffix : kCarbonSuffixes) {
    if (term.size() > suffix.size() && term.ends_with(suffix)) {
      auto s = lookup_plain(term.substr(0, term.size() - suffix.size()));
      if (s && s->dim == kCarbonMass) {
        return s;
      }
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// Suggestions for unknown units.

int lower(char c) {
  return std::tolower(static_cast<unsigned char>(c));
}

/// Levenshtein distance, optionally ignoring case.
std::size_t edit_distance(std::string_view a, std::string_view b, bool ignore_case) {
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    prev[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = ignore_case ? lower(a[i - 1]) == lower(b[j - 1]) : a[i - 1] == b[j - 1];
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0U : 1U)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

/// The known unit nearest to `term`, if one is close enough to be a plausible typo.
/// Ties go to a case-exact match, then to a unit with the same first letter, then to the
/// one listed first (power before energy, so "Wt" suggests "W" rather than "Wh").
std::optional<std::string_view> suggest(std::string_view term) {
  std::vector<std::string_view> candidates;
  for (const NamedDimension& n : kNamedDimensions) {
    candidates.insert(candidates.end(), n.examples.begin(), n.examples.end());
  }
  for (const BaseUnit& b : kBaseUnits) {
    candidates.push_back(b.symbol);
  }
  struct Score {
    std::size_t ci;
    std::size_t cs;
    int first_differs;
    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted <=>
    auto operator<=>(const Score&) const = default;
  };
  std::optional<Score> best_score;
  std::string_view best;
  for (std::string_view c : candidates) {
    const Score s{edit_distance(term, c, true), edit_distance(term, c, false),
                  (!term.empty() && term.front() == c.front()) ? 0 : 1};
    if (!best_score || s < *best_score) {
      best_score = s;
      best = c;
    }
  }
  const std::size_t limit = term.size() <= 3 ? 1 : 2;
  if (best_score && best_score->ci <= limit && best_score->ci < term.size()) {
    return best;
  }
  return std::nullopt;
}

[[noreturn]] void throw_unknown(std::string_view term, std::string_view text) {
  if (auto s = suggest(term)) {
    throw UnitError(
        fmt::format("unknown unit \"{}\" in \"{}\" (did you mean \"{}\"?)", term, text, *s));
  }
  throw UnitError(fmt::format("unknown unit \"{}\" in \"{}\"", term, text));
}

// ---------------------------------------------------------------------------------------
// The parser.

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

Scale parse_term(std::string_view term, std::string_view text) {
  if (auto s = lookup_term(term)) {
    return *s;
  }
  throw_unknown(term, text);
}

Scale parse_unit(std::string_view unit, std::string_view text) {
  if (unit.empty()) {
    return Scale{};
  }
  const std::size_t slash = unit.find('/');
  if (slash == std::string_view::npos) {
    return parse_term(unit, text);
  }
  if (unit.find('/', slash + 1) != std::string_view::npos) {
    throw UnitError(
        fmt::format("unit \"{}\" in \"{}\" has more than one \"/\" (write one term over one term)",
                    unit, text));
  }
  const std::string_view num = trim(unit.substr(0, slash));
  const std::string_view den = trim(unit.substr(slash + 1));
  if (den.empty()) {
    throw UnitError(fmt::format("incomplete unit \"{}\" in \"{}\"", unit, text));
  }
  // "/s": per unit of time, with nothing counted above the line.
  const Scale a = num.empty() ? Scale{} : parse_term(num, text);
  const Scale b = parse_term(den, text);
  return Scale{a.dim - b.dim, a.factor / b.factor, a.pow10 - b.pow10};
}

struct NumberText {
  std::string_view mantissa;  // sign, digits and decimal point, without the exponent
  long long exponent = 0;
  std::size_t length = 0;  // characters of the text the number occupies
};

/// [+-] digits [. digits] [(e|E) [+-] digits], with at least one mantissa digit.
std::optional<NumberText> scan_number(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    ++i;
  }
  std::size_t digits = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    ++digits;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      ++digits;
    }
  }
  if (digits == 0) {
    return std::nullopt;
  }
  NumberText n;
  n.mantissa = s.substr(0, i);
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    bool negative = false;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) {
      negative = s[j] == '-';
      ++j;
    }
    const std::size_t first = j;
    while (j < s.size() && is_digit(s[j])) {
      ++j;
    }
    if (j > first) {
      // Exponents beyond this are out of double's range whatever the mantissa; capping
      // keeps the arithmetic below in range and still fails the conversion.
      constexpr long long kCap = 100'000;
      long long e = 0;
      const auto [ptr, ec] = std::from_chars(s.data() + first, s.data() + j, e);
      if (ec == std::errc::result_out_of_range || e > kCap) {
        e = kCap;
      }
      n.exponent = negative ? -e : e;
      i = j;
    }
  }
  n.length = i;
  return n;
}

bool starts_with_non_finite(std::string_view s) {
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    s.remove_prefix(1);
  }
  if (s.size() < 3) {
    return false;
  }
  std::string head;
  for (char c : s.substr(0, 3)) {
    head += static_cast<char>(lower(c));
  }
  return head == "nan" || head == "inf";
}

}  // namespace

std::string dimension_name(const Dimension& dim) {
  if (const NamedDimension* n = find_named(dim)) {
    return std::string(n->name);
  }
  return formula(dim);
}

std::span<const std::string_view> unit_examples(const Dimension& dim) {
  if (const NamedDimension* n = find_named(dim)) {
    return n->examples;
  }
  return {};
}

std::string accepted_units(const Dimension& dim) {
  if (dim.dimensionless()) {
    return "none or %";
  }
  if (const NamedDimension* n = find_named(dim)) {
    return fmt::format("{}", fmt::join(n->examples, ", "));
  }
  return formula(dim);
}

Parsed parse_quantity(std::string_view text) {
  const std::string_view s = trim(text);
  if (starts_with_non_finite(s)) {
    throw UnitError(
        fmt::format("\"{}\" is not a finite number (NaN and infinity are not allowed)", s));
  }
  const std::optional<NumberText> number = scan_number(s);
  if (!number) {
    throw UnitError(fmt::format("expected a number followed by a unit, got \"{}\"", s));
  }
  const std::string_view unit = trim(s.substr(number->length));
  const Scale scale = parse_unit(unit, s);

  // Fold the unit's power of ten into the decimal exponent so the decimal rounds once.
  std::string decimal(number->mantissa.starts_with('+') ? number->mantissa.substr(1)
                                                        : number->mantissa);
  decimal += fmt::format("e{}", number->exponent + scale.pow10);
  double value = 0.0;
  const char* end = decimal.data() + decimal.size();
  const auto [ptr, ec] = std::from_chars(decimal.data(), end, value);
  if (ec == std::errc::result_out_of_range) {
    throw UnitError(fmt::format("\"{}\" is out of range", s));
  }
  if (ec != std::errc() || ptr != end) {
    throw UnitError(fmt::format("expected a number followed by a unit, got \"{}\"", s));
  }
  value *= scale.factor;
  if (!std::isfinite(value)) {
    throw UnitError(fmt::format("\"{}\" is out of range", s));
  }
  return Parsed{value, scale.dim, std::string(unit)};
}

double parse_si(std::string_view text, const Dimension& expected) {
  Parsed p = parse_quantity(text);
  if (p.dim == expected) {
    return p.value_si;
  }
  const std::string want =
      fmt::format("{} (units: {})", describe(expected), accepted_units(expected));
  if (p.unit.empty()) {
    throw UnitError(fmt::format("\"{}\" needs a unit: expected {}", trim(text), want));
  }
  throw UnitError(
      fmt::format("expected {}, got \"{}\", which is {}", want, trim(text), describe(p.dim)));
}

std::string format_si(double value_si, const Dimension& dim) {
  // Shortest round-trip digits; scientific notation outside [1e-3, 1e7).
  const double magnitude = std::fabs(value_si);
  std::string number;
  if (std::isfinite(value_si) && value_si != 0.0 && (magnitude < 1e-3 || magnitude >= 1e7)) {
    std::array<char, 64> buf{};
    const auto [ptr, ec] =
        std::to_chars(buf.data(), buf.data() + buf.size(), value_si, std::chars_format::scientific);
    number.assign(buf.data(), ec == std::errc() ? ptr : buf.data());
  } else {
    number = fmt::format("{}", value_si);
  }
  const NamedDimension* n = find_named(dim);
  const std::string symbol = n != nullptr ? std::string(n->si_symbol) : formula(dim);
  if (symbol.empty()) {
    return number;
  }
  return number + " " + symbol;
}

}  // namespace footprint::units
