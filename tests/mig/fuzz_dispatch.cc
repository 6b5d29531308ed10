// tests/mig/fuzz_dispatch.cc: libFuzzer over the kernel's generated
// dispatch (every subsystem a kernel object serves).
//
// The input is a request as the kernel would hand it to the dispatch
// (msgh_size clamped to the bytes there are). Each demux must answer
// without reading or writing outside the request and reply buffers
// (ASan), with a reply no larger than its subsystem's maximum, a RetCode
// that is KERN_SUCCESS, MIG_BAD_ID, MIG_BAD_ARGUMENTS or what a routine
// returned, and a reply size that is 8-aligned. The routines below give
// the reply paths (out arrays, strings, structs, out-of-line data,
// polymorphic rights) something to send; the rest are the weak fallbacks.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "default_pager_kserver.h"
#include "ipc/kserver.h"
#include "device_kserver.h"
#include "gnumach_kserver.h"
#include "mach4_kserver.h"
#include "mach_host_kserver.h"
#include "mach_i386_kserver.h"
#include "mach_kserver.h"
#include "mach_port_kserver.h"
#include "memory_object_default_kserver.h"
#include "notify_kserver.h"

// The dispatch alone, without the kernel: task ports convert to nothing;
// thread ports to a token the routines below never look into (so their
// replies are exercised).
ipc_space_ref_t convert_port_to_space(ipc_port_t) { return nullptr; }
void space_deallocate(ipc_space_ref_t) {}
thread_ref_t convert_port_to_thread(ipc_port_t port) { return reinterpret_cast<thread_ref_t>(port); }
void thread_deallocate(thread_ref_t) {}
vm_map_ref_t convert_port_to_map(ipc_port_t) { return nullptr; }
void vm_map_deallocate(vm_map_ref_t) {}
// The ports in the fuzzer's requests are tokens, not references.
namespace umach::ipc {
void mig_release_translated(ipc_port_t) {}
}  // namespace umach::ipc

namespace umach::kserver {

kern_return_t thread_get_state(thread_ref_t, int flavor, thread_state_t old_state, mach_msg_type_number_t* count) {
  const mach_msg_type_number_t n = static_cast<mach_msg_type_number_t>(flavor) % 40;
  if (n > *count) return KERN_INVALID_ARGUMENT;
  for (mach_msg_type_number_t i = 0; i < n; ++i) old_state[i] = i;
  *count = n;
  return KERN_SUCCESS;
}

kern_return_t vm_read(ipc_port_t, vm_address_t, vm_size_t size, vm_offset_t* data, mach_msg_type_number_t* count) {
  static char page[4096];
  *data = reinterpret_cast<vm_offset_t>(page);
  *count = static_cast<mach_msg_type_number_t>(size % sizeof page);
  return KERN_SUCCESS;
}

kern_return_t mach_port_extract_right(ipc_space_ref_t, mach_port_name_t, mach_msg_type_name_t type, ipc_port_t* poly,
                                      mach_msg_type_name_t* poly_type) {
  *poly = nullptr;
  *poly_type = type;  // whatever was asked for, even nonsense: the stub must cope
  return KERN_SUCCESS;
}

kern_return_t mach_port_get_receive_status(ipc_space_ref_t, mach_port_name_t name, mach_port_status_t* status) {
  std::memset(status, 0, sizeof *status);
  status->mps_seqno = name;
  return KERN_SUCCESS;
}

kern_return_t host_get_kernel_version(ipc_port_t, kernel_version_t version) {
  std::strcpy(version, "umach fuzz");
  return KERN_SUCCESS;
}

kern_return_t mach_port_names(ipc_space_ref_t, mach_port_name_array_t* names, mach_msg_type_number_t* names_count,
                              mach_port_type_array_t* types, mach_msg_type_number_t* types_count) {
  static mach_port_name_t name_list[3] = {1, 2, 3};
  static mach_port_type_t type_list[3] = {0, 0, 0};
  *names = name_list;
  *names_count = 3;
  *types = type_list;
  *types_count = 3;
  return KERN_SUCCESS;
}

}  // namespace umach::kserver

namespace {

using Demux = boolean_t (*)(mach_msg_header_t*, mach_msg_header_t*);

struct Subsystem {
  Demux demux;
  long max_reply;
};

const Subsystem kSubsystems[] = {
    {umach::kserver::mach_server, MACH_MAX_REPLY_SIZE},
    {umach::kserver::mach_port_server, MACH_PORT_MAX_REPLY_SIZE},
    {umach::kserver::mach_host_server, MACH_HOST_MAX_REPLY_SIZE},
    {umach::kserver::gnumach_server, GNUMACH_MAX_REPLY_SIZE},
    {umach::kserver::mach4_server, MACH4_MAX_REPLY_SIZE},
    {umach::kserver::mach_i386_server, MACH_I386_MAX_REPLY_SIZE},
    {umach::kserver::device_server, DEVICE_MAX_REPLY_SIZE},
    {umach::kserver::memory_object_default_server, MEMORY_OBJECT_DEFAULT_MAX_REPLY_SIZE},
    {umach::kserver::default_pager_server, DEFAULT_PAGER_MAX_REPLY_SIZE},
    {umach::kserver::notify_server, NOTIFY_MAX_REPLY_SIZE},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kMax = 16384;
  if (size < sizeof(mach_msg_header_t) || size > kMax) return 0;
  // Exactly the request's bytes, so ASan sees any read past its end.
  auto* in = static_cast<mach_msg_header_t*>(std::aligned_alloc(8, (size + 7) & ~size_t{7}));
  std::memcpy(in, data, size);
  if (in->msgh_size > size) in->msgh_size = static_cast<mach_msg_size_t>(size);
  for (const Subsystem& s : kSubsystems) {
    auto* out = static_cast<mig_reply_header_t*>(std::aligned_alloc(8, static_cast<size_t>(s.max_reply)));
    std::memset(out, 0xee, static_cast<size_t>(s.max_reply));
    const boolean_t handled = s.demux(in, &out->Head);
    const kern_return_t ret = out->RetCode;
    if (!handled && ret != MIG_BAD_ID) std::abort();
    if (handled && ret != KERN_SUCCESS && ret != MIG_BAD_ARGUMENTS && ret != MIG_BAD_ID && ret != MIG_NO_REPLY &&
        ret != KERN_INVALID_ARGUMENT && ret != MIG_ARRAY_TOO_LARGE)
      std::abort();
    if (out->Head.msgh_size > s.max_reply || (out->Head.msgh_size & 7) != 0) std::abort();
    if (ret != KERN_SUCCESS && out->Head.msgh_size != sizeof(mig_reply_header_t) && ret != MIG_NO_REPLY) std::abort();
    std::free(out);
  }
  std::free(in);
  return 0;
}
