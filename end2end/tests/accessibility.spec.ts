import { expect, type Page } from '@playwright/test';
import { test } from './fixtures';
import { ADMIN, LIVED_IN, gotoReady, signIn } from './helpers';

// Issue 18: axe-core (from the npm registry) over every main page of the lived-in demo, signed
// in as the administrator (who sees every page), with no serious or critical violation.
// axe is injected by Playwright, past the page's Content-Security-Policy (which rightly
// refuses scripts that are not Tessera's).

test.use({ baseURL: LIVED_IN, bypassCSP: true });

const AXE = require.resolve('axe-core/axe.min.js');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** The serious and critical violations on the page as it is now, in words. */
async function audit(page: Page): Promise<string[]> {
  await page.waitForLoadState('networkidle');
  await page.addScriptTag({ path: AXE });
  const violations: Violation[] = await page.evaluate(async () => {
    // @ts-expect-error axe is the script just added
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations;
  });
  const url = new URL(page.url());
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${url.pathname}${url.search}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

test('every main page has no serious or critical accessibility violation', async ({ page }) => {
  test.setTimeout(240_000);
  const found: string[] = [];
  await gotoReady(page, '/login');
  found.push(...(await audit(page)));
  await signIn(page, ADMIN.email);
  for (const url of [
    '/myaccess',
    '/myaccess?tab=active',
    '/myaccess/requests',
    '/myaccess/approvals',
    '/myaccess/reviews',
    '/myaccess/account',
    '/myaccess/team',
    '/admin',
    '/admin/access-packages',
    '/admin/access-packages/new',
    '/admin/catalogs',
    '/admin/directory/users',
    '/admin/directory/groups',
    '/admin/licenses',
    '/admin/audit',
    '/admin/webhooks',
    '/admin/directory-sync',
    '/admin/connected-systems',
  ]) {
    await gotoReady(page, url);
    found.push(...(await audit(page)));
  }
  // Pages reached from the lists: a package's views, a person, their report, a group, a license.
  await gotoReady(page, '/admin/access-packages');
  await page.getByRole('link', { name: 'Production database read', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Production database read', level: 1 })).toBeVisible();
  found.push(...(await audit(page)));
  for (const view of ['Resource roles', 'Policies', 'Assignments', 'Requests', 'Access reviews']) {
    await page.getByRole('navigation', { name: 'Access package' }).getByRole('link', { name: view }).click();
    await expect(page.getByRole('navigation', { name: 'Access package' }).getByRole('link', { name: view })).toHaveAttribute('aria-current', 'page');
    found.push(...(await audit(page)));
  }
  await gotoReady(page, '/admin/directory/users');
  await page.getByRole('link', { name: 'Bruno Alvarez', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Bruno Alvarez' })).toBeVisible();
  found.push(...(await audit(page)));
  await page.getByRole('link', { name: 'Access report' }).click();
  await expect(page.getByRole('heading', { name: 'Access of Bruno Alvarez' })).toBeVisible();
  found.push(...(await audit(page)));
  await gotoReady(page, '/admin/directory/groups');
  await page.getByRole('link', { name: 'Salesforce users', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Salesforce users' })).toBeVisible();
  found.push(...(await audit(page)));
  await gotoReady(page, '/admin/licenses');
  await page.getByRole('link', { name: 'Salesforce Sales Cloud', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Salesforce Sales Cloud' })).toBeVisible();
  found.push(...(await audit(page)));
  await gotoReady(page, '/admin/catalogs');
  await page.getByRole('link', { name: 'Engineering', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Engineering', level: 1 })).toBeVisible();
  found.push(...(await audit(page)));
  expect(found).toEqual([]);
});
