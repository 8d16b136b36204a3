#!/usr/bin/env bash
# The demo, the README's main command: builds the host, the two example connectors and their
# vendor stand-ins; starts the stand-ins on loopback; writes each connector the least policy for
# its demo configuration (`interop policy init`) and shows a security review of one; signs
# copies of both connectors with a development key made for this run (`interop keys generate`,
# `interop sign`, `interop verify`); starts the gateway (`interop serve`), trusting only that
# key, with an empty plugin store, two demo users and the audit log; installs both signed
# connectors into the store while it runs (`interop plugin install`); runs a
# federated search for one fictional person and shows the merged answer and its audit record;
# starts the demo force's identity provider (scripts/idp, npm oidc-provider) with its synthetic
# users, so the officer's app the gateway serves can be signed in to; then keeps the gateway
# running for your browser and your own curl until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-wasip2 >/dev/null
echo "==> building the example connectors (wasm32-wasip2 components)"
cargo build --locked --release --target wasm32-wasip2 -p kestrel-rms-connector -p harrier-anpr-connector
echo "==> building the interop host and the vendor stand-ins"
cargo build --locked --release -p interop -p kestrel-rms-standin -p harrier-anpr-standin

wasm=target/wasm32-wasip2/release
bin=target/release
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # The gateway closes its audit log on the way out: let everything stop before removing it.
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Start a stand-in on a free loopback port (in this shell, so cleanup can stop it).
start() {
  "$bin/$1" --listen 127.0.0.1:0 >"$work/$1.out" 2>"$work/$1.err" &
  pids+=($!)
}
# Wait for a stand-in's "listening on URL" line and print the URL.
url_of() {
  for _ in $(seq 100); do
    if grep -q '^listening on ' "$work/$1.out" 2>/dev/null; then sed -n 's/^listening on //p' "$work/$1.out"; return; fi
    sleep 0.1
  done
  echo "error: $1 did not start; its stderr:" >&2; cat "$work/$1.err" >&2; exit 1
}
start kestrel-rms-standin
start harrier-anpr-standin
kestrel=$(url_of kestrel-rms-standin)
harrier=$(url_of harrier-anpr-standin)
echo "==> Kestrel RMS stand-in at $kestrel, Harrier ANPR stand-in at $harrier"

echo; echo "==> writing each connector the least policy for its demo configuration"
"$bin/interop" policy init "$wasm/kestrel_rms_connector.wasm" --out "$work/kestrel-rms.toml" \
  --config "base_url=$kestrel" --config api_key=demo-key --config "force=Demo Constabulary"
"$bin/interop" policy init "$wasm/harrier_anpr_connector.wasm" --out "$work/harrier-anpr.toml" \
  --config "base_url=$harrier" --config token=demo-token --config "force=Demo Constabulary"
# The policies name the secrets' variables; the demo's values are the stand-ins' demo keys.
export INTEROP_KESTREL_RMS_API_KEY=demo-key INTEROP_HARRIER_ANPR_TOKEN=demo-token

echo; echo "==> the Kestrel policy, and what a security team sees when reviewing it"
cat "$work/kestrel-rms.toml"
echo
"$bin/interop" policy review "$wasm/kestrel_rms_connector.wasm" --policy "$work/kestrel-rms.toml"

echo; echo "==> signing copies of both connectors with a development key made for this demo"
# A real vendor keeps its .key on its build machine and gives forces the .pub; the demo plays
# both parts, and the key lives only as long as this run.
"$bin/interop" keys generate --out "$work/demo-vendor" --comment "demo development key"
for c in kestrel_rms_connector harrier_anpr_connector; do
  "$bin/interop" sign "$wasm/$c.wasm" --key "$work/demo-vendor.key" --out "$work/$c.wasm"
  "$bin/interop" verify "$work/$c.wasm" --trust "$work/demo-vendor.pub"
done

# The gateway: both signed connectors under those policies, two demo users, audit on, plain HTTP on
# loopback only. The demo tokens are fixed so the README's curl works; a real gateway makes its
# own with `interop token new`.
officer_token=demo-officer-token
auditor_token=demo-auditor-token
port=${INTEROP_DEMO_PORT:-8480}

# The demo force's identity provider, for signing in to the app: a real OpenID Provider with
# synthetic users (scripts/idp/README.md), told where the gateway's callback is.
echo; echo "==> starting the demo force's identity provider (npm oidc-provider, synthetic users)"
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "error: the demo's identity provider needs $tool (apt-get install nodejs npm)" >&2; exit 1; }
done
if ! cmp -s scripts/idp/package-lock.json scripts/idp/node_modules/.interop-package-lock.json 2>/dev/null; then
  npm ci --prefix scripts/idp --no-audit --no-fund --loglevel=error
  cp scripts/idp/package-lock.json scripts/idp/node_modules/.interop-package-lock.json
fi
node scripts/idp/idp.mjs --port "${INTEROP_DEMO_IDP_PORT:-0}" \
  --client-redirect "http://127.0.0.1:$port/auth/callback" --post-logout "http://127.0.0.1:$port/app/" \
  --client-secret-file "$work/idp-client-secret" >"$work/idp.out" 2>"$work/idp.err" &
pids+=($!)
for _ in $(seq 200); do
  grep -q '"issuer"' "$work/idp.out" 2>/dev/null && break
  sleep 0.1
done
issuer=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["issuer"])' "$work/idp.out" 2>/dev/null) || {
  echo "error: the identity provider did not start; its log:" >&2; cat "$work/idp.err" >&2; exit 1; }
echo "    $issuer"

cat >"$work/gateway.toml" <<EOF
[server]
listen = "127.0.0.1:$port"
plain_http = true
gateway_id = "demo-gateway"

[audit]
dir = "$work/audit"

[trust]
keys = ["$work/demo-vendor.pub"]

[store]
dir = "$work/plugins"
poll_ms = 250

[roles.investigator]
connectors = ["*"]
operations = ["search", "fetch", "submit"]

[roles.auditor]
audit = true

# The operator console at /console/ (docs/CONSOLE.md): sees what runs, may reload, revoke a
# key, roll back or remove a connector.
[roles.operator]
operate = "act"

[[users]]
id = "demo-officer"
token_sha256 = "$(printf %s "$officer_token" | "$bin/interop" token hash)"
roles = ["investigator"]
clearance = "official"

[[users]]
id = "demo-auditor"
token_sha256 = "$(printf %s "$auditor_token" | "$bin/interop" token hash)"
roles = ["auditor"]
clearance = "official"

# One sign-on with the demo force's identity provider: the app's browser sign-in, and bearer
# JWT access tokens for API clients. Its users' groups map to the roles above.
[oidc]
issuer = "$issuer"
client_id = "interop-gateway"
client_secret_file = "$work/idp-client-secret"
redirect_uri = "http://127.0.0.1:$port/auth/callback"
post_logout_redirect_uri = "http://127.0.0.1:$port/app/"
audience = "urn:interop:gateway"
scopes = ["openid", "profile", "interop", "gateway"]

[oidc.claims]
user_id = "preferred_username"
clearance = "clearance"

[oidc.claims.roles]
interop-officers = ["investigator"]
interop-auditors = ["auditor"]
interop-operators = ["operator"]

[oidc.claims.clearance_by_value]
OFFICIAL = "official"
SECRET = "secret"

[rate_limit]
requests = 600
window_secs = 60
EOF

echo; echo "==> starting the gateway on http://127.0.0.1:$port"
"$bin/interop" serve --config "$work/gateway.toml" >"$work/gateway.out" 2>"$work/gateway.err" &
gateway_pid=$!
pids+=("$gateway_pid")
for _ in $(seq 300); do
  grep -q '^listening on ' "$work/gateway.out" 2>/dev/null && break
  if ! kill -0 "$gateway_pid" 2>/dev/null; then
    echo "error: the gateway did not start; its log:" >&2; cat "$work/gateway.err" >&2; exit 1
  fi
  sleep 0.1
done

echo; echo "==> installing both signed connectors into the running gateway's plugin store"
for c in kestrel-rms:kestrel_rms_connector harrier-anpr:harrier_anpr_connector; do
  "$bin/interop" plugin --config "$work/gateway.toml" --actor demo-admin \
    install "$work/${c#*:}.wasm" --policy "$work/${c%%:*}.toml"
done
for _ in $(seq 120); do
  n=$(curl -s -H "Authorization: Bearer $officer_token" "http://127.0.0.1:$port/v1/connectors" \
    | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["connectors"]))' 2>/dev/null || echo 0)
  [ "$n" = 2 ] && break
  sleep 0.25
done
if [ "$n" != 2 ]; then
  echo "error: the gateway did not pick up the installed connectors; its log:" >&2
  cat "$work/gateway.err" >&2; exit 1
fi
echo "    the gateway runs both, without a restart"

show_search() {   # show_search SURNAME: a federated search by surname, its groups and why
  local search='{"justification":"Enquiry into burglary at 12 Fictional Road","case_reference":"DEMO-1",
 "query":{"kind":"person","keys":[{"kind":"name","surname":"'"$1"'","given_name":null,"date_of_birth":null}]}}'
  curl -s -H "Authorization: Bearer $officer_token" "http://127.0.0.1:$port/v1/search" -d "$search" \
    | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("complete:", r["complete"], "| withheld for clearance:", r["withheld"])
for s in r["sources"]:
    print("  source %-13s %-9s %s records" % (s["connector"], s["status"], s.get("records", "-")))
for g in r["groups"]:
    ev = g["evidence"]
    print("group", g["id"], "(" + ev["kind"] + ")")
    for h in g["records"]:
        rec = h["record"]
        kind = rec["entity"]["kind"]
        print("   from %-13s %-12s %-7s %s" % (h["connector"], rec["source"]["local_id"], kind,
              rec["handling"]["classification"]))
    for l in ev.get("links", []):
        a, b = ("%s:%s" % (m["connector"], m["local_id"]) for m in l["records"])
        why = ", ".join("%s %s" % (f["field"], f["agreement"]) for f in l.get("agreed", []))
        if "match_probability" in l:
            print("   linked %s = %s, p=%.4f: %s" % (a, b, l["match_probability"], why))
        else:
            print("   linked %s = %s: same %s" % (a, b, l["shared"]))
    for p in ev.get("possible_matches", []):
        link = p.get("link", p)
        a, b = ("%s:%s" % (m["connector"], m["local_id"]) for m in link["records"])
        because = p["because"]["kind"] if "because" in p else "conflicting " + p["conflicting"]
        print("   possible match %s ~ %s (group %s), not grouped: %s" % (a, b, p["other_group"], because))
'
}
echo; echo "==> a federated search for Examplewood: one merged picture from Kestrel RMS and Harrier ANPR"
echo "    curl -s -H 'Authorization: Bearer $officer_token' http://127.0.0.1:$port/v1/search -d '...'"
show_search Examplewood
echo; echo "==> Protoford: 'Alex' born 07/04/1991 in Kestrel is 'ALEXANDER' born 1991-07-04 in Harrier"
echo "    (day and month keyed the other way round): one group, and why"
show_search Protoford
echo; echo "==> Sampleton: two men of one name born the same day, with different PNC ids: kept apart,"
echo "    each shown beside the other as a possible match"
show_search Sampleton

echo; echo "==> the audit records of those searches (interop audit query): each lists the records it"
echo "    linked and the evidence (linked), as a combination under DPA 2018 s.62; the log verified"
"$bin/interop" audit query --file "$work/audit/audit.jsonl" --user demo-officer
"$bin/interop" audit verify --file "$work/audit/audit.jsonl"

cat <<EOF

The officer's app: open http://127.0.0.1:$port/app/ in a browser and sign in at the demo force's
identity provider as  officer / officer-demo-password  (or auditor / auditor-demo-password; the
visitor / visitor-demo-password account is known to the provider but given nothing). Search for
"Alex Examplewood 14/03/1988" to see one person's picture from Kestrel RMS and Harrier ANPR.

The operator console: open http://127.0.0.1:$port/console/ and sign in as
operator / operator-demo-password: the connectors, their latency charts, the install history,
the audit log's state and the trust store, with reload and revoke actions.

The gateway keeps running at http://127.0.0.1:$port (Ctrl-C stops it, the provider and the
stand-ins). From another terminal, try:
  curl -s -H 'Authorization: Bearer $officer_token' http://127.0.0.1:$port/v1/search \\
       -d '{"justification":"Enquiry into burglary","query":{"kind":"person","text":"Examplewood"}}'
  curl -s http://127.0.0.1:$port/metrics
  curl -s -H 'Authorization: Bearer $auditor_token' 'http://127.0.0.1:$port/v1/audit?user=demo-officer'
Its audit log is $work/audit/audit.jsonl. Its plugin store is $work/plugins: try
  $bin/interop plugin --config $work/gateway.toml list
EOF
wait "$gateway_pid"
