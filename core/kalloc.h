// core/kalloc.h: kernel buffers of a size known only at run time (GNU
// Mach's kalloc): a message's out-of-line port array while it is queued,
// the arrays a kernel routine hands back.
//
// Up to 4 KiB a buffer comes from one of seven power-of-two zones (so a
// leak shows in the zones' live counts, and the zones' fault injection
// applies); beyond that it is whole pages from the page allocator. The
// caller gives the size back with the buffer, as with GNU Mach's kfree.
#pragma once

#include <stddef.h>

namespace umach {

// An uninitialised buffer of at least `size` bytes (16-byte aligned), or
// nullptr (out of memory, fault injected, or size 0).
[[nodiscard]] void* kalloc(size_t size);
// Frees a buffer kalloc(size) returned; null is ignored.
void kfree(void* buffer, size_t size);

}  // namespace umach
