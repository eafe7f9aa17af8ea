// A real OpenID provider for the browser tests: `oidc-provider` (the certified Node.js
// implementation) with its development sign-in pages, started by playwright.config.ts beside
// Tessera. Nothing here decides what Tessera accepts: the tokens are the provider's own,
// signed with the key below, and Tessera checks them as it checks any provider's.
//
// Who signs in: at the provider's sign-in page any login is accepted and becomes the
// subject (`sub`). The claims of a subject come from a small directory that the tests set
// with `POST /_test/people` {sub, email, email_verified?, name?, tamper?}; a subject not set
// there that looks like an e-mail address is that address, verified.
//
// `tamper` makes the provider's answer to Tessera wrong in one way, signed with the
// provider's real key unless said otherwise, so that Tessera's checks meet what a broken or
// hostile provider sends (`resigned`: the same token signed again, which must pass): `audience` (issued for another client), `expired` (an ID token that
// expired ten minutes ago), `nonce` (another sign-in's nonce), `signature` (signed by a key
// the provider never published), `token-endpoint-down` (the token endpoint answers 503).
//
// Environment: OIDC_PORT (3101), OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, TESSERA_URL (where
// Tessera runs: its callback and its sign-out landing page are registered from it).
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const port = Number(process.env.OIDC_PORT || 3101);
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.OIDC_CLIENT_ID || 'tessera-e2e';
const clientSecret = process.env.OIDC_CLIENT_SECRET || 'e2e-client-secret-not-for-production';
const tessera = process.env.TESSERA_URL || 'http://127.0.0.1:3100';

const kid = 'e2e-signing-key';
const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
// Never published: what `tamper: signature` signs with.
const { privateKey: strangerKey } = await jose.generateKeyPair('RS256');

/** sub -> { email, email_verified, name, tamper } */
const people = new Map();

function person(sub) {
  const known = people.get(sub);
  if (known) return known;
  if (sub.includes('@')) return { email: sub, email_verified: true, name: undefined };
  return { email: undefined, email_verified: false, name: undefined };
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [`${tessera}/auth/oidc/callback`],
      post_logout_redirect_uris: [`${tessera}/login`],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingJwk] },
  // Tessera must send PKCE even as a confidential client.
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  cookies: { keys: ['e2e-cookie-key-not-for-production'] },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  // First-party: no consent screen, the grant covers what Tessera asks for.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['email', 'email_verified', 'name']);
    await grant.save();
    return grant;
  },
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        const p = person(sub);
        const claims = { sub };
        if (p.email !== undefined) {
          claims.email = p.email;
          claims.email_verified = p.email_verified !== false;
        }
        if (p.name) claims.name = p.name;
        return claims;
      },
    };
  },
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: 600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
});

// Tampering happens on the way out of the token endpoint, after the provider made its answer.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || ctx.status !== 200 || !ctx.body?.id_token) return;
  const claims = jose.decodeJwt(ctx.body.id_token);
  const tamper = people.get(claims.sub)?.tamper;
  if (!tamper) return;
  const now = Math.floor(Date.now() / 1000);
  let key = privateKey;
  switch (tamper) {
    case 'audience':
      claims.aud = 'another-application';
      break;
    case 'expired':
      claims.iat = now - 1200;
      claims.exp = now - 600;
      break;
    case 'nonce':
      claims.nonce = 'a-nonce-from-another-sign-in';
      break;
    case 'signature':
      key = strangerKey;
      break;
    case 'resigned':
      // Signed again, unchanged: proves that re-signing alone is accepted, so the cases
      // above are refused for what they change.
      break;
    case 'token-endpoint-down':
      ctx.status = 503;
      ctx.body = 'Service Unavailable';
      return;
    default:
      return;
  }
  ctx.body = {
    ...ctx.body,
    id_token: await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .sign(key),
  };
});

// The tests' directory, then everything else to the provider.
const callback = provider.callback();
const server = createServer(async (req, res) => {
  if (req.url === '/_test/people' && req.method === 'POST') {
    let body = '';
    for await (const chunk of req) body += chunk;
    try {
      const p = JSON.parse(body);
      if (typeof p.sub !== 'string' || !p.sub) throw new Error('sub is required');
      people.set(p.sub, {
        email: p.email,
        email_verified: p.email_verified !== false,
        name: p.name,
        tamper: p.tamper,
      });
      res.writeHead(204).end();
    } catch (e) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(String(e));
    }
    return;
  }
  if (req.url === '/_test/health') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  callback(req, res);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`OpenID provider for the tests at ${issuer} (client ${clientId}, Tessera at ${tessera})`);
});
