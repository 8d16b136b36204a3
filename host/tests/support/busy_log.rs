//! A log left busy on purpose, for the group-commit tests of both backends: included by
//! `host/audit/src/tests.rs` (the file log) and `host/tests/audit_postgres.rs` (PostgreSQL),
//! each of which has `AuditLog` and `AuditRecord` in scope.

use super::{AuditLog, AuditRecord};

/// End a load on a sync (on PostgreSQL, a transaction) known to carry two records. A burst's
/// last sync may carry a straggler alone, and a lone sync reads as a quiet log: after this, the
/// writer sees a busy one whatever the thread timing was. `record(i)` makes the `i`-th record
/// appended here.
pub async fn end_on_a_shared_sync(log: &AuditLog, record: impl Fn(u64) -> AuditRecord) {
    for i in 0..50 {
        let before = log.stats();
        let (a, b) = tokio::join!(log.append(record(2 * i)), log.append(record(2 * i + 1)));
        a.unwrap();
        b.unwrap();
        let after = log.stats();
        if after.syncs == before.syncs + 1 && after.records == before.records + 2 {
            return;
        }
    }
    panic!("two appends sent together never shared a sync in 50 tries");
}
