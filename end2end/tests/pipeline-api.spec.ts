import { type APIRequestContext } from '@playwright/test';
import { expect, test } from './fixtures';
import { ADMIN, ERIC, MANAGER, makeToken, signIn, signOut } from './helpers';

// An automation pipeline driving the tutorial through the API alone. Named to run after
// packages.spec.ts (files run alphabetically), which starts from a catalog without packages.

/** One call of the API with a token: status and JSON body. */
async function call(request: APIRequestContext, token: string, method: 'GET' | 'POST', path: string, data?: unknown, headers: Record<string, string> = {}) {
  const response = await request.fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...headers },
    data,
  });
  const text = await response.text();
  return { status: response.status(), body: text ? JSON.parse(text) : null, headers: response.headers() };
}

test('the tutorial through the API alone: create the package, Eric requests, Maria approves, the admin exports', async ({ page, request }) => {
  const admin = await makeToken(page, ADMIN.email, 'Governance as code');
  const eric = await makeToken(page, ERIC.email, 'Eric script');
  const maria = await makeToken(page, MANAGER.email, 'Maria approvals');

  // The administrator creates the package: Member of Office Licenses, all members may
  // request, the requestor's manager approves.
  const groups = await call(request, admin, 'GET', '/api/v1/groups?search=Office%20Licenses');
  expect(groups.status).toBe(200);
  const office = groups.body.value.find((g: { displayName: string }) => g.displayName === 'Office Licenses');
  const created = await call(request, admin, 'POST', '/api/v1/accessPackages', {
    displayName: 'Project Tools (API)',
    description: 'Made through the API',
    resourceRoleScopes: [{ role: 'Member', groupId: office.id }],
    assignmentPolicy: {
      allowedTargetScope: 'allMemberUsers',
      requestApprovalSettings: {
        stages: [{ durationBeforeAutomaticDenial: 'P14D', primaryApprovers: [{ '@odata.type': '#microsoft.graph.requestorManager' }] }],
      },
      expiration: { type: 'afterDuration', duration: 'P365D' },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const packageId = created.body.id;

  // Eric finds it and requests it; a retry with the same key creates nothing more.
  const available = await call(request, eric, 'GET', '/api/v1/me/accessPackages?search=Project%20Tools');
  expect(available.body.value.map((p: { id: string }) => p.id)).toContain(packageId);
  const ask = { requestType: 'userAdd', accessPackageId: packageId, justification: 'Tools for the Q4 project' };
  const first = await call(request, eric, 'POST', '/api/v1/assignmentRequests', ask, { 'Idempotency-Key': `eric-${packageId}` });
  expect(first.status, JSON.stringify(first.body)).toBe(201);
  expect(first.body.state).toBe('pendingApproval');
  const retry = await call(request, eric, 'POST', '/api/v1/assignmentRequests', ask, { 'Idempotency-Key': `eric-${packageId}` });
  expect(retry.body.id).toBe(first.body.id);
  expect(retry.headers['idempotent-replayed']).toBe('true');

  // Maria, his manager, approves it; a second decision is refused.
  const approvals = await call(request, maria, 'GET', '/api/v1/me/approvals');
  const item = approvals.body.value.find((a: { id: string }) => a.id === first.body.id);
  expect(item.requestor.mail).toBe(ERIC.email);
  const decision = `/api/v1/approvals/${first.body.id}/decision`;
  const approved = await call(request, maria, 'POST', decision, { reviewResult: 'Approve', justification: 'For the project' });
  expect(approved.status, JSON.stringify(approved.body)).toBe(200);
  expect(approved.body.state).toBe('delivered');
  const again = await call(request, maria, 'POST', decision, { reviewResult: 'Deny', justification: 'Changed my mind' });
  expect(again.status).toBe(409);
  expect(again.headers['content-type']).toBe('application/problem+json');

  // The administrator exports the assignment.
  const assignments = await call(request, admin, 'GET', `/api/v1/accessPackages/${packageId}/assignments`);
  expect(assignments.body['@odata.count']).toBe(1);
  expect(assignments.body.value[0].target.mail).toBe(ERIC.email);
  expect(assignments.body.value[0].state).toBe('delivered');

  // Eric sees it in My Access, in the browser too.
  await signIn(page, ERIC.email);
  await page.getByRole('navigation', { name: 'Access packages' }).getByRole('link', { name: 'Active' }).click();
  await expect(page.getByRole('region', { name: 'Project Tools (API)' })).toBeVisible();
  await signOut(page);

  // And removes it again, so later tests find Eric as the demo has him.
  const removed = await call(request, admin, 'POST', '/api/v1/assignmentRequests', { requestType: 'adminRemove', assignmentId: assignments.body.value[0].id });
  expect(removed.status).toBe(201);
  expect(removed.body.state).toBe('removed');
});
