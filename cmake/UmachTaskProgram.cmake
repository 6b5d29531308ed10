# cmake/UmachTaskProgram.cmake: building task programs and their runtime.
#
#   umach_task_program(NAME SOURCES src... [ARCH x86_64|riscv64]
#                      [INCLUDE_DIRECTORIES dir...] [NO_LIBC])
#
# Builds NAME.elf in the current binary directory: a freestanding static-PIE
# ELF (DESIGN.md, "Task programs") that the kernel's loader accepts: ET_DYN,
# no interpreter, only relative relocations, every segment page aligned in
# the file (-z separate-loadable-segments) so that text can later be mapped
# shared from the image. ARCH defaults to x86_64. The program is linked with
# the runtime in lib/ for its ARCH: crt0 (which calls main(argc, argv) and
# exit()), libmach (traps, mach_msg, MIG support) and libc (strings,
# printf through mach_print). NO_LIBC links libmach only: the program brings
# its own _start and must call umach_libmach_init(commpage base) before
# its first trap (lib/libmach/include/umach/task_runtime.h), and supply
# memcpy/memset if it calls MIG's generated stubs. The target NAME
# builds it; its property UMACH_TASK_PROGRAM_FILE is the file's path.
#
# The include path of every task translation unit is INCLUDE_DIRECTORIES,
# then ${PROJECT_SOURCE_DIR}/include (GNU Mach's headers), lib/libmach/include
# and lib/libc/include (the task-side headers: <mach.h>, <mach_init.h>,
# <stdio.h>, ...), then ${UMACH_MIG_INCLUDE_DIR} (MIG's generated headers, if
# set). No system include directory is searched (-nostdlibinc): only the
# compiler's own stddef.h, stdint.h, stdarg.h, stdbool.h.
#
#   umach_task_library(NAME ARCH arch SOURCES src... [INCLUDE_DIRECTORIES dir...])
#
# Builds the static archive libNAME.a (llvm-ar) from task sources for ARCH;
# the target NAME builds it, its property UMACH_TASK_LIBRARY_FILE is its
# path. lib/CMakeLists.txt builds the runtime with it and registers it with
# umach_task_runtime(); programs find it there.
#
# Sources are compiled with clang directly, never with the project's flags:
# task programs run without the host's libc and without the sanitizers'
# runtimes, whatever the kernel's build uses (the hosted presets add
# -fsanitize globally). They may use the red zone and vector registers (the
# trap contract says which survive).
#
# Hooks for the MIG build: UMACH_MIG_INCLUDE_DIR (generated headers) and
# UMACH_MIG_DEPENDS (targets that generate them; every task object waits
# for them).
find_program(UMACH_LLD NAMES ld.lld ld.lld-14 REQUIRED)
find_program(UMACH_LLVM_AR NAMES llvm-ar llvm-ar-14 REQUIRED)

set(UMACH_TASK_ARCHES x86_64 riscv64)

set(UMACH_TASK_COMMON_CFLAGS
  -ffreestanding -fno-builtin -nostdlib -nostdlibinc -fPIE
  -fno-stack-protector -fno-exceptions -fno-asynchronous-unwind-tables
  -O2 -g -Wall -Wextra -Werror)
set(UMACH_TASK_CFLAGS_x86_64 --target=x86_64-unknown-none-elf ${UMACH_TASK_COMMON_CFLAGS})
# -mno-relax: ld.lld 14 cannot relax RISC-V code and rejects R_RISCV_ALIGN
# (cmake/toolchain-riscv64.cmake says the same for the kernel).
set(UMACH_TASK_CFLAGS_riscv64 --target=riscv64-unknown-elf -march=rv64gc -mabi=lp64d -mcmodel=medany -mno-relax
  ${UMACH_TASK_COMMON_CFLAGS})
set(UMACH_TASK_LDFLAGS
  -static -pie --no-dynamic-linker -e _start -z max-page-size=4096
  -z separate-loadable-segments -z noexecstack --build-id=none)

set(UMACH_TASK_DEFAULT_INCLUDES
  ${PROJECT_SOURCE_DIR}/include
  ${PROJECT_SOURCE_DIR}/lib/libmach/include
  ${PROJECT_SOURCE_DIR}/lib/libc/include)

function(_umach_task_check_arch arch)
  if(NOT arch IN_LIST UMACH_TASK_ARCHES)
    message(FATAL_ERROR "task programs: ARCH must be one of ${UMACH_TASK_ARCHES}, not '${arch}'")
  endif()
endfunction()

# Compiles `sources` for `arch` into objects under ${dir}; their paths go
# into the variable named by `out_var`.
function(_umach_task_compile out_var label dir arch)
  cmake_parse_arguments(ARG "" "" "SOURCES;INCLUDE_DIRECTORIES" ${ARGN})
  set(includes)
  foreach(inc ${ARG_INCLUDE_DIRECTORIES} ${UMACH_TASK_DEFAULT_INCLUDES} ${UMACH_MIG_INCLUDE_DIR})
    list(APPEND includes -I${inc})
  endforeach()
  set(objects)
  foreach(src ${ARG_SOURCES})
    get_filename_component(abs ${src} ABSOLUTE)
    get_filename_component(base ${src} NAME)
    set(obj ${dir}/${base}.o)
    if(obj IN_LIST objects)
      message(FATAL_ERROR "${label}: two sources named ${base}")
    endif()
    add_custom_command(OUTPUT ${obj}
      COMMAND ${CMAKE_C_COMPILER} ${UMACH_TASK_CFLAGS_${arch}} ${includes} -MD -MF ${obj}.d -c ${abs} -o ${obj}
      DEPENDS ${abs} ${UMACH_MIG_DEPENDS} DEPFILE ${obj}.d
      COMMENT "${label} (${arch}): ${base}" VERBATIM)
    list(APPEND objects ${obj})
  endforeach()
  set(${out_var} ${objects} PARENT_SCOPE)
endfunction()

function(umach_task_library name)
  cmake_parse_arguments(ARG "" "ARCH" "SOURCES;INCLUDE_DIRECTORIES" ${ARGN})
  _umach_task_check_arch(${ARG_ARCH})
  _umach_task_compile(objects "task library ${name}" ${CMAKE_CURRENT_BINARY_DIR}/${name}.dir ${ARG_ARCH}
    SOURCES ${ARG_SOURCES} INCLUDE_DIRECTORIES ${ARG_INCLUDE_DIRECTORIES})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/lib${name}.a)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E rm -f ${out}
    COMMAND ${UMACH_LLVM_AR} rcsD ${out} ${objects}
    DEPENDS ${objects}
    COMMENT "task library ${name} (${ARG_ARCH})" VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${out})
  if(UMACH_MIG_DEPENDS)
    add_dependencies(${name} ${UMACH_MIG_DEPENDS})
  endif()
  set_target_properties(${name} PROPERTIES UMACH_TASK_LIBRARY_FILE ${out})
endfunction()

# Registers the runtime of `arch` (lib/CMakeLists.txt): the crt0 object,
# the libmach and libc archive targets.
function(umach_task_runtime arch)
  cmake_parse_arguments(ARG "" "CRT0;CRT0_TARGET;LIBMACH;LIBC" "" ${ARGN})
  set_property(GLOBAL PROPERTY UMACH_TASK_CRT0_${arch} ${ARG_CRT0})
  set_property(GLOBAL PROPERTY UMACH_TASK_CRT0_TARGET_${arch} ${ARG_CRT0_TARGET})
  set_property(GLOBAL PROPERTY UMACH_TASK_LIBMACH_${arch} ${ARG_LIBMACH})
  set_property(GLOBAL PROPERTY UMACH_TASK_LIBC_${arch} ${ARG_LIBC})
endfunction()

function(umach_task_program name)
  cmake_parse_arguments(ARG "NO_LIBC" "ARCH" "SOURCES;INCLUDE_DIRECTORIES" ${ARGN})
  if(NOT ARG_ARCH)
    set(ARG_ARCH x86_64)
  endif()
  _umach_task_check_arch(${ARG_ARCH})
  get_property(crt0 GLOBAL PROPERTY UMACH_TASK_CRT0_${ARG_ARCH})
  get_property(crt0_target GLOBAL PROPERTY UMACH_TASK_CRT0_TARGET_${ARG_ARCH})
  get_property(libmach GLOBAL PROPERTY UMACH_TASK_LIBMACH_${ARG_ARCH})
  get_property(libc GLOBAL PROPERTY UMACH_TASK_LIBC_${ARG_ARCH})
  if(NOT libmach)
    message(FATAL_ERROR "task program ${name}: no runtime for ${ARG_ARCH} (add_subdirectory(lib) comes first)")
  endif()
  _umach_task_compile(objects "task program ${name}" ${CMAKE_CURRENT_BINARY_DIR}/${name}.dir ${ARG_ARCH}
    SOURCES ${ARG_SOURCES} INCLUDE_DIRECTORIES ${ARG_INCLUDE_DIRECTORIES})
  # File-level dependencies on the runtime's outputs (Ninja resolves them
  # across directories), so a changed libc relinks the program.
  set(runtime_targets ${libmach})
  get_target_property(archives ${libmach} UMACH_TASK_LIBRARY_FILE)
  set(start)
  if(NOT ARG_NO_LIBC)
    list(APPEND runtime_targets ${libc} ${crt0_target})
    get_target_property(libc_file ${libc} UMACH_TASK_LIBRARY_FILE)
    list(APPEND archives ${libc_file})
    set(start ${crt0})
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name}.elf)
  # libc's exit needs libmach's traps; a group keeps the order from mattering.
  add_custom_command(OUTPUT ${out}
    COMMAND ${UMACH_LLD} ${UMACH_TASK_LDFLAGS} -o ${out} ${start} ${objects} --start-group ${archives} --end-group
    DEPENDS ${objects} ${start} ${archives}
    COMMENT "task program ${name} (${ARG_ARCH})" VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${out})
  add_dependencies(${name} ${runtime_targets})
  set_target_properties(${name} PROPERTIES UMACH_TASK_PROGRAM_FILE ${out})
endfunction()
