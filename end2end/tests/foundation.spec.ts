import { expect, test } from './fixtures';
import {
  ADMIN,
  DEMO_USERS,
  EMMA,
  ERIC,
  GUEST,
  MANAGER,
  atPath,
  gotoReady,
  mainNav,
  signIn,
} from './helpers';

test('admin signs in, sees Admin, browses and searches the directory, opens a user', async ({ page }) => {
  await signIn(page, ADMIN.email);

  // Header and navigation.
  await expect(page.getByRole('banner').getByText(ADMIN.name).first()).toBeVisible();
  const nav = mainNav(page);
  for (const name of ['My Access', 'Approvals', 'Access reviews', 'Admin']) {
    await expect(nav.getByRole('link', { name, exact: true })).toBeVisible();
  }

  // Administration landing page.
  await nav.getByRole('link', { name: 'Admin', exact: true }).click();
  await expect(page).toHaveURL(atPath('/admin'));
  await expect(page.getByRole('heading', { name: 'Administration' })).toBeVisible();
  for (const name of ['Users', 'Groups', 'Licenses']) {
    await expect(page.getByRole('link', { name, exact: true })).toBeVisible();
  }

  // Directory: every demo user is listed with a link and their email.
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await expect(page).toHaveURL(atPath('/admin/directory/users'));
  await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
  await expect(page.getByRole('table')).toBeVisible();
  for (const user of DEMO_USERS) {
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: user.name, exact: true }) });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText(user.email);
  }

  // Search.
  await page.waitForLoadState('networkidle');
  await page.getByRole('searchbox', { name: 'Search users' }).fill('emma');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('link', { name: EMMA.name, exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: ERIC.name, exact: true })).toHaveCount(0);

  // User detail shows the manager.
  await gotoReady(page, '/admin/directory/users');
  await page.getByRole('link', { name: ERIC.name, exact: true }).click();
  await expect(page.getByRole('heading', { name: ERIC.name })).toBeVisible();
  await expect(page.getByText(MANAGER.name).first()).toBeVisible();
});

test('wrong password shows an error and stays on the login page', async ({ page }) => {
  await gotoReady(page, '/login');
  await expect(page.getByRole('heading', { name: 'Sign in to Tessera' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Email' }).fill(ERIC.email);
  await page.getByLabel('Password', { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page.getByRole('alert').filter({ hasText: 'Email or password is incorrect.' })).toBeVisible();
  await expect(page).toHaveURL(atPath('/login'));
  await expect(page.getByRole('heading', { name: 'Sign in to Tessera' })).toBeVisible();

  // Signed out, protected pages redirect to the login page.
  for (const protectedPath of ['/myaccess', '/admin']) {
    await page.goto(protectedPath);
    await expect(page).toHaveURL(atPath('/login'));
    await expect(page.getByRole('heading', { name: 'Sign in to Tessera' })).toBeVisible();
  }
});

test('a guest has no Admin link and gets 403 Access denied on /admin', async ({ page }) => {
  await signIn(page, GUEST.email);
  await expect(page.getByRole('banner').getByText(GUEST.name).first()).toBeVisible();

  const nav = mainNav(page);
  await expect(nav.getByRole('link', { name: 'My Access', exact: true })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Admin', exact: true })).toHaveCount(0);

  const resp = await page.goto('/admin');
  expect(resp?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Access denied' })).toBeVisible();
});

test('sign out ends the session on the server', async ({ page, context }) => {
  await signIn(page, ERIC.email);
  await expect(page.getByRole('banner').getByText(ERIC.name).first()).toBeVisible();
  await expect(mainNav(page).getByRole('link', { name: 'Admin', exact: true })).toHaveCount(0);

  // Keep the session cookie to replay it after signing out.
  const cookiesBefore = await context.cookies();
  expect(cookiesBefore.length).toBeGreaterThan(0);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(atPath('/login'));
  await expect(page.getByRole('heading', { name: 'Sign in to Tessera' })).toBeVisible();

  await page.goto('/myaccess');
  await expect(page).toHaveURL(atPath('/login'));

  // Replaying the old cookie must not bring the session back.
  await context.clearCookies();
  await context.addCookies(cookiesBefore);
  await page.goto('/myaccess');
  await expect(page).toHaveURL(atPath('/login'));
  await expect(page.getByRole('heading', { name: 'Sign in to Tessera' })).toBeVisible();
});

test('groups and licenses pages list the demo data', async ({ page }) => {
  await signIn(page, ADMIN.email);

  await gotoReady(page, '/admin/directory/groups');
  await expect(page.getByText('Office Licenses').first()).toBeVisible();

  await gotoReady(page, '/admin/licenses');
  const license = page.getByRole('row').filter({ hasText: 'Office 365 E3' });
  await expect(license).toHaveCount(1);
  // Columns: License, Seats, Used, Available, State, Assigned to groups.
  await expect(license.getByRole('cell').nth(1)).toHaveText('25');
  await expect(license.getByRole('link', { name: 'Office Licenses' })).toBeVisible();
});
