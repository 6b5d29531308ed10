# cmake/UmachMig.cmake: umach's interface generator (tools/mig) and what it
# generates from defs/ in every build tree.
#
#   umach_mig               the host tool (target); UMACH_MIG is its path
#   umach_mig_generate(DEFS f.defs [USER f.c HEADER f.h [HEADER_AS name]]
#                      [SERVER f.c SHEADER f.h [SHEADER_AS name]] [KERNEL_SERVER f.cc KHEADER f.h]
#                      [KERNEL_USER f.cc KUHEADER f.h] [INCLUDE dir...])
#                           one mig run; outputs are absolute paths
#
# Then, from defs/ (the subsystems below):
#   UMACH_MIG_INCLUDE_DIR   <build>/include: the generated user headers
#                           (<mach/mach_interface.h>, <mach/mach_port.h>, ...,
#                           <mach/exc_server.h> for user-level servers)
#   UMACH_LIBMACH_EXTRA_SOURCES        client stubs (C) for libmach, every arch
#   UMACH_LIBMACH_EXTRA_SOURCES_x86_64 the i386 ones, x86-64 only
#   UMACH_MIG_SERVER_SOURCES           C server stubs user-level servers link
#   UMACH_MIG_KERNEL_SOURCES           the kernel's dispatch and client stubs (C++)
#   UMACH_MIG_DEPENDS                  a target to depend on before using any of them
#
# The tool is a host program: in hosted presets an ordinary executable (so
# it is built with the sanitizers too); in the bare-metal presets, whose
# compiler targets the image, compiled by a custom command for the host.
set(UMACH_MIG_SOURCE_FILES
  ${PROJECT_SOURCE_DIR}/tools/mig/main.cc
  ${PROJECT_SOURCE_DIR}/tools/mig/lexer.cc
  ${PROJECT_SOURCE_DIR}/tools/mig/parser.cc
  ${PROJECT_SOURCE_DIR}/tools/mig/emit_common.cc
  ${PROJECT_SOURCE_DIR}/tools/mig/emit_items.cc
  ${PROJECT_SOURCE_DIR}/tools/mig/emit_user.cc
  ${PROJECT_SOURCE_DIR}/tools/mig/emit_server.cc)

if(UMACH_PLATFORM STREQUAL "hosted")
  add_executable(umach_mig ${UMACH_MIG_SOURCE_FILES})
  target_compile_options(umach_mig PRIVATE -Wall -Wextra -Werror)
  set(UMACH_MIG $<TARGET_FILE:umach_mig>)
else()
  set(UMACH_MIG ${CMAKE_BINARY_DIR}/tools/umach_mig)
  add_custom_command(OUTPUT ${UMACH_MIG}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/tools
    COMMAND ${CMAKE_CXX_COMPILER} -std=c++20 -O1 -Wall -Wextra -Werror ${UMACH_MIG_SOURCE_FILES} -o ${UMACH_MIG}
    DEPENDS ${UMACH_MIG_SOURCE_FILES} ${PROJECT_SOURCE_DIR}/tools/mig/mig.h
            ${PROJECT_SOURCE_DIR}/tools/mig/lexer.h ${PROJECT_SOURCE_DIR}/tools/mig/emit_common.h
            ${PROJECT_SOURCE_DIR}/tools/mig/emit_items.h
    COMMENT "mig (host tool)" VERBATIM)
  add_custom_target(umach_mig DEPENDS ${UMACH_MIG})
endif()

function(umach_mig_generate)
  cmake_parse_arguments(ARG ""
    "DEFS;USER;HEADER;HEADER_AS;SHEADER_AS;SERVER;SHEADER;KERNEL_SERVER;KHEADER;KERNEL_USER;KUHEADER" "INCLUDE" ${ARGN})
  set(args -I${PROJECT_SOURCE_DIR}/defs)
  foreach(dir ${ARG_INCLUDE})
    list(APPEND args -I${dir})
  endforeach()
  set(outputs)
  foreach(kind USER HEADER SERVER SHEADER KERNEL_SERVER KHEADER KERNEL_USER KUHEADER)
    if(ARG_${kind})
      string(TOLOWER ${kind} opt)
      string(REPLACE "_" "-" opt ${opt})
      list(APPEND args -${opt} ${ARG_${kind}})
      list(APPEND outputs ${ARG_${kind}})
    endif()
  endforeach()
  if(ARG_HEADER_AS)
    list(APPEND args -header-as ${ARG_HEADER_AS})
  endif()
  if(ARG_SHEADER_AS)
    list(APPEND args -sheader-as ${ARG_SHEADER_AS})
  endif()
  list(GET outputs 0 first)
  set(depfile ${first}.d)
  set(dirs)
  foreach(out ${outputs})
    get_filename_component(dir ${out} DIRECTORY)
    list(APPEND dirs ${dir})
  endforeach()
  list(REMOVE_DUPLICATES dirs)
  get_filename_component(defs ${ARG_DEFS} ABSOLUTE BASE_DIR ${PROJECT_SOURCE_DIR})
  add_custom_command(OUTPUT ${outputs}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dirs}
    COMMAND ${UMACH_MIG} ${args} -MD ${depfile} ${defs}
    DEPENDS umach_mig ${UMACH_MIG} ${defs}
    DEPFILE ${depfile}
    COMMENT "mig ${ARG_DEFS}" VERBATIM)
endfunction()
