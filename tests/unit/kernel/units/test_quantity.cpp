#include <type_traits>

#include <catch2/catch.hpp>

#include "sim/kernel/units/quantity.hpp"

namespace u = footprint::units;
using u::ByteRate;
using u::Bytes;
using u::CarbonIntensity;
using u::CarbonRate;
using u::FlopRate;
using u::Flops;
using u::FlopsPerToken;
using u::Grams;
using u::Joules;
using u::JoulesPerToken;
using u::Seconds;
using u::TokenRate;
using u::Tokens;
using u::Watts;

namespace {

template <class A, class B>
concept Addable = requires(A a, B b) {
  a + b;
};
template <class A, class B>
concept Comparable = requires(A a, B b) {
  a < b;
};

template <class A, class B>
using Product = decltype(std::declval<A>() * std::declval<B>());
template <class A, class B>
using Quotient = decltype(std::declval<A>() / std::declval<B>());

}  // namespace

// The type algebra is checked at compile time.
static_assert(std::is_same_v<Product<Watts, Seconds>, Joules>);
static_assert(std::is_same_v<Product<Seconds, Watts>, Joules>);
static_assert(std::is_same_v<Quotient<Joules, Seconds>, Watts>);
static_assert(std::is_same_v<Quotient<Joules, Watts>, Seconds>);
static_assert(std::is_same_v<Product<Joules, CarbonIntensity>, Grams>);
static_assert(std::is_same_v<Quotient<Grams, Joules>, CarbonIntensity>);
static_assert(std::is_same_v<Quotient<Flops, FlopRate>, Seconds>);
static_assert(std::is_same_v<Product<FlopRate, Seconds>, Flops>);
static_assert(std::is_same_v<Product<Tokens, FlopsPerToken>, Flops>);
static_assert(std::is_same_v<Quotient<Flops, Tokens>, FlopsPerToken>);
static_assert(std::is_same_v<Quotient<Bytes, ByteRate>, Seconds>);
static_assert(std::is_same_v<Quotient<Tokens, Seconds>, TokenRate>);
static_assert(std::is_same_v<Quotient<Joules, Tokens>, JoulesPerToken>);
static_assert(std::is_same_v<Quotient<Grams, Seconds>, CarbonRate>);
static_assert(std::is_same_v<Product<CarbonRate, Seconds>, Grams>);
static_assert(std::is_same_v<Quotient<double, Seconds>, u::Quantity<u::Dimension{.time = -1}>>);
// Dimensionless results are plain doubles.
static_assert(std::is_same_v<Quotient<Joules, Joules>, double>);
static_assert(std::is_same_v<Product<Seconds, Quotient<double, Seconds>>, double>);
static_assert(std::is_same_v<Quotient<FlopRate, FlopRate>, double>);
// Wrong combinations do not type-check.
static_assert(!std::is_same_v<Product<Watts, Watts>, Joules>);
static_assert(!std::is_same_v<Quotient<Watts, Seconds>, Joules>);
static_assert(!Addable<Watts, Seconds>);
static_assert(!Addable<Joules, Watts>);
static_assert(!Addable<Watts, double>);
static_assert(!Comparable<Flops, FlopRate>);
static_assert(Addable<Watts, Watts>);
// No construction from, or conversion to, a bare number.
static_assert(!std::is_constructible_v<Watts, double>);
static_assert(!std::is_convertible_v<double, Watts>);
static_assert(!std::is_convertible_v<Watts, double>);
static_assert(sizeof(Watts) == sizeof(double));
static_assert(std::is_trivially_copyable_v<Joules>);
// constexpr arithmetic.
static_assert(u::to_kilowatt_hours(u::kilowatts(2) * u::hours(3)) == 6.0);
static_assert(u::to_seconds(u::years(5)) == 157'680'000.0);
static_assert(u::kJoulesPerKilowattHour == 3.6e6);
static_assert(u::dimension_of<Watts> == u::kPower);
static_assert(u::dimension_of<double> == u::kDimensionless);

TEST_CASE("named constructors store SI base units", "[units][quantity]") {
  CHECK(u::watts(310).si() == 310.0);
  CHECK(u::kilowatts(0.3).si() == Approx(300.0).epsilon(1e-15));
  CHECK(u::megawatts(8).si() == 8e6);
  CHECK(u::kilowatt_hours(1.5).si() == 5.4e6);
  CHECK(u::megawatt_hours(1.5).si() == 5.4e9);
  CHECK(u::watt_hours(1).si() == 3600.0);
  CHECK(u::minutes(5).si() == 300.0);
  CHECK(u::hours(36).si() == 129'600.0);
  CHECK(u::days(14.8).si() == 1'278'720.0);
  CHECK(u::years(5).si() == 157'680'000.0);
  CHECK(u::milliseconds(250).si() == 0.25);
  CHECK(u::teraflops_per_second(45.6).si() == Approx(4.56e13).epsilon(1e-15));
  CHECK(u::gibibytes(32).si() == 34'359'738'368.0);
  CHECK(u::gigabytes(32).si() == 32e9);
  CHECK(u::gigabytes_per_second(900).si() == 9e11);
  CHECK(u::kilograms(0.429).si() == Approx(429.0).epsilon(1e-15));
  CHECK(u::tonnes(2).si() == 2e6);
  CHECK(u::pounds(1).si() == 453.59237);
  CHECK(u::tokens(3.2e6).si() == 3.2e6);
  CHECK(u::percent(19) == 0.19);
}

TEST_CASE("accessors convert back to the named unit", "[units][quantity]") {
  CHECK(u::to_kilowatt_hours(u::joules(3.6e6)) == 1.0);
  CHECK(u::to_megawatt_hours(u::joules(3.6e9)) == 1.0);
  CHECK(u::to_gigawatt_hours(u::megawatt_hours(2500)) == 2.5);
  CHECK(u::to_days(u::seconds(1'278'720)) == Approx(14.8).epsilon(1e-15));
  CHECK(u::to_hours(u::days(2)) == 48.0);
  CHECK(u::to_years(u::days(730)) == 2.0);
  CHECK(u::to_tonnes(u::grams(429'000)) == 0.429);
  CHECK(u::to_kilograms(u::tonnes(1.5)) == 1500.0);
  CHECK(u::to_kilowatts(u::watts(310)) == 0.31);
  CHECK(u::to_teraflops_per_second(u::flops_per_second(4.56e13)) == 45.6);
  CHECK(u::to_gibibytes(u::bytes(34'359'738'368.0)) == 32.0);
  CHECK(u::to_percent(0.25) == 25.0);
}

TEST_CASE("carbon intensity is grams per joule internally", "[units][quantity]") {
  const CarbonIntensity ci = u::grams_per_kwh(429);
  CHECK(ci.si() == Approx(429.0 / 3.6e6).epsilon(1e-15));
  CHECK(u::to_grams_per_kwh(ci) == Approx(429.0).epsilon(1e-15));
  CHECK(u::kilograms_per_kwh(0.429).si() == Approx(ci.si()).epsilon(1e-15));
  // EIA's lb/MWh: 1000 lb/MWh is 453.59237 g/kWh.
  CHECK(u::to_grams_per_kwh(u::pounds_per_mwh(1000)) == Approx(453.59237).epsilon(1e-15));
  CHECK(u::to_grams_per_joule(u::grams_per_joule(2e-4)) == 2e-4);
}

TEST_CASE("an embodied carbon rate is grams per second", "[units][quantity]") {
  // 150 kg amortised over 5 years.
  const CarbonRate r = u::kilograms(150) / u::years(5);
  CHECK(u::to_grams_per_second(r) == 150e3 / (5 * 365 * 86400.0));
  CHECK(u::grams_per_second(2.5).si() == 2.5);
  CHECK(u::to_grams(r * u::years(5)) == Approx(150e3).epsilon(1e-15));
}

TEST_CASE("a training run's energy and emissions compose through the types", "[units][quantity]") {
  // 1000 accelerators at 310 W for 14.8 days.
  const Joules energy = 1000.0 * u::watts(310) * u::days(14.8);
  CHECK(u::to_megawatt_hours(energy) == Approx(110.112).epsilon(1e-12));
  const Grams co2 = energy * u::grams_per_kwh(429);
  CHECK(u::to_tonnes(co2) == Approx(47.238048).epsilon(1e-12));

  // 3.14e23 FLOP at 45.6 TFLOP/s sustained.
  const Seconds t = u::flops(3.14e23) / u::teraflops_per_second(45.6);
  CHECK(u::to_seconds(t) == Approx(3.14e23 / 4.56e13).epsilon(1e-14));
  CHECK(u::to_days(t) == Approx(79'698.66796621183).epsilon(1e-12));

  // Tokens times FLOP per token is a FLOP count.
  const Flops f = u::tokens(3.2e6) * u::flops_per_token(2 * 175e9);
  CHECK(u::to_flops(f) == Approx(1.12e18).epsilon(1e-15));

  // Transfer time of 32 GiB at 900 GB/s.
  const Seconds transfer = u::gibibytes(32) / u::gigabytes_per_second(900);
  CHECK(u::to_seconds(transfer) == Approx(34'359'738'368.0 / 9e11).epsilon(1e-15));

  // Ratios of like quantities are plain numbers.
  const double utilisation = u::watts(155) / u::watts(310);
  CHECK(utilisation == 0.5);
  const auto per_second = 1.0 / u::seconds(4);
  CHECK((per_second * u::seconds(8)) == 2.0);
}

TEST_CASE("same-dimension arithmetic and comparison", "[units][quantity]") {
  Joules e = u::kilowatt_hours(1);
  e += u::kilowatt_hours(2);
  CHECK(u::to_kilowatt_hours(e) == 3.0);
  e -= u::kilowatt_hours(0.5);
  CHECK(u::to_kilowatt_hours(e) == 2.5);
  e *= 4;
  CHECK(u::to_kilowatt_hours(e) == 10.0);
  e /= 5;
  CHECK(u::to_kilowatt_hours(e) == 2.0);
  CHECK(u::to_kilowatt_hours(e / 2.0) == 1.0);
  CHECK(u::to_kilowatt_hours(2.0 * e) == 4.0);
  CHECK(u::to_kilowatt_hours(e - u::kilowatt_hours(3)) == -1.0);
  CHECK(u::abs(u::watts(-5)) == u::watts(5));
  CHECK(-u::watts(5) == u::watts(-5));
  CHECK(u::watts(310) < u::kilowatts(0.5));
  CHECK(u::kilowatts(1) > u::watts(999));
  CHECK(u::hours(24) == u::days(1));
  CHECK(u::hours(24) <= u::days(1));
  CHECK(u::minutes(1) != u::seconds(61));
  CHECK(Watts{} == Watts::zero());
  CHECK(Watts::zero().si() == 0.0);
}
