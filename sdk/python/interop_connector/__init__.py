"""Helpers for interop connectors written in Python (componentize-py).

The same ease the Rust SDK (`sdk/`) gives: POLE builders shaped like the WIT contract
`interop:connector@0.2.0`, JSON over HTTP through the host's `wasi:http`, with HTTP failures
mapped to the contract's `connector-error` cases, and config and log access.

Modules:

- `validate`: pure checks and conversions for POLE formats (dates, VRMs, postcodes, numbers).
- `grading`: pure parsing of markings (`OFFICIAL-SENSITIVE`) and 3x5x2 grades (`2B`).
- `errors`: `ConnectorFailure` and the HTTP status → error-case table.
- `pole`: builders returning the generated WIT types (needs the component's bindings).
- `http`: `get_json` / `post_json` over `wasi:http` (needs the component's bindings).
- `host`: config, log and the clock.
- `urls`: pure URL splitting, joining and query encoding.
- `warm`: `warm_up(fn)`, run while the component is built so every call starts with it done.

The pure modules import nothing generated, so `python3 -m unittest` tests them outside wasm;
`pole`, `http` and `host` import the bindings componentize-py generates (`wit_world`), so they
load only while componentize-py builds the component and inside it. (They import them at the
top: componentize-py bundles only modules imported while it builds.)
"""

__all__ = ["errors", "grading", "host", "http", "pole", "urls", "validate", "warm"]
