import { expect, test } from './fixtures';
import { ADMIN, DEMO_PASSWORD, EMMA, atPath, gotoReady, signIn, signOut } from './helpers';

const NEW_PASSWORD = 'quiet harbour at dawn 42';
const RESET_PASSWORD = 'lantern over the orchard 7';

test('a person changes their password; their other sessions end, this one goes on', async ({ page, browser }) => {
  await signIn(page, EMMA.email);
  const other = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const elsewhere = await other.newPage();
  await signIn(elsewhere, EMMA.email);

  await page.getByRole('link', { name: EMMA.name }).click();
  await expect(page).toHaveURL(atPath('/myaccess/account'));
  await page.waitForLoadState('networkidle');
  const form = page.getByRole('main');
  await form.getByLabel('Current password').fill('not my password');
  await form.getByLabel('New password', { exact: true }).fill('password1234');
  await form.getByLabel('Confirm new password').fill('password1234');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByText('This password is one of the most common ones')).toBeVisible();
  await expect(form.getByLabel('New password', { exact: true })).toHaveAttribute('aria-invalid', 'true');

  await form.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await form.getByLabel('Confirm new password').fill(NEW_PASSWORD);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByText('Your current password is not correct.')).toBeVisible();

  await form.getByLabel('Current password').fill(DEMO_PASSWORD);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your password was changed.' })).toBeVisible();

  // The other browser is signed out; this one goes on.
  await elsewhere.goto('/myaccess');
  await expect(elsewhere).toHaveURL(/\/login\?next=/);
  await gotoReady(page, '/myaccess');
  await expect(page.getByRole('heading', { name: 'My Access' })).toBeVisible();
  await signOut(page);
  await signIn(page, EMMA.email, NEW_PASSWORD);
  await signOut(page);
  await other.close();
});

test('an administrator signs a person out everywhere and sets a new password', async ({ page, browser }) => {
  const emmaContext = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const emma = await emmaContext.newPage();
  await signIn(emma, EMMA.email, NEW_PASSWORD);

  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/directory/users');
  await page.getByRole('link', { name: EMMA.name, exact: true }).click();
  await expect(page.getByRole('heading', { name: EMMA.name })).toBeVisible();
  await page.waitForLoadState('networkidle');
  await page.getByRole('button', { name: 'Sign out all sessions' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign out all sessions' });
  await expect(dialog.getByRole('button', { name: 'No' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'was signed out of every session' })).toBeVisible();
  await emma.goto('/myaccess');
  await expect(emma).toHaveURL(/\/login\?next=/);

  await page.getByLabel('New password', { exact: true }).fill(RESET_PASSWORD);
  await page.getByLabel('Confirm new password').fill('something else entirely');
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByText('The two new passwords are not the same.')).toBeVisible();
  await page.getByLabel('Confirm new password').fill(RESET_PASSWORD);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The new password is set' })).toBeVisible();

  // The audit log tells it.
  await gotoReady(page, '/admin/audit');
  const log = page.getByRole('table', { name: 'Audit events' });
  for (const action of ['user.password_changed', 'user.sessions_revoked', 'user.password_reset']) {
    await expect(log.getByRole('cell', { name: action, exact: true }).first()).toBeVisible();
  }
  await signIn(emma, EMMA.email, RESET_PASSWORD);
  await emmaContext.close();
});
