// Events: value types with a small typed payload and a total, deterministic order key.
#pragma once

#include <cstdint>

#include "sim/engine/time.hpp"

namespace footprint::engine {

using LpId = std::uint32_t;

template <class Payload>
struct Event {
  SimTime time;
  LpId src = 0;           ///< sending LP
  LpId dst = 0;           ///< receiving LP
  std::uint64_t seq = 0;  ///< the sender's sequence number: (src, seq) is unique
  [[no_unique_address]] Payload payload{};
};

/// Strict total order on (time, src, seq): the order in which an LP receives its events.
/// It does not depend on when or by which thread an event was inserted.
template <class Payload>
constexpr bool before(const Event<Payload>& a, const Event<Payload>& b) {
  if (a.time != b.time) {
    return a.time < b.time;
  }
  if (a.src != b.src) {
    return a.src < b.src;
  }
  return a.seq < b.seq;
}

}  // namespace footprint::engine
