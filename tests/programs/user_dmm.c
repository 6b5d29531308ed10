/* tests/programs/user_dmm.c: user_dmm HOST_PRIV_NAME HOG_PAGES STORE_PAGES
 * A user default memory manager (GNU Mach's "Default Memory Manager":
 * vm_set_default_memory_manager, memory_object_create,
 * memory_object_data_initialize) and the memory it manages, in one task.
 *
 * A server thread keeps the pages the kernel pushes out of anonymous
 * memory in a store of STORE_PAGES (hex) pages, keyed by (object, offset),
 * and gives them back when faults ask (data_request). The main thread
 * installs the manager, then writes and reads back a region (the hog) of
 * HOG_PAGES (hex) pages, twice. The store is wired, so with the hog it
 * must exceed free memory: the hog's pages go out to the store and come
 * back. A store of at least the hog's size cannot overflow, whatever
 * pages pageout picks. Then it puts the previous manager (the kernel's)
 * back and frees the hog, whose objects must still terminate here.
 *
 * Deadlock rule: the server thread must never fault on a page that went
 * out to itself. So before the manager is installed, everything the task
 * has but the hog is wired: code, data, the main stack, the store and its
 * index, the server's stack, the message buffers (static); and
 * vm_wire_all(VM_WIRE_FUTURE) wires what comes later: each page it
 * supplies (a fresh vm_allocate, sent with dealloc) and the regions the
 * kernel sends it (GNU Mach's vm_map_copyout wires those of such a map).
 * The hog is allocated first, untouched, so that it alone stays pageable.
 *
 * Every wait is bounded (receive timeouts); only the main thread prints,
 * one line per check, "name: ok" or "name: FAILED", and a verdict line. */
#include <mach.h>
#include <mach_init.h>
#include <mach/gnumach.h>
#include <mach/mach_host.h>
#include <mach/memory_object_default_server.h>
#include <mach/memory_object_server.h>
#include <mach/vm_wire.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../examples/thread_start.h"

enum {
  kMaxObjects = 256,
  kPollMs = 10,            /* the server's receive timeout: how soon it sees stop */
  kStopMs = 3000,          /* for the server to end */
  kTerminateMs = 10000,    /* for the objects' terminates after the hog goes */
  kReplyMs = 5000,         /* for the hand-built RPC's reply */
  kAllocateTries = 2000,   /* 1 ms apart: for a page to supply */
  kSetManagerId = 2041,    /* vm_set_default_memory_manager (mach.defs) */
};

static int failures;
static void pause_ms(unsigned ms);

static void check(const char *what, int ok) {
  if (!ok) ++failures;
  printf("%s: %s\n", what, ok ? "ok" : "FAILED");
}

/* ---- What the server thread saw (read by the main thread) ---- */

static volatile struct {
  int creates;           /* memory_object_create */
  int bad_page_sizes;    /*   with another page size than ours */
  int initializes;       /* memory_object_data_initialize, a page each */
  int initialize_kept;   /*   for a page the store had: ignored (the manual) */
  int returns;           /* memory_object_data_return, a page each */
  int requests;          /* memory_object_data_request, a page each: */
  int supplied;          /*   answered with data_supply */
  int unavailable;       /*   answered with data_unavailable */
  int terminates;        /* memory_object_terminate of an object it had */
  int terminate_rights;  /*   with both rights received as receive rights */
  int overflows;         /* a page the store had no room for (lost) */
  int errors;            /* a call the server made failed */
  int unexpected;        /* anything else: unknown objects, ids, calls */
} g_log;

#define COUNT(field) __atomic_load_n(&g_log.field, __ATOMIC_ACQUIRE)

static void count(volatile int *counter) { __atomic_fetch_add(counter, 1, __ATOMIC_RELEASE); }

static void must(kern_return_t kr) {
  if (kr != KERN_SUCCESS) count(&g_log.errors);
}

/* ---- The store: pages by (object, offset), in wired memory ----
 * Only the server thread touches it. Chained hashing, so that terminate
 * can free an object's slots; a free list of slots. Links are slot
 * indices plus one (0 ends a chain). */

struct slot {
  vm_offset_t offset;
  mach_port_t object;
  unsigned next;
};

static char *g_pages;        /* g_nslots pages */
static struct slot *g_slots; /* g_nslots */
static unsigned *g_buckets;  /* g_bucket_mask + 1 chain heads */
static unsigned g_nslots, g_bucket_mask, g_free;
static vm_address_t g_store;
static vm_size_t g_store_size;

static kern_return_t store_make(unsigned pages) {
  unsigned buckets = 1;
  while (buckets < pages) buckets <<= 1;
  const vm_size_t data = (vm_size_t)pages * vm_page_size;
  const vm_size_t meta = (vm_size_t)pages * sizeof(struct slot) + buckets * sizeof(unsigned);
  g_store_size = data + (meta + vm_page_size - 1) / vm_page_size * vm_page_size;
  kern_return_t kr = vm_allocate(mach_task_self(), &g_store, g_store_size, TRUE);
  if (kr != KERN_SUCCESS) return kr;
  g_pages = (char *)g_store;
  g_slots = (struct slot *)(g_store + data);
  g_buckets = (unsigned *)(g_slots + pages);
  g_nslots = pages;
  g_bucket_mask = buckets - 1;
  for (unsigned i = 0; i < pages; ++i) g_slots[i].next = i + 1 < pages ? i + 2 : 0;
  g_free = 1;
  return KERN_SUCCESS;
}

static unsigned *bucket_of(mach_port_t object, vm_offset_t offset) {
  uint64_t h = ((uint64_t)object << 40 ^ offset / vm_page_size) * 0x9e3779b97f4a7c15ull;
  return &g_buckets[(h >> 32) & g_bucket_mask];
}

/* The page stored for (object, offset), or null. */
static char *store_find(mach_port_t object, vm_offset_t offset) {
  for (unsigned s = *bucket_of(object, offset); s; s = g_slots[s - 1].next)
    if (g_slots[s - 1].object == object && g_slots[s - 1].offset == offset) return g_pages + (vm_size_t)(s - 1) * vm_page_size;
  return 0;
}

/* Keeps a copy of `data` for (object, offset); a page already there is
 * replaced only if `replace`. */
static void store_put(mach_port_t object, vm_offset_t offset, const char *data, int replace) {
  char *page = store_find(object, offset);
  if (page && !replace) {
    count(&g_log.initialize_kept);
    return;
  }
  if (!page) {
    if (!g_free) {
      count(&g_log.overflows);
      return;
    }
    const unsigned s = g_free;
    struct slot *slot = &g_slots[s - 1];
    g_free = slot->next;
    unsigned *head = bucket_of(object, offset);
    slot->object = object;
    slot->offset = offset;
    slot->next = *head;
    *head = s;
    page = g_pages + (vm_size_t)(s - 1) * vm_page_size;
  }
  memcpy(page, data, vm_page_size);
}

/* Frees every slot of `object`. */
static void store_drop(mach_port_t object) {
  for (unsigned b = 0; b <= g_bucket_mask; ++b) {
    unsigned *link = &g_buckets[b];
    while (*link) {
      const unsigned s = *link;
      struct slot *slot = &g_slots[s - 1];
      if (slot->object != object) {
        link = &slot->next;
        continue;
      }
      *link = slot->next;
      slot->next = g_free;
      g_free = s;
    }
  }
}

/* ---- The objects the kernel gave (memory_object_create) ---- */

struct object {
  mach_port_t port; /* its receive right; MACH_PORT_NULL: a free entry */
  mach_port_t control, name;
};
static struct object g_objects[kMaxObjects];
static mach_port_t g_dmm = MACH_PORT_NULL; /* the manager's port */
static mach_port_t g_set = MACH_PORT_NULL; /* g_dmm and every object's port */

static struct object *object_of(mach_port_t port) {
  for (int i = 0; i < kMaxObjects; ++i)
    if (g_objects[i].port == port && port != MACH_PORT_NULL) return &g_objects[i];
  return 0;
}

/* ---- What the kernel asks (memory_object_default, memory_object) ----
 * A KERN_SUCCESS answer means the routine took the request's rights and
 * memory; any other has the dispatcher destroy them. */

kern_return_t memory_object_create(mach_port_t manager, mach_port_t object, vm_size_t size, mach_port_t control,
                                   mach_port_t name, vm_size_t page_size) {
  (void)size;
  struct object *o = 0;
  for (int i = 0; i < kMaxObjects && !o; ++i)
    if (g_objects[i].port == MACH_PORT_NULL) o = &g_objects[i];
  if (manager != g_dmm || !o) {
    count(&g_log.unexpected);
    return KERN_FAILURE;
  }
  if (page_size != vm_page_size) count(&g_log.bad_page_sizes);
  o->port = object;
  o->control = control; /* kept for the object's life: its calls go there */
  o->name = name;
  must(mach_port_move_member(mach_task_self(), object, g_set));
  count(&g_log.creates);
  return KERN_SUCCESS;
}

/* Pages the kernel pushes out; `replace`: data_return's (newer than what
 * the store has), not data_initialize's (the manual: ignored if the
 * manager has the page already). */
static kern_return_t take_pages(mach_port_t object, mach_port_t control, vm_offset_t offset, vm_offset_t data,
                                vm_size_t size, int replace) {
  if (!object_of(object) || size % vm_page_size || offset % vm_page_size) return KERN_FAILURE;
  for (vm_size_t done = 0; done < size; done += vm_page_size) {
    store_put(object, offset + done, (const char *)data + done, replace);
    count(replace ? &g_log.returns : &g_log.initializes);
  }
  must(vm_deallocate(mach_task_self(), data, size));
  /* Each message brings a send right for control (MAKE_SEND): create's is the one kept. */
  must(mach_port_deallocate(mach_task_self(), control));
  return KERN_SUCCESS;
}

kern_return_t memory_object_data_initialize(mach_port_t object, mach_port_t control, vm_offset_t offset,
                                            vm_offset_t data, mach_msg_type_number_t size) {
  kern_return_t kr = take_pages(object, control, offset, data, size, 0);
  if (kr != KERN_SUCCESS) count(&g_log.unexpected);
  return kr;
}

kern_return_t memory_object_data_return(mach_port_t object, mach_port_t control, vm_offset_t offset,
                                        vm_offset_t data, mach_msg_type_number_t size, boolean_t dirty,
                                        boolean_t kernel_copy) {
  (void)dirty, (void)kernel_copy;
  kern_return_t kr = take_pages(object, control, offset, data, size, 1);
  if (kr != KERN_SUCCESS) count(&g_log.unexpected);
  return kr;
}

/* A page from the store (a fresh region, sent with dealloc: it leaves with
 * the message), or data_unavailable for one it never had (zeros). */
static kern_return_t answer(mach_port_t object, mach_port_t control, vm_offset_t offset) {
  const char *page = store_find(object, offset);
  if (!page) {
    count(&g_log.unavailable);
    return memory_object_data_unavailable(control, offset, vm_page_size);
  }
  /* Wired at once (VM_WIRE_FUTURE), so it may find memory short while
   * the faults pageout serves free it: try again for a while rather than
   * leave the fault waiting. */
  vm_address_t copy = 0;
  kern_return_t kr = vm_allocate(mach_task_self(), &copy, vm_page_size, TRUE);
  for (int tries = 0; kr != KERN_SUCCESS && tries < kAllocateTries; ++tries) {
    pause_ms(1);
    kr = vm_allocate(mach_task_self(), &copy, vm_page_size, TRUE);
  }
  if (kr != KERN_SUCCESS) return kr;
  memcpy((void *)copy, page, vm_page_size);
  kr = memory_object_data_supply(control, offset, copy, (mach_msg_type_number_t)vm_page_size, TRUE, VM_PROT_NONE,
                                 FALSE, MACH_PORT_NULL);
  if (kr != KERN_SUCCESS) {
    (void)vm_deallocate(mach_task_self(), copy, vm_page_size);
    return kr;
  }
  count(&g_log.supplied);
  return KERN_SUCCESS;
}

kern_return_t memory_object_data_request(mach_port_t object, mach_port_t control, vm_offset_t offset,
                                         vm_size_t length, vm_prot_t access) {
  (void)access;
  if (!object_of(object) || length % vm_page_size || offset % vm_page_size) {
    count(&g_log.unexpected);
    return KERN_FAILURE;
  }
  for (vm_size_t done = 0; done < length; done += vm_page_size) {
    count(&g_log.requests);
    must(answer(object, control, offset + done));
  }
  must(mach_port_deallocate(mach_task_self(), control));
  return KERN_SUCCESS;
}

/* The object is gone: its pages, ports and entry go. The control and name
 * rights arrive as receive rights, joining create's send rights under the
 * same names: destroying the names ends both. */
kern_return_t memory_object_terminate(mach_port_t object, mach_port_t control, mach_port_t name) {
  struct object *o = object_of(object);
  if (!o) {
    count(&g_log.unexpected);
    return KERN_FAILURE;
  }
  mach_port_type_t control_type = 0, name_type = 0;
  (void)mach_port_type(mach_task_self(), control, &control_type);
  (void)mach_port_type(mach_task_self(), name, &name_type);
  if ((control_type & MACH_PORT_TYPE_RECEIVE) && (name_type & MACH_PORT_TYPE_RECEIVE) && control == o->control &&
      name == o->name)
    count(&g_log.terminate_rights);
  store_drop(object);
  must(mach_port_destroy(mach_task_self(), control));
  if (name != control) must(mach_port_destroy(mach_task_self(), name));
  must(mach_port_destroy(mach_task_self(), object));
  o->port = MACH_PORT_NULL;
  count(&g_log.terminates);
  return KERN_SUCCESS;
}

/* Pages are supplied unlocked, so an unlock is unexpected; granting it
 * keeps the faulting thread from waiting for good. */
kern_return_t memory_object_data_unlock(mach_port_t object, mach_port_t control, vm_offset_t offset,
                                        vm_size_t length, vm_prot_t access) {
  (void)object, (void)access;
  count(&g_log.unexpected);
  must(memory_object_lock_request(control, offset, length, MEMORY_OBJECT_RETURN_NONE, FALSE, VM_PROT_NONE,
                                  MACH_PORT_NULL));
  must(mach_port_deallocate(mach_task_self(), control));
  return KERN_SUCCESS;
}

/* Never asked of a default manager's objects (create needs no init, and
 * no call here gives a reply port). */
kern_return_t memory_object_init(mach_port_t object, mach_port_t control, mach_port_t name, vm_size_t page_size) {
  (void)object, (void)control, (void)name, (void)page_size;
  count(&g_log.unexpected);
  return KERN_FAILURE;
}

kern_return_t memory_object_copy(mach_port_t object, mach_port_t control, vm_offset_t offset, vm_size_t length,
                                 mach_port_t new_object) {
  (void)object, (void)control, (void)offset, (void)length, (void)new_object;
  count(&g_log.unexpected);
  return KERN_FAILURE;
}

kern_return_t memory_object_lock_completed(mach_port_t object, mach_port_t control, vm_offset_t offset,
                                           vm_size_t length) {
  (void)object, (void)control, (void)offset, (void)length;
  count(&g_log.unexpected);
  return KERN_FAILURE;
}

kern_return_t memory_object_supply_completed(mach_port_t object, mach_port_t control, vm_offset_t offset,
                                             vm_size_t length, kern_return_t result, vm_offset_t error_offset) {
  (void)object, (void)control, (void)offset, (void)length, (void)result, (void)error_offset;
  count(&g_log.unexpected);
  return KERN_FAILURE;
}

kern_return_t memory_object_change_completed(mach_port_t object, boolean_t may_cache,
                                             memory_object_copy_strategy_t strategy) {
  (void)object, (void)may_cache, (void)strategy;
  count(&g_log.unexpected);
  return KERN_FAILURE;
}

/* ---- The server thread ---- */

static union {
  mach_msg_header_t head;
  char bytes[1024];
} g_in;
static union {
  mig_reply_header_t reply;
  char bytes[1024];
} g_out;
static volatile int g_stop, g_server_ended;
static thread_t g_server = MACH_PORT_NULL;
static vm_address_t g_server_stack;

static void dispatch(void) {
  const boolean_t known = memory_object_default_server_routine(&g_in.head)
                              ? memory_object_default_server(&g_in.head, &g_out.reply.Head)
                              : memory_object_server(&g_in.head, &g_out.reply.Head);
  const kern_return_t rc = g_out.reply.RetCode;
  if (!known) count(&g_log.unexpected);
  if (rc == MIG_NO_REPLY) return;
  if (rc != KERN_SUCCESS) {
    /* Not taken: release what the request carried, but keep the reply
     * port for the error reply. */
    const mach_port_t reply_port = g_in.head.msgh_remote_port;
    g_in.head.msgh_remote_port = MACH_PORT_NULL;
    mach_msg_destroy(&g_in.head);
    g_in.head.msgh_remote_port = reply_port;
  }
  if (MACH_PORT_VALID(g_out.reply.Head.msgh_remote_port) &&
      mach_msg(&g_out.reply.Head, MACH_SEND_MSG | MACH_SEND_TIMEOUT, g_out.reply.Head.msgh_size, 0, MACH_PORT_NULL, 0,
               MACH_PORT_NULL) != MACH_MSG_SUCCESS)
    mach_msg_destroy(&g_out.reply.Head);
}

static void serve(long unused) {
  (void)unused;
  while (!__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE)) {
    mach_msg_return_t mr =
        mach_msg(&g_in.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof g_in, g_set, kPollMs, MACH_PORT_NULL);
    if (mr == MACH_MSG_SUCCESS)
      dispatch();
    else if (mr != MACH_RCV_TIMED_OUT && mr != MACH_RCV_INTERRUPTED)
      count(&g_log.unexpected);
  }
  __atomic_store_n(&g_server_ended, 1, __ATOMIC_RELEASE);
  (void)thread_terminate(mach_thread_self());
}

/* ---- The main thread's helpers ---- */

static mach_port_t g_sleep = MACH_PORT_NULL; /* never gets a message */

static void pause_ms(unsigned ms) {
  mach_msg_header_t h;
  (void)mach_msg(&h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof h, g_sleep, ms, MACH_PORT_NULL);
}

/* Waits until *counter >= *target, at most `ms` ms: 1 if it got there. */
static int wait_until(volatile int *counter, volatile int *target, unsigned ms) {
  for (unsigned waited = 0;; waited += 5) {
    if (__atomic_load_n(counter, __ATOMIC_ACQUIRE) >= __atomic_load_n(target, __ATOMIC_ACQUIRE)) return 1;
    if (waited >= ms) return 0;
    pause_ms(5);
  }
}

/* vm_set_default_memory_manager with `*manager` given by COPY_SEND. The
 * MIG stub makes a send right (mach_port_make_send_t), which needs the
 * receive right: a manager known only by a send right (the kernel's, once
 * replaced) can be put back only by a message built by hand; the kernel
 * sees the same PORT_SEND either way. */
static kern_return_t set_manager_by_send_right(mach_port_t host_priv, mach_port_t *manager) {
  union {
    struct {
      mach_msg_header_t head;
      mach_msg_type_t manager_type;
      rpc_uintptr_t manager;
    } request;
    struct {
      mig_reply_header_t head;
      mach_msg_type_t manager_type;
      rpc_uintptr_t manager;
    } reply;
    char bytes[256];
  } m;
  mach_port_t reply = MACH_PORT_NULL;
  kern_return_t kr = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &reply);
  if (kr != KERN_SUCCESS) return kr;
  memset(&m, 0, sizeof m);
  m.request.head.msgh_bits =
      MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) | MACH_MSGH_BITS_COMPLEX;
  m.request.head.msgh_size = sizeof m.request;
  m.request.head.msgh_remote_port = host_priv;
  m.request.head.msgh_local_port = reply;
  m.request.head.msgh_id = kSetManagerId;
  m.request.manager_type.msgt_name = MACH_MSG_TYPE_COPY_SEND;
  m.request.manager_type.msgt_size = 64;
  m.request.manager_type.msgt_number = 1;
  m.request.manager_type.msgt_inline = 1;
  m.request.manager = *manager;
  kr = mach_msg(&m.request.head, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, sizeof m.request, sizeof m, reply,
                kReplyMs, MACH_PORT_NULL);
  if (kr == KERN_SUCCESS) {
    if (m.reply.head.Head.msgh_id != kSetManagerId + 100 || m.reply.head.Head.msgh_size < sizeof m.reply.head) {
      mach_msg_destroy(&m.reply.head.Head);
      kr = MIG_REPLY_MISMATCH;
    } else if ((kr = m.reply.head.RetCode) == KERN_SUCCESS) {
      if (m.reply.head.Head.msgh_size == sizeof m.reply && m.reply.manager_type.msgt_name == MACH_MSG_TYPE_PORT_SEND)
        *manager = (mach_port_t)m.reply.manager;
      else
        mach_msg_destroy(&m.reply.head.Head), kr = MIG_TYPE_ERROR;
    }
  }
  (void)mach_port_destroy(mach_task_self(), reply);
  return kr;
}

/* Word `word` of hog page `page` in pass `pass`: three words a page are
 * written (the first, the last and one between that moves with the
 * page); the rest stay zero. */
static unsigned middle_word(unsigned long page) { return 1 + (unsigned)(page % (vm_page_size / 8 - 2)); }

static uint64_t pattern(unsigned long page, int pass, unsigned word) {
  return (uint64_t)(0xd0 + pass) << 56 | (uint64_t)page << 16 | word;
}

static void write_pass(vm_address_t hog, unsigned long pages, int pass) {
  const unsigned last = (unsigned)(vm_page_size / 8 - 1);
  for (unsigned long p = 0; p < pages; ++p) {
    volatile uint64_t *w = (volatile uint64_t *)(hog + p * vm_page_size);
    w[0] = pattern(p, pass, 0);
    w[middle_word(p)] = pattern(p, pass, middle_word(p));
    w[last] = pattern(p, pass, last);
  }
}

/* Reads every word back, newest page first: the resident pages, then
 * those that went out (each read evicts one of the pages read already,
 * oldest first). Returns whether all held. */
static int verify_pass(vm_address_t hog, unsigned long pages, int pass) {
  const unsigned words = (unsigned)(vm_page_size / 8);
  int ok = 1;
  for (unsigned long p = pages; p-- > 0;) {
    const volatile uint64_t *w = (const volatile uint64_t *)(hog + p * vm_page_size);
    const unsigned middle = middle_word(p);
    for (unsigned i = 0; i < words; ++i) {
      const int written = i == 0 || i == middle || i == words - 1;
      ok &= w[i] == (written ? pattern(p, pass, i) : 0);
    }
  }
  return ok;
}

/* ---- The run ---- */

/* Wires everything the task has now but [hog, hog_end), and all that it
 * maps from now on. VM_WIRE_FUTURE comes first: without VM_WIRE_CURRENT
 * the call also unwires what is wired. */
static kern_return_t wire_all_but(mach_port_t host_priv, vm_address_t hog, vm_address_t hog_end) {
  const mach_port_t self = mach_task_self();
  kern_return_t kr = vm_wire_all(host_priv, self, VM_WIRE_FUTURE);
  vm_address_t at = 0;
  vm_size_t size = 0;
  for (; kr == KERN_SUCCESS; at += size) {
    vm_prot_t prot, max_prot;
    vm_inherit_t inheritance;
    boolean_t shared;
    mach_port_t name = MACH_PORT_NULL;
    vm_offset_t offset;
    if (vm_region(self, &at, &size, &prot, &max_prot, &inheritance, &shared, &name, &offset) != KERN_SUCCESS)
      return KERN_SUCCESS; /* no region left */
    if (name != MACH_PORT_NULL) (void)mach_port_deallocate(self, name);
    const vm_prot_t access = prot & (VM_PROT_READ | VM_PROT_WRITE);
    if (access == VM_PROT_NONE) continue; /* guard pages */
    /* The hog may share an entry with a neighbour: wire around it. */
    const vm_address_t end = at + size;
    if (at < hog) kr = vm_wire(host_priv, self, at, (end < hog ? end : hog) - at, access);
    if (kr == KERN_SUCCESS && end > hog_end) {
      const vm_address_t from = at > hog_end ? at : hog_end;
      kr = vm_wire(host_priv, self, from, end - from, access);
    }
  }
  return kr;
}

/* The hog's two passes and what the manager saw of them. */
static void hog_passes(vm_address_t hog, unsigned long hog_pages) {
  write_pass(hog, hog_pages, 1);
  check("the first pass reads back what it wrote", verify_pass(hog, hog_pages, 1));
  write_pass(hog, hog_pages, 2);
  check("the second pass reads back what it wrote", verify_pass(hog, hog_pages, 2));

  check("memory_object_create gave objects of our page size", COUNT(creates) >= 1 && COUNT(bad_page_sizes) == 0);
  check("data_initialize stored new pages", COUNT(initializes) >= 1);
  check("data_request was answered from the store", COUNT(supplied) >= 1);
  check("data_return gave back pages it had", COUNT(returns) >= 1);
  check("the store never overflowed", COUNT(overflows) == 0);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    printf("usage: user_dmm HOST_PRIV_NAME HOG_PAGES STORE_PAGES\n");
    return 1;
  }
  const mach_port_t self = mach_task_self();
  const mach_port_t host_priv = (mach_port_t)strtoul(argv[1], 0, 10);
  const unsigned long hog_pages = strtoul(argv[2], 0, 16);
  const unsigned long store_pages = strtoul(argv[3], 0, 16);
  if (hog_pages == 0 || store_pages == 0 || store_pages > 0x40000000ul) {
    printf("user_dmm: HOG_PAGES and STORE_PAGES must be positive\n");
    return 1;
  }

  mach_port_t kernels = MACH_PORT_NULL;
  check("vm_set_default_memory_manager with MACH_PORT_NULL gives the kernel's",
        vm_set_default_memory_manager(host_priv, &kernels) == KERN_SUCCESS && kernels != MACH_PORT_NULL);
  mach_port_t none = MACH_PORT_NULL;
  check("a task port is not host_priv", vm_set_default_memory_manager(self, &none) == KERN_INVALID_HOST);

  /* Everything exists before the wiring, the hog too (untouched). Its
   * own inheritance keeps its map entry from merging with the next
   * allocation's (both untouched, they would share one object, and the
   * hog's object would end only with the server's stack). */
  vm_address_t hog = 0;
  const vm_size_t hog_size = hog_pages * vm_page_size;
  check("vm_allocate of the hog", vm_allocate(self, &hog, hog_size, TRUE) == KERN_SUCCESS &&
                                      vm_inherit(self, hog, hog_size, VM_INHERIT_NONE) == KERN_SUCCESS);
  const int ready = hog && mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &g_sleep) == KERN_SUCCESS &&
                    mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &g_dmm) == KERN_SUCCESS &&
                    mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &g_set) == KERN_SUCCESS &&
                    mach_port_move_member(self, g_dmm, g_set) == KERN_SUCCESS &&
                    store_make((unsigned)store_pages) == KERN_SUCCESS &&
                    start_thread(serve, 0, &g_server, &g_server_stack) == KERN_SUCCESS;
  check("the manager's ports, store and thread", ready);
  const int wired = ready && wire_all_but(host_priv, hog, hog + hog_size) == KERN_SUCCESS;
  check("all but the hog is wired, and all to come", wired);

  mach_port_t previous = g_dmm;
  kern_return_t kr = wired ? vm_set_default_memory_manager(host_priv, &previous) : KERN_FAILURE;
  const int installed = kr == KERN_SUCCESS;
  check("installing dmm gives back the kernel's", installed && previous == kernels);
  if (!installed) {
    printf("user_dmm: not installed (%#x), the rest skipped\n", kr);
  } else {
    /* The returned right joined the one `kernels` holds. */
    (void)mach_port_deallocate(self, previous);
    mach_port_t current = MACH_PORT_NULL;
    check("the current manager is dmm",
          vm_set_default_memory_manager(host_priv, &current) == KERN_SUCCESS && current == g_dmm);
    if (current == g_dmm) (void)mach_port_deallocate(self, current); /* the send right it gave */

    hog_passes(hog, hog_pages);

    previous = kernels;
    check("the MIG stub cannot pass a send right",
          vm_set_default_memory_manager(host_priv, &previous) == MACH_SEND_INVALID_RIGHT && previous == kernels);
    check("reinstalling the kernel's gives dmm back",
          set_manager_by_send_right(host_priv, &previous) == KERN_SUCCESS && previous == g_dmm);
    if (previous == g_dmm) (void)mach_port_deallocate(self, previous);
    /* The hog's objects stay the manager's that took them: their end
     * still comes here. */
    check("the hog is deallocated", vm_deallocate(self, hog, hog_size) == KERN_SUCCESS);
    hog = 0;
    check("every object it was given terminates, with its rights",
          wait_until(&g_log.terminates, &g_log.creates, kTerminateMs) &&
              COUNT(terminate_rights) == COUNT(terminates));
  }

  __atomic_store_n(&g_stop, 1, __ATOMIC_RELEASE);
  static volatile int one = 1;
  const int ended = wait_until(&g_server_ended, &one, kStopMs);
  (void)thread_terminate(g_server); /* ended, or in its last trap */
  check("the server ended", ended);
  if (installed) {
    check("no call of the server failed", COUNT(errors) == 0);
    check("nothing unexpected arrived", COUNT(unexpected) == 0);
  }

  (void)mach_port_deallocate(self, g_server);
  (void)vm_deallocate(self, g_server_stack, kThreadStackPages * vm_page_size);
  for (int i = 0; i < kMaxObjects; ++i) {
    struct object *o = &g_objects[i];
    if (o->port == MACH_PORT_NULL) continue;
    (void)mach_port_destroy(self, o->port);
    (void)mach_port_destroy(self, o->control);
    if (o->name != o->control) (void)mach_port_destroy(self, o->name);
  }
  (void)mach_port_destroy(self, g_set);
  (void)mach_port_destroy(self, g_dmm);
  (void)mach_port_destroy(self, g_sleep);
  (void)mach_port_deallocate(self, kernels);
  (void)vm_deallocate(self, g_store, g_store_size);
  if (hog) (void)vm_deallocate(self, hog, hog_size);
  printf(failures ? "user_dmm: %d failed\n" : "user_dmm: all ok\n", failures);
  return 0;
}
