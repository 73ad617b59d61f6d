// Problems found in user input (scenario files, data files), collected so that every
// problem is reported at once, each with file:line:column where one exists and the key
// path, and raised together as one InputError: the input kind of footprint::Error.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/kernel/diagnostics/errors.hpp"

namespace footprint {

struct Diagnostic {
  std::string file;
  int line = 0;      ///< 1-based; 0 when there is no location
  int column = 0;    ///< 1-based; 0 when there is no location
  std::string path;  ///< key path, for example "jobs[2].power"
  std::string message;

  /// "file:line:column: path: message" (location parts omitted when absent).
  [[nodiscard]] std::string render() const;
};

/// Bad input (ErrorKind::kInput): the CLI prints each diagnostic and exits with 2. A
/// diagnostic without a file is a problem with no place in a file (a flag, an output path).
class InputError : public Error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  /// One problem; `Diagnostic{.message = ...}` when it has no place in a file.
  explicit InputError(Diagnostic one);
  [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  /// line and column are 1-based; 0 means unknown.
  void error(int line, int column, std::string path, std::string message);
  void error(std::string path, std::string message) {
    error(0, 0, std::move(path), std::move(message));
  }
  /// Adds a problem found in another file (a data file the scenario names).
  void add(Diagnostic item) { items_.push_back(std::move(item)); }
  [[nodiscard]] bool empty() const { return items_.empty(); }
  [[nodiscard]] const std::vector<Diagnostic>& items() const { return items_; }
  [[nodiscard]] const std::string& file() const { return file_; }
  /// Throws InputError with every problem recorded, if there is any.
  void throw_if_any() const;

 private:
  std::string file_;
  std::vector<Diagnostic> items_;
};

/// The candidate closest to `word` by edit distance, if it is close enough to be a
/// plausible typo; empty otherwise.
std::string closest_match(std::string_view word, std::span<const std::string> candidates);

}  // namespace footprint
