/* mach/default_pager_types.h: the types default_pager.defs names.
 * C and C++. */
#ifndef _MACH_DEFAULT_PAGER_TYPES_H_
#define _MACH_DEFAULT_PAGER_TYPES_H_

#include <mach/std_types.h>

typedef mach_port_t default_pager_t;

/* Paging space totals, in bytes. */
typedef struct default_pager_info {
  vm_size_t dpi_total_space;
  vm_size_t dpi_free_space;
  vm_size_t dpi_page_size;
} default_pager_info_t;

typedef struct default_pager_object {
  vm_offset_t dpo_object; /* an identifier of the object, not a pointer to use */
  vm_size_t dpo_size;     /* bytes paged out */
} default_pager_object_t;
typedef default_pager_object_t *default_pager_object_array_t;
typedef const default_pager_object_t *const_default_pager_object_array_t;

typedef struct default_pager_page {
  vm_offset_t dpp_offset; /* offset of a paged-out page in its object */
} default_pager_page_t;
typedef default_pager_page_t *default_pager_page_array_t;
typedef const default_pager_page_t *const_default_pager_page_array_t;

typedef char default_pager_filename_t[256];
typedef const char *const_default_pager_filename_t;

#endif /* _MACH_DEFAULT_PAGER_TYPES_H_ */
