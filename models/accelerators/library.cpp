// The built-in accelerator library. Figures are from public datasheets and papers:
//   [P21]  Patterson et al., "Carbon Emissions and Large Neural Network Training",
//          arXiv 2104.10350 (2021): TDP and peak TFLOPS of TPU v2, v3 and V100.
//   [J20]  Jouppi et al., "A Domain-Specific Supercomputer for Training Deep Neural
//          Networks", CACM 63(7), 2020: TPU v2/v3 memory and bandwidth.
//   [J23]  Jouppi et al., "TPU v4: An Optically Reconfigurable Supercomputer for Machine
//          Learning", ISCA 2023: TPU v4 peak, memory, bandwidth; power measured mean
//          170 W, max 192 W (no TDP published: the measured maximum stands in for it).
//   [NV]   NVIDIA datasheets: V100 SXM2 32 GB, A100 SXM 80 GB, H100 SXM, H200 SXM.
//   [LC]   Faiz et al., "LLMCarbon", ICLR 2024: embodied kg CO2e per chip.
// Idle draw: no vendor publishes it. The H100's 100 W is the draw measured while a
// training job checkpoints (docs/models.md); for the others Footprint assumes 15 % of TDP,
// a documented assumption that scenarios can override (accelerator_types: idle).
#include <algorithm>
#include <cctype>

#include "models/accelerators/accelerator.hpp"

namespace footprint::models {
namespace {

constexpr double kGiga = units::kGiga;
constexpr double kGibi = units::kBytesPerGibibyte;
constexpr double kAssumedIdleFraction = 0.15;

AcceleratorType make(std::string name, std::vector<std::string> aliases, double tdp_w,
                     double idle_w, double peak_tflops, double memory_bytes, double bandwidth_gb_s,
                     std::optional<double> embodied_kg, std::string source) {
  AcceleratorType t;
  t.name = std::move(name);
  t.aliases = std::move(aliases);
  t.tdp = units::watts(tdp_w);
  t.idle = units::watts(idle_w);
  t.peak = units::teraflops_per_second(peak_tflops);
  t.memory = units::bytes(memory_bytes);
  t.memory_bandwidth = units::gigabytes_per_second(bandwidth_gb_s);
  if (embodied_kg) {
    t.embodied = units::Grams::from_si(*embodied_kg * units::kGramsPerKilogram);
  }
  t.source = std::move(source);
  return t;
}

std::vector<AcceleratorType> make_library() {
  constexpr double kTdpV2 = 280;
  constexpr double kTdpV3 = 450;
  constexpr double kMaxV4 = 192;
  constexpr double kTdpV100 = 300;
  constexpr double kTdpA100 = 400;
  constexpr double kTdpH100 = 700;
  constexpr double kH100CheckpointW = 100;
  return {
      make("TPUv2", {"TPU v2", "tpu-v2"}, kTdpV2, kAssumedIdleFraction * kTdpV2, 46, 16 * kGibi,
           700, std::nullopt, "[P21] TDP, peak; [J20] 16 GiB HBM, 700 GB/s"),
      make("TPUv3", {"TPU v3", "tpu-v3"}, kTdpV3, kAssumedIdleFraction * kTdpV3, 123, 32 * kGibi,
           900, 7.0, "[P21] TDP, peak; [J20] 32 GiB HBM, 900 GB/s; [LC] 7 kg"),
      make("TPUv4", {"TPU v4", "tpu-v4"}, kMaxV4, kAssumedIdleFraction * kMaxV4, 275, 32 * kGibi,
           1200, 6.4, "[J23] peak, 32 GiB, 1200 GB/s, measured max 192 W as TDP; [LC] 6.4 kg"),
      make("V100", {"V100-SXM2", "Tesla V100"}, kTdpV100, kAssumedIdleFraction * kTdpV100, 125,
           32 * kGiga, 900, 9.78, "[NV] V100 SXM2 32 GB; [P21] TDP, peak; [LC] 9.78 kg"),
      make("A100", {"A100-SXM", "A100-80GB"}, kTdpA100, kAssumedIdleFraction * kTdpA100, 312,
           80 * kGiga, 2039, std::nullopt, "[NV] A100 SXM 80 GB"),
      make("H100", {"H100-SXM"}, kTdpH100, kH100CheckpointW, 989, 80 * kGiga, 3350, 14.65,
           "[NV] H100 SXM; idle = draw while checkpointing; [LC] 14.65 kg"),
      make("H200", {"H200-SXM"}, kTdpH100, kAssumedIdleFraction * kTdpH100, 989, 141 * kGiga, 4800,
           std::nullopt, "[NV] H200 SXM"),
  };
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool matches(const AcceleratorType& t, std::string_view name) {
  if (same_name(t.name, name)) {
    return true;
  }
  return std::any_of(t.aliases.begin(), t.aliases.end(),
                     [&](const std::string& a) { return same_name(a, name); });
}

}  // namespace

std::span<const AcceleratorType> builtin_accelerators() {
  static const std::vector<AcceleratorType> kLibrary = make_library();
  return kLibrary;
}

AcceleratorLibrary::AcceleratorLibrary() {
  const auto b = builtin_accelerators();
  types_.assign(b.begin(), b.end());
}

void AcceleratorLibrary::put(AcceleratorType t) {
  for (auto& existing : types_) {
    if (matches(existing, t.name)) {
      existing = std::move(t);
      return;
    }
  }
  types_.push_back(std::move(t));
}

const AcceleratorType* AcceleratorLibrary::find(std::string_view name) const {
  for (const auto& t : types_) {
    if (matches(t, name)) {
      return &t;
    }
  }
  return nullptr;
}

std::vector<std::string> AcceleratorLibrary::names() const {
  std::vector<std::string> out;
  for (const auto& t : types_) {
    out.push_back(t.name);
    out.insert(out.end(), t.aliases.begin(), t.aliases.end());
  }
  return out;
}

}  // namespace footprint::models
