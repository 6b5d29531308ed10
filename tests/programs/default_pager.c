/* tests/programs/default_pager.c: default_pager HOST_PRIV_NAME BIG_PAGES
 * The kernel's default pager as a program sees it (vm/default_pager.h):
 * its port from vm_set_default_memory_manager, default_pager_info, a
 * memory object from default_pager_object_create mapped twice (shared),
 * its pages pushed to the swap by touching BIG_PAGES (hex) more pages than
 * memory holds, then listed by default_pager_objects and
 * default_pager_object_pages and read back intact; and the errors of
 * each call. One line per check, "name: ok" or what went wrong. */
#include <mach.h>
#include <mach_init.h>
#include <mach/default_pager.h>
#include <stdio.h>
#include <stdlib.h>

static int failures;

static void check(const char *what, int ok) {
  if (!ok) ++failures;
  printf("%s: %s\n", what, ok ? "ok" : "FAILED");
}

int main(int argc, char **argv) {
  if (argc < 3) {
    printf("usage: default_pager HOST_PRIV_NAME BIG_PAGES\n");
    return 1;
  }
  mach_port_t host_priv = (mach_port_t)strtoul(argv[1], 0, 10);
  const unsigned long big = strtoul(argv[2], 0, 16);
  const unsigned long kPages = 16;

  mach_port_t dp = MACH_PORT_NULL;
  check("vm_set_default_memory_manager gives the kernel's",
        vm_set_default_memory_manager(host_priv, &dp) == KERN_SUCCESS && dp != MACH_PORT_NULL);
  /* (Installing a manager of its own: tests/programs/user_dmm.c.) */
  mach_port_t again = MACH_PORT_NULL;
  check("asking again gives the same port",
        vm_set_default_memory_manager(host_priv, &again) == KERN_SUCCESS && again == dp);
  mach_port_t none = MACH_PORT_NULL;
  check("a task port is not host_priv",
        vm_set_default_memory_manager(mach_task_self(), &none) == KERN_INVALID_HOST);

  default_pager_info_t info;
  check("default_pager_info", default_pager_info(dp, &info) == KERN_SUCCESS && info.dpi_page_size == vm_page_size &&
                                  info.dpi_total_space > 0 && info.dpi_free_space <= info.dpi_total_space);
  check("default_pager_info on another port", default_pager_info(mach_task_self(), &info) != KERN_SUCCESS);

  mach_port_t mo = MACH_PORT_NULL;
  check("default_pager_object_create",
        default_pager_object_create(dp, &mo, kPages * vm_page_size - 100) == KERN_SUCCESS && mo != MACH_PORT_NULL);
  check("default_pager_object_create of size 0", default_pager_object_create(dp, &none, 0) == KERN_INVALID_ARGUMENT);
  vm_address_t a = 0, b = 0;
  kern_return_t ka = vm_map(mach_task_self(), &a, kPages * vm_page_size, 0, TRUE, mo, 0, FALSE,
                            VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, VM_INHERIT_NONE);
  kern_return_t kb = vm_map(mach_task_self(), &b, kPages * vm_page_size, 0, TRUE, mo, 0, FALSE,
                            VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, VM_INHERIT_NONE);
  check("two maps of the object", ka == KERN_SUCCESS && kb == KERN_SUCCESS && a != b);
  for (unsigned long i = 0; i < kPages; ++i) ((volatile unsigned long *)(a + i * vm_page_size))[3] = 0xd00d + i;
  int shared = 1;
  for (unsigned long i = 0; i < kPages; ++i) shared &= ((volatile unsigned long *)(b + i * vm_page_size))[3] == 0xd00d + i;
  check("the maps share its pages", shared);

  /* More than memory holds: the object's pages (the oldest) go to swap. */
  vm_address_t big_at = 0;
  check("vm_allocate of more than memory", vm_allocate(mach_task_self(), &big_at, big * vm_page_size, TRUE) == KERN_SUCCESS);
  for (unsigned long i = 0; i < big; ++i) ((volatile unsigned long *)(big_at + i * vm_page_size))[0] = i;

  default_pager_object_array_t objects = 0;
  mach_msg_type_number_t nobjects = 0, nports = 0;
  mach_port_array_t ports = 0;
  kern_return_t kr = default_pager_objects(dp, &objects, &nobjects, &ports, &nports);
  vm_size_t out_bytes = 0;
  for (mach_msg_type_number_t i = 0; kr == KERN_SUCCESS && i < nobjects; ++i) out_bytes += objects[i].dpo_size;
  check("default_pager_objects lists paged-out memory",
        kr == KERN_SUCCESS && nobjects > 0 && nports == nobjects && out_bytes >= kPages * vm_page_size);
  if (kr == KERN_SUCCESS) {
    vm_deallocate(mach_task_self(), (vm_address_t)objects, nobjects * sizeof *objects);
    vm_deallocate(mach_task_self(), (vm_address_t)ports, nports * sizeof *ports);
  }
  default_pager_page_array_t pages = 0;
  mach_msg_type_number_t npages = 0;
  kr = default_pager_object_pages(dp, mo, &pages, &npages);
  int in_range = kr == KERN_SUCCESS;
  for (mach_msg_type_number_t i = 0; in_range && i < npages; ++i)
    in_range = pages[i].dpp_offset < kPages * vm_page_size && pages[i].dpp_offset % vm_page_size == 0;
  check("default_pager_object_pages lists the object's", kr == KERN_SUCCESS && npages > 0 && in_range);
  if (kr == KERN_SUCCESS) vm_deallocate(mach_task_self(), (vm_address_t)pages, npages * sizeof *pages);
  check("default_pager_object_pages of a non-object",
        default_pager_object_pages(dp, mach_task_self(), &pages, &npages) == KERN_INVALID_ARGUMENT);

  /* big's pages are read back in the order written, then newest first.
   * In the order written, the next page to read is always the oldest, the
   * next to go out: every page goes out, and each page read back keeps
   * its swap slot while clean, so a swap smaller than memory fills up and
   * the kernel must take slots back from resident pages. Newest first
   * then reads the resident ones, then those paged out. The object's
   * pages, the first paged out, come last. */
  int back = 1;
  for (unsigned long i = 0; i < big; ++i) back &= ((volatile unsigned long *)(big_at + i * vm_page_size))[0] == i;
  for (unsigned long i = big; i > 0; --i) back &= ((volatile unsigned long *)(big_at + (i - 1) * vm_page_size))[0] == i - 1;
  for (unsigned long i = 0; i < kPages; ++i) back &= ((volatile unsigned long *)(b + i * vm_page_size))[3] == 0xd00d + i;
  check("every page comes back", back);

  /* The last send right: the object goes (the leak audit checks). */
  check("everything given back",
        vm_deallocate(mach_task_self(), big_at, big * vm_page_size) == KERN_SUCCESS &&
            vm_deallocate(mach_task_self(), a, kPages * vm_page_size) == KERN_SUCCESS &&
            vm_deallocate(mach_task_self(), b, kPages * vm_page_size) == KERN_SUCCESS &&
            mach_port_deallocate(mach_task_self(), mo) == KERN_SUCCESS &&
            mach_port_deallocate(mach_task_self(), dp) == KERN_SUCCESS &&
            mach_port_deallocate(mach_task_self(), again) == KERN_SUCCESS);
  printf(failures ? "default_pager: %d failed\n" : "default_pager: all ok\n", failures);
  return 0;
}
