// PHOLD, the standard benchmark of parallel discrete-event engines, written as an
// ordinary model against the engine's public API.
//
// N LPs start with M events each at lookahead + Exp(mean - lookahead). Each event, on
// arrival, sends one new event: with probability `remote` to a uniformly random LP
// (possibly itself), else to itself, with delay lookahead + Exp(mean - lookahead). Events
// at or after `end` are not processed. Times are in PHOLD's own units; one unit is one
// simulated second here.
#pragma once

#include <cstdint>
#include <string>

#include "sim/engine/stats.hpp"

namespace footprint::bench {

struct PholdConfig {
  std::uint32_t lps = 1024;
  std::uint32_t start_events = 1;
  double end = 1000.0;
  double remote = 0.1;
  double lookahead = 0.1;
  double mean = 1.0;
  std::uint64_t seed = 12345;
  unsigned threads = 0;  ///< 0: all cores
};

struct PholdResult {
  std::uint64_t processed = 0;
  std::uint64_t remote_to_other = 0;
  std::uint64_t pending = 0;
  /// FNV-1a 64 over the per-LP counts of received events, in LP order.
  std::uint64_t fingerprint = 0;
  double run_s = 0;                  ///< host wall-clock seconds of the run (not simulated time)
  double events_per_s = 0;           ///< per host wall-clock second
  std::uint64_t peak_rss_bytes = 0;  ///< of the whole process, after the run
  engine::RunStats stats;
};

/// Throws std::invalid_argument for a configuration PHOLD cannot run.
PholdResult run_phold(const PholdConfig& config);

/// One machine-readable line: key=value pairs.
std::string format_line(const PholdConfig& c, const PholdResult& r);
/// One JSON object.
std::string format_json(const PholdConfig& c, const PholdResult& r);

}  // namespace footprint::bench
