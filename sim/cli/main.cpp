// footprint: the command-line program.
//
// Exit codes: 0 success; 1 a failure while running; 2 bad input (flags, scenario or data
// files, output paths). Library code throws typed errors; only this file turns them into
// messages and exit codes.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <tbb/task_arena.h>
#include <CLI/CLI.hpp>

#include "analysis/report.hpp"
#include "footprint/version.hpp"
#include "sim/bench/phold.hpp"
#include "sim/engine/errors.hpp"
#include "sim/engine/stats.hpp"
#include "sim/engine/time.hpp"
#include "sim/io/hdf5.hpp"
#include "sim/io/trace.hpp"
#include "sim/scenario/diagnostics.hpp"
#include "sim/scenario/run.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/scenario/world.hpp"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitBadInput = 2;

namespace fs = std::filesystem;

struct RunArgs {
  std::string scenario;
  std::vector<std::string> data_dirs;
  std::optional<std::string> output;  ///< given but empty is an error, not the default
  unsigned threads = 0;
  std::optional<std::uint64_t> seed;
  bool force = false;
  bool quiet = false;
};

struct ReportArgs {
  std::string trace;
  std::string format = "table";
};

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
  phold->add_option("--seed", c.seed, "Random seed")->capture_default_str();
  phold->add_option("--threads", c.threads, "Worker threads (0: all cores)")->capture_default_str();
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
  std::vector<std::string> warnings;
  std::vector<std::string> names;
  const auto fleet = footprint::scenario::build_fleet(sc, sc.seed, names);
  // The same horizon a run checks its series against.
  auto horizon = footprint::engine::SimTime::days(1);
  for (const auto& f : fleet->jobs) {
    horizon =
        std::max(horizon, f.submit + f.slack + f.duration + footprint::engine::SimTime::days(1));
  }
  if (sc.horizon) {
    horizon = footprint::engine::SimTime::from_seconds(footprint::units::to_seconds(*sc.horizon));
  }
  footprint::scenario::build_world(sc, horizon, warnings);
  for (std::size_t d = 0; d < sc.datacenters.size(); ++d) {
    footprint::scenario::build_fabrics(sc, d, *fleet);
  }
  for (const auto& w : warnings) {
    fmt::print(stderr, "{}: warning: {}\n", path, w);
  }
  fmt::print("{}: ok: scenario \"{}\", {} regions, {} datacenters, {} jobs\n", path, sc.name,
             sc.regions.size(), sc.datacenters.size(), fleet->jobs.size());
  return 0;
}

int cmd_run(const RunArgs& a) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto sc = footprint::scenario::load_scenario(a.scenario, load_options(a.data_dirs));
  const fs::path out =
      a.output ? fs::path(*a.output) : fs::path(fs::path(a.scenario).stem().string() + ".h5");
  // Checked before running: an existing file (without --force) or a bad folder.
  footprint::io::AtomicOutput output(out, a.force);
  Progress progress(!a.quiet);
  footprint::scenario::RunConfig rc;
  rc.threads = a.threads;
  rc.seed = a.seed;
  rc.progress = [&](double f) { progress(f); };
  const auto t1 = std::chrono::steady_clock::now();
  const auto result = footprint::scenario::run_scenario(sc, rc);
  const auto t2 = std::chrono::steady_clock::now();
  for (const auto& w : result.warnings) {
    fmt::print(stderr, "{}: warning: {}\n", a.scenario, w);
  }
  // Writing compresses in parallel: within this run's threads.
  const unsigned threads =
      a.threads != 0 ? a.threads : std::max(1U, std::thread::hardware_concurrency());
  tbb::task_arena arena(static_cast<int>(threads));
  arena.execute([&] {
    footprint::io::write_trace(output, sc, result, {footprint::kVersion, footprint::kGitCommit});
  });
  const auto t3 = std::chrono::steady_clock::now();
  // The printed table shows the first jobs only: read just those.
  constexpr std::size_t kPrintedJobs = 30;
  const auto report = footprint::analysis::read_report(out, kPrintedJobs);
  const auto t4 = std::chrono::steady_clock::now();
  if (!a.quiet) {
    fmt::print("{}\n", footprint::analysis::render_table(report));
    fmt::print("engine: {}\n", footprint::engine::describe(result.stats));
    fmt::print(
        "timing: load {:.3f} s, run {:.3f} s (engine {:.3f} s), write {:.3f} s, "
        "report {:.3f} s\n",
        std::chrono::duration<double>(t1 - t0).count(),
        std::chrono::duration<double>(t2 - t1).count(), result.stats.wall_s,
        std::chrono::duration<double>(t3 - t2).count(),
        std::chrono::duration<double>(t4 - t3).count());
  }
  fmt::print("wrote {}\n", out.string());
  return 0;
}

int cmd_report(const ReportArgs& a) {
  if (!fs::exists(a.trace)) {
    fmt::print(stderr, "footprint: error: {}: no such file\n", a.trace);
    return kExitBadInput;
  }
  if (fs::is_directory(a.trace)) {
    fmt::print(stderr, "footprint: error: {}: is a directory, not a trace file\n", a.trace);
    return kExitBadInput;
  }
  footprint::analysis::Report r;
  try {
    r = footprint::analysis::read_report(a.trace);
  } catch (const footprint::io::H5Error& e) {
    fmt::print(stderr, "footprint: error: {}: not a readable Footprint trace: {}\n", a.trace,
               e.what());
    return kExitBadInput;
  }
  if (a.format == "csv") {
    fmt::print("{}", footprint::analysis::render_csv(r));
  } else if (a.format == "json") {
    fmt::print("{}", footprint::analysis::render_json(r));
  } else {
    fmt::print("{}", footprint::analysis::render_table(r));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Footprint: a parallel discrete-event simulator of ML datacenters' energy and emissions"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", fmt::format("footprint {} (commit {})", footprint::kVersion,
                                                footprint::kGitCommit));

  RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "Run a scenario and write its HDF5 trace");
  run_cmd->add_option("scenario", run.scenario, "Scenario file (YAML)")->required();
  run_cmd->add_option("-o,--output", run.output, "Trace file to write (default: <scenario>.h5)");
  run_cmd->add_option("--threads", run.threads, "Worker threads (0: all cores)")
      ->capture_default_str();
  run_cmd->add_option("--seed", run.seed, "Random seed (overrides the scenario's)");
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
  report_cmd->add_option("trace", rep.trace, "Trace file (HDF5) written by footprint run")
      ->required();
  report_cmd->add_option("--format", rep.format, "table, csv or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "csv", "json"}));

  auto* bench = app.add_subcommand("bench", "Engine benchmarks");
  bench->require_subcommand(1);
  footprint::bench::PholdConfig phold;
  bool json = false;
  add_phold(*bench, phold, json);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitBadInput;
  }

  try {
    if (*run_cmd) {
      return cmd_run(run);
    }
    if (*check_cmd) {
      return cmd_check(check_path, check_dirs);
    }
    if (*report_cmd) {
      return cmd_report(rep);
    }
    if (bench->got_subcommand("phold")) {
      const auto r = footprint::bench::run_phold(phold);
      std::puts((json ? format_json(phold, r) : format_line(phold, r)).c_str());
      return 0;
    }
    std::puts(app.help().c_str());
    return 0;
  } catch (const footprint::scenario::InputError& e) {
    for (const auto& d : e.diagnostics()) {
      std::string where = d.file;
      if (d.line > 0) {
        where += fmt::format(":{}:{}", d.line, d.column);
      }
      fmt::print(stderr, "{}: error: {}{}\n", where, d.path.empty() ? "" : d.path + ": ",
                 d.message);
    }
    fmt::print(stderr, "footprint: {} problem{} found; nothing was run\n", e.diagnostics().size(),
               e.diagnostics().size() == 1 ? "" : "s");
    return kExitBadInput;
  } catch (const footprint::io::OutputExistsError& e) {
    fmt::print(stderr, "footprint: error: {}\n", e.what());
    return kExitBadInput;
  } catch (const footprint::io::OutputPathError& e) {
    fmt::print(stderr, "footprint: error: {}\n", e.what());
    return kExitBadInput;
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "footprint: error: {}\n", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "footprint: error: {}\n", e.what());
    return kExitFailure;
  }
}
