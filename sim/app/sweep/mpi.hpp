// A sweep on MPI ranks (Open MPI): rank 0 hands out points one at a time as ranks ask
// for them (points differ in cost), and computes too; every rank writes the files of the
// points it ran; rank 0 writes the index once all have finished. The files are the same
// bytes as a one-process run's.
#pragma once

#include <cstddef>
#include <vector>

#include "sim/app/sweep/runner.hpp"

namespace footprint::sweep {

/// Whether this binary was built with MPI.
bool mpi_available();

/// Whether this process was started by an MPI launcher (mpirun, srun with PMIx).
bool mpi_launched();

/// What each rank did, gathered on rank 0.
struct RankLoad {
  std::size_t points = 0;
  double busy_s = 0;      ///< host wall-clock seconds, as SweepSummary's
  double simulate_s = 0;  ///< host wall-clock seconds, as SweepSummary's
};

struct MpiSweepSummary {
  int rank = 0;
  int size = 1;
  SweepSummary summary;         ///< on rank 0: the whole sweep (failures: all ranks')
  std::vector<RankLoad> ranks;  ///< on rank 0
};

/// Owns MPI's initialisation for the duration of a sweep (MPI_THREAD_SERIALIZED).
/// Throws std::runtime_error when MPI cannot provide it.
class MpiSession {
 public:
  MpiSession(int& argc, char**& argv);
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  ~MpiSession();
  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }
  /// Ends every rank at once after an error that leaves the others waiting.
  [[noreturn]] void abort(int code) const;

 private:
  int rank_ = 0;
  int size_ = 1;
};

/// Runs the sweep (or one shard of it) on the session's ranks.
MpiSweepSummary run_sweep_mpi(const Sweep& sw, const RunnerOptions& o, const MpiSession& mpi);

}  // namespace footprint::sweep
