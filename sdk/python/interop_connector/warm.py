"""Work done once while the component is built, instead of in every call.

componentize-py imports the connector's module, then snapshots the interpreter; every call
starts a fresh instance from that snapshot. CPython's adaptive interpreter specialises code the
first times it runs (it rewrites the bytecode in place), so code first run inside a call is
specialised again, and its pages written again, in every call's instance. Run at module scope,
`warm_up` does that first work before the snapshot, and every instance starts with it done:

    from interop_connector.warm import warm_up
    warm_up(lambda: person_record(SAMPLE_DETAINEE, SAMPLE_SETTINGS))

`pole` and `http` warm their own builders and parsing this way when imported, and a connector
can warm its own mapping (with both, Osprey Custody's search took a median 0.85x the time it
took without, `docs/BENCHMARKS.md`). `fn` must not call the host (configuration, log, HTTP): there is no
host while the component is built. Give it synthetic data shaped like the vendor's answers.
"""

__all__ = ["warm_up"]

# CPython specialises an instruction within its first executions; four leaves a margin.
DEFAULT_TIMES = 4


def warm_up(fn, times=DEFAULT_TIMES):
    """Call `fn()` `times` times now; what it returns is dropped. An exception it raises is
    raised here, failing the build, so a broken warm-up is seen at once."""
    for _ in range(times):
        fn()
