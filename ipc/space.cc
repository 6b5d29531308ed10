// ipc/space.cc: the name table, the chosen-name tree, the reverse map, and
// entries coming and going (ipc/space.h says how names work).
#include "ipc/space.h"

#include "core/kstd/cstring.h"
#include "core/kstd/utility.h"
#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "core/zone.h"
#include "vm/map.h"

namespace umach::ipc {
namespace {
[[clang::no_destroy]] constinit TypedZone<IpcSpace> g_spaces("ipc.space");
[[clang::no_destroy]] constinit TypedZone<IpcEntry> g_entries("ipc.entry");

constexpr uint32_t kFirstTableSize = 64;
constexpr uint32_t kMaxTableSize = 1u << 24;  // index 0xffffff would make MACH_PORT_DEAD

size_t table_pages(uint32_t slots, size_t slot_size) {
  return (static_cast<size_t>(slots) * slot_size + Platform::kPageSize - 1) / Platform::kPageSize;
}
}  // namespace

Result<RefPtr<IpcSpace>> IpcSpace::create() {
  IpcSpace* s = g_spaces.create();
  if (!s) return Error{KERN_RESOURCE_SHORTAGE};
  return RefPtr<IpcSpace>::adopt(s);
}

void IpcSpace::last_reference_dropped(IpcSpace* space) {
  space->terminate();
  g_spaces.destroy(space);
}

IpcSpace::~IpcSpace() {
  canary_.check();
  drop_spare_entry_locked();
  kassert(entries_ == 0 && chosen_names_.empty() && by_object_.empty());
  if (table_) {
    page_allocator().free(Platform::virt_to_phys(table_), table_pages(table_size_, sizeof(Slot)));
  }
  if (map_) map_->unref();
}

void IpcSpace::set_map(vm::VmMap* map) {
  kassert(!map_);
  if (map) map->ref();
  map_ = map;
}

size_t live_spaces() { return g_spaces.live(); }

size_t IpcSpace::entry_count() const {
  SpinlockGuard g(lock);
  return entries_;
}

kern_return_t IpcSpace::grow_table_locked() {
  if (table_size_ >= kMaxTableSize) return KERN_NO_SPACE;
  const uint32_t size = table_size_ ? table_size_ * 2 : kFirstTableSize;
  auto pa = page_allocator().alloc(table_pages(size, sizeof(Slot)));
  if (!pa.ok()) return KERN_RESOURCE_SHORTAGE;
  auto* table = static_cast<Slot*>(Platform::phys_to_virt(pa.value()));
  if (table_) kstd::memcpy(table, table_, table_size_ * sizeof(Slot));
  for (uint32_t i = table_size_; i < size; ++i) table[i] = Slot{nullptr, 0, 1};
  // New slots join the free list lowest index first; index 0 never does,
  // and in the last possible table neither does the index of MACH_PORT_DEAD.
  const uint32_t last = size == kMaxTableSize ? size - 2 : size - 1;
  for (uint32_t i = last; i >= kstd::max<uint32_t>(table_size_, 1); --i) {
    table[i].next_free = free_head_;
    free_head_ = i;
  }
  if (table_) page_allocator().free(Platform::virt_to_phys(table_), table_pages(table_size_, sizeof(Slot)));
  table_ = table;
  table_size_ = size;
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::new_entry_locked(mach_port_name_t chosen, IpcEntry** out) {
  if (!active_) return KERN_INVALID_TASK;
  // The entry the space freed last, if it kept one (an RPC's reply right
  // comes and goes once per call), else a new one.
  IpcEntry* e = spare_entry_ ? kstd::construct_at<IpcEntry>(static_cast<void*>(kstd::exchange(spare_entry_, nullptr)))
                             : g_entries.create();
  if (!e) return KERN_RESOURCE_SHORTAGE;
  if (chosen != MACH_PORT_NULL) {
    e->name = chosen;
    e->in_name_tree = true;
    kassert(chosen_names_.insert(*e));
  } else {
    for (;;) {
      if (free_head_ == 0) {
        if (kern_return_t kr = grow_table_locked(); kr != KERN_SUCCESS) {
          g_entries.destroy(e);
          return kr;
        }
      }
      const uint32_t index = free_head_;
      Slot& slot = table_[index];
      free_head_ = slot.next_free;
      // Skip a generation a chosen name already uses (rare: only tasks that
      // pick names in the table's range meet it).
      for (int tries = 0; tries < 256 && chosen_names_.find(make_name(index, slot.gen)); ++tries) ++slot.gen;
      if (chosen_names_.find(make_name(index, slot.gen))) continue;  // every generation taken: retire the slot
      e->name = make_name(index, slot.gen);
      slot.entry = e;
      break;
    }
  }
  ++entries_;
  *out = e;
  return KERN_SUCCESS;
}

void IpcSpace::drop_spare_entry_locked() {
  if (spare_entry_) g_entries.destroy(kstd::construct_at<IpcEntry>(static_cast<void*>(kstd::exchange(spare_entry_, nullptr))));
}

void IpcSpace::free_entry_locked(IpcEntry* e) {
  kassert(e->type == MACH_PORT_TYPE_NONE && e->object == nullptr && e->urefs == 0 && e->request == nullptr &&
          e->accept == nullptr);
  kassert(!e->object_node.is_linked());
  if (e->in_name_tree) {
    chosen_names_.remove(*e);
  } else {
    const uint32_t index = name_index(e->name);
    Slot& slot = table_[index];
    kassert(slot.entry == e);
    slot.entry = nullptr;
    ++slot.gen;  // the next right in this slot gets a name no stale name matches
    slot.next_free = free_head_;
    free_head_ = index;
  }
  --entries_;
  if (spare_entry_ || !active_) {
    g_entries.destroy(e);
  } else {
    kstd::destroy_at(e);
    spare_entry_ = e;
  }
}

IpcEntry* IpcSpace::entry_of_port_locked(const Port* port) {
  return by_object_.find(reinterpret_cast<uintptr_t>(port));
}

// Keeps the reverse map in step with an entry's rights: a port entry with
// send or receive rights is in it, nothing else is.
void IpcSpace::set_object_locked(IpcEntry* e, IpcObject* object) {
  if (e->object_node.is_linked()) by_object_.remove(*e);
  e->object = object;
  if (object && object->kind() == ObjectKind::kPort &&
      (e->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE)))
    kassert(by_object_.insert(*e));
}

IpcEntry* IpcSpace::lookup_locked(mach_port_name_t name) {
  if (!MACH_PORT_VALID(name)) return nullptr;
  IpcEntry* e = nullptr;
  const uint32_t index = name_index(name);
  if (index < table_size_ && table_[index].entry && table_[index].entry->name == name) e = table_[index].entry;
  else if (!chosen_names_.empty()) e = chosen_names_.find(name);
  if (!e) return nullptr;
  // A send or send-once right to a port that died is a dead name now.
  // (Looked at without the port's lock first: a port that is not dead yet
  // may die the moment after, with the lock or without it.)
  if ((e->type & MACH_PORT_TYPE_SEND_RIGHTS) && !(e->type & MACH_PORT_TYPE_RECEIVE) &&
      e->port()->died_.load(kstd::MemoryOrder::acquire)) {
    Port* port = e->port();
    bool dead;
    {
      SpinlockGuard g(port->lock);
      dead = !port->active_;
      if (dead) {
        if (e->type & MACH_PORT_TYPE_SEND) --port->srights_;
        else --port->sorights_;
      }
    }
    if (dead) {
      if (e->type & MACH_PORT_TYPE_SEND_ONCE) e->urefs = 1;
      // The dead-name notification went out with a reference of its own.
      if (kstd::exchange(e->request, nullptr) && e->urefs < kUrefsMax) ++e->urefs;
      drop_accept_locked(e);
      e->type = MACH_PORT_TYPE_DEAD_NAME;
      set_object_locked(e, nullptr);
      port->unref();
    }
  }
  return e;
}

void IpcSpace::check_invariants() const {
  canary_.check();
  SpinlockGuard g(lock);
  size_t n = 0;
  for (uint32_t i = 0; i < table_size_; ++i) {
    const IpcEntry* e = table_[i].entry;
    if (!e) continue;
    ++n;
    kassert(name_index(e->name) == i && !e->in_name_tree);
  }
  n += chosen_names_.size();
  kassert(n == entries_);
  chosen_names_.check_invariants();
  by_object_.check_invariants();
  // The free list holds only empty slots, and never index 0.
  size_t free_count = 0;
  for (uint32_t i = free_head_; i != 0; i = table_[i].next_free) {
    kassert(i < table_size_ && table_[i].entry == nullptr);
    kassert(++free_count <= table_size_);
  }
}

}  // namespace umach::ipc
