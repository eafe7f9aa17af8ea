import * as fs from 'fs';
import { expect, test } from './fixtures';
import { ADMIN, ERIC, MANAGER, gotoReady, mainNav, makeToken, postJson, signIn } from './helpers';

// Issue 18: the auditors' reports, "Access of a person" and "Access to a resource", on screen,
// as CSV and printable. The state they report is made here through the API: a package Eric
// requests with a justification and Maria approves with a reason.

test('an auditor sees who has access to what and why, downloads it and prints it', async ({ page, request }, testInfo) => {
  const admin = await makeToken(page, ADMIN.email, 'Report setup');
  const eric = await makeToken(page, ERIC.email, 'Report request');
  const maria = await makeToken(page, MANAGER.email, 'Report approval');
  const groups = await (await request.get('/api/v1/groups?search=Office%20Licenses', { headers: { Authorization: `Bearer ${admin}` } })).json();
  const office = groups.value.find((g: { displayName: string }) => g.displayName === 'Office Licenses');
  const made = await postJson(request, admin, '/api/v1/accessPackages', {
    displayName: 'Audit Tools',
    description: 'For the access reports',
    resourceRoleScopes: [{ role: 'Member', groupId: office.id }],
    assignmentPolicy: {
      allowedTargetScope: 'allMemberUsers',
      requestApprovalSettings: {
        stages: [{ durationBeforeAutomaticDenial: 'P14D', primaryApprovers: [{ '@odata.type': '#microsoft.graph.requestorManager' }] }],
      },
      expiration: { type: 'afterDuration', duration: 'P90D' },
    },
  });
  const asked = await postJson(request, eric, '/api/v1/assignmentRequests', {
    requestType: 'userAdd', accessPackageId: made.id, justification: 'Preparing the audit',
  });
  await postJson(request, maria, `/api/v1/approvals/${asked.id}/decision`, {
    reviewResult: 'Approve', justification: 'Audit season',
  });

  // From the person's page to their report.
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/directory/users');
  await page.getByRole('link', { name: ERIC.name, exact: true }).click();
  await page.getByRole('link', { name: 'Access report' }).click();
  await expect(page.getByRole('heading', { name: `Access of ${ERIC.name}` })).toBeVisible();
  await page.waitForLoadState('networkidle');
  const packages = page.getByRole('table', { name: 'Access packages held' });
  const row = packages.getByRole('row').filter({ has: page.getByRole('link', { name: 'Audit Tools' }) });
  await expect(row).toContainText('Request by Eric Employee');
  await expect(row).toContainText('Preparing the audit');
  await expect(row).toContainText('Stage 1 approved by Maria Manager');
  await expect(row).toContainText('Audit season');
  await expect(row).toContainText(/in (2|3) months/);
  const memberships = page.getByRole('table', { name: 'Group memberships' });
  await expect(memberships.getByRole('row').filter({ hasText: 'Office Licenses' })).toContainText('Access package Audit Tools');
  await expect(page.getByRole('table', { name: 'Licenses held' })).toContainText('Office 365 E3');
  await page.screenshot({ path: testInfo.outputPath('person-report.png'), fullPage: true });

  // The same report as CSV.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('access-of-person.csv');
  const csv = fs.readFileSync(await download.path(), 'utf8');
  expect(csv.split('\n')[0]).toBe('Kind,Name,Catalog or group,State,Since,Until,Why,How,Request ids,Justification,Approvals');
  expect(csv).toContain(`Access package,Audit Tools,`);
  expect(csv).toContain(asked.id);
  expect(csv).toContain('Stage 1 approved by Maria Manager on ');

  // Printed: the report alone, without the navigation and buttons.
  await page.emulateMedia({ media: 'print' });
  await expect(mainNav(page)).toBeHidden();
  await expect(page.getByRole('button', { name: 'Print' })).toBeHidden();
  await expect(packages).toBeVisible();
  await page.emulateMedia({ media: 'screen' });

  // From a group in the report to everyone who holds it.
  await memberships.getByRole('link', { name: 'Office Licenses' }).click();
  await expect(page.getByRole('heading', { name: 'Access to Office Licenses' })).toBeVisible();
  await expect(page.getByText(/people hold this group; it carries Office 365 E3/)).toBeVisible();
  const eric_row = page.getByRole('row').filter({ has: page.getByRole('link', { name: ERIC.name }) });
  await expect(eric_row).toContainText('Access package Audit Tools');
  await expect(eric_row).toContainText('Audit season');
  const [resource] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download CSV' }).click(),
  ]);
  const holders = fs.readFileSync(await resource.path(), 'utf8');
  expect(holders).toMatch(/Eric Employee,eric\.employee@woodgrove\.example,[^\n]*Audit Tools/);

  // Someone without a directory role is refused, on the page and the CSV.
  const url = page.url();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, ERIC.email);
  const refused = await page.request.get(`${url.replace(/\?.*$/, '')}.csv`);
  expect(refused.status()).toBe(403);
});
