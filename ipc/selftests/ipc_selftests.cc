// ipc/selftests/ipc_selftests.cc: IPC self-tests, run in the bare-metal
// images, `umach --selftest` and the GoogleTest table alike: rights move
// between spaces and ports die into dead names on every platform.
#include "core/selftest.h"
#include "ipc/space.h"

namespace umach {
namespace {

RefPtr<ipc::IpcSpace> new_space(SelfTestContext& selftest_ctx) {
  auto s = ipc::IpcSpace::create();
  ST_CHECK(s.ok());
  return s.ok() ? s.value() : RefPtr<ipc::IpcSpace>();
}

}  // namespace

UMACH_SELFTEST(ipc_send_rights_travel_and_merge) {
  RefPtr<ipc::IpcSpace> a = new_space(selftest_ctx), b = new_space(selftest_ctx);
  if (!a || !b) return;
  mach_port_name_t port = MACH_PORT_NULL, s1 = MACH_PORT_NULL, s2 = MACH_PORT_NULL;
  ST_CHECK_EQ(a->allocate(MACH_PORT_RIGHT_RECEIVE, &port), KERN_SUCCESS);
  ipc::TransitRight r;
  ST_CHECK_EQ(a->copyin_right(port, MACH_MSG_TYPE_MAKE_SEND, &r), KERN_SUCCESS);
  ST_CHECK_EQ(b->copyout_right(r, &s1), KERN_SUCCESS);
  ST_CHECK_EQ(a->copyin_right(port, MACH_MSG_TYPE_MAKE_SEND, &r), KERN_SUCCESS);
  ST_CHECK_EQ(b->copyout_right(r, &s2), KERN_SUCCESS);
  ST_CHECK_EQ(s1, s2);
  mach_port_urefs_t refs = 0;
  ST_CHECK_EQ(b->get_refs(s1, MACH_PORT_RIGHT_SEND, &refs), KERN_SUCCESS);
  ST_CHECK_EQ(refs, 2u);
  ST_CHECK_EQ(a->destroy(port), KERN_SUCCESS);
  mach_port_type_t type = 0;
  ST_CHECK_EQ(b->type(s1, &type), KERN_SUCCESS);
  ST_CHECK_EQ(type, MACH_PORT_TYPE_DEAD_NAME);
  ST_CHECK_EQ(b->mod_refs(s1, MACH_PORT_RIGHT_DEAD_NAME, -2), KERN_SUCCESS);
  ST_CHECK_EQ(b->entry_count(), 0u);
  a->check_invariants();
  b->check_invariants();
}

UMACH_SELFTEST(ipc_names_are_reused_with_a_new_generation) {
  RefPtr<ipc::IpcSpace> a = new_space(selftest_ctx);
  if (!a) return;
  mach_port_name_t first = MACH_PORT_NULL, second = MACH_PORT_NULL;
  ST_CHECK_EQ(a->allocate(MACH_PORT_RIGHT_DEAD_NAME, &first), KERN_SUCCESS);
  ST_CHECK_EQ(a->deallocate(first), KERN_SUCCESS);
  ST_CHECK_EQ(a->allocate(MACH_PORT_RIGHT_DEAD_NAME, &second), KERN_SUCCESS);
  ST_CHECK(first != second);
  ST_CHECK_EQ(ipc::name_index(first), ipc::name_index(second));
  mach_port_type_t type;
  ST_CHECK_EQ(a->type(first, &type), KERN_INVALID_NAME);
}

}  // namespace umach
