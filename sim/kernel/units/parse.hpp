// Parsing of quantities with units, as they appear in scenario files ("310 W", "14.8 d",
// "45.6 TFLOP/s", "429 g/kWh", "32 GiB", "19 %").
//
// Grammar: a number (decimal or exponent form, optional sign), optional whitespace, then an
// optional unit expression: one term, or a numerator term, "/" and one denominator term.
// A term is an optional prefix and a base symbol:
//   SI prefixes      n u m k M G T P E   (also µ for micro)
//   binary prefixes  Ki Mi Gi Ti Pi Ei   (bytes only: GiB = 2^30 B; GB = 1e9 B)
//   base symbols     s min h d y (365 d)  J Wh W  FLOP FLOPs  FLOPS (= FLOP/s)  B
//                    g t (1e6 g) lb (453.59237 g)  token tokens  % (0.01, no prefix)
// min, h, d, y, lb and % take no prefix, so "m" before a base is always milli and "min" is
// the minute. A carbon mass may carry a CO2/CO2e suffix: "kgCO2e", "tCO2e", "gCO2/kWh".
// Carbon intensity is carbon mass over energy. A bare number is dimensionless.
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "sim/kernel/units/quantity.hpp"

namespace footprint::units {

/// A quantity string that does not parse, or has the wrong dimension.
class UnitError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// "power", "energy", "duration", "FLOP count", "FLOP rate", "data size", "bandwidth",
/// "CO2e mass", "carbon intensity", "token count", "FLOP per token", "token rate",
/// "energy per token", "dimensionless"; any other dimension as a formula such as "J/s^2".
std::string dimension_name(const Dimension& dim);

/// Units accepted for a named dimension, as listed in messages and documentation
/// ({"W", "kW", "MW", "GW"} for power). Every entry parses to that dimension.
/// Empty for a dimension without a name.
std::span<const std::string_view> unit_examples(const Dimension& dim);

/// unit_examples() joined with ", " ("W, kW, MW, GW"); "none or %" for dimensionless;
/// the formula for a dimension without a name.
std::string accepted_units(const Dimension& dim);

struct Parsed {
  double value_si = 0.0;  // in SI base units: s, J, J/s, FLOP, B, g, g/J, token
  Dimension dim{};
  std::string unit;  // the unit expression as written; empty for a bare number
};

/// Parses any quantity. Throws UnitError for an empty or malformed string, an unknown unit
/// (suggesting the nearest known one), NaN, infinity, or a value out of double's range.
Parsed parse_quantity(std::string_view text);

/// Parses a quantity of the expected dimension and returns its value in SI base units.
/// Throws UnitError when it does not parse, when it is a bare number but a unit is needed,
/// or when its dimension differs from `expected`.
double parse_si(std::string_view text, const Dimension& expected);

/// parse_si() into a strong type: parse_as<Watts>("0.3 kW"), parse_as<double>("19 %").
template <class Q>
Q parse_as(std::string_view text) {
  const double v = parse_si(text, dimension_of<Q>);
  if constexpr (std::is_same_v<Q, double>) {
    return v;
  } else {
    return Q::from_si(v);
  }
}

/// A value in SI base units with its SI unit, for messages: "310 W", "1278720 s",
/// "4.56e+13 FLOP/s", "0.19". Shortest round-trip digits, scientific outside [1e-3, 1e7).
std::string format_si(double value_si, const Dimension& dim);

template <Dimension D>
std::string format_si(Quantity<D> q) {
  return format_si(q.si(), D);
}

}  // namespace footprint::units
