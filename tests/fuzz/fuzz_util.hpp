// Helpers of the fuzz harnesses (tests/fuzz/README.md): the loaders under test read files,
// so each input is written to a file of this process first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

namespace footprint::fuzz {

/// A file of this process (its pid in the name), rewritten with each input.
inline std::filesystem::path input_file(std::string_view suffix) {
  return std::filesystem::temp_directory_path() /
         ("footprint-fuzz-" + std::to_string(::getpid()) + std::string(suffix));
}

inline void write_input_to(const std::uint8_t* data, std::size_t size,
                           const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

inline std::filesystem::path write_input(const std::uint8_t* data, std::size_t size,
                                         std::string_view suffix) {
  const auto path = input_file(suffix);
  write_input_to(data, size, path);
  return path;
}

}  // namespace footprint::fuzz
