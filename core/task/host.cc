// core/task/host.cc: the host's ports (core/task/host.h).
#include "core/task/host.h"

#include "core/kassert.h"
#include "core/kstd/atomic.h"
#include "core/log.h"
#include "core/platform/platform.h"
#include "core/spinlock.h"
#include "core/task/processor.h"
#include "device/devices.h"
#include "ipc/kobject.h"
#include "vm/default_pager.h"

namespace umach::host {
namespace {
// Set once at boot, before any other CPU or task runs; read-only after.
ipc::Port* g_host_port = nullptr;
ipc::Port* g_host_priv_port = nullptr;
// What the ports stand for: the host has no state of its own yet.
char g_host_object, g_host_priv_object;
char g_version[64];

// The time of day is base_ + clock_ns(), plus the part of the pending
// adjustment applied so far: |adjust_| at kSlewPpm from adjust_start_.
struct TimeOfDay {
  Spinlock lock{LockRank::kHostClock};
  int64_t base UMACH_GUARDED_BY(lock) = 0;
  int64_t adjust UMACH_GUARDED_BY(lock) = 0;
  uint64_t adjust_start UMACH_GUARDED_BY(lock) = 0;

  // The adjustment applied by `now`.
  int64_t applied_locked(uint64_t now) const UMACH_REQUIRES(lock) {
    const uint64_t elapsed = now - adjust_start;
    const int64_t most = static_cast<int64_t>(elapsed > (uint64_t{1} << 52) ? uint64_t{1} << 52 : elapsed) * kSlewPpm /
                         1'000'000;
    if (adjust >= 0) return adjust < most ? adjust : most;
    return -adjust < most ? adjust : -most;
  }
  // Folds what was applied into the base, leaving the rest pending.
  void settle_locked(uint64_t now) UMACH_REQUIRES(lock) {
    const int64_t done = applied_locked(now);
    base += done;
    adjust -= done;
    adjust_start = now;
  }
};
[[clang::no_destroy]] constinit TimeOfDay g_time;
}  // namespace

int64_t time_of_day_ns() {
  SpinlockGuard g(g_time.lock);
  const uint64_t now = Platform::clock_ns();
  return g_time.base + static_cast<int64_t>(now) + g_time.applied_locked(now);
}

void set_time_of_day_ns(int64_t ns) {
  SpinlockGuard g(g_time.lock);
  const uint64_t now = Platform::clock_ns();
  g_time.base = ns - static_cast<int64_t>(now);
  g_time.adjust = 0;
  g_time.adjust_start = now;
}

int64_t adjust_time_of_day_ns(int64_t delta) {
  SpinlockGuard g(g_time.lock);
  const uint64_t now = Platform::clock_ns();
  g_time.settle_locked(now);
  const int64_t left = g_time.adjust;
  g_time.adjust = delta;
  return left;
}

void init(const char* platform) {
  if (g_host_port) return;
  ksnprintf(g_version, sizeof g_version, "umach 0.1 (%s)", platform);
  if (const uint64_t wall = Platform::wall_clock_ns()) set_time_of_day_ns(static_cast<int64_t>(wall));
  auto host = ipc::kobject_port_create(ipc::KObjectType::kHost, &g_host_object);
  auto priv = ipc::kobject_port_create(ipc::KObjectType::kHostPriv, &g_host_priv_object);
  kassert(host.ok() && priv.ok());
  g_host_port = host.value().leak_ref();
  g_host_priv_port = priv.value().leak_ref();
}

const char* kernel_version() { return g_version; }

namespace {
kstd::Atomic<void (*)(int)> g_reboot_hook{nullptr};
}  // namespace

void set_reboot_hook(void (*hook)(int status)) { g_reboot_hook.store(hook, kstd::MemoryOrder::release); }

void reboot(int options) {
  const bool halt = options & kRebootHalt;
  klog("umach: host_reboot: %s\n", halt ? "halting" : "rebooting (the machine stops; its runner restarts it)");
  const int status = halt ? 0 : kRebootStatus;
  if (auto* hook = g_reboot_hook.load(kstd::MemoryOrder::acquire)) return hook(status);
  Platform::poweroff(status);
}

ipc::Port* port() { return g_host_port; }
size_t permanent_ports() {
  return (g_host_port ? 2 : 0) + device::permanent_ports() + processor::permanent_ports() +
         (vm::default_pager_port() ? 1 : 0);
}
ipc::Port* priv_port() { return g_host_priv_port; }

mach_port_name_t self_name(ipc::IpcSpace& space) { return ipc::kobject_send_name(g_host_port, space); }

}  // namespace umach::host
