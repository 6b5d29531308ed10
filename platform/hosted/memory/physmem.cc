// platform/hosted/memory/physmem.cc: mmap of the physical-memory memfd into
// task windows (see physmem.h for the rules).
#include "platform/hosted/memory/physmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/kassert.h"
#include "core/platform/platform.h"

namespace umach::hosted {

namespace {

int host_prot(unsigned prot) {
  int p = PROT_NONE;
  if (prot & kProtRead) p |= PROT_READ;
  if (prot & kProtWrite) p |= PROT_WRITE;
  if (prot & kProtExecute) p |= PROT_EXEC;
  return p;
}

}  // namespace

int physmem_fd() {
  int fd = platform::hosted::g_physmem_fd;  // set once by boot()
  if (fd < 0) panic("hosted memory: the physical-memory memfd is not open");
  return fd;
}

bool map_physical(vaddr_t va, paddr_t pa, size_t size, unsigned prot) {
  kassert(pa >= platform::hosted::kPhysBase && va % kPageSize == 0 && size % kPageSize == 0);
  void* want = reinterpret_cast<void*>(va);
  off_t offset = static_cast<off_t>(pa - platform::hosted::kPhysBase);
  void* got = mmap(want, size, host_prot(prot), MAP_SHARED | MAP_FIXED | MAP_POPULATE, physmem_fd(), offset);
  if (got == MAP_FAILED) return false;
  Platform::unpoison(want, size);
  return true;
}

bool protect_host(vaddr_t va, size_t size, unsigned prot) {
  return mprotect(reinterpret_cast<void*>(va), size, host_prot(prot)) == 0;
}

bool reserve_host(vaddr_t va, size_t size) {
  void* want = reinterpret_cast<void*>(va);
  void* got = mmap(want, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
  return got != MAP_FAILED;
}

bool reserve_host_if_free(vaddr_t va, size_t size) {
  void* want = reinterpret_cast<void*>(va);
  // MAP_FIXED_NOREPLACE fails with EEXIST if anything is there. Under TSan
  // the interceptor refuses (EINVAL) an address outside application memory
  // only for MAP_FIXED, so the result is checked for the exact address too.
  void* got = mmap(want, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
  if (got == MAP_FAILED) return false;
  if (got != want) {
    munmap(got, size);
    return false;
  }
  return true;
}

void release_host(vaddr_t va, size_t size) {
  if (munmap(reinterpret_cast<void*>(va), size) != 0) panic("hosted memory: munmap failed (errno %d)", errno);
}

size_t host_map_count() {
  FILE* f = fopen("/proc/self/maps", "r");
  if (f == nullptr) return 0;
  size_t lines = 0;
  for (int c; (c = fgetc(f)) != EOF;)
    if (c == '\n') ++lines;
  fclose(f);
  return lines;
}

}  // namespace umach::hosted
