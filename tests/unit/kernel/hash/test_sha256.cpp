#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "sim/kernel/hash/sha256.hpp"

using footprint::io::Sha256;
using footprint::io::sha256_file;
using footprint::io::sha256_hex;

TEST_CASE("SHA-256 matches the FIPS 180-4 test vectors", "[sha256]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(
      sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                 "klmnopqrlmnopqrsmnopqrstnopqrstu") ==
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  CHECK(sha256_hex(std::string(1'000'000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("SHA-256 gives the same digest however the input is split", "[sha256]") {
  std::mt19937 rng(12345);
  for (std::size_t length : {0U, 1U, 55U, 56U, 57U, 63U, 64U, 65U, 119U, 120U, 128U, 1000U}) {
    std::string data(length, '\0');
    for (auto& ch : data) {
      ch = static_cast<char>(rng() & 0xffU);
    }
    const std::string whole = sha256_hex(data);
    for (std::size_t step : {1U, 3U, 63U, 64U, 100U}) {
      Sha256 hash;
      for (std::size_t pos = 0; pos < data.size(); pos += step) {
        hash.update(std::string_view(data).substr(pos, step));
      }
      CHECK(hash.hex_digest() == whole);
    }
  }
}

TEST_CASE("sha256_file hashes a file's bytes and names a missing file", "[sha256]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("footprint-sha256-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "data.bin";
  std::string data;
  for (int i = 0; i < 200'000; ++i) {
    data.push_back(static_cast<char>(i * 7 % 251));
  }
  {
    std::ofstream out(file, std::ios::binary);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
  }
  CHECK(sha256_file(file) == sha256_hex(data));
  try {
    (void)sha256_file(dir / "missing.bin");
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("missing.bin"));
  }
  std::filesystem::remove_all(dir);
}
