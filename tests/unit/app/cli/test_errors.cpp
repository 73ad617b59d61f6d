// The one mapping of failures to messages and exit codes (sim/app/cli/errors.hpp).
#include <exception>
#include <filesystem>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>

#include <catch2/catch.hpp>

#include "models/grid/series_carbon.hpp"
#include "sim/app/cli/errors.hpp"
#include "sim/engine/errors.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/hdf5/hdf5.hpp"

namespace {

using footprint::cli::describe_failure;
using footprint::cli::Failure;

constexpr const char* kVersion = "footprint 9.9 (commit abc123)";

template <typename E>
Failure describe(const E& e) {
  return describe_failure(std::make_exception_ptr(e), kVersion);
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("an input error gives exit 2 and each problem at its place", "[cli]") {
  const footprint::InputError e({
      {"scenario.yaml", 12, 7, "jobs[0].devices", "must be at least 1"},
      {"grid.csv", 0, 0, "", "no rows"},
  });
  const auto f = describe(e);
  CHECK(f.exit_code == 2);
  CHECK(f.message ==
        "scenario.yaml:12:7: error: jobs[0].devices: must be at least 1\n"
        "grid.csv: error: no rows\n"
        "footprint: 2 problems found; nothing was run\n");
}

TEST_CASE("an input error without a file is one message, not counted", "[cli]") {
  const auto f = describe(footprint::io::OutputExistsError("output 'x.h5' exists; use --force"));
  CHECK(f.exit_code == 2);
  CHECK(f.message == "footprint: error: output 'x.h5' exists; use --force\n");
  CHECK(describe(footprint::io::OutputPathError("no folder")).exit_code == 2);
  CHECK(describe(footprint::models::SeriesRangeError("series 'a.csv' ends")).exit_code == 2);
  CHECK(describe(footprint::Error(footprint::ErrorKind::kInput, "x")).message ==
        "footprint: error: x\n");
}

TEST_CASE("a standard exception outside the root is internal, never bad input", "[cli]") {
  const auto f = describe(std::invalid_argument("fabric: bisection of an empty group"));
  CHECK(f.exit_code == 1);
  CHECK(has(f.message, "footprint: internal error: fabric: bisection of an empty group\n"));
  CHECK(has(f.message, "bug in Footprint"));
  CHECK(has(f.message, kVersion));
  CHECK_FALSE(has(f.message, "problems found"));
  CHECK(describe(std::logic_error("x")).exit_code == 1);
  CHECK(describe(footprint::InternalError("x")).exit_code == 1);
  CHECK(describe_failure(std::make_exception_ptr(42), kVersion).exit_code == 1);
}

TEST_CASE("engine errors are internal: a model broke the engine's rules", "[cli]") {
  const auto f = describe(footprint::engine::LookaheadError("LP 3 sent below the lookahead"));
  CHECK(f.exit_code == 1);
  CHECK(has(f.message, "internal error: engine: LP 3 sent below the lookahead"));
  CHECK(describe(footprint::engine::UsageError("x")).exit_code == 1);
}

TEST_CASE("a system error is the machine's: exit 1, no bug report asked", "[cli]") {
  const auto f = describe(footprint::io::H5Error("HDF5: cannot write 'x.h5': disk full"));
  CHECK(f.exit_code == 1);
  CHECK(f.message == "footprint: error: HDF5: cannot write 'x.h5': disk full\n");
  const auto denied = describe(std::filesystem::filesystem_error(
      "cannot list", "out", std::make_error_code(std::errc::permission_denied)));
  CHECK(denied.exit_code == 1);
  CHECK_FALSE(has(denied.message, "internal error"));
  CHECK(describe(std::bad_alloc()).message == "footprint: error: out of memory\n");
}
