//! Per-user state shared by three `interop serve` replicas in a real PostgreSQL
//! (scripts/pg.sh), with the real OpenID Provider (scripts/idp, npm oidc-provider): a browser
//! starts its sign-in on one replica, the provider's callback reaches a second, and the session
//! it made works on the third (and ends everywhere at sign-out); a user's rate limit counts the
//! requests of all three replicas, so three replicas allow the limit once, not three times.

#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/serve.rs"]
#[allow(dead_code)] // its scratch() and interop(): this test only starts gateways
mod serve;
#[path = "../identity/tests/support/mod.rs"]
mod support;

use interop_gateway::config::token_sha256;
use postgres::Postgres;
use serve::{Served as Replica, serve};
use support::{Browser, GATEWAY, Idp, IdpOptions, Landed, OFFICER};

const TOKEN: &str = "identity-replica-token-01";
/// Requests per user per hour, over all replicas together.
const LIMIT: usize = 7;

fn url(s: &str) -> reqwest::Url {
    reqwest::Url::parse(s).unwrap()
}

/// GET `path` on `replica` with the browser's cookies: status and body.
async fn page(browser: &Browser, replica: &Replica, path: &str) -> (u16, String) {
    match browser
        .go(url(&format!("{}{path}", replica.url)), None)
        .await
    {
        Landed::Page { status, body, .. } => (status, body),
        Landed::Gateway(u) => panic!("redirected to {u}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_session_made_on_one_replica_works_on_another_and_a_rate_limit_counts_them_all() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pg = Postgres::start("identity");
    let dir = support::scratch("identity-replicas");
    let idp = Idp::start(IdpOptions::new(&dir));
    interop_sandbox::signing::SecretKey::generate()
        .unwrap()
        .write_files(&dir.join("dev-signing"), "identity replicas", false)
        .unwrap();
    let ids = ["gw-1", "gw-2", "gw-3"];
    let pubs: Vec<String> = ids
        .iter()
        .map(|id| {
            interop_audit::replica_key(&dir.join(format!("audit-{id}"))).unwrap();
            format!("{:?}", format!("audit-{id}/gateway.pub"))
        })
        .collect();
    let mut replicas = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let others: Vec<&str> = pubs
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, p)| p.as_str())
            .collect();
        let config = dir.join(format!("{id}.toml"));
        // A sliding window of an hour: crossing the window's end mid-test changes nothing, as
        // the window before still weighs fully.
        std::fs::write(
            &config,
            format!(
                "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\ngateway_id = \"{id}\"\n\
                 [audit]\ndir = \"audit-{id}\"\n\
                 [storage]\nbackend = \"postgres\"\nurl = \"{url}\"\n\
                 [rate_limit]\nrequests = {LIMIT}\nwindow_secs = 3600\nwindow = \"sliding\"\n\
                 [trust]\nkeys = [\"dev-signing.pub\"]\nreplica_keys = [{others}]\n\
                 [roles.investigator]\nconnectors = [\"*\"]\noperations = [\"search\"]\n\
                 [roles.supervisor]\nconnectors = [\"*\"]\noperations = [\"search\"]\n\
                 [roles.auditor]\naudit = true\n\
                 [[users]]\nid = \"pc-limited\"\ntoken_sha256 = \"{token}\"\nroles = [\"investigator\"]\nclearance = \"official\"\n{oidc}",
                url = pg.url_tls,
                others = others.join(", "),
                token = hex::encode(token_sha256(TOKEN)),
                oidc = idp.config_toml(),
            ),
        )
        .unwrap();
        replicas.push(serve(&config));
    }

    // The sign-in starts on the first replica (which sets the browser-binding cookie and keeps
    // the pending sign-in), and the provider's callback is delivered to the second.
    let browser = Browser::new();
    let (login_page, status, body) = browser
        .go(url(&format!("{}/auth/login", replicas[0].url)), None)
        .await
        .page();
    assert_eq!(status, 200, "{body}");
    let callback = browser
        .submit(
            &login_page,
            &body,
            &[("username", OFFICER.0), ("password", OFFICER.1)],
        )
        .await
        .gateway();
    let on_second = callback.as_str().replacen(GATEWAY, &replicas[1].url, 1);
    assert_ne!(on_second, callback.as_str());
    let (status, body) = match browser.go(url(&on_second), None).await {
        Landed::Page { status, body, .. } => (status, body),
        Landed::Gateway(u) => panic!("redirected to {u}"),
    };
    assert!(status < 500, "{status}: {body}");
    // The session made there works on the third: who is signed in, and an API call.
    let (status, body) = page(&browser, &replicas[2], "/auth/session").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("officer"), "{body}");
    let (status, body) = page(&browser, &replicas[2], "/v1/connectors").await;
    assert_eq!(status, 200, "{body}");
    // Nothing in memory: the session is a row, its id only as a hash.
    let stored = pg.psql("SELECT user_id, octet_length(key) FROM identity_sessions");
    assert_eq!(stored.trim(), "officer|32", "{stored}");
    assert_eq!(
        pg.psql("SELECT count(*) FROM identity_pending_logins")
            .trim(),
        "0",
        "the sign-in was finished once"
    );

    // The rate limit: LIMIT requests allowed over the three replicas together, then refused on
    // each of them, with Retry-After.
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for n in 0..LIMIT + 3 {
        let r = &replicas[n % 3];
        let response = client
            .get(format!("{}/v1/connectors", r.url))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if status == 429 {
            assert!(response.headers().contains_key("retry-after"));
        }
        statuses.push(status);
    }
    assert_eq!(
        statuses,
        [vec![200; LIMIT], vec![429; 3]].concat(),
        "one limit across the replicas"
    );
    // The officer's session has its own window, untouched by pc-limited's.
    let (status, _) = page(&browser, &replicas[0], "/v1/connectors").await;
    assert_eq!(status, 200);
    let counted = pg.psql(
        "SELECT requests, refused FROM rate_windows WHERE user_id = 'pc-limited' ORDER BY window_start DESC LIMIT 1",
    );
    assert_eq!(counted.trim(), format!("{LIMIT}|3"), "{counted}");
    let _ = std::fs::remove_dir_all(&dir);
}
