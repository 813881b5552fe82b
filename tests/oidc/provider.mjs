// A real OpenID Connect provider on loopback for OTTO's single sign-on tests (oidc-provider).
// Usage: node provider.mjs '<json>' where the JSON gives `clients` (oidc-provider client
// metadata) and `accounts` ({login: {name, email, groups}}). It signs with a key pair made
// at start, listens on a free loopback port and prints its issuer URL as the first line.
// Sign-in uses oidc-provider's built-in development forms: any password is accepted for a
// login in `accounts`; any other login is refused.
import crypto from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const settings = JSON.parse(process.argv[2]);
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' };

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: settings.clients,
    jwks: { keys: [signingKey] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub'],
      profile: ['name'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    // Claims of the requested scopes travel in the ID token too (as Entra ID sends groups).
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    async findAccount(ctx, id) {
      const account = settings.accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, email_verified: true, ...account };
        },
      };
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${issuer}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
