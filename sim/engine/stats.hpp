// Run statistics of a Simulation.
#pragma once

#include <cstdint>
#include <string>

namespace footprint::engine {

struct RunStats {
  std::uint64_t events = 0;             ///< events processed (handler calls)
  std::uint64_t windows = 0;            ///< lookahead windows executed
  std::uint64_t max_window_events = 0;  ///< most events processed in one window
  std::uint64_t cross_lp_messages = 0;  ///< messages sent to another LP
  std::uint64_t pending = 0;            ///< events still queued when the run stopped
  std::uint64_t rebalances = 0;         ///< times the chunk boundaries moved (parallel path)
  unsigned threads = 1;
  double wall_s = 0;     ///< wall time inside run()
  double process_s = 0;  ///< summed over chunks: handler and queue work
  double deliver_s = 0;  ///< summed over chunks: merging cross-LP messages

  [[nodiscard]] double events_per_window() const {
    return windows == 0 ? 0.0 : static_cast<double>(events) / static_cast<double>(windows);
  }
};

std::string describe(const RunStats& s);

}  // namespace footprint::engine
