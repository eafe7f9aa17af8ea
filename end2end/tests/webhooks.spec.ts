import { expect, test } from './fixtures';
import { ADMIN, gotoReady, signIn, signOut } from './helpers';

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
