// core/task/cpu_time.h: a duration in nanoseconds as task_info and
// thread_info report it, in both time forms (<mach/time_value.h>).
#pragma once

#include <mach/time_value.h>
#include <stdint.h>

namespace umach {

inline void to_time_values(uint64_t ns, rpc_time_value_t* micro, time_value64_t* nano) {
  constexpr uint64_t kNs = 1'000'000'000;
  *micro = rpc_time_value_t{};
  micro->seconds = static_cast<rpc_long_integer_t>(ns / kNs);
  micro->microseconds = static_cast<integer_t>(ns % kNs / 1000);
  *nano = time_value64_t{};
  nano->seconds = static_cast<int64_t>(ns / kNs);
  nano->nanoseconds = static_cast<int64_t>(ns % kNs);
}

}  // namespace umach
