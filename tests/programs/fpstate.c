/* tests/programs/fpstate.c: the FP and FS-base flavors of thread_set_state
 * and thread_get_state, on a second thread before it first runs, and what
 * the kernel refuses. The thread then reports what it runs with: its x87
 * control word, its MXCSR, and the word at %fs:0. Prints results in
 * decimal (KERN_INVALID_ARGUMENT is 4). */
#include <mach.h>
#include <mach/mach_i386.h>
#include <mach/thread_status.h>
#include <stdio.h>
#include <string.h>

enum { kStackPages = 8, kPage = 4096 };

static volatile int g_done;
static unsigned short g_fcw;
static unsigned g_mxcsr;
static unsigned long g_fs_word;
static unsigned long g_tls[2] = {0x7e57ab1e, 0};

static void child(long arg) {
  (void)arg;
  unsigned short fcw;
  unsigned mxcsr;
  unsigned long fs_word;
  __asm__ volatile("fnstcw %0\n\tstmxcsr %1\n\tmov %%fs:0, %2" : "=m"(fcw), "=m"(mxcsr), "=r"(fs_word));
  g_fcw = fcw;
  g_mxcsr = mxcsr;
  g_fs_word = fs_word;
  g_done = 1;
  thread_terminate(mach_thread_self());
}

static natural_t g_state[THREAD_STATE_MAX];

int main(void) {
  thread_t t;
  vm_address_t stack = 0;
  if (thread_create(mach_task_self(), &t) != KERN_SUCCESS ||
      vm_allocate(mach_task_self(), &stack, kStackPages * kPage, TRUE) != KERN_SUCCESS)
    return 1;
  struct i386_thread_state regs;
  memset(&regs, 0, sizeof regs);
  regs.rip = (uintptr_t)child;
  regs.ursp = stack + kStackPages * kPage - 8;
  printf("registers: %d\n", thread_set_state(t, i386_THREAD_STATE, (thread_state_t)&regs, i386_THREAD_STATE_COUNT));

  mach_msg_type_number_t count = THREAD_STATE_MAX;
  kern_return_t kr = thread_get_state(t, THREAD_STATE_FLAVOR_LIST, g_state, &count);
  printf("flavors: %d count %u: %u %u %u %u %u\n", kr, count, g_state[0], g_state[1], g_state[2], g_state[3],
         g_state[4]);

  /* The XSAVE flavor: its size, a read, and what is refused. */
  vm_size_t size = 0;
  kr = i386_get_xstate_size(mach_host_self(), &size);
  count = THREAD_STATE_MAX;
  kern_return_t got = thread_get_state(t, i386_XFLOAT_STATE, g_state, &count);
  struct i386_xfloat_state* x = (struct i386_xfloat_state*)g_state;
  struct i386_xfp_save* image = (struct i386_xfp_save*)x->hw_state;
  printf("xstate size: %d matches %d; get: %d kind %d mxcsr %#x\n", kr, count * 4 == size, got, x->fp_save_kind,
         image->fp_mxcsr);
  const mach_msg_type_number_t xcount = count;
  printf("xfloat short count: %d\n", thread_get_state(t, i386_XFLOAT_STATE, g_state, &(mach_msg_type_number_t){3}));
  image->fp_mxcsr = 0x80000000u | 0x1f80; /* a reserved bit */
  printf("xfloat reserved mxcsr: %d\n", thread_set_state(t, i386_XFLOAT_STATE, g_state, xcount));
  image->fp_mxcsr = 0x1f80;
  image->header.xcomp_bv = XSAVE_XCOMP_BV_COMPACT;
  printf("xfloat compacted: %d\n", thread_set_state(t, i386_XFLOAT_STATE, g_state, xcount));
  image->header.xcomp_bv = 0;
  image->header.xfp_features = 1ull << 62; /* a feature nobody has */
  printf("xfloat unknown feature: %d\n", thread_set_state(t, i386_XFLOAT_STATE, g_state, xcount));
  image->header.xfp_features = 0;
  image->fp_mxcsr = 0x1f80 | 0x8000; /* flush to zero */
  printf("xfloat: %d\n", thread_set_state(t, i386_XFLOAT_STATE, g_state, xcount));
  printf("xfloat short set: %d\n", thread_set_state(t, i386_XFLOAT_STATE, g_state, 8));

  /* The x87 flavor: a control word with double precision (0x27f). */
  count = i386_FLOAT_STATE_COUNT;
  struct i386_float_state f;
  kr = thread_get_state(t, i386_FLOAT_STATE, (thread_state_t)&f, &count);
  struct i386_fp_save env;
  memcpy(&env, f.hw_state, sizeof env);
  printf("float: %d count %u control %#x tag %#x\n", kr, count, env.fp_control, env.fp_tag);
  env.fp_control = 0x27f;
  memcpy(f.hw_state, &env, sizeof env);
  printf("float set: %d\n", thread_set_state(t, i386_FLOAT_STATE, (thread_state_t)&f, i386_FLOAT_STATE_COUNT));
  count = THREAD_STATE_MAX;
  (void)thread_get_state(t, i386_XFLOAT_STATE, g_state, &count);
  printf("seen in the xsave image: control %#x mxcsr %#x\n", image->fp_control, image->fp_mxcsr);

  /* FS base: the child reads its first word. */
  struct i386_fsgs_base_state fsgs = {(unsigned long)g_tls, 0};
  printf("fsgs: %d\n", thread_set_state(t, i386_FSGS_BASE_STATE, (thread_state_t)&fsgs, i386_FSGS_BASE_STATE_COUNT));
  struct i386_fsgs_base_state bad = {0x800000000000ul, 0};
  printf("fs non-canonical: %d\n", thread_set_state(t, i386_FSGS_BASE_STATE, (thread_state_t)&bad, i386_FSGS_BASE_STATE_COUNT));
  bad.fs_base = 0;
  bad.gs_base = (unsigned long)g_tls;
  printf("gs of its own: %d\n", thread_set_state(t, i386_FSGS_BASE_STATE, (thread_state_t)&bad, i386_FSGS_BASE_STATE_COUNT));
  count = i386_FSGS_BASE_STATE_COUNT;
  kr = thread_get_state(t, i386_FSGS_BASE_STATE, (thread_state_t)&bad, &count);
  printf("fsgs get: %d same %d\n", kr, bad.fs_base == (unsigned long)g_tls && bad.gs_base == 0);

  printf("resume: %d\n", thread_resume(t));
  mach_port_t port;
  mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
  for (int i = 0; i < 2000 && !g_done; ++i) {
    mach_msg_header_t h;
    mach_msg(&h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof h, port, 1, MACH_PORT_NULL);
  }
  printf("child ran with control %#x mxcsr %#x fs:0 %#lx\n", g_fcw, g_mxcsr, g_fs_word);
  return 0;
}
