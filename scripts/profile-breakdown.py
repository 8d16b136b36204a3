#!/usr/bin/env python3
"""Where a fresh-instance call's time goes, from a `perf record -g` profile.

    perf record -F 2000 -e cpu-clock -g -o call.data \
        target/release/deps/call_profile-* python search 3000
    scripts/profile-breakdown.py call.data

Each sample is put in the first bucket its call stack matches (innermost frames first for the
kernel buckets, so a page fault taken inside guest code counts as a page fault):

- page faults: the kernel handling a fault (first touch of a page since the pool reset it,
  copy-on-write of a memory-image page);
- memory reset: wasmtime putting a slot back (`PAGEMAP_SCAN`, the `memcpy` of dirty pages,
  `madvise` of the rest, table resets) when the instance is dropped;
- instantiate: `InstancePre::instantiate` (imports, function references, tables, the memory
  image), the guest's start functions run meanwhile, and creating the store;
- guest: compiled wasm, by core module (the runtime's interpreter, its libc, the adapter);
- host calls: the capabilities serving imports (HTTP, config, log, WASI) and lifting/lowering
  across the boundary;
- other: the async runtime, the stand-ins in the same process, the bench itself.
"""

import collections
import re
import subprocess
import sys


def stacks(path):
    """Yield each sample's frames, innermost first."""
    out = subprocess.run(
        ["perf", "script", "-i", path, "-F", "comm,tid,ip,sym,dso"],
        capture_output=True, text=True, check=True,
    ).stdout
    frames = []
    for line in out.splitlines():
        if not line.strip():
            if frames:
                yield frames
            frames = []
            continue
        if line[0] not in " \t":
            continue  # the sample's header line
        parts = line.strip().split(None, 1)
        frames.append(parts[1] if len(parts) > 1 else parts[0])
    if frames:
        yield frames


RESET = re.compile(
    r"clear_and_remain_ready|reset_with_pagemap|decommit|pagemap_scan|"
    r"MemoryPool::deallocate|TablePool::reset|deallocate_memories|deallocate_tables|"
    r"PoolingInstanceAllocator.*deallocate"
)
INSTANTIATE = re.compile(
    r"instantiate|InstancePre|Instance::new|OwnedImports|get_func_ref|module_start|"
    r"wasmtime_builtin_ref_func|CompiledFunctionsTable|cranelift_bforest|FuncKey|"
    r"EngineCode::text_range|lookup_vmdef|get_exported_global|set_trampoline|"
    r"initialize_and_return_funcref|ModuleRegistry|Store<.*>::new|StoreOpaque::new|"
    r"allocate_module|allocate_memories|MemoryImageSlot::instantiate"
)
GUEST = re.compile(r"^wasm\[(\d+)\]::(function\[\d+\](?:::(\S+))?|\S+)")
HOST = re.compile(
    r"interop_sandbox::capabilities|wasmtime_wasi|wasmtime_wasi_http|typed::|Lift|Lower|"
    r"HostFunc|lift_|lower_|canonical_abi|wasmtime::runtime::component::func"
)


def bucket(frames):
    for f in frames:
        if "page_fault" in f:
            return "page faults", None
    for f in frames:
        if RESET.search(f):
            return "memory reset (pool)", None
    leaf = frames[0]
    # A guest start function (run while instantiating: componentize-py's table relocations
    # take a `ref.func` per function) and wasmtime's function-reference set-up, whose frames
    # carry no caller, are instantiation.
    for f in frames:
        if "module_start" in f or "builtin_ref_func" in f:
            return "instantiate", None
    if INSTANTIATE.search(leaf):
        return "instantiate", None
    m = GUEST.match(leaf)
    if m:
        return "guest", f"wasm[{m.group(1)}]"
    for f in frames:
        if HOST.search(f) and not GUEST.match(f):
            # Host code called from the guest: an import being served.
            if any(GUEST.match(g) for g in frames):
                return "host calls (imports, lifting)", None
    for f in frames:
        if INSTANTIATE.search(f):
            return "instantiate", None
    if any(GUEST.match(g) for g in frames):
        return "host calls (imports, lifting)", None
    if leaf.startswith("[k]") or "kernel" in leaf:
        return "kernel, other", None
    return "other (runtime, stand-ins, bench)", None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    counts = collections.Counter()
    modules = collections.Counter()
    total = 0
    for frames in stacks(sys.argv[1]):
        total += 1
        name, module = bucket(frames)
        counts[name] += 1
        if module:
            modules[module] += 1
    if not total:
        sys.exit("no samples")
    for name, n in counts.most_common():
        print(f"{100 * n / total:5.1f}%  {name}")
    if modules:
        print("guest by core module:")
        for name, n in modules.most_common(6):
            print(f"        {100 * n / total:5.1f}%  {name}")
    print(f"({total} samples)")


if __name__ == "__main__":
    main()
