// bench/bench_main.cc: boots the hosted kernel (2 vCPUs, so cross-CPU
// wakeups can be measured) and runs the benchmarks from the main thread,
// which is outside the machine and hands work to it with run_in_kernel.
#include <benchmark/benchmark.h>

#include <umach/backend.h>

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  umach::hosted::set_console_fd(2);
  umach::hosted::boot_for_tests(size_t{256} << 20);
  umach::hosted::start_machine_for_tests(2);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
