// Typed errors thrown by the engine. Library code never exits: callers catch these.
#pragma once

#include <stdexcept>

namespace footprint::engine {

/// Base of every engine error.
class EngineError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A message to another LP was sent with a delay below the model's declared lookahead.
class LookaheadError : public EngineError {
 public:
  using EngineError::EngineError;
};

/// The simulation was used wrongly (unknown LP, run after a failure, bad configuration).
class UsageError : public EngineError {
 public:
  using EngineError::EngineError;
};

}  // namespace footprint::engine
