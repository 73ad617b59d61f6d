// Failures into messages and exit codes: the one place that does it (footprint::Error's
// kinds, sim/kernel/diagnostics/errors.hpp).
#pragma once

#include <exception>
#include <string>
#include <string_view>

namespace footprint::cli {

constexpr int kExitFailure = 1;
constexpr int kExitBadInput = 2;

/// What the program prints on standard error, and its exit code.
struct Failure {
  int exit_code = kExitFailure;
  std::string message;  ///< whole lines, each ending in '\n'
};

/// An input error: each diagnostic as `file:line:col: error: path: message` (or
/// `footprint: error: ...` when it has no file), a count when any is in a file, exit 2.
/// A system error (or a std::system_error, std::bad_alloc): its message, exit 1. Anything else,
/// from footprint::InternalError to an engine error or any exception outside footprint::Error: a
/// bug, reported as an internal error with what to send (`version` is `footprint --version`'s
/// line), exit 1.
Failure describe_failure(const std::exception_ptr& error, std::string_view version);

}  // namespace footprint::cli
