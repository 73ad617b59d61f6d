// Helpers of the grid tests: the shared data folder, temporary files, and an independent
// CSV reader (plain getline and stod, no code shared with the loaders under test).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>
#include <catch2/catch.hpp>

namespace footprint::grid_test {

/// ../shared/data/grid, or empty (with a WARN) when the shared folder is absent.
inline std::optional<std::filesystem::path> shared_grid_dir() {
  const std::filesystem::path dir = std::filesystem::path(FOOTPRINT_SHARED_DIR) / "data" / "grid";
  if (!std::filesystem::is_directory(dir)) {
    WARN("skipped: " << dir.string() << " is absent");
    return std::nullopt;
  }
  return dir;
}

/// A fresh directory under the system's temporary directory, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "footprint-grid-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] std::filesystem::path write(const std::string& name,
                                            const std::string& text) const {
    const auto p = path_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::filesystem::path path_;
};

/// The rows of a CSV file split on commas, header first.
inline std::vector<std::vector<std::string>> read_csv_rows(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {  // the fuel-mix files end lines with CRLF
      line.pop_back();
    }
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) {
      cells.push_back(cell);
    }
    if (!line.empty() && line.back() == ',') {
      cells.emplace_back();
    }
    rows.push_back(cells);
  }
  return rows;
}

}  // namespace footprint::grid_test
