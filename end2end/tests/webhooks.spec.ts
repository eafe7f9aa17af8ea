import { expect, test } from './fixtures';
import { ADMIN, ERIC, createOfficePackage, ericAsksMariaApproves, gotoReady, signIn, signOut } from './helpers';

// The receiver playwright.config.ts starts (end2end/webhooks/receiver.mjs).
const RECEIVER = 'http://127.0.0.1:3104';

test('an admin adds a webhook, gives its secret to the receiver, sends a signed test event, and deletes it', async ({ page, request }) => {
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin');
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await expect(page.getByRole('heading', { name: 'Webhooks', level: 1 })).toBeVisible();
  await expect(page.getByText('No webhook yet')).toBeVisible();
  await page.waitForLoadState('networkidle');
  await page.getByText('Add a webhook', { exact: true }).click();

  // Events over plain HTTP to another host are refused on the address, and nothing is saved.
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('HR automation');
  const url = page.getByRole('textbox', { name: 'Receiver URL' });
  await url.fill('http://hooks.example.com/tessera');
  await expect(page.getByRole('checkbox', { name: 'Request approved' })).toBeChecked();
  await page.getByRole('checkbox', { name: 'Access review completed' }).uncheck();
  await page.getByRole('button', { name: 'Add webhook' }).click();
  await expect(url).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('must not cross the network unencrypted').first()).toBeVisible();
  await expect(page.getByRole('link', { name: 'HR automation' })).toHaveCount(0);

  await url.fill(`${RECEIVER}/hooks/tessera`);
  await page.getByRole('button', { name: 'Add webhook' }).click();
  const secret = page.getByLabel('Signing secret');
  await expect(secret).toHaveText(/^whsec_/);
  const trusted = await request.post(`${RECEIVER}/_test/trust`, { data: (await secret.textContent()) ?? '' });
  expect(trusted.status()).toBe(204);

  await page.getByRole('link', { name: 'Open the webhook' }).click();
  await expect(page.getByRole('heading', { name: 'HR automation', level: 1 })).toBeVisible();
  await expect(page.getByText('Nothing sent yet.')).toBeVisible();
  await page.waitForLoadState('networkidle');
  await page.getByRole('button', { name: 'Send test event' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The receiver accepted the test event.' })).toContainText('HTTP 204: delivered');
  const deliveries = page.getByRole('table', { name: 'Deliveries' });
  await expect(deliveries.getByRole('row', { name: /ping/ })).toContainText('Delivered');
  const got = await (await request.get(`${RECEIVER}/_test/received`)).json();
  expect(got).toEqual([expect.objectContaining({ type: 'ping', verified: true })]);

  // The settings keep what was chosen: six events, the review one left out.
  await page.getByText('Settings', { exact: true }).click();
  await expect(page.getByRole('checkbox', { name: 'Access review completed' })).not.toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'Access granted' })).toBeChecked();

  // Deleting asks first; No keeps it, Yes deletes it.
  await page.getByRole('button', { name: 'Delete webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete webhook' });
  await expect(dialog).toContainText('Events not yet delivered to it are never sent.');
  await dialog.getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByRole('heading', { name: 'Webhooks', level: 1 })).toBeVisible();
  await expect(page.getByText('No webhook yet')).toBeVisible();
  await signOut(page);
});

// After the test above (no webhook left). A webhook that holds delivery: the receiver (a
// budget check) answers "deny" in its reply, so Eric's approved request is not delivered.
test('a webhook that holds delivery denies an approved request, and the requestor reads why', async ({ page, request }) => {
  test.setTimeout(90_000);
  const name = 'Office (budget gated)';
  const { link } = await createOfficePackage(page, name);

  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/webhooks');
  await page.getByText('Add a webhook', { exact: true }).click();
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Budget gate');
  await page.getByRole('textbox', { name: 'Receiver URL' }).fill(`${RECEIVER}/hooks/gate`);
  // Holding delivery needs "Request approved": refused on its field without it.
  await page.getByRole('checkbox', { name: 'Request approved' }).uncheck();
  const hold = page.getByRole('checkbox', { name: /Hold delivery of approved requests/ });
  await hold.check();
  await page.getByRole('button', { name: 'Add webhook' }).click();
  await expect(page.getByText('must hear "Request approved"').first()).toBeVisible();
  await page.getByRole('checkbox', { name: 'Request approved' }).check();
  await hold.check();
  await page.getByRole('button', { name: 'Add webhook' }).click();
  const secret = page.getByLabel('Signing secret');
  await expect(secret).toHaveText(/^whsec_/);
  const trusted = await request.post(`${RECEIVER}/_test/trust`, { data: (await secret.textContent()) ?? '' });
  expect(trusted.status()).toBe(204);
  await expect(page.getByRole('row', { name: /Budget gate/ })).toContainText('Holds delivery');
  await signOut(page);

  // Eric asks, Maria approves: the request waits for the gate, which denies it within seconds.
  await ericAsksMariaApproves(page, link, name, 'Budget spreadsheets', 'Fine by me');

  await signIn(page, ERIC.email);
  const mine = page.getByRole('article', { name: `Request for ${name}` }).first();
  await expect(async () => {
    await gotoReady(page, '/myaccess/requests');
    await expect(mine).toContainText('Denied by Budget gate: No budget left this quarter', { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(mine).toContainText('waiting for Budget gate');
  await signOut(page);

  // Nothing holds a request now: the gate can be deleted.
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/webhooks');
  await page.getByRole('link', { name: 'Budget gate' }).click();
  await page.waitForLoadState('networkidle');
  await page.getByRole('button', { name: 'Delete webhook' }).click();
  await page.getByRole('dialog', { name: 'Delete webhook' }).getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByText('No webhook yet')).toBeVisible();
  await signOut(page);
});
