import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { ADMIN, atPath, gotoReady, mainNav, signIn } from './helpers';

function group(page: Page, name: string) {
  return page.getByRole('group', { name, exact: true });
}

async function choose(page: Page, picker: string, query: string, option: RegExp) {
  await page.getByRole('combobox', { name: picker }).fill(query);
  await page.getByRole('option', { name: option }).click();
  await expect(page.getByRole('list', { name: `Chosen: ${picker}` }).getByText(option)).toBeVisible();
}

// The tutorial in ../shared/seed/, step by step, with the words it uses. The steps build on
// each other (create, then clean up), so they run in order.
test.describe.serial('the group-based licensing tutorial', () => {
  const GENERAL = '00000000-0000-7000-8000-000000000001';
  let packageUrl = '';

  test('steps 1–6: create the Office Licenses access package', async ({ page }) => {
    // The server seeds "Starting on" with its own date (UTC); this run may cross midnight.
    const utcDate = () => new Date().toISOString().slice(0, 10);
    const dayBefore = utcDate();
    await signIn(page, ADMIN.email);

    // Step 1: Basics.
    await mainNav(page).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('main').getByRole('link', { name: 'Access packages', exact: true }).click();
    await expect(page).toHaveURL(atPath('/admin/access-packages'));
    await expect(page.getByText('There are no access packages yet')).toBeVisible();
    await page.getByRole('link', { name: 'New access package' }).click();
    await expect(page).toHaveURL(atPath('/admin/access-packages/new'));
    await expect(page.getByRole('tab', { name: 'Basics' })).toHaveAttribute('aria-selected', 'true');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Office Licenses');
    await page.getByRole('textbox', { name: 'Description', exact: true }).fill('Access to licenses for Office applications');
    await expect(page.getByRole('combobox', { name: 'Catalog' })).toHaveValue(GENERAL);
    await expect(group(page, 'Hidden').getByRole('radio', { name: 'No' })).toBeChecked();

    // Step 2: Resource roles.
    await page.getByRole('button', { name: 'Next: Resource roles' }).click();
    await expect(page.getByRole('tab', { name: 'Resource roles' })).toHaveAttribute('aria-selected', 'true');
    await page.getByRole('button', { name: 'Groups and Teams' }).click();
    await page.getByRole('combobox', { name: 'Search groups' }).fill('Office');
    await page.getByRole('option', { name: /Office Licenses/ }).click();
    await page.getByRole('combobox', { name: 'Role' }).selectOption({ label: 'Member' });
    await expect(page.getByRole('row', { name: /Office Licenses/ })).toBeVisible();

    // Step 3: Requests.
    await page.getByRole('button', { name: 'Next: Requests' }).click();
    await page.getByRole('radio', { name: 'For users in your directory' }).check();
    await page.getByRole('radio', { name: 'All members (excluding guests)' }).check();
    await expect(group(page, 'Require approval').getByRole('radio', { name: 'Yes' })).toBeChecked();
    await expect(group(page, 'Require requestor justification').getByRole('radio', { name: 'Yes' })).toBeChecked();
    await expect(page.getByRole('combobox', { name: 'How many stages' })).toHaveValue('1');
    await page.getByRole('radio', { name: 'Manager as approver' }).check();
    await choose(page, 'Fallback approvers', 'fiona', /Fiona Fallback/);
    await expect(page.getByRole('spinbutton', { name: 'Decision must be made in how many days?' })).toHaveValue('14');
    await expect(group(page, 'Require approver justification').getByRole('radio', { name: 'Yes' })).toBeChecked();
    await group(page, 'Enable new requests and assignments').getByRole('radio', { name: 'Yes' }).check();

    // Going back never loses input.
    await page.getByRole('tab', { name: 'Basics' }).click();
    await expect(page.getByRole('textbox', { name: 'Name', exact: true })).toHaveValue('Office Licenses');
    await page.getByRole('tab', { name: 'Requests' }).click();
    await expect(page.getByRole('radio', { name: 'All members (excluding guests)' })).toBeChecked();
    await expect(page.getByRole('list', { name: 'Chosen: Fallback approvers' })).toContainText('Fiona Fallback');

    // Step 4: Requestor information — no questions.
    await page.getByRole('button', { name: /^Next/ }).click();
    await expect(page.getByRole('tab', { name: 'Requestor information' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByText('No questions')).toBeVisible();

    // Step 5: Lifecycle.
    await page.getByRole('button', { name: 'Next: Lifecycle' }).click();
    await group(page, 'Access package assignments expire').getByRole('radio', { name: 'Number of days' }).check();
    await page.getByRole('spinbutton', { name: 'Assignments expire after' }).fill('365');
    await group(page, 'Require access reviews').getByRole('radio', { name: 'Yes' }).check();
    const seeded = await page.getByLabel('Starting on').inputValue();
    expect([dayBefore, utcDate()]).toContain(seeded);
    await page.getByRole('combobox', { name: 'Review frequency' }).selectOption({ label: 'Annually' });
    await page.getByRole('spinbutton', { name: 'Duration (in days)' }).fill('25');
    await group(page, 'Reviewers').getByRole('radio', { name: 'Manager' }).check();
    // The picker works from the keyboard: type, then Enter takes the highlighted match.
    const fallbackReviewers = page.getByRole('combobox', { name: 'Fallback reviewers' });
    await fallbackReviewers.fill('fiona');
    await expect(page.getByRole('option', { name: /Fiona Fallback/ })).toBeVisible();
    await fallbackReviewers.press('Enter');
    await expect(page.getByRole('list', { name: 'Chosen: Fallback reviewers' })).toContainText('Fiona Fallback');

    // Step 6: Review + Create.
    await page.getByRole('button', { name: 'Next: Review + Create' }).click();
    const summary = page.getByRole('tabpanel');
    await expect(summary.getByText('Name: Office Licenses')).toBeVisible();
    await expect(summary.getByText('Catalog: General')).toBeVisible();
    await expect(summary.getByText('Office Licenses — Member')).toBeVisible();
    await expect(summary.getByText('Users who can request access: All members (excluding guests)')).toBeVisible();
    await expect(summary.getByText(/Stage 1: Manager as approver; fallback approvers: Fiona Fallback; decision within 14 days/)).toBeVisible();
    await expect(summary.getByText('Assignments expire after 365 days')).toBeVisible();
    await expect(summary.getByText(/Access reviews: Annually starting on/)).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
    const create = page.getByRole('button', { name: 'Create', exact: true });
    await expect(create).toBeEnabled();
    await create.click();

    await expect(page.getByRole('status').filter({ hasText: 'The access package Office Licenses was created.' })).toBeVisible();
    await expect(page).toHaveURL(/\/admin\/access-packages\/[0-9a-f-]{36}\?created=1$/);
    await expect(page.getByRole('heading', { name: 'Office Licenses', level: 1 })).toBeVisible();
    packageUrl = new URL(page.url()).pathname;
    const id = packageUrl.split('/').pop();

    // The My Access portal link: absolute, copyable, and it opens the package.
    const link = page.getByRole('textbox', { name: 'My Access portal link' });
    await expect(link).toHaveValue(new RegExp(`^http://127\\.0\\.0\\.1:3100/myaccess/access-packages/${id}$`));
    await page.getByRole('button', { name: 'Copy' }).click();
    await expect(page.getByText('Link copied to the clipboard.')).toBeVisible();
    const href = await link.inputValue();
    await gotoReady(page, href);
    await expect(page.getByRole('heading', { name: 'Office Licenses', level: 1 })).toBeVisible();
    await expect(page.getByText('Member of the group Office Licenses')).toBeVisible();
    await expect(page.getByText(/\d+ of 25 Office 365 E3 seats available/)).toBeVisible();
  });

  test('step 7: remove the resource role, then delete the access package', async ({ page }) => {
    expect(packageUrl).not.toBe('');
    await signIn(page, ADMIN.email);
    await gotoReady(page, '/admin/access-packages');
    await page.getByRole('link', { name: 'Office Licenses' }).click();
    await expect(page.getByRole('heading', { name: 'Office Licenses', level: 1 })).toBeVisible();

    await page.getByRole('navigation', { name: 'Access package' }).getByRole('link', { name: 'Resource roles' }).click();
    await page.getByRole('row', { name: /Office Licenses/ }).getByRole('button', { name: 'Office Licenses' }).click();
    await page.getByRole('complementary', { name: 'Resource role details' }).getByRole('button', { name: 'Remove resource role' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove resource role' });
    await expect(dialog).toContainText('0 current assignees will lose it');
    await dialog.getByRole('button', { name: 'Yes' }).click();
    await expect(page.getByText(/The resource role was removed/)).toBeVisible();
    await expect(page.getByText('No resource roles. Add a group below')).toBeVisible();

    await page.getByRole('link', { name: 'Access packages' }).first().click();
    await expect(page).toHaveURL(atPath('/admin/access-packages'));
    await page.getByRole('row', { name: /Office Licenses/ }).getByRole('button', { name: 'More actions' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete access package' });
    await expect(confirm).toContainText('Delete the access package Office Licenses?');
    await confirm.getByRole('button', { name: 'Yes' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The access package was deleted.' })).toBeVisible();
    await expect(page.getByText('There are no access packages yet')).toBeVisible();
  });

  test('an invalid wizard shows each problem on its tab and creates nothing', async ({ page }) => {
    await signIn(page, ADMIN.email);
    await gotoReady(page, '/admin/access-packages/new');
    // Empty name.
    await page.getByRole('textbox', { name: 'Description', exact: true }).fill('Broken on purpose');
    // Forward day after the deadline.
    await page.getByRole('tab', { name: 'Requests' }).click();
    await page.getByRole('radio', { name: 'All members (excluding guests)' }).check();
    await page.getByText('Advanced request settings').click();
    await group(page, 'If no action taken, forward to alternate approvers?').getByRole('radio', { name: 'Yes' }).check();
    await choose(page, 'Alternate approvers', 'maria', /Maria Manager/);
    await page.getByRole('spinbutton', { name: 'Forward to alternate approver(s) after how many days' }).fill('15');
    // 0 days.
    await page.getByRole('tab', { name: 'Lifecycle' }).click();
    await page.getByRole('spinbutton', { name: 'Assignments expire after' }).fill('0');

    await page.getByRole('tab', { name: 'Review + Create' }).click();
    const problems = page.getByRole('alert');
    await expect(problems).toContainText('3 problems to fix before saving');
    await expect(problems).toContainText('Name is required.');
    await expect(problems).toContainText('Forward to alternate approver(s) after how many days must be a whole number from 1 to 14.');
    await expect(problems).toContainText('Assignments expire after (days) must be a whole number from 1 to 3660.');
    await expect(page.getByRole('button', { name: 'Create', exact: true })).toBeDisabled();
    // Risky but allowed: manager approval without fallback approvers.
    await expect(page.getByText(/requests from people without a manager would be denied/)).toBeVisible();

    // Each tab is marked and shows its own message next to the field.
    await expect(page.getByRole('tab', { name: 'Basics (needs attention)' })).toBeVisible();
    await expect(page.getByRole('tab', { name: 'Resource roles' })).not.toContainText('needs attention');
    await problems.getByRole('button', { name: 'Basics' }).click();
    await expect(page.getByRole('textbox', { name: 'Name', exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByText('Name is required.')).toBeVisible();
    await page.getByRole('tab', { name: 'Requests (needs attention)' }).click();
    await expect(page.getByRole('spinbutton', { name: 'Forward to alternate approver(s) after how many days' })).toHaveAttribute('aria-invalid', 'true');
    await page.getByRole('tab', { name: 'Lifecycle (needs attention)' }).click();
    await expect(page.getByText('Assignments expire after (days) must be a whole number from 1 to 3660.')).toBeVisible();

    // Fix the forward day to the last day of the window: still refused, with the product's rule.
    await page.getByRole('tab', { name: 'Requests' }).click();
    await page.getByRole('spinbutton', { name: 'Forward to alternate approver(s) after how many days' }).fill('14');
    await page.getByRole('tab', { name: 'Review + Create' }).click();
    await expect(page.getByRole('alert')).toContainText('Forward before the last day of the decision window: at most 13 days.');

    await gotoReady(page, '/admin/access-packages');
    await expect(page.getByText('There are no access packages yet')).toBeVisible();
  });
});

test('catalogs: create one, give it a resource and a role, and delete it', async ({ page }) => {
  await signIn(page, ADMIN.email);
  await gotoReady(page, '/admin/catalogs');
  await expect(page.getByRole('row', { name: /General/ })).toContainText('Built-in');
  await page.getByText('New catalog').click();
  await page.getByRole('textbox', { name: 'Name' }).fill('Marketing');
  await page.getByRole('textbox', { name: 'Description' }).fill('Campaign tools');
  await page.getByRole('button', { name: 'Create catalog' }).click();
  await expect(page.getByRole('heading', { name: 'Marketing', level: 1 })).toBeVisible();
  await page.waitForLoadState('networkidle');

  await page.getByRole('combobox', { name: 'Add a group' }).fill('Office');
  await page.getByRole('option', { name: /Office Licenses/ }).click();
  await page.getByRole('button', { name: 'Add resource' }).click();
  await expect(page.getByRole('table', { name: 'Resources' })).toContainText('Office Licenses');

  await page.getByRole('textbox', { name: 'Email' }).fill('maria.manager@woodgrove.example');
  await page.getByRole('combobox', { name: 'Catalog role' }).selectOption({ label: 'Access package manager' });
  await page.getByRole('button', { name: 'Add role' }).click();
  await expect(page.getByRole('table', { name: 'Catalog roles' })).toContainText('Maria Manager');

  await page.getByRole('button', { name: 'Delete catalog' }).click();
  await page.getByRole('dialog', { name: 'Delete catalog' }).getByRole('button', { name: 'Yes' }).click();
  await expect(page).toHaveURL(atPath('/admin/catalogs'));
  await expect(page.getByRole('row', { name: /Marketing/ })).toHaveCount(0);
});

test('an admin edits basics, adds, edits and removes a policy, and sets separation of duties', async ({ page }) => {
  await signIn(page, ADMIN.email);
  // A package with a question, from the wizard.
  await gotoReady(page, '/admin/access-packages/new');
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Finance reports');
  await page.getByRole('textbox', { name: 'Description', exact: true }).fill('Read the monthly finance reports');
  await page.getByRole('tab', { name: 'Requests' }).click();
  await page.getByRole('radio', { name: 'All members (excluding guests)' }).check();
  await group(page, 'Require approval').getByRole('radio', { name: 'No' }).check();
  await expect(page.getByRole('combobox', { name: 'How many stages' })).toHaveCount(0);
  await page.getByRole('tab', { name: 'Requestor information' }).click();
  await page.getByRole('button', { name: 'Add question' }).click();
  const question = page.getByRole('group', { name: 'Question 1' });
  await question.getByRole('textbox', { name: 'Question', exact: true }).fill('Cost center');
  await question.getByRole('textbox', { name: 'Regular expression (optional)' }).fill('^[0-9]{4}$');
  await page.getByRole('tab', { name: 'Review + Create' }).click();
  await expect(page.getByText('1. Cost center (Short text, required), must match ^[0-9]{4}$')).toBeVisible();
  await expect(page.getByText('Requests are granted without approval.')).toBeVisible();
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The access package Finance reports was created.' })).toBeVisible();

  // Edit basics: hide it.
  await page.getByText('Edit basics').click();
  await group(page, 'Hidden').getByRole('radio', { name: 'Yes' }).check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('definition').filter({ hasText: /^Yes$/ })).toBeVisible();

  // Another admin (another tab) changes the description meanwhile: saving this page's older
  // form is refused with words, and changes nothing.
  await page.waitForLoadState('networkidle');
  const other = await page.context().newPage();
  await gotoReady(other, page.url());
  await other.getByText('Edit basics').click();
  await other.getByRole('textbox', { name: 'Description' }).fill('Reports, edited in another tab');
  await other.getByRole('button', { name: 'Save' }).click();
  await expect(other.getByText('Reports, edited in another tab', { exact: true })).toBeVisible();
  await other.close();
  // The form stays open after a save; open it again if it was closed.
  const notHidden = group(page, 'Hidden').getByRole('radio', { name: 'No' });
  if (!(await notHidden.isVisible())) await page.getByText('Edit basics').click();
  await notHidden.check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toContainText('Someone else changed this access package since you opened it');
  await page.reload();
  await expect(page.getByText('Reports, edited in another tab', { exact: true })).toBeVisible();
  await expect(page.getByRole('definition').filter({ hasText: /^Yes$/ })).toBeVisible();

  // Add a second policy for specific people with two approval stages.
  await page.getByRole('navigation', { name: 'Access package' }).getByRole('link', { name: 'Policies' }).click();
  await page.getByRole('link', { name: 'Add policy' }).click();
  await page.getByRole('textbox', { name: 'Policy name' }).fill('Auditors');
  await choose(page, 'Users and groups who can request', 'emma', /Emma Employee/);
  await page.getByRole('combobox', { name: 'How many stages' }).selectOption('2');
  const stage2 = page.getByRole('group', { name: 'Stage 2' });
  await expect(stage2.getByRole('radio', { name: 'Manager as approver' })).toHaveCount(0);
  await stage2.getByRole('combobox', { name: 'Specific approvers' }).fill('fiona');
  await page.getByRole('option', { name: /Fiona Fallback/ }).click();
  await page.getByRole('tab', { name: 'Review + Save' }).click();
  await expect(page.getByText('Policy name: Auditors')).toBeVisible();
  await expect(page.getByText(/Stage 2: approvers Fiona Fallback/)).toBeVisible();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The policy was saved.' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Auditors' })).toBeVisible();

  // Edit it: one stage with 7 days.
  await page.getByRole('link', { name: 'Edit policy Auditors' }).click();
  await expect(page.getByRole('textbox', { name: 'Policy name' })).toHaveValue('Auditors');
  await page.getByRole('combobox', { name: 'How many stages' }).selectOption('1');
  await page.getByRole('spinbutton', { name: 'Decision must be made in how many days?' }).fill('7');
  await page.getByRole('tab', { name: 'Review + Save' }).click();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText(/Stage 1: Manager as approver; fallback approvers: none; decision within 7 days/)).toBeVisible();

  // Remove it.
  await page.getByRole('button', { name: 'Remove policy Auditors' }).click();
  await page.getByRole('dialog', { name: 'Remove policy' }).getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByRole('heading', { name: 'Auditors' })).toHaveCount(0);

  // Separation of duties: people in the group "Office Licenses" can't get Finance reports.
  await page.getByRole('navigation', { name: 'Access package' }).getByRole('link', { name: 'Separation of duties' }).click();
  await page.getByRole('combobox', { name: 'Incompatible group' }).fill('Office');
  await page.getByRole('option', { name: /Office Licenses/ }).click();
  await page.getByRole('button', { name: 'Add incompatible group' }).click();
  await expect(page.getByRole('button', { name: 'Remove Office Licenses' })).toBeVisible();
});
