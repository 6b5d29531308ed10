// core/thread_annotations.h: clang's -Wthread-safety attributes.
// Every lock is a capability; every guarded field says its lock
// (UMACH_GUARDED_BY); a function that needs a lock held says so
// (UMACH_REQUIRES) and by convention ends in `_locked`.
#pragma once

#define UMACH_TSA(x) __attribute__((x))

#define UMACH_CAPABILITY(name) UMACH_TSA(capability(name))
#define UMACH_SCOPED_CAPABILITY UMACH_TSA(scoped_lockable)
#define UMACH_GUARDED_BY(lock) UMACH_TSA(guarded_by(lock))
#define UMACH_PT_GUARDED_BY(lock) UMACH_TSA(pt_guarded_by(lock))
#define UMACH_REQUIRES(...) UMACH_TSA(requires_capability(__VA_ARGS__))
#define UMACH_EXCLUDES(...) UMACH_TSA(locks_excluded(__VA_ARGS__))
#define UMACH_ACQUIRE(...) UMACH_TSA(acquire_capability(__VA_ARGS__))
#define UMACH_RELEASE(...) UMACH_TSA(release_capability(__VA_ARGS__))
#define UMACH_TRY_ACQUIRE(...) UMACH_TSA(try_acquire_capability(__VA_ARGS__))
#define UMACH_ASSERT_CAPABILITY(x) UMACH_TSA(assert_capability(x))
#define UMACH_RETURN_CAPABILITY(x) UMACH_TSA(lock_returned(x))
#define UMACH_NO_THREAD_SAFETY_ANALYSIS UMACH_TSA(no_thread_safety_analysis)
