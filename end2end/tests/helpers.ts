import { expect, type APIRequestContext, type Page, type Response } from '@playwright/test';

export const DEMO_PASSWORD = 'tessera-demo';

export interface DemoUser {
  email: string;
  name: string;
}

export const ADMIN: DemoUser = { email: 'alex.admin@woodgrove.example', name: 'Alex Admin' };
export const MANAGER: DemoUser = { email: 'maria.manager@woodgrove.example', name: 'Maria Manager' };
export const ERIC: DemoUser = { email: 'eric.employee@woodgrove.example', name: 'Eric Employee' };
export const EMMA: DemoUser = { email: 'emma.employee@woodgrove.example', name: 'Emma Employee' };
export const NORA: DemoUser = { email: 'nora.newhire@woodgrove.example', name: 'Nora Newhire' };
export const FIONA: DemoUser = { email: 'fiona.fallback@woodgrove.example', name: 'Fiona Fallback' };
export const GUEST: DemoUser = { email: 'gus.guest@partner.example', name: 'Gus Guest' };

export const DEMO_USERS: DemoUser[] = [ADMIN, MANAGER, ERIC, EMMA, NORA, FIONA, GUEST];

/** Matches a path (optionally followed by a query string) at the end of the URL. */
export function atPath(p: string): RegExp {
  const escaped = p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^[^?#]*://[^/]+${escaped}(\\?[^#]*)?(#.*)?$`);
}

/**
 * Navigates and waits until the network is quiet, so the wasm bundle has loaded and the page
 * has hydrated before the test interacts with it.
 */
export async function gotoReady(page: Page, url: string): Promise<Response | null> {
  const resp = await page.goto(url);
  await page.waitForLoadState('networkidle');
  return resp;
}

/** Signs in through the login form and waits for the landing page (/myaccess). */
export async function signIn(page: Page, email: string, password: string = DEMO_PASSWORD): Promise<void> {
  await gotoReady(page, '/login');
  await expect(page.getByRole('heading', { name: 'Sign in to Tessera' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  // <input type="password"> has no ARIA role, so it is found by its label.
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(atPath('/myaccess'));
  await expect(page.getByRole('heading', { name: 'My Access' })).toBeVisible();
  await page.waitForLoadState('networkidle');
}

/** The main navigation landmark (<nav aria-label="Main">). */
export function mainNav(page: Page) {
  return page.getByRole('navigation', { name: 'Main' });
}

/** Signs out and waits for the sign-in page. */
export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/login/);
}

/**
 * Creates an access package granting Member of Office Licenses to all members, with Fiona as
 * fallback approver; returns its admin page path and its My Access link.
 */
export async function createOfficePackage(
  page: Page,
  name: string,
  more?: (page: Page) => Promise<void>,
): Promise<{ admin: string; link: string }> {
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/access-packages/new');
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
  await page.getByRole('textbox', { name: 'Description', exact: true }).fill('Access to licenses for Office applications');
  await page.getByRole('tab', { name: 'Resource roles' }).click();
  await page.getByRole('button', { name: 'Groups and Teams' }).click();
  await page.getByRole('combobox', { name: 'Search groups' }).fill('Office');
  await page.getByRole('option', { name: /Office Licenses/ }).click();
  await page.getByRole('tab', { name: 'Requests' }).click();
  await page.getByRole('radio', { name: 'All members (excluding guests)' }).check();
  await page.getByRole('combobox', { name: 'Fallback approvers' }).fill('fiona');
  await page.getByRole('option', { name: /Fiona Fallback/ }).click();
  if (more) await more(page);
  await page.getByRole('tab', { name: 'Review + Create' }).click();
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'was created' })).toBeVisible();
  const link = await page.getByRole('textbox', { name: 'My Access portal link' }).inputValue();
  const admin = new URL(page.url()).pathname;
  await signOut(page);
  return { admin, link };
}

/** Eric requests the package at `link` (named `name`) with `justification`, and Maria, his
 * manager, approves it from her inbox with `reason`; both sign out after. */
export async function ericAsksMariaApproves(
  page: Page,
  link: string,
  name: string,
  justification: string,
  reason: string,
): Promise<void> {
  await signIn(page, ERIC.email);
  await gotoReady(page, link);
  await page.getByRole('textbox', { name: 'Business justification' }).fill(justification);
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your request was submitted.' })).toBeVisible();
  await signOut(page);
  await signIn(page, MANAGER.email);
  await gotoReady(page, '/myaccess/approvals');
  const item = page.getByRole('article', { name: `Request from Eric Employee for ${name}` });
  await item.getByRole('textbox', { name: 'Reason' }).fill(reason);
  await item.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your decision was recorded.' })).toBeVisible();
  await signOut(page);
}

/** Signs in as `email`, makes a read-write API token on Your account, signs out; its secret. */
export async function makeToken(page: Page, email: string, name: string): Promise<string> {
  await signIn(page, email);
  await gotoReady(page, '/myaccess/account');
  const tokens = page.getByRole('region', { name: 'API tokens' });
  await tokens.getByText('New API token', { exact: true }).click();
  await tokens.getByLabel('Token name').fill(name);
  await tokens.getByLabel('Read and write (request, approve, assign)').check();
  await tokens.getByRole('button', { name: 'Create token' }).click();
  const secret = await page.getByLabel('New API token').inputValue();
  await signOut(page);
  return secret;
}

/** POSTs JSON to the API with a token; the answer's JSON (null when empty), failing on an error status. */
export async function postJson(request: APIRequestContext, token: string, path: string, data: unknown) {
  const response = await request.post(path, { headers: { Authorization: `Bearer ${token}` }, data });
  const text = await response.text();
  expect(response.status(), text).toBeLessThan(300);
  return text ? JSON.parse(text) : null;
}

/** The server with the lived-in demo (`--demo`: a few hundred people, four months of history). */
export const LIVED_IN = 'http://127.0.0.1:3105';
