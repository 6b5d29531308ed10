// tests/abi/abi_cxx.cc: the public headers compiled as C++20 with the ABI
// assertions, and the facts of shared/ABI.md that need a running program:
// how the descriptor bit fields pack, where a port name sits in its slot,
// and the worked request messages byte for byte (built in C++ and in C).
#include <device/device_types.h>
#include <device/net_status.h>
#include <mach/boolean.h>
#include <mach/default_pager_types.h>
#include <mach/error.h>
#include <mach/exception.h>
#include <mach/host_info.h>
#include <mach/kern_return.h>
#include <mach/mach_param.h>
#include <mach/mach_traps.h>
#include <mach/mach_types.h>
#include <mach/machine.h>
#include <mach/machine/mach_i386_types.h>
#include <mach/machine/vm_types.h>
#include <mach/memory_object.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/mig_support.h>
#include <mach/msg_type.h>
#include <mach/notify.h>
#include <mach/pc_sample.h>
#include <mach/policy.h>
#include <mach/port.h>
#include <mach/processor_info.h>
#include <mach/std_types.h>
#include <mach/syscall_sw.h>
#include <mach/task_info.h>
#include <mach/task_special_ports.h>
#include <mach/thread_info.h>
#include <mach/thread_special_ports.h>
#include <mach/thread_status.h>
#include <mach/thread_switch.h>
#include <mach/time_value.h>
#include <mach/vm_attributes.h>
#include <mach/vm_cache_statistics.h>
#include <mach/vm_inherit.h>
#include <mach/vm_param.h>
#include <mach/vm_prot.h>
#include <mach/vm_statistics.h>
#include <mach/vm_sync.h>
#include <mach/vm_wire.h>
#include <mach_debug/mach_debug_types.h>
#include <mach_error.h>
#include <mach_init.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "abi_asserts.h"
#include "abi_c.h"

namespace {

uint32_t first_word(const mach_msg_type_t& t) {
  uint32_t word;
  std::memcpy(&word, &t, sizeof word);
  return word;
}

mach_msg_type_t inline_type(unsigned name, unsigned size, unsigned number) {
  mach_msg_type_t t;
  std::memset(&t, 0, sizeof t);
  t.msgt_name = name;
  t.msgt_size = size;
  t.msgt_inline = 1;
  t.msgt_number = number;
  return t;
}

// Parses ABI.md's hex dumps ("0000:  13 15 00 00 ..."): one entry per
// byte, -1 for "aa" (padding whose value is unspecified).
std::vector<int> parse_dump(const char* text) {
  std::vector<int> bytes;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream words(line.substr(colon + 1));
    std::string w;
    while (words >> w) bytes.push_back(w == "aa" ? -1 : std::stoi(w, nullptr, 16));
  }
  return bytes;
}

// Compares a built message with a dump, skipping the padding bytes.
::testing::AssertionResult matches_dump(const void* msg, size_t size, const char* dump) {
  std::vector<int> want = parse_dump(dump);
  if (want.size() != size)
    return ::testing::AssertionFailure() << "size " << size << ", ABI.md has " << want.size();
  auto* got = static_cast<const unsigned char*>(msg);
  for (size_t i = 0; i < size; i++)
    if (want[i] >= 0 && got[i] != want[i])
      return ::testing::AssertionFailure()
             << "byte 0x" << std::hex << i << " is 0x" << int(got[i]) << ", ABI.md has 0x" << want[i];
  return ::testing::AssertionSuccess();
}

void fill_header(mach_msg_header_t& h, bool complex, mach_msg_size_t size, mach_msg_id_t id) {
  h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) |
                (complex ? MACH_MSGH_BITS_COMPLEX : 0);
  h.msgh_size = size;
  h.msgh_remote_port = 0x3;
  h.msgh_local_port = 0x77;
  h.msgh_seqno = 0;
  h.msgh_id = id;
}

constexpr const char* kPortAllocateDump = R"(
  0000:  13 15 00 00  30 00 00 00  03 00 00 00  aa aa aa aa
  0010:  77 00 00 00  aa aa aa aa  00 00 00 00  84 0c 00 00
  0020:  02 20 00 20  01 00 00 00  01 00 00 00  aa aa aa aa
)";

}  // namespace

TEST(MessageAbi, TypeDescriptorBitFieldsPackLowBitFirst) {
  // name:8, size:16, unused:5, inline:1, longform:1, deallocate:1.
  EXPECT_EQ(first_word(inline_type(MACH_MSG_TYPE_INTEGER_32, 32, 1)), 0x20002002u);
  EXPECT_EQ(first_word(inline_type(MACH_MSG_TYPE_MAKE_SEND, 64, 1)), 0x20004014u);
  mach_msg_type_t t;
  std::memset(&t, 0, sizeof t);
  t.msgt_longform = 1;
  EXPECT_EQ(first_word(t), 0x40000000u);
  t.msgt_longform = 0;
  t.msgt_deallocate = 1;
  EXPECT_EQ(first_word(t), 0x80000000u);
  t.msgt_deallocate = 0;
  t.msgt_unused = 0x1f;
  EXPECT_EQ(first_word(t), 0x1f000000u);
  t.msgt_unused = 0;
  t.msgt_size = 0xffff;
  EXPECT_EQ(first_word(t), 0x00ffff00u);
}

TEST(MessageAbi, TypeDescriptorCountIsTheSecondWord) {
  mach_msg_type_t t = inline_type(MACH_MSG_TYPE_BYTE, 8, 0x12345678);
  uint32_t words[2];
  std::memcpy(words, &t, sizeof words);
  EXPECT_EQ(words[1], 0x12345678u);
}

TEST(MessageAbi, CAndCxxPackDescriptorsAlike) {
  EXPECT_EQ(umach_abi_c_type_word(MACH_MSG_TYPE_INTEGER_32, 32, 1, 0, 0), 0x20002002u);
  EXPECT_EQ(umach_abi_c_type_word(MACH_MSG_TYPE_INTEGER_64, 64, 1, 0, 0), 0x2000400bu);
  EXPECT_EQ(umach_abi_c_type_word(MACH_MSG_TYPE_BYTE, 8, 0, 0, 1), 0x80000809u);
}

TEST(MessageAbi, LongFormFieldsAliasTheShortForm) {
  mach_msg_type_long_t l;
  std::memset(&l, 0, sizeof l);
  l.msgtl_header.msgt_inline = 1;
  l.msgtl_header.msgt_longform = 1;
  l.msgtl_name = MACH_MSG_TYPE_INTEGER_32;
  l.msgtl_size = 32;
  l.msgtl_number = 7;
  EXPECT_EQ(first_word(l.msgtl_header), 0x60002002u);
  EXPECT_EQ(l.msgtl_header.msgt_number, 7u);
  EXPECT_EQ(l.msgtl_header.msgt_name, unsigned(MACH_MSG_TYPE_INTEGER_32));
}

TEST(MessageAbi, PortNameSitsInTheLowHalfOfItsSlot) {
  mach_msg_header_t h;
  std::memset(&h, 0xaa, sizeof h);
  h.msgh_remote_port_slot = 0;
  h.msgh_remote_port = 0x1234;
  h.msgh_local_port_slot = 0;
  h.msgh_local_port = 0x77;
  unsigned char bytes[sizeof h];
  std::memcpy(bytes, &h, sizeof h);
  const unsigned char remote[8] = {0x34, 0x12, 0, 0, 0, 0, 0, 0};
  const unsigned char local[8] = {0x77, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(std::memcmp(bytes + 8, remote, 8), 0);
  EXPECT_EQ(std::memcmp(bytes + 16, local, 8), 0);
  h.msgh_protected_payload = 0x1122334455667788ull;
  EXPECT_EQ(h.msgh_local_port_slot, 0x1122334455667788ull);
}

TEST(MessageAbi, PortAllocateRequestMatchesAbiMd) {
  struct {
    mach_msg_header_t Head;
    mach_msg_type_t rightType;
    mach_port_right_t right;
  } r;
  std::memset(&r, 0, sizeof r);
  fill_header(r.Head, false, sizeof r, 3204);
  r.rightType = inline_type(MACH_MSG_TYPE_INTEGER_32, 32, 1);
  r.right = MACH_PORT_RIGHT_RECEIVE;
  EXPECT_TRUE(matches_dump(&r, sizeof r, kPortAllocateDump));
}

TEST(MessageAbi, PortAllocateRequestBuiltInCMatchesAbiMd) {
  unsigned char bytes[48];
  umach_abi_c_port_allocate_request(bytes);
  EXPECT_TRUE(matches_dump(bytes, sizeof bytes, kPortAllocateDump));
}

TEST(MessageAbi, PortDeallocateRequestMatchesAbiMd) {
  struct {
    mach_msg_header_t Head;
    mach_msg_type_t nameType;
    mach_port_name_t name;
  } r;
  std::memset(&r, 0, sizeof r);
  fill_header(r.Head, false, sizeof r, 3206);
  r.nameType = inline_type(MACH_MSG_TYPE_PORT_NAME, 32, 1);
  r.name = 0x1234;
  EXPECT_TRUE(matches_dump(&r, sizeof r, R"(
  0000:  13 15 00 00  30 00 00 00  03 00 00 00  aa aa aa aa
  0010:  77 00 00 00  aa aa aa aa  00 00 00 00  86 0c 00 00
  0020:  0f 20 00 20  01 00 00 00  34 12 00 00  aa aa aa aa
)"));
}

TEST(MessageAbi, InsertRightRequestCarriesAnEightBytePortRight) {
  struct {
    mach_msg_header_t Head;
    mach_msg_type_t nameType;
    mach_port_name_t name;
    mach_msg_type_t polyType;
    union {
      mach_port_t poly;
      rpc_uintptr_t poly_slot;
    };
  } r;
  static_assert(sizeof r == 64);
  std::memset(&r, 0, sizeof r);
  fill_header(r.Head, true, sizeof r, 3215);
  r.nameType = inline_type(MACH_MSG_TYPE_PORT_NAME, 32, 1);
  r.name = 0x1234;
  r.polyType = inline_type(MACH_MSG_TYPE_MAKE_SEND, 64, 1);
  r.poly = 0x1234;
  EXPECT_TRUE(matches_dump(&r, sizeof r, R"(
  0000:  13 15 00 80  40 00 00 00  03 00 00 00  aa aa aa aa
  0010:  77 00 00 00  aa aa aa aa  00 00 00 00  8f 0c 00 00
  0020:  0f 20 00 20  01 00 00 00  34 12 00 00  aa aa aa aa
  0030:  14 40 00 20  01 00 00 00  34 12 00 00  aa aa aa aa
)"));
}

TEST(MessageAbi, VmAllocateRequestMatchesAbiMd) {
  struct {
    mach_msg_header_t Head;
    mach_msg_type_t addressType;
    vm_address_t address;
    mach_msg_type_t sizeType;
    vm_size_t size;
    mach_msg_type_t anywhereType;
    boolean_t anywhere;
  } r;
  static_assert(sizeof r == 80);
  std::memset(&r, 0, sizeof r);
  fill_header(r.Head, false, sizeof r, 2021);
  r.addressType = inline_type(MACH_MSG_TYPE_INTEGER_64, 64, 1);
  r.address = 0x10000000;
  r.sizeType = inline_type(MACH_MSG_TYPE_INTEGER_64, 64, 1);
  r.size = 0x4000;
  r.anywhereType = inline_type(MACH_MSG_TYPE_BOOLEAN, 32, 1);
  r.anywhere = FALSE;
  EXPECT_TRUE(matches_dump(&r, sizeof r, R"(
  0000:  13 15 00 00  50 00 00 00  03 00 00 00  aa aa aa aa
  0010:  77 00 00 00  aa aa aa aa  00 00 00 00  e5 07 00 00
  0020:  0b 40 00 20  01 00 00 00  00 00 00 10  00 00 00 00
  0030:  0b 40 00 20  01 00 00 00  00 40 00 00  00 00 00 00
  0040:  00 20 00 20  01 00 00 00  00 00 00 00  aa aa aa aa
)"));
}

TEST(TrapAbi, TrapListIsTheTableInNumberOrder) {
  struct Entry {
    const char* name;
    int number;
    int nargs;
  };
#define ABI_TRAP_ENTRY(name, number, nargs) {#name, number, nargs},
  const Entry table[] = {MACH_TRAP_LIST(ABI_TRAP_ENTRY)};
#undef ABI_TRAP_ENTRY
  ASSERT_EQ(std::size(table), 22u);
  EXPECT_STREQ(table[0].name, "mach_msg_trap");
  EXPECT_EQ(table[0].nargs, 7);
  for (size_t i = 1; i < std::size(table); i++) EXPECT_LT(table[i - 1].number, table[i].number);
  EXPECT_EQ(table[std::size(table) - 1].number, MACH_TRAP_LAST);
}

TEST(TrapAbi, KernelTrapHookGivesGnuNegativeNumbers) {
  // A kernel_trap defined before including syscall_sw.h sees -N.
  EXPECT_EQ(-MACH_TRAP_mach_msg_trap, -25);
}

TEST(TimeValueAbi, AddCarriesMicrosecondsIntoSeconds) {
  long seconds = 0;
  int micros = 0;
  umach_abi_c_time_value_sum(&seconds, &micros);
  EXPECT_EQ(seconds, 4);
  EXPECT_EQ(micros, 100000);
  time_value64_t a{1, 900000000};
  time_value64_t b{0, 200000000};
  time_value64_add(&a, &b);
  EXPECT_EQ(a.seconds, 2);
  EXPECT_EQ(a.nanoseconds, 100000000);
  time_value64_sub(&a, &b);
  EXPECT_EQ(a.seconds, 1);
  EXPECT_EQ(a.nanoseconds, 900000000);
}

TEST(ErrorAbi, ErrorCodesSplitIntoSystemSubsystemAndCode) {
  mach_error_t e = err_local | err_sub(5) | 7;
  EXPECT_EQ(err_get_system(e), 0x3e);
  EXPECT_EQ(err_get_sub(e), 5);
  EXPECT_EQ(err_get_code(e), 7);
  EXPECT_EQ(err_get_system(KERN_INVALID_ARGUMENT), 0);
  // mach_msg's codes are system err_mach_ipc, subsystem 0 (send) or 1 (receive).
  EXPECT_EQ(err_system(err_get_system(MACH_RCV_TIMED_OUT)), err_mach_ipc);
  EXPECT_EQ(err_get_sub(MACH_RCV_TIMED_OUT), 1);
  EXPECT_EQ(err_get_code(MACH_RCV_TIMED_OUT), 3);
  EXPECT_EQ(err_get_sub(MACH_SEND_INVALID_DEST), 0);
}
