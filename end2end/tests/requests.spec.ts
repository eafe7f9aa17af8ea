import { expect, test } from './fixtures';
import { ADMIN, ERIC, MANAGER, createOfficePackage, ericAsksMariaApproves, gotoReady, mainNav, signIn, signOut } from './helpers';

test('an employee requests Office licenses, the manager approves, access is delivered', async ({ page }) => {
  const { link } = await createOfficePackage(page, 'Office Licenses (requests)');

  // The employee opens the shared link and asks.
  await signIn(page, ERIC.email);
  const card = page.getByRole('region', { name: 'Office Licenses (requests)' });
  await expect(card).toContainText('Available');
  await expect(card).toContainText('Member of Office Licenses');
  await gotoReady(page, link);
  await expect(page.getByText('You can request this access package')).toBeVisible();
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.getByRole('textbox', { name: 'Business justification' })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Business justification is required.')).toBeVisible();
  await page.getByRole('textbox', { name: 'Business justification' }).fill('I edit the quarterly reports');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your request was submitted.' })).toBeVisible();
  const request = page.getByRole('article', { name: 'Request for Office Licenses (requests)' });
  await expect(request).toContainText('Pending approval');
  await expect(request).toContainText('Stage 1 of 1');
  await signOut(page);

  // The manager decides from the inbox.
  await signIn(page, MANAGER.email);
  await mainNav(page).getByRole('link', { name: 'Approvals' }).click();
  const item = page.getByRole('article', { name: 'Request from Eric Employee for Office Licenses (requests)' });
  await expect(item).toContainText('I edit the quarterly reports');
  await expect(item).toContainText('1 of 1');
  await item.getByRole('button', { name: 'Approve' }).click();
  await expect(item.getByText('Give a reason for your decision.')).toBeVisible();
  await item.getByRole('textbox', { name: 'Reason' }).fill('Needed for the reports');
  await item.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your decision was recorded.' })).toBeVisible();
  await expect(item).toHaveCount(0);
  await page.getByRole('navigation', { name: 'Approvals' }).getByRole('link', { name: 'History' }).click();
  await expect(page.getByRole('article', { name: 'Request from Eric Employee for Office Licenses (requests)' })).toContainText('Approved');
  await signOut(page);

  // The employee has access: the request is delivered and the link says so.
  await signIn(page, ERIC.email);
  await gotoReady(page, '/myaccess/requests');
  const done = page.getByRole('article', { name: 'Request for Office Licenses (requests)' });
  await expect(done).toContainText('Delivered');
  await expect(done.getByRole('list', { name: 'Timeline' })).toContainText('approved by Maria Manager: Needed for the reports');
  await gotoReady(page, link);
  await expect(page.getByText('You already have this access package.')).toBeVisible();
  await gotoReady(page, '/myaccess');
  await page.getByRole('navigation', { name: 'Access packages' }).getByRole('link', { name: 'Active' }).click();
  await expect(page.getByRole('region', { name: 'Office Licenses (requests)' })).toContainText(/Ends \d{4}-\d{2}-\d{2}/);
  await page.getByRole('button', { name: /^Notifications, \d+ unread$/ }).click();
  await expect(page.getByRole('region', { name: 'Notifications' }).getByRole('link', { name: 'You now have access: Office Licenses (requests)' })).toBeVisible();
  await signOut(page);

  // The directory shows the membership and the license it carries.
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/directory/users?q=eric');
  await page.getByRole('link', { name: 'Eric Employee' }).click();
  await expect(page.getByRole('row', { name: /Office Licenses/ }).first()).toBeVisible();
  await expect(page.getByRole('row', { name: /Office 365 E3/ })).toContainText('Office Licenses');
});

test('an employee gives up access they no longer need, after confirming', async ({ page }) => {
  const name = 'Office Licenses (give up)';
  const { link } = await createOfficePackage(page, name);
  await ericAsksMariaApproves(page, link, name, 'Reports for the quarter', 'Fine');

  await signIn(page, ERIC.email);
  await gotoReady(page, '/myaccess?tab=active');
  const card = page.getByRole('region', { name });
  await expect(card).toContainText('Active');
  // Asked first; No keeps the access.
  await card.getByRole('button', { name: `Remove access to ${name}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove access' });
  await expect(dialog).toContainText(`Give up your access to ${name}?`);
  await dialog.getByRole('button', { name: 'No' }).click();
  await expect(dialog).toBeHidden();
  await expect(card).toBeVisible();
  await card.getByRole('button', { name: `Remove access to ${name}` }).click();
  await dialog.getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Your access to ${name} was removed.` })).toBeVisible();
  await expect(page.getByRole('region', { name })).toHaveCount(0);
  await page.getByRole('navigation', { name: 'Access packages' }).getByRole('link', { name: 'Expired' }).click();
  await expect(page.getByRole('region', { name })).toContainText('Expired');
});
