// platform/baremetal/amd64/thread_state_selftest.cc: the thread-state
// flavors of thread_state.cc on a frame: what get gives, what set installs,
// and garbage refused with the frame left as it was. (The examples' self-
// tests run thread_set_state on real threads: example_selftests.cc.)
#include <mach/kern_return.h>
#include <mach/thread_status.h>

#include <umach/backend.h>

#include "core/kstd/cstring.h"
#include "core/selftest.h"
#include "core/task/host.h"
#include "ipc/kserver.h"
#include "mach_i386_kserver.h"
#include "platform/baremetal/amd64/user_layout.h"

namespace umach::amd64 {
namespace {

using platform::Backend;
constexpr uint64_t kMin = 0x10000, kMax = 0x7fff'0000'0000;

bool same(const UserFrame& a, const UserFrame& b) { return kstd::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

UMACH_SELFTEST(amd64_thread_state_general_registers_round_trip_and_refuse_garbage) {
  UserFrame f;
  Backend::frame_init(f, 0x401000, 0x7000'0000, 1, 2, 3);
  i386_thread_state s{};
  unsigned count = i386_THREAD_STATE_COUNT;
  ST_CHECK_EQ(Backend::frame_get_state(f, i386_THREAD_STATE, reinterpret_cast<unsigned*>(&s), &count), KERN_SUCCESS);
  ST_CHECK_EQ(count, unsigned{i386_THREAD_STATE_COUNT});
  ST_CHECK(s.rip == 0x401000 && s.ursp == 0x7000'0000 && s.rdi == 1 && s.rsi == 2 && s.rdx == 3);
  ST_CHECK(s.cs == AMD64_USER_CS && s.ss == AMD64_USER_DS);
  s.rax = 77, s.rip = 0x402000, s.ursp = 0x6000'0000, s.rfl = 0x202 | 0x1;
  ST_CHECK_EQ(Backend::frame_set_state(f, i386_THREAD_STATE, reinterpret_cast<unsigned*>(&s), count, kMin, kMax),
              KERN_SUCCESS);
  ST_CHECK(f.rax == 77 && f.rip == 0x402000 && f.rsp == 0x6000'0000 && (f.rflags & 1));
  const UserFrame before = f;
  i386_thread_state bad = s;
  bad.rip = kMax;  // outside the task
  ST_CHECK_EQ(Backend::frame_set_state(f, i386_THREAD_STATE, reinterpret_cast<unsigned*>(&bad), count, kMin, kMax),
              KERN_INVALID_ARGUMENT);
  bad = s, bad.rfl |= 0x100;  // TF
  ST_CHECK_EQ(Backend::frame_set_state(f, i386_THREAD_STATE, reinterpret_cast<unsigned*>(&bad), count, kMin, kMax),
              KERN_INVALID_ARGUMENT);
  bad = s, bad.cs = 0x08;  // the kernel's code segment
  ST_CHECK_EQ(Backend::frame_set_state(f, i386_THREAD_STATE, reinterpret_cast<unsigned*>(&bad), count, kMin, kMax),
              KERN_INVALID_ARGUMENT);
  ST_CHECK_EQ(Backend::frame_set_state(f, i386_THREAD_STATE, reinterpret_cast<unsigned*>(&s), count - 1, kMin, kMax),
              KERN_INVALID_ARGUMENT);
  ST_CHECK(same(f, before));
}

UMACH_SELFTEST(amd64_thread_state_float_and_fsgs_flavors) {
  UserFrame f;
  Backend::frame_init(f, 0x401000, 0x7000'0000, 0, 0, 0);
  i386_float_state fs{};
  unsigned count = i386_FLOAT_STATE_COUNT;
  ST_CHECK_EQ(Backend::frame_get_state(f, i386_FLOAT_STATE, reinterpret_cast<unsigned*>(&fs), &count), KERN_SUCCESS);
  i386_fp_save env;
  kstd::memcpy(&env, fs.hw_state, sizeof env);
  ST_CHECK(fs.fpkind == FP_387FX && env.fp_control == 0x37f && env.fp_tag == 0xffff);  // clean: all empty
  // ST(0) = 1.0, valid; a new control word.
  env.fp_control = 0x27f;
  env.fp_status = 7 << 11;   // top 7
  env.fp_tag = 0x3fff;       // physical register 7 (= ST(0)) valid, the rest empty
  kstd::memcpy(fs.hw_state, &env, sizeof env);
  const uint8_t one[10] = {0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f};
  kstd::memcpy(fs.hw_state + sizeof env, one, sizeof one);
  ST_CHECK_EQ(Backend::frame_set_state(f, i386_FLOAT_STATE, reinterpret_cast<unsigned*>(&fs), count, kMin, kMax),
              KERN_SUCCESS);
  i386_float_state back{};
  ST_CHECK_EQ(Backend::frame_get_state(f, i386_FLOAT_STATE, reinterpret_cast<unsigned*>(&back), &count), KERN_SUCCESS);
  ST_CHECK(kstd::memcmp(back.hw_state, fs.hw_state, FP_STATE_BYTES) == 0);
  // initialized = 0 resets the FPU.
  fs.initialized = 0;
  ST_CHECK_EQ(Backend::frame_set_state(f, i386_FLOAT_STATE, reinterpret_cast<unsigned*>(&fs), count, kMin, kMax),
              KERN_SUCCESS);
  ST_CHECK_EQ(Backend::frame_get_state(f, i386_FLOAT_STATE, reinterpret_cast<unsigned*>(&back), &count), KERN_SUCCESS);
  kstd::memcpy(&env, back.hw_state, sizeof env);
  ST_CHECK(env.fp_control == 0x37f && env.fp_tag == 0xffff);
  // FS/GS bases: canonical user addresses only.
  i386_fsgs_base_state b{0x5000'0000, 0x5000'1000};
  ST_CHECK_EQ(Backend::frame_set_state(f, i386_FSGS_BASE_STATE, reinterpret_cast<unsigned*>(&b),
                                       i386_FSGS_BASE_STATE_COUNT, kMin, kMax),
              KERN_SUCCESS);
  ST_CHECK(f.fs_base == 0x5000'0000 && f.gs_base == 0x5000'1000);
  b.gs_base = 0xffff'8000'0000'0000;
  ST_CHECK_EQ(Backend::frame_set_state(f, i386_FSGS_BASE_STATE, reinterpret_cast<unsigned*>(&b),
                                       i386_FSGS_BASE_STATE_COUNT, kMin, kMax),
              KERN_INVALID_ARGUMENT);
  ST_CHECK(f.gs_base == 0x5000'1000);
  // The flavor list; an unknown flavor.
  unsigned list[8];
  count = 8;
  ST_CHECK_EQ(Backend::frame_get_state(f, THREAD_STATE_FLAVOR_LIST, list, &count), KERN_SUCCESS);
  ST_CHECK_EQ(count, 5u);
  count = 8;
  ST_CHECK_EQ(Backend::frame_get_state(f, 42, list, &count), KERN_INVALID_ARGUMENT);
}

// i386_XFLOAT_STATE: the frame's XSAVE image (x87 and SSE) after its head;
// a header XRSTOR would refuse, another component or a bad MXCSR is
// refused; a component marked initial comes back with its initial values.
UMACH_SELFTEST(amd64_thread_state_xfloat_is_the_xsave_image) {
  constexpr unsigned kCount = i386_XFLOAT_STATE_HEAD_COUNT + kXsaveBytes / 4;
  static unsigned words[kCount];  // (large for a kernel stack)
  UserFrame f;
  Backend::frame_init(f, 0x401000, 0x7000'0000, 0, 0, 0);
  unsigned count = kCount - 1;
  ST_CHECK_EQ(Backend::frame_get_state(f, i386_XFLOAT_STATE, words, &count), KERN_INVALID_ARGUMENT);
  count = kCount;
  ST_CHECK_EQ(Backend::frame_get_state(f, i386_XFLOAT_STATE, words, &count), KERN_SUCCESS);
  ST_CHECK_EQ(count, kCount);
  i386_xfloat_state head;
  kstd::memcpy(&head, words, sizeof head);
  ST_CHECK(head.fpkind == FP_387X && head.initialized == 1 && head.fp_save_kind == FP_387X);
  auto* image = reinterpret_cast<uint8_t*>(words) + sizeof head;
  auto put64 = [&](size_t at, uint64_t v) { kstd::memcpy(image + at, &v, sizeof v); };
  put64(160, 0x1234'5678'9abc'def0);  // XMM0's low half
  put64(kXsaveHeader, 3);             // x87 and SSE in use
  ST_CHECK_EQ(Backend::frame_set_state(f, i386_XFLOAT_STATE, words, kCount, kMin, kMax), KERN_SUCCESS);
  uint64_t xmm0;
  kstd::memcpy(&xmm0, f.xsave + 160, sizeof xmm0);
  ST_CHECK_EQ(xmm0, uint64_t{0x1234'5678'9abc'def0});
  const UserFrame before = f;
  put64(kXsaveHeader + 8, uint64_t{1} << 63);  // compacted format
  ST_CHECK_EQ(Backend::frame_set_state(f, i386_XFLOAT_STATE, words, kCount, kMin, kMax), KERN_INVALID_ARGUMENT);
  put64(kXsaveHeader + 8, 0);
  put64(kXsaveHeader, 7);  // AVX, which XCR0 does not enable
  ST_CHECK_EQ(Backend::frame_set_state(f, i386_XFLOAT_STATE, words, kCount, kMin, kMax), KERN_INVALID_ARGUMENT);
  put64(kXsaveHeader, 3);
  const uint32_t bad_mxcsr = 0xffff'0000;  // reserved bits
  kstd::memcpy(image + 24, &bad_mxcsr, sizeof bad_mxcsr);
  ST_CHECK_EQ(Backend::frame_set_state(f, i386_XFLOAT_STATE, words, kCount, kMin, kMax), KERN_INVALID_ARGUMENT);
  ST_CHECK(same(f, before));
  // SSE marked initial: XMM0 reads back as zero.
  const uint32_t mxcsr = 0x1f80;
  kstd::memcpy(image + 24, &mxcsr, sizeof mxcsr);
  put64(kXsaveHeader, 1);
  ST_CHECK_EQ(Backend::frame_set_state(f, i386_XFLOAT_STATE, words, kCount, kMin, kMax), KERN_SUCCESS);
  kstd::memcpy(&xmm0, f.xsave + 160, sizeof xmm0);
  ST_CHECK_EQ(xmm0, uint64_t{0});
}

// i386_get_xstate_size: the record thread_get_state(i386_XFLOAT_STATE)
// fills, head and image; only the host port asks.
UMACH_SELFTEST(amd64_xstate_size_is_the_xfloat_record) {
  vm_size_t size = 0;
  ST_CHECK_EQ(kserver::i386_get_xstate_size(host::port(), &size), KERN_SUCCESS);
  ST_CHECK_EQ(size, vm_size_t{sizeof(i386_xfloat_state) + kXsaveBytes});
  ST_CHECK_EQ(size / sizeof(unsigned), vm_size_t{i386_XFLOAT_STATE_HEAD_COUNT + kXsaveBytes / 4});
  ST_CHECK_EQ(kserver::i386_get_xstate_size(nullptr, &size), KERN_INVALID_HOST);
}

}  // namespace umach::amd64
