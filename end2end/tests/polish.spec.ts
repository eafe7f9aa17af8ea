import { expect, test } from './fixtures';
import { ADMIN, ERIC, MANAGER, atPath, gotoReady, makeToken, postJson as call, signIn, signOut } from './helpers';

// Issue 18's rough edges: what a new user meets first. Named to run after pipeline-api.spec.ts.

test('signing in works before the page is live: a wrong password is told on the plain post', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByRole('textbox', { name: 'Email' }).fill(ERIC.email);
  await page.getByLabel('Password', { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('alert').filter({ hasText: 'Email or password is incorrect.' })).toBeVisible();
  // The right password signs in, still without a script.
  await page.getByRole('textbox', { name: 'Email' }).fill(ERIC.email);
  await page.getByLabel('Password', { exact: true }).fill('tessera-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(atPath('/myaccess'));
  await expect(page.getByRole('heading', { name: 'My Access' })).toBeVisible();
  await context.close();
});

test.describe('in New York', () => {
  test.use({ timezoneId: 'America/New_York' });

  test('times show in the viewer’s zone once live, in marked UTC before; the bell is drawn, not an emoji', async ({ page }) => {
    await signIn(page, ADMIN.email);
    const served = await (await page.request.get('/admin/audit')).text();
    expect(served).toMatch(/<time datetime="[^"]+Z" title="[^"]+ UTC">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>/);
    await gotoReady(page, '/admin/audit');
    const first = page.getByRole('table').first().locator('time').first();
    await expect(first).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d (EST|EDT)$/);
    await expect(first).toHaveAttribute('title', / UTC$/);

    const bell = page.getByRole('button', { name: /^Notifications/ });
    await expect(bell.locator('svg')).toHaveCount(1);
    expect(await bell.innerText()).not.toMatch(/\p{Extended_Pictographic}/u);
  });
});

test('the audit log: filters in one row, ids cut short with a copy button, the table scrolls on a phone', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/audit');
  const filters = page.getByRole('search');
  const actor = await filters.getByLabel('Actor', { exact: true }).boundingBox();
  const to = await filters.getByLabel('To', { exact: true }).boundingBox();
  expect(actor && to && Math.abs(actor.y - to.y) < actor.height, 'Actor and To in one row').toBeTruthy();

  const row = page.getByRole('table').first().getByRole('row').nth(1);
  const id = row.locator('.copy-id code').first();
  await expect(id).toHaveText(/^[0-9a-f-]{8}…$/);
  const whole = await id.getAttribute('title');
  expect(whole && whole.length).toBeGreaterThan(9);
  await row.getByRole('button', { name: 'Copy request id' }).click();
  await expect(row.getByRole('status')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(whole);

  await page.setViewportSize({ width: 375, height: 740 });
  const wrap = page.locator('.table-wrap').first();
  const sizes = await wrap.evaluate((e) => ({ scroll: e.scrollWidth, client: e.clientWidth }));
  expect(sizes.scroll, 'the table scrolls inside its frame').toBeGreaterThan(sizes.client);
  const page_width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(page_width, 'the page itself does not scroll sideways').toBeLessThanOrEqual(375);
});

test('the request history and the approvals page past their first page', async ({ page, request }) => {
  const admin = await makeToken(page, ADMIN.email, 'Paging setup');
  const eric = await makeToken(page, ERIC.email, 'Paging requests');
  const made = await call(request, admin, '/api/v1/accessPackages', {
    displayName: 'Paging Tools',
    description: 'Requested and withdrawn many times',
    resourceRoleScopes: [],
    assignmentPolicy: {
      allowedTargetScope: 'allMemberUsers',
      requestApprovalSettings: {
        stages: [{ durationBeforeAutomaticDenial: 'P14D', primaryApprovers: [{ '@odata.type': '#microsoft.graph.requestorManager' }] }],
      },
      expiration: { type: 'afterDuration', duration: 'P30D' },
    },
  });
  for (let n = 1; n <= 27; n++) {
    const asked = await call(request, eric, '/api/v1/assignmentRequests', {
      requestType: 'userAdd', accessPackageId: made.id, justification: `Attempt ${n}`,
    });
    if (n < 27) await call(request, eric, `/api/v1/assignmentRequests/${asked.id}/cancel`, {});
  }

  await signIn(page, ERIC.email);
  await gotoReady(page, '/myaccess/requests');
  const pages = page.getByRole('navigation', { name: 'Pages' });
  await expect(pages).toContainText(/Page 1 of \d+ · \d+ requests/);
  await expect(page.getByRole('article', { name: 'Request for Paging Tools' })).toHaveCount(25);
  await expect(page.getByRole('article', { name: 'Request for Paging Tools' }).first()).toContainText('Attempt 27');
  await pages.getByRole('link', { name: 'Next' }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.getByRole('article', { name: 'Request for Paging Tools' }).first()).toContainText('Attempt 2');
  await signOut(page);

  await signIn(page, MANAGER.email);
  await gotoReady(page, '/myaccess/approvals');
  const tabs = page.getByRole('navigation', { name: 'Approvals' });
  await expect(tabs.getByRole('link', { name: /^Pending \d+$/ })).toBeVisible();
  await tabs.getByRole('link', { name: 'History' }).click();
  await expect(page.getByRole('navigation', { name: 'Pages' })).toContainText(/Page 1 of [2-9]/);
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Next' }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page).toHaveURL(/tab=history/);
  await expect(page.getByRole('article').first()).toBeVisible();
});
