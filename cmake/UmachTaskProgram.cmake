# cmake/UmachTaskProgram.cmake: building task programs.
#
#   umach_task_program(NAME SOURCES src... [INCLUDE_DIRECTORIES dir...])
#
# Builds NAME.elf in the current binary directory: a freestanding static-PIE
# x86-64 ELF (DESIGN.md, "Task programs") that the kernel's loader accepts:
# ET_DYN, no interpreter, only R_X86_64_RELATIVE relocations, every segment
# page aligned in the file (-z separate-loadable-segments) so that text can
# later be mapped shared from the image. The target NAME builds it; its
# property UMACH_TASK_PROGRAM_FILE is the file's path.
#
# The sources are compiled with clang directly, never with the project's
# flags: task programs run without the host's libc and without the
# sanitizers' runtimes, whatever the kernel's build uses. They may use the
# red zone and vector registers (the trap contract says which survive).
find_program(UMACH_LLD NAMES ld.lld REQUIRED)

set(UMACH_TASK_PROGRAM_CFLAGS
  --target=x86_64-unknown-none-elf -ffreestanding -fno-builtin -nostdlib -fPIE
  -fno-stack-protector -fno-exceptions -fno-asynchronous-unwind-tables
  -O2 -g -Wall -Wextra -Werror)

function(umach_task_program name)
  cmake_parse_arguments(ARG "" "" "SOURCES;INCLUDE_DIRECTORIES" ${ARGN})
  set(objects)
  set(includes)
  foreach(dir ${ARG_INCLUDE_DIRECTORIES})
    list(APPEND includes -I${dir})
  endforeach()
  foreach(src ${ARG_SOURCES})
    get_filename_component(abs ${src} ABSOLUTE)
    get_filename_component(base ${src} NAME)
    set(obj ${CMAKE_CURRENT_BINARY_DIR}/${name}.dir/${base}.o)
    add_custom_command(OUTPUT ${obj}
      COMMAND ${CMAKE_C_COMPILER} ${UMACH_TASK_PROGRAM_CFLAGS} ${includes} -MD -MF ${obj}.d -c ${abs} -o ${obj}
      DEPENDS ${abs} DEPFILE ${obj}.d
      COMMENT "task program ${name}: ${base}" VERBATIM)
    list(APPEND objects ${obj})
  endforeach()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name}.elf)
  add_custom_command(OUTPUT ${out}
    COMMAND ${UMACH_LLD} -static -pie --no-dynamic-linker -e _start -z max-page-size=4096
            -z separate-loadable-segments -z noexecstack --build-id=none -o ${out} ${objects}
    DEPENDS ${objects}
    COMMENT "task program ${name}" VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${out})
  set_target_properties(${name} PROPERTIES UMACH_TASK_PROGRAM_FILE ${out})
endfunction()
