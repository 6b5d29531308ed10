// vm/dot.cc: see dot.h.
#include "vm/dot.h"

#include <stdarg.h>

#include "core/log.h"
#include "vm/pager.h"

namespace umach::vm {
namespace {

class Out {
 public:
  Out(char* buf, size_t cap) : buf_(buf), cap_(cap) {
    if (cap_) buf_[0] = 0;
  }
  void operator()(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    size_t room = len_ < cap_ ? cap_ - len_ : 0;
    va_list ap;
    va_start(ap, fmt);
    len_ += kvsnprintf(room ? buf_ + len_ : nullptr, room, fmt, ap);
    va_end(ap);
  }
  size_t len() const { return len_; }

 private:
  char* buf_;
  size_t cap_;
  size_t len_ = 0;
};

const char* prot_str(unsigned p) {
  static const char* const names[] = {"---", "r--", "-w-", "rw-", "--x", "r-x", "-wx", "rwx"};
  return names[p & 7];
}

const char* strategy_str(int s) {
  switch (s) {
    case MEMORY_OBJECT_COPY_NONE: return "none";
    case MEMORY_OBJECT_COPY_CALL: return "call";
    case MEMORY_OBJECT_COPY_DELAY: return "delay";
    default: return "temporary";
  }
}

// Each object once: a small visited list (dumps are for debugging; chains
// are short and maps modest).
constexpr size_t kMaxObjects = 512;

}  // namespace

size_t dump_dot(VmMap& map, char* buf, size_t cap) {
  Out out(buf, cap);
  SpinlockGuard hold(g_vm_lock);
  const VmObject* seen[kMaxObjects];
  size_t nseen = 0;
  auto visit = [&](VmObject* o) {
    for (size_t i = 0; i < nseen; ++i)
      if (seen[i] == o) return false;
    if (nseen < kMaxObjects) seen[nseen++] = o;
    return true;
  };
  out("digraph vm_map {\n  rankdir=LR;\n  node [shape=box, fontname=monospace];\n");
  for (VmMapEntry* e = map.first(); e; e = map.next(*e)) {
    out("  e%llx [label=\"%llx-%llx %s/%s%s%s%s\"];\n", (unsigned long long)e->start, (unsigned long long)e->start,
        (unsigned long long)e->end, prot_str(e->protection), prot_str(e->max_protection),
        e->needs_copy ? " needs_copy" : "", e->is_shared ? " shared" : "", e->wired_count ? " wired" : "");
    if (!e->object) continue;
    out("  e%llx -> o%u [label=\"+%llx\"];\n", (unsigned long long)e->start, e->object->id(),
        (unsigned long long)e->offset);
    for (VmObject* o = e->object; o && visit(o); o = o->shadow()) {
      // Paging state: pages whose contents are in swap only, pages newer
      // than what a pager or the swap has, a pager's precious and locked ones.
      size_t out_pages = 0, dirty = 0, precious = 0, locked = 0;
      o->for_each_page([&](const VmPage& p) {
        out_pages += p.pa == 0;
        dirty += p.dirty;
        precious += p.precious;
        locked += p.page_lock != 0;
      });
      out("  o%u [shape=ellipse, label=\"object %u\\n%llu KiB, %zu pages (%zu paged out, %zu dirty)\\n%s, refs %u\"];\n",
          o->id(), o->id(), (unsigned long long)(o->size() >> 10), o->resident_count(), out_pages, dirty,
          strategy_str(o->copy_strategy()), o->ref_count());
      if (const Pager* pg = o->pager()) {
        out("  p%u [shape=hexagon, label=\"pager\\n%s%s, declared %s\\n%zu requests in flight\\n%zu precious, %zu locked\"];\n",
            o->id(), pg->dead ? "dead" : pg->ready ? "ready" : "not ready", pg->may_cache ? ", may cache" : "",
            strategy_str(pg->strategy), pg->requests.size(), precious, locked);
        out("  o%u -> p%u [style=bold, label=\"pager\"];\n", o->id(), o->id());
      }
      if (o->shadow() && o->pager()) {
        // A COPY_CALL copy's object: it reads through to the source only
        // where its pager answered data_unavailable.
        size_t absent = 0;
        for (const AbsentRange* r = o->pager()->absent.lower_bound(0); r; r = o->pager()->absent.next(*r))
          absent += static_cast<size_t>((r->end - r->start) / kPageSize);
        out("  o%u -> o%u [style=bold, label=\"copy (call) of +%llx\\n%zu pages read through\"];\n", o->id(),
            o->shadow()->id(), (unsigned long long)o->shadow_offset(), absent);
      } else if (o->shadow()) {
        out("  o%u -> o%u [label=\"shadow +%llx\"];\n", o->id(), o->shadow()->id(),
            (unsigned long long)o->shadow_offset());
      }
      if (o->copy()) out("  o%u -> o%u [style=dashed, label=\"copy\"];\n", o->id(), o->copy()->id());
    }
  }
  out("}\n");
  return out.len();
}

}  // namespace umach::vm

extern "C" void vm_dump_dot_for_gdb(umach::vm::VmMap* map) {
  static char buf[64 << 10];
  size_t n = umach::vm::dump_dot(*map, buf, sizeof buf);
  umach::klog("%s%s", buf, n >= sizeof buf ? "... (cut)\n" : "");
}
