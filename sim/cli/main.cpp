// footprint: the command-line program.
//
// Exit codes: 0 success; 1 a failure while running; 2 bad input (flags, files).
#include <cstdio>
#include <exception>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "footprint/version.hpp"
#include "sim/bench/phold.hpp"
#include "sim/engine/errors.hpp"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitBadInput = 2;

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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Footprint: a parallel discrete-event simulator of ML datacenters' energy and emissions"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", fmt::format("footprint {} (commit {})", footprint::kVersion,
                                                footprint::kGitCommit));
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
    if (bench->got_subcommand("phold")) {
      const auto r = footprint::bench::run_phold(phold);
      std::puts((json ? format_json(phold, r) : format_line(phold, r)).c_str());
      return 0;
    }
    std::puts(app.help().c_str());
    return 0;
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "footprint: error: {}\n", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "footprint: error: {}\n", e.what());
    return kExitFailure;
  }
}
