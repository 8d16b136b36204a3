//! Test support: the real OpenID Provider (`scripts/idp`, the `oidc-provider` package) started
//! as a child process, and a scripted browser that signs in through it.
//!
//! Reusable by the gateway's tests: `Idp::start` installs the provider's npm packages when
//! `node_modules` is missing or older than `package-lock.json`, starts it on a free loopback port
//! and reads its ready line; dropping the `Idp` kills it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use url::Url;

/// How long the provider may take to print its ready line: node starts in well under a second,
/// but CI machines are shared.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// The gateway's callback and post-logout addresses in the tests. Nothing listens there: the
/// scripted browser stops when it is redirected to them.
pub const GATEWAY: &str = "http://127.0.0.1:18080";
pub const CLIENT_ID: &str = "interop-gateway";
pub const AUDIENCE: &str = "urn:interop:gateway";

/// The synthetic users of `scripts/idp/idp.mjs` and their passwords.
pub const OFFICER: (&str, &str) = ("officer", "officer-demo-password");
pub const SUPERVISOR: (&str, &str) = ("supervisor", "supervisor-demo-password");
pub const AUDITOR: (&str, &str) = ("auditor", "auditor-demo-password");
pub const VISITOR: (&str, &str) = ("visitor", "visitor-demo-password");

/// The repository's `scripts/idp`, from the crate these tests are compiled in (`host/identity`
/// for its own tests, `host` for the gateway's).
pub fn idp_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("scripts/idp"))
        .find(|d| d.join("idp.mjs").is_file())
        .expect("scripts/idp/idp.mjs above the crate's directory")
}

fn need(tool: &str) {
    let ok = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "the identity tests run against a real OpenID Provider (scripts/idp, the npm package \
         oidc-provider) and need `{tool}` on PATH: install Node.js 20 or later with npm \
         (apt-get install nodejs npm)"
    );
}

/// `npm ci` in `scripts/idp` unless `node_modules` was installed from the current lock file.
/// Serialised across test threads and test processes.
pub fn ensure_installed() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        need("node");
        need("npm");
        let dir = idp_dir();
        let lock_path = std::env::temp_dir().join("interop-idp-npm-ci.lock");
        let lock = std::fs::File::create(&lock_path).expect("create the npm lock file");
        lock.lock().expect("lock the npm lock file");
        let wanted =
            std::fs::read(dir.join("package-lock.json")).expect("scripts/idp/package-lock.json");
        let stamp = dir.join("node_modules/.interop-package-lock.json");
        if std::fs::read(&stamp).ok().as_deref() != Some(wanted.as_slice()) {
            let out = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir)
                .output()
                .expect("run npm ci");
            assert!(
                out.status.success(),
                "npm ci in {} failed:\n{}{}",
                dir.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            std::fs::write(&stamp, &wanted).expect("write the install stamp");
        }
        drop(lock);
    });
}

/// A scratch directory under the target directory, fresh for each call.
pub fn scratch(name: &str) -> PathBuf {
    static N: Mutex<u32> = Mutex::new(0);
    let n = {
        let mut n = N.lock().unwrap();
        *n += 1;
        *n
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("identity-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// How to start the provider.
#[derive(Debug, Clone)]
pub struct IdpOptions {
    /// Where its client secret and keys live.
    pub dir: PathBuf,
    /// 0 for any free port.
    pub port: u16,
    /// Keep signing keys in `dir/keys.json` (generated if absent).
    pub keys_file: bool,
    /// Rotate: a new key generation first, the previous one still published.
    pub rotate: bool,
    /// Access token lifetime in seconds.
    pub access_token_ttl: u32,
}

impl IdpOptions {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            port: 0,
            keys_file: true,
            rotate: false,
            access_token_ttl: 600,
        }
    }
}

/// A running provider; killed on drop.
pub struct Idp {
    child: Child,
    pub options: IdpOptions,
    pub issuer: String,
    pub port: u16,
    pub kids: Vec<String>,
}

impl Idp {
    pub fn start(options: IdpOptions) -> Idp {
        ensure_installed();
        let script = idp_dir().join("idp.mjs");
        let port = options.port.to_string();
        let secret = options.dir.join("client-secret");
        let stderr_path = options.dir.join(format!("idp-{}.log", options.port));
        let stderr = std::fs::File::create(&stderr_path).unwrap();
        let mut cmd = Command::new("node");
        cmd.arg(&script)
            .args(["--port", &port, "--issuer", "http://127.0.0.1:PORT"])
            .args(["--client-redirect", &format!("{GATEWAY}/auth/callback")])
            .args(["--post-logout", &format!("{GATEWAY}/")])
            .arg("--client-secret-file")
            .arg(&secret)
            .args(["--access-token-ttl", &options.access_token_ttl.to_string()]);
        if options.keys_file {
            cmd.arg("--keys").arg(options.dir.join("keys.json"));
        }
        if options.rotate {
            cmd.arg("--rotate");
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start node scripts/idp/idp.mjs");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(READY_TIMEOUT).unwrap_or_default();
        let ready: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let mut log = String::new();
                let _ =
                    std::fs::File::open(&stderr_path).and_then(|mut f| f.read_to_string(&mut log));
                panic!(
                    "the provider did not print its ready line (got {line:?}); its stderr:\n{log}"
                );
            }
        };
        let issuer = ready["issuer"].as_str().unwrap().to_string();
        let port = u16::try_from(ready["port"].as_u64().unwrap()).unwrap();
        let kids = ready["kids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_string())
            .collect();
        Idp {
            child,
            options,
            issuer,
            port,
            kids,
        }
    }

    /// Stop this provider and start it again on the same port (so the same issuer) with
    /// `rotate` as given.
    pub fn restart(mut self, rotate: bool) -> Idp {
        self.stop();
        let mut options = self.options.clone();
        options.port = self.port;
        options.rotate = rotate;
        Idp::start(options)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The `[oidc]` configuration of a gateway using this provider, with the mapping the tests
    /// expect.
    pub fn config_toml(&self) -> String {
        format!(
            r#"
[oidc]
issuer = "{issuer}"
client_id = "{CLIENT_ID}"
client_secret_file = "client-secret"
redirect_uri = "{GATEWAY}/auth/callback"
post_logout_redirect_uri = "{GATEWAY}/"
audience = "{AUDIENCE}"
scopes = ["openid", "profile", "interop", "gateway"]

[oidc.claims]
user_id = "preferred_username"
groups = "groups"
clearance = "clearance"

[oidc.claims.roles]
interop-officers = ["investigator"]
interop-supervisors = ["supervisor"]
interop-auditors = ["auditor"]

[oidc.claims.clearance_by_group]
interop-supervisors = "secret"

[oidc.claims.clearance_by_value]
OFFICIAL = "official"
SECRET = "secret"
"#,
            issuer = self.issuer
        )
    }

    pub fn config(&self) -> interop_identity::OidcConfig {
        interop_identity::OidcConfig::from_toml(&self.config_toml(), &self.options.dir).unwrap()
    }

    /// The provider's private signing keys, by key id: (alg, DER for jsonwebtoken's
    /// `EncodingKey`, SPKI PEM of the public key).
    pub fn private_keys(&self) -> Vec<PrivateKey> {
        let jwks = std::fs::read_to_string(self.options.dir.join("keys.json")).unwrap();
        let out = node_eval(
            r#"
import { createPrivateKey, createPublicKey } from 'node:crypto';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const out = JSON.parse(input).keys.map((k) => {
  const key = createPrivateKey({ key: k, format: 'jwk' });
  return {
    kid: k.kid, alg: k.alg,
    der: key.export({ format: 'der', type: k.kty === 'RSA' ? 'pkcs1' : 'pkcs8' }).toString('base64'),
    public_pem: createPublicKey(key).export({ format: 'pem', type: 'spki' }),
  };
});
process.stdout.write(JSON.stringify(out));
"#,
            &jwks,
        );
        out.as_array()
            .unwrap()
            .iter()
            .map(PrivateKey::from_json)
            .collect()
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A private key the test holds.
#[derive(Debug, Clone)]
pub struct PrivateKey {
    pub kid: String,
    pub alg: String,
    pub der: Vec<u8>,
    pub public_pem: String,
}

impl PrivateKey {
    fn from_json(v: &Value) -> Self {
        PrivateKey {
            kid: v["kid"].as_str().unwrap().to_string(),
            alg: v["alg"].as_str().unwrap().to_string(),
            der: STANDARD.decode(v["der"].as_str().unwrap()).unwrap(),
            public_pem: v["public_pem"].as_str().unwrap_or_default().to_string(),
        }
    }

    /// A P-256 key the provider has never seen.
    pub fn fresh_ec(kid: &str) -> Self {
        let out = node_eval(
            r#"
import { generateKeyPairSync } from 'node:crypto';
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
process.stdout.write(JSON.stringify({ der: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64') }));
"#,
            "",
        );
        PrivateKey {
            kid: kid.to_string(),
            alg: "ES256".into(),
            der: STANDARD.decode(out["der"].as_str().unwrap()).unwrap(),
            public_pem: String::new(),
        }
    }

    /// Sign `header` and `claims` with this key.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        let (alg, key) = match self.alg.as_str() {
            "ES256" => (
                jsonwebtoken::Algorithm::ES256,
                jsonwebtoken::EncodingKey::from_ec_der(&self.der),
            ),
            "RS256" => (
                jsonwebtoken::Algorithm::RS256,
                jsonwebtoken::EncodingKey::from_rsa_der(&self.der),
            ),
            other => panic!("no signer for {other}"),
        };
        let message = format!("{}.{}", b64_json(header), b64_json(claims));
        let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, alg).unwrap();
        format!("{message}.{signature}")
    }
}

pub fn b64_json(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

/// Run an ES module in node with `input` on stdin; its stdout as JSON.
pub fn node_eval(script: &str, input: &str) -> Value {
    let mut child = Command::new("node")
        .args(["--input-type=module", "-e", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run node");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Where a scripted browser ended up.
#[derive(Debug)]
pub enum Landed {
    /// A page from the provider.
    Page { url: Url, status: u16, body: String },
    /// A redirect to the gateway (callback or post-logout): not followed.
    Gateway(Url),
}

impl Landed {
    pub fn gateway(self) -> Url {
        match self {
            Landed::Gateway(u) => u,
            Landed::Page { url, status, body } => {
                panic!("expected a redirect to the gateway, got {status} at {url}:\n{body}")
            }
        }
    }

    pub fn page(self) -> (Url, u16, String) {
        match self {
            Landed::Page { url, status, body } => (url, status, body),
            Landed::Gateway(u) => panic!("expected a provider page, got a redirect to {u}"),
        }
    }
}

/// A browser: a cookie jar, redirects followed by hand (so a redirect to the gateway is caught),
/// forms posted as a browser posts them.
pub struct Browser {
    client: reqwest::Client,
}

/// A browser does not follow more redirects than this (Chrome stops at 20).
const MAX_REDIRECTS: usize = 20;

impl Browser {
    pub fn new() -> Self {
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .cookie_provider(Arc::new(reqwest::cookie::Jar::default()))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        Browser { client }
    }

    /// GET `url` (or POST `form` to it) and follow redirects until a provider page or a redirect
    /// to the gateway.
    pub async fn go(&self, url: Url, form: Option<Vec<(String, String)>>) -> Landed {
        let mut url = url;
        let mut form = form;
        for _ in 0..MAX_REDIRECTS {
            if url.as_str().starts_with(GATEWAY) {
                return Landed::Gateway(url);
            }
            let request = match form.take() {
                Some(fields) => {
                    let body = url::form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(fields)
                        .finish();
                    self.client
                        .post(url.as_str())
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(body)
                }
                None => self.client.get(url.as_str()),
            };
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            if (300..400).contains(&status) {
                let location = response.headers()["location"].to_str().unwrap().to_string();
                url = url.join(&location).unwrap();
                continue;
            }
            let body = response.text().await.unwrap();
            return Landed::Page { url, status, body };
        }
        panic!("more than {MAX_REDIRECTS} redirects");
    }

    /// Sign in at the provider's login page reached from `authorize_url`; where it lands.
    pub async fn sign_in(&self, authorize_url: Url, (username, password): (&str, &str)) -> Landed {
        let (page_url, status, body) = self.go(authorize_url, None).await.page();
        assert_eq!(status, 200, "{body}");
        self.submit(
            &page_url,
            &body,
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// Submit the first form of `body` (at `page_url`) with its hidden fields and `fields`.
    pub async fn submit(&self, page_url: &Url, body: &str, fields: &[(&str, &str)]) -> Landed {
        let form = Form::first(body).unwrap_or_else(|| panic!("no form on {page_url}:\n{body}"));
        let action = page_url.join(&form.action).unwrap();
        let mut values = form.hidden;
        values.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self.go(action, Some(values)).await
    }
}

/// The first `<form>` of a page: its action and hidden inputs. Enough HTML reading for the
/// provider's login and logout pages, which are plain.
pub struct Form {
    pub action: String,
    pub hidden: Vec<(String, String)>,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(
        tag[start..end]
            .replace("&amp;", "&")
            .replace("&quot;", "\"")
            .replace("&#39;", "'"),
    )
}

impl Form {
    pub fn first(html: &str) -> Option<Form> {
        let start = html.find("<form")?;
        let rest = &html[start..];
        let open_end = rest.find('>')?;
        let action = attr(&rest[..open_end], "action")?;
        let end = rest.find("</form>").unwrap_or(rest.len());
        let mut hidden = Vec::new();
        let mut inner = &rest[open_end..end];
        while let Some(i) = inner.find("<input") {
            let tag_end = inner[i..].find('>').map_or(inner.len(), |e| i + e);
            let tag = &inner[i..tag_end];
            if tag.contains("type=\"hidden\"")
                && let (Some(n), Some(v)) = (attr(tag, "name"), attr(tag, "value"))
            {
                hidden.push((n, v));
            }
            inner = &inner[tag_end..];
        }
        Some(Form { action, hidden })
    }
}

/// Claims of a well-formed access token for the gateway, issued now by `issuer`.
pub fn access_claims(issuer: &str, now: i64) -> Value {
    json!({
        "iss": issuer,
        "sub": "u-1001",
        "aud": AUDIENCE,
        "client_id": CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "jti": "test-token",
        "scope": "gateway",
        "preferred_username": "officer",
        "groups": ["interop-officers"],
        "clearance": "OFFICIAL",
    })
}
