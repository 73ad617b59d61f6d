#include "sim/app/cli/errors.hpp"

#include <algorithm>
#include <new>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "sim/engine/errors.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"

namespace footprint::cli {
namespace {

Failure input(const std::vector<Diagnostic>& diagnostics) {
  Failure f{kExitBadInput, {}};
  for (const auto& d : diagnostics) {
    std::string where = d.file.empty() ? "footprint" : d.file;
    if (d.line > 0) {
      where += fmt::format(":{}:{}", d.line, d.column);
    }
    f.message +=
        fmt::format("{}: error: {}{}\n", where, d.path.empty() ? "" : d.path + ": ", d.message);
  }
  // Counted when the problems are in files (a scenario may have many); a flag or an output
  // path is one message that says all.
  const bool in_files = std::any_of(diagnostics.begin(), diagnostics.end(),
                                    [](const Diagnostic& d) { return !d.file.empty(); });
  if (in_files) {
    f.message += fmt::format("footprint: {} problem{} found; nothing was run\n", diagnostics.size(),
                             diagnostics.size() == 1 ? "" : "s");
  }
  return f;
}

Failure machine(std::string_view what) {
  return {kExitFailure, fmt::format("footprint: error: {}\n", what)};
}

Failure internal(std::string_view what, std::string_view version) {
  return {kExitFailure,
          fmt::format("footprint: internal error: {}\n"
                      "footprint: this is a bug in Footprint, not a problem with the input. "
                      "Please report it with the command you ran, the scenario and its data "
                      "files, and the version: {}\n",
                      what, version)};
}

}  // namespace

Failure describe_failure(const std::exception_ptr& error, std::string_view version) {
  try {
    std::rethrow_exception(error);
  } catch (const InputError& e) {
    return input(e.diagnostics());
  } catch (const Error& e) {
    switch (e.kind()) {
      case ErrorKind::kInput:  // an input error that is not an InputError: one message
        return input({Diagnostic{.message = e.what()}});
      case ErrorKind::kSystem:
        return machine(e.what());
      case ErrorKind::kInternal:
        break;
    }
    return internal(e.what(), version);
  } catch (const std::system_error& e) {
    // The operating system's refusal (a folder that cannot be listed, std::filesystem):
    // the machine's, as is running out of memory.
    return machine(e.what());
  } catch (const std::bad_alloc&) {
    return machine("out of memory");
  } catch (const engine::EngineError& e) {
    // The engine sits below the kernel and knows no kinds: every error of its own is a
    // model breaking its rules (a message below the lookahead, a misused API).
    return internal(fmt::format("engine: {}", e.what()), version);
  } catch (const std::exception& e) {
    return internal(e.what(), version);
  } catch (...) {
    return internal("an exception that is not a std::exception", version);
  }
}

}  // namespace footprint::cli
