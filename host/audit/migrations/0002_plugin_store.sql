-- The plugin store shared by every gateway replica (interop-gateway, store/postgres.rs).
--
-- plugin_store is one row: the store's generation, which goes up by one with every change. A
-- change locks it (SELECT ... FOR UPDATE), so changes made at once from several machines are
-- one sequence, as store.lock makes them for the files store; the change is announced with
-- NOTIFY interop_plugin_store in the same transaction, delivered when it commits.
--
-- Components and policies are stored once, by the SHA-256 of their bytes. plugin_slots is the
-- index: each connector's current and previous version (the JSON of a store Version) and the
-- key its id is bound to (the current version's signer: an upgrade signed by another key must
-- name it). plugin_changes is changes.jsonl: each line exactly as it was hashed, chained by
-- prev_sha256.
--
-- Native code is never here: each replica compiles what it loads into its own [store] dir.
-- plugin_loads holds each replica's load report (what it made of the current versions);
-- plugin_presence names the database connection of each running replica, so a report whose
-- replica died (its connection gone from pg_stat_activity) is told from a live one.

CREATE TABLE plugin_store (
    id         smallint PRIMARY KEY CHECK (id = 1),
    generation bigint   NOT NULL CHECK (generation >= 0)
);
INSERT INTO plugin_store (id, generation) VALUES (1, 0);

CREATE TABLE plugin_objects (
    sha256 text  PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes  bytea NOT NULL
);

CREATE TABLE plugin_policies (
    sha256 text  PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    text   bytea NOT NULL
);

CREATE TABLE plugin_slots (
    id       text  PRIMARY KEY,
    current  jsonb NOT NULL,
    previous jsonb,
    signer   text
);

CREATE TABLE plugin_changes (
    generation bigint PRIMARY KEY CHECK (generation > 0),
    line       text   NOT NULL
);

CREATE TABLE plugin_loads (
    gateway_id text        PRIMARY KEY,
    generation bigint      NOT NULL,
    report     text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE plugin_presence (
    gateway_id    text        PRIMARY KEY,
    backend_pid   integer     NOT NULL,
    backend_start timestamptz NOT NULL
);
