// platform/x86/fsave.cc: see fsave.h.
#include "platform/x86/fsave.h"

#include <mach/thread_status.h>

#include "core/kstd/cstring.h"

namespace umach::x86 {
namespace {

template <class T>
T load(const uint8_t* p) {
  T v;
  kstd::memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
void store(uint8_t* p, T v) {
  kstd::memcpy(p, &v, sizeof v);
}

// The x87 tag of an 80-bit register: valid 0, zero 1, special 2.
unsigned tag_of(const uint8_t* reg) {
  const uint64_t mantissa = load<uint64_t>(reg);
  const unsigned exponent = load<uint16_t>(reg + 8) & 0x7fff;
  if (exponent == 0x7fff) return 2;
  if (exponent == 0) return mantissa == 0 ? 1 : 2;
  return (mantissa >> 63) ? 0 : 2;
}

}  // namespace

void to_fsave(const uint8_t* fx, bool x87_live, uint8_t* hw) {
  kstd::memset(hw, 0, FP_STATE_BYTES);
  i386_fp_save env{};
  if (!x87_live) {  // the initial state: every register empty
    env.fp_control = kInitFcw;
    env.fp_tag = 0xffff;
    kstd::memcpy(hw, &env, sizeof env);
    return;
  }
  env.fp_control = load<uint16_t>(fx + kFxFcw);
  env.fp_status = load<uint16_t>(fx + kFxFsw);
  env.fp_opcode = load<uint16_t>(fx + kFxFop);
  env.fp_eip = static_cast<unsigned>(load<uint64_t>(fx + kFxFip));
  env.fp_dp = static_cast<unsigned>(load<uint64_t>(fx + kFxFdp));
  const unsigned top = (env.fp_status >> 11) & 7;
  const uint8_t abridged = fx[kFxFtw];
  unsigned tags = 0;
  for (unsigned phys = 0; phys < 8; ++phys) {
    const unsigned st = (phys - top) & 7;
    const unsigned tag = (abridged >> phys) & 1 ? tag_of(fx + kFxStRegs + 16 * st) : 3;
    tags |= tag << (2 * phys);
  }
  env.fp_tag = static_cast<unsigned short>(tags);
  kstd::memcpy(hw, &env, sizeof env);
  for (unsigned st = 0; st < 8; ++st) kstd::memcpy(hw + sizeof env + 10 * st, fx + kFxStRegs + 16 * st, 10);
}

void from_fsave(const uint8_t* hw, uint8_t* fx) {
  i386_fp_save env;
  kstd::memcpy(&env, hw, sizeof env);
  store<uint16_t>(fx + kFxFcw, env.fp_control);
  store<uint16_t>(fx + kFxFsw, env.fp_status);
  store<uint16_t>(fx + kFxFop, static_cast<uint16_t>(env.fp_opcode & 0x7ff));
  store<uint64_t>(fx + kFxFip, env.fp_eip);
  store<uint64_t>(fx + kFxFdp, env.fp_dp);
  uint8_t abridged = 0;
  for (unsigned phys = 0; phys < 8; ++phys)
    if (((env.fp_tag >> (2 * phys)) & 3) != 3) abridged |= static_cast<uint8_t>(1u << phys);
  fx[kFxFtw] = abridged;
  for (unsigned st = 0; st < 8; ++st) {
    kstd::memset(fx + kFxStRegs + 16 * st, 0, 16);
    kstd::memcpy(fx + kFxStRegs + 16 * st, hw + sizeof env + 10 * st, 10);
  }
}

}  // namespace umach::x86
