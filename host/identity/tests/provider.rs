//! Against the real OpenID Provider (`scripts/idp`: the certified `oidc-provider` package):
//! the browser sign-in, access tokens good and bad, key rotation, sign-out.

mod support;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use interop_identity::{
    Access, Clearance, Clock, CookiePolicy, LoginError, ManualClock, MemorySessionStore, NoAccess,
    RelyingParty, RelyingPartyOptions, SessionError, Sessions, SignIn, TokenRefusal,
};
use serde_json::{Value, json};
use support::{
    AUDITOR, Browser, GATEWAY, Idp, IdpOptions, OFFICER, PrivateKey, SUPERVISOR, VISITOR,
};

async fn relying_party(idp: &Idp, clock: &ManualClock) -> RelyingParty {
    let options = RelyingPartyOptions {
        clock: Arc::new(clock.clone()),
        pending_logins: None,
    };
    RelyingParty::discover(idp.config(), options)
        .await
        .expect("discover the provider")
}

fn now_secs(clock: &ManualClock) -> i64 {
    clock
        .now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Sign `user` in through the provider with a fresh browser, up to a validated identity.
async fn sign_in(rp: &RelyingParty, user: (&str, &str)) -> SignIn {
    let browser = Browser::new();
    sign_in_with(rp, &browser, user).await
}

async fn sign_in_with(rp: &RelyingParty, browser: &Browser, user: (&str, &str)) -> SignIn {
    let start = rp.start_login(Some("/search?q=smith")).await.unwrap();
    let callback = browser
        .sign_in(start.authorize_url.clone(), user)
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
}

#[tokio::test]
async fn each_synthetic_user_signs_in_with_the_mapped_roles_and_clearance() {
    let dir = support::scratch("users");
    let idp = Idp::start(IdpOptions::new(&dir));
    let clock = ManualClock::starting_now();
    let rp = relying_party(&idp, &clock).await;
    assert_eq!(rp.metadata().issuer, idp.issuer);

    let officer = sign_in(&rp, OFFICER).await;
    assert_eq!(officer.identity.user_id, "officer");
    assert_eq!(officer.identity.subject, "u-1001");
    assert_eq!(
        officer.identity.access.roles().unwrap().as_slice(),
        ["investigator"]
    );
    assert_eq!(
        officer.identity.access.clearance(),
        Some(Clearance::Official)
    );
    assert_eq!(officer.return_to, "/search?q=smith");

    let supervisor = sign_in(&rp, SUPERVISOR).await;
    assert_eq!(
        supervisor.identity.access.roles().unwrap().as_slice(),
        ["investigator", "supervisor"]
    );
    assert_eq!(
        supervisor.identity.access.clearance(),
        Some(Clearance::Secret)
    );

    let auditor = sign_in(&rp, AUDITOR).await;
    assert_eq!(
        auditor.identity.access.roles().unwrap().as_slice(),
        ["auditor"]
    );
    assert_eq!(
        auditor.identity.access.clearance(),
        Some(Clearance::Official)
    );

    // Known to the provider, covered by no mapping rule: identified, and given nothing.
    let visitor = sign_in(&rp, VISITOR).await;
    assert_eq!(visitor.identity.user_id, "visitor");
    assert_eq!(visitor.identity.access, Access::Nothing(NoAccess::NoRole));
    let sessions = Sessions::new(
        Arc::new(MemorySessionStore::new()),
        rp.config().session,
        CookiePolicy::new(false),
        Arc::new(clock.clone()),
    );
    assert!(matches!(
        sessions.create(&visitor).await,
        Err(SessionError::NoAccess(NoAccess::NoRole))
    ));
    assert!(sessions.create(&officer).await.is_ok());
}

#[tokio::test]
async fn a_wrong_password_gets_the_login_page_again() {
    let dir = support::scratch("password");
    let idp = Idp::start(IdpOptions::new(&dir));
    let rp = relying_party(&idp, &ManualClock::starting_now()).await;
    let start = rp.start_login(None).await.unwrap();
    let (_, status, body) = Browser::new()
        .sign_in(start.authorize_url, ("officer", "not-the-password"))
        .await
        .page();
    assert_eq!(status, 401);
    assert!(body.contains("Wrong username or password"), "{body}");
}

#[tokio::test]
async fn a_callback_is_single_use_bound_to_its_browser_and_expires() {
    let dir = support::scratch("callback");
    let idp = Idp::start(IdpOptions::new(&dir));
    let clock = ManualClock::starting_now();
    let rp = relying_party(&idp, &clock).await;
    let browser = Browser::new();

    // Another browser's sign-in cookie (or none): login CSRF, refused, and the state is spent.
    let start = rp.start_login(None).await.unwrap();
    let callback = browser
        .sign_in(start.authorize_url.clone(), OFFICER)
        .await
        .gateway();
    let query = callback.query().unwrap().to_string();
    let other = rp.start_login(None).await.unwrap();
    assert!(matches!(
        rp.finish_login(&query, Some(&other.binding)).await,
        Err(LoginError::BindingMismatch)
    ));
    assert!(matches!(
        rp.finish_login(&query, Some(&start.binding)).await,
        Err(LoginError::UnknownState)
    ));

    // A good one works once.
    let start = rp.start_login(None).await.unwrap();
    let callback = browser
        .go(start.authorize_url.clone(), None)
        .await
        .gateway(); // signed in already
    let query = callback.query().unwrap().to_string();
    assert!(
        rp.finish_login(&query, None).await.is_err(),
        "no sign-in cookie"
    );
    let start = rp.start_login(None).await.unwrap();
    let query = browser
        .go(start.authorize_url.clone(), None)
        .await
        .gateway()
        .query()
        .unwrap()
        .to_string();
    let signed_in = rp.finish_login(&query, Some(&start.binding)).await.unwrap();
    assert_eq!(signed_in.identity.user_id, "officer");
    assert!(matches!(
        rp.finish_login(&query, Some(&start.binding)).await,
        Err(LoginError::UnknownState)
    ));

    // A state that does not match the provider's issuer parameter (mix-up) is refused.
    let start = rp.start_login(None).await.unwrap();
    let query = browser
        .go(start.authorize_url.clone(), None)
        .await
        .gateway()
        .query()
        .unwrap()
        .to_string();
    let forged: String = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| {
            if k == "iss" {
                (k, "https://other-idp.example".into())
            } else {
                (k, v)
            }
        })
        .fold(
            url::form_urlencoded::Serializer::new(String::new()),
            |mut s, (k, v)| {
                s.append_pair(&k, &v);
                s
            },
        )
        .finish();
    assert!(matches!(
        rp.finish_login(&forged, Some(&start.binding)).await,
        Err(LoginError::WrongIssuer)
    ));

    // A code moved into another sign-in (its state, its browser): the provider refuses it,
    // because the PKCE verifier sent belongs to the other sign-in.
    let a = rp.start_login(None).await.unwrap();
    let b = rp.start_login(None).await.unwrap();
    let qa = browser
        .go(a.authorize_url.clone(), None)
        .await
        .gateway()
        .query()
        .unwrap()
        .to_string();
    let qb = browser
        .go(b.authorize_url.clone(), None)
        .await
        .gateway()
        .query()
        .unwrap()
        .to_string();
    let param = |q: &str, name: &str| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == name)
            .unwrap()
            .1
            .into_owned()
    };
    let swapped = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("code", &param(&qa, "code"))
        .append_pair("state", &param(&qb, "state"))
        .append_pair("iss", &param(&qb, "iss"))
        .finish();
    match rp.finish_login(&swapped, Some(&b.binding)).await {
        Err(LoginError::CodeRefused {
            status: 400,
            error: "invalid_grant",
        }) => {}
        other => panic!("a swapped code must be refused by the provider: {other:?}"),
    }

    // Pending sign-ins expire.
    let start = rp.start_login(None).await.unwrap();
    let query = browser
        .go(start.authorize_url.clone(), None)
        .await
        .gateway()
        .query()
        .unwrap()
        .to_string();
    clock.advance(Duration::from_secs(11 * 60));
    assert!(matches!(
        rp.finish_login(&query, Some(&start.binding)).await,
        Err(LoginError::Expired)
    ));
}

#[tokio::test]
async fn access_tokens_from_the_provider_validate_and_bad_ones_are_refused_for_the_right_reason() {
    let dir = support::scratch("tokens");
    let idp = Idp::start(IdpOptions::new(&dir));
    let clock = ManualClock::starting_now();
    let rp = relying_party(&idp, &clock).await;

    // The provider's own access token, issued for the gateway as resource.
    let signed_in = sign_in(&rp, SUPERVISOR).await;
    let access_token = signed_in
        .access_token
        .clone()
        .expect("an access token for the gateway");
    let identity = rp.validate_access_token(&access_token).await.unwrap();
    assert_eq!(identity.user_id, "supervisor");
    assert_eq!(identity.access.clearance(), Some(Clearance::Secret));
    assert!(identity.valid_until > clock.now());
    // An ID token is not an access token.
    assert_eq!(
        rp.validate_access_token(&signed_in.id_token).await,
        Err(TokenRefusal::WrongType)
    );

    // Tokens of the test's own making, signed with the key the provider publishes for ES256.
    let keys = idp.private_keys();
    let es = keys.iter().find(|k| k.alg == "ES256").unwrap().clone();
    let rs = keys.iter().find(|k| k.alg == "RS256").unwrap().clone();
    let now = now_secs(&clock);
    let header = json!({"alg": "ES256", "kid": es.kid, "typ": "at+jwt"});
    let good = support::access_claims(&idp.issuer, now);

    // The control: a well-made token of ours validates, so the refusals below are for their
    // one defect, not for how the test signs.
    let ours = rp
        .validate_access_token(&es.sign(&header, &good))
        .await
        .unwrap();
    assert_eq!(ours.user_id, "officer");
    assert_eq!(ours.access.roles().unwrap().as_slice(), ["investigator"]);

    let with = |changes: Value| {
        let mut claims = good.clone();
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                claims.as_object_mut().unwrap().remove(k);
            } else {
                claims[k] = v.clone();
            }
        }
        es.sign(&header, &claims)
    };
    let skew = 60;
    let cases: Vec<(&str, String, TokenRefusal)> = vec![
        (
            "expired",
            with(json!({"iat": now - 1000, "exp": now - skew - 1})),
            TokenRefusal::Expired,
        ),
        (
            "not yet valid",
            with(json!({"nbf": now + skew + 30})),
            TokenRefusal::NotYetValid,
        ),
        (
            "issued in the future",
            with(json!({"iat": now + skew + 30, "exp": now + 600})),
            TokenRefusal::IssuedInFuture,
        ),
        (
            "wrong audience",
            with(json!({"aud": "urn:other:service"})),
            TokenRefusal::WrongAudience,
        ),
        (
            "no audience",
            with(json!({"aud": null})),
            TokenRefusal::WrongAudience,
        ),
        (
            "wrong issuer",
            with(json!({"iss": "http://127.0.0.1:1"})),
            TokenRefusal::WrongIssuer,
        ),
        (
            "lives for a week",
            with(json!({"exp": now + 7 * 86400})),
            TokenRefusal::LifetimeTooLong,
        ),
        (
            "no exp",
            with(json!({"exp": null})),
            TokenRefusal::Malformed("no exp"),
        ),
        (
            "no user id claim",
            with(json!({"preferred_username": null})),
            TokenRefusal::Claims(interop_identity::ClaimError::NoUserId),
        ),
        (
            "typ is not at+jwt",
            es.sign(&json!({"alg": "ES256", "kid": es.kid, "typ": "JWT"}), &good),
            TokenRefusal::WrongType,
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                support::b64_json(&json!({"alg": "none", "typ": "at+jwt"})),
                support::b64_json(&good)
            ),
            TokenRefusal::AlgorithmNotAllowed("none"),
        ),
        (
            "HS256 with the public key as secret",
            hs256_with(&rs.public_pem, &rs.kid, &good),
            TokenRefusal::AlgorithmNotAllowed("HS256"),
        ),
        (
            "unknown key",
            PrivateKey::fresh_ec("kid-the-provider-never-issued").sign(
                &json!({"alg": "ES256", "kid": "kid-the-provider-never-issued", "typ": "at+jwt"}),
                &good,
            ),
            TokenRefusal::UnknownKey,
        ),
        (
            "a key of another type under a real key id",
            PrivateKey::fresh_ec(&rs.kid).sign(
                &json!({"alg": "ES256", "kid": rs.kid, "typ": "at+jwt"}),
                &good,
            ),
            TokenRefusal::KeyMismatch,
        ),
        (
            "tampered payload",
            tamper(&access_token),
            TokenRefusal::BadSignature,
        ),
        (
            "not a JWT",
            "eyJhbGciOiJFUzI1NiJ9.e30".to_string(),
            TokenRefusal::Malformed("not three dot-separated parts"),
        ),
        (
            "too long",
            format!("{}.{}.x", "a".repeat(9000), "b".repeat(9000)),
            TokenRefusal::TooLong,
        ),
    ];
    for (what, token, reason) in cases {
        let refused = rp.validate_access_token(&token).await;
        assert_eq!(refused, Err(reason.clone()), "{what}");
        // The refusal text is for the audit log: bounded and free of token content.
        let text = reason.to_string();
        assert!(
            text.len() < 120 && !text.contains(&token[..token.len().min(20)]),
            "{what}: {text}"
        );
    }

    // Clock skew: a token expired 30 s ago still passes with the default 60 s.
    assert!(
        rp.validate_access_token(&with(json!({"iat": now - 300, "exp": now - 30})))
            .await
            .is_ok()
    );
    // And the provider's own token expires on the gateway's clock.
    clock.advance(Duration::from_secs(600 + 120));
    assert_eq!(
        rp.validate_access_token(&access_token).await,
        Err(TokenRefusal::Expired)
    );
}

/// The classic confusion attack: HS256 keyed with the provider's public key.
fn hs256_with(public_pem: &str, kid: &str, claims: &Value) -> String {
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    let header = json!({"alg": "HS256", "kid": kid, "typ": "at+jwt"});
    let message = format!(
        "{}.{}",
        support::b64_json(&header),
        support::b64_json(claims)
    );
    let key = jsonwebtoken::EncodingKey::from_secret(public_pem.as_bytes()).unwrap();
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &key, jsonwebtoken::Algorithm::HS256)
            .unwrap();
    format!("{message}.{signature}")
}

/// The provider's token with one claim changed and its signature kept.
fn tamper(token: &str) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    claims["groups"] = json!(["interop-officers", "interop-supervisors"]);
    claims["clearance"] = json!("SECRET");
    format!("{}.{}.{}", parts[0], support::b64_json(&claims), parts[2])
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_without_a_restart_and_unknown_key_refetches_are_limited() {
    let dir = support::scratch("rotation");
    let idp = Idp::start(IdpOptions::new(&dir));
    let clock = ManualClock::starting_now();
    let rp = relying_party(&idp, &clock).await;
    let before = sign_in(&rp, OFFICER).await.access_token.unwrap();
    assert!(rp.validate_access_token(&before).await.is_ok());
    let fetches = rp.key_fetches();
    let old_kids = idp.kids.clone();

    // Rotate: the provider restarts with a new key generation first, the old one still published.
    let idp = idp.restart(true);
    assert_eq!(idp.kids.len(), 4);
    assert_eq!(
        &idp.kids[2..],
        &old_kids[..],
        "the previous keys stay published"
    );
    assert!(idp.kids[..2].iter().all(|k| !old_kids.contains(k)));
    clock.advance(Duration::from_secs(31)); // past the minimum refetch interval since the first load

    let after = sign_in(&rp, OFFICER).await.access_token.unwrap();
    let kid_of = |t: &str| -> String {
        use base64::Engine as _;
        let h = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(t.split('.').next().unwrap())
            .unwrap();
        serde_json::from_slice::<Value>(&h).unwrap()["kid"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(kid_of(&after), idp.kids[1], "signed with the new ES256 key");
    assert_ne!(kid_of(&after), kid_of(&before));
    // The ID token of that sign-in was already signed with the new RSA key, so finishing it
    // fetched the new keys: exactly one fetch since the first load.
    assert_eq!(rp.key_fetches(), fetches + 1);
    assert!(rp.validate_access_token(&after).await.is_ok());
    assert!(
        rp.validate_access_token(&before).await.is_ok(),
        "the old key is still published"
    );
    assert_eq!(rp.key_fetches(), fetches + 1);

    // Made-up key ids: one refetch per interval, however many tokens.
    let now = now_secs(&clock);
    let forged = |i: usize| {
        let kid = format!("made-up-{i}");
        PrivateKey::fresh_ec(&kid).sign(
            &json!({"alg": "ES256", "kid": kid, "typ": "at+jwt"}),
            &support::access_claims(&idp.issuer, now),
        )
    };
    let tokens: Vec<String> = (0..6).map(forged).collect();
    for t in &tokens {
        assert_eq!(
            rp.validate_access_token(t).await,
            Err(TokenRefusal::UnknownKey)
        );
    }
    assert_eq!(
        rp.key_fetches(),
        fetches + 1,
        "within 30 s of the last fetch: none"
    );
    clock.advance(Duration::from_secs(31));
    for t in &tokens {
        assert_eq!(
            rp.validate_access_token(t).await,
            Err(TokenRefusal::UnknownKey)
        );
    }
    assert_eq!(
        rp.key_fetches(),
        fetches + 2,
        "one fetch for six unknown key ids"
    );

    // A key the provider withdraws stops verifying once the keys are refreshed, while the
    // generation before the newest still does.
    let idp = idp.restart(true); // a third generation: the first is dropped
    assert!(!idp.kids.contains(&kid_of(&before)));
    assert!(idp.kids.contains(&kid_of(&after)));
    clock.advance(Duration::from_secs(15 * 60)); // the refresh interval
    assert_eq!(
        rp.validate_access_token(&before).await,
        Err(TokenRefusal::UnknownKey)
    );
    assert_eq!(
        rp.key_fetches(),
        fetches + 3,
        "the stale keys were fetched once"
    );
    let kept = idp
        .private_keys()
        .into_iter()
        .find(|k| k.kid == kid_of(&after))
        .unwrap();
    let token = kept.sign(
        &json!({"alg": "ES256", "kid": kept.kid, "typ": "at+jwt"}),
        &support::access_claims(&idp.issuer, now_secs(&clock)),
    );
    assert_eq!(
        rp.validate_access_token(&token).await.map(|i| i.user_id),
        Ok("officer".to_string())
    );
}

#[tokio::test]
async fn a_claims_mapping_replaced_while_running_applies_to_the_next_token_and_sign_in() {
    let dir = support::scratch("remap");
    let idp = Idp::start(IdpOptions::new(&dir));
    let clock = ManualClock::starting_now();
    let rp = relying_party(&idp, &clock).await;
    let signed_in = sign_in(&rp, SUPERVISOR).await;
    let token = signed_in.access_token.clone().expect("an access token");
    let roles = |identity: &interop_identity::Identity| {
        identity
            .access
            .roles()
            .map(|r| r.as_slice().to_vec())
            .unwrap_or_default()
    };
    let before = rp.validate_access_token(&token).await.unwrap();
    assert_eq!(roles(&before), ["investigator", "supervisor"]);

    // The gateway reloads a mapping in which no group gives `supervisor` any more.
    let mut mapping = (*rp.claims()).clone();
    for given in mapping.roles.values_mut() {
        given.retain(|r| r != "supervisor");
    }
    mapping.roles.retain(|_, given| !given.is_empty());
    rp.set_claims(mapping.clone());
    assert_eq!(*rp.claims(), mapping);

    // The same token, validated again, and a new sign-in: both under the new mapping.
    let after = rp.validate_access_token(&token).await.unwrap();
    assert_eq!(roles(&after), ["investigator"]);
    let again = sign_in(&rp, SUPERVISOR).await;
    assert_eq!(roles(&again.identity), ["investigator"]);
    // The session made before keeps what its sign-in gave it.
    assert_eq!(roles(&signed_in.identity), ["investigator", "supervisor"]);
}

#[tokio::test]
async fn sign_out_reaches_the_provider_and_ends_its_session() {
    let dir = support::scratch("logout");
    let idp = Idp::start(IdpOptions::new(&dir));
    let clock = ManualClock::starting_now();
    let rp = relying_party(&idp, &clock).await;
    let browser = Browser::new();
    let signed_in = sign_in_with(&rp, &browser, OFFICER).await;

    // While the provider's session lasts, a new sign-in needs no password.
    let start = rp.start_login(None).await.unwrap();
    let silent = browser
        .go(start.authorize_url.clone(), None)
        .await
        .gateway();
    assert!(
        rp.finish_login(silent.query().unwrap(), Some(&start.binding))
            .await
            .is_ok()
    );

    let logout = rp
        .logout_url(Some(&signed_in.id_token))
        .expect("the provider has an end_session_endpoint");
    assert!(
        logout
            .as_str()
            .starts_with(&format!("{}/session/end?", idp.issuer)),
        "{logout}"
    );
    let params: Vec<(String, String)> = logout.query_pairs().into_owned().collect();
    assert!(params.contains(&("id_token_hint".into(), signed_in.id_token.clone())));
    assert!(params.contains(&("post_logout_redirect_uri".into(), format!("{GATEWAY}/"))));
    assert!(params.contains(&("client_id".into(), "interop-gateway".into())));

    // The provider asks for confirmation; the browser confirms; the provider sends it back.
    let (page, status, body) = browser.go(logout, None).await.page();
    assert_eq!(status, 200, "{body}");
    let back = browser
        .submit(&page, &body, &[("logout", "yes")])
        .await
        .gateway();
    assert_eq!(back.as_str(), format!("{GATEWAY}/"));

    // The provider's session is over: the next sign-in asks for the password again.
    let start = rp.start_login(None).await.unwrap();
    let (_, status, body) = browser.go(start.authorize_url.clone(), None).await.page();
    assert_eq!(status, 200);
    assert!(
        body.contains("name=\"password\""),
        "the login form again:\n{body}"
    );
}
