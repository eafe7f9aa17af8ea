import { expect, test } from './fixtures';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { ADMIN, ERIC, MANAGER, createOfficePackage, gotoReady, mainNav, signIn, signOut } from './helpers';

// Runs last (files run alphabetically): it moves the lifecycle jobs weeks ahead.

const repoRoot = path.resolve(__dirname, '..', '..');
const binary = path.join(path.resolve(repoRoot, process.env.CARGO_TARGET_DIR || 'target'), 'release', 'tessera');

/** `tessera jobs run --at <instant>` against the test server's database; returns its output. */
function jobsRunAt(at: Date): string {
  return execFileSync(binary, ['jobs', 'run', '--at', at.toISOString()], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: `sqlite://${path.join(process.env.TESSERA_E2E_DIR as string, 'tessera.db')}`,
      RUST_LOG: 'warn',
    },
    encoding: 'utf8',
  });
}

const DAY = 24 * 3600 * 1000;

/** 00:00 UTC, `days` days after today (UTC). */
function utcMidnightIn(days: number): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days));
}

// The review series starts the day after tomorrow, so the server's own scheduler (which runs
// at the real time, every second in this suite) can never start it before Eric's access is
// delivered; the test starts it by running the jobs at that day's instant itself. A run that
// begins just before midnight still ends more than a day before the series starts.
const reviewStart = utcMidnightIn(2);

test('the manager reviews access, denied access ends with the review, and the audit log tells the story', async ({ page }) => {
  test.setTimeout(120_000);
  const name = 'Reviewed Licenses';
  const { admin, link } = await createOfficePackage(page, name, async (p) => {
    await p.getByRole('tab', { name: 'Lifecycle' }).click();
    const group = (name: string) => p.getByRole('group', { name, exact: true });
    await group('Allow users to extend access').getByRole('radio', { name: 'Yes' }).check();
    await group('Require approval to grant extension').getByRole('radio', { name: 'No' }).check();
    await group('Require access reviews').getByRole('radio', { name: 'Yes' }).check();
    await p.getByRole('combobox', { name: 'Review frequency' }).selectOption({ label: 'Annually' });
    await p.getByLabel('Starting on', { exact: true }).fill(reviewStart.toISOString().slice(0, 10));
    await p.getByRole('spinbutton', { name: 'Duration (in days)' }).fill('25');
    await group('Reviewers').getByRole('radio', { name: 'Manager', exact: true }).check();
    await p.getByRole('combobox', { name: 'Fallback reviewers' }).fill('fiona');
    await p.getByRole('option', { name: /Fiona Fallback/ }).click();
    await p.getByRole('combobox', { name: "If reviewers don't respond" }).selectOption({ label: 'No change' });
    await group('Show reviewer decision helpers').getByRole('radio', { name: 'Yes' }).check();
    await group('Require reviewer justification').getByRole('radio', { name: 'Yes' }).check();
  });

  // Eric asks, Maria approves.
  await signIn(page, ERIC.email);
  await gotoReady(page, link);
  await page.getByRole('textbox', { name: 'Business justification' }).fill('Reports for the audit');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your request was submitted.' })).toBeVisible();
  await signOut(page);
  await signIn(page, MANAGER.email);
  await mainNav(page).getByRole('link', { name: 'Approvals' }).click();
  const item = page.getByRole('article', { name: `Request from Eric Employee for ${name}` });
  await item.getByRole('textbox', { name: 'Reason' }).fill('For the audit');
  await item.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your decision was recorded.' })).toBeVisible();
  await signOut(page);

  // Eric extends it from the Active tab (the policy allows it without approval).
  await signIn(page, ERIC.email);
  await gotoReady(page, '/myaccess?tab=active');
  const card = page.getByRole('region', { name });
  await card.getByRole('button', { name: 'Extend' }).click();
  await card.getByRole('button', { name: 'Extend access' }).click();
  await expect(card.getByText('Business justification is required.')).toBeVisible();
  await card.getByRole('textbox', { name: 'Business justification' }).fill('The audit runs another year');
  await card.getByRole('button', { name: 'Extend access' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Your access to ${name} was extended.` })).toBeVisible();
  await signOut(page);

  // The review starts on its first day, once, and covers Eric's delivered access.
  const firstDay = new Date(reviewStart.getTime() + 3600 * 1000);
  expect(jobsRunAt(firstDay)).toMatch(/access reviews: 1 started/);
  expect(jobsRunAt(firstDay)).toMatch(/access reviews: 0 started/);

  // Maria reviews: she sees the recommendation, denies with a reason.
  await signIn(page, MANAGER.email);
  await mainNav(page).getByRole('link', { name: 'Access reviews' }).click();
  const review = page.getByRole('region', { name: `Review of ${name}` });
  await expect(review).toContainText('0 of 1 reviewed');
  const eric = review.getByRole('article', { name: 'Eric Employee' });
  await expect(eric).toContainText('Recommendation: Approve — Signed in within the last 30 days');
  await eric.getByRole('button', { name: 'Deny' }).click();
  await expect(eric.getByText('Give a reason for your decision.')).toBeVisible();
  await eric.getByRole('textbox', { name: 'Reason' }).fill('Moved to another team');
  await eric.getByRole('button', { name: 'Deny' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your decision was recorded.' })).toBeVisible();
  await expect(review).toContainText('1 of 1 reviewed');
  await expect(review.getByRole('article', { name: 'Eric Employee' })).toContainText('Denied');
  await signOut(page);

  // The review ends 25 days after it started: the denied access is removed.
  const ended = jobsRunAt(new Date(reviewStart.getTime() + 26 * DAY));
  expect(ended).toMatch(/access reviews: 0 started, 0 reminded, 1 completed \(1 access removed\)/);
  await signIn(page, ERIC.email);
  await page.getByRole('navigation', { name: 'Access packages' }).getByRole('link', { name: 'Expired' }).click();
  await expect(page.getByRole('region', { name })).toContainText('Expired');
  await page.getByRole('button', { name: /^Notifications, \d+ unread$/ }).click();
  await expect(page.getByRole('region', { name: 'Notifications' }).getByRole('link', { name: `Access has ended: ${name}` })).toBeVisible();
  await signOut(page);

  // The administrator sees the completed review and the whole story in the audit log.
  await signIn(page, ADMIN.email);
  await gotoReady(page, `${admin}?view=reviews`);
  const instance = page.getByRole('article', { name: /^Review from / });
  await expect(instance).toContainText('Completed');
  await expect(instance).toContainText('1 removed, 0 kept');
  await instance.getByRole('button', { name: 'Show decisions' }).click();
  const decisions = instance.getByRole('table', { name: 'Decisions' });
  await expect(decisions.getByRole('row', { name: /Eric Employee/ })).toContainText('Denied');
  await expect(decisions.getByRole('row', { name: /Eric Employee/ })).toContainText('Moved to another team');
  await expect(decisions.getByRole('row', { name: /Eric Employee/ })).toContainText('Access removed');
  await gotoReady(page, '/admin/audit');
  await page.getByRole('searchbox', { name: 'Target' }).fill(name);
  await page.getByRole('button', { name: 'Filter' }).click();
  const log = page.getByRole('table', { name: 'Audit events' });
  for (const action of [
    'request.submitted',
    'request.approved',
    'assignment.extension_requested',
    'review.started',
    'review.decided',
    'assignment.removed_by_review',
    'review.completed',
  ]) {
    await expect(log.getByRole('cell', { name: action, exact: true })).toBeVisible();
  }
  await page.getByRole('combobox', { name: 'Action' }).selectOption({ label: 'Access reviews' });
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(log.getByRole('cell', { name: 'request.submitted', exact: true })).toHaveCount(0);
  await expect(log.getByRole('cell', { name: 'review.decided', exact: true })).toBeVisible();
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download CSV' }).click();
  const file = await (await download).path();
  const csv = require('node:fs').readFileSync(file, 'utf8') as string;
  expect(csv.split('\n')[0]).toBe("Seq,Time,Actor,Action,Target type,Target,Summary,Before,After,Request id,Caller's request id");
  expect(csv).toContain('review.decided');
  await expect(page.getByRole('heading', { name: 'Email and background jobs' })).toBeVisible();
  await expect(page.getByText('No background job is failing.')).toBeVisible();
});
