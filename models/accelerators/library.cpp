// The built-in accelerator library. Figures are from public datasheets and papers:
//   [P21]  Patterson et al., "Carbon Emissions and Large Neural Network Training",
//          arXiv 2104.10350 (2021): TDP and peak TFLOPS of TPU v2, v3 and V100.
//   [J20]  Jouppi et al., "A Domain-Specific Supercomputer for Training Deep Neural
//          Networks", CACM 63(7), 2020: TPU v2/v3 memory and bandwidth; pods of 256 (v2)
//          and 1024 (v3) chips on a 2-D torus of inter-core interconnect (ICI).
//   [J23]  Jouppi et al., "TPU v4: An Optically Reconfigurable Supercomputer for Machine
//          Learning", ISCA 2023: TPU v4 peak, memory, bandwidth; power measured mean
//          170 W, max 192 W (no TDP published: the measured maximum stands in for it);
//          4096 chips on a 3-D torus joined by optical circuit switches.
//   [G5p]  Google Cloud, "TPU v5p" (cloud.google.com/tpu/docs/v5p): 459 TFLOP/s BF16 and
//          459 FP8 (no faster than BF16), 95 GiB HBM2e at 2765 GB/s, 8960 chips per pod
//          on a 3-D torus, ICI 1200 GB/s per chip bidirectional (earlier revisions:
//          "4800 Gbps", the same per direction), data center network 50 Gb/s per chip.
//          No TDP, idle or embodied figure is published.
//   [NV]   NVIDIA datasheets: V100 SXM2 32 GB (NVLink 2: 300 GB/s), A100 SXM 80 GB (NVLink
//          3: 600 GB/s), H100 SXM and H200 SXM (NVLink 4: 900 GB/s; FP8 3958 TFLOP/s with
//          sparsity, 1979 dense), H800 SXM5 (H100 compute, memory and power; NVLink 400
//          GB/s), HGX/DGX B200 (8 GPUs: 36 PFLOP/s BF16 and 72 FP8 with sparsity, 1440 GB
//          HBM3e, 64 TB/s, NVLink 5 1.8 TB/s per GPU; up to 1000 W per GPU), GB200 NVL72
//          (72 GPUs: 360 PFLOP/s BF16 and 720 FP8 with sparsity, 13.4 TB HBM3e, 576 TB/s,
//          NVLink 130 TB/s). NVLink figures are totals of both directions. Systems:
//          DGX-1 (8 V100 on a hybrid cube mesh, 4 x 100 Gb/s EDR InfiniBand), DGX A100
//          (8 x 200 Gb/s ConnectX-6 for 8 GPUs), DGX H100 and DGX B200 (8 x 400 Gb/s
//          ConnectX-7 for 8 GPUs); host memory: DGX A100 640 GB, DGX H100, H200 and B200 2 TB,
//          GB200 NVL72 17 TB LPDDR5X (18.4 TB/s), NVLink-C2C 900 GB/s per Grace CPU and its
//          two GPUs. Sparse figures are halved here to dense ones.
//   [R24]  The Register, "Nvidia turns up the AI heat with 1,200W Blackwell GPUs",
//          18 March 2024, reporting NVIDIA's GTC 2024 figures: a Blackwell GPU at 1000 W
//          air-cooled (HGX B200) and 1200 W liquid-cooled (GB200); the GB200 superchip
//          (2 GPUs + 1 Grace CPU) at 2700 W. The NVL72 datasheet gives no per-GPU power.
//   [DS3]  DeepSeek-AI, "DeepSeek-V3 Technical Report", arXiv 2412.19437, sec. 3.2.2:
//          H800 nodes, InfiniBand 50 GB/s per GPU (NVLink: 160 GB/s achieved).
//   [AMD]  AMD Instinct MI300X data sheet: 1307.4 TFLOP/s BF16 and 2614.9 FP8 dense (twice
//          with sparsity), 192 GB HBM3 at 5.3 TB/s, 750 W total board power, 7 Infinity
//          Fabric links of 128 GB/s each (peak, both directions: x16 at 32 Gb/s, 64 GB/s
//          per direction), 896 GB/s in all; 8 GPUs fully connected on one OAM platform.
//   [LC]   Faiz et al., "LLMCarbon", ICLR 2024: embodied kg CO2e per chip.
// Idle draw: no vendor publishes it. The H100's 100 W is the draw measured while a
// training job checkpoints (docs/models.md); for the others Footprint assumes 15 % of TDP,
// a documented assumption that scenarios can override (accelerator_types: idle).
// Assumptions (not published figures), each said in the type's source: the TPU v5p's TDP
// (TPU v4's measured peak FLOP/s per watt, 275 TFLOP/s at 192 W, scaled to 459 TFLOP/s:
// 320 W); 400 Gb/s of scale-out per GPU for GB200 and MI300X (one 400 Gb/s NIC per GPU,
// as in DGX H100 and DGX B200).
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

/// The type's usual system: FP8 peak (nullopt: none), scale-up domain and label, and the
/// scale-up and scale-out bandwidths per device per direction (0: no figure).
AcceleratorType with_system(AcceleratorType t, std::optional<double> fp8_tflops,
                            std::int64_t domain, double scale_up_gb_s, double scale_out_gb_s,
                            std::string label) {
  if (fp8_tflops) {
    t.peak_fp8 = units::teraflops_per_second(*fp8_tflops);
  }
  t.scale_up_domain = domain;
  t.scale_up_bandwidth = units::gigabytes_per_second(scale_up_gb_s);
  t.scale_out_bandwidth = units::gigabytes_per_second(scale_out_gb_s);
  t.scale_up = std::move(label);
  return t;
}

/// The host memory of the type's usual system per device and each device's link to it,
/// per direction.
AcceleratorType with_host(AcceleratorType t, double host_gb, double link_gb_s) {
  t.host_memory = units::bytes(host_gb * kGiga);
  t.host_link_bandwidth = units::gigabytes_per_second(link_gb_s);
  return t;
}

std::vector<AcceleratorType> make_library() {
  constexpr double kTdpV2 = 280;
  constexpr double kTdpV3 = 450;
  constexpr double kMaxV4 = 192;
  constexpr double kTdpV5p = 320;  // an assumption: [G5p] publishes none (see above)
  constexpr double kTdpV100 = 300;
  constexpr double kTdpA100 = 400;
  constexpr double kTdpH100 = 700;
  constexpr double kTdpB200 = 1000;
  constexpr double kTdpGB200 = 1200;
  constexpr double kTbpMI300X = 750;
  constexpr double kH100CheckpointW = 100;
  // Per GPU per direction: NVLink totals halved, NIC line rates / 8 bits.
  constexpr double kNvlink2 = 150;         // 300 GB/s total
  constexpr double kNvlink3 = 300;         // 600 GB/s total
  constexpr double kNvlink4 = 450;         // 900 GB/s total
  constexpr double kNvlinkH800 = 200;      // 400 GB/s total
  constexpr double kNvlink5 = 900;         // 1.8 TB/s total
  constexpr double kIci5p = 600;           // 1200 GB/s bidirectional
  constexpr double kInfinityFabric = 448;  // 7 links x 64 GB/s
  constexpr double kNic400 = 50;           // 400 Gb/s
  constexpr double kNic200 = 25;           // 200 Gb/s
  constexpr double kDgx1Edr = 6.25;        // 4 x 100 Gb/s for 8 GPUs
  constexpr double kDcn5p = 6.25;          // 50 Gb/s
  // TPU v2-v4 ICI per chip and direction, all links: v3 4 links of 100 GB/s (the Pod's
  // 6.4 TB/s bisection over the 64 links a 32 x 32 cut crosses, Cloud TPU v3
  // documentation); v2 4 links of 496 Gb/s = 62 GB/s [J20]; v4 6 links of 50 GB/s [J23].
  // Their data-center network: no figure published; v5p's 50 Gb/s per chip assumed.
  constexpr double kIciV3 = 4 * 100.0;
  constexpr double kIciV2 = 4 * 62.0;
  constexpr double kIciV4 = 6 * 50.0;
  constexpr double kDcnAssumed = kDcn5p;
  // Host memory per device and the host link per direction [NV]: DGX A100 640 GB, DGX H100,
  // DGX H200 and DGX B200 have 2 TB of CPU memory for 8 GPUs, each GPU on PCIe 4.0 x16
  // (A100: 32 GB/s a direction) or 5.0 x16 (64 GB/s); GB200 NVL72: 17 TB of LPDDR5X for 72
  // GPUs (480 GB per Grace CPU, 240 GB for each of its two GPUs) at 18.4 TB/s (256 GB/s a
  // GPU), each Grace joined to its two GPUs by NVLink-C2C at 900 GB/s both directions
  // together: 225 GB/s a GPU and direction if the two GPUs share it evenly (an assumption).
  constexpr double kDgxHostGb = 2000.0 / 8;
  constexpr double kPcie4 = 32;
  constexpr double kPcie5 = 64;
  constexpr double kGraceHostGb = 480.0 / 2;
  constexpr double kC2cPerGpu = 900.0 / 2 / 2;
  return {
      with_system(
          make("TPUv2", {"TPU v2", "tpu-v2"}, kTdpV2, kAssumedIdleFraction * kTdpV2, 46, 16 * kGibi,
               700, std::nullopt,
               "[P21] TDP, peak; [J20] 16 GiB HBM, 700 GB/s, pod of 256, ICI 4 x 496 Gb/s; DCN "
               "assumed"),
          std::nullopt, 256, kIciV2, kDcnAssumed, "ICI, 2-D torus, pod of 256 chips"),
      with_system(make("TPUv3", {"TPU v3", "tpu-v3"}, kTdpV3, kAssumedIdleFraction * kTdpV3, 123,
                       32 * kGibi, 900, 7.0,
                       "[P21] TDP, peak; [J20] 32 GiB HBM, 900 GB/s, pod of 1024; ICI from the Pod "
                       "bisection; DCN assumed; [LC] 7 kg"),
                  std::nullopt, 1024, kIciV3, kDcnAssumed, "ICI, 2-D torus, pod of 1024 chips"),
      with_system(make("TPUv4", {"TPU v4", "tpu-v4"}, kMaxV4, kAssumedIdleFraction * kMaxV4, 275,
                       32 * kGibi, 1200, 6.4,
                       "[J23] peak, 32 GiB, 1200 GB/s, measured max 192 W as TDP, pod of "
                       "4096, ICI 6 x 50 GB/s; DCN assumed; [LC] 6.4 kg"),
                  std::nullopt, 4096, kIciV4, kDcnAssumed,
                  "ICI, 3-D torus via optical switches, pod of 4096"),
      with_system(make("TPUv5p", {"TPU v5p", "tpu-v5p"}, kTdpV5p, kAssumedIdleFraction * kTdpV5p,
                       459, 95 * kGibi, 2765, std::nullopt,
                       "[G5p] peak, FP8, 95 GiB, 2765 GB/s, pod, ICI, DCN; TDP 320 W assumed "
                       "(none published): TPU v4's FLOP/s per W"),
                  459, 8960, kIci5p, kDcn5p, "ICI, 3-D torus, pod of 8960 chips"),
      with_system(
          make("V100", {"V100-SXM2", "Tesla V100"}, kTdpV100, kAssumedIdleFraction * kTdpV100, 125,
               32 * kGiga, 900, 9.78, "[NV] V100 SXM2 32 GB, DGX-1; [P21] TDP, peak; [LC] 9.78 kg"),
          std::nullopt, 8, kNvlink2, kDgx1Edr,
          "NVLink 2, hybrid cube mesh (not all-to-all), 8 GPUs"),
      with_host(with_system(make("A100", {"A100-SXM", "A100-80GB"}, kTdpA100,
                                 kAssumedIdleFraction * kTdpA100, 312, 80 * kGiga, 2039,
                                 std::nullopt, "[NV] A100 SXM 80 GB, DGX A100"),
                            std::nullopt, 8, kNvlink3, kNic200, "NVLink 3, NVSwitch, 8 GPUs"),
                kDgxHostGb, kPcie4),
      with_host(
          with_system(
              make("H100", {"H100-SXM"}, kTdpH100, kH100CheckpointW, 989, 80 * kGiga, 3350, 14.65,
                   "[NV] H100 SXM, DGX H100; idle = draw while checkpointing; [LC] 14.65 kg"),
              1979, 8, kNvlink4, kNic400, "NVLink 4, NVSwitch, 8 GPUs"),
          kDgxHostGb, kPcie5),
      with_system(
          make("H800", {"H800-SXM", "H800-SXM5"}, kTdpH100, kAssumedIdleFraction * kTdpH100, 989,
               80 * kGiga, 3350, std::nullopt, "[NV] H800 SXM5; [DS3] IB 50 GB/s per GPU"),
          1979, 8, kNvlinkH800, kNic400, "NVLink 4 (400 GB/s), NVSwitch, 8 GPUs"),
      with_host(with_system(make("H200", {"H200-SXM"}, kTdpH100, kAssumedIdleFraction * kTdpH100,
                                 989, 141 * kGiga, 4800, std::nullopt, "[NV] H200 SXM, DGX H200"),
                            1979, 8, kNvlink4, kNic400, "NVLink 4, NVSwitch, 8 GPUs"),
                kDgxHostGb, kPcie5),
      with_host(with_system(make("B200", {"B200-SXM", "HGX B200"}, kTdpB200,
                                 kAssumedIdleFraction * kTdpB200, 2250, 180 * kGiga, 8000,
                                 std::nullopt, "[NV] HGX/DGX B200, per GPU; [R24] 1000 W"),
                            4500, 8, kNvlink5, kNic400, "NVLink 5, NVSwitch, 8 GPUs"),
                kDgxHostGb, kPcie5),
      with_host(with_system(
                    make("GB200", {"GB200-NVL72", "GB200 NVL72"}, kTdpGB200,
                         kAssumedIdleFraction * kTdpGB200, 2500, 186 * kGiga, 8000, std::nullopt,
                         "[NV] GB200 NVL72, per GPU; [R24] 1200 W per GPU (Grace CPU not "
                         "counted); scale-out 400 Gb/s assumed; host link: NVLink-C2C shared "
                         "evenly by two GPUs assumed"),
                    5000, 72, kNvlink5, kNic400, "NVLink 5, NVLink Switch trays, 72 GPUs (NVL72)"),
                kGraceHostGb, kC2cPerGpu),
      with_system(make("MI300X", {"MI300X-OAM", "Instinct MI300X"}, kTbpMI300X,
                       kAssumedIdleFraction * kTbpMI300X, 1307.4, 192 * kGiga, 5300, std::nullopt,
                       "[AMD] MI300X; scale-out 400 Gb/s assumed"),
                  2614.9, 8, kInfinityFabric, kNic400,
                  "Infinity Fabric, full mesh of 7 links, 8 GPUs"),
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
  static const std::vector<AcceleratorType> kLibrary = [] {
    auto library = make_library();
    for (auto& t : library) {
      t.has_bf16 = t.name != "V100";  // [NV] V100: FP16 tensor cores, no BF16
    }
    return library;
  }();
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
