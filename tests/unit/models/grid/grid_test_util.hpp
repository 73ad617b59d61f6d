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

#include "../../temp_dir.hpp"

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

using TempDir = test_util::TempDir;

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
