/** Shared Chromium launch + harness page for screenshots.js and bench.js. */
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

async function openHarness() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('requestfailed', (r) => {
      // a font still loading when a step navigates away is aborted by the navigation (seen under load): not an error
      if (r.url().includes('/fonts/') && r.failure()?.errorText === 'net::ERR_ABORTED') return;
      errors.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? 'unknown'})`);
    });
    // GlobalStyles asks for Grafana's bundled fonts under public/fonts/; serve the Debian fonts-inter
    // (and DejaVu Sans Mono for Roboto Mono) so screenshots use the real typeface.
    await page.route('**/fonts/**', (route) => {
      const url = route.request().url();
      const inter = /inter\/Inter-(\w+)\.woff2/.exec(url);
      const file = inter
        ? `/usr/share/fonts/opentype/inter/Inter-${inter[1]}.otf`
        : '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';
      return fs.existsSync(file) ? route.fulfill({ path: file }) : route.abort();
    });
    await page.goto(`file://${path.join(__dirname, 'index.html')}`);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 30000 });
    return { browser, page, errors };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

module.exports = { openHarness };
