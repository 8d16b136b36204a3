//! Sessions, cookies and rate limits: the parts that need no provider, on an injectable clock.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use interop_identity::{
    Access, Clearance, CookieError, CookiePolicy, Identity, ManualClock, MemorySessionStore,
    RateDecision, RateLimit, RateLimiter, Roles, SessionConfig, SessionRefusal, Sessions, SignIn,
    WindowKind,
};

fn sign_in(user: &str) -> SignIn {
    SignIn {
        identity: Identity {
            user_id: user.into(),
            subject: format!("sub-{user}"),
            access: Access::Granted {
                roles: Roles::new(["investigator".to_string()]).unwrap(),
                clearance: Clearance::Official,
            },
            valid_until: SystemTime::now() + Duration::from_secs(600),
        },
        id_token: "header.claims.signature".into(),
        access_token: None,
        return_to: "/".into(),
    }
}

fn sessions(clock: &ManualClock, config: SessionConfig, secure: bool) -> Sessions {
    Sessions::new(
        Arc::new(MemorySessionStore::new()),
        config,
        CookiePolicy::new(secure),
        Arc::new(clock.clone()),
    )
}

/// The `name=value` part of a `Set-Cookie` value, as a browser would send it back.
fn cookie_of(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

const MIN: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_session_ends_after_the_idle_timeout_and_use_keeps_it_alive() {
    let clock = ManualClock::starting_now();
    let s = sessions(&clock, SessionConfig::default(), false);
    let new = s.create(&sign_in("pc-1")).await.unwrap();
    let cookie = cookie_of(&new.set_cookie);

    for _ in 0..3 {
        clock.advance(29 * MIN);
        let session = s
            .authenticate([cookie.as_str()], "GET", None)
            .await
            .unwrap();
        assert_eq!(session.identity.user_id, "pc-1");
    }
    clock.advance(30 * MIN);
    assert_eq!(
        s.authenticate([cookie.as_str()], "GET", None)
            .await
            .unwrap_err(),
        SessionRefusal::IdleTimeout {
            user_id: "pc-1".into(),
            idle: 30 * MIN
        }
    );
    // And it is gone, not merely refused once.
    assert_eq!(
        s.authenticate([cookie.as_str()], "GET", None)
            .await
            .unwrap_err(),
        SessionRefusal::Unknown
    );
}

#[tokio::test]
async fn a_busy_session_still_ends_at_its_absolute_lifetime() {
    let clock = ManualClock::starting_now();
    let config = SessionConfig {
        idle_timeout: 30 * MIN,
        absolute_lifetime: 60 * MIN,
    };
    let s = sessions(&clock, config, false);
    let cookie = cookie_of(&s.create(&sign_in("pc-2")).await.unwrap().set_cookie);
    for _ in 0..2 {
        clock.advance(25 * MIN);
        assert!(s.authenticate([cookie.as_str()], "GET", None).await.is_ok());
    }
    clock.advance(10 * MIN);
    assert_eq!(
        s.authenticate([cookie.as_str()], "GET", None)
            .await
            .unwrap_err(),
        SessionRefusal::Expired {
            user_id: "pc-2".into(),
            lifetime: 60 * MIN
        }
    );
    assert_eq!(
        s.purge_expired().await.unwrap(),
        0,
        "already removed when refused"
    );
}

#[tokio::test]
async fn state_changing_requests_need_the_session_csrf_token() {
    let clock = ManualClock::starting_now();
    let s = sessions(&clock, SessionConfig::default(), false);
    let new = s.create(&sign_in("pc-3")).await.unwrap();
    let cookie = cookie_of(&new.set_cookie);
    let other = s.create(&sign_in("pc-4")).await.unwrap();
    assert_ne!(new.csrf_token, other.csrf_token);

    assert!(
        s.authenticate([cookie.as_str()], "GET", None).await.is_ok(),
        "safe methods need none"
    );
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        assert_eq!(
            s.authenticate([cookie.as_str()], method, None)
                .await
                .unwrap_err(),
            SessionRefusal::CsrfMissing {
                user_id: "pc-3".into()
            }
        );
        assert_eq!(
            s.authenticate([cookie.as_str()], method, Some(&other.csrf_token))
                .await
                .unwrap_err(),
            SessionRefusal::CsrfMismatch {
                user_id: "pc-3".into()
            }
        );
        let ok = s
            .authenticate([cookie.as_str()], method, Some(&new.csrf_token))
            .await
            .unwrap();
        assert_eq!(ok.csrf_token, new.csrf_token);
    }
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let clock = ManualClock::starting_now();
    let s = sessions(&clock, SessionConfig::default(), true);
    let new = s.create(&sign_in("pc-5")).await.unwrap();
    let cookie = cookie_of(&new.set_cookie);
    assert!(cookie.starts_with("__Host-interop-session="));
    let ended = s
        .end([cookie.as_str()])
        .await
        .unwrap()
        .expect("the session");
    assert_eq!(ended.identity.user_id, "pc-5");
    assert_eq!(
        ended.id_token, "header.claims.signature",
        "kept for the provider's sign-out"
    );
    assert_eq!(
        s.authenticate([cookie.as_str()], "GET", None)
            .await
            .unwrap_err(),
        SessionRefusal::Unknown
    );
    assert!(s.end([cookie.as_str()]).await.unwrap().is_none());
}

#[tokio::test]
async fn hostile_cookies_are_refused() {
    let clock = ManualClock::starting_now();
    let s = sessions(&clock, SessionConfig::default(), false);
    let cookie = cookie_of(&s.create(&sign_in("pc-6")).await.unwrap().set_cookie);
    assert_eq!(
        s.authenticate(["theme=dark"], "GET", None)
            .await
            .unwrap_err(),
        SessionRefusal::NoCookie
    );
    assert_eq!(
        s.authenticate(
            [format!("{cookie}; interop-session=planted").as_str()],
            "GET",
            None
        )
        .await
        .unwrap_err(),
        SessionRefusal::BadCookie(CookieError::Duplicate)
    );
    assert_eq!(
        s.authenticate(["interop-session=made-up-id"], "GET", None)
            .await
            .unwrap_err(),
        SessionRefusal::Unknown
    );
    let huge = format!("interop-session={}", "a".repeat(9000));
    assert_eq!(
        s.authenticate([huge.as_str()], "GET", None)
            .await
            .unwrap_err(),
        SessionRefusal::BadCookie(CookieError::TooLarge)
    );
}

#[test]
fn cookie_attributes_on_loopback_and_off_it() {
    let loopback = CookiePolicy::for_listen_addr("127.0.0.1:8080".parse().unwrap());
    assert!(!loopback.is_secure());
    assert_eq!(
        loopback.session_cookie("ID", Duration::from_secs(36000)),
        "interop-session=ID; Path=/; Max-Age=36000; HttpOnly; SameSite=Strict"
    );
    assert_eq!(
        loopback.login_cookie("B"),
        "interop-login=B; Path=/; Max-Age=600; HttpOnly; SameSite=Lax"
    );

    let public = CookiePolicy::for_listen_addr("0.0.0.0:8443".parse().unwrap());
    assert!(public.is_secure());
    assert_eq!(
        public.session_cookie("ID", Duration::from_secs(36000)),
        "__Host-interop-session=ID; Path=/; Max-Age=36000; HttpOnly; SameSite=Strict; Secure"
    );
    assert_eq!(
        public.clear_session_cookie(),
        "__Host-interop-session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure"
    );
    assert_eq!(
        public.login_cookie("B"),
        "__Host-interop-login=B; Path=/; Max-Age=600; HttpOnly; SameSite=Lax; Secure"
    );
    assert!(CookiePolicy::for_listen_addr("[::1]:8080".parse().unwrap()) == loopback);
    // A secure gateway ignores a cookie without the prefix (which any sibling host could set).
    assert_eq!(public.session_id(["interop-session=ID"]), Ok(None));
    assert_eq!(
        public.session_id(["__Host-interop-session=ID"]),
        Ok(Some("ID"))
    );
}

fn limiter(clock: &ManualClock, requests: u32, secs: u64, kind: WindowKind) -> RateLimiter {
    RateLimiter::new(
        RateLimit {
            requests,
            window: Duration::from_secs(secs),
            kind,
        },
        Arc::new(clock.clone()),
    )
}

#[test]
fn fixed_window_refusals_carry_retry_after_first_flag_and_count() {
    let clock = ManualClock::starting_now();
    let rl = limiter(&clock, 3, 60, WindowKind::Fixed);
    for _ in 0..3 {
        assert_eq!(rl.check("pc-1"), RateDecision::Allowed);
    }
    clock.advance(Duration::from_secs(20));
    let first = rl.check("pc-1");
    assert_eq!(
        first,
        RateDecision::Refused {
            retry_after: Duration::from_secs(40),
            first_in_window: true,
            refused_count: 1
        }
    );
    assert_eq!(first.retry_after_header().as_deref(), Some("40"));
    clock.advance(Duration::from_millis(500));
    assert_eq!(
        rl.check("pc-1"),
        RateDecision::Refused {
            retry_after: Duration::from_secs(40),
            first_in_window: false,
            refused_count: 2
        }
    );
    assert_eq!(rl.check("pc-2"), RateDecision::Allowed, "per user");
    assert!(rl.take_tallies().is_empty(), "the window has not ended");

    clock.advance(Duration::from_secs(40));
    assert_eq!(rl.check("pc-1"), RateDecision::Allowed, "a new window");
    let tallies = rl.take_tallies();
    assert_eq!(tallies.len(), 1);
    assert_eq!(
        (tallies[0].user_id.as_str(), tallies[0].refused),
        ("pc-1", 2)
    );
    assert!(rl.take_tallies().is_empty(), "each tally is reported once");
}

#[test]
fn the_sliding_window_weighs_the_previous_window() {
    let clock = ManualClock::starting_now();
    let rl = limiter(&clock, 10, 60, WindowKind::Sliding);
    for _ in 0..10 {
        assert_eq!(rl.check("pc-1"), RateDecision::Allowed);
    }
    // Just into the next window the previous one still counts fully: 10 of 10.
    clock.advance(Duration::from_secs(60));
    let RateDecision::Refused {
        retry_after,
        first_in_window,
        refused_count,
    } = rl.check("pc-1")
    else {
        panic!("a fixed window would allow this burst; the sliding one must not");
    };
    assert!(first_in_window);
    assert_eq!(refused_count, 1);
    // One request frees up once a tenth of the previous window has slid out: 6 s.
    assert_eq!(retry_after, Duration::from_secs(6));
    clock.advance(Duration::from_secs(5));
    assert!(matches!(
        rl.check("pc-1"),
        RateDecision::Refused {
            first_in_window: false,
            ..
        }
    ));
    clock.advance(Duration::from_secs(1));
    assert_eq!(rl.check("pc-1"), RateDecision::Allowed);
    // With the current window full too, the wait runs into the next window.
    let rl = limiter(&clock, 2, 60, WindowKind::Sliding);
    assert_eq!(rl.check("pc-9"), RateDecision::Allowed);
    assert_eq!(rl.check("pc-9"), RateDecision::Allowed);
    let RateDecision::Refused { retry_after, .. } = rl.check("pc-9") else {
        panic!("limit is 2")
    };
    assert_eq!(
        retry_after,
        Duration::from_secs(90),
        "60 s to the next window, then half of it"
    );
}

#[test]
fn the_limiter_forgets_quiet_users_and_stays_bounded() {
    let clock = ManualClock::starting_now();
    let rl = limiter(&clock, 1, 1, WindowKind::Fixed);
    for i in 0..1000 {
        rl.check(&format!("user-{i}"));
    }
    assert_eq!(rl.tracked_users(), 1000);
    clock.advance(Duration::from_secs(3));
    assert!(rl.take_tallies().is_empty());
    assert_eq!(
        rl.tracked_users(),
        0,
        "two windows idle: nothing left to remember"
    );

    for i in 0..interop_identity::MAX_TRACKED_USERS + 10 {
        rl.check(&format!("u{i}"));
    }
    assert!(rl.tracked_users() <= interop_identity::MAX_TRACKED_USERS);
}
