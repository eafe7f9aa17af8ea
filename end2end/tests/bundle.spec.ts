import { expect, test } from './fixtures';
import { ADMIN, ERIC, atPath, gotoReady, mainNav, signIn, signOut } from './helpers';

/** The distinct wasm files the page has fetched from /pkg/ so far. */
function wasmFiles(page: import('@playwright/test').Page): Set<string> {
  const seen = new Set<string>();
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/pkg/') && path.endsWith('.wasm')) seen.add(path);
  });
  return seen;
}

// Issue 13: the administration console is a wasm chunk of its own (`cargo leptos build
// --split`); an employee's visit never downloads it.
test('My Access loads without the admin console; an admin page loads it and works', async ({ page }) => {
  const wasm = wasmFiles(page);
  await signIn(page, ERIC.email);
  await gotoReady(page, '/myaccess/requests');
  expect([...wasm], 'an employee downloads the main bundle only').toHaveLength(1);
  const main = [...wasm][0];
  await signOut(page);

  // Opened by a click (client-side navigation): the console's code arrives then.
  await signIn(page, ADMIN.email);
  await mainNav(page).getByRole('link', { name: 'Admin', exact: true }).click();
  await expect(page).toHaveURL(atPath('/admin'));
  await expect(page.getByRole('heading', { name: 'Administration' })).toBeVisible();
  await page.waitForLoadState('networkidle');
  const chunks = [...wasm].filter((f) => f !== main);
  expect(chunks.length, 'the console is fetched as one or more chunks').toBeGreaterThan(0);

  // Rendered by the server: the page names its chunks for preloading, and hydrates with them
  // (the frontend marks <html data-hydrated> once the whole page, console included, is live).
  const html = await (await page.request.get('/admin/directory/users')).text();
  for (const chunk of chunks) expect(html).toContain(chunk);
  await gotoReady(page, '/admin/directory/users');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', /^\d+$/);
  await page.getByRole('button', { name: /^Notifications/ }).click();
  await expect(page.getByRole('region', { name: 'Notifications' })).toBeVisible();
});
