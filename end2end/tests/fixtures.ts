import { test as base, expect } from '@playwright/test';

/**
 * Every test runs with Tessera's Content-Security-Policy on and fails when the browser
 * reports a violation (a script, style or frame the policy blocked), so a change that
 * breaks the policy breaks the suite rather than a page in production.
 */
export const test = base.extend<{ cspGuard: void }>({
  cspGuard: [
    async ({ page }, use, testInfo) => {
      const violations: string[] = [];
      page.on('console', (message) => {
        const text = message.text();
        if (/Content.Security.Policy/i.test(text)) violations.push(text);
      });
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
          console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
        });
      });
      await use();
      // A test that provokes a violation on purpose names its directive in an annotation.
      const expected = testInfo.annotations.filter((a) => a.type === 'expected CSP violation')
        .map((a) => a.description ?? '');
      const unexpected = violations.filter((v) => !expected.some((d) => d && v.includes(d)));
      expect(unexpected, 'CSP violations reported by the browser').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
