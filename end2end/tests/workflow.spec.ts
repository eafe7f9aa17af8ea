import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import * as fs from 'node:fs';
import { ADMIN, EMMA, ERIC, FIONA, GUEST, NORA, createOfficePackage, gotoReady, signIn, signOut } from './helpers';

/** Collects uncaught page errors (a hydration panic shows up as one). */
function watchForPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  return errors;
}


test('a new hire without a manager is decided by the fallback approver; a guest sees why not; denial, bell and resubmit', async ({ page }) => {
  const name = 'Reporting tools (new hires)';
  const { link } = await createOfficePackage(page, name);
  const errors = watchForPageErrors(page);

  // Gus is a guest: the link explains why he can't ask.
  await signIn(page, GUEST.email);
  await gotoReady(page, link);
  await expect(page.getByText('Not available to you')).toBeVisible();
  await expect(page.getByText("Guests can't request this access package; it is for members of the organization.")).toBeVisible();
  await expect(page.getByRole('button', { name: 'Submit request' })).toHaveCount(0);
  await signOut(page);

  // Nora has no manager: her request goes to Fiona, the fallback approver.
  await signIn(page, NORA.email);
  await gotoReady(page, link);
  await page.getByRole('textbox', { name: 'Business justification' }).fill('I start on the reporting team');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your request was submitted.' })).toBeVisible();
  await signOut(page);

  await signIn(page, FIONA.email);
  const bell = page.getByRole('button', { name: /^Notifications, \d+ unread$/ });
  await expect(bell).toBeVisible();
  await bell.click();
  const panel = page.getByRole('region', { name: 'Notifications' });
  await panel.getByRole('link', { name: `Approval required: ${name}` }).first().click();
  await expect(page).toHaveURL(/\/myaccess\/approvals/);
  const item = page.getByRole('article', { name: `Request from Nora Newhire for ${name}` });
  await expect(item).toContainText('I start on the reporting team');
  await item.getByRole('textbox', { name: 'Reason' }).fill('Ask again after your first week');
  await item.getByRole('button', { name: 'Deny' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your decision was recorded.' })).toBeVisible();
  await page.getByRole('button', { name: /^Notifications/ }).click();
  await page.getByRole('region', { name: 'Notifications' }).getByRole('button', { name: 'Mark all as read' }).click();
  await expect(page.getByRole('button', { name: 'Notifications', exact: true })).toBeVisible();
  await signOut(page);

  // Nora is told, sees the reason in her history, and resubmits with her answers filled in.
  await signIn(page, NORA.email);
  await page.getByRole('button', { name: /^Notifications, \d+ unread$/ }).click();
  await expect(page.getByRole('region', { name: 'Notifications' })).toContainText(
    `Fiona Fallback denied your request for ${name}: Ask again after your first week`,
  );
  await gotoReady(page, '/myaccess/requests');
  const denied = page.getByRole('article', { name: `Request for ${name}` });
  await expect(denied).toContainText('Denied');
  await expect(denied).toContainText('Denied by Fiona Fallback: Ask again after your first week');
  await denied.getByRole('link', { name: 'Resubmit' }).click();
  await expect(page.getByRole('heading', { name: 'Resubmit request' })).toBeVisible();
  const justification = page.getByRole('textbox', { name: 'Business justification' });
  await expect(justification).toHaveValue('I start on the reporting team');
  await justification.fill('I start on the reporting team; my first week is over');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your request was submitted.' })).toBeVisible();
  await expect(page.getByRole('article', { name: `Request for ${name}` }).first()).toContainText('Pending approval');
  expect(errors).toEqual([]);
});

test('admins assign directly, export and remove assignments, and cancel a pending request', async ({ page }) => {
  const name = 'Reporting tools (direct)';
  const { admin } = await createOfficePackage(page, name);
  const errors = watchForPageErrors(page);
  await signIn(page, ADMIN.email);
  // Loaded directly, the server-rendered list must hydrate (a hydration panic is a page error).
  await gotoReady(page, `${admin}?view=assignments`);
  await gotoReady(page, admin);
  await page.getByRole('navigation', { name: 'Access package' }).getByRole('link', { name: 'Assignments' }).click();
  await expect(page.getByText('Nobody has this access package yet.')).toBeVisible();

  // A guest is outside the policy's scope: refused by name, nothing assigned.
  const users = page.getByRole('combobox', { name: 'Users' });
  await users.fill('gus');
  await page.getByRole('option', { name: /Gus Guest/ }).click();
  await page.getByRole('button', { name: 'Assign', exact: true }).click();
  await expect(page.getByText("Gus Guest isn't one of the users who can request under Initial policy.").first()).toBeVisible();
  await page.getByRole('button', { name: 'Remove Gus Guest' }).click();

  await users.fill('emma');
  await page.getByRole('option', { name: /Emma Employee/ }).click();
  await page.getByRole('textbox', { name: 'Justification (optional)' }).fill('Covers for Eric');
  await page.getByRole('button', { name: 'Assign', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Access assigned to 1 person(s).' })).toBeVisible();
  const row = page.getByRole('row', { name: /Emma Employee/ });
  await expect(row).toContainText('Delivered');
  await expect(row).toContainText('Initial policy');

  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download CSV' }).click();
  const file = await (await downloading).path();
  const csv = fs.readFileSync(file, 'utf8');
  expect(csv.split('\n')[0]).toBe('Name,Email,State,Policy,Starts,Ends');
  expect(csv).toContain(`${EMMA.email},delivered,Initial policy,`);

  await row.getByRole('button', { name: 'Remove Emma Employee' }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove assignment' });
  await expect(dialog).toContainText("Remove Emma Employee's assignment?");
  await dialog.getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The assignment was removed' })).toBeVisible();
  await expect(page.getByText('Nobody has this access package yet.')).toBeVisible();
  await page.getByRole('combobox', { name: 'State' }).selectOption('ended');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('row', { name: /Emma Employee/ })).toContainText('Removed');
  await signOut(page);

  // Eric asks; the admin cancels his request from the package's Requests view.
  await signIn(page, ERIC.email);
  await gotoReady(page, admin.replace('/admin/access-packages/', '/myaccess/access-packages/'));
  await page.getByRole('textbox', { name: 'Business justification' }).fill('Quarterly reports');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your request was submitted.' })).toBeVisible();
  await signOut(page);

  await signIn(page, ADMIN.email);
  await gotoReady(page, `${admin}?view=requests`);
  const direct = page.getByRole('row', { name: /Emma Employee/ });
  await expect(direct).toContainText('Direct assignment');
  await direct.getByRole('button', { name: "Details of Emma Employee's request" }).click();
  await expect(page.getByRole('list', { name: 'Timeline' })).toContainText('Assigned directly by Alex Admin');
  await page.getByRole('combobox', { name: 'State' }).selectOption('pending');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('row', { name: /Emma Employee/ })).toHaveCount(0);
  await page.getByRole('button', { name: 'Cancel request of Eric Employee' }).click();
  await page.getByRole('dialog', { name: 'Cancel request' }).getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The request was canceled; the requestor was told.' })).toBeVisible();
  await signOut(page);

  await signIn(page, ERIC.email);
  await page.getByRole('button', { name: /^Notifications, \d+ unread$/ }).click();
  await expect(page.getByRole('region', { name: 'Notifications' }).getByRole('link', { name: `Request canceled: ${name}` })).toBeVisible();
  expect(errors).toEqual([]);
});

test('a requestor asks for a specific period within the policy; a wrong one is explained first', async ({ page }) => {
  const name = 'Reporting tools (fixed term)';
  const { link } = await createOfficePackage(page, name, async (p) => {
    await p.getByRole('tab', { name: 'Lifecycle' }).click();
    await p.getByRole('group', { name: 'Users can request specific timeline' }).getByRole('radio', { name: 'Yes' }).check();
  });
  const errors = watchForPageErrors(page);
  const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

  await signIn(page, ERIC.email);
  await gotoReady(page, link);
  await page.getByRole('textbox', { name: 'Business justification' }).fill('Quarter-end reporting');
  await page.getByRole('group', { name: 'Request for specific period?' }).getByRole('radio', { name: 'Yes' }).check();
  await page.getByLabel('Start date').fill(day(10));
  await page.getByLabel('End date').fill(day(5));
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.getByText('The end date must be after the start date.').first()).toBeVisible();
  await expect(page.getByLabel('End date')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('End date').fill(day(40));
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your request was submitted.' })).toBeVisible();
  await expect(page.getByRole('article', { name: `Request for ${name}` })).toContainText(`Requested period: ${day(10)} to ${day(40)}`);
  expect(errors).toEqual([]);
});
