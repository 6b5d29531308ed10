# cmake/toolchain-riscv64.cmake: cross-compiling umach for bare-metal RISC-V64
# (QEMU virt, OpenSBI), with clang and ld.lld.
#
# RV64IMAC/LP64: no floating point anywhere in the kernel (sstatus.FS stays
# Off, so a stray FP instruction traps). medany lets the image run at
# 0x80200000 (above 2 GiB) with PC-relative addressing. -mno-relax because
# ld.lld 14 cannot perform RISC-V linker relaxation and rejects the
# R_RISCV_ALIGN relocations relaxable objects carry.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(UMACH_RISCV64_TARGET riscv64-unknown-elf)
set(CMAKE_C_COMPILER_TARGET ${UMACH_RISCV64_TARGET})
set(CMAKE_CXX_COMPILER_TARGET ${UMACH_RISCV64_TARGET})
set(CMAKE_ASM_COMPILER_TARGET ${UMACH_RISCV64_TARGET})

set(UMACH_RISCV64_FLAGS
  "-march=rv64imac -mabi=lp64 -mcmodel=medany -mno-relax -ffreestanding -nostdlibinc -fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables")
set(CMAKE_C_FLAGS_INIT "${UMACH_RISCV64_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${UMACH_RISCV64_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${UMACH_RISCV64_FLAGS}")

# The image is linked by ld.lld itself, not through the compiler driver: the
# driver's bare-metal defaults (crt files, libgcc, a GCC sysroot) have no
# place in a kernel. The linker script comes from the image's link options.
find_program(UMACH_LD_LLD NAMES ld.lld ld.lld-14 REQUIRED)
set(CMAKE_LINKER ${UMACH_LD_LLD})
set(CMAKE_C_LINK_EXECUTABLE "${UMACH_LD_LLD} <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")
set(CMAKE_CXX_LINK_EXECUTABLE "${UMACH_LD_LLD} <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
