// ipc/selftests/ipc_selftests.cc: IPC self-tests, run in the bare-metal
// images, `umach --selftest` and the GoogleTest table alike: rights move
// between spaces, ports die into dead names, messages carry data and
// rights, notifications arrive, a timed-out send comes back, a circle of
// queued receive rights is caught, and a task port answers mach_port_*
// RPCs through the kernel's dispatch, on every platform.
#include <mach/notify.h>

#include "core/kstd/cstring.h"
#include "core/platform/platform.h"
#include "core/selftest.h"
#include "core/sched/sched.h"
#include "core/task/host.h"
#include "device/devices.h"
#include "core/task/task.h"
#include "ipc/kmsg.h"
#include "ipc/msg.h"
#include "ipc/space.h"

namespace umach {
namespace {

RefPtr<ipc::IpcSpace> new_space(SelfTestContext& selftest_ctx) {
  auto s = ipc::IpcSpace::create();
  ST_CHECK(s.ok());
  return s.ok() ? s.value() : RefPtr<ipc::IpcSpace>();
}

// A message as a sender lays it out: a header and up to three items.
struct TestMsg {
  mach_msg_header_t head;
  uint32_t words[14];
  mach_msg_size_t size = sizeof(mach_msg_header_t);
  TestMsg(mach_port_name_t dest, mach_msg_type_name_t dest_disp, mach_port_name_t reply = MACH_PORT_NULL,
          mach_msg_type_name_t reply_disp = 0, mach_msg_id_t id = 1000)
      : head{}, words{} {
    head.msgh_bits = MACH_MSGH_BITS(dest_disp, reply_disp);
    head.msgh_remote_port = dest;
    head.msgh_local_port = reply;
    head.msgh_id = id;
  }
  // One inline item of `name` with one 32-bit datum (a port: a 64-bit slot).
  void item(unsigned name, uint32_t value) {
    const bool port = name >= MACH_MSG_TYPE_MOVE_RECEIVE && name <= MACH_MSG_TYPE_MAKE_SEND_ONCE;
    uint32_t* w = words + (size - sizeof(mach_msg_header_t)) / 4;
    w[0] = name | ((port ? 64u : 32u) << 8) | (1u << 29);
    w[1] = 1;
    w[2] = value;
    size += 16;
    if (port) head.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
  }
  uint32_t datum(int n) const { return words[n * 4 + 2]; }
  unsigned item_name(int n) const { return words[n * 4] & 0xff; }
};

mach_msg_return_t send(ipc::IpcSpace& s, TestMsg& m, mach_msg_option_t option = MACH_SEND_MSG | MACH_SEND_TIMEOUT) {
  return ipc::mach_msg_send(s, &m.head, m.size, option, 0);
}

mach_msg_return_t receive(ipc::IpcSpace& s, mach_port_name_t name, TestMsg* m) {
  return ipc::mach_msg_receive(s, &m->head, sizeof(mach_msg_header_t) + sizeof m->words, name,
                               MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0);
}

mach_port_type_t type_of(ipc::IpcSpace& s, mach_port_name_t name) {
  mach_port_type_t t = MACH_PORT_TYPE_NONE;
  return s.type(name, &t) == KERN_SUCCESS ? t : MACH_PORT_TYPE_NONE;
}

// `from`'s right `disposition` of `name`, put into `to`.
mach_port_name_t give(ipc::IpcSpace& from, mach_port_name_t name, mach_msg_type_name_t disposition, ipc::IpcSpace& to) {
  ipc::TransitRight r;
  mach_port_name_t out = MACH_PORT_NULL;
  if (from.copyin_right(name, disposition, &r) != KERN_SUCCESS) return MACH_PORT_NULL;
  if (to.copyout_right(r, &out) != KERN_SUCCESS) return MACH_PORT_NULL;
  return out;
}

}  // namespace

UMACH_SELFTEST(ipc_messages_carry_data_and_rights) {
  RefPtr<ipc::IpcSpace> a = new_space(selftest_ctx), b = new_space(selftest_ctx);
  if (!a || !b) return;
  mach_port_name_t port = MACH_PORT_NULL, extra = MACH_PORT_NULL;
  ST_CHECK_EQ(b->allocate(MACH_PORT_RIGHT_RECEIVE, &port), KERN_SUCCESS);
  ST_CHECK_EQ(a->allocate(MACH_PORT_RIGHT_RECEIVE, &extra), KERN_SUCCESS);
  const mach_port_name_t to_b = give(*b, port, MACH_MSG_TYPE_MAKE_SEND, *a);
  TestMsg m(to_b, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 4242);
  m.item(MACH_MSG_TYPE_INTEGER_32, 0xfeedbeef);
  m.item(MACH_MSG_TYPE_MOVE_RECEIVE, extra);
  ST_CHECK_EQ(send(*a, m), MACH_MSG_SUCCESS);
  TestMsg r(0, 0);
  ST_CHECK_EQ(receive(*b, port, &r), MACH_MSG_SUCCESS);
  ST_CHECK_EQ(r.head.msgh_id, 4242);
  ST_CHECK_EQ(r.head.msgh_local_port, port);
  ST_CHECK_EQ(r.datum(0), 0xfeedbeefu);
  ST_CHECK_EQ(r.item_name(1), unsigned{MACH_MSG_TYPE_PORT_RECEIVE});
  ST_CHECK_EQ(type_of(*b, r.datum(1)), MACH_PORT_TYPE_RECEIVE);
  ST_CHECK_EQ(type_of(*a, extra), MACH_PORT_TYPE_NONE);
  a->terminate();
  b->terminate();
  ST_CHECK_EQ(ipc::live_kmsgs(), 0u);
}

UMACH_SELFTEST(ipc_dead_name_notification_and_pseudo_receive) {
  RefPtr<ipc::IpcSpace> a = new_space(selftest_ctx), b = new_space(selftest_ctx);
  if (!a || !b) return;
  mach_port_name_t port = MACH_PORT_NULL, watch = MACH_PORT_NULL;
  ST_CHECK_EQ(b->allocate(MACH_PORT_RIGHT_RECEIVE, &port), KERN_SUCCESS);
  ST_CHECK_EQ(a->allocate(MACH_PORT_RIGHT_RECEIVE, &watch), KERN_SUCCESS);
  const mach_port_name_t to_b = give(*b, port, MACH_MSG_TYPE_MAKE_SEND, *a);
  // A full queue sends a polling send's message back, rights and all.
  ST_CHECK_EQ(b->set_qlimit(port, 1), KERN_SUCCESS);
  TestMsg fill(to_b, MACH_MSG_TYPE_COPY_SEND);
  ST_CHECK_EQ(send(*a, fill), MACH_MSG_SUCCESS);
  TestMsg back(to_b, MACH_MSG_TYPE_COPY_SEND, watch, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  ST_CHECK_EQ(send(*a, back), MACH_SEND_TIMED_OUT);
  ST_CHECK_EQ(type_of(*a, back.head.msgh_local_port), MACH_PORT_TYPE_SEND_ONCE);
  ST_CHECK_EQ(a->deallocate(back.head.msgh_local_port), KERN_SUCCESS);  // a send-once notification on watch
  ST_CHECK_EQ(a->deallocate(to_b), KERN_SUCCESS);  // the copy the message brought back
  // A dead-name request answered when the port dies.
  ipc::TransitRight notify, previous;
  ST_CHECK_EQ(a->copyin_right(watch, MACH_MSG_TYPE_MAKE_SEND_ONCE, &notify), KERN_SUCCESS);
  ST_CHECK_EQ(a->request_notification(to_b, MACH_NOTIFY_DEAD_NAME, 0, notify, &previous), KERN_SUCCESS);
  ST_CHECK_EQ(b->destroy(port), KERN_SUCCESS);
  TestMsg n(0, 0);
  ST_CHECK_EQ(receive(*a, watch, &n), MACH_MSG_SUCCESS);
  ST_CHECK_EQ(n.head.msgh_id, MACH_NOTIFY_SEND_ONCE);
  ST_CHECK_EQ(receive(*a, watch, &n), MACH_MSG_SUCCESS);
  ST_CHECK_EQ(n.head.msgh_id, MACH_NOTIFY_DEAD_NAME);
  ST_CHECK_EQ(n.datum(0), to_b);
  mach_port_urefs_t refs = 0;
  ST_CHECK_EQ(a->get_refs(to_b, MACH_PORT_RIGHT_DEAD_NAME, &refs), KERN_SUCCESS);
  ST_CHECK_EQ(refs, 2u);
  a->terminate();
  b->terminate();
  ST_CHECK_EQ(ipc::live_kmsgs(), 0u);
}

UMACH_SELFTEST(ipc_a_circle_of_queued_receive_rights_is_destroyed) {
  RefPtr<ipc::IpcSpace> a = new_space(selftest_ctx);
  if (!a) return;
  mach_port_name_t p[2];
  for (auto& name : p) {
    ST_CHECK_EQ(a->allocate(MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
    ST_CHECK_EQ(give(*a, name, MACH_MSG_TYPE_MAKE_SEND, *a), name);
  }
  TestMsg first(p[1], MACH_MSG_TYPE_COPY_SEND);
  first.item(MACH_MSG_TYPE_MOVE_RECEIVE, p[0]);
  ST_CHECK_EQ(send(*a, first), MACH_MSG_SUCCESS);
  TestMsg second(p[0], MACH_MSG_TYPE_COPY_SEND);
  second.item(MACH_MSG_TYPE_MOVE_RECEIVE, p[1]);
  ST_CHECK_EQ(send(*a, second), MACH_MSG_SUCCESS);  // closes the circle: both die
  ST_CHECK_EQ(type_of(*a, p[0]), MACH_PORT_TYPE_DEAD_NAME);
  ST_CHECK_EQ(type_of(*a, p[1]), MACH_PORT_TYPE_DEAD_NAME);
  a->terminate();
  ST_CHECK_EQ(ipc::live_kmsgs(), 0u);
}

UMACH_SELFTEST(ipc_a_task_port_answers_mach_port_rpcs) {
  auto created = Task::create();
  ST_CHECK(created.ok());
  if (!created.ok()) return;
  RefPtr<Task> task = created.value();
  ipc::IpcSpace& s = task->space();
  const mach_port_name_t self = task->self_name();
  mach_port_name_t reply = MACH_PORT_NULL;
  ST_CHECK_EQ(s.allocate(MACH_PORT_RIGHT_RECEIVE, &reply), KERN_SUCCESS);
  // mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE) as its stub sends it (ABI.md).
  TestMsg m(self, MACH_MSG_TYPE_COPY_SEND, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE, 3204);
  m.item(MACH_MSG_TYPE_INTEGER_32, MACH_PORT_RIGHT_RECEIVE);
  ST_CHECK_EQ(send(s, m), MACH_MSG_SUCCESS);
  TestMsg r(0, 0);
  ST_CHECK_EQ(receive(s, reply, &r), MACH_MSG_SUCCESS);
  ST_CHECK_EQ(r.head.msgh_id, 3304);
  ST_CHECK_EQ(r.datum(0), uint32_t{KERN_SUCCESS});  // RetCode
  ST_CHECK_EQ(type_of(s, r.datum(1)), MACH_PORT_TYPE_RECEIVE);
  task->terminate();
  ST_CHECK_EQ(ipc::live_kmsgs(), 0u);
}

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

// The platform's real-time clock gives the time of day: every machine
// umach boots on (the host, QEMU's CMOS RTC and goldfish RTC) keeps the
// real date, so it is past 2020 and it moves forward with the clock.
UMACH_SELFTEST(host_time_of_day_comes_from_the_real_time_clock) {
  const int64_t y2020 = int64_t{1'577'836'800} * 1'000'000'000;
  const int64_t first = host::time_of_day_ns();
  ST_CHECK(first > y2020);
  const uint64_t wall = Platform::wall_clock_ns();
  ST_CHECK(static_cast<int64_t>(wall) > y2020);
  const int64_t second = host::time_of_day_ns();
  ST_CHECK(second >= first);
}

// The time device's page follows the clock as the scheduler ticks (with
// no scheduler running, as in some test binaries, nothing ticks).
UMACH_SELFTEST(device_mapped_time_ticks) {
  if (sched::cpu_count() == 0) return;
  const mapped_time_value_t before = device::read_mapped_time();
  const uint64_t until = Platform::clock_ns() + 30'000'000;
  while (Platform::clock_ns() < until) sched::preemption_point();
  const mapped_time_value_t after = device::read_mapped_time();
  const int64_t moved = (after.time_value.seconds - before.time_value.seconds) * 1'000'000'000 +
                        (after.time_value.nanoseconds - before.time_value.nanoseconds);
  ST_CHECK(moved >= 10'000'000);
  ST_CHECK(after.seconds == after.time_value.seconds);
}

}  // namespace umach
