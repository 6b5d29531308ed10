# defs/generate.cmake: what every build tree generates from defs/ (included
# by the top-level CMakeLists.txt after cmake/UmachMig.cmake; the variables
# it sets are described there).
#
# User headers take the names GNU/Hurd programs include (defs/README.md).
set(UMACH_MIG_INCLUDE_DIR ${CMAKE_BINARY_DIR}/include)
set(gen ${CMAKE_BINARY_DIR}/mig)
set(UMACH_LIBMACH_EXTRA_SOURCES)
set(UMACH_LIBMACH_EXTRA_SOURCES_x86_64)
set(UMACH_MIG_SERVER_SOURCES)
set(UMACH_MIG_KERNEL_SOURCES)
set(umach_mig_outputs)

# subsystem .defs, the user header's name under include/, and the arch
# whose libmach gets its stubs (all: every arch).
set(umach_user_interfaces
  "mach/mach.defs mach/mach_interface.h all"
  "mach/mach_port.defs mach/mach_port.h all"
  "mach/mach_host.defs mach/mach_host.h all"
  "mach/gnumach.defs mach/gnumach.h all"
  "mach/mach4.defs mach/mach4.h all"
  "mach/mach_i386.defs mach/mach_i386.h x86_64"
  "mach/exc.defs mach/exc_user.h all"
  "mach/notify.defs mach/notify_user.h all"
  "mach/memory_object.defs mach/memory_object_user.h all"
  "mach/memory_object_default.defs mach/memory_object_default.h all"
  "mach/default_pager.defs mach/default_pager.h all"
  "mach/task_notify.defs mach/task_notify.h all"
  "device/device.defs device/device.h all"
  "device/device_request.defs device/device_request.h all"
  "device/device_reply.defs device/device_reply.h all")
foreach(entry ${umach_user_interfaces})
  separate_arguments(entry)
  list(GET entry 0 defs)
  list(GET entry 1 header)
  list(GET entry 2 arch)
  get_filename_component(base ${defs} NAME_WE)
  umach_mig_generate(DEFS defs/${defs} USER ${gen}/${base}User.c
    HEADER ${UMACH_MIG_INCLUDE_DIR}/${header} HEADER_AS ${header})
  if(arch STREQUAL "all")
    list(APPEND UMACH_LIBMACH_EXTRA_SOURCES ${gen}/${base}User.c)
  else()
    list(APPEND UMACH_LIBMACH_EXTRA_SOURCES_${arch} ${gen}/${base}User.c)
  endif()
  list(APPEND umach_mig_outputs ${gen}/${base}User.c ${UMACH_MIG_INCLUDE_DIR}/${header})
endforeach()

# Server stubs for the servers user programs write: exception handlers,
# notification servers, pagers, device reply servers. Header <mach/X_server.h>.
foreach(defs mach/exc mach/notify mach/memory_object mach/memory_object_default
             mach/default_pager mach/task_notify device/device_reply)
  get_filename_component(base ${defs} NAME)
  get_filename_component(dir ${defs} DIRECTORY)
  umach_mig_generate(DEFS defs/${defs}.defs SERVER ${gen}/${base}Server.c
    SHEADER ${UMACH_MIG_INCLUDE_DIR}/${dir}/${base}_server.h SHEADER_AS ${dir}/${base}_server.h)
  list(APPEND UMACH_MIG_SERVER_SOURCES ${gen}/${base}Server.c)
  list(APPEND umach_mig_outputs ${gen}/${base}Server.c ${UMACH_MIG_INCLUDE_DIR}/${dir}/${base}_server.h)
endforeach()

# The kernel: the dispatch of every interface a kernel object serves, and
# the client stubs of those the kernel sends (headers in <build>/mig/kernel/,
# included as "<base>_kserver.h" / "<base>_kuser.h").
foreach(defs mach/mach mach/mach_port mach/mach_host mach/gnumach mach/mach4 mach/mach_i386
             mach/memory_object_default mach/default_pager device/device mach/notify)
  get_filename_component(base ${defs} NAME)
  umach_mig_generate(DEFS defs/${defs}.defs KERNEL_SERVER ${gen}/kernel/${base}_kserver.cc
    KHEADER ${gen}/kernel/${base}_kserver.h)
  list(APPEND UMACH_MIG_KERNEL_SOURCES ${gen}/kernel/${base}_kserver.cc)
  list(APPEND umach_mig_outputs ${gen}/kernel/${base}_kserver.cc ${gen}/kernel/${base}_kserver.h)
endforeach()
foreach(defs mach/exc mach/notify mach/memory_object mach/memory_object_default device/device_reply
             mach/task_notify)
  get_filename_component(base ${defs} NAME)
  umach_mig_generate(DEFS defs/${defs}.defs KERNEL_USER ${gen}/kernel/${base}_kuser.cc
    KUHEADER ${gen}/kernel/${base}_kuser.h)
  list(APPEND umach_mig_kernel_user_sources ${gen}/kernel/${base}_kuser.cc)
  list(APPEND umach_mig_outputs ${gen}/kernel/${base}_kuser.cc ${gen}/kernel/${base}_kuser.h)
endforeach()
set(UMACH_MIG_KERNEL_USER_SOURCES ${umach_mig_kernel_user_sources})
set(UMACH_MIG_KERNEL_INCLUDE_DIR ${gen}/kernel)

add_custom_target(umach_mig_outputs DEPENDS ${umach_mig_outputs})
set(UMACH_MIG_DEPENDS umach_mig_outputs)

# The routine names of message ids, for `umach --trace ipc`.
include(${CMAKE_CURRENT_LIST_DIR}/msgid_names.cmake)
