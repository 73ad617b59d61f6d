#include "sim/engine/stats.hpp"

#include <fmt/format.h>

namespace footprint::engine {

std::string describe(const RunStats& s) {
  return fmt::format(
      "events={} windows={} events_per_window={:.1f} max_window_events={} cross_lp={} "
      "pending={} threads={} rebalances={} wall_s={:.4f} process_s={:.4f} deliver_s={:.4f}",
      s.events, s.windows, s.events_per_window(), s.max_window_events, s.cross_lp_messages,
      s.pending, s.threads, s.rebalances, s.wall_s, s.process_s, s.deliver_s);
}

}  // namespace footprint::engine
