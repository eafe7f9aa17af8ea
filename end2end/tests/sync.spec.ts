import { expect, test } from './fixtures';
import { ADMIN, atPath, gotoReady, signIn } from './helpers';

// An administrator connects an identity provider: makes a token (shown once), the provider
// pushes a person with it, the page shows the push; then the token is revoked and refused.
test('an admin makes a directory sync token, a provider pushes with it, then it is revoked', async ({ page, request }) => {
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin');
  await page.getByRole('link', { name: 'Directory sync' }).click();
  await expect(page).toHaveURL(atPath('/admin/directory-sync'));
  await expect(page.getByRole('heading', { name: 'Directory sync' })).toBeVisible();
  await expect(page.getByText('No provisioning client yet.')).toBeVisible();
  await page.waitForLoadState('networkidle');

  await page.getByText('New token', { exact: true }).click();
  await page.getByLabel('Provisioning client').fill('   ');
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByText('Name the client this token is for')).toBeVisible();
  await page.getByLabel('Provisioning client').fill('Microsoft Entra ID');
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Token for Microsoft Entra ID created.' })).toBeVisible();
  const token = await page.getByLabel('New token').inputValue();
  expect(token).toMatch(/^tscim_[0-9a-f]{64}$/);
  const row = page.getByRole('row', { name: /Microsoft Entra ID/ });
  await expect(row.getByText('Active')).toBeVisible();
  await expect(row.getByRole('cell', { name: 'Never' })).toHaveCount(1);

  // The provider's first push, as Entra ID sends it.
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' };
  const created = await request.post('/scim/v2/Users', {
    headers,
    data: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'paula.pushed@woodgrove.example',
      displayName: 'Paula Pushed',
      emails: [{ primary: true, type: 'work', value: 'paula.pushed@woodgrove.example' }],
      active: true,
    },
  });
  expect(created.status()).toBe(201);

  // The page shows the push, and the person is in the directory.
  await page.reload();
  await expect(row.getByRole('cell', { name: 'Never' })).toHaveCount(0);
  await expect(page.getByText('people synced')).toBeVisible();
  await gotoReady(page, '/admin/directory/users?q=paula.pushed');
  await expect(page.getByRole('link', { name: 'Paula Pushed' })).toBeVisible();

  await gotoReady(page, '/admin/directory-sync');
  await page.getByRole('button', { name: 'Revoke the token of Microsoft Entra ID' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke token' });
  await expect(dialog.getByRole('button', { name: 'No' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The token was revoked' })).toBeVisible();
  await expect(row.getByText(/^Revoked/)).toBeVisible();

  const refused = await request.get('/scim/v2/Users', { headers });
  expect(refused.status()).toBe(401);
});
