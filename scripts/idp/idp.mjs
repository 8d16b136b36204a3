#!/usr/bin/env node
// interop's OpenID Provider for tests and the demo: the certified `oidc-provider` package, with
// synthetic users, a login page of its own and consent granted for the gateway, on loopback only.
//
//   node scripts/idp/idp.mjs --port 0 --issuer http://127.0.0.1:PORT \
//        --client-redirect http://127.0.0.1:8080/auth/callback \
//        --post-logout http://127.0.0.1:8080/ \
//        --client-secret-file /tmp/idp/client-secret [--keys /tmp/idp/keys.json [--rotate]]
//
// Prints one JSON line on stdout when it is listening ({"issuer":…,"port":…,…}); everything else
// goes to stderr. See README.md beside this file for the users, passwords and key rotation.

import { createServer } from 'node:http';
import { createHash, generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

// The synthetic people of the demo force. Every name, number and password here is invented.
// `groups` and `clearance` are what the gateway's claims mapping reads.
const USERS = [
  {
    username: 'officer', password: 'officer-demo-password', sub: 'u-1001',
    name: 'PC Alex Morgan', groups: ['interop-officers'], clearance: 'OFFICIAL',
  },
  {
    username: 'supervisor', password: 'supervisor-demo-password', sub: 'u-1002',
    name: 'DS Sam Patel', groups: ['interop-officers', 'interop-supervisors'], clearance: 'SECRET',
  },
  {
    username: 'auditor', password: 'auditor-demo-password', sub: 'u-1003',
    name: 'Jo Reid', groups: ['interop-auditors'], clearance: 'OFFICIAL',
  },
  {
    // Runs the gateway: the operator console (docs/CONSOLE.md), no data.
    username: 'operator', password: 'operator-demo-password', sub: 'u-1005',
    name: 'Kim Okafor', groups: ['interop-operators'], clearance: 'OFFICIAL',
  },
  {
    // Someone the force knows who has no business in interop: the gateway must give them nothing.
    username: 'visitor', password: 'visitor-demo-password', sub: 'u-1004',
    name: 'Chris Lee', groups: ['facilities'],
  },
];

// A login form body is two short fields; anything larger is not a browser posting our form.
const MAX_FORM_BYTES = 4096;
// The signing keys kept when rotating: the new generation and the one before it, so tokens signed
// just before the restart still verify until they expire.
const KEY_GENERATIONS_KEPT = 2;

function fail(message) {
  process.stderr.write(`idp: ${message}\n`);
  process.exit(2);
}

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    issuer: { type: 'string' },
    'client-id': { type: 'string', default: 'interop-gateway' },
    'client-secret-file': { type: 'string' },
    'client-redirect': { type: 'string', multiple: true },
    'post-logout': { type: 'string', multiple: true },
    audience: { type: 'string', default: 'urn:interop:gateway' },
    keys: { type: 'string' },
    rotate: { type: 'boolean', default: false },
    'access-token-ttl': { type: 'string', default: '600' },
  },
  strict: true,
});

const port = Number.parseInt(opts.port, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port ${opts.port}: not a port`);
if (!opts['client-redirect']?.length) fail('--client-redirect URI is required (the gateway\'s callback)');
if (!opts['post-logout']?.length) fail('--post-logout URI is required (where the gateway wants users after sign-out)');
const accessTokenTTL = Number.parseInt(opts['access-token-ttl'], 10);
if (!Number.isInteger(accessTokenTTL) || accessTokenTTL < 1) fail('--access-token-ttl: seconds, at least 1');
if (opts.rotate && !opts.keys) fail('--rotate needs --keys FILE');

// ---- the client secret: shared with the gateway through a file, never on the command line ----

function clientSecret() {
  const file = opts['client-secret-file'];
  if (file) {
    if (!existsSync(file)) {
      writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    }
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length < 16) fail(`${file}: the client secret is shorter than 16 characters`);
    return secret;
  }
  const secret = process.env.IDP_CLIENT_SECRET?.trim();
  if (!secret) fail('give --client-secret-file FILE (created if absent) or set IDP_CLIENT_SECRET');
  return secret;
}

// ---- signing keys: a JWKS with private keys, generated if absent, rotated on request ----------

function hex(bytes) {
  return randomBytes(bytes).toString('hex');
}

function keyGeneration() {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  // ID tokens are signed RS256 and the gateway's access tokens ES256, so a relying party that
  // handles only one of the two key types is caught by the tests.
  return [
    { ...rsa, kid: `rsa-${stamp}-${hex(4)}`, use: 'sig', alg: 'RS256' },
    { ...ec, kid: `ec-${stamp}-${hex(4)}`, use: 'sig', alg: 'ES256' },
  ];
}

function writeKeys(file, jwks) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(jwks, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

function signingKeys() {
  if (!opts.keys) return { keys: keyGeneration() };
  const file = opts.keys;
  if (!existsSync(file)) {
    const jwks = { keys: keyGeneration() };
    writeKeys(file, jwks);
    return jwks;
  }
  let jwks;
  try {
    jwks = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`${file}: not a JSON key set (${e.message})`);
  }
  if (!Array.isArray(jwks?.keys) || jwks.keys.length === 0) fail(`${file}: no "keys"`);
  if (opts.rotate) {
    // The new keys go first, so they sign from now on; the previous generation stays published
    // after them, so tokens it signed still verify. Older generations are dropped.
    const perGeneration = 2;
    const kept = jwks.keys.slice(0, perGeneration * (KEY_GENERATIONS_KEPT - 1));
    jwks = { keys: [...keyGeneration(), ...kept] };
    writeKeys(file, jwks);
  }
  return jwks;
}

// ---- accounts -------------------------------------------------------------------------------

function sha256(text) {
  return createHash('sha256').update(text, 'utf8').digest();
}

// Constant time in the password, and the same work for an unknown user as for a known one.
function checkPassword(username, password) {
  const user = USERS.find((u) => u.username === username);
  const expected = sha256(user ? user.password : `no such user ${randomBytes(8).toString('hex')}`);
  const ok = timingSafeEqual(sha256(String(password)), expected);
  return ok && user ? user : undefined;
}

function accountClaims(user) {
  const claims = { sub: user.sub, name: user.name, preferred_username: user.username, groups: user.groups };
  if (user.clearance) claims.clearance = user.clearance;
  return claims;
}

// ---- pages ----------------------------------------------------------------------------------

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — Demo Force sign-in</title>
<style>
body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.3rem}label{display:block;margin:.8rem 0 .2rem}
input{width:100%;padding:.45rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem}
.error{color:#a00;font-weight:600}.note{color:#555;font-size:.85rem}
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
<p class="note">Demo Force identity provider — synthetic users only.</p>
</body>
</html>`;
}

function loginPage(uid, { username = '', error } = {}) {
  return page('Sign in', `
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<label for="username">Username</label>
<input id="username" name="username" required autofocus value="${escapeHtml(username)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form>
<p><a href="/interaction/${escapeHtml(uid)}/abort">Cancel</a></p>`);
}

// A browser applies `form-action` to the redirects that follow a form's submission too: the
// login and logout forms end in a redirect to the gateway, so its origins are allowed beside ours.
const CLIENT_ORIGINS = [...new Set([...opts['client-redirect'], ...opts['post-logout']].map((u) => {
  try {
    return new URL(u).origin;
  } catch {
    return fail(`${u}: not a URL`);
  }
}))];

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${CLIENT_ORIGINS.join(' ')}; frame-ancestors 'none'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function sendHtml(res, status, html) {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        reject(Object.assign(new Error('form too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

// ---- start ----------------------------------------------------------------------------------

const secret = clientSecret();
const jwks = signingKeys();
const clientId = opts['client-id'];
const audience = opts.audience;

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const actualPort = server.address().port;
  const issuer = (opts.issuer ?? 'http://127.0.0.1:PORT').replace('PORT', String(actualPort));
  let issuerUrl;
  try {
    issuerUrl = new URL(issuer);
  } catch {
    fail(`--issuer ${issuer}: not a URL`);
  }
  if (!['127.0.0.1', 'localhost'].includes(issuerUrl.hostname)) {
    fail(`--issuer ${issuer}: this provider is for tests and the demo, on loopback only`);
  }

  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: secret,
      client_name: 'interop gateway',
      redirect_uris: opts['client-redirect'],
      post_logout_redirect_uris: opts['post-logout'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    }],
    jwks,
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      interop: ['groups', 'clearance'],
    },
    // The ID token carries the groups and clearance itself, as Entra ID and Keycloak can be
    // configured to; the gateway never calls userinfo.
    conformIdTokenClaims: false,
    pkce: { methods: ['S256'], required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = page('Sign out', `<p>Sign out of the Demo Force identity provider?</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Signed out', '<p>You are signed out.</p>');
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        async getResourceServerInfo(_ctx, resource, client) {
          if (resource !== audience || client.clientId !== clientId) {
            throw new errors.InvalidTarget();
          }
          return {
            scope: 'gateway',
            audience,
            accessTokenTTL,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    async extraTokenClaims(_ctx, token) {
      const user = USERS.find((u) => u.sub === token.accountId);
      if (!user) return undefined;
      const { sub: _sub, ...claims } = accountClaims(user);
      return claims;
    },
    async findAccount(_ctx, sub) {
      const user = USERS.find((u) => u.sub === sub);
      if (!user) return undefined;
      return { accountId: user.sub, claims: async () => accountClaims(user) };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: accessTokenTTL,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Sign-in problem', `<p class="error">${escapeHtml(out.error)}</p><p>${escapeHtml(out.error_description ?? '')}</p>`);
    },
  });
  provider.on('server_error', (_ctx, err) => process.stderr.write(`idp: server error: ${err.stack}\n`));

  const oidc = provider.callback();

  // Consent for the gateway, the force's own first-party client: granted without asking, for
  // exactly what it requested (as a force configures its IdP for its own applications).
  async function grantConsent(details) {
    const { prompt, params, session, grantId } = details;
    if (params.client_id !== clientId) {
      return { error: 'access_denied', error_description: 'only the gateway is a first-party client here' };
    }
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const saved = await grant.save();
    return { consent: grantId ? {} : { grantId: saved } };
  }

  async function interaction(req, res, parts) {
    const details = await provider.interactionDetails(req, res);
    const [uid, action] = parts;
    if (uid !== details.uid) return sendHtml(res, 400, page('Sign-in problem', '<p>Unknown sign-in.</p>'));

    if (req.method === 'GET' && action === undefined) {
      if (details.prompt.name === 'login') return sendHtml(res, 200, loginPage(uid));
      if (details.prompt.name === 'consent') {
        return provider.interactionFinished(req, res, await grantConsent(details), { mergeWithLastSubmission: true });
      }
      return sendHtml(res, 400, page('Sign-in problem', '<p>This sign-in cannot continue.</p>'));
    }
    if (req.method === 'POST' && action === 'login' && details.prompt.name === 'login') {
      const form = await readForm(req);
      const username = form.get('username') ?? '';
      const user = checkPassword(username, form.get('password') ?? '');
      if (!user) {
        process.stderr.write(`idp: failed sign-in for ${JSON.stringify(username.slice(0, 64))}\n`);
        return sendHtml(res, 401, loginPage(uid, { username, error: 'Wrong username or password.' }));
      }
      return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
    }
    if (req.method === 'GET' && action === 'abort') {
      return provider.interactionFinished(req, res, {
        error: 'access_denied', error_description: 'the user cancelled the sign-in',
      }, { mergeWithLastSubmission: false });
    }
    return sendHtml(res, 405, page('Sign-in problem', '<p>Not allowed.</p>'));
  }

  server.on('request', (req, res) => {
    const path = new URL(req.url, issuer).pathname;
    if (!path.startsWith('/interaction/')) return oidc(req, res);
    const parts = path.slice('/interaction/'.length).split('/');
    return interaction(req, res, parts).catch((err) => {
      const status = err.status ?? err.statusCode ?? 500;
      if (status >= 500) process.stderr.write(`idp: interaction error: ${err.stack}\n`);
      if (!res.headersSent) {
        const text = status === 400 || err.name === 'SessionNotFound'
          ? 'This sign-in has expired or is not yours. Start again from the gateway.'
          : 'Something went wrong.';
        sendHtml(res, status, page('Sign-in problem', `<p>${escapeHtml(text)}</p>`));
      } else {
        res.end();
      }
    });
  });

  process.stdout.write(`${JSON.stringify({
    issuer, port: actualPort, client_id: clientId, audience, kids: jwks.keys.map((k) => k.kid),
  })}\n`);
});

server.on('error', (err) => fail(`cannot listen on 127.0.0.1:${port}: ${err.message}`));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
