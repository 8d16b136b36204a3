"""What the host gives a connector besides HTTP: its granted configuration, its log, the time."""

import time

# Imported when this module is: componentize-py bundles only what is imported while it builds
# the component, so a generated module imported lazily inside a function is missing at run time.
from wit_world.imports import config as host_config
from wit_world.imports import log as host_log

from .errors import ConnectorFailure


def config(key, required=True):
    """The value the force's policy granted for `key`. A missing required key raises
    `invalid-input` naming it (the force's configuration is incomplete)."""
    value = host_config.get(key)
    if value is None or value.strip() == "":
        if required:
            raise ConnectorFailure("invalid-input", f"configuration `{key}` is not set")
        return None
    return value


_LEVELS = {"trace": host_log.Level.TRACE, "debug": host_log.Level.DEBUG,
           "info": host_log.Level.INFO, "warn": host_log.Level.WARN,
           "error": host_log.Level.ERROR}


def log(level, message):
    """Log a line through the host (`trace`, `debug`, `info`, `warn` or `error`)."""
    host_log.log(_LEVELS.get(level, host_log.Level.INFO), message)


def now_rfc3339():
    """The current time, RFC 3339 in UTC without fractions, e.g. `2026-03-01T14:05:00Z`.

    Formatted from `time.gmtime` rather than `datetime.strftime`, which imports and calls the
    `time` module's own strftime each time: this runs once per record."""
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % time.gmtime()[:6]
