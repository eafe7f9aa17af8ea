// Runs after packages.spec.ts (files run in name order, one server): that one expects a demo
// with no access package yet, and this one creates one.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { expect, test } from './fixtures';
import { ADMIN, ERIC, createOfficePackage, ericAsksMariaApproves, gotoReady, signIn, signOut } from './helpers';

// The directory playwright.config.ts starts (end2end/ldap/slapd.sh).
const LDAP_URL = 'ldap://127.0.0.1:3102';
const LDAP_ADMIN_PASSWORD = 'e2e-ldap-secret';
const GROUP_DN = 'cn=Office Licenses,ou=groups,dc=example,dc=org';
const ERIC_DN = 'uid=eric.employee,ou=people,dc=example,dc=org';

/** The directory group's members, read from slapd's own database (slapcat), not through Tessera. */
function directoryMembers(): string[] {
  const conf = path.join(process.env.TESSERA_E2E_DIR as string, 'slapd', 'slapd.conf');
  const ldif = execFileSync('slapcat', ['-f', conf, '-a', '(cn=Office Licenses)'], { encoding: 'utf8' });
  return ldif
    .split('\n')
    .filter((l) => l.startsWith('member: '))
    .map((l) => l.slice('member: '.length).toLowerCase());
}

test('an admin connects the directory, links Office Licenses, and Eric’s approved access reaches it after a failure is fixed and reprocessed', async ({ page }) => {
  // Four people, two waits for the delivery loop: about 30 s on a quiet machine, more on a busy
  // one (a clean-clone CI run timed out at the default 30 s).
  test.setTimeout(90_000);
  const name = 'Office (directory)';
  const { link } = await createOfficePackage(page, name);

  // Alex connects the directory, with people matched by uid against the whole e-mail (a
  // mistake the failure below shows).
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin');
  await page.getByRole('link', { name: 'Connected systems', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Connected systems', level: 1 })).toBeVisible();
  await expect(page.getByText('No connected system yet')).toBeVisible();
  await page.getByText('Connect a directory (LDAP, Active Directory)').click();
  // A bad address is refused on its field, and nothing is saved.
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Corporate directory');
  await page.getByRole('textbox', { name: 'Directory address' }).fill('http://127.0.0.1:3102');
  await page.getByRole('textbox', { name: 'Bind DN' }).fill('cn=admin,dc=example,dc=org');
  await page.getByLabel('Bind password').fill(LDAP_ADMIN_PASSWORD);
  await page.getByRole('textbox', { name: "People's base DN" }).fill('ou=people,dc=example,dc=org');
  await page.getByRole('textbox', { name: 'Match attribute' }).fill('uid');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const address = page.getByRole('textbox', { name: 'Directory address' });
  await expect(address).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Enter the directory\'s address as ldap://host:389 or ldaps://host:636.').first()).toBeVisible();
  await address.fill(LDAP_URL);
  await page.getByLabel('Bind password').fill(LDAP_ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.getByRole('link', { name: 'Open it to test the connection and link groups' }).click();
  await expect(page.getByRole('heading', { name: 'Corporate directory', level: 1 })).toBeVisible();
  await page.waitForLoadState('networkidle');

  await page.getByRole('button', { name: 'Test connection' }).click();
  const works = page.getByRole('status').filter({ hasText: 'The connection works.' });
  await expect(works).toBeVisible();
  await expect(works).toContainText(`Connected to ${LDAP_URL} and signed in as cn=admin,dc=example,dc=org`);

  await page.getByRole('textbox', { name: 'Tessera group' }).fill('Office Licenses');
  await page.getByRole('textbox', { name: 'Directory group DN' }).fill(GROUP_DN);
  await page.getByRole('button', { name: 'Link group' }).click();
  await expect(page.getByRole('status').filter({ hasText: /Linked\. \d+ member\(s\) are being added/ })).toBeVisible();
  const links = page.getByRole('table', { name: 'Linked groups' });
  await expect(links.getByRole('row', { name: /Office Licenses/ })).toContainText(GROUP_DN);
  await signOut(page);

  // Eric asks, Maria approves.
  await ericAsksMariaApproves(page, link, name, 'Word and Excel for the budget', 'Budget season');

  // Tessera granted it, but the directory does not hold it: Eric is told so, not "delivered".
  await signIn(page, ERIC.email);
  await gotoReady(page, '/myaccess/requests');
  const request = page.getByRole('article', { name: `Request for ${name}` }).first();
  await expect(request).toContainText(/Delivering|Delivery failed/);
  await expect(request).not.toContainText('Access delivered');
  await signOut(page);

  // Alex sees the failure in words, fixes the matching, and reprocesses it.
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/connected-systems');
  await page.getByRole('link', { name: 'Corporate directory' }).click();
  const queue = page.getByRole('table', { name: 'Deliveries not done' });
  const ericRow = queue.getByRole('row', { name: new RegExp(ERIC.email) });
  await expect(async () => {
    await page.reload();
    await page.waitForLoadState('networkidle');
    await expect(ericRow).toContainText('Delivery failed', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(ericRow).toContainText(`Nobody in Corporate directory has uid=${ERIC.email}`);
  expect(directoryMembers()).not.toContain(ERIC_DN);

  await page.getByText('Settings', { exact: true }).click();
  await page.getByRole('combobox', { name: "Matched with the person's" }).selectOption({ label: 'E-mail address before the @' });
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.', { exact: true })).toBeVisible();
  await ericRow.getByRole('button', { name: `Reprocess ${ERIC.email} in Office Licenses` }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Sent again' })).toBeVisible();
  await expect(async () => {
    await page.reload();
    await page.waitForLoadState('networkidle');
    await expect(page.getByRole('row', { name: new RegExp(ERIC.email) })).toHaveCount(0, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  expect(directoryMembers()).toContain(ERIC_DN);
  await signOut(page);

  // Now Eric really has it, and is told so.
  await signIn(page, ERIC.email);
  await page.getByRole('button', { name: /^Notifications, \d+ unread$/ }).click();
  await expect(page.getByRole('region', { name: 'Notifications' })).toContainText(`You now have access: ${name}`);
  await gotoReady(page, '/myaccess/requests');
  await expect(request).toContainText('Delivered');
  await expect(request).toContainText('Access delivered to Corporate directory');
  await signOut(page);

  // Alex unlinks the group (after a confirmation): Tessera stops delivering it.
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/connected-systems');
  await page.getByRole('link', { name: 'Corporate directory' }).click();
  await page.getByRole('button', { name: 'Unlink Office Licenses' }).click();
  const dialog = page.getByRole('dialog', { name: 'Unlink group' });
  await expect(dialog).toContainText('Tessera stops delivering its memberships');
  await dialog.getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByText('No group is linked yet.')).toBeVisible();
  expect(directoryMembers()).toContain(ERIC_DN);
});

// After the first test: the Corporate directory is connected. Its import is limited to the
// new hire, so the demo's people stay as they are for the specs after this one.
test('an admin imports a new hire and their group from the directory', async ({ page }) => {
  test.setTimeout(60_000);
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/connected-systems');
  await page.getByRole('link', { name: 'Corporate directory' }).click();
  await expect(page.getByRole('heading', { name: 'Directory import' })).toBeVisible();
  await expect(page.getByText('Tessera does not read people from this directory.')).toBeVisible();
  await page.waitForLoadState('networkidle');

  // A filter that is not one is refused on its field, and nothing is saved.
  await page.getByRole('checkbox', { name: 'Import people and groups from this directory' }).check();
  const people = page.getByRole('textbox', { name: 'People filter' });
  await people.fill('(uid=nestor.newhire');
  await page.getByRole('textbox', { name: "Groups' base DN" }).fill('ou=groups,dc=example,dc=org');
  await page.getByRole('textbox', { name: 'Group filter' }).fill('(cn=Finance Readers)');
  await page.getByRole('spinbutton', { name: 'Import every (minutes)' }).fill('');
  await page.getByRole('button', { name: 'Save import settings' }).click();
  await expect(people).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Enter an LDAP filter in parentheses, for example (objectClass=inetOrgPerson).').first()).toBeVisible();
  await people.fill('(uid=nestor.newhire)');
  await page.getByRole('button', { name: 'Save import settings' }).click();
  await expect(page.getByText('Import settings saved.')).toBeVisible();

  // The first import runs within seconds of turning it on.
  await expect(async () => {
    await page.reload();
    await page.waitForLoadState('networkidle');
    await expect(page.getByText('1 people found: 1 created, 0 updated, 0 disabled.')).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByText('1 group(s) found (1 new): 1 member(s) added, 0 removed.')).toBeVisible();
  // Maria is not imported (the filter takes Nestor only), so Nestor comes without a manager.
  await page.getByText('1 warning(s)').click();
  await expect(page.getByText(/The manager of uid=nestor\.newhire.* is not imported/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Import now' })).toBeVisible();

  // Nestor is in Tessera's directory, in the imported group, by the import's grant.
  await gotoReady(page, '/admin/directory/groups');
  await page.getByRole('searchbox', { name: 'Search groups' }).fill('Finance Readers');
  await page.getByRole('searchbox', { name: 'Search groups' }).press('Enter');
  await page.getByRole('link', { name: 'Finance Readers' }).click();
  const nestor = page.getByRole('row', { name: /Nestor Newhire/ });
  await expect(nestor).toContainText('nestor.newhire@woodgrove.example');
  await expect(nestor).toContainText('Directory import (LDAP)');
  await signOut(page);
});

// The SCIM application playwright.config.ts starts (scim2-server, in memory).
const SCIM_URL = 'http://127.0.0.1:3103';
const SCIM_TOKEN = 'e2e-scim-token';
const SCIM_HEADERS = { Authorization: `Bearer ${SCIM_TOKEN}`, 'Content-Type': 'application/scim+json' };

// After the test above: Eric is a member of Office Licenses in Tessera.
test('an admin connects a SCIM application and links Office Licenses; Eric’s membership reaches its group', async ({ page, request }) => {
  test.setTimeout(60_000);
  // The application knows Eric (its own provisioning made him) and has a Licenses group.
  const made = await request.post(`${SCIM_URL}/Users`, {
    headers: SCIM_HEADERS,
    data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: ERIC.email },
  });
  expect(made.status()).toBe(201);
  const ericId = (await made.json()).id as string;
  const group = await request.post(`${SCIM_URL}/Groups`, {
    headers: SCIM_HEADERS,
    data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Licenses' },
  });
  const groupId = (await group.json()).id as string;
  const members = async (): Promise<string[]> => {
    const read = await request.get(`${SCIM_URL}/Groups/${groupId}?attributes=members`, { headers: SCIM_HEADERS });
    return ((await read.json()).members ?? []).map((m: { value: string }) => m.value);
  };

  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/connected-systems');
  await page.getByText('Connect a SCIM application').click();
  // A token over plain HTTP to another host is refused on the address, and nothing is saved.
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Ticketing');
  const url = page.getByRole('textbox', { name: 'SCIM base URL' });
  await url.fill('http://tickets.example.com/scim/v2');
  await page.getByLabel('Bearer token').fill(SCIM_TOKEN);
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(url).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('the bearer token must not cross the network unencrypted').first()).toBeVisible();
  await expect(page.getByRole('link', { name: 'Ticketing' })).toHaveCount(0);
  await url.fill(SCIM_URL);
  await page.getByLabel('Bearer token').fill(SCIM_TOKEN);
  await page.getByRole('combobox', { name: 'Match attribute' }).selectOption('userName');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.getByRole('link', { name: 'Open it to test the connection and link groups' }).click();
  await expect(page.getByRole('heading', { name: 'Ticketing', level: 1 })).toBeVisible();
  await expect(page.getByText('SCIM application ·')).toBeVisible();
  await page.waitForLoadState('networkidle');

  await page.getByRole('button', { name: 'Test connection' }).click();
  const works = page.getByRole('status').filter({ hasText: 'The connection works.' });
  await expect(works).toContainText(`Reached ${SCIM_URL} and the bearer token was accepted`);

  // The group's address pasted instead of its id: refused on the field, nothing linked.
  const groupField = page.getByRole('textbox', { name: 'SCIM group id' });
  await page.getByRole('textbox', { name: 'Tessera group' }).fill('Office Licenses');
  await groupField.fill(`${SCIM_URL}/Groups/${groupId}`);
  await page.getByRole('button', { name: 'Link group' }).click();
  await expect(groupField).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('not its address or display name').first()).toBeVisible();
  await expect(page.getByText('No group is linked yet.')).toBeVisible();
  await groupField.fill(groupId);
  await page.getByRole('button', { name: 'Link group' }).click();
  await expect(page.getByRole('status').filter({ hasText: /Linked\. \d+ member\(s\) are being added there/ })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Linked groups' }).getByRole('row', { name: /Office Licenses/ })).toContainText(groupId);

  // The delivery loop PATCHes Eric into the application's group within seconds.
  await expect.poll(members, { timeout: 20_000 }).toContain(ericId);

  // The token is never shown again.
  await page.getByText('Settings', { exact: true }).click();
  await expect(page.getByLabel('Bearer token')).toHaveValue('');
  await expect(page.getByLabel('Bearer token')).toHaveAttribute('type', 'password');
  await signOut(page);
});
