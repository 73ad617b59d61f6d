// footprint: the command-line program.
//
// Exit codes: 0 success; 1 a failure while running (the machine's, or a bug: "internal
// error"); 2 bad input (flags, scenario or data files, traces given to report, output
// paths); 130 or 143 stopped by SIGINT or SIGTERM (128 + the signal), with every
// temporary output file removed. Library code throws typed errors; main() hands every one to
// cli::describe_failure (errors.hpp), the one place that turns them into messages and
// exit codes.
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <CLI/CLI.hpp>

#include "analysis/compare.hpp"
#include "analysis/report.hpp"
#include "analysis/sweep_report.hpp"
#include "footprint/version.hpp"
#include "models/workloads/step_bench.hpp"
#include "sim/app/bench/phold.hpp"
#include "sim/app/cli/errors.hpp"
#include "sim/app/scenario/run.hpp"
#include "sim/app/scenario/scenario.hpp"
#include "sim/app/scenario/world.hpp"
#include "sim/app/scenario/yaml_reader.hpp"
#include "sim/app/sweep/mpi.hpp"
#include "sim/app/sweep/runner.hpp"
#include "sim/app/sweep/sweep.hpp"
#include "sim/app/trace/trace.hpp"
#include "sim/engine/stats.hpp"
#include "sim/engine/time.hpp"
#include "sim/kernel/diagnostics/diagnostics.hpp"
#include "sim/kernel/hdf5/hdf5.hpp"

namespace {

using footprint::cli::kExitBadInput;
using footprint::cli::kExitFailure;
constexpr double kMillisecondsPerSecond = 1e3;

namespace fs = std::filesystem;

/// A problem with the command line itself (no file to point at).
footprint::InputError flag_error(std::string message) {
  return footprint::InputError(footprint::Diagnostic{.message = std::move(message)});
}

/// --seed: a whole number 0..2^64-1 read exactly (scenario::parse_seed), checked before
/// CLI11 converts it (which would take -1 or 2^64 silently).
CLI::Validator seed_rule() {
  return {[](std::string& s) {
            std::string why;
            return footprint::scenario::parse_seed(s, why) ? std::string() : s + ": " + why;
          },
          "SEED"};
}

std::string version_line() {
  return fmt::format("footprint {} (commit {})", footprint::kVersion, footprint::kGitCommit);
}

struct RunArgs {
  std::string scenario;
  std::vector<std::string> data_dirs;
  std::optional<std::string> output;  ///< given but empty is an error, not the default
  unsigned threads = 0;
  std::optional<std::uint64_t> seed;
  bool force = false;
  bool quiet = false;
};

struct SweepArgs {
  std::string file;
  std::string out;
  std::string merge;
  std::vector<std::string> data_dirs;
  unsigned threads = 0;
  unsigned point_threads = 0;
  std::optional<std::string> shard;
  bool quiet = false;
  bool dry_run = false;
};

struct ReportArgs {
  std::string trace;
  std::string format = "table";
  std::string sort;
  bool descending = false;
  std::vector<std::string> group_by;
  std::vector<std::string> where;
  std::string paired;
  std::vector<std::string> metrics;
};

struct CompareArgs {
  std::string a;
  std::string b;
  std::string format = "table";
};

/// The most threads a flag may ask for: the larger of 1024 and 64 per hardware thread.
/// Far above anything useful (results do not depend on it), and far below the counts at
/// which oneTBB itself fails (65,537 crashed it).
unsigned max_threads() {
  constexpr unsigned kFloor = 1024;
  constexpr unsigned kPerCore = 64;
  return std::max(kFloor, kPerCore * std::max(1U, std::thread::hardware_concurrency()));
}

/// 0 (all cores) up to max_threads(); CLI11 names the flag in its message (exit 2).
CLI::Range thread_range() {
  return CLI::Range(0U, max_threads());
}

/// SIGINT and SIGTERM: remove every temporary output file and exit with 128 + the signal.
/// The handler touches no state of its own; the temporaries' list it reads is kept by
/// io::AtomicOutput for this purpose (sim/kernel/hdf5/hdf5.hpp).
extern "C" void on_stop_signal(int sig) {
  footprint::io::remove_pending_temporaries();
  constexpr char kMessage[] = "footprint: stopped by a signal; temporary files removed\n";
  const ssize_t written = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  (void)written;
  constexpr int kSignalExitBase = 128;
  ::_exit(kSignalExitBase + sig);
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;  // NOLINT(cppcoreguidelines-pro-type-union-access)
  sigemptyset(&sa.sa_mask);
  for (const int sig : {SIGINT, SIGTERM}) {
    ::sigaction(sig, &sa, nullptr);
  }
}

/// The output must not be the scenario itself (`-o scenario.yaml --force`).
void refuse_output_over_input(const fs::path& out, const std::string& scenario) {
  std::error_code ec;
  if (fs::exists(out, ec) && fs::equivalent(out, scenario, ec)) {
    throw footprint::io::OutputPathError(
        fmt::format("output path '{}' is the scenario file '{}'; choose another output",
                    out.string(), scenario));
  }
}

void add_phold(CLI::App& bench, footprint::bench::PholdConfig& c, bool& json) {
  auto* phold = bench.add_subcommand("phold", "Run the PHOLD engine benchmark");
  phold->add_option("--lps", c.lps, "Number of logical processes")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  phold->add_option("--start-events", c.start_events, "Events per LP at start")
      ->capture_default_str();
  phold
      ->add_option("--end", c.end,
                   "End time (PHOLD time units); events at or after it are not processed")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  phold->add_option("--remote", c.remote, "Probability that an event goes to a random LP")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  phold->add_option("--lookahead", c.lookahead, "Minimum delay of every event (time units)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  phold->add_option("--mean", c.mean, "Mean delay of an event, lookahead included (time units)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  phold->add_option("--seed", c.seed, "Random seed")->check(seed_rule())->capture_default_str();
  phold->add_option("--threads", c.threads, "Worker threads (0: all cores)")
      ->capture_default_str()
      ->check(thread_range());
  phold->add_flag("--json", json, "Print one JSON object instead of a key=value line");
}

/// A one-line progress bar on standard error, only when it is a terminal.
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO) == 1) {}
  void operator()(double fraction) {
    if (!enabled_) {
      return;
    }
    constexpr int kWidth = 40;
    constexpr double kPercent = 100.0;
    const int filled = static_cast<int>(fraction * kWidth);
    fmt::print(stderr, "\r[{:<{}}] {:5.1f} %", std::string(static_cast<std::size_t>(filled), '#'),
               kWidth, fraction * kPercent);
    if (fraction >= 1.0) {
      fmt::print(stderr, "\r{:<{}}\r", "", kWidth + 10);
    }
  }

 private:
  bool enabled_;
};

/// --data-dir folders, then FOOTPRINT_DATA (colon-separated).
footprint::scenario::LoadOptions load_options(const std::vector<std::string>& dirs) {
  footprint::scenario::LoadOptions o;
  for (const auto& d : dirs) {
    o.data_dirs.emplace_back(d);
  }
  if (const char* env = std::getenv("FOOTPRINT_DATA")) {
    std::string v = env;
    std::size_t pos = 0;
    while (pos <= v.size()) {
      const auto next = v.find(':', pos);
      const auto part = v.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
      if (!part.empty()) {
        o.data_dirs.emplace_back(part);
      }
      if (next == std::string::npos) {
        break;
      }
      pos = next + 1;
    }
  }
  return o;
}

int cmd_check(const std::string& path, const std::vector<std::string>& data_dirs) {
  const auto sc = footprint::scenario::load_scenario(path, load_options(data_dirs));
  // Data files are read too, and the generator's jobs drawn, so that every problem shows.
  const auto checked = footprint::scenario::check_scenario(sc);
  for (const auto& w : checked.warnings) {
    fmt::print(stderr, "{}: warning: {}\n", path, w);
  }
  fmt::print(
      "{}: ok: scenario \"{}\", {} regions, {} datacenters, {} jobs{}\n", path, sc.name,
      sc.regions.size(), sc.datacenters.size(), checked.jobs,
      sc.services.empty() ? std::string() : fmt::format(", {} services", sc.services.size()));
  return 0;
}

int cmd_run(const RunArgs& a) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto sc = footprint::scenario::load_scenario(a.scenario, load_options(a.data_dirs));
  const fs::path out =
      a.output ? fs::path(*a.output) : fs::path(fs::path(a.scenario).stem().string() + ".h5");
  // Checked before running: the scenario itself, an existing file (without --force), a
  // device, a bad folder or a name too long.
  refuse_output_over_input(out, a.scenario);
  footprint::io::AtomicOutput output(out, a.force);
  Progress progress(!a.quiet);
  footprint::scenario::RunConfig rc;
  rc.threads = a.threads;
  rc.seed = a.seed;
  rc.progress = [&](double f) { progress(f); };
  const auto t1 = std::chrono::steady_clock::now();
  // Held until written, then released before the trace is read back for the report.
  auto result =
      std::make_unique<footprint::scenario::RunResult>(footprint::scenario::run_scenario(sc, rc));
  const auto t2 = std::chrono::steady_clock::now();
  for (const auto& w : result->warnings) {
    fmt::print(stderr, "{}: warning: {}\n", a.scenario, w);
  }
  // Writing compresses in parallel: within this run's threads.
  const unsigned threads =
      a.threads != 0 ? a.threads : std::max(1U, std::thread::hardware_concurrency());
  tbb::task_arena arena(static_cast<int>(threads));
  arena.execute([&] {
    footprint::io::write_trace(output, sc, *result, {footprint::kVersion, footprint::kGitCommit});
  });
  const auto stats = result->stats;
  result.reset();
  const auto t3 = std::chrono::steady_clock::now();
  // The printed table shows the first jobs only: read just those.
  constexpr std::size_t kPrintedJobs = 30;
  const auto report = footprint::analysis::read_report(out, kPrintedJobs);
  const auto t4 = std::chrono::steady_clock::now();
  if (!a.quiet) {
    fmt::print("{}\n", footprint::analysis::render_table(report));
    fmt::print("engine: {}\n", footprint::engine::describe(stats));
    fmt::print(
        "timing: load {:.3f} s, run {:.3f} s (engine {:.3f} s), write {:.3f} s, "
        "report {:.3f} s\n",
        std::chrono::duration<double>(t1 - t0).count(),
        std::chrono::duration<double>(t2 - t1).count(), stats.wall_s,
        std::chrono::duration<double>(t3 - t2).count(),
        std::chrono::duration<double>(t4 - t3).count());
  }
  fmt::print("wrote {}\n", out.string());
  return 0;
}

/// Cores for one rank: all of them, shared by the ranks started on this machine.
unsigned default_threads(bool under_mpi) {
  const unsigned hw = std::max(1U, std::thread::hardware_concurrency());
  if (!under_mpi) {
    return hw;
  }
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");  // NOLINT(concurrency-mt-unsafe)
  const long n = local != nullptr ? std::strtol(local, nullptr, 10) : 1;  // NOLINT
  return std::max(1U, hw / static_cast<unsigned>(std::max(1L, n)));
}

void print_failures(const footprint::sweep::Sweep& sw,
                    const std::vector<footprint::sweep::PointFailure>& failures) {
  for (const auto& f : failures) {
    fmt::print(stderr, "{}: error: point {}: {}\n", sw.file.string(), sw.describe(f.point),
               f.message);
  }
}

int cmd_sweep(SweepArgs a, int& argc, char**& argv) {
  namespace sw = footprint::sweep;
  if (!a.merge.empty()) {
    const auto index = sw::merge_shards(a.merge);
    fmt::print("wrote {}\n", index.string());
    return 0;
  }
  if (a.file.empty() || (a.out.empty() && !a.dry_run)) {
    throw flag_error("footprint sweep needs SWEEP.yaml and --out DIR (or --merge DIR)");
  }
  sw::RunnerOptions o;
  o.out_dir = a.out;
  o.point_threads = a.point_threads;
  o.load = load_options(a.data_dirs);
  o.provenance = {footprint::kVersion, footprint::kGitCommit};
  o.progress = !a.quiet;
  if (a.shard) {
    std::string why;
    o.shard = sw::parse_shard(*a.shard, why);
    if (!o.shard) {
      throw flag_error("--shard: " + why);
    }
  } else {
    std::string why;
    o.shard = sw::shard_from_slurm([](const char* v) { return std::getenv(v); },  // NOLINT
                                   why);
    if (!why.empty()) {
      throw flag_error(why);
    }
  }
  const bool under_mpi = !a.dry_run && sw::mpi_launched();
  o.threads = a.threads != 0 ? a.threads : default_threads(under_mpi);

  std::optional<sw::MpiSession> mpi;
  if (under_mpi) {
    mpi.emplace(argc, argv);
  }
  const bool root = !mpi || mpi->rank() == 0;
  sw::SweepLoadOptions lo;
  lo.scenario = o.load;
  lo.threads = o.threads;
  sw::Sweep sweep;
  try {
    sweep = sw::load_sweep(a.file, lo);
  } catch (const footprint::InputError&) {
    if (!root) {
      return kExitBadInput;  // rank 0 reports the problems, once
    }
    throw;
  }
  if (a.dry_run) {
    fmt::print("sweep \"{}\": {} points\n", sweep.name, sweep.points.size());
    for (const auto& p : sweep.points) {
      fmt::print("  {} seed {} sha256 {}\n", sweep.describe(p.index), p.seed,
                 p.sha256.substr(0, 12));
    }
    return 0;
  }
  if (!root) {
    o.progress = false;
  }
  const auto t0 = std::chrono::steady_clock::now();
  sw::SweepSummary s;
  std::vector<sw::RankLoad> ranks;
  if (mpi && mpi->size() > 1) {
    try {
      auto m = sw::run_sweep_mpi(sweep, o, *mpi);
      s = std::move(m.summary);
      ranks = std::move(m.ranks);
    } catch (...) {
      const auto f = footprint::cli::describe_failure(std::current_exception(), version_line());
      fmt::print(stderr, "footprint: rank {}:\n{}", mpi->rank(), f.message);
      mpi->abort(f.exit_code);
    }
  } else {
    s = sw::run_sweep(sweep, o);
  }
  if (!root) {
    return s.failures.empty() ? 0 : kExitFailure;
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  print_failures(sweep, s.failures);
  const std::size_t ran = s.in_scope - s.skipped;
  fmt::print(
      "sweep \"{}\": {} points{}, {} complete already, {} run{}, {:.2f} s ({:.1f} points/s)\n",
      sweep.name, sweep.points.size(),
      o.shard ? fmt::format(" ({} in shard {}/{})", s.in_scope, o.shard->index, o.shard->count)
              : std::string{},
      s.skipped, ran, s.failures.empty() ? "" : fmt::format(", {} failed", s.failures.size()), wall,
      wall > 0 ? static_cast<double>(ran) / wall : 0.0);
  if (ran > 0) {
    // Wall time per point over the cores used, and what of it was the simulation itself.
    const double per_point = wall * static_cast<double>(o.threads) *
                             static_cast<double>(mpi ? mpi->size() : 1) / static_cast<double>(ran);
    const double simulate = s.simulate_s / static_cast<double>(ran);
    fmt::print("per point: {:.2f} ms simulating, {:.2f} ms else (checking, reading, writing)\n",
               simulate * kMillisecondsPerSecond, (per_point - simulate) * kMillisecondsPerSecond);
  }
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    fmt::print("rank {}: {} points, busy {:.2f} s\n", r, ranks[r].points, ranks[r].busy_s);
  }
  fmt::print("wrote {}\n", s.index.string());
  return s.failures.empty() ? 0 : kExitFailure;
}

/// A problem with a file the user named on the command line (a trace to report).
footprint::InputError unreadable(const std::string& path, std::string message) {
  return footprint::InputError(footprint::Diagnostic{.file = path, .message = std::move(message)});
}

/// Throws an input error unless `path` is a file.
void require_file(const std::string& path) {
  if (!fs::exists(path)) {
    throw unreadable(path, "no such file");
  }
  if (fs::is_directory(path)) {
    throw unreadable(path, "is a directory, not a trace file");
  }
}

int cmd_report(const ReportArgs& a) {
  require_file(a.trace);
  try {
    if (footprint::analysis::is_sweep_index(a.trace)) {
      const auto index = footprint::analysis::read_sweep_index(a.trace);
      footprint::analysis::SweepReportOptions o;
      o.sort_by = a.sort;
      o.descending = a.descending;
      o.group_by = a.group_by;
      o.where = a.where;
      o.paired = a.paired;
      o.metrics = a.metrics;
      o.format = a.format;
      fmt::print("{}", footprint::analysis::render_sweep(index, o));
      return 0;
    }
  } catch (const footprint::io::H5Error& e) {
    throw unreadable(a.trace,
                     fmt::format("not a readable Footprint trace or sweep index: {}", e.what()));
  }
  if (!a.sort.empty() || !a.group_by.empty() || !a.where.empty() || !a.paired.empty() ||
      !a.metrics.empty()) {
    throw flag_error(
        fmt::format("--sort, --group-by, --where, --paired and --metric apply to a sweep index "
                    "(DIR/index.h5); {} is a run trace",
                    a.trace));
  }
  const auto r = footprint::analysis::read_user_trace(a.trace);
  if (a.format == "csv") {
    fmt::print("{}", footprint::analysis::render_csv(r));
  } else if (a.format == "json") {
    fmt::print("{}", footprint::analysis::render_json(r));
  } else {
    fmt::print("{}", footprint::analysis::render_table(r));
  }
  return 0;
}

int cmd_compare(const CompareArgs& a) {
  require_file(a.a);
  require_file(a.b);
  const auto ra = footprint::analysis::read_user_trace(a.a);
  const auto rb = footprint::analysis::read_user_trace(a.b);
  fmt::print("{}", footprint::analysis::render_compare(ra, rb, a.a, a.b, a.format));
  return 0;
}

/// The step benchmark's configuration is its flags: a value the step simulation refuses
/// is bad input here (elsewhere, its checks guard values the caller has located).
footprint::models::StepBenchResult step_bench(const footprint::models::StepBenchConfig& c) {
  try {
    return footprint::models::run_step_bench(c);
  } catch (const std::invalid_argument& e) {
    throw flag_error(fmt::format("bench steps: {}", e.what()));
  }
}

}  // namespace

int main(int argc, char** argv) {
  // HDF5 allocates and zeroes about 2 MB of cache for every file it opens and frees it
  // on close; with glibc's default, the heap shrinks and grows back each time and every
  // page faults again (a sweep of 1,000 points spent 80 % of its time there:
  // docs/performance.md). Keeping 64 MiB of slack at the top of the heap avoids it.
  constexpr int kHeapTopPad = 64 << 20;
  mallopt(M_TOP_PAD, kHeapTopPad);
  footprint::io::skip_hdf5_exit_handler();  // before any other HDF5 call
  install_stop_handlers();
  CLI::App app{
      "Footprint: a parallel discrete-event simulator of ML datacenters' energy and emissions"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", version_line());

  RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "Run a scenario and write its HDF5 trace");
  run_cmd->add_option("scenario", run.scenario, "Scenario file (YAML)")->required();
  run_cmd->add_option("-o,--output", run.output, "Trace file to write (default: <scenario>.h5)");
  run_cmd->add_option("--threads", run.threads, "Worker threads (0: all cores)")
      ->capture_default_str()
      ->check(thread_range());
  run_cmd->add_option("--seed", run.seed, "Random seed (overrides the scenario's)")
      ->check(seed_rule());
  run_cmd->add_flag("--force", run.force, "Replace an existing output file");
  run_cmd->add_option("--data-dir", run.data_dirs,
                      "Folder to search for relative data paths (repeatable; also FOOTPRINT_DATA)");
  run_cmd->add_flag("-q,--quiet", run.quiet, "Print only the output path");

  std::string check_path;
  std::vector<std::string> check_dirs;
  auto* check_cmd = app.add_subcommand("check", "Validate a scenario file without running it");
  check_cmd->add_option("scenario", check_path, "Scenario file (YAML)")->required();
  check_cmd->add_option("--data-dir", check_dirs, "Folder to search for relative data paths");

  ReportArgs rep;
  auto* report_cmd = app.add_subcommand("report", "Summarise a trace file");
  report_cmd
      ->add_option("trace", rep.trace,
                   "Trace file written by footprint run, or a sweep's DIR/index.h5")
      ->required();
  report_cmd->add_option("--format", rep.format, "table, csv or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "csv", "json"}));
  report_cmd->add_option("--sort", rep.sort, "Sweep: sort rows by this metric or axis");
  report_cmd->add_flag("--descending", rep.descending, "Sweep: sort largest first");
  // One value per occurrence: `--where A=1 DIR/index.h5` leaves the index positional.
  report_cmd
      ->add_option("--group-by", rep.group_by,
                   "Sweep: rows per value of these axes, pooling the others (repeatable)")
      ->allow_extra_args(false);
  report_cmd
      ->add_option("--where", rep.where,
                   "Sweep: keep only the points with AXIS=VALUE (repeatable; values of one axis "
                   "are alternatives)")
      ->allow_extra_args(false);
  report_cmd->add_option("--paired", rep.paired,
                         "Sweep: AXIS=A,B: paired differences B - A between points sharing "
                         "every other axis value and the replica, with 95 % intervals");
  report_cmd
      ->add_option("--metric", rep.metrics,
                   "Sweep: show only this metric (repeatable, in this order; default: all)")
      ->allow_extra_args(false);

  CompareArgs cmp;
  auto* compare_cmd = app.add_subcommand("compare", "Compare two traces metric by metric");
  compare_cmd->add_option("a", cmp.a, "First trace (the reference)")->required();
  compare_cmd->add_option("b", cmp.b, "Second trace")->required();
  compare_cmd->add_option("--format", cmp.format, "table, csv or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "csv", "json"}));

  SweepArgs swa;
  auto* sweep_cmd = app.add_subcommand(
      "sweep", "Run every point of a sweep file (also under mpirun, or as one shard of N)");
  sweep_cmd->add_option("sweep", swa.file, "Sweep file (YAML)");
  sweep_cmd->add_option("-o,--out", swa.out, "Output folder (created if missing)");
  sweep_cmd->add_option("--merge", swa.merge, "Join DIR's shard indexes into DIR/index.h5");
  sweep_cmd->add_option("--threads", swa.threads, "Cores to use (0: all, or shared by MPI ranks)")
      ->capture_default_str()
      ->check(thread_range());
  sweep_cmd
      ->add_option("--point-threads", swa.point_threads,
                   "Engine threads per point (0: one per point when points outnumber cores)")
      ->capture_default_str()
      ->check(thread_range());
  sweep_cmd->add_option("--shard", swa.shard,
                        "Run shard I of N (I from 0); default from SLURM_ARRAY_TASK_* when set");
  sweep_cmd->add_option("--data-dir", swa.data_dirs, "Folder to search for relative data paths");
  sweep_cmd->add_flag("-q,--quiet", swa.quiet, "No progress line");
  sweep_cmd->add_flag("--dry-run", swa.dry_run, "Check every point and list them; run nothing");

  auto* bench = app.add_subcommand("bench", "Engine benchmarks");
  bench->require_subcommand(1);
  footprint::bench::PholdConfig phold;
  bool json = false;
  add_phold(*bench, phold, json);
  footprint::models::StepBenchConfig steps;
  auto* steps_cmd = bench->add_subcommand(
      "steps", "Run a training job step by step: every device draws a straggler delay every step");
  steps_cmd->add_option("--steps", steps.steps, "Steps")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  steps_cmd->add_option("--devices", steps.devices, "Devices")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  steps_cmd
      ->add_option("--devices-per-lp", steps.devices_per_lp, "Devices per LP (0: about 64 LPs)")
      ->capture_default_str();
  steps_cmd
      ->add_option("--straggler-mean", steps.straggler_mean,
                   "Mean straggler slowdown per device and step")
      ->capture_default_str();
  steps_cmd->add_option("--threads", steps.threads, "Worker threads (0: all cores)")
      ->capture_default_str()
      ->check(thread_range());
  steps_cmd->add_option("--seed", steps.seed, "Random seed")
      ->check(seed_rule())
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitBadInput;
  }

  // A thread count above the machine's cores is honoured (oversubscribed) rather than
  // capped by oneTBB with a warning of its own; results do not depend on it either way.
  const unsigned requested =
      std::max({run.threads, swa.threads, swa.point_threads, steps.threads, phold.threads});
  std::optional<tbb::global_control> allow_threads;
  if (requested > std::thread::hardware_concurrency()) {
    allow_threads.emplace(tbb::global_control::max_allowed_parallelism, requested);
  }

  try {
    if (*run_cmd) {
      return cmd_run(run);
    }
    if (*check_cmd) {
      return cmd_check(check_path, check_dirs);
    }
    if (*sweep_cmd) {
      return cmd_sweep(swa, argc, argv);
    }
    if (*report_cmd) {
      return cmd_report(rep);
    }
    if (*compare_cmd) {
      return cmd_compare(cmp);
    }
    if (bench->got_subcommand("steps")) {
      std::puts(footprint::models::format_step_bench(steps, step_bench(steps)).c_str());
      return 0;
    }
    if (bench->got_subcommand("phold")) {
      const auto r = footprint::bench::run_phold(phold);
      std::puts((json ? format_json(phold, r) : format_line(phold, r)).c_str());
      return 0;
    }
    std::puts(app.help().c_str());
    return 0;
  } catch (...) {
    const auto f = footprint::cli::describe_failure(std::current_exception(), version_line());
    fmt::print(stderr, "{}", f.message);
    return f.exit_code;
  }
}
