// SHA-256 (FIPS 180-4), self-contained: Footprint records digests of its inputs and
// outputs (scenario files, traces) so a run can be matched to the data it used.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace footprint::io {

/// Incremental SHA-256: update() any number of times, then digest() once.
class Sha256 {
 public:
  Sha256() noexcept;
  void update(std::string_view bytes) noexcept;
  void update(const void* data, std::size_t size) noexcept;
  /// Finishes the hash; the object must not be updated afterwards.
  std::array<std::uint8_t, 32> digest() noexcept;
  /// digest() as 64 lowercase hexadecimal characters.
  std::string hex_digest();

 private:
  void block(const std::uint8_t* p) noexcept;

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

/// SHA-256 of `bytes` as 64 lowercase hexadecimal characters.
std::string sha256_hex(std::string_view bytes);

/// SHA-256 of a file's contents, hex; throws std::runtime_error naming the path if the file
/// cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace footprint::io
