#!/usr/bin/env bash
# Checks that every Mach header umach compiles against is its own.
#
# GNU Mach's headers (Debian's gnumach-dev, an older 64-bit layout) sit on the
# compilers' default include path when installed, so a `#include <mach/...>`
# that umach's include/ does not provide would silently pick them up. Two checks:
#  1. every <mach/...>, <mach.h>, <mach_init.h>, <mach_error.h> named in the
#     tree resolves, with the project's include path, to a file under include/;
#  2. in each build tree given (default: every build/*/ with a ninja deps log),
#     no object file depends on a Mach header outside include/.
# Usage: scripts/check-headers.sh [BUILD_DIR...]
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
fail=0

mapfile -t headers < <(grep -rhoE '^\s*#\s*include\s*<(mach/[A-Za-z0-9_/.]+|mach\.h|mach_init\.h|mach_error\.h)>' \
    --include='*.h' --include='*.c' --include='*.cc' --include='*.cpp' --include='*.defs' \
    core ipc vm platform include lib tests examples tools bench 2>/dev/null |
  sed -E 's/.*<([^>]+)>.*/\1/' | sort -u)

for h in "${headers[@]}"; do
  resolved=$(printf '#include <%s>\n' "$h" |
    clang -x c -E -M -MG -I "$top/include" - 2>/dev/null | tr ' \\' '\n\n' | grep -E "(^|/)${h//./\\.}$" | head -n1)
  case "$resolved" in
    "$top/include/$h") ;;
    ""|[!/]*) echo "check-headers: <$h> is included but umach's include/ does not provide it"; fail=1 ;;
    *) echo "check-headers: <$h> resolves to $resolved, outside umach's include/"; fail=1 ;;
  esac
done

builds=("$@")
if [ ${#builds[@]} -eq 0 ]; then
  for d in build/*/; do [ -f "$d/.ninja_deps" ] && builds+=("$d"); done
fi
for b in "${builds[@]}"; do
  bad=$(ninja -C "$b" -t deps 2>/dev/null | sed -E 's/^ +//' |
    grep -E '(^|/)(mach/[^ ]+\.h|mach\.h|mach_init\.h|mach_error\.h)$' | grep -v "^$top/include/" | sort -u)
  if [ -n "$bad" ]; then
    echo "check-headers: $b compiled against Mach headers outside include/:"
    echo "$bad" | sed 's/^/  /'
    fail=1
  fi
done

[ $fail -eq 0 ] && echo "check-headers: ${#headers[@]} Mach headers named, all from include/ (${#builds[@]} build trees checked)"
exit $fail
