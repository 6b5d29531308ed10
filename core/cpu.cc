// core/cpu.cc: per-CPU state (see cpu.h).
#include "core/cpu.h"

#include "core/kassert.h"
#include "core/kstd/atomic.h"

namespace umach {
namespace {
constinit Cpu g_cpus[Platform::kMaxCpus] = {};
kstd::Atomic<unsigned> g_online{0};
}  // namespace

void Cpu::check_invariants() const {
  kassert(canary == kCanary);
  kassert(self == this);
  kassert(id < Platform::kMaxCpus && &g_cpus[id] == this);
}

namespace {
void prepare_one(unsigned id) {
  Cpu& c = g_cpus[id];
  if (c.canary == Cpu::kCanary) return;
  c.self = &c;
  c.id = id;
  c.canary = Cpu::kCanary;
}
}  // namespace

void cpu_prepare(unsigned count) {
  kassert(count <= Platform::kMaxCpus);
  for (unsigned id = 0; id < count; ++id) prepare_one(id);
}

void cpu_init(unsigned id) {
  kassert(id < Platform::kMaxCpus);
  Cpu& c = g_cpus[id];
  bool first = c.online_once == false;
  prepare_one(id);
  if (first) {
    c.online_once = true;
    g_online.fetch_add(1);
  }
  Platform::set_current_cpu(&c);
  c.check_invariants();
}

Cpu& cpu(unsigned id) {
  kassert(id < Platform::kMaxCpus);
  return g_cpus[id];
}

unsigned cpu_count_online() { return g_online.load(); }

}  // namespace umach
