#!/usr/bin/env bash
# Boots a bare-metal umach image in QEMU and reads its verdict.
#   scripts/boot-qemu.sh amd64|riscv64 IMAGE [TIMEOUT_SECONDS] [LOG]
# Passes only if the serial console shows the closing line "N passed, 0 failed"
# with N > 0 and no panic; a hang (timeout), a crash or a missing closing line fails.
set -uo pipefail
arch=$1 image=$2 limit=${3:-120} log=${4:-${image}.serial.log}

case "$arch" in
  amd64)
    cmd=(qemu-system-x86_64 -machine q35 -cpu max -m 256M -smp 1
         -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$image") ;;
  riscv64)
    cmd=(qemu-system-riscv64 -machine virt -cpu rv64 -m 256M -smp 1 -bios default -kernel "$image") ;;
  *) echo "boot-qemu: unknown arch '$arch'" >&2; exit 2 ;;
esac
cmd+=(-display none -serial stdio -monitor none -no-reboot)

timeout --foreground -k 5 "$limit" "${cmd[@]}" </dev/null >"$log" 2>&1
status=$?
cat "$log"
if [ $status -eq 124 ] || [ $status -eq 137 ]; then
  echo "boot-qemu: $arch: no verdict within ${limit}s (hang)" >&2
  exit 1
fi
if grep -q '^panic:' "$log"; then
  echo "boot-qemu: $arch: the kernel panicked" >&2
  exit 1
fi
line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 | tr -d '\r')
if [ -z "$line" ]; then
  echo "boot-qemu: $arch: no closing line on the serial console (qemu status $status)" >&2
  exit 1
fi
passed=${line%% passed*}
failed=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
if [ "$failed" != 0 ] || [ "$passed" -eq 0 ]; then
  echo "boot-qemu: $arch: $line" >&2
  exit 1
fi
echo "boot-qemu: $arch: $line"
