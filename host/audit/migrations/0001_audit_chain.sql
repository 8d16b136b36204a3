-- The audit chain shared by every gateway replica (interop-audit, postgres.rs).
--
-- audit_lines holds each sealed line exactly as it was hashed (without its newline), so the
-- chain verifies with the same code as audit.jsonl. audit_tip is one row: the chain's last seq
-- and hash (what the next line's prev must be), the record count, and the newest signed
-- checkpoint as an audit.head would hold it. An append locks this row (SELECT ... FOR UPDATE),
-- so seq and prev are allocated in the same transaction that inserts the lines: replicas
-- appending at once queue on the lock and the chain stays one sequence.

CREATE TABLE audit_lines (
    seq        bigint  PRIMARY KEY CHECK (seq > 0),
    line       text    NOT NULL,
    gateway    text    NOT NULL,
    checkpoint boolean NOT NULL
);

CREATE TABLE audit_tip (
    id      smallint PRIMARY KEY CHECK (id = 1),
    seq     bigint   NOT NULL,
    hash    text     NOT NULL,
    records bigint   NOT NULL,
    head    text     NOT NULL
);
