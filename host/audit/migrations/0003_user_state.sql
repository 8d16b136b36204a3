-- Per-user state the gateway replicas share (interop-gateway, shared.rs): sign-in sessions,
-- sign-ins under way, and rate-limit windows, so a browser signed in through one replica is
-- signed in on all of them and a user's rate limit counts every replica's requests.
--
-- A session is stored under the SHA-256 of its id (the id itself is only ever in the
-- browser's cookie), as in memory; times are microseconds since the Unix epoch, as the
-- gateway's clock gives them.

CREATE TABLE identity_sessions (
    key          bytea   PRIMARY KEY CHECK (octet_length(key) = 32),
    user_id      text    NOT NULL,
    subject      text    NOT NULL,
    roles        text[]  NOT NULL,
    clearance    text,
    no_access    text,
    valid_until  bigint  NOT NULL,
    id_token     text    NOT NULL,
    csrf_token   text    NOT NULL,
    created_at   bigint  NOT NULL,
    last_seen    bigint  NOT NULL
);
CREATE INDEX identity_sessions_last_seen ON identity_sessions (last_seen);

CREATE TABLE identity_pending_logins (
    key            bytea  PRIMARY KEY CHECK (octet_length(key) = 32),
    nonce          text   NOT NULL,
    pkce_verifier  text   NOT NULL,
    binding_sha256 bytea  NOT NULL,
    return_to      text   NOT NULL,
    expires_at     bigint NOT NULL
);

-- One row per user and window: windows are aligned to the epoch (window_start is a multiple of
-- window_us), so every replica puts a request in the same one.
CREATE TABLE rate_windows (
    user_id      text    NOT NULL,
    window_us    bigint  NOT NULL CHECK (window_us > 0),
    window_start bigint  NOT NULL,
    requests     integer NOT NULL,
    refused      integer NOT NULL,
    tallied      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (user_id, window_us, window_start)
);

-- Count one request of p_user in the window starting at p_start, atomically: the row is locked
-- by the upsert, so replicas counting the same user at once queue on it. Fixed windows allow
-- p_limit per window; sliding ones weigh the window before by how much of it still overlaps
-- (1 - p_into, p_into the fraction of this window gone). Returns whether it was allowed and the
-- counts before this request.
CREATE FUNCTION interop_rate_check(
    p_user text, p_window bigint, p_start bigint, p_limit integer, p_sliding boolean,
    p_into double precision)
RETURNS TABLE (allowed boolean, current_before integer, previous integer, refused_now integer)
LANGUAGE plpgsql AS $$
DECLARE
    cur integer;
    ref integer;
    prev integer;
    ok boolean;
BEGIN
    INSERT INTO rate_windows AS w (user_id, window_us, window_start, requests, refused)
    VALUES (p_user, p_window, p_start, 0, 0)
    ON CONFLICT (user_id, window_us, window_start) DO UPDATE SET requests = w.requests
    RETURNING w.requests, w.refused INTO cur, ref;
    SELECT r.requests INTO prev FROM rate_windows r
    WHERE r.user_id = p_user AND r.window_us = p_window AND r.window_start = p_start - p_window;
    prev := coalesce(prev, 0);
    IF p_sliding THEN
        ok := prev * (1.0 - p_into) + cur + 1 <= p_limit + 1e-9;
    ELSE
        ok := cur < p_limit;
    END IF;
    IF ok THEN
        UPDATE rate_windows r SET requests = r.requests + 1
        WHERE r.user_id = p_user AND r.window_us = p_window AND r.window_start = p_start;
    ELSE
        UPDATE rate_windows r SET refused = r.refused + 1
        WHERE r.user_id = p_user AND r.window_us = p_window AND r.window_start = p_start;
        ref := ref + 1;
    END IF;
    RETURN QUERY SELECT ok, cur, prev, ref;
END
$$;
