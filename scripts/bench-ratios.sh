#!/usr/bin/env bash
# Runs umach-bench (hosted-release preset) and rewrites the README's table of
# ratios between the markers <!-- bench:begin --> and <!-- bench:end -->.
# Ratios are medians of umach's path over its peer, from the same run.
#   scripts/bench-ratios.sh [--no-readme]   (prints the table either way)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/setup.sh
cmake --preset hosted-release >/dev/null
cmake --build --preset hosted-release --target umach-bench >/dev/null
out=$(mktemp)
build/hosted-release/bench/umach-bench --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true \
  --benchmark_format=json --benchmark_out="$out" --benchmark_out_format=json >/dev/null
python3 - "$out" "${1:-}" <<'PY'
import json, re, sys
data = json.load(open(sys.argv[1]))
median = {}
for b in data["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    # The benchmark and its argument ("BM_PortNameLookup/16"), without the
    # suffixes Google Benchmark appends for settings (min_time, iterations,
    # the timing).
    name = re.sub(r"(/(min_time:[0-9.]+|iterations:[0-9]+|real_time|manual_time|process_time))+$", "",
                  b["run_name"])
    # Per operation: round-trip benchmarks report items (round trips) per second.
    if "items_per_second" in b:
        median[name] = 1e9 / b["items_per_second"]
    else:
        unit = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
        median[name] = b["real_time"] * unit
# (umach path, peer, target from the issue)
pairs = [
    ("BM_TrapRoundTrip", "BM_FiberRoundTrip", "at most 3x"),
    ("BM_ZeroFillFault", "BM_RawSegvMmapFault", "at most 1.3x"),
    ("BM_CowFault", "BM_RawCowEmulation", "at most 1.3x"),
    ("BM_FaultAfterGenerations/1000", "BM_FaultAfterGenerations/1", "at most 1.2x"),
    ("BM_WakeupSameCpu", "BM_FutexPingPong", "-"),
    ("BM_WakeupCrossCpu", "BM_FutexPingPong", "-"),
    ("BM_PortNameLookup/1000000", "BM_PortNameLookup/16", "at most 1.5x"),
    ("BM_PortNameLookupCold/1000000", "BM_PortNameLookup/16", "-"),
    ("BM_NullRpc", "BM_FiberRoundTrip", "at most 20x"),
    ("BM_NullRpc", "BM_PipeRoundTrip", "at most 0.025x (40x faster)"),
    ("BM_NullRpc", "BM_UnixSocketRoundTrip", "-"),
    ("BM_NullRpcCrossCpu", "BM_FutexPingPong", "-"),
    ("BM_NullRpcCrossCpu", "BM_UnixSocketRoundTripCrossCpu", "-"),
    ("BM_OneWaySend", "BM_FutexPingPong", "-"),
    ("BM_OneWaySend", "BM_UnixSocketRoundTrip", "-"),
    ("BM_RpcWithPortRight", "BM_FutexPingPong", "-"),
    ("BM_RpcWithPortRight", "BM_UnixSocketRoundTrip", "-"),
    ("BM_RpcWithPortRight", "BM_NullRpc", "-"),
    ("BM_RpcOol/4096", "BM_Memcpy/4096", "-"),
    ("BM_RpcOol/65536", "BM_Memcpy/65536", "-"),
    ("BM_RpcOol/1048576", "BM_Memcpy/1048576", "-"),
    ("BM_PagerFault", "BM_NullRpc+BM_ZeroFillFault", "-"),
    ("BM_PageoutRoundTrip", "BM_Memcpy/4096", "-"),
]
# A peer "A+B" is the sum of the two (a fault a pager serves: a round trip
# of messages and a fault).
for _, peer, _ in pairs:
    parts = peer.split("+")
    if len(parts) > 1 and all(p in median for p in parts):
        median[peer] = sum(median[p] for p in parts)
rows = ["| umach | ns | peer | ns | ratio | target |", "|---|---|---|---|---|---|"]
for ours, peer, target in pairs:
    if ours in median and peer in median:
        rows.append("| %s | %.0f | %s | %.0f | %.2fx | %s |" % (ours, median[ours], peer, median[peer],
                                                          median[ours] / median[peer], target))
    else:
        rows.append("| %s | - | %s | - | not measured yet | %s |" % (ours, peer, target))
table = "\n".join(rows)
print(table)
if sys.argv[2] != "--no-readme":
    readme = open("README.md").read()
    new = re.sub(r"(<!-- bench:begin -->\n).*?(<!-- bench:end -->)", lambda m: m.group(1) + table + "\n" + m.group(2),
                 readme, flags=re.S)
    open("README.md", "w").write(new)
PY
rm -f "$out"
