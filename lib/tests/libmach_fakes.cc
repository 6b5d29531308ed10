// lib/tests/libmach_fakes.cc: see libmach_fakes.h.
#include "libmach_fakes.h"

#include <stdlib.h>
#include <string.h>

#include <mutex>
#include <set>

#include <mach/mach_traps.h>
#include <mach/mig_support.h>
#include <mach_init.h>

namespace libmach_test {

std::vector<std::string> g_events;
std::deque<Step> g_script;
std::vector<TrapCall> g_calls;
mach_port_t g_next_reply_port = 0x500;

void reset() {
  g_events.clear();
  g_script.clear();
  g_calls.clear();
  g_next_reply_port = 0x500;
  __mach_task_self_ = 0x103;
  vm_page_size = 4096;
  mig_init(nullptr);
}

namespace {
std::mutex g_lock;  // the fakes may be called from several threads
std::set<vm_offset_t> g_allocated;  // by the fake vm_allocate, freed by vm_deallocate

std::string hex(uint64_t v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}
}  // namespace

}  // namespace libmach_test

using namespace libmach_test;

extern "C" {

mach_msg_return_t mach_msg_trap(mach_msg_header_t* msg, mach_msg_option_t option, mach_msg_size_t send_size,
                                mach_msg_size_t rcv_size, mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                                mach_port_name_t) {
  TrapCall call{option, send_size, rcv_size, rcv_name, timeout, {}};
  if (option & MACH_SEND_MSG) {
    auto* bytes = reinterpret_cast<const uint8_t*>(msg);
    call.sent.assign(bytes, bytes + send_size);
  }
  g_calls.push_back(call);
  if (g_script.empty()) return MACH_RCV_INVALID_NAME;
  Step step = g_script.front();
  g_script.pop_front();
  if ((option & MACH_RCV_MSG) && !step.deliver.empty()) {
    if (step.deliver.size() > rcv_size) abort();  // a bad script
    memcpy(msg, step.deliver.data(), step.deliver.size());
  }
  return step.result;
}

mach_port_name_t mach_reply_port(void) {
  std::lock_guard<std::mutex> hold(g_lock);
  mach_port_t p = g_next_reply_port++;
  g_events.push_back("reply_port " + hex(p));
  return p;
}

mach_port_name_t(mach_task_self)(void) { return 0x103; }

void mach_print(const char* s) { g_events.push_back(std::string("print ") + s); }

kern_return_t syscall_mach_port_deallocate(mach_port_name_t task, mach_port_name_t name) {
  if (task != 0x103) return KERN_INVALID_TASK;
  g_events.push_back("dealloc " + hex(name));
  return KERN_SUCCESS;
}

kern_return_t syscall_mach_port_insert_right(mach_port_name_t task, mach_port_name_t name, mach_port_name_t right,
                                             mach_msg_type_name_t right_type) {
  if (task != 0x103 || name != right) return KERN_INVALID_ARGUMENT;
  g_events.push_back("insert " + hex(name) + " " + std::to_string(right_type));
  return KERN_SUCCESS;
}

kern_return_t syscall_vm_allocate(mach_port_name_t task, vm_offset_t* address, vm_size_t size, boolean_t anywhere) {
  if (task != 0x103 || !anywhere) return KERN_INVALID_ARGUMENT;
  void* p = aligned_alloc(4096, size);
  if (!p) return KERN_RESOURCE_SHORTAGE;
  *address = reinterpret_cast<vm_offset_t>(p);
  g_allocated.insert(*address);
  return KERN_SUCCESS;
}

kern_return_t syscall_vm_deallocate(mach_port_name_t task, vm_offset_t start, vm_size_t size) {
  if (task != 0x103) return KERN_INVALID_TASK;
  if (g_allocated.erase(start)) {
    free(reinterpret_cast<void*>(start));
    return KERN_SUCCESS;  // libmach's own buffers are not events
  }
  g_events.push_back("vm_deallocate " + hex(start) + " " + hex(size));
  return KERN_SUCCESS;
}

kern_return_t mach_port_mod_refs(mach_port_t task, mach_port_t name, mach_port_right_t right,
                                 mach_port_delta_t delta) {
  if (task != 0x103) return KERN_INVALID_TASK;
  std::lock_guard<std::mutex> hold(g_lock);
  g_events.push_back("mod_refs " + hex(name) + " " + std::to_string(right) + " " + std::to_string(delta));
  return KERN_SUCCESS;
}

}  // extern "C"
