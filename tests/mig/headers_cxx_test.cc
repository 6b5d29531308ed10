// tests/mig/headers_cxx_test.cc: every generated header is includable from
// C++ together with <mach.h> (the compile is the test), and the demux a
// C++ server would call is reachable. <mach/memory_object_user.h> is left
// out: it declares the kernel's side of the pager protocol (a polymorphic
// reply port the sender chooses), which a pager including
// <mach/memory_object_server.h> does not call.
#include <gtest/gtest.h>

#include <mach.h>
#include <mach/default_pager.h>
#include <mach/default_pager_server.h>
#include <mach/exc_server.h>
#include <mach/exc_user.h>
#include <mach/gnumach.h>
#include <mach/mach4.h>
#include <mach/mach_host.h>
#include <mach/mach_interface.h>
#include <mach/mach_port.h>
#include <mach/memory_object_default.h>
#include <mach/memory_object_default_server.h>
#include <mach/memory_object_server.h>
#include <mach/notify_server.h>
#include <mach/notify_user.h>
#include <mach/task_notify.h>
#include <mach/task_notify_server.h>
#include <device/device.h>
#include <device/device_reply.h>
#include <device/device_reply_server.h>
#include <device/device_request.h>
#if defined(__x86_64__)
#include <mach/mach_i386.h>
#endif

namespace {

TEST(GeneratedHeaders, AreUsableFromCxx) {
  kern_return_t (*allocate)(mach_port_t, vm_address_t*, vm_size_t, boolean_t) = &vm_allocate;
  EXPECT_NE(allocate, nullptr);
  EXPECT_GE(EXC_MAX_REQUEST_SIZE, 64);
  EXPECT_NE(&exc_server, nullptr);
  EXPECT_GE(EXC_MAX_REPLY_SIZE, static_cast<int>(sizeof(mig_reply_header_t)));
}

}  // namespace
