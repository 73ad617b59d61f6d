// Physical quantities as strong types with compile-time dimensions.
//
// A Quantity holds one double in SI base units: seconds, joules, FLOP, bytes, grams of
// CO2-equivalent and tokens. Power is therefore J/s and carbon intensity is gCO2e/J
// internally. Products and quotients land in the type of the resulting dimension
// (Watts * Seconds is Joules, Flops / FlopRate is Seconds); a result without dimension is
// a plain double. Quantities are built and read only through named functions that state
// their unit (kilowatt_hours(1.5), to_grams_per_kwh(ci)), never from a bare number.
#pragma once

#include <compare>

#include "sim/kernel/units/time_constants.hpp"

namespace footprint::units {

/// Exponents of the six base dimensions Footprint tracks.
struct Dimension {
  int time = 0;    // s
  int energy = 0;  // J
  int flop = 0;    // FLOP (floating-point operations)
  int byte = 0;    // B
  int carbon = 0;  // g CO2e
  int token = 0;   // token
  int water = 0;   // L (litres of water, withdrawn or consumed)

  constexpr bool operator==(const Dimension&) const = default;
  [[nodiscard]] constexpr bool dimensionless() const { return *this == Dimension{}; }

  friend constexpr Dimension operator+(const Dimension& a, const Dimension& b) {
    return Dimension{a.time + b.time,     a.energy + b.energy, a.flop + b.flop,  a.byte + b.byte,
                     a.carbon + b.carbon, a.token + b.token,   a.water + b.water};
  }
  friend constexpr Dimension operator-(const Dimension& a) {
    return Dimension{-a.time, -a.energy, -a.flop, -a.byte, -a.carbon, -a.token, -a.water};
  }
  friend constexpr Dimension operator-(const Dimension& a, const Dimension& b) { return a + -b; }
};

// The dimensions Footprint names (see dimension_name() in parse.hpp).
inline constexpr Dimension kDimensionless{};
inline constexpr Dimension kDuration{.time = 1};
inline constexpr Dimension kEnergy{.energy = 1};
inline constexpr Dimension kPower{.time = -1, .energy = 1};
inline constexpr Dimension kFlopCount{.flop = 1};
inline constexpr Dimension kFlopRate{.time = -1, .flop = 1};
inline constexpr Dimension kDataSize{.byte = 1};
inline constexpr Dimension kBandwidth{.time = -1, .byte = 1};
inline constexpr Dimension kCarbonMass{.carbon = 1};
inline constexpr Dimension kCarbonIntensity{.energy = -1, .carbon = 1};
inline constexpr Dimension kTokenCount{.token = 1};
inline constexpr Dimension kFlopsPerToken{.flop = 1, .token = -1};
inline constexpr Dimension kTokenRate{.time = -1, .token = 1};
inline constexpr Dimension kEnergyPerToken{.energy = 1, .token = -1};
// Internal only (no scenario key takes it, so dimension_name() spells it "g/s").
inline constexpr Dimension kCarbonRate{.time = -1, .carbon = 1};
/// Events per unit of time (requests per second): written "20 /s", "1200 /min", "5 /h".
inline constexpr Dimension kEventRate{.time = -1};
/// Water: a volume in litres, and litres per joule of electricity ("0.3 L/kWh": a WUE).
inline constexpr Dimension kWaterVolume{.water = 1};
inline constexpr Dimension kWaterIntensity{.energy = -1, .water = 1};

/// One value of dimension D, stored in SI base units.
template <Dimension D>
class Quantity {
  static_assert(!D.dimensionless(), "a dimensionless result is a plain double");

 public:
  static constexpr Dimension kDimension = D;

  constexpr Quantity() = default;

  /// From a value already in SI base units (s, J, J/s, FLOP, B, g, g/J, token, ...).
  [[nodiscard]] static constexpr Quantity from_si(double v) { return Quantity(v); }
  [[nodiscard]] static constexpr Quantity zero() { return Quantity(0.0); }

  /// The value in SI base units.
  [[nodiscard]] constexpr double si() const { return v_; }

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted <=>
  constexpr auto operator<=>(const Quantity&) const = default;
  constexpr bool operator==(const Quantity&) const = default;

  constexpr Quantity operator+() const { return *this; }
  constexpr Quantity operator-() const { return Quantity(-v_); }
  constexpr Quantity operator+(Quantity o) const { return Quantity(v_ + o.v_); }
  constexpr Quantity operator-(Quantity o) const { return Quantity(v_ - o.v_); }
  constexpr Quantity& operator+=(Quantity o) {
    v_ += o.v_;
    return *this;
  }
  constexpr Quantity& operator-=(Quantity o) {
    v_ -= o.v_;
    return *this;
  }
  constexpr Quantity& operator*=(double s) {
    v_ *= s;
    return *this;
  }
  constexpr Quantity& operator/=(double s) {
    v_ /= s;
    return *this;
  }

  friend constexpr Quantity operator*(Quantity q, double s) { return Quantity(q.v_ * s); }
  friend constexpr Quantity operator*(double s, Quantity q) { return Quantity(s * q.v_); }
  friend constexpr Quantity operator/(Quantity q, double s) { return Quantity(q.v_ / s); }

 private:
  constexpr explicit Quantity(double v) : v_(v) {}
  double v_ = 0.0;
};

namespace detail {
template <Dimension R>
constexpr auto make(double si) {
  if constexpr (R.dimensionless()) {
    return si;
  } else {
    return Quantity<R>::from_si(si);
  }
}
}  // namespace detail

template <Dimension A, Dimension B>
constexpr auto operator*(Quantity<A> a, Quantity<B> b) {
  return detail::make<A + B>(a.si() * b.si());
}

template <Dimension A, Dimension B>
constexpr auto operator/(Quantity<A> a, Quantity<B> b) {
  return detail::make<A - B>(a.si() / b.si());
}

template <Dimension D>
constexpr Quantity<-D> operator/(double s, Quantity<D> q) {
  return Quantity<-D>::from_si(s / q.si());
}

template <Dimension D>
constexpr Quantity<D> abs(Quantity<D> q) {
  return q.si() < 0.0 ? -q : q;
}

/// The dimension of a Quantity type, or of double (dimensionless).
template <class T>
struct QuantityTraits;
template <Dimension D>
struct QuantityTraits<Quantity<D>> {
  static constexpr Dimension dimension = D;
};
template <>
struct QuantityTraits<double> {
  static constexpr Dimension dimension = kDimensionless;
};
template <class T>
inline constexpr Dimension dimension_of = QuantityTraits<T>::dimension;

using Seconds = Quantity<kDuration>;
using Joules = Quantity<kEnergy>;
using Watts = Quantity<kPower>;
using Flops = Quantity<kFlopCount>;
using FlopRate = Quantity<kFlopRate>;
using Bytes = Quantity<kDataSize>;
using ByteRate = Quantity<kBandwidth>;
using Grams = Quantity<kCarbonMass>;                 // mass of CO2-equivalent
using CarbonIntensity = Quantity<kCarbonIntensity>;  // g CO2e per J
using Tokens = Quantity<kTokenCount>;
using FlopsPerToken = Quantity<kFlopsPerToken>;
using TokenRate = Quantity<kTokenRate>;
using JoulesPerToken = Quantity<kEnergyPerToken>;
using CarbonRate = Quantity<kCarbonRate>;  // g CO2e per s (embodied emissions amortised)
using EventRate = Quantity<kEventRate>;    // per second
using Litres = Quantity<kWaterVolume>;
using WaterIntensity = Quantity<kWaterIntensity>;  // L per J

// Conversion constants.
inline constexpr auto kSecondsPerMinute = static_cast<double>(kWholeSecondsPerMinute);
inline constexpr auto kSecondsPerHour = static_cast<double>(kWholeSecondsPerHour);
inline constexpr auto kSecondsPerDay = static_cast<double>(kWholeSecondsPerDay);
/// Footprint's year is exactly 365 days (no leap days, no sidereal corrections).
inline constexpr auto kDaysPerYear = static_cast<double>(kDaysPerCommonYear);
inline constexpr double kSecondsPerYear = kDaysPerYear * kSecondsPerDay;
inline constexpr double kJoulesPerWattHour = kSecondsPerHour;
inline constexpr double kJoulesPerKilowattHour = 3.6e6;
inline constexpr double kJoulesPerMegawattHour = 3.6e9;
inline constexpr double kJoulesPerGigawattHour = 3.6e12;
inline constexpr double kGramsPerKilogram = 1e3;
inline constexpr double kGramsPerTonne = 1e6;
/// The international avoirdupois pound; EIA publishes emission rates in lb/MWh.
inline constexpr double kGramsPerPound = 453.59237;
inline constexpr double kBytesPerKibibyte = 1024.0;
inline constexpr double kBytesPerMebibyte = 1024.0 * kBytesPerKibibyte;
inline constexpr double kBytesPerGibibyte = 1024.0 * kBytesPerMebibyte;
inline constexpr double kBytesPerTebibyte = 1024.0 * kBytesPerGibibyte;
inline constexpr double kMillisPerUnit = 1e3;
inline constexpr double kKilo = 1e3;
inline constexpr double kMega = 1e6;
inline constexpr double kGiga = 1e9;
inline constexpr double kTera = 1e12;
inline constexpr double kPeta = 1e15;
inline constexpr double kExa = 1e18;
inline constexpr double kPercentPerUnit = 100.0;

// Duration.
constexpr Seconds seconds(double s) {
  return Seconds::from_si(s);
}
constexpr Seconds milliseconds(double ms) {
  return Seconds::from_si(ms / kMillisPerUnit);
}
constexpr Seconds minutes(double m) {
  return Seconds::from_si(m * kSecondsPerMinute);
}
constexpr Seconds hours(double h) {
  return Seconds::from_si(h * kSecondsPerHour);
}
constexpr Seconds days(double d) {
  return Seconds::from_si(d * kSecondsPerDay);
}
constexpr Seconds years(double y) {
  return Seconds::from_si(y * kSecondsPerYear);
}
constexpr double to_seconds(Seconds t) {
  return t.si();
}
constexpr double to_minutes(Seconds t) {
  return t.si() / kSecondsPerMinute;
}
constexpr double to_hours(Seconds t) {
  return t.si() / kSecondsPerHour;
}
constexpr double to_days(Seconds t) {
  return t.si() / kSecondsPerDay;
}
constexpr double to_years(Seconds t) {
  return t.si() / kSecondsPerYear;
}

// Energy.
constexpr Joules joules(double j) {
  return Joules::from_si(j);
}
constexpr Joules kilojoules(double kj) {
  return Joules::from_si(kj * kKilo);
}
constexpr Joules megajoules(double mj) {
  return Joules::from_si(mj * kMega);
}
constexpr Joules gigajoules(double gj) {
  return Joules::from_si(gj * kGiga);
}
constexpr Joules watt_hours(double wh) {
  return Joules::from_si(wh * kJoulesPerWattHour);
}
constexpr Joules kilowatt_hours(double kwh) {
  return Joules::from_si(kwh * kJoulesPerKilowattHour);
}
constexpr Joules megawatt_hours(double mwh) {
  return Joules::from_si(mwh * kJoulesPerMegawattHour);
}
constexpr Joules gigawatt_hours(double gwh) {
  return Joules::from_si(gwh * kJoulesPerGigawattHour);
}
constexpr double to_joules(Joules e) {
  return e.si();
}
constexpr double to_megajoules(Joules e) {
  return e.si() / kMega;
}
constexpr double to_watt_hours(Joules e) {
  return e.si() / kJoulesPerWattHour;
}
constexpr double to_kilowatt_hours(Joules e) {
  return e.si() / kJoulesPerKilowattHour;
}
constexpr double to_megawatt_hours(Joules e) {
  return e.si() / kJoulesPerMegawattHour;
}
constexpr double to_gigawatt_hours(Joules e) {
  return e.si() / kJoulesPerGigawattHour;
}

// Power.
constexpr Watts watts(double w) {
  return Watts::from_si(w);
}
constexpr Watts kilowatts(double kw) {
  return Watts::from_si(kw * kKilo);
}
constexpr Watts megawatts(double mw) {
  return Watts::from_si(mw * kMega);
}
constexpr Watts gigawatts(double gw) {
  return Watts::from_si(gw * kGiga);
}
constexpr double to_watts(Watts p) {
  return p.si();
}
constexpr double to_kilowatts(Watts p) {
  return p.si() / kKilo;
}
constexpr double to_megawatts(Watts p) {
  return p.si() / kMega;
}
constexpr double to_gigawatts(Watts p) {
  return p.si() / kGiga;
}

// Floating-point operations.
constexpr Flops flops(double n) {
  return Flops::from_si(n);
}
constexpr double to_flops(Flops n) {
  return n.si();
}
constexpr FlopRate flops_per_second(double r) {
  return FlopRate::from_si(r);
}
constexpr FlopRate gigaflops_per_second(double r) {
  return FlopRate::from_si(r * kGiga);
}
constexpr FlopRate teraflops_per_second(double r) {
  return FlopRate::from_si(r * kTera);
}
constexpr FlopRate petaflops_per_second(double r) {
  return FlopRate::from_si(r * kPeta);
}
constexpr double to_flops_per_second(FlopRate r) {
  return r.si();
}
constexpr double to_teraflops_per_second(FlopRate r) {
  return r.si() / kTera;
}
constexpr double to_petaflops_per_second(FlopRate r) {
  return r.si() / kPeta;
}

// Data.
constexpr Bytes bytes(double b) {
  return Bytes::from_si(b);
}
constexpr Bytes kilobytes(double kb) {
  return Bytes::from_si(kb * kKilo);
}
constexpr Bytes megabytes(double mb) {
  return Bytes::from_si(mb * kMega);
}
constexpr Bytes gigabytes(double gb) {
  return Bytes::from_si(gb * kGiga);
}
constexpr Bytes terabytes(double tb) {
  return Bytes::from_si(tb * kTera);
}
constexpr Bytes kibibytes(double kib) {
  return Bytes::from_si(kib * kBytesPerKibibyte);
}
constexpr Bytes mebibytes(double mib) {
  return Bytes::from_si(mib * kBytesPerMebibyte);
}
constexpr Bytes gibibytes(double gib) {
  return Bytes::from_si(gib * kBytesPerGibibyte);
}
constexpr Bytes tebibytes(double tib) {
  return Bytes::from_si(tib * kBytesPerTebibyte);
}
constexpr double to_bytes(Bytes b) {
  return b.si();
}
constexpr double to_gigabytes(Bytes b) {
  return b.si() / kGiga;
}
constexpr double to_gibibytes(Bytes b) {
  return b.si() / kBytesPerGibibyte;
}
constexpr ByteRate bytes_per_second(double r) {
  return ByteRate::from_si(r);
}
constexpr ByteRate gigabytes_per_second(double r) {
  return ByteRate::from_si(r * kGiga);
}
constexpr double to_bytes_per_second(ByteRate r) {
  return r.si();
}
constexpr double to_gigabytes_per_second(ByteRate r) {
  return r.si() / kGiga;
}

// Carbon (mass of CO2-equivalent).
constexpr Grams grams(double g) {
  return Grams::from_si(g);
}
constexpr Grams kilograms(double kg) {
  return Grams::from_si(kg * kGramsPerKilogram);
}
constexpr Grams tonnes(double t) {
  return Grams::from_si(t * kGramsPerTonne);
}
constexpr Grams pounds(double lb) {
  return Grams::from_si(lb * kGramsPerPound);
}
constexpr double to_grams(Grams m) {
  return m.si();
}
constexpr double to_kilograms(Grams m) {
  return m.si() / kGramsPerKilogram;
}
constexpr double to_tonnes(Grams m) {
  return m.si() / kGramsPerTonne;
}
constexpr CarbonRate grams_per_second(double g_per_s) {
  return CarbonRate::from_si(g_per_s);
}
constexpr double to_grams_per_second(CarbonRate r) {
  return r.si();
}

// Water.
/// The US gallon.
inline constexpr double kLitresPerGallon = 3.785411784;
constexpr Litres litres(double l) {
  return Litres::from_si(l);
}
constexpr double to_litres(Litres v) {
  return v.si();
}
constexpr WaterIntensity litres_per_kwh(double l_per_kwh) {
  return WaterIntensity::from_si(l_per_kwh / kJoulesPerKilowattHour);
}
constexpr double to_litres_per_kwh(WaterIntensity w) {
  return w.si() * kJoulesPerKilowattHour;
}

// Carbon intensity of electricity.
constexpr CarbonIntensity grams_per_joule(double g_per_j) {
  return CarbonIntensity::from_si(g_per_j);
}
constexpr CarbonIntensity grams_per_kwh(double g_per_kwh) {
  return CarbonIntensity::from_si(g_per_kwh / kJoulesPerKilowattHour);
}
constexpr CarbonIntensity kilograms_per_kwh(double kg_per_kwh) {
  return CarbonIntensity::from_si(kg_per_kwh * kGramsPerKilogram / kJoulesPerKilowattHour);
}
/// EIA's unit for plant and grid emission rates.
constexpr CarbonIntensity pounds_per_mwh(double lb_per_mwh) {
  return CarbonIntensity::from_si(lb_per_mwh * kGramsPerPound / kJoulesPerMegawattHour);
}
constexpr double to_grams_per_joule(CarbonIntensity ci) {
  return ci.si();
}
constexpr double to_grams_per_kwh(CarbonIntensity ci) {
  return ci.si() * kJoulesPerKilowattHour;
}

// Tokens.
constexpr Tokens tokens(double n) {
  return Tokens::from_si(n);
}
constexpr double to_tokens(Tokens n) {
  return n.si();
}
constexpr FlopsPerToken flops_per_token(double f) {
  return FlopsPerToken::from_si(f);
}
constexpr double to_flops_per_token(FlopsPerToken f) {
  return f.si();
}
constexpr TokenRate tokens_per_second(double r) {
  return TokenRate::from_si(r);
}
constexpr double to_tokens_per_second(TokenRate r) {
  return r.si();
}
constexpr JoulesPerToken joules_per_token(double j) {
  return JoulesPerToken::from_si(j);
}
constexpr double to_joules_per_token(JoulesPerToken e) {
  return e.si();
}

// Dimensionless.
constexpr double percent(double p) {
  return p / kPercentPerUnit;
}
constexpr double to_percent(double fraction) {
  return fraction * kPercentPerUnit;
}

}  // namespace footprint::units
