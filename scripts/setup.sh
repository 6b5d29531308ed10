#!/usr/bin/env bash
# Installs everything umach builds and tests with, from Debian's packages.
# Idempotent and quiet: packages already present are skipped, and apt-get is
# not called at all when nothing is missing.
set -euo pipefail

packages=(
  cmake ninja-build pkg-config
  clang lld llvm libclang-rt-dev         # hosted (thread-safety analysis, sanitizers) and cross builds
  libboost-context-dev libseccomp-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  qemu-system-x86 qemu-system-misc opensbi  # bare-metal boots (opensbi is riscv64's -bios default)
  gdb python3                              # the gdb helper, scripts/bench-ratios.sh
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq >/dev/null
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# GNU Mach's headers live on the compilers' default include path when
# gnumach-dev is installed; umach's own include/ must be the only mach/ seen.
if [ -d /usr/include/x86_64-linux-gnu/mach ] || [ -e /usr/include/mach.h ]; then
  echo "setup: warning: GNU Mach headers are installed system-wide (gnumach-dev);" \
       "scripts/check-headers.sh will fail if any include resolves to them" >&2
fi
