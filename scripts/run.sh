#!/usr/bin/env bash
# umach's main job: set up, build the hosted kernel (the hosted-asan preset,
# only the `umach` target) and boot it on its default demo.
# Arguments go to umach (try --help, --selftest, --memory=512).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/setup.sh
cmake --preset hosted-asan >/dev/null
cmake --build --preset hosted-asan --target umach >/dev/null
exec build/hosted-asan/platform/hosted/umach "$@"
