// Counter-keyed random streams.
//
// A stream is xoshiro256++ seeded through splitmix64 from a key (seed, stream, sub-stream).
// Streams are derived from their key, never from another stream's state, so the numbers
// an LP (or a device inside an LP) draws do not depend on thread count, scheduling, or
// how many numbers any other stream has drawn.
#pragma once

#include <cmath>
#include <cstdint>

namespace footprint::engine {

class RandomStream {
 public:
  RandomStream() : RandomStream(0, 0, 0) {}
  RandomStream(std::uint64_t seed, std::uint64_t stream, std::uint64_t sub)
      : seed_(seed), stream_(stream) {
    std::uint64_t x = mix(seed ^ mix(stream ^ mix(sub + kGolden)));
    for (auto& w : s_) {
      w = splitmix(x);
    }
  }

  /// A sub-stream of this stream's key (for example one per device inside an LP).
  /// Independent of how many numbers this stream has drawn.
  [[nodiscard]] RandomStream derive(std::uint64_t sub) const {
    return RandomStream(seed_, stream_, sub + 1);
  }

  /// 64 uniformly distributed bits.
  std::uint64_t next() {
    const std::uint64_t r = rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }

  /// Uniform in [0, 1), 53 bits.
  double uniform() { return static_cast<double>(next() >> 11U) * 0x1.0p-53; }

  /// Uniform integer in [0, n), by multiply-shift (Lemire), n > 0.
  std::uint64_t below(std::uint64_t n) {
    __extension__ using u128 = unsigned __int128;
    return static_cast<std::uint64_t>((static_cast<u128>(next()) * n) >> 64U);
  }

  /// Exponential with the given mean (mean <= 0 gives 0).
  double exponential(double mean) { return mean > 0 ? -mean * std::log1p(-uniform()) : 0.0; }

  /// Standard normal (Box-Muller, one value per call: simple and reproducible).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
  }

 private:
  static constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;
  static constexpr double kTwoPi = 6.283185307179586476925286766559;

  static std::uint64_t rotl(std::uint64_t x, int k) {
    return (x << static_cast<unsigned>(k)) | (x >> static_cast<unsigned>(64 - k));
  }
  static std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31U);
  }
  static std::uint64_t splitmix(std::uint64_t& x) { return mix(x += kGolden); }

  std::uint64_t s_[4]{};
  std::uint64_t seed_;
  std::uint64_t stream_;
};

}  // namespace footprint::engine
