# tools/gdb/umach.py: gdb helpers for umach, hosted and bare metal.
#
#   gdb -x tools/gdb/umach.py --args build/hosted-asan/platform/hosted/umach --vcpus 2
#   (bare metal: qemu ... -s -S, then gdb -x tools/gdb/umach.py IMAGE, target remote :1234)
#
# Commands:
#   info mach-threads      every kernel thread: id, name, state, priority, CPU
#   mach-bt ID             backtrace of a switched-out thread (from its saved context)
#   umach-signals quiet|loud
#                          hosted: pass the platform's signals (timer, and the faults
#                          task programs take) silently, or stop on them again
#   mach-load-symbols      add-symbol-file for every task program at its load address
#                          (hosted; needs the loader's registry)
#   mach-vm-dot [-o FILE] [MAP]
#                          a VM map and its object graph as Graphviz dot (vm/dot.h), printed
#                          or written to FILE; MAP is an expression for a umach::vm::VmMap*
#                          (default: the map of the test task a frame of the current stack
#                          runs, else of the program `umach --run` runs)
#
# The hosted kernel takes real SIGSEGVs (task-program page faults) and a timer signal
# (SIGRTMIN, gdb's SIG34) as part of normal operation; by default this script makes
# gdb pass them quietly. A kernel-mode fault still ends in panic() and abort(), which
# gdb stops on (SIGABRT).
import gdb

PLATFORM_SIGNALS = ["SIG34", "SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE"]

STATES = {0: "runnable", 1: "running", 2: "waiting", 3: "terminated"}


def _symbol_exists(name):
    try:
        gdb.parse_and_eval(name)
        return True
    except gdb.error:
        return False


def _platform():
    if _symbol_exists("'umach::platform::hosted::g_direct_map'"):
        return "hosted"
    arch = gdb.selected_frame().architecture().name() if gdb.selected_inferior().pid else ""
    if "riscv" in arch:
        return "riscv64"
    return "amd64"


def _threads():
    """Yields gdb.Values of type Thread* for every thread in g_all_threads."""
    head = gdb.parse_and_eval("'umach::sched::g_all_threads'.head_")
    thread_t = gdb.lookup_type("umach::sched::Thread")
    offset = int(gdb.parse_and_eval("(long)&((umach::sched::Thread*)0)->all_link_"))
    head_addr = int(head.address)
    node = head["next_"]
    guard = 0
    while node and int(node) != head_addr and guard < 100000:
        yield gdb.Value(int(node) - offset).cast(thread_t.pointer())
        node = node["next_"]
        guard += 1


def _cstring(value):
    try:
        return value.string()
    except gdb.error:
        return "?"


class InfoMachThreads(gdb.Command):
    """List umach kernel threads: info mach-threads"""

    def __init__(self):
        super().__init__("info mach-threads", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        print("%6s  %-12s %-11s %4s %4s  %s" % ("id", "name", "state", "pri", "cpu", "flags"))
        for t in _threads():
            state = STATES.get(int(t["state_"]), str(int(t["state_"])))
            cpu = t["last_cpu_"]
            cpu_id = str(int(cpu["id"])) if int(cpu) else "-"
            flags = []
            if bool(t["is_idle_"]):
                flags.append("idle")
            if bool(t["on_cpu_"]["value_"]):
                flags.append("on-cpu")
            if int(t["bound_cpu_"]) >= 0:
                flags.append("bound:%d" % int(t["bound_cpu_"]))
            print("%6d  %-12s %-11s %4d %4s  %s" % (int(t["id_"]), _cstring(t["name_"]), state,
                                                   int(t["priority_"]["value_"]), cpu_id, " ".join(flags)))


def _saved_registers(t):
    """The (sp, pc, fp) a switched-out thread resumes with, from its context."""
    platform = _platform()
    ctx = t["context_"]
    u64 = gdb.lookup_type("unsigned long").pointer()
    if platform == "hosted":
        # umach_hosted_jump (context.cc: jump_fcontext's layout) leaves at fctx:
        # mxcsr/fcw, r12, r13, r14, r15, rbx, rbp, return address.
        fctx = int(ctx["fctx"])
        if not fctx:
            return None
        rbp = int(gdb.Value(fctx + 0x30).cast(u64).dereference())
        rip = int(gdb.Value(fctx + 0x38).cast(u64).dereference())
        return fctx + 0x40, rip, rbp
    if platform == "amd64":
        # context_switch.S pushes rbp, rbx, r12-r15 below the return address.
        rsp = int(ctx["rsp"])
        if not rsp:
            return None
        rbp = int(gdb.Value(rsp + 40).cast(u64).dereference())
        rip = int(gdb.Value(rsp + 48).cast(u64).dereference())
        return rsp + 56, rip, rbp
    # riscv64: context_switch.S saves ra at 0 and s0 (fp) at 8 of a 112-byte frame.
    sp = int(ctx["sp"])
    if not sp:
        return None
    ra = int(gdb.Value(sp).cast(u64).dereference())
    s0 = int(gdb.Value(sp + 8).cast(u64).dereference())
    return sp + 112, ra, s0


class MachBacktrace(gdb.Command):
    """Backtrace of a switched-out kernel thread: mach-bt THREAD-ID"""

    def __init__(self):
        super().__init__("mach-bt", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        if not arg.strip():
            raise gdb.GdbError("usage: mach-bt THREAD-ID (see info mach-threads)")
        want = int(arg.strip(), 0)
        for t in _threads():
            if int(t["id_"]) != want:
                continue
            if bool(t["on_cpu_"]["value_"]):
                print("thread %d is on a CPU: select that CPU's host thread (info threads) and use bt" % want)
                return
            regs = _saved_registers(t)
            if regs is None:
                print("thread %d has not run yet" % want)
                return
            self._backtrace_with(*regs)
            return
        raise gdb.GdbError("no kernel thread with id %d" % want)

    @staticmethod
    def _backtrace_with(sp, pc, fp):
        names = ("$rsp", "$rip", "$rbp") if _platform() != "riscv64" else ("$sp", "$pc", "$s0")
        gdb.execute("frame 0", to_string=True)
        saved = [int(gdb.parse_and_eval(n)) for n in names]
        try:
            for name, value in zip(names, (sp, pc, fp)):
                gdb.execute("set %s = %d" % (name, value))
            gdb.execute("bt")
        finally:
            gdb.execute("frame 0", to_string=True)
            for name, value in zip(names, saved):
                gdb.execute("set %s = %d" % (name, value))


class UmachSignals(gdb.Command):
    """Pass the hosted platform's signals quietly (quiet) or stop on them (loud)."""

    def __init__(self):
        super().__init__("umach-signals", gdb.COMMAND_RUNNING)

    def invoke(self, arg, from_tty):
        mode = arg.strip() or "quiet"
        how = "nostop noprint pass" if mode == "quiet" else "stop print pass"
        for sig in PLATFORM_SIGNALS:
            gdb.execute("handle %s %s" % (sig, how), to_string=True)
        print("umach: platform signals %s" % mode)


class MachLoadSymbols(gdb.Command):
    """Load the symbols of every task program at its load address."""

    def __init__(self):
        super().__init__("mach-load-symbols", gdb.COMMAND_FILES)

    def invoke(self, arg, from_tty):
        registry = "'umach::hosted::g_loaded_programs'"
        if not _symbol_exists(registry):
            raise gdb.GdbError("this kernel has no task-program registry")
        programs = gdb.parse_and_eval(registry)
        count = int(gdb.parse_and_eval("'umach::hosted::g_loaded_program_count'"))
        for i in range(count):
            entry = programs[i]
            path = _cstring(entry["path"])
            base = int(entry["base"])
            gdb.execute("add-symbol-file %s -o %d" % (path, base))


# The buffer vm_dump_dot_for_gdb prints from (vm/dot.cc): mach-vm-dot has
# dump_dot write into it, so the graph reaches gdb rather than the console.
DOT_BUFFER = "'vm_dump_dot_for_gdb'::buf"
VM_MAP_T = "umach::vm::VmMap"


# The classes whose methods run a task's user loop (core/task/user_task.h)
# and its runners; each holds the task's map in `map_` (UserTask's).
USER_TASK_TYPES = ("umach::UserTask", "umach::hosted::TestTask", "umach::baremetal::BareTask")


def _test_task_map():
    """The map of the user task whose method a frame of the selected stack runs, or None."""
    frame = gdb.selected_frame()
    while frame is not None:
        for name in ("this", "self"):
            try:
                task = frame.read_var(name)
            except (ValueError, gdb.error):
                continue
            pointer = task.type.strip_typedefs()
            if pointer.code != gdb.TYPE_CODE_PTR or pointer.target().strip_typedefs().tag not in USER_TASK_TYPES:
                continue
            try:
                vm_map = task.dereference()["map_"]["ptr_"]
                if int(vm_map):
                    return vm_map
            except gdb.error:  # optimized out here: an older frame may still have it
                pass
        frame = frame.older()
    return None


def _default_map():
    if gdb.selected_inferior().pid:
        found = _test_task_map()
        if found is not None:
            return found
    if _symbol_exists("g_umach_run_map"):
        run_map = gdb.parse_and_eval("g_umach_run_map")
        if int(run_map):
            return run_map
    raise gdb.GdbError("mach-vm-dot: no test task on this stack and no `umach --run` map: give MAP")


class MachVmDot(gdb.Command):
    """A VM map and its object graph as Graphviz dot: mach-vm-dot [-o FILE] [MAP]

MAP is an expression for a umach::vm::VmMap* (default: the map of the test
task a frame of the selected thread's stack belongs to, else that of the
program `umach --run` runs). The graph is printed, or written to FILE.
It calls into the kernel (vm::dump_dot takes the VM lock): stop where no
thread of the selected CPU holds it."""

    def __init__(self):
        super().__init__("mach-vm-dot", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        words = gdb.string_to_argv(arg)
        path = None
        if len(words) >= 2 and words[0] == "-o":
            path = words[1]
            words = words[2:]
        expr = " ".join(words)
        vm_map = gdb.parse_and_eval(expr) if expr else _default_map()
        address = int(vm_map)
        if not address:
            raise gdb.GdbError("mach-vm-dot: the map is null")
        if not _symbol_exists(DOT_BUFFER):
            gdb.parse_and_eval("vm_dump_dot_for_gdb((%s*)%d)" % (VM_MAP_T, address))
            print("mach-vm-dot: printed on the kernel's console (no dot buffer found)")
            return
        buf = gdb.parse_and_eval(DOT_BUFFER)
        cap = buf.type.sizeof
        need = int(gdb.parse_and_eval("umach::vm::dump_dot(*(%s*)%d, (char*)%d, %d)" %
                                      (VM_MAP_T, address, int(buf.address), cap)))
        text = bytes(gdb.selected_inferior().read_memory(int(buf.address), min(need, cap - 1))).decode()
        if need >= cap:
            text += "... (cut at %d of %d bytes)\n" % (cap - 1, need)
        if path:
            with open(path, "w") as f:
                f.write(text)
            print("mach-vm-dot: %d bytes to %s" % (len(text), path))
        else:
            gdb.write(text)


InfoMachThreads()
MachBacktrace()
UmachSignals()
MachLoadSymbols()
MachVmDot()
gdb.execute("umach-signals quiet", to_string=True)
print("umach: gdb helpers loaded (info mach-threads, mach-bt, umach-signals, mach-load-symbols, mach-vm-dot)")
