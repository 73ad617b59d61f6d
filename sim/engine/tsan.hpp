// Happens-before annotations for ThreadSanitizer, for the hand-offs that oneTBB makes
// inside libtbb.so (not built with TSan, so invisible to it): a task body is copied by the
// spawning thread and run by another; a finished task's writes are read after the join.
// They compile to nothing unless the build uses -fsanitize=thread.
#pragma once

#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* addr);  // NOLINT(bugprone-reserved-identifier)
extern "C" void __tsan_release(void* addr);  // NOLINT(bugprone-reserved-identifier)
#endif

namespace footprint::engine {

inline void tsan_acquire([[maybe_unused]] const void* addr) {
#if defined(__SANITIZE_THREAD__)
  __tsan_acquire(const_cast<void*>(addr));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
#endif
}

inline void tsan_release([[maybe_unused]] const void* addr) {
#if defined(__SANITIZE_THREAD__)
  __tsan_release(const_cast<void*>(addr));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
#endif
}

/// First member of an object that oneTBB copies into its own (pooled, reused) task
/// memory: orders this construction after whatever last used the same address and
/// released it (see the owners' destructors).
struct TsanReuse {
  TsanReuse() { tsan_acquire(this); }
  TsanReuse(const TsanReuse& /*other*/) { tsan_acquire(this); }
  TsanReuse& operator=(const TsanReuse&) = default;
  ~TsanReuse() { tsan_release(this); }
};

}  // namespace footprint::engine
