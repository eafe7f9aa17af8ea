import { defineConfig, devices } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '..');
// The server binary is wherever cargo put it (CARGO_TARGET_DIR, or target/ in the repo);
// cargo-leptos always writes the site (CSS, JS, wasm) to target/site inside the repo.
const targetDir = path.resolve(repoRoot, process.env.CARGO_TARGET_DIR || 'target');
// TESSERA_E2E_SITE_ROOT: a copy of the site beside a copied binary (scripts/repeat.sh).
const siteRoot = process.env.TESSERA_E2E_SITE_ROOT || path.join(repoRoot, 'target', 'site');
const port = 3100;
const baseURL = `http://127.0.0.1:${port}`;
// The OpenID provider the single sign-on tests sign in with (end2end/oidc/provider.mjs).
const OIDC_PORT = 3101;
const oidcClient = { id: 'tessera-e2e', secret: 'e2e-client-secret-not-for-production' };
// The LDAP directory the connected-system tests deliver to (end2end/ldap/slapd.sh).
const LDAP_PORT = 3102;
// Also in tests/provisioning.spec.ts.
const SCIM_PORT = 3103;
const SCIM_TOKEN = 'e2e-scim-token';
const LDAP_ADMIN_PASSWORD = 'e2e-ldap-secret';
// The webhook receiver (end2end/webhooks/receiver.mjs); also in tests/webhooks.spec.ts.
const WEBHOOK_PORT = 3104;
// The key connected systems' passwords are sealed with (a test key, never a real one).
const secretKey = '7e55e7a0000000000000000000000000000000000000000000000000000e2e01';

// A fresh SQLite database per test run. The config file is evaluated again in every worker
// process; workers inherit the environment, so they reuse the directory the runner created.
if (!process.env.TESSERA_E2E_DIR) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-'));
  process.env.TESSERA_E2E_DIR = dir;
  process.on('exit', () => {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  });
}
const databaseUrl = `sqlite://${path.join(process.env.TESSERA_E2E_DIR, 'tessera.db')}`;
// The lived-in demo (issue 18: a few hundred people, four months of history) on a server of
// its own, for the dashboards and the accessibility check; also in tests/helpers.ts. The
// other tests run on the tutorial's accounts alone (--demo=tutorial), as the tutorial starts.
const LIVED_IN_PORT = 3105;
const livedInDatabaseUrl = `sqlite://${path.join(process.env.TESSERA_E2E_DIR, 'lived-in.db')}`;

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 30_000,
  use: {
    baseURL,
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          // Debian's Chromium; Playwright never downloads browsers here.
          executablePath: '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--disable-quic',
          ],
        },
      },
    },
  ],
  webServer: [
  {
    command: `node ${path.join(__dirname, 'oidc', 'provider.mjs')}`,
    cwd: __dirname,
    env: {
      ...(process.env as Record<string, string>),
      OIDC_PORT: String(OIDC_PORT),
      OIDC_CLIENT_ID: oidcClient.id,
      OIDC_CLIENT_SECRET: oidcClient.secret,
      TESSERA_URL: baseURL,
    },
    url: `http://127.0.0.1:${OIDC_PORT}/_test/health`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
  {
    command: `bash ${path.join(__dirname, 'ldap', 'slapd.sh')}`,
    cwd: __dirname,
    env: {
      ...(process.env as Record<string, string>),
      LDAP_PORT: String(LDAP_PORT),
      LDAP_DIR: path.join(process.env.TESSERA_E2E_DIR, 'slapd'),
      LDAP_ADMIN_PASSWORD,
    },
    port: LDAP_PORT,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
  {
    // The SCIM application the SCIM connector delivers to (scim2-server from PyPI, installed by
    // scripts/setup.sh in .tools/scim), in memory, accepting one bearer token.
    command: `${process.env.TESSERA_SCIM_SERVER || path.join(repoRoot, '.tools', 'scim', 'bin', 'scim2-server')} --hostname 127.0.0.1 --port ${SCIM_PORT} --bearer-token ${SCIM_TOKEN}`,
    cwd: __dirname,
    port: SCIM_PORT,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    // It logs every request on stderr.
    stderr: 'ignore',
  },
  {
    command: `node ${path.join(__dirname, 'webhooks', 'receiver.mjs')}`,
    cwd: __dirname,
    env: { ...(process.env as Record<string, string>), WEBHOOK_PORT: String(WEBHOOK_PORT) },
    url: `http://127.0.0.1:${WEBHOOK_PORT}/_test/health`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
  {
    command: `${path.join(targetDir, 'release', 'tessera')} serve --demo=tutorial --addr 127.0.0.1:${port}`,
    cwd: repoRoot,
    env: {
      ...(process.env as Record<string, string>),
      DATABASE_URL: databaseUrl,
      LEPTOS_SITE_ROOT: siteRoot,
      RUST_LOG: 'info',
      // The server's lifecycle scheduler runs every second here (production: every minute),
      // so a test that would race with it fails every run instead of once in a while. Tests
      // that need jobs at a given instant run `tessera jobs run --at` themselves, at instants
      // the real clock cannot reach during the run. Override to try another interval.
      // Every test signs in from 127.0.0.1; the per-address limit is tested over HTTP.
      TESSERA_SIGN_IN_PER_MINUTE: '1000',
      TESSERA_JOBS_INTERVAL_SECONDS: process.env.TESSERA_E2E_JOBS_INTERVAL_SECONDS || '1',
      // Single sign-on with the provider above; passwords stay on (the other tests use them).
      TESSERA_OIDC_ISSUER: `http://127.0.0.1:${OIDC_PORT}`,
      TESSERA_OIDC_CLIENT_ID: oidcClient.id,
      TESSERA_OIDC_CLIENT_SECRET: oidcClient.secret,
      TESSERA_OIDC_NAME: 'Woodgrove ID',
      TESSERA_SECRET_KEY: secretKey,
    },
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
  {
    command: `${path.join(targetDir, 'release', 'tessera')} serve --demo --addr 127.0.0.1:${LIVED_IN_PORT}`,
    cwd: repoRoot,
    env: {
      ...(process.env as Record<string, string>),
      DATABASE_URL: livedInDatabaseUrl,
      LEPTOS_SITE_ROOT: siteRoot,
      RUST_LOG: 'info',
      TESSERA_SIGN_IN_PER_MINUTE: '1000',
    },
    url: `http://127.0.0.1:${LIVED_IN_PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
  ],
});
