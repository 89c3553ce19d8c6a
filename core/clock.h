// Time comes through a Clock so that tests can control it.
#pragma once

#include <chrono>
#include <cstdint>

namespace lscb {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, Unix seconds.
  virtual int64_t NowSeconds() const = 0;
  // Monotonic time for timeouts and back-off.
  virtual std::chrono::steady_clock::time_point Steady() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowSeconds() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::chrono::steady_clock::time_point Steady() const override { return std::chrono::steady_clock::now(); }
  static const Clock& Instance() {
    static const SystemClock kClock;
    return kClock;
  }
};

}  // namespace lscb
