import { expect, test } from './fixtures';
import { ADMIN, NORA, gotoReady, signIn, signOut } from './helpers';

test('a person makes an API token, a script uses it, and revoking it stops the script', async ({ page }) => {
  await signIn(page, NORA.email);
  await gotoReady(page, '/myaccess/account');
  const tokens = page.getByRole('region', { name: 'API tokens' });
  await expect(tokens.getByText('No API token yet.')).toBeVisible();
  // Nora administers nothing: no catalog to limit a token to.
  await tokens.getByText('New API token', { exact: true }).click();
  await expect(tokens.getByLabel('Limit to a catalog')).toHaveCount(0);

  // A bad field is named and nothing is made.
  await tokens.getByLabel('Token name').fill('Onboarding script');
  await tokens.getByLabel('Expires after (days)').fill('400');
  await tokens.getByRole('button', { name: 'Create token' }).click();
  await expect(tokens.getByText('Enter a whole number of days from 1 to 365.')).toBeVisible();
  await expect(tokens.getByLabel('Expires after (days)')).toHaveAttribute('aria-invalid', 'true');

  await tokens.getByLabel('Expires after (days)').fill('30');
  await tokens.getByLabel('Read and write (request, approve, assign)').check();
  await tokens.getByRole('button', { name: 'Create token' }).click();
  const made = page.getByRole('status').filter({ hasText: 'Token “Onboarding script” created.' });
  await expect(made).toBeVisible();
  const secret = await made.getByLabel('New API token').inputValue();
  expect(secret).toMatch(/^tsr_[0-9a-f]{64}$/);
  const row = tokens.getByRole('row', { name: /Onboarding script/ });
  await expect(row.getByText('Active')).toBeVisible();
  await expect(row.getByText('Read and write')).toBeVisible();
  await expect(row.getByRole('cell', { name: 'Never' })).toBeVisible();

  // The script: the token acts as Nora.
  const me = await page.request.get('/api/v1/me', { headers: { Authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).mail).toBe(NORA.email);
  await gotoReady(page, '/myaccess/account');
  await expect(tokens.getByRole('row', { name: /Onboarding script/ }).getByRole('cell', { name: 'Never' })).toHaveCount(0);

  // The secret is never shown again.
  await expect(page.getByLabel('New API token')).toHaveCount(0);

  await tokens.getByRole('button', { name: 'Revoke the token Onboarding script' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke API token' });
  await expect(dialog.getByRole('button', { name: 'No' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The token was revoked' })).toBeVisible();
  await expect(tokens.getByRole('row', { name: /Onboarding script/ }).getByText(/^Revoked /)).toBeVisible();
  const refused = await page.request.get('/api/v1/me', { headers: { Authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);
  expect(refused.headers()['content-type']).toBe('application/problem+json');
  await signOut(page);
});

test('an administrator limits a token to one catalog; the API documents itself', async ({ page }) => {
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/myaccess/account');
  const tokens = page.getByRole('region', { name: 'API tokens' });
  await tokens.getByText('New API token', { exact: true }).click();
  await tokens.getByLabel('Token name').fill('General catalog reader');
  await tokens.getByLabel('Limit to a catalog').selectOption({ label: 'General' });
  await tokens.getByRole('button', { name: 'Create token' }).click();
  const secret = await page.getByLabel('New API token').inputValue();
  await expect(tokens.getByRole('row', { name: /General catalog reader/ }).getByText('Read only, catalog General')).toBeVisible();
  const me = await page.request.get('/api/v1/me', { headers: { Authorization: `Bearer ${secret}` } });
  const body = await me.json();
  expect(body.directoryRoles).toEqual([]);
  expect(body.catalogRoles).toEqual([expect.objectContaining({ role: 'catalog_owner' })]);
  // Read only: a write is refused.
  const write = await page.request.post('/api/v1/assignmentRequests', {
    headers: { Authorization: `Bearer ${secret}` },
    data: { requestType: 'userAdd' },
  });
  expect(write.status()).toBe(403);

  await tokens.getByRole('link', { name: '/api/v1' }).click();
  await expect(page.getByRole('heading', { name: /Tessera API/ })).toBeVisible();
  await expect(page.getByRole('cell', { name: '/api/v1/approvals/{id}/decision' })).toBeVisible();
  await gotoReady(page, '/myaccess');
  await signOut(page);
});

test('an administrator makes a service account and its token; it cannot sign in, its token acts as it', async ({ page }) => {
  const email = `hr-sync-${Date.now()}@woodgrove.example`;
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/directory/users');
  await page.getByRole('link', { name: 'New service account' }).click();
  await expect(page.getByRole('heading', { name: 'New service account' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Display name' }).fill('HR onboarding');
  // A name a person already has is refused at its field.
  await page.getByRole('textbox', { name: 'Email' }).fill(NORA.email);
  await page.getByRole('button', { name: 'Create service account' }).click();
  await expect(page.getByText('A user with this email already exists.').first()).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Email' })).toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByRole('textbox', { name: 'Purpose' }).fill('New hires, looked after by HR IT');
  await page.getByRole('button', { name: 'Create service account' }).click();

  // Its page: a badge, no password, and its tokens.
  await expect(page.getByRole('heading', { name: 'HR onboarding', level: 1 })).toBeVisible();
  await expect(page.getByText('Service account', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Set password' })).toHaveCount(0);
  const tokens = page.getByRole('region', { name: 'API tokens' });
  await expect(tokens.getByText('No API token yet.')).toBeVisible();
  await tokens.getByText('New API token', { exact: true }).click();
  await tokens.getByLabel('Token name').fill('Onboarding workflow');
  await tokens.getByRole('button', { name: 'Create token' }).click();
  const made = page.getByRole('status').filter({ hasText: 'Token “Onboarding workflow” created.' });
  await expect(made).toBeVisible();
  const secret = await made.getByLabel('New API token').inputValue();
  await expect(tokens.getByRole('row', { name: /Onboarding workflow/ }).getByText('Active')).toBeVisible();
  // Its page loaded afresh (rendered by the server, then hydrated) lists the token too.
  await gotoReady(page, page.url());
  await expect(tokens.getByRole('row', { name: /Onboarding workflow/ }).getByText('Active')).toBeVisible();

  // The script acts as the service account.
  const me = await page.request.get('/api/v1/me', { headers: { Authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).mail).toBe(email);
  await signOut(page);

  // Nobody can sign in as it.
  await gotoReady(page, '/login');
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill('tessera-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Email or password is incorrect.')).toBeVisible();
});
