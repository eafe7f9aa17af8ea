import { expect, test } from './fixtures';
import { ADMIN, ERIC, LIVED_IN, gotoReady, mainNav, signIn } from './helpers';

// Issue 18: the dashboards, on the lived-in demo (its own server: `--demo`, four months of
// history). The administrator's home puts what needs attention first, then charts drawn as
// SVG with their numbers as tables; a package's Overview; a manager's team.

test.use({ baseURL: LIVED_IN });

/** Persons of the lived-in organisation (domain::service::lived_in). */
const HEAD_OF_FINANCE = { email: 'bruno.alvarez@woodgrove.example', name: 'Bruno Alvarez' };

function card(page: import('@playwright/test').Page, heading: string) {
  return page.locator('section.card').filter({ has: page.getByRole('heading', { name: heading, exact: true }) });
}

test('the admin home shows what needs attention first, then the trends', async ({ page }, testInfo) => {
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin');
  const attention = page.getByRole('region', { name: 'Needs attention' });
  await expect(attention).toBeVisible();

  // Requests waiting longest, and on whom.
  const waiting = card(page, 'Requests waiting longest');
  await expect(waiting.locator('.stat-value')).toHaveText(/^[1-9]\d*$/);
  await expect(waiting.getByRole('listitem').first()).toContainText(/waiting since/);
  await expect(waiting.getByRole('listitem').first()).toContainText(/^.*On \S+/);
  // The review in progress, with how far it is.
  const reviews = card(page, 'Access reviews due');
  await expect(reviews.getByRole('link', { name: 'Production database read' })).toBeVisible();
  await expect(reviews.getByRole('listitem').first()).toContainText(/\d+% decided \(\d+ of \d+\)/);
  // Licenses near their seats; the design tools' seats are all taken.
  const seats = card(page, 'Licenses near their seats');
  await expect(seats.getByRole('listitem').filter({ hasText: 'Adobe Creative Cloud' })).toContainText(/(\d+) of \1 seats used/);
  // The finance approver who left.
  const policies = card(page, 'Policies losing their approvers');
  await expect(policies.getByRole('listitem').filter({ hasText: 'Finance reporting' })).toContainText('Jamal Alvarez disabled; 1 left to decide');

  // Deliveries: nothing failed in the demo (no connected system, no webhook).
  await expect(card(page, 'Deliveries failing').locator('.stat-value')).toHaveText('0');

  // The trends: SVG images with their numbers as tables.
  const trends = page.getByRole('region', { name: 'Trends' });
  await expect(trends.getByRole('img', { name: /^Requests per week\. \d+ requests in the last 12 weeks/ })).toBeVisible();
  await expect(trends.getByRole('img', { name: /^Median time to decision\./ })).toBeVisible();
  await expect(trends.getByRole('img', { name: /^Seats used: Salesforce Sales Cloud\./ })).toBeVisible();
  await trends.getByText('Requests per week: the numbers').click();
  const numbers = trends.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Delivered' }) });
  await expect(numbers.getByRole('row')).toHaveCount(13);
  const review = trends.locator('.progress-list li').filter({ hasText: 'Production database read' });
  await expect(review).toHaveCount(2);
  await expect(review.filter({ hasText: 'completed' })).toContainText(/\d+% \(\d+ of \d+\)/);
  await page.screenshot({ path: testInfo.outputPath('admin-home.png'), fullPage: true });
});

test('a package overview charts its assignments, its requests and who approves', async ({ page }, testInfo) => {
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/access-packages');
  await page.getByRole('link', { name: 'Sales CRM', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Sales CRM', level: 1 })).toBeVisible();
  const activity = page.getByRole('region', { name: 'Activity' });
  await expect(activity.getByRole('img', { name: /^Assignments over time\. \d+ people hold it today/ })).toBeVisible();
  await expect(activity.getByRole('img', { name: /^Requests per week\./ })).toBeVisible();
  await expect(card(page, 'Requests by state')).toContainText(/\d+ requests in all/);
  await expect(card(page, 'Requests by state')).toContainText('Delivered');
  const approvers = card(page, 'Who approves, and how fast').getByRole('table');
  await expect(approvers.getByRole('row').nth(1)).toContainText(/\d+(\.\d)? (h|days)/);
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: testInfo.outputPath('package-overview.png'), fullPage: true });
});

test('a manager sees their team: access, pending requests and open reviews', async ({ page }) => {
  await signIn(page, HEAD_OF_FINANCE.email);
  await mainNav(page).getByRole('link', { name: 'My team' }).click();
  await expect(page.getByRole('heading', { name: 'My team', level: 1 })).toBeVisible();
  const table = page.getByRole('table', { name: 'Your direct reports and their access' });
  await expect(table.getByRole('row')).toHaveCount(9); // a header and eight people
  await expect(table.getByRole('row').filter({ hasText: 'Jamal Alvarez' })).toContainText('Disabled');
  await expect(card(page, 'Direct reports').locator('.stat-value')).toHaveText('8');

  // Someone without reports is told what the page is for.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, ERIC.email);
  await gotoReady(page, '/myaccess/team');
  await expect(page.getByText('Nobody reports to you in the directory.')).toBeVisible();
});
