#include "sim/app/sweep/mpi.hpp"

#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/kernel/diagnostics/errors.hpp"

#ifdef FOOTPRINT_HAVE_MPI
#include <mpi.h>

#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#endif

namespace footprint::sweep {

bool mpi_launched() {
  // Open MPI's mpirun, then PMIx and PMI launchers (srun).
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"}) {
    if (std::getenv(v) != nullptr) {  // NOLINT(concurrency-mt-unsafe): read before threads
      return true;
    }
  }
  return false;
}

#ifndef FOOTPRINT_HAVE_MPI

bool mpi_available() {
  return false;
}

MpiSession::MpiSession(int& /*argc*/, char**& /*argv*/) {
  throw SystemError(
      "this footprint was built without MPI (FOOTPRINT_WITH_MPI=OFF); run one process, or "
      "use --shard I/N");
}
MpiSession::~MpiSession() = default;
void MpiSession::abort(int code) const {
  std::_Exit(code);
}

MpiSweepSummary run_sweep_mpi(const Sweep& /*sw*/, const RunnerOptions& /*o*/,
                              const MpiSession& /*mpi*/) {
  throw SystemError("this footprint was built without MPI");
}

#else

namespace {

namespace fs = std::filesystem;

enum Tag : int { kAsk = 1, kGrant = 2, kDone = 3, kFailText = 4, kTotals = 5 };
constexpr std::int64_t kNoMore = -1;
/// How long rank 0's dispatcher sleeps when no message waits: from the shortest, doubling
/// while nothing comes, to the longest. The other ranks ask for their next point while
/// they run one, so the wait is hidden; polling often would take a core from the points.
constexpr auto kPollSleepMin = std::chrono::microseconds(50);
constexpr auto kPollSleepMax = std::chrono::microseconds(2000);

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) {
    throw SystemError(fmt::format("MPI: {} failed (error {})", what, rc));
  }
}

/// Rank 0: its own points from a thread, requests of the other ranks on this one.
MpiSweepSummary run_root(const Sweep& sw, const RunnerOptions& o, int size) {
  MpiSweepSummary out;
  out.size = size;
  SweepSummary& s = out.summary;
  std::error_code ec;
  fs::create_directories(o.out_dir / "points", ec);
  if (ec) {
    // The others are waiting for points: they learn there are none.
    for (int r = 1; r < size; ++r) {
      std::int64_t ask = 0;
      MPI_Status st;
      check(MPI_Recv(&ask, 1, MPI_INT64_T, MPI_ANY_SOURCE, kAsk, MPI_COMM_WORLD, &st), "recv");
      check(MPI_Send(&kNoMore, 1, MPI_INT64_T, st.MPI_SOURCE, kGrant, MPI_COMM_WORLD), "send");
    }
    throw io::OutputPathError(fmt::format("cannot create output folder '{}': {}",
                                          (o.out_dir / "points").string(), ec.message()));
  }
  const auto scope = points_in_scope(sw, o.shard);
  s.in_scope = scope.size();
  std::vector<std::size_t> todo;
  for (const auto p : scope) {
    if (point_complete(o.out_dir / Sweep::point_file(p), sw.points[p])) {
      ++s.skipped;
    } else {
      todo.push_back(p);
    }
  }
  // Each rank runs one point at a time per core it has (share_cores with many points).
  // Named copies, not structured bindings: the compute thread's lambda captures them.
  const auto cores = share_cores(todo.size(), o.threads, o.point_threads);
  const unsigned concurrency = cores.first;
  const unsigned per_point = cores.second;
  std::atomic<std::size_t> cursor{0};
  auto take = [&]() -> std::optional<std::size_t> {
    const auto k = cursor.fetch_add(1);
    return k < todo.size() ? std::optional(todo[k]) : std::nullopt;
  };
  std::mutex mutex;
  std::mutex hdf5;
  KnownTotals known;  // the index's rows of the points run now, from every rank
  ProgressLine progress(todo.size(), o.progress);
  std::size_t local_points = 0;
  double local_busy = 0;
  std::thread compute([&] {
    const double t0 = now_s();
    run_points(
        sw, o, concurrency, per_point, take,
        [&](std::size_t p, const PointFailure* f, double simulate, const PointTotals* totals) {
          progress.point_done(f != nullptr);
          std::lock_guard lock(mutex);
          ++local_points;
          s.simulate_s += simulate;
          if (totals != nullptr) {
            known[p] = *totals;
          }
          if (f != nullptr) {
            s.failures.push_back(*f);
          }
        },
        hdf5);
    local_busy = now_s() - t0;
  });
  // Dispatch until every other rank has been told there is no more and has reported all
  // it was given.
  int exhausted = 0;
  std::size_t outstanding = 0;
  auto sleep = kPollSleepMin;
  try {
    while (exhausted < size - 1 || outstanding > 0) {
      int flag = 0;
      MPI_Status st;
      check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st), "probe");
      if (flag == 0) {
        std::this_thread::sleep_for(sleep);
        sleep = std::min(2 * sleep, kPollSleepMax);
        continue;
      }
      sleep = kPollSleepMin;
      if (st.MPI_TAG == kAsk) {
        std::int64_t ask = 0;
        check(MPI_Recv(&ask, 1, MPI_INT64_T, st.MPI_SOURCE, kAsk, MPI_COMM_WORLD, &st), "recv");
        const auto p = take();
        const std::int64_t grant = p ? static_cast<std::int64_t>(*p) : kNoMore;
        check(MPI_Send(&grant, 1, MPI_INT64_T, st.MPI_SOURCE, kGrant, MPI_COMM_WORLD), "send");
        if (p) {
          ++outstanding;
        } else {
          ++exhausted;
        }
      } else if (st.MPI_TAG == kDone) {
        std::array<std::int64_t, 3> msg{};
        check(MPI_Recv(msg.data(), 3, MPI_INT64_T, st.MPI_SOURCE, kDone, MPI_COMM_WORLD, &st),
              "recv");
        --outstanding;
        progress.point_done(msg[1] != 0);
        if (msg[1] == 0) {
          MPI_Status tt;
          check(MPI_Probe(st.MPI_SOURCE, kTotals, MPI_COMM_WORLD, &tt), "probe");
          int n = 0;
          MPI_Get_count(&tt, MPI_BYTE, &n);
          std::string bytes(static_cast<std::size_t>(n), '\0');
          check(MPI_Recv(bytes.data(), n, MPI_BYTE, st.MPI_SOURCE, kTotals, MPI_COMM_WORLD, &tt),
                "recv");
          auto t = decode_totals(bytes);
          std::lock_guard lock(mutex);
          known[static_cast<std::size_t>(msg[0])] = std::move(t);
        } else {
          MPI_Status ft;
          check(MPI_Probe(st.MPI_SOURCE, kFailText, MPI_COMM_WORLD, &ft), "probe");
          int n = 0;
          MPI_Get_count(&ft, MPI_CHAR, &n);
          std::string text(static_cast<std::size_t>(n), '\0');
          check(MPI_Recv(text.data(), n, MPI_CHAR, st.MPI_SOURCE, kFailText, MPI_COMM_WORLD, &ft),
                "recv");
          std::lock_guard lock(mutex);
          s.failures.push_back({static_cast<std::size_t>(msg[0]), text});
        }
      } else {
        throw InternalError(fmt::format("MPI: unexpected message tag {}", st.MPI_TAG));
      }
    }
  } catch (...) {
    compute.join();
    throw;
  }
  compute.join();
  progress.finish();
  std::sort(s.failures.begin(), s.failures.end(),
            [](const auto& a, const auto& b) { return a.point < b.point; });
  s.ran = todo.size() - s.failures.size();
  s.busy_s = local_busy;
  // What each rank did.
  const std::array<double, 3> mine{static_cast<double>(local_points), local_busy, s.simulate_s};
  std::vector<double> all(3 * static_cast<std::size_t>(size));
  check(MPI_Gather(mine.data(), 3, MPI_DOUBLE, all.data(), 3, MPI_DOUBLE, 0, MPI_COMM_WORLD),
        "gather");
  s.simulate_s = 0;
  for (int r = 0; r < size; ++r) {
    const auto i = 3 * static_cast<std::size_t>(r);
    out.ranks.push_back({static_cast<std::size_t>(all[i]), all[i + 1], all[i + 2]});
    s.simulate_s += all[i + 2];
  }
  s.index = write_index(sw, o.out_dir, o.shard, scope, known);
  return out;
}

/// Ranks other than 0: ask for a point, run it, report it, while the next request is
/// already on its way.
MpiSweepSummary run_worker(const Sweep& sw, const RunnerOptions& o, int rank, int size) {
  MpiSweepSummary out;
  out.rank = rank;
  out.size = size;
  std::mutex mpi;  // MPI_THREAD_SERIALIZED: one MPI call at a time
  bool exhausted = false;
  bool pending = false;
  std::int64_t ask = 0;
  std::int64_t grant = kNoMore;
  std::array<MPI_Request, 2> reqs{};
  auto post = [&] {
    check(MPI_Isend(&ask, 1, MPI_INT64_T, 0, kAsk, MPI_COMM_WORLD, &reqs[0]), "isend");
    check(MPI_Irecv(&grant, 1, MPI_INT64_T, 0, kGrant, MPI_COMM_WORLD, &reqs[1]), "irecv");
    pending = true;
  };
  auto next = [&]() -> std::optional<std::size_t> {
    std::lock_guard lock(mpi);
    if (exhausted) {
      return std::nullopt;
    }
    if (!pending) {
      post();
    }
    check(MPI_Waitall(2, reqs.data(), MPI_STATUSES_IGNORE), "wait");
    pending = false;
    const std::int64_t g = grant;
    if (g < 0) {
      exhausted = true;
      return std::nullopt;
    }
    post();  // the next one, while this one runs
    return static_cast<std::size_t>(g);
  };
  std::size_t points = 0;
  double simulate_s = 0;
  auto done = [&](std::size_t p, const PointFailure* f, double simulate,
                  const PointTotals* totals) {
    std::lock_guard lock(mpi);
    ++points;
    simulate_s += simulate;
    const std::array<std::int64_t, 3> msg{static_cast<std::int64_t>(p), f != nullptr ? 1 : 0,
                                          totals != nullptr ? totals->jobs_finished : 0};
    check(MPI_Send(msg.data(), 3, MPI_INT64_T, 0, kDone, MPI_COMM_WORLD), "send");
    if (totals != nullptr) {
      // The doubles travel bit for bit: rank 0's index is the same as a one-process run's.
      const auto bytes = encode_totals(*totals);
      check(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, 0, kTotals,
                     MPI_COMM_WORLD),
            "send");
    }
    if (f != nullptr) {
      check(MPI_Send(f->message.data(), static_cast<int>(f->message.size()), MPI_CHAR, 0, kFailText,
                     MPI_COMM_WORLD),
            "send");
    }
  };
  // Many points per rank: one point per core (the root decides the same way).
  const auto [concurrency, per_point] = share_cores(sw.points.size(), o.threads, o.point_threads);
  std::mutex hdf5;
  const double t0 = now_s();
  run_points(sw, o, concurrency, per_point, next, done, hdf5);
  const std::array<double, 3> mine{static_cast<double>(points), now_s() - t0, simulate_s};
  check(MPI_Gather(mine.data(), 3, MPI_DOUBLE, nullptr, 0, MPI_DOUBLE, 0, MPI_COMM_WORLD),
        "gather");
  out.summary.ran = points;
  return out;
}

}  // namespace

bool mpi_available() {
  return true;
}

MpiSession::MpiSession(int& argc, char**& argv) {
  int provided = 0;
  check(MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided), "init");
  if (provided < MPI_THREAD_SERIALIZED) {
    MPI_Finalize();
    throw SystemError("MPI does not provide MPI_THREAD_SERIALIZED, which the sweep runner needs");
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
  MPI_Finalize();
}

void MpiSession::abort(int code) const {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

MpiSweepSummary run_sweep_mpi(const Sweep& sw, const RunnerOptions& o, const MpiSession& mpi) {
  MpiSweepSummary out =
      mpi.rank() == 0 ? run_root(sw, o, mpi.size()) : run_worker(sw, o, mpi.rank(), mpi.size());
  // Every rank learns whether any point failed, for a common exit code.
  std::int64_t failed = static_cast<std::int64_t>(out.summary.failures.size());
  check(MPI_Bcast(&failed, 1, MPI_INT64_T, 0, MPI_COMM_WORLD), "bcast");
  if (mpi.rank() != 0 && failed > 0) {
    out.summary.failures.assign(static_cast<std::size_t>(failed), PointFailure{});
  }
  return out;
}

#endif

}  // namespace footprint::sweep
