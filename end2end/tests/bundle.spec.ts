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

// Issue 13: a first visit (sign-in, then My Access) downloads the main bundle only. The other
// pages a person opens from My Access (their requests, approvals, reviews, account, team, a
// package's request page) are one wasm chunk, and the administration console another
// (`cargo leptos build --split`); an employee never downloads the console.
test('My Access loads alone; the self-service pages and the admin console come as chunks', async ({ page }) => {
  const wasm = wasmFiles(page);
  await signIn(page, ERIC.email);
  await gotoReady(page, '/myaccess');
  expect([...wasm], 'a first visit downloads the main bundle only').toHaveLength(1);
  const main = [...wasm][0];

  // Opened by a click (client-side navigation): the self-service chunk arrives then.
  await mainNav(page).getByRole('link', { name: 'Approvals', exact: true }).click();
  await expect(page).toHaveURL(atPath('/myaccess/approvals'));
  await expect(page.getByRole('heading', { name: 'Approvals', exact: true })).toBeVisible();
  await page.waitForLoadState('networkidle');
  const selfService = [...wasm].filter((f) => f !== main);
  expect(selfService.length, 'the self-service pages come as one or more chunks').toBeGreaterThan(0);

  // Rendered by the server: the page names its chunk for preloading and hydrates with it.
  const requests = await (await page.request.get('/myaccess/requests')).text();
  for (const chunk of selfService) expect(requests).toContain(chunk);
  await gotoReady(page, '/myaccess/requests');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', /^\d+$/);
  await expect(page.getByRole('heading', { name: 'Request history' })).toBeVisible();
  expect(
    [...wasm].filter((f) => f !== main && !selfService.includes(f)),
    'an employee never downloads the console',
  ).toHaveLength(0);
  await signOut(page);

  // The console: opened by a click, its code arrives then.
  await signIn(page, ADMIN.email);
  await mainNav(page).getByRole('link', { name: 'Admin', exact: true }).click();
  await expect(page).toHaveURL(atPath('/admin'));
  await expect(page.getByRole('heading', { name: 'Administration' })).toBeVisible();
  await page.waitForLoadState('networkidle');
  const chunks = [...wasm].filter((f) => f !== main && !selfService.includes(f));
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
