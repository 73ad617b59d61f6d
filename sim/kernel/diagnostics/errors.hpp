// The root of Footprint's own errors. Every error the program reports by its kind derives
// from footprint::Error; the command line (sim/app/cli/errors.hpp) turns the kind into a
// message and an exit code in one place. An exception from outside this root (a standard
// one, an engine error, a library's) is a bug by definition: reported as internal.
#pragma once

#include <stdexcept>
#include <string>

namespace footprint {

enum class ErrorKind {
  /// The user's input is wrong: a scenario or data file, a flag, a trace given to
  /// report or compare, an output path. Exit 2, located where the location is known.
  kInput,
  /// The machine failed us, not the input nor the code: a file that cannot be read or
  /// written midway (disk full, permissions), MPI. Exit 1, reported as is.
  kSystem,
  /// A broken invariant: a bug in Footprint. Exit 1, "internal error" and what to report.
  kInternal,
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  [[nodiscard]] ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

/// See ErrorKind::kSystem.
class SystemError : public Error {
 public:
  explicit SystemError(const std::string& what) : Error(ErrorKind::kSystem, what) {}
};

/// See ErrorKind::kInternal. A plain std::logic_error (or any exception outside the
/// root) is reported the same way; this one only says so explicitly.
class InternalError : public Error {
 public:
  explicit InternalError(const std::string& what) : Error(ErrorKind::kInternal, what) {}
};

}  // namespace footprint
