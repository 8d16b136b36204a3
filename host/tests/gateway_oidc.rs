//! The running gateway (`interop serve`) picks up the provider's rotated signing key without a
//! restart: the real OpenID Provider (`scripts/idp`, npm `oidc-provider`) issues an access token,
//! is restarted on the same issuer with a new key generation (`--rotate`), and issues another
//! signed by the new key; the same gateway process accepts both, and still refuses a key the
//! provider never published.

#[path = "../identity/tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use interop_identity::{OidcConfig, RelyingParty, RelyingPartyOptions};
use serde_json::{Value, json};
use support::{Browser, GATEWAY, Idp, IdpOptions, OFFICER, PrivateKey};

/// `interop serve`, killed on drop.
struct Gateway {
    child: Child,
    url: String,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The provider's `[oidc]` for the tests, refetching keys for an unknown key id at most once a
/// second (the smallest interval the configuration allows) so the test need not wait 30 s.
fn oidc_toml(idp: &Idp) -> String {
    idp.config_toml()
        .replace("scopes = [", "jwks_min_refetch_secs = 1\nscopes = [")
}

fn start_gateway(idp: &Idp) -> Gateway {
    let dir = &idp.options.dir;
    // No connector runs here; the trust store still needs a key.
    interop_sandbox::signing::SecretKey::generate()
        .unwrap()
        .write_files(&dir.join("dev-signing"), "rotation test", false)
        .unwrap();
    let config = dir.join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\nplain_http = true\n[audit]\ndir = \"audit\"\n\
             [trust]\nkeys = [\"dev-signing.pub\"]\n\
             [roles.investigator]\nconnectors = [\"*\"]\noperations = [\"search\"]\n\
             [roles.supervisor]\nconnectors = [\"*\"]\noperations = [\"search\"]\n\
             [roles.auditor]\naudit = true\n{}",
            oidc_toml(idp)
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(addr) = line.strip_prefix("listening on ")
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(addr.trim().to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the gateway prints its address");
    Gateway { child, url }
}

/// An access token for the officer, issued by the provider through the browser sign-in.
async fn access_token(idp: &Idp) -> String {
    let config = OidcConfig::from_toml(&oidc_toml(idp), &idp.options.dir).unwrap();
    let rp = RelyingParty::discover(config, RelyingPartyOptions::default())
        .await
        .expect("discover the provider");
    let start = rp.start_login(Some("/app/")).await.unwrap();
    let callback = Browser::new()
        .sign_in(start.authorize_url.clone(), OFFICER)
        .await
        .gateway();
    assert!(
        callback
            .as_str()
            .starts_with(&format!("{GATEWAY}/auth/callback?")),
        "{callback}"
    );
    rp.finish_login(callback.query().unwrap(), Some(&start.binding))
        .await
        .unwrap()
        .access_token
        .expect("the sign-in asked for the gateway as resource")
}

fn kid_of(token: &str) -> String {
    use base64::Engine as _;
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.split('.').next().unwrap())
        .unwrap();
    serde_json::from_slice::<Value>(&header).unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `GET /v1/connectors` with `token`: the status.
async fn status_with(gw: &Gateway, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/v1/connectors", gw.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_running_gateway_picks_up_the_providers_rotated_key_without_a_restart() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = support::scratch("gateway-rotation");
    let idp = Idp::start(IdpOptions::new(&dir));
    let gw = start_gateway(&idp);
    let pid = gw.child.id();

    let before = access_token(&idp).await;
    assert_eq!(
        status_with(&gw, &before).await,
        200,
        "the first key's token"
    );
    // A key the provider has not published is refused: what the rotated key would be without
    // the refetch.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let stranger = PrivateKey::fresh_ec("not-yet-published");
    let forged = stranger.sign(
        &json!({"alg": "ES256", "kid": stranger.kid, "typ": "at+jwt"}),
        &support::access_claims(&idp.issuer, now),
    );
    assert_eq!(status_with(&gw, &forged).await, 401);

    // The provider rotates: a new key generation signs from now on, the old one stays published.
    let old_kids = idp.kids.clone();
    let idp = idp.restart(true);
    assert!(
        idp.kids[..2].iter().all(|k| !old_kids.contains(k)),
        "{:?}",
        idp.kids
    );
    // Past the gateway's refetch interval (1 s here) since its last fetch.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after = access_token(&idp).await;
    assert_ne!(kid_of(&after), kid_of(&before));
    assert!(
        idp.kids[..2].contains(&kid_of(&after)),
        "signed by the new key"
    );
    assert_eq!(
        status_with(&gw, &after).await,
        200,
        "the new key's token, on the gateway started before the rotation"
    );
    assert_eq!(
        status_with(&gw, &before).await,
        200,
        "the previous key is still published"
    );
    // Still refused: the rotation published the provider's keys, not any key.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(status_with(&gw, &forged).await, 401);
    assert_eq!(gw.child.id(), pid, "the same gateway process throughout");
    assert!(
        std::fs::read_to_string(dir.join("audit/audit.jsonl"))
            .unwrap()
            .contains("access token refused: signed with a key the provider does not publish"),
        "the refusal is audited with its reason"
    );
}
