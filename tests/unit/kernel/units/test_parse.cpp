#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "sim/kernel/units/parse.hpp"

namespace u = footprint::units;
using u::Dimension;
using u::parse_as;
using u::parse_quantity;
using u::UnitError;

namespace {

double si(std::string_view text) {
  return parse_quantity(text).value_si;
}
Dimension dim(std::string_view text) {
  return parse_quantity(text).dim;
}

}  // namespace

TEST_CASE("scenario-file quantities parse to exact SI values", "[units][parse]") {
  // Each of these is the correctly rounded double of the exact value.
  CHECK(si("310 W") == 310.0);
  CHECK(si("0.3 kW") == 300.0);
  CHECK(si("14.8 d") == 1'278'720.0);
  CHECK(si("36 h") == 129'600.0);
  CHECK(si("5 y") == 157'680'000.0);
  CHECK(si("5 min") == 300.0);
  CHECK(si("3.14e23 FLOP") == 3.14e23);
  CHECK(si("45.6 TFLOP/s") == 4.56e13);
  CHECK(si("32 GB") == 32e9);
  CHECK(si("32 GiB") == 34'359'738'368.0);
  CHECK(si("3.2e6 tokens") == 3.2e6);
  CHECK(si("900 GB/s") == 9e11);
  CHECK(si("8 MW") == 8e6);
  CHECK(si("1.5 MWh") == 5.4e9);
  CHECK(si("19 %") == 0.19);

  CHECK(dim("310 W") == u::kPower);
  CHECK(dim("0.3 kW") == u::kPower);
  CHECK(dim("14.8 d") == u::kDuration);
  CHECK(dim("5 y") == u::kDuration);
  CHECK(dim("3.14e23 FLOP") == u::kFlopCount);
  CHECK(dim("45.6 TFLOP/s") == u::kFlopRate);
  CHECK(dim("32 GiB") == u::kDataSize);
  CHECK(dim("3.2e6 tokens") == u::kTokenCount);
  CHECK(dim("900 GB/s") == u::kBandwidth);
  CHECK(dim("1.5 MWh") == u::kEnergy);
  CHECK(dim("19 %") == u::kDimensionless);
}

TEST_CASE("carbon intensities agree across units", "[units][parse]") {
  // 429 g/kWh is 429 / 3.6e6 g/J; the two spellings below round identically, and agree with
  // the named constructor to within 1e-15 relative (one unit in the last place).
  const double g_per_kwh = si("429 g/kWh");
  CHECK(si("0.429 kg/kWh") == g_per_kwh);
  CHECK(g_per_kwh == Approx(429.0 / 3.6e6).epsilon(1e-15));
  CHECK(g_per_kwh == Approx(u::grams_per_kwh(429).si()).epsilon(1e-15));
  CHECK(dim("429 g/kWh") == u::kCarbonIntensity);
  CHECK(si("429 gCO2/kWh") == g_per_kwh);
  CHECK(si("429 gCO2e/kWh") == g_per_kwh);
  CHECK(si("429000 g/MWh") == Approx(g_per_kwh).epsilon(1e-15));
  CHECK(si("0.429 t/MWh") == Approx(g_per_kwh).epsilon(1e-15));
  // EIA publishes lb/MWh: 945.78 lb/MWh = 945.78 * 453.59237 / 1000 g/kWh.
  CHECK(si("945.78 lb/MWh") == Approx(945.78 * 453.59237 / 3.6e9).epsilon(1e-15));
  CHECK(dim("945.78 lb/MWh") == u::kCarbonIntensity);
}

TEST_CASE("water volumes and water intensities parse in litres", "[units][parse]") {
  // A WUE of 0.3 L/kWh is 0.3 / 3.6e6 L/J; Macknick et al. publish gal/MWh (1 US gallon =
  // 3.785411784 L exactly).
  CHECK(si("5 L") == 5.0);
  CHECK(si("250 mL") == 0.25);
  CHECK(si("2 kL") == 2000.0);
  CHECK(si("1.5 ML") == 1.5e6);
  CHECK(si("10 gal") == Approx(37.85411784).epsilon(1e-15));
  CHECK(dim("5 L") == u::kWaterVolume);
  CHECK(dim("10 gal") == u::kWaterVolume);
  CHECK(si("0.3 L/kWh") == Approx(0.3 / 3.6e6).epsilon(1e-15));
  CHECK(si("0.3 L/kWh") == Approx(u::litres_per_kwh(0.3).si()).epsilon(1e-15));
  CHECK(si("300 L/MWh") == Approx(si("0.3 L/kWh")).epsilon(1e-15));
  CHECK(si("687 gal/MWh") == Approx(687 * 3.785411784 / 3.6e9).epsilon(1e-15));
  CHECK(dim("0.3 L/kWh") == u::kWaterIntensity);
  CHECK(u::to_litres_per_kwh(u::litres_per_kwh(0.55)) == Approx(0.55).epsilon(1e-15));
  // A water intensity is per energy, not per power.
  CHECK_THROWS_AS(parse_as<u::WaterIntensity>("0.3 L/kW"), UnitError);
  CHECK_THROWS_AS(parse_as<u::Litres>("0.3 L/kWh"), UnitError);
}

TEST_CASE("aliases and prefixes", "[units][parse]") {
  CHECK(si("45.6 TFLOPS") == 4.56e13);
  CHECK(dim("45.6 TFLOPS") == u::kFlopRate);
  CHECK(si("1.2 PFLOPS") == 1.2e15);
  CHECK(si("3.14e23 FLOPs") == 3.14e23);
  CHECK(dim("3.14e23 FLOPs") == u::kFlopCount);
  CHECK(si("2 EFLOP") == 2e18);
  CHECK(si("1.5 kgCO2e") == 1500.0);
  CHECK(si("2 gCO2e") == 2.0);
  CHECK(si("3 tCO2e") == 3e6);
  CHECK(si("3 t") == 3e6);
  CHECK(si("2 kt") == 2e9);
  CHECK(si("1 lb") == 453.59237);
  CHECK(dim("1.5 kgCO2e") == u::kCarbonMass);
  CHECK(si("250 ms") == 0.25);
  CHECK(si("250 us") == Approx(2.5e-4).epsilon(1e-15));
  CHECK(si("250 \xC2\xB5s") == si("250 us"));
  CHECK(si("1 token") == 1.0);
  CHECK(si("4 ktokens") == 4000.0);
  CHECK(si("2 KiB") == 2048.0);
  CHECK(si("1 MiB") == 1'048'576.0);
  CHECK(si("1 TiB") == 1'099'511'627'776.0);
  CHECK(si("2 kB") == 2000.0);
  CHECK(si("1 J") == 1.0);
  CHECK(si("1 kWh") == 3.6e6);
  CHECK(si("1.5 GWh") == 5.4e12);
  CHECK(si("2 mW") == 0.002);
  CHECK(si("100 MB/s") == 1e8);
  CHECK(si("1e3 tokens/s") == 1000.0);
  CHECK(dim("1e3 tokens/s") == u::kTokenRate);
  CHECK(si("2 GFLOP/token") == 2e9);
  CHECK(dim("2 GFLOP/token") == u::kFlopsPerToken);
  CHECK(si("0.5 J/token") == 0.5);
  CHECK(dim("0.5 J/token") == u::kEnergyPerToken);
}

TEST_CASE("number forms and spacing", "[units][parse]") {
  CHECK(si("310W") == 310.0);
  CHECK(si("  310   W  ") == 310.0);
  CHECK(si("-2.5 kW") == -2500.0);
  CHECK(si("+2.5 kW") == 2500.0);
  CHECK(si("1E3 W") == 1000.0);
  CHECK(si("1e+3 W") == 1000.0);
  CHECK(si("25e-2 kW") == 250.0);
  CHECK(si(".5 h") == 1800.0);
  CHECK(si("2. h") == 7200.0);
  CHECK(si("3EFLOP") == 3e18);  // "E" after a number is a prefix unless digits follow
  CHECK(si("900 GB / s") == 9e11);
  CHECK(si("0 W") == 0.0);
  // A bare number is dimensionless and keeps no unit.
  const u::Parsed bare = parse_quantity("0.75");
  CHECK(bare.value_si == 0.75);
  CHECK(bare.dim == u::kDimensionless);
  CHECK(bare.unit.empty());
  CHECK(parse_quantity("45.6 TFLOP/s").unit == "TFLOP/s");
}

TEST_CASE("parse_as returns strong types", "[units][parse]") {
  CHECK(parse_as<u::Watts>("0.3 kW") == u::watts(300));
  CHECK(parse_as<u::Seconds>("14.8 d") == u::seconds(1'278'720));
  CHECK(parse_as<u::Joules>("1.5 MWh") == u::megawatt_hours(1.5));
  CHECK(parse_as<u::FlopRate>("45.6 TFLOP/s").si() == 4.56e13);
  CHECK(parse_as<u::Bytes>("32 GiB") == u::gibibytes(32));
  CHECK(parse_as<u::ByteRate>("900 GB/s") == u::gigabytes_per_second(900));
  CHECK(parse_as<u::Grams>("2 tCO2e") == u::tonnes(2));
  CHECK(parse_as<u::Tokens>("3.2e6 tokens") == u::tokens(3.2e6));
  CHECK(u::to_grams_per_kwh(parse_as<u::CarbonIntensity>("0.429 kg/kWh")) ==
        Approx(429.0).epsilon(1e-15));
  CHECK(parse_as<double>("19 %") == 0.19);
  CHECK(parse_as<double>("0.19") == 0.19);
  CHECK(u::parse_si("8 MW", u::kPower) == 8e6);
}

TEST_CASE("dimension mismatches say what was expected and what was given", "[units][parse]") {
  CHECK_THROWS_WITH(parse_as<u::Watts>("14 d"),
                    R"(expected a power (units: W, kW, MW, GW), got "14 d", which is a duration)");
  CHECK_THROWS_WITH(parse_as<u::Watts>("310"),
                    R"("310" needs a unit: expected a power (units: W, kW, MW, GW))");
  CHECK_THROWS_WITH(
      parse_as<u::Joules>("5 kW"),
      R"(expected an energy (units: J, kJ, MJ, GJ, Wh, kWh, MWh, GWh), got "5 kW", which is a power)");
  CHECK_THROWS_WITH(
      parse_as<u::Watts>("19 %"),
      R"(expected a power (units: W, kW, MW, GW), got "19 %", which is a dimensionless number)");
  CHECK_THROWS_WITH(
      parse_as<double>("5 W"),
      R"(expected a dimensionless number (units: none or %), got "5 W", which is a power)");
  CHECK_THROWS_WITH(
      parse_as<u::CarbonIntensity>("429 g"),
      R"(expected a carbon intensity (units: g/kWh, kg/kWh, gCO2e/kWh, g/MWh, kg/MWh, t/MWh, lb/MWh, g/J), got "429 g", which is a CO2e mass)");
  CHECK_THROWS_WITH(
      parse_as<u::Seconds>("5 W/s"),
      R"(expected a duration (units: s, ms, min, h, d, y), got "5 W/s", which is a quantity in J/s^2)");
  CHECK_THROWS_AS(parse_as<u::Flops>("45.6 TFLOPS"), UnitError);
  CHECK_THROWS_AS(parse_as<u::FlopRate>("45.6 TFLOPs"), UnitError);
  CHECK_THROWS_AS(parse_as<u::Bytes>("900 GB/s"), UnitError);
}

TEST_CASE("typos get the nearest known unit", "[units][parse]") {
  CHECK_THROWS_WITH(parse_quantity("310 Wt"),
                    R"(unknown unit "Wt" in "310 Wt" (did you mean "W"?))");
  CHECK_THROWS_WITH(parse_quantity("429 g/kwh"),
                    R"(unknown unit "kwh" in "429 g/kwh" (did you mean "kWh"?))");
  CHECK_THROWS_WITH(parse_quantity("32 KB"),
                    R"(unknown unit "KB" in "32 KB" (did you mean "kB"?))");
  CHECK_THROWS_WITH(parse_quantity("3 tokns"),
                    R"(unknown unit "tokns" in "3 tokns" (did you mean "tokens"?))");
  CHECK_THROWS_WITH(parse_quantity("5 kmin"),
                    R"(unknown unit "kmin" in "5 kmin" (did you mean "min"?))");
  CHECK_THROWS_WITH(parse_quantity("5 parsecs"), R"(unknown unit "parsecs" in "5 parsecs")");
  // Prefixes only where they make sense.
  CHECK_THROWS_AS(parse_quantity("2 kh"), UnitError);
  CHECK_THROWS_AS(parse_quantity("2 Gy"), UnitError);
  CHECK_THROWS_AS(parse_quantity("2 GiW"), UnitError);
  CHECK_THROWS_AS(parse_quantity("2 k%"), UnitError);
  CHECK_THROWS_AS(parse_quantity("2 kWhCO2e"), UnitError);
  CHECK_THROWS_AS(parse_quantity("2 m"), UnitError);
  CHECK_THROWS_AS(parse_quantity("310 W extra"), UnitError);
}

TEST_CASE("malformed, empty and non-finite input is rejected", "[units][parse]") {
  CHECK_THROWS_WITH(parse_quantity("abc"), R"(expected a number followed by a unit, got "abc")");
  CHECK_THROWS_WITH(parse_quantity(""), R"(expected a number followed by a unit, got "")");
  CHECK_THROWS_WITH(parse_quantity("   "), R"(expected a number followed by a unit, got "")");
  CHECK_THROWS_WITH(parse_quantity("W"), R"(expected a number followed by a unit, got "W")");
  CHECK_THROWS_WITH(parse_quantity("nan W"),
                    R"("nan W" is not a finite number (NaN and infinity are not allowed))");
  CHECK_THROWS_WITH(parse_quantity("inf s"),
                    R"("inf s" is not a finite number (NaN and infinity are not allowed))");
  CHECK_THROWS_AS(parse_quantity("-inf s"), UnitError);
  CHECK_THROWS_AS(parse_quantity("NaN"), UnitError);
  CHECK_THROWS_AS(parse_quantity("Infinity W"), UnitError);
  CHECK_THROWS_WITH(parse_quantity("1e400 W"), R"("1e400 W" is out of range)");
  CHECK_THROWS_AS(parse_quantity("1e308 EW"), UnitError);
  CHECK_THROWS_AS(parse_quantity("1e99999999999999999999 W"), UnitError);
  CHECK_THROWS_AS(parse_quantity("1e308 y"), UnitError);
  CHECK_THROWS_AS(parse_quantity("- 5 W"), UnitError);
  CHECK_THROWS_AS(parse_quantity("."), UnitError);
  CHECK_THROWS_AS(parse_quantity("5e W"), UnitError);
  CHECK_THROWS_AS(parse_quantity("1,5 W"), UnitError);
  CHECK_THROWS_AS(parse_quantity("5 W/"), UnitError);
  CHECK_THROWS_AS(parse_quantity("5 /"), UnitError);
  // A rate has nothing above the line: 5 per second, 5 per minute.
  CHECK(u::parse_as<u::EventRate>("5 /s").si() == 5.0);
  CHECK(u::parse_as<u::EventRate>("1200 /min").si() == 20.0);
  CHECK(u::parse_as<u::EventRate>("7200 /h").si() == 2.0);
  CHECK_THROWS_WITH(
      parse_quantity("5 g/kW/h"),
      R"(unit "g/kW/h" in "5 g/kW/h" has more than one "/" (write one term over one term))");
  // UnitError is an invalid_argument.
  CHECK_THROWS_AS(parse_quantity("abc"), std::invalid_argument);
}

TEST_CASE("dimension names and accepted units", "[units][parse]") {
  CHECK(u::dimension_name(u::kPower) == "power");
  CHECK(u::dimension_name(u::kEnergy) == "energy");
  CHECK(u::dimension_name(u::kDuration) == "duration");
  CHECK(u::dimension_name(u::kFlopCount) == "FLOP count");
  CHECK(u::dimension_name(u::kFlopRate) == "FLOP rate");
  CHECK(u::dimension_name(u::kDataSize) == "data size");
  CHECK(u::dimension_name(u::kBandwidth) == "bandwidth");
  CHECK(u::dimension_name(u::kCarbonMass) == "CO2e mass");
  CHECK(u::dimension_name(u::kCarbonIntensity) == "carbon intensity");
  CHECK(u::dimension_name(u::kTokenCount) == "token count");
  CHECK(u::dimension_name(u::kDimensionless) == "dimensionless");
  CHECK(u::dimension_name(Dimension{.time = -2, .energy = 1}) == "J/s^2");
  CHECK(u::dimension_name(Dimension{.time = -1}) == "rate");
  CHECK(u::dimension_name(u::kCarbonRate) == "g/s");
  CHECK(u::dimension_name(Dimension{.time = -1, .byte = 1, .carbon = -1}) == "B/(g*s)");
  CHECK(u::dimension_name(Dimension{.energy = 2, .flop = 1}) == "J^2*FLOP");

  CHECK(u::accepted_units(u::kPower) == "W, kW, MW, GW");
  CHECK(u::accepted_units(u::kDuration) == "s, ms, min, h, d, y");
  CHECK(u::accepted_units(u::kDimensionless) == "none or %");
  CHECK(u::accepted_units(Dimension{.time = -2, .energy = 1}) == "J/s^2");
  CHECK(u::unit_examples(Dimension{.time = -2, .energy = 1}).empty());

  // Every unit listed in messages parses, to the dimension it is listed under.
  const Dimension named[] = {
      u::kPower,         u::kEnergy,    u::kDuration,       u::kFlopCount,       u::kFlopRate,
      u::kDataSize,      u::kBandwidth, u::kCarbonMass,     u::kCarbonIntensity, u::kTokenCount,
      u::kFlopsPerToken, u::kTokenRate, u::kEnergyPerToken, u::kDimensionless};
  for (const Dimension& d : named) {
    INFO(u::dimension_name(d));
    CHECK_FALSE(u::unit_examples(d).empty());
    for (std::string_view unit : u::unit_examples(d)) {
      const std::string text = "2 " + std::string(unit);
      INFO(text);
      CHECK(dim(text) == d);
      CHECK(si(text) > 0.0);
    }
  }
}

TEST_CASE("format_si renders SI values for messages", "[units][parse]") {
  CHECK(u::format_si(310.0, u::kPower) == "310 W");
  CHECK(u::format_si(1'278'720.0, u::kDuration) == "1278720 s");
  CHECK(u::format_si(0.19, u::kDimensionless) == "0.19");
  CHECK(u::format_si(4.56e13, u::kFlopRate) == "4.56e+13 FLOP/s");
  CHECK(u::format_si(2.0, Dimension{.time = -2, .energy = 1}) == "2 J/s^2");
  CHECK(u::format_si(u::kilowatt_hours(1)) == "3600000 J");
  CHECK(u::format_si(u::tonnes(1)) == "1000000 g");
  CHECK(u::format_si(u::tonnes(10)) == "1e+07 g");
  CHECK(u::format_si(u::grams_per_kwh(360)) == "1e-04 g/J");
  CHECK(u::format_si(-0.5, u::kDimensionless) == "-0.5");
  CHECK(u::format_si(0.0, u::kEnergy) == "0 J");
}
