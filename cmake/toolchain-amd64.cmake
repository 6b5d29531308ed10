# Cross toolchain for the bare-metal amd64 image: clang 14 targeting a
# freestanding x86-64 ELF, linked by ld.lld with the platform's linker script.
#
# The kernel runs with no FPU/SSE state of its own (-mno-sse -mno-mmx
# -mno-80387): interrupt and trap entry then never have to save vector
# registers, and a stray floating-point operation fails to compile instead of
# corrupting user state later. No red zone: traps push onto the interrupted
# stack. Not PIC: the image is linked at a fixed physical address (1 MiB,
# identity mapped), so the default small code model reaches everything.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
# No linking during CMake's compiler checks: there is no C library to link.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(UMACH_TARGET_TRIPLE x86_64-unknown-none-elf)
set(CMAKE_C_COMPILER clang)
set(CMAKE_CXX_COMPILER clang++)
set(CMAKE_ASM_COMPILER clang)
set(CMAKE_C_COMPILER_TARGET ${UMACH_TARGET_TRIPLE})
set(CMAKE_CXX_COMPILER_TARGET ${UMACH_TARGET_TRIPLE})
set(CMAKE_ASM_COMPILER_TARGET ${UMACH_TARGET_TRIPLE})

set(UMACH_AMD64_FLAGS
  "-ffreestanding -fno-pic -fno-pie -fno-stack-protector -mno-red-zone"
  " -mno-sse -mno-sse2 -mno-mmx -mno-80387 -fno-omit-frame-pointer")
string(CONCAT UMACH_AMD64_FLAGS ${UMACH_AMD64_FLAGS})
set(CMAKE_C_FLAGS_INIT "${UMACH_AMD64_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${UMACH_AMD64_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "-fno-pic")

# ld.lld directly: no compiler driver, so no crt files and no libc. The
# image's CMakeLists adds the linker script (-T) through its link options,
# which CMake passes in <LINK_FLAGS>.
find_program(UMACH_LD_LLD NAMES ld.lld ld.lld-14 REQUIRED)
set(CMAKE_C_LINK_EXECUTABLE "${UMACH_LD_LLD} <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")
set(CMAKE_CXX_LINK_EXECUTABLE "${UMACH_LD_LLD} <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")

# Never look for host libraries or headers.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
