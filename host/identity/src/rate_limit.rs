//! Per-user rate limits: `requests` per `window`, fixed or sliding.
//!
//! [`RateLimiter::check`] answers each request. A refusal says how long to wait (for
//! `Retry-After`), whether it is the user's first refusal in this window, and how many so far,
//! so the gateway audits the first refusal at once instead of every one. When a window with
//! refusals ends, its total is kept as a [`RefusalTally`] for [`RateLimiter::take_tallies`], so
//! the audit also gets the count.
//!
//! Memory is bounded: at most [`MAX_TRACKED_USERS`] users are tracked; users idle for two
//! windows are dropped first, then the one whose window started longest ago.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::clock::Clock;
use crate::config::{RateLimit, WindowKind};

/// The most users tracked at once. A force has tens of thousands of users; each entry is
/// under 100 bytes plus the id, so this bounds the limiter to a few MiB.
pub const MAX_TRACKED_USERS: usize = 100_000;
/// The most refusal tallies kept between two [`RateLimiter::take_tallies`] calls; beyond this the
/// oldest are dropped (and counted in [`RateLimiter::dropped_tallies`]).
pub const MAX_TALLIES: usize = 10_000;

/// The answer to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    /// Go ahead.
    Allowed,
    /// Too many requests: answer 429 with `Retry-After`.
    Refused {
        /// How long until a request would be allowed (whole seconds, at least one).
        retry_after: Duration,
        /// This is the user's first refusal in this window: audit it.
        first_in_window: bool,
        /// Refusals of this user in this window so far, this one included.
        refused_count: u32,
    },
}

impl RateDecision {
    /// The `Retry-After` header value (seconds), if refused.
    pub fn retry_after_header(&self) -> Option<String> {
        match self {
            Self::Allowed => None,
            Self::Refused { retry_after, .. } => Some(retry_after.as_secs().to_string()),
        }
    }
}

/// How many requests a user had refused in one window that has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusalTally {
    /// The user.
    pub user_id: String,
    /// When the window started.
    pub window_start: SystemTime,
    /// How long it was.
    pub window: Duration,
    /// Requests refused in it.
    pub refused: u32,
}

#[derive(Debug, Clone)]
struct UserWindow {
    start: SystemTime,
    current: u32,
    previous: u32,
    refused: u32,
}

impl UserWindow {
    /// Move to the window holding `now`; the refusals of the window that closed, if any.
    fn roll(&mut self, now: SystemTime, window: Duration) -> Option<(SystemTime, u32)> {
        // A clock that went back leaves us in the current window.
        let elapsed = now.duration_since(self.start).unwrap_or(Duration::ZERO);
        if elapsed < window {
            return None;
        }
        let passed = elapsed.as_nanos() / window.as_nanos();
        let closed = (self.refused > 0).then_some((self.start, self.refused));
        self.previous = if passed == 1 { self.current } else { 0 };
        self.current = 0;
        self.refused = 0;
        let into = u64::try_from(elapsed.as_nanos() % window.as_nanos()).unwrap_or(0);
        self.start = now - Duration::from_nanos(into);
        closed
    }
}

#[derive(Debug, Default)]
struct State {
    users: HashMap<String, UserWindow>,
    tallies: VecDeque<RefusalTally>,
    dropped: u64,
}

impl State {
    fn tally(&mut self, user_id: &str, closed: Option<(SystemTime, u32)>, window: Duration) {
        let Some((window_start, refused)) = closed else {
            return;
        };
        if self.tallies.len() >= MAX_TALLIES {
            self.tallies.pop_front();
            self.dropped += 1;
        }
        self.tallies.push_back(RefusalTally {
            user_id: user_id.to_string(),
            window_start,
            window,
            refused,
        });
    }

    /// Close ended windows and drop users with nothing counted in this window or the one before
    /// (they hold nothing that matters).
    fn sweep(&mut self, now: SystemTime, window: Duration) {
        let mut closed = Vec::new();
        self.users.retain(|user, w| {
            if let Some(c) = w.roll(now, window) {
                closed.push((user.clone(), c));
            }
            w.current > 0 || w.previous > 0 || w.refused > 0
        });
        for (user, c) in closed {
            self.tally(&user, Some(c), window);
        }
    }
}

/// Per-user request counting.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

/// Whether one more request is allowed `into` a window of `limit` that has counted `current`
/// requests, after one that counted `previous`; if not, how long until one would be. The rule
/// every limiter applies, in memory or shared by replicas in a database.
pub fn decide(limit: RateLimit, into: Duration, previous: u32, current: u32) -> (bool, Duration) {
    let window = limit.window;
    match limit.kind {
        WindowKind::Fixed => (current < limit.requests, window.saturating_sub(into)),
        WindowKind::Sliding => {
            let w_secs = window.as_secs_f64();
            let f = (into.as_secs_f64() / w_secs).clamp(0.0, 1.0);
            let (prev, cur, lim) = (
                f64::from(previous),
                f64::from(current),
                f64::from(limit.requests),
            );
            // A hair of tolerance so float rounding never refuses the request the maths allows.
            if prev * (1.0 - f) + cur + 1.0 <= lim + 1e-9 {
                (true, Duration::ZERO)
            } else if cur + 1.0 <= lim {
                // The previous window's weight is what blocks: wait until it has faded enough.
                let target = 1.0 - (lim - 1.0 - cur) / prev;
                (
                    false,
                    Duration::from_secs_f64(((target - f) * w_secs).max(0.0)),
                )
            } else {
                // This window is full: wait for the next one, then for this one to fade.
                let target = 1.0 - (lim - 1.0) / cur;
                (
                    false,
                    Duration::from_secs_f64(((1.0 - f) + target.max(0.0)) * w_secs),
                )
            }
        }
    }
}

/// The answer to a request that [`decide`] refused: `Retry-After` in whole seconds (at least
/// one), and whether this is the first refusal (`refused_count` counts this one).
pub fn refusal(wait: Duration, refused_count: u32) -> RateDecision {
    RateDecision::Refused {
        retry_after: whole_seconds(wait),
        first_in_window: refused_count == 1,
        refused_count,
    }
}

/// Whole seconds, rounded up, at least one: `Retry-After` takes seconds and 0 means "now".
fn whole_seconds(d: Duration) -> Duration {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    Duration::from_secs(secs.max(1))
}

impl RateLimiter {
    /// A limiter applying `limit`, reading time from `clock`.
    pub fn new(limit: RateLimit, clock: Arc<dyn Clock>) -> Self {
        Self {
            limit,
            clock,
            state: Mutex::new(State::default()),
        }
    }

    /// The limit applied.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Count one request by `user_id`.
    pub fn check(&self, user_id: &str) -> RateDecision {
        let now = self.clock.now();
        let window = self.limit.window;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());

        if !state.users.contains_key(user_id) && state.users.len() >= MAX_TRACKED_USERS {
            state.sweep(now, window);
            if state.users.len() >= MAX_TRACKED_USERS {
                let oldest = state
                    .users
                    .iter()
                    .min_by_key(|(_, w)| w.start)
                    .map(|(u, _)| u.clone());
                if let Some(oldest) = oldest
                    && let Some(w) = state.users.remove(&oldest)
                {
                    let closed = (w.refused > 0).then_some((w.start, w.refused));
                    state.tally(&oldest, closed, window);
                }
            }
        }
        let w = state
            .users
            .entry(user_id.to_string())
            .or_insert(UserWindow {
                start: now,
                current: 0,
                previous: 0,
                refused: 0,
            });
        let closed = w.roll(now, window);
        let into = now.duration_since(w.start).unwrap_or(Duration::ZERO);

        let (allowed, wait) = decide(self.limit, into, w.previous, w.current);
        let decision = if allowed {
            w.current = w.current.saturating_add(1);
            RateDecision::Allowed
        } else {
            w.refused = w.refused.saturating_add(1);
            refusal(wait, w.refused)
        };
        state.tally(user_id, closed, window);
        decision
    }

    /// The refusal totals of windows that have ended since the last call, oldest first; audit
    /// each as one record. Also drops users idle for two windows.
    pub fn take_tallies(&self) -> Vec<RefusalTally> {
        let now = self.clock.now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.sweep(now, self.limit.window);
        state.tallies.drain(..).collect()
    }

    /// Tallies dropped because more than [`MAX_TALLIES`] piled up between two
    /// [`take_tallies`](Self::take_tallies) calls.
    pub fn dropped_tallies(&self) -> u64 {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).dropped
    }

    /// How many users are tracked now.
    pub fn tracked_users(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .users
            .len()
    }
}
