//! Per-user state the replicas share in PostgreSQL when `[storage] backend = "postgres"`:
//! browser sessions and sign-ins under way (behind `interop_identity`'s [`SessionStore`] and
//! [`PendingLoginStore`]), and rate-limit windows ([`Limiter::Shared`]). The tables are in
//! `host/audit/migrations/0003_user_state.sql`. With the files backend all of it stays in
//! this process's memory, as before.
//!
//! Every statement here is one round trip on one connection per replica, which tokio-postgres
//! pipelines: requests do not queue behind each other's statements. A rate-limit check is one
//! call of `interop_rate_check`, whose upsert locks the user's window row, so replicas counting
//! the same user at once are serialised by the database and the limit holds across them.
//! Windows are aligned to the Unix epoch (a multiple of the window), so every replica counts a
//! request in the same one; give every replica the same `[rate_limit]`.
//!
//! What the database cannot do, the request does not get: a session or rate-limit store that
//! cannot be reached is an error (the request is refused with 500/503), never a pass.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use interop_audit::PgConfig;
use interop_audit::tokio_postgres::{Client, Row};
use interop_identity::{
    Access, Clearance, Identity, NoAccess, PendingLogin, PendingLoginStore, RateDecision,
    RateLimit, RateLimiter, RefusalTally, Roles, SessionKey, SessionRecord, SessionStore,
    StoreError, StoreFuture, WindowKind,
};

/// One connection to the shared database, reconnected when lost; shared by concurrent
/// statements (pipelined).
pub(crate) struct Db {
    config: PgConfig,
    described: String,
    client: tokio::sync::Mutex<Option<Arc<Client>>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("database", &self.described)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Connect now (so a database that cannot be reached stops the start), schema migrated.
    pub(crate) async fn open(config: PgConfig) -> anyhow::Result<Arc<Db>> {
        let described = config.describe()?;
        let client = config.connect("interop-user-state").await?;
        Ok(Arc::new(Db {
            config,
            described,
            client: tokio::sync::Mutex::new(Some(Arc::new(client))),
        }))
    }

    async fn client(&self) -> Result<Arc<Client>, StoreError> {
        let mut guard = self.client.lock().await;
        if let Some(c) = guard.as_ref()
            && !c.is_closed()
        {
            return Ok(c.clone());
        }
        *guard = None;
        let client = Arc::new(
            self.config
                .connect("interop-user-state")
                .await
                .map_err(|e| StoreError(e.to_string()))?,
        );
        *guard = Some(client.clone());
        Ok(client)
    }

    fn failed(&self, what: &str) -> impl Fn(interop_audit::tokio_postgres::Error) -> StoreError {
        let prefix = format!("{} {what}", self.described);
        move |e| StoreError(format!("{prefix}: {e}"))
    }
}

/// Microseconds since the Unix epoch (0 before it).
fn micros(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

fn time(us: i64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_micros(u64::try_from(us).unwrap_or(0))
}

/// Sessions and sign-ins under way in the shared database.
#[derive(Debug)]
pub(crate) struct PgSessions {
    db: Arc<Db>,
}

impl PgSessions {
    pub(crate) fn new(db: Arc<Db>) -> PgSessions {
        PgSessions { db }
    }
}

const SESSION_COLUMNS: &str = "user_id, subject, roles, clearance, no_access, valid_until, \
                               id_token, csrf_token, created_at, last_seen";

fn session_of(row: &Row) -> Result<SessionRecord, StoreError> {
    let bad = |what: &str| StoreError(format!("a stored session has {what}"));
    let roles: Vec<String> = row.get(2);
    let access = match (row.get::<_, Option<&str>>(3), row.get::<_, Option<&str>>(4)) {
        (Some(c), None) => Access::Granted {
            roles: Roles::new(roles).ok_or_else(|| bad("no roles"))?,
            clearance: Clearance::from_name(c).ok_or_else(|| bad("an unknown clearance"))?,
        },
        (None, Some("no-role")) => Access::Nothing(NoAccess::NoRole),
        (None, Some("no-clearance")) => Access::Nothing(NoAccess::NoClearance),
        _ => return Err(bad("no access that can be read")),
    };
    Ok(SessionRecord {
        identity: Identity {
            user_id: row.get(0),
            subject: row.get(1),
            access,
            valid_until: time(row.get(5)),
        },
        id_token: row.get(6),
        csrf_token: row.get(7),
        created_at: time(row.get(8)),
        last_seen: time(row.get(9)),
    })
}

impl SessionStore for PgSessions {
    fn insert(&self, key: SessionKey, record: SessionRecord) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let client = self.db.client().await?;
            let (roles, clearance, no_access): (Vec<String>, Option<&str>, Option<&str>) =
                match &record.identity.access {
                    Access::Granted { roles, clearance } => {
                        (roles.as_slice().to_vec(), Some(clearance.name()), None)
                    }
                    Access::Nothing(NoAccess::NoRole) => (Vec::new(), None, Some("no-role")),
                    Access::Nothing(NoAccess::NoClearance) => {
                        (Vec::new(), None, Some("no-clearance"))
                    }
                };
            let max = i64::try_from(interop_identity::MAX_SESSIONS).unwrap_or(i64::MAX);
            let inserted = client
                .execute(
                    &format!(
                        "INSERT INTO identity_sessions (key, {SESSION_COLUMNS})
                         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11
                         WHERE (SELECT count(*) FROM identity_sessions) < $12"
                    ),
                    &[
                        &key.0.as_slice(),
                        &record.identity.user_id,
                        &record.identity.subject,
                        &roles,
                        &clearance,
                        &no_access,
                        &micros(record.identity.valid_until),
                        &record.id_token,
                        &record.csrf_token,
                        &micros(record.created_at),
                        &micros(record.last_seen),
                        &max,
                    ],
                )
                .await
                .map_err(self.db.failed("cannot store a session"))?;
            if inserted == 0 {
                return Err(StoreError(format!(
                    "{} sessions are open",
                    interop_identity::MAX_SESSIONS
                )));
            }
            Ok(())
        })
    }

    fn get(&self, key: SessionKey) -> StoreFuture<'_, Option<SessionRecord>> {
        Box::pin(async move {
            let client = self.db.client().await?;
            let row = client
                .query_opt(
                    &format!("SELECT {SESSION_COLUMNS} FROM identity_sessions WHERE key = $1"),
                    &[&key.0.as_slice()],
                )
                .await
                .map_err(self.db.failed("cannot read a session"))?;
            row.as_ref().map(session_of).transpose()
        })
    }

    fn touch(&self, key: SessionKey, at: SystemTime) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let client = self.db.client().await?;
            client
                .execute(
                    "UPDATE identity_sessions SET last_seen = greatest(last_seen, $2) WHERE key = $1",
                    &[&key.0.as_slice(), &micros(at)],
                )
                .await
                .map_err(self.db.failed("cannot touch a session"))?;
            Ok(())
        })
    }

    fn remove(&self, key: SessionKey) -> StoreFuture<'_, Option<SessionRecord>> {
        Box::pin(async move {
            let client = self.db.client().await?;
            let row = client
                .query_opt(
                    &format!(
                        "DELETE FROM identity_sessions WHERE key = $1 RETURNING {SESSION_COLUMNS}"
                    ),
                    &[&key.0.as_slice()],
                )
                .await
                .map_err(self.db.failed("cannot remove a session"))?;
            row.as_ref().map(session_of).transpose()
        })
    }

    fn remove_expired(
        &self,
        idle_before: SystemTime,
        created_before: SystemTime,
    ) -> StoreFuture<'_, usize> {
        Box::pin(async move {
            let client = self.db.client().await?;
            let n = client
                .execute(
                    "DELETE FROM identity_sessions WHERE last_seen <= $1 OR created_at <= $2",
                    &[&micros(idle_before), &micros(created_before)],
                )
                .await
                .map_err(self.db.failed("cannot remove expired sessions"))?;
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        })
    }
}

impl PendingLoginStore for PgSessions {
    fn put(&self, key: [u8; 32], login: PendingLogin) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let client = self.db.client().await?;
            let now = micros(SystemTime::now());
            let max = i64::try_from(interop_identity::MAX_PENDING_LOGINS).unwrap_or(i64::MAX);
            // Expired ones go first; beyond the bound, the oldest (as in memory).
            client
                .execute(
                    "DELETE FROM identity_pending_logins WHERE expires_at <= $1
                        OR key IN (SELECT key FROM identity_pending_logins
                                   ORDER BY expires_at DESC OFFSET $2)",
                    &[&now, &(max - 1)],
                )
                .await
                .map_err(self.db.failed("cannot bound the sign-ins under way"))?;
            client
                .execute(
                    "INSERT INTO identity_pending_logins
                         (key, nonce, pkce_verifier, binding_sha256, return_to, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (key) DO NOTHING",
                    &[
                        &key.as_slice(),
                        &login.nonce,
                        &login.pkce_verifier,
                        &login.binding_sha256.as_slice(),
                        &login.return_to,
                        &micros(login.expires_at),
                    ],
                )
                .await
                .map_err(self.db.failed("cannot store a sign-in under way"))?;
            Ok(())
        })
    }

    fn take(&self, key: [u8; 32]) -> StoreFuture<'_, Option<PendingLogin>> {
        Box::pin(async move {
            let client = self.db.client().await?;
            // DELETE … RETURNING: each sign-in is finished once, whichever replica gets the
            // callback.
            let row = client
                .query_opt(
                    "DELETE FROM identity_pending_logins WHERE key = $1
                     RETURNING nonce, pkce_verifier, binding_sha256, return_to, expires_at",
                    &[&key.as_slice()],
                )
                .await
                .map_err(self.db.failed("cannot read a sign-in under way"))?;
            let Some(row) = row else { return Ok(None) };
            let binding: Vec<u8> = row.get(2);
            Ok(Some(PendingLogin {
                nonce: row.get(0),
                pkce_verifier: row.get(1),
                binding_sha256: binding
                    .try_into()
                    .map_err(|_| StoreError("a stored sign-in has a bad binding".into()))?,
                return_to: row.get(3),
                expires_at: time(row.get(4)),
            }))
        })
    }
}

/// Per-user rate limiting: in this process (the files backend), or shared by the replicas.
#[derive(Debug)]
pub(crate) enum Limiter {
    /// Counted in memory: with several replicas, each allows the whole rate.
    Local(RateLimiter),
    /// Counted in the database, across every replica.
    Shared {
        /// The limit.
        limit: RateLimit,
        /// The database.
        db: Arc<Db>,
    },
}

impl Limiter {
    pub(crate) fn limit(&self) -> RateLimit {
        match self {
            Limiter::Local(l) => l.limit(),
            Limiter::Shared { limit, .. } => *limit,
        }
    }

    /// Count one request by `user_id`.
    ///
    /// # Errors
    /// The shared database cannot be reached: the request must not go ahead uncounted.
    pub(crate) async fn check(&self, user_id: &str) -> Result<RateDecision, StoreError> {
        let (limit, db) = match self {
            Limiter::Local(l) => return Ok(l.check(user_id)),
            Limiter::Shared { limit, db } => (*limit, db),
        };
        let window_us = i64::try_from(limit.window.as_micros())
            .unwrap_or(i64::MAX)
            .max(1);
        let now = micros(SystemTime::now());
        let start = now - now.rem_euclid(window_us);
        let into = Duration::from_micros(u64::try_from(now - start).unwrap_or(0));
        #[allow(clippy::cast_precision_loss)]
        let fraction = (now - start) as f64 / window_us as f64;
        let requests = i32::try_from(limit.requests).unwrap_or(i32::MAX);
        let client = db.client().await?;
        let row = client
            .query_one(
                "SELECT allowed, current_before, previous, refused_now
                 FROM interop_rate_check($1, $2, $3, $4, $5, $6)",
                &[
                    &user_id,
                    &window_us,
                    &start,
                    &requests,
                    &matches!(limit.kind, WindowKind::Sliding),
                    &fraction,
                ],
            )
            .await
            .map_err(db.failed("cannot count a request against the rate limit"))?;
        if row.get::<_, bool>(0) {
            return Ok(RateDecision::Allowed);
        }
        let count = |i: usize| u32::try_from(row.get::<_, i32>(i)).unwrap_or(0);
        let (_, wait) = interop_identity::decide(limit, into, count(2), count(1));
        Ok(interop_identity::refusal(wait, count(3)))
    }

    /// The refusal totals of windows that have ended, each claimed by one replica only (the
    /// row is marked tallied in the same statement), and windows no longer needed deleted.
    pub(crate) async fn take_tallies(&self) -> Vec<RefusalTally> {
        let (limit, db) = match self {
            Limiter::Local(l) => return l.take_tallies(),
            Limiter::Shared { limit, db } => (*limit, db),
        };
        let window_us = i64::try_from(limit.window.as_micros()).unwrap_or(i64::MAX);
        let now = micros(SystemTime::now());
        let result = async {
            let client = db.client().await?;
            let rows = client
                .query(
                    "UPDATE rate_windows SET tallied = true
                     WHERE window_us = $1 AND window_start + window_us <= $2
                       AND refused > 0 AND NOT tallied
                     RETURNING user_id, window_start, refused",
                    &[&window_us, &now],
                )
                .await
                .map_err(db.failed("cannot read the ended rate-limit windows"))?;
            client
                .execute(
                    "DELETE FROM rate_windows
                     WHERE window_start + 2 * window_us <= $1 AND (refused = 0 OR tallied)",
                    &[&now],
                )
                .await
                .map_err(db.failed("cannot delete old rate-limit windows"))?;
            Ok::<_, StoreError>(
                rows.iter()
                    .map(|r| RefusalTally {
                        user_id: r.get(0),
                        window_start: time(r.get(1)),
                        window: limit.window,
                        refused: u32::try_from(r.get::<_, i32>(2)).unwrap_or(0),
                    })
                    .collect(),
            )
        }
        .await;
        result.unwrap_or_else(|e| {
            tracing::error!("rate limit: {e}");
            Vec::new()
        })
    }
}
