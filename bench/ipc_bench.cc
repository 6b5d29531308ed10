// bench/ipc_bench.cc: IPC benchmarks.
//
//   BM_PortNameLookup/N      mach_port_type on names of a space of N names
//                            (the name-to-entry lookup plus the space lock),
//                            cycling through 16 names spread over the whole
//                            space: the lookup's own cost, which must not grow
//                            with N (16 and 1,000,000 within 1.5x: a table
//                            index, no search).
//   BM_PortNameLookupCold/N  the same over random names of the whole space:
//                            what touching a million entries costs in cache
//                            misses (two per lookup: the slot and the entry).
//   BM_NullRpc               a null RPC between two task programs on one
//                            vCPU: the client's send+receive (reply through a
//                            send-once right), the server's reply+receive
//                            (rpc_client.c, rpc_server.c); peers:
//                            BM_FiberRoundTrip, BM_PipeRoundTrip
//   BM_NullRpcCrossCpu       the same with the two programs on two vCPUs
//                            (peers: BM_FutexPingPong, BM_UnixSocketRoundTrip)
//   BM_OneWaySend            one-way messages from one program to the other
//                            on one vCPU, no reply (the sender blocks when the
//                            queue is full, the receiver drains it)
//   BM_RpcWithPortRight      null RPCs whose request moves a send right to the
//                            server and whose reply moves it back (a name
//                            made and freed in the server each time)
//   BM_RpcOol/N              RPCs whose request carries N bytes out of line
//                            (copy-on-write from the client's region): the
//                            server touches every page of what arrived and
//                            deallocates it (rpc_client.c's ool mode); peer:
//                            BM_Memcpy/N, a copy into a fresh destination
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "core/platform/platform.h"
#include "core/sched/sched.h"
#include "ipc/space.h"
#include "platform/hosted/task/test_task.h"
#include <umach/backend.h>

namespace {

using umach::ipc::IpcSpace;

void lookup(benchmark::State& state, size_t working_set) {
  auto created = IpcSpace::create();
  if (!created.ok()) return state.SkipWithError("no space");
  auto space = created.value();
  const int64_t count = state.range(0);
  std::vector<mach_port_name_t> names(static_cast<size_t>(count));
  for (auto& n : names) {
    if (space->allocate(MACH_PORT_RIGHT_DEAD_NAME, &n) != KERN_SUCCESS) {
      space->terminate();
      return state.SkipWithError("could not allocate the names");
    }
  }
  // Look names up in a random order, so a big space does not get the
  // caches' help a sequential walk would.
  std::vector<mach_port_name_t> order(4096);
  std::mt19937 rng(42);
  std::vector<mach_port_name_t> set(std::min(working_set, names.size()));
  for (auto& n : set) n = names[rng() % names.size()];
  for (auto& n : order) n = set[rng() % set.size()];
  size_t i = 0;
  for (auto _ : state) {
    mach_port_type_t type;
    benchmark::DoNotOptimize(space->type(order[i], &type));
    i = (i + 1) & (order.size() - 1);
  }
  space->terminate();
  state.SetItemsProcessed(state.iterations());
}
void BM_PortNameLookup(benchmark::State& state) { lookup(state, 16); }
void BM_PortNameLookupCold(benchmark::State& state) { lookup(state, SIZE_MAX); }
BENCHMARK(BM_PortNameLookup)->Arg(16)->Arg(1000000);
BENCHMARK(BM_PortNameLookupCold)->Arg(1000000);

using umach::hosted::TestTask;
constexpr mach_port_name_t kService = 0x1000;  // the name both programs use
// RPCs per run: enough that the client's start, which the run's time
// includes (its thread, its first page faults: about a millisecond), is
// a percent or two of a null RPC run (it was a tenth at 20,000);
// out-of-line runs of 4 KiB do fewer (each takes tens of µs), and fewer
// still as their size grows.
constexpr int kRpcs = 100000;
constexpr int kOolRpcs = 20000;

// The server's receive right and the client's send right, under kService.
bool connect(TestTask& server, TestTask& client) {
  IpcSpace& s = server.task().space();
  if (s.allocate_name(MACH_PORT_RIGHT_RECEIVE, kService) != KERN_SUCCESS) return false;
  umach::ipc::TransitRight right;
  if (s.copyin_right(kService, MACH_MSG_TYPE_MAKE_SEND, &right) != KERN_SUCCESS) return false;
  if (client.task().space().insert_right(kService, right) != KERN_SUCCESS) {
    umach::ipc::release_transit_right(right);
    return false;
  }
  return true;
}

struct RpcRun {
  TestTask* server;
  TestTask* client;
  int server_cpu, client_cpu;
  uint64_t elapsed_ns = 0;
  bool ok = false;
};

void run_rpcs(void* arg) {
  auto* r = static_cast<RpcRun*>(arg);
  auto server = r->server->start_thread(umach::sched::kPriorityUser, r->server_cpu);
  if (!server.ok()) return;
  umach::sched::sleep_ns(1'000'000);  // the server waits in receive
  const uint64_t start = umach::Platform::clock_ns();
  auto client = r->client->start_thread(umach::sched::kPriorityUser, r->client_cpu);
  if (client.ok()) umach::sched::thread_join(*client.value());
  r->elapsed_ns = umach::Platform::clock_ns() - start;
  // If the client failed before its last message, the server would wait
  // forever: its port goes (a server that already ended does not mind).
  (void)r->server->task().space().destroy(kService);
  umach::sched::thread_join(*server.value());
  r->ok = client.ok() && r->client->output().find(" done") != std::string::npos;
}

// `mode`: rpc_client.c's second argument; `size` its third (ool mode),
// and then fewer RPCs, so a run of large ones stays short.
void client_server(benchmark::State& state, int server_cpu, int client_cpu, const char* mode, int64_t size = 0) {
  if (umach::sched::cpu_count() <= static_cast<unsigned>(std::max(server_cpu, client_cpu)))
    return state.SkipWithError("needs more vCPUs");
  const int rpcs = size ? static_cast<int>(std::max<int64_t>(50, kOolRpcs * 4096 / size)) : kRpcs;
  for (auto _ : state) {
    auto server = TestTask::load(UMACH_PROGRAM_RPC_SERVER, {"rpc_server"});
    auto client = TestTask::load(UMACH_PROGRAM_RPC_CLIENT,
                                 {"rpc_client", std::to_string(rpcs), mode, std::to_string(size)});
    if (!server.ok() || !client.ok()) return state.SkipWithError("cannot load the programs");
    if (!connect(*server.value(), *client.value())) return state.SkipWithError("cannot connect them");
    RpcRun r{server.value().get(), client.value().get(), server_cpu, client_cpu};
    if (!umach::hosted::run_in_kernel(run_rpcs, &r, umach::sched::kPriorityKernel) || !r.ok)
      return state.SkipWithError("the programs did not run to their end");
    state.SetIterationTime(static_cast<double>(r.elapsed_ns) * 1e-9);
  }
  state.SetItemsProcessed(state.iterations() * rpcs);
}

void BM_NullRpc(benchmark::State& state) { client_server(state, 0, 0, "null"); }
void BM_NullRpcCrossCpu(benchmark::State& state) { client_server(state, 0, 1, "null"); }
void BM_OneWaySend(benchmark::State& state) { client_server(state, 0, 0, "oneway"); }
void BM_RpcWithPortRight(benchmark::State& state) { client_server(state, 0, 0, "right"); }
BENCHMARK(BM_NullRpc)->UseManualTime();
BENCHMARK(BM_NullRpcCrossCpu)->UseManualTime();
BENCHMARK(BM_OneWaySend)->UseManualTime();
BENCHMARK(BM_RpcWithPortRight)->UseManualTime();
void BM_RpcOol(benchmark::State& state) { client_server(state, 0, 0, "ool", state.range(0)); }
BENCHMARK(BM_RpcOol)->Arg(4096)->Arg(65536)->Arg(1048576)->UseManualTime();

}  // namespace
