import { expect, test } from './fixtures';
import { ADMIN, FIONA, GUEST, MANAGER, NORA, atPath, gotoReady, signIn } from './helpers';

test('an admin creates a user, after the form explains a duplicate email', async ({ page }) => {
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/directory/users');
  await page.getByRole('link', { name: 'New user' }).click();
  await expect(page.getByRole('heading', { name: 'New user' })).toBeVisible();
  await page.waitForLoadState('networkidle');

  await page.getByLabel('Email', { exact: true }).fill('ERIC.employee@woodgrove.example');
  await page.getByLabel('Display name').fill('Eric Again');
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByText('A user with this email already exists.')).toBeVisible();
  await expect(page.getByLabel('Email', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(atPath('/admin/directory/users/new'));

  await page.getByLabel('Email', { exact: true }).fill('paula.partner@woodgrove.example');
  await page.getByLabel('Display name').fill('Paula Partner');
  await page.getByLabel('Manager email').fill(MANAGER.email);
  await page.getByLabel('Department').fill('Sales');
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('heading', { name: 'Paula Partner' })).toBeVisible();
  await expect(page.getByRole('link', { name: MANAGER.name })).toBeVisible();

  // Maria's page now lists Paula as a direct report.
  await page.getByRole('link', { name: MANAGER.name }).click();
  await expect(page.getByRole('heading', { name: MANAGER.name })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Paula Partner' })).toBeVisible();
});

test('an admin builds a licensed group, adds a member who gets a seat, then removes them', async ({ page }) => {
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/directory/groups');
  await page.getByText('New group', { exact: true }).click();
  await page.getByLabel('Name', { exact: true }).fill('Visio Users');
  await page.getByLabel('Description').fill('People who draw diagrams');
  await page.getByRole('button', { name: 'Create group' }).click();
  await expect(page.getByRole('heading', { name: 'Visio Users' })).toBeVisible();
  await page.waitForLoadState('networkidle');

  await page.getByLabel('Owner email').fill(GUEST.email);
  await page.getByRole('button', { name: 'Add owner' }).click();
  await expect(page.getByText('Guests cannot own groups.')).toBeVisible();
  await page.getByLabel('Owner email').fill(FIONA.email);
  await page.getByRole('button', { name: 'Add owner' }).click();
  await expect(page.getByRole('button', { name: `Remove owner ${FIONA.name}` })).toBeVisible();

  await page.getByLabel('License', { exact: true }).selectOption({ label: 'Office 365 E3' });
  await page.getByRole('button', { name: 'Assign license' }).click();
  await expect(page.getByRole('link', { name: 'Office 365 E3' })).toBeVisible();

  await page.getByLabel('Member email').fill('nobody@woodgrove.example');
  await page.getByRole('button', { name: 'Add member' }).click();
  await expect(page.getByText('No user has the email nobody@woodgrove.example.')).toBeVisible();

  await page.getByLabel('Member email').fill(NORA.email);
  await page.getByRole('button', { name: 'Add member' }).click();
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: NORA.name }) });
  await expect(row).toContainText('Direct');

  // Nora's page shows the group, where it comes from, and her license seat.
  await row.getByRole('link', { name: NORA.name }).click();
  await expect(page.getByRole('heading', { name: NORA.name })).toBeVisible();
  const groupRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Visio Users' }) });
  await expect(groupRow).toContainText('Direct');
  const licenseRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Office 365 E3' }) });
  await expect(licenseRow).toContainText('Active');
  await expect(licenseRow).toContainText('Visio Users');

  // Removing asks first, then the membership is gone.
  await page.getByRole('link', { name: 'Visio Users' }).click();
  await expect(page.getByRole('heading', { name: 'Visio Users' })).toBeVisible();
  await page.waitForLoadState('networkidle');
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: `Remove direct membership of ${NORA.name}` }).click();
  await expect(page.getByText('No members yet. Add people by email above.')).toBeVisible();
});

test('CSV import lists every bad line and writes nothing, then imports a good file', async ({ page }) => {
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/directory/users');
  await page.getByRole('link', { name: 'Import users' }).click();
  await expect(page.getByRole('heading', { name: 'Import users' })).toBeVisible();
  await page.waitForLoadState('networkidle');

  const bad = [
    'email,display_name,type,manager_email,department,job_title',
    'olga.ok@woodgrove.example,Olga Ok,member,,Finance,Analyst',
    'broken,,boss,,,',
    'pete.peer@woodgrove.example,Pete Peer,member,ghost@woodgrove.example,,',
  ].join('\n');
  // Choosing a file fills the content field.
  await page.getByLabel('CSV file').setInputFiles({ name: 'users.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await expect(page.getByLabel('CSV content')).toHaveValue(bad);
  await page.getByRole('button', { name: 'Validate and import' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Nothing was imported' });
  await expect(alert).toBeVisible();
  await expect(alert.getByRole('row').filter({ hasText: 'Email must look like name@example.com.' })).toContainText('3');
  await expect(alert.getByRole('row').filter({ hasText: 'ghost@woodgrove.example' })).toContainText('4');

  await gotoReady(page, '/admin/directory/users?q=olga');
  await expect(page.getByText('No user matches “olga”.')).toBeVisible();

  await gotoReady(page, '/admin/directory/users/import');
  const good = [
    'email,display_name,type,manager_email,department,job_title',
    'olga.ok@woodgrove.example,Olga Ok,member,pete.peer@woodgrove.example,Finance,Analyst',
    'pete.peer@woodgrove.example,Pete Peer,member,,Finance,Lead',
  ].join('\n');
  await page.getByLabel('CSV content').fill(good);
  await page.getByRole('button', { name: 'Validate and import' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Imported: 2 created, 0 updated.' })).toBeVisible();

  await gotoReady(page, '/admin/directory/users?q=olga');
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Olga Ok' }) });
  await expect(row).toContainText('Pete Peer');
});
