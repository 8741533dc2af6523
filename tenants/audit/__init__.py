"""The audit trail: `services` writes an event in the transaction of the change it records,
`selectors` reads the log with one scope rule, `apis` and `views` show it.

Every service in every app writes through `Origin` and `record`, so they are this package's
face: `from tenants.audit import Origin` and `audit.record(...)` read as they did.
"""

from .services import CLI, Origin, record, record_rollup

__all__ = ["CLI", "Origin", "record", "record_rollup"]
