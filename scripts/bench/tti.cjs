// Time to interactive and bytes of a first visit to My Access, in Chromium (Debian's), for
// the benchmark suite (server/examples/bench.rs runs it against its seeded server):
//   NODE_PATH=end2end/node_modules node scripts/bench/tti.cjs BASE_URL EMAIL PASSWORD [RUNS]
// Each run signs in with a fresh browser profile, then opens /myaccess in another fresh one
// holding only the session cookie (an empty cache: everything is downloaded), and reads when
// the page hydrated (the `data-hydrated` attribute the frontend sets, in ms since navigation
// began). Prints one JSON object: the median run's figures and every run's.
const { chromium } = require('@playwright/test');

async function main() {
  const [base, email, password, runsArg] = process.argv.slice(2);
  const runs = Number(runsArg || 5);
  const browser = await chromium.launch({
    executablePath: process.env.TESSERA_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const all = [];
  try {
    for (let i = 0; i < runs; i++) {
      const signIn = await browser.newContext();
      const page = await signIn.newPage();
      await page.goto(`${base}/login`);
      await page.waitForSelector('html[data-hydrated]', { state: 'attached' });
      await page.getByRole('textbox', { name: 'Email' }).fill(email);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/myaccess/);
      const state = await signIn.storageState();
      await signIn.close();

      const visit = await browser.newContext({ storageState: state });
      const tab = await visit.newPage();
      const cdp = await visit.newCDPSession(tab);
      await cdp.send('Network.enable');
      let bytes = 0;
      cdp.on('Network.loadingFinished', (e) => {
        bytes += e.encodedDataLength;
      });
      await tab.goto(`${base}/myaccess`);
      await tab.waitForSelector('html[data-hydrated]', { state: 'attached' });
      const figures = await tab.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const paint = performance.getEntriesByName('first-contentful-paint')[0];
        return {
          interactive_ms: Number(document.documentElement.getAttribute('data-hydrated')),
          first_contentful_paint_ms: paint ? paint.startTime : null,
          html_ms: nav ? nav.responseEnd : null,
        };
      });
      await tab.waitForLoadState('networkidle');
      figures.bytes = bytes;
      all.push(figures);
      await visit.close();
    }
  } finally {
    await browser.close();
  }
  const sorted = [...all].sort((a, b) => a.interactive_ms - b.interactive_ms);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(JSON.stringify({ median, runs: all }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
