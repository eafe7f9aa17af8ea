import { type APIRequestContext, type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { ADMIN, EMMA, ERIC, NORA, atPath, gotoReady, signIn } from './helpers';

// Single sign-on against a real OpenID provider (end2end/oidc/provider.mjs, `oidc-provider`
// from npm), started beside Tessera by playwright.config.ts. At the provider's sign-in page
// any login is accepted and becomes the subject; the claims of a subject are set here.
const PROVIDER = 'http://127.0.0.1:3101';
const SIGN_IN_WITH = 'Sign in with Woodgrove ID';

interface ProviderPerson {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  tamper?: 'resigned' | 'audience' | 'expired' | 'nonce' | 'signature' | 'token-endpoint-down';
}

async function atProvider(request: APIRequestContext, person: ProviderPerson) {
  const resp = await request.post(`${PROVIDER}/_test/people`, { data: person });
  expect(resp.status()).toBe(204);
}

/** From Tessera's sign-in page through the provider's; returns where Tessera landed. */
async function signInWithProvider(page: Page, login: string) {
  await gotoReady(page, '/login');
  await page.getByRole('link', { name: SIGN_IN_WITH }).click();
  // The provider's own (development) sign-in page: its fields have placeholders, no labels.
  await page.getByPlaceholder('Enter any login').fill(login);
  await page.getByPlaceholder('and password').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.waitForURL((url) => url.origin === 'http://127.0.0.1:3100');
  await page.waitForLoadState('networkidle');
}

async function expectRefused(page: Page, message: string | RegExp) {
  await expect(page).toHaveURL(/\/login\?sso_error=/);
  await expect(page.getByRole('alert')).toContainText(message);
  // Nobody was signed in.
  await gotoReady(page, '/myaccess');
  await expect(page).toHaveURL(/\/login/);
}

/** Signs out of Tessera, then of the provider, and lands on Tessera's sign-in page. */
async function signOutOfBoth(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await expect(page).toHaveURL(atPath('/login'));
  await expect(page.getByRole('heading', { name: 'Sign in to Tessera' })).toBeVisible();
}

test('an employee signs in with the provider: by e-mail the first time, then by subject', async ({ page, request }) => {
  await gotoReady(page, '/login');
  await expect(page.getByRole('link', { name: SIGN_IN_WITH })).toBeVisible();
  // Passwords stay available here, below the provider's button.
  await expect(page.getByRole('textbox', { name: 'Email' })).toBeVisible();

  await atProvider(request, { sub: 'woodgrove-eric', email: ERIC.email, name: 'Eric at Woodgrove ID' });
  await signInWithProvider(page, 'woodgrove-eric');
  await expect(page).toHaveURL(atPath('/myaccess'));
  await expect(page.getByRole('link', { name: ERIC.name })).toBeVisible();
  await signOutOfBoth(page);
  // Signed out of Tessera: its pages ask for a sign-in again.
  await gotoReady(page, '/myaccess');
  await expect(page).toHaveURL(/\/login/);

  // The provider renamed Eric's mailbox: the subject stored at the first sign-in finds him.
  await atProvider(request, { sub: 'woodgrove-eric', email: 'eric.e@mail.woodgrove.example' });
  await signInWithProvider(page, 'woodgrove-eric');
  await expect(page.getByRole('link', { name: ERIC.name })).toBeVisible();
  await signOutOfBoth(page);

  // Another provider account showing Eric's old e-mail does not get into his account.
  await atProvider(request, { sub: 'woodgrove-impostor', email: ERIC.email });
  await signInWithProvider(page, 'woodgrove-impostor');
  await expectRefused(page, 'Your Tessera account is linked to another Woodgrove ID account.');
});

test('the page the person asked for is where single sign-on lands', async ({ page, request }) => {
  await atProvider(request, { sub: 'woodgrove-emma', email: EMMA.email });
  await gotoReady(page, '/myaccess/requests');
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByRole('link', { name: SIGN_IN_WITH }).click();
  await page.getByPlaceholder('Enter any login').fill('woodgrove-emma');
  await page.getByPlaceholder('and password').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await expect(page).toHaveURL(atPath('/myaccess/requests'));
  await expect(page.getByRole('link', { name: EMMA.name })).toBeVisible();
});

test('unknown, unverified and disabled people are refused with a clear message', async ({ page, request }) => {
  await atProvider(request, { sub: 'woodgrove-stranger', email: 'stranger@woodgrove.example' });
  await signInWithProvider(page, 'woodgrove-stranger');
  await expectRefused(page, 'There is no Tessera account for the person Woodgrove ID signed in.');

  await page.context().clearCookies();
  await atProvider(request, { sub: 'woodgrove-unverified', email: EMMA.email, email_verified: false });
  await signInWithProvider(page, 'woodgrove-unverified');
  await expectRefused(page, 'Woodgrove ID has not confirmed your e-mail address.');

  // An administrator creates Dana disabled; Dana's sign-in with the provider is refused.
  await page.context().clearCookies();
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/directory/users/new');
  await page.getByLabel('Email', { exact: true }).fill('dana.disabled@woodgrove.example');
  await page.getByLabel('Display name').fill('Dana Disabled');
  await page.getByRole('radio', { name: 'No' }).check();
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('heading', { name: 'Dana Disabled' })).toBeVisible();
  await page.context().clearCookies();
  await atProvider(request, { sub: 'woodgrove-dana', email: 'dana.disabled@woodgrove.example' });
  await signInWithProvider(page, 'woodgrove-dana');
  await expectRefused(page, 'Your Tessera account is disabled.');
});

test('a forged state and a replayed code are refused', async ({ page, request }) => {
  await gotoReady(page, '/auth/oidc/callback?code=forged&state=forged');
  await expectRefused(page, 'That sign-in expired or was started elsewhere.');

  // A real sign-in; its code is kept.
  let used = '';
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.pathname === '/auth/oidc/callback' && url.searchParams.get('code')) {
      used ||= url.searchParams.get('code') ?? '';
    }
  });
  await atProvider(request, { sub: 'woodgrove-emma', email: EMMA.email });
  await signInWithProvider(page, 'woodgrove-emma');
  await expect(page.getByRole('link', { name: EMMA.name })).toBeVisible();
  expect(used).not.toBe('');

  // Signed out of Tessera (the provider still remembers Emma): the same callback again is
  // refused, the sign-in it answered is over.
  await page.context().clearCookies({ name: 'tessera.sid' });
  await gotoReady(page, `/auth/oidc/callback?code=${encodeURIComponent(used)}&state=anything`);
  await expect(page).toHaveURL(/sso_error=state/);

  // A new sign-in, started in this browser, answered with the used code (and the new, valid
  // state): the provider refuses the code, and Tessera says so.
  const start = await page.request.get('/auth/oidc/start', { maxRedirects: 0 });
  expect(start.status()).toBe(303);
  const state = new URL(start.headers()['location']).searchParams.get('state') ?? '';
  expect(state).not.toBe('');
  await gotoReady(
    page,
    `/auth/oidc/callback?code=${encodeURIComponent(used)}&state=${encodeURIComponent(state)}`,
  );
  await expect(page).toHaveURL(/\/login\?sso_error=code/);
  await expect(page.getByRole('alert')).toContainText('Woodgrove ID did not accept the sign-in');
});

test('an ID token that is expired, for another audience, with another nonce or a foreign signature is refused', async ({ page, request }) => {
  // The provider's token signed again unchanged is accepted: what follows is refused for
  // what each case changes, not for being re-signed.
  await atProvider(request, { sub: 'woodgrove-nora', email: NORA.email, tamper: 'resigned' });
  await signInWithProvider(page, 'woodgrove-nora');
  await expect(page).toHaveURL(atPath('/myaccess'));
  await expect(page.getByRole('link', { name: NORA.name })).toBeVisible();
  for (const tamper of ['expired', 'audience', 'nonce', 'signature'] as const) {
    await page.context().clearCookies();
    const sub = `woodgrove-tampered-${tamper}`;
    await atProvider(request, { sub, email: EMMA.email, tamper });
    await signInWithProvider(page, sub);
    await expect(page, tamper).toHaveURL(/sso_error=token/);
    await expectRefused(page, 'Tessera could not verify the answer from Woodgrove ID');
  }
});

test('a provider that does not answer is a clear error page, not a server error', async ({ page, request }) => {
  await atProvider(request, { sub: 'woodgrove-down', email: EMMA.email, tamper: 'token-endpoint-down' });
  const statuses: number[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/auth/oidc/')) statuses.push(r.status());
  });
  await signInWithProvider(page, 'woodgrove-down');
  await expectRefused(page, 'Woodgrove ID is not answering. Try again in a few minutes');
  expect(statuses.every((s) => s < 500), `statuses ${statuses}`).toBe(true);
});
