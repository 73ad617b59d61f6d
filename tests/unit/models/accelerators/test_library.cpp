// The built-in accelerator library (models/accelerators): look-up, the published figures,
// and docs/scenario-format.md's table of it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "models/accelerators/accelerator.hpp"
#include "sim/kernel/units/parse.hpp"

namespace {

namespace units = footprint::units;
using footprint::models::AcceleratorLibrary;
using footprint::models::AcceleratorType;
using footprint::models::builtin_accelerators;

const AcceleratorType& find(const AcceleratorLibrary& lib, std::string_view name) {
  const auto* t = lib.find(name);
  INFO(name);
  REQUIRE(t != nullptr);
  return *t;
}

double tflops(units::FlopRate r) {
  return units::to_teraflops_per_second(r);
}
double gb_s(units::ByteRate r) {
  return units::to_gigabytes_per_second(r);
}

std::string trim(std::string_view s) {
  const auto a = s.find_first_not_of(' ');
  if (a == std::string_view::npos) {
    return {};
  }
  const auto b = s.find_last_not_of(' ');
  return std::string(s.substr(a, b - a + 1));
}

/// "| a | b |" -> {"a", "b"}.
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::size_t a = 1;
  for (auto b = line.find('|', a); b != std::string::npos; b = line.find('|', a)) {
    out.push_back(trim(std::string_view(line).substr(a, b - a)));
    a = b + 1;
  }
  return out;
}

/// "`x`" -> "x".
std::string unquote(const std::string& s) {
  if (s.size() >= 2 && s.front() == '`' && s.back() == '`') {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

/// "`a`, `b`" -> {"a", "b"}.
std::vector<std::string> names_in(const std::string& cell) {
  std::vector<std::string> out;
  std::size_t a = 0;
  while (a <= cell.size()) {
    auto b = cell.find(", ", a);
    if (b == std::string::npos) {
      b = cell.size();
    }
    out.push_back(unquote(trim(std::string_view(cell).substr(a, b - a))));
    a = b + 2;
  }
  return out;
}

/// The rows of the table under "### Built-in library", without header and separator.
std::vector<std::vector<std::string>> docs_table() {
  std::ifstream in(std::string(FOOTPRINT_SOURCE_DIR) + "/docs/scenario-format.md");
  REQUIRE(in);
  std::vector<std::vector<std::string>> rows;
  bool inside = false;
  std::size_t table_lines = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("#", 0) == 0) {
      inside = line == "### Built-in library";
      continue;
    }
    if (inside && line.rfind('|', 0) == 0) {
      if (++table_lines > 2) {
        rows.push_back(cells(line));
      }
    } else if (inside && table_lines > 0) {
      break;
    }
  }
  return rows;
}

/// A cell's quantity in SI units; "-" is 0 (no figure).
template <class Q>
double si(const std::string& cell) {
  return cell == "-" ? 0.0 : units::parse_as<Q>(cell).si();
}

bool close(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

}  // namespace

TEST_CASE("every name and alias is found, in any case", "[accelerators]") {
  const AcceleratorLibrary lib;
  for (const char* name :
       {"b200",      "B200",      "hgx b200",        "gb200",      "GB200 NVL72", "gb200-nvl72",
        "mi300x",    "MI300X",    "instinct mi300x", "mi300x-oam", "tpu v5p",     "TPUV5P",
        "tpu-v5p",   "h800",      "H800-sxm5",       "h800-SXM",   "h100",        "tpu v4",
        "v100-sxm2", "a100-80gb", "h200-sxm"}) {
    INFO(name);
    CHECK(lib.find(name) != nullptr);
  }
  CHECK(find(lib, "gb200 nvl72").name == "GB200");
  CHECK(find(lib, "tpu v5p").name == "TPUv5p");
  CHECK(find(lib, "instinct MI300X").name == "MI300X");
  CHECK(lib.find("B300") == nullptr);
  // Each name or alias belongs to one type only (case-insensitively).
  const auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  std::vector<std::string> all;
  for (const auto& n : lib.names()) {
    all.push_back(lower(n));
  }
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
}

TEST_CASE("dense peaks per precision", "[accelerators]") {
  const AcceleratorLibrary lib;
  const auto& h100 = find(lib, "H100");
  const auto& h800 = find(lib, "H800");
  const auto& b200 = find(lib, "B200");
  const auto& gb200 = find(lib, "GB200");
  const auto& mi = find(lib, "MI300X");
  const auto& v5p = find(lib, "TPUv5p");
  CHECK(tflops(h100.peak) == Approx(989));
  CHECK(tflops(*h100.peak_fp8) == Approx(1979));
  CHECK(tflops(find(lib, "H200").peak) == Approx(989));
  CHECK(tflops(*find(lib, "H200").peak_fp8) == Approx(1979));
  // The H800 computes as the H100.
  CHECK(h800.peak == h100.peak);
  CHECK(h800.peak_fp8 == h100.peak_fp8);
  CHECK(h800.memory == h100.memory);
  CHECK(h800.memory_bandwidth == h100.memory_bandwidth);
  CHECK(h800.tdp == h100.tdp);
  CHECK(tflops(b200.peak) == Approx(2250));
  CHECK(tflops(*b200.peak_fp8) == Approx(2 * tflops(b200.peak)));
  CHECK(tflops(gb200.peak) == Approx(2500));
  CHECK(tflops(*gb200.peak_fp8) == Approx(5000));
  // The NVL72 datasheet's rack figures (sparse) over 72 GPUs, halved to dense.
  CHECK(tflops(gb200.peak) == Approx(360e3 / 72 / 2));
  CHECK(tflops(*gb200.peak_fp8) == Approx(720e3 / 72 / 2));
  CHECK(tflops(mi.peak) == Approx(1307.4));
  CHECK(tflops(*mi.peak_fp8) == Approx(2614.9));
  CHECK(tflops(v5p.peak) == Approx(459));
  CHECK(tflops(*v5p.peak_fp8) == Approx(459));  // Google: FP8 at the BF16 rate
  for (const char* name : {"A100", "V100", "TPUv2", "TPUv3", "TPUv4"}) {
    INFO(name);
    CHECK_FALSE(find(lib, name).peak_fp8.has_value());
  }
  // Existing figures are unchanged.
  CHECK(tflops(find(lib, "V100").peak) == Approx(125));
  CHECK(tflops(find(lib, "A100").peak) == Approx(312));
  CHECK(tflops(find(lib, "TPUv4").peak) == Approx(275));
}

TEST_CASE("memory, power and embodied figures of the new chips", "[accelerators]") {
  const AcceleratorLibrary lib;
  const auto& b200 = find(lib, "B200");
  const auto& gb200 = find(lib, "GB200");
  const auto& mi = find(lib, "MI300X");
  const auto& v5p = find(lib, "TPUv5p");
  CHECK(units::to_gigabytes(b200.memory) == Approx(1440.0 / 8));
  CHECK(gb_s(b200.memory_bandwidth) == Approx(64e3 / 8));
  CHECK(units::to_gigabytes(gb200.memory) == Approx(13.4e3 / 72).epsilon(0.001));
  CHECK(gb_s(gb200.memory_bandwidth) == Approx(576e3 / 72));
  CHECK(units::to_gigabytes(mi.memory) == Approx(192));
  CHECK(gb_s(mi.memory_bandwidth) == Approx(5300));
  CHECK(units::to_gibibytes(v5p.memory) == Approx(95));
  CHECK(gb_s(v5p.memory_bandwidth) == Approx(2765));
  CHECK(units::to_watts(b200.tdp) == Approx(1000));
  CHECK(units::to_watts(gb200.tdp) == Approx(1200));
  CHECK(units::to_watts(mi.tdp) == Approx(750));
  CHECK(units::to_watts(find(lib, "H800").tdp) == Approx(700));
  // TPU v5p: no published TDP; the assumption is TPU v4's peak FLOP/s per watt.
  CHECK(units::to_watts(v5p.tdp) == Approx(192.0 * 459 / 275).epsilon(0.01));
  CHECK(v5p.source.find("assumed") != std::string::npos);
  for (const char* name : {"TPUv5p", "H800", "B200", "GB200", "MI300X"}) {
    INFO(name);
    const auto& t = find(lib, name);
    CHECK_FALSE(t.embodied.has_value());
    CHECK(units::to_watts(t.idle) == Approx(0.15 * units::to_watts(t.tdp)));
  }
  CHECK(units::to_watts(find(lib, "H100").idle) == Approx(100));
}

TEST_CASE("each chip's usual system", "[accelerators]") {
  const AcceleratorLibrary lib;
  const auto& h100 = find(lib, "H100");
  const auto& h800 = find(lib, "H800");
  // NVLink per direction: the H800's 400 GB/s total against the H100's 900.
  CHECK(gb_s(h800.scale_up_bandwidth) == Approx(200));
  CHECK(gb_s(h100.scale_up_bandwidth) == Approx(450));
  CHECK(gb_s(h800.scale_out_bandwidth) == Approx(50));  // DeepSeek-V3: IB 50 GB/s
  CHECK(gb_s(h100.scale_out_bandwidth) == Approx(400.0 / 8));
  CHECK(gb_s(find(lib, "A100").scale_up_bandwidth) == Approx(300));
  CHECK(gb_s(find(lib, "A100").scale_out_bandwidth) == Approx(25));
  CHECK(gb_s(find(lib, "V100").scale_up_bandwidth) == Approx(150));
  CHECK(gb_s(find(lib, "V100").scale_out_bandwidth) == Approx(4 * 100.0 / 8 / 8));
  CHECK(gb_s(find(lib, "B200").scale_up_bandwidth) == Approx(900));
  CHECK(gb_s(find(lib, "GB200").scale_up_bandwidth) == Approx(900));
  CHECK(gb_s(find(lib, "MI300X").scale_up_bandwidth) == Approx(7 * 64));
  CHECK(gb_s(find(lib, "TPUv5p").scale_up_bandwidth) == Approx(600));
  CHECK(gb_s(find(lib, "TPUv5p").scale_out_bandwidth) == Approx(50.0 / 8));
  CHECK(find(lib, "GB200").scale_up_domain == 72);
  CHECK(find(lib, "TPUv5p").scale_up_domain == 8960);
  CHECK(find(lib, "TPUv4").scale_up_domain == 4096);
  CHECK(find(lib, "TPUv3").scale_up_domain == 1024);
  CHECK(find(lib, "TPUv2").scale_up_domain == 256);
  for (const char* name : {"V100", "A100", "H100", "H800", "H200", "B200", "MI300X"}) {
    INFO(name);
    CHECK(find(lib, name).scale_up_domain == 8);
  }
  // TPU v2 to v4: all of a chip's ICI links per direction (v3: 4 x 100 GB/s from the Pod's
  // bisection; v2: 4 x 496 Gb/s; v4: 6 x 50 GB/s); their data-center network
  // is not published: v5p's 50 Gb/s per chip assumed.
  CHECK(gb_s(find(lib, "TPUv3").scale_up_bandwidth) == Approx(400));
  CHECK(gb_s(find(lib, "TPUv2").scale_up_bandwidth) == Approx(4 * 62));
  CHECK(gb_s(find(lib, "TPUv4").scale_up_bandwidth) == Approx(300));
  for (const char* name : {"TPUv2", "TPUv3", "TPUv4"}) {
    INFO(name);
    CHECK(gb_s(find(lib, name).scale_out_bandwidth) == Approx(50.0 / 8));
  }
}

TEST_CASE("every chip: idle <= TDP, positive figures, a source", "[accelerators]") {
  REQUIRE(builtin_accelerators().size() == 12);
  for (const auto& t : builtin_accelerators()) {
    INFO(t.name);
    CHECK(t.idle >= units::Watts::zero());
    CHECK(t.idle <= t.tdp);
    CHECK(t.peak > units::FlopRate::zero());
    if (t.peak_fp8) {
      CHECK(*t.peak_fp8 >= t.peak);
    }
    CHECK(t.memory > units::Bytes::zero());
    CHECK(t.memory_bandwidth > units::ByteRate::zero());
    CHECK(t.scale_up_domain >= 1);
    CHECK_FALSE(t.scale_up.empty());
    CHECK_FALSE(t.source.empty());
  }
}

TEST_CASE("docs/scenario-format.md's table lists the library as it is", "[accelerators][docs]") {
  const auto rows = docs_table();
  const auto lib = builtin_accelerators();
  REQUIRE(rows.size() == lib.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const auto& t = lib[i];
    INFO(t.name);
    REQUIRE(r.size() == 16);
    CHECK(unquote(r[0]) == t.name);
    CHECK(names_in(r[1]) == t.aliases);
    CHECK(close(si<units::Watts>(r[2]), t.tdp.si()));
    CHECK(close(si<units::Watts>(r[3]), t.idle.si()));
    CHECK(close(si<units::FlopRate>(r[4]), t.peak.si()));
    CHECK(close(si<units::FlopRate>(r[5]), t.peak_fp8 ? t.peak_fp8->si() : 0.0));
    CHECK(close(si<units::Bytes>(r[6]), t.memory.si()));
    CHECK(close(si<units::ByteRate>(r[7]), t.memory_bandwidth.si()));
    CHECK(r[8] == t.scale_up);
    CHECK(r[9] == std::to_string(t.scale_up_domain));
    CHECK(close(si<units::ByteRate>(r[10]), t.scale_up_bandwidth.si()));
    CHECK(close(si<units::ByteRate>(r[11]), t.scale_out_bandwidth.si()));
    CHECK(close(si<units::Bytes>(r[12]), t.host_memory.si()));
    CHECK(close(si<units::ByteRate>(r[13]), t.host_link_bandwidth.si()));
    CHECK(close(si<units::Grams>(r[14]), t.embodied ? t.embodied->si() : 0.0));
    CHECK(r[15] == t.source);
  }
}
