import { expect, test } from './fixtures';
import { ERIC, DEMO_PASSWORD, atPath, gotoReady, signIn } from './helpers';

// Another site, served by the browser itself: nothing of Tessera's runs there.
const EVIL = 'http://evil.test';

test('a sign-in form on another site cannot sign anyone in (login CSRF)', async ({ page }) => {
  await gotoReady(page, '/login');
  const action = new URL(
    (await page.locator('form').first().getAttribute('action')) as string,
    page.url(),
  ).toString();
  await page.route(`${EVIL}/**`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><title>Win a prize</title>
        <form method="post" action="${action}">
          <input name="email" value="${ERIC.email}"><input name="password" value="${DEMO_PASSWORD}">
          <input name="next" value="/myaccess"><button>Claim</button>
        </form>`,
    }),
  );
  await page.goto(`${EVIL}/prize`);
  const answer = page.waitForResponse((r) => r.url() === action);
  await page.getByRole('button', { name: 'Claim' }).click();
  expect((await answer).status()).toBe(403);
  await expect(page.getByText("This request did not come from Tessera's own pages")).toBeVisible();
  // Nobody was signed in.
  await page.goto('/myaccess');
  await expect(page).toHaveURL(/\/login\?next=/);
});

test('after sign-in, a crafted next= never leaves the site', async ({ page }) => {
  for (const next of ['/%09/evil.test', '//evil.test', '/%5Cevil.test', 'https://evil.test/']) {
    await gotoReady(page, `/login?next=${next}`);
    await page.getByRole('textbox', { name: 'Email' }).fill(ERIC.email);
    await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(atPath('/myaccess'));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
  }
});

test('pages are sent with a nonce-based Content-Security-Policy and cannot be framed', {
  annotation: { type: 'expected CSP violation', description: 'frame-ancestors' },
}, async ({ page }) => {
  const response = await gotoReady(page, '/login');
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]+'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  // The page still hydrates under the policy: the form is interactive (fixtures fail the
  // test on any violation the browser reports).
  await signIn(page, ERIC.email);
  await expect(page.getByRole('heading', { name: 'My Access' })).toBeVisible();
  // Another site cannot frame it.
  await page.route(`${EVIL}/**`, (route) =>
    route.fulfill({ contentType: 'text/html', body: `<iframe src="${page.url()}" title="framed"></iframe>` }),
  );
  await page.goto(`${EVIL}/frame`, { waitUntil: 'load' });
  const framed = page.frames().find((f) => f !== page.mainFrame());
  expect(framed, 'the iframe exists').toBeDefined();
  // The browser refuses to show Tessera inside it: an error page instead of My Access.
  await expect.poll(() => framed?.url()).toMatch(/^chrome-error:/);
  await expect(page.frameLocator('iframe').getByRole('heading', { name: 'My Access' })).toHaveCount(0);
});

test('the suite notices a CSP violation (this test is expected to fail)', async ({ page }) => {
  test.fail(true, 'fixtures.ts must fail any test whose page breaks the Content-Security-Policy');
  await gotoReady(page, '/login');
  const reported = page.waitForEvent('console', (m) => /Content.Security.Policy/i.test(m.text()));
  // An inline script without the nonce, as an injection would add it.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.injected = true';
    document.body.appendChild(s);
  });
  await reported;
  expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).toBeUndefined();
});
