// Writing a run's trace: the HDF5 file format of docs/trace-format.md.
#pragma once

#include <filesystem>
#include <string>

#include "sim/app/scenario/run.hpp"
#include "sim/app/scenario/scenario.hpp"
#include "sim/kernel/hdf5/hdf5.hpp"
#include "sim/kernel/schema/trace_schema.hpp"

namespace footprint::io {

/// The format written: the newest that analysis/ reads.
inline constexpr std::string_view kTraceFormatVersion = schema::kReadableFormatVersions.back();

struct TraceProvenance {
  std::string footprint_version;
  std::string git_commit;
};

/// Writes the trace to `out`'s temporary file and commits it (renames it to the final
/// name) when complete. Create the AtomicOutput before running, so that a bad output path
/// is reported before any work. Byte-identical output for identical inputs (no
/// timestamps, no wall-clock times, no host names).
void write_trace(AtomicOutput& out, const scenario::Scenario& sc, const scenario::RunResult& result,
                 const TraceProvenance& provenance);

}  // namespace footprint::io
