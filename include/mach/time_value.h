/* mach/time_value.h: time values as the user API reports them.
 *
 * time_value_t and rpc_time_value_t are both 16 bytes on LP64 (64-bit
 * seconds, 32-bit microseconds, 4 bytes of padding); time_value64_t is
 * 64-bit seconds and 64-bit nanoseconds. The *_add/_sub macros keep the
 * sub-second field normalised (0 <= it < one second). C and C++. */
#ifndef _MACH_TIME_VALUE_H_
#define _MACH_TIME_VALUE_H_

#include <mach/machine/vm_types.h>

struct rpc_time_value {
  rpc_long_integer_t seconds;
  integer_t microseconds;
};
typedef struct rpc_time_value rpc_time_value_t;

struct time_value {
  long_integer_t seconds;
  integer_t microseconds;
};
typedef struct time_value time_value_t;

struct time_value64 {
  int64_t seconds;
  int64_t nanoseconds;
};
typedef struct time_value64 time_value64_t;

#define TIME_MICROS_MAX (1000000)
#define TIME_NANOS_MAX (1000000000)

#define time_value_add_usec(val, micros)                  \
  do {                                                    \
    if (((val)->microseconds += (micros)) >= TIME_MICROS_MAX) { \
      (val)->microseconds -= TIME_MICROS_MAX;             \
      (val)->seconds++;                                   \
    }                                                     \
  } while (0)

#define time_value_sub_usec(val, micros)            \
  do {                                              \
    if (((val)->microseconds -= (micros)) < 0) {    \
      (val)->microseconds += TIME_MICROS_MAX;       \
      (val)->seconds--;                             \
    }                                               \
  } while (0)

#define time_value_add(result, addend)                       \
  do {                                                       \
    (result)->seconds += (addend)->seconds;                  \
    time_value_add_usec((result), (addend)->microseconds);   \
  } while (0)

#define time_value_sub(result, subtrahend)                     \
  do {                                                         \
    (result)->seconds -= (subtrahend)->seconds;                \
    time_value_sub_usec((result), (subtrahend)->microseconds); \
  } while (0)

#define time_value64_add_nanos(val, nanos)                      \
  do {                                                          \
    if (((val)->nanoseconds += (nanos)) >= TIME_NANOS_MAX) {    \
      (val)->nanoseconds -= TIME_NANOS_MAX;                     \
      (val)->seconds++;                                         \
    }                                                           \
  } while (0)

#define time_value64_sub_nanos(val, nanos)          \
  do {                                              \
    if (((val)->nanoseconds -= (nanos)) < 0) {      \
      (val)->nanoseconds += TIME_NANOS_MAX;         \
      (val)->seconds--;                             \
    }                                               \
  } while (0)

#define time_value64_add(result, addend)                      \
  do {                                                        \
    (result)->seconds += (addend)->seconds;                   \
    time_value64_add_nanos((result), (addend)->nanoseconds);  \
  } while (0)

#define time_value64_sub(result, subtrahend)                     \
  do {                                                           \
    (result)->seconds -= (subtrahend)->seconds;                  \
    time_value64_sub_nanos((result), (subtrahend)->nanoseconds); \
  } while (0)

#define time_value64_add_usec(val, micros) time_value64_add_nanos((val), (int64_t)(micros) * 1000)
#define time_value64_sub_usec(val, micros) time_value64_sub_nanos((val), (int64_t)(micros) * 1000)

/* Conversions to and from a struct timespec (any type with tv_sec/tv_nsec). */
#define TIME_VALUE_TO_TIMESPEC(tv, ts)            \
  do {                                            \
    (ts)->tv_sec = (tv)->seconds;                 \
    (ts)->tv_nsec = (tv)->microseconds * 1000;    \
  } while (0)
#define TIMESPEC_TO_TIME_VALUE(tv, ts)            \
  do {                                            \
    (tv)->seconds = (ts)->tv_sec;                 \
    (tv)->microseconds = (ts)->tv_nsec / 1000;    \
  } while (0)
#define TIME_VALUE64_TO_TIMESPEC(tv, ts)  \
  do {                                    \
    (ts)->tv_sec = (tv)->seconds;         \
    (ts)->tv_nsec = (tv)->nanoseconds;    \
  } while (0)
#define TIMESPEC_TO_TIME_VALUE64(tv, ts)  \
  do {                                    \
    (tv)->seconds = (ts)->tv_sec;         \
    (tv)->nanoseconds = (ts)->tv_nsec;    \
  } while (0)

/* The clock page the kernel may map read-only into a task: read seconds,
 * then the sub-second field, then check_seconds; retry if they differ. The
 * 64-bit clock follows the 32-bit one. */
typedef struct mapped_time_value {
  integer_t seconds;
  integer_t microseconds;
  integer_t check_seconds;
  struct time_value64 time_value;
  int64_t check_seconds64;
} mapped_time_value_t;

#endif /* _MACH_TIME_VALUE_H_ */
