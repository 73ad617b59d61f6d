// Running a sweep's points and indexing their files (docs/sweeps.md): on one machine the
// points run concurrently on oneTBB; shards (`--shard I/N`, Slurm job arrays) take every
// N-th point; MPI ranks (mpi.hpp) share a shard's points dynamically. Whatever the way,
// each point's file and the index are the same bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/app/scenario/scenario.hpp"
#include "sim/app/sweep/sweep.hpp"
#include "sim/app/trace/trace.hpp"

namespace footprint::sweep {

/// Shard `index` of `count` runs the points p with p % count == index.
struct Shard {
  std::size_t index = 0;
  std::size_t count = 1;
};

/// "I/N" with 0 <= I < N; nullopt and an explanation otherwise.
std::optional<Shard> parse_shard(std::string_view text, std::string& why);

/// The shard of a Slurm job array task: I = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN,
/// N = SLURM_ARRAY_TASK_COUNT. nullopt without SLURM_ARRAY_TASK_ID; `why` set when the
/// variables are there but inconsistent. `env` looks a variable up (nullptr: unset).
std::optional<Shard> shard_from_slurm(const std::function<const char*(const char*)>& env,
                                      std::string& why);

struct RunnerOptions {
  std::filesystem::path out_dir;
  unsigned threads = 0;        ///< cores this process uses (0: all)
  unsigned point_threads = 0;  ///< engine threads per point (0: as many as fit)
  std::optional<Shard> shard;
  scenario::LoadOptions load;
  io::TraceProvenance provenance;
  bool progress = true;  ///< a progress line on standard error
};

/// The float64 metric columns of the index, after the axes (docs/sweeps.md), in order;
/// the integer `jobs_finished` sits after `days`, and the parts' columns (`FIGURE[NAME]`:
/// each datacenter's, then each service's) after them all.
inline constexpr std::size_t kIndexMetrics = 14;

/// The kinds of named parts of a run with their own index columns `FIGURE[NAME]`, one per
/// figure of the kind and part (docs/sweeps.md): datacenters (`peak_facility_mw[NAME]`)
/// and services (`goodput[NAME]`, `ttft_p99_s[NAME]`, ...).
enum class PartKind : std::size_t { kDatacenter, kService };
inline constexpr std::size_t kPartKinds = 2;

/// One named part's figures, in the order of its kind's columns.
struct PartFigures {
  std::string name;
  std::vector<double> values;

  friend bool operator==(const PartFigures&, const PartFigures&) = default;
};

/// A point's totals as the index holds them, always read back from the point's file.
struct PointTotals {
  std::array<double, kIndexMetrics> metrics{};
  std::int64_t jobs_finished = 0;
  /// By PartKind, the run's parts in the scenario's order: each datacenter's peak facility
  /// power (MW); each service's figures.
  std::array<std::vector<PartFigures>, kPartKinds> parts;

  [[nodiscard]] const std::vector<PartFigures>& of(PartKind k) const {
    return parts[static_cast<std::size_t>(k)];
  }
  std::vector<PartFigures>& of(PartKind k) { return parts[static_cast<std::size_t>(k)]; }

  friend bool operator==(const PointTotals&, const PointTotals&) = default;
};

/// Reads a point file's totals (throws io::H5Error for a file that is not a trace).
PointTotals read_point_totals(const std::filesystem::path& file);

/// A point's totals as bytes, to send between the MPI ranks of one build, and back: every
/// double bit for bit. decode_totals throws std::invalid_argument for bytes that are not
/// an encoding.
std::string encode_totals(const PointTotals& t);
PointTotals decode_totals(std::string_view bytes);

/// Totals of the points run by this process (or sent to it by other ranks), by point.
using KnownTotals = std::map<std::size_t, PointTotals>;

struct PointFailure {
  std::size_t point = 0;
  std::string message;
};

struct SweepSummary {
  std::size_t in_scope = 0;  ///< points of this shard
  std::size_t skipped = 0;   ///< complete, with the same scenario, from an earlier run
  std::size_t ran = 0;       ///< run by this process
  std::vector<PointFailure> failures;
  // Host wall-clock seconds (measurements of the machine, not simulated quantities: plain
  // doubles, as they are printed and sent between MPI ranks).
  double busy_s = 0;      ///< this process spent running points
  double simulate_s = 0;  ///< of which inside run_scenario, summed over points
  std::filesystem::path index;
};

/// The points of `shard` (all without one), in order.
std::vector<std::size_t> points_in_scope(const Sweep& sw, const std::optional<Shard>& shard);

/// Whether a point's file exists, is a readable trace, and holds the point's scenario.
bool point_complete(const std::filesystem::path& file, const Point& point);

/// Runs points, `concurrency` at a time, each with `point_threads` engine threads; the
/// points come from `next` (thread-safe; nullopt when there are no more) and `done` is
/// called (from the running thread) after each, with the failure if it failed, the
/// seconds spent simulating (run_scenario, without reading and writing) and the totals
/// read back from the file written (null if it failed). HDF5 is
/// not thread-safe: every HDF5 call of the sweep goes through `hdf5`.
void run_points(
    const Sweep& sw, const RunnerOptions& o, unsigned concurrency, unsigned point_threads,
    const std::function<std::optional<std::size_t>()>& next,
    const std::function<void(std::size_t, const PointFailure*, double, const PointTotals*)>& done,
    std::mutex& hdf5);

/// How many points at once, and engine threads for each, for `todo` points on `threads`
/// cores.
std::pair<unsigned, unsigned> share_cores(std::size_t todo, unsigned threads,
                                          unsigned point_threads);

/// Writes DIR/index.h5 (or DIR/index.shard-I-of-N.h5 for a shard) with a row for each
/// complete point among `points`: from `known` where given, else read from its file if it
/// is complete. Returns its path.
std::filesystem::path write_index(const Sweep& sw, const std::filesystem::path& dir,
                                  const std::optional<Shard>& shard,
                                  const std::vector<std::size_t>& points, const KnownTotals& known);

/// Runs a sweep (or one shard of it) in this process and writes its index.
SweepSummary run_sweep(const Sweep& sw, const RunnerOptions& o);

/// Joins DIR/index.shard-*-of-N.h5 into DIR/index.h5: the same bytes as a one-process
/// run's index. Throws footprint::InputError naming missing or mismatched shards.
std::filesystem::path merge_shards(const std::filesystem::path& dir);

/// Counts completed points and prints count, rate and ETA on standard error: in place on
/// a terminal, else a line every few seconds.
class ProgressLine {
 public:
  ProgressLine(std::size_t total, bool enabled);
  void point_done(bool failed);
  void finish();

 private:
  void print(bool last);
  std::mutex mutex_;
  std::size_t total_;
  std::size_t done_ = 0;
  std::size_t failed_ = 0;
  bool enabled_;
  bool tty_;
  double start_;
  double last_print_ = -1;
};

}  // namespace footprint::sweep
