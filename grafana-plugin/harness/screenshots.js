/**
 * The Chromium harness test: renders every view from fixture frames in dark and light, saves PNGs to
 * screenshots/, and fails (exit 1) when a render is blank, logs an error, or misses expected DOM. Then
 * loads the built dist/module.js as Grafana does (AMD, externals from the host) and renders its panel.
 */
const fs = require('fs');
const path = require('path');
const { openHarness } = require('./chromium');
const { readPng, pixelStats } = require('./png');

const OUT = path.join(__dirname, '..', 'screenshots');

const CASES = [
  {
    name: 'leadership',
    req: { view: 'leadership', fixture: 'cluster', width: 760, height: 560, title: 'Kafka leadership' },
    expect: {
      '[data-testid="pitower-broker"]': 6,
      '[data-testid="pitower-topic"]': 3,
      '[data-testid="pitower-partition"]': 26,
      '[data-state="leader-preferred"]': (n) => n > 0,
      '[data-state="leader"]': (n) => n > 0,
      '[data-state="in-sync"]': (n) => n > 0,
      '[data-state="out-of-sync"]': (n) => n > 0,
      '[data-state="offline"]': 3,
      '[data-testid="pitower-probe"]': 6,
      '[data-testid="pitower-probe"][data-level="ok"]': 3,
      '[data-testid="pitower-probe"][data-level="warn"]': 2,
      '[data-testid="pitower-probe"][data-level="critical"]': 1,
    },
  },
  {
    name: 'leadership-counts',
    req: { view: 'leadership', fixture: 'kafka-exporter', width: 760, height: 360, title: 'Kafka leadership (kafka_exporter only)' },
    expect: {
      '[data-testid="pitower-notices"]': 1,
      '[data-testid="pitower-broker"]': 6,
      '[data-state="in-sync"]': 0,
      '[data-testid="pitower-probe"]': 0,
    },
    text: 'No per-replica series: is the pitower Kafka collector enabled?',
  },
  {
    name: 'isr',
    req: { view: 'isr', fixture: 'isr', width: 900, height: 460, title: 'ISR history' },
    expect: {
      '[data-testid="pitower-isr-chart"]': 1,
      '[data-testid="pitower-isr-shrink"]': 3,
      '[data-testid="pitower-isr-expand"]': 2,
      '[data-testid="pitower-isr-leader-change"]': 2,
      '[data-testid="pitower-isr-partitions"] tbody tr': 4,
      '[data-testid="pitower-isr-events"] tbody tr': 9,
    },
  },
  {
    name: 'bottleneck',
    req: { view: 'bottleneck', fixture: 'hosts', width: 900, height: 380, title: 'Bottleneck' },
    expect: {
      '[data-testid="pitower-host"]': 5,
      '[data-testid="pitower-verdict"]': 1,
    },
  },
  {
    name: 'empty',
    req: { view: 'leadership', fixture: 'empty', width: 600, height: 200, title: 'Kafka leadership (no data)' },
    themes: ['dark'],
    expect: { '[data-testid="pitower-empty"]': 1 },
    text: 'No Kafka partition series',
  },
];

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const { browser, page, errors } = await openHarness();
  const failures = [];
  try {
    for (const c of CASES) {
      for (const theme of c.themes ?? ['dark', 'light']) {
        const label = `${c.name}-${theme}`;
        const ms = await page.evaluate((req) => window.pitowerHarness.render(req), { ...c.req, theme });
        await page.evaluate(() => document.fonts.ready.then(() => undefined));
        const panel = await page.$('#panel');
        const file = path.join(OUT, `${label}.png`);
        await panel.screenshot({ path: file });
        const stats = pixelStats(readPng(fs.readFileSync(file)));
        const problems = [];
        if (stats.colors < 20 || stats.nonBackground < 0.02) {
          problems.push(`looks blank (${stats.colors} colours, ${(stats.nonBackground * 100).toFixed(1)} % non-background)`);
        }
        for (const [selector, want] of Object.entries(c.expect)) {
          const n = await page.$$eval(`#panel ${selector}`, (els) => els.length);
          const ok = typeof want === 'function' ? want(n) : n === want;
          if (!ok) problems.push(`${selector}: ${n} found, expected ${typeof want === 'function' ? 'other' : want}`);
        }
        if (c.text) {
          const text = await page.$eval('#panel', (el) => el.textContent);
          if (!text.includes(c.text)) problems.push(`text "${c.text}" missing`);
        }
        if (c.name === 'bottleneck') {
          const highlighted = await page.$$eval('#panel [data-testid="pitower-host"]', (els) =>
            els.filter((el) => el.textContent.includes('bottleneck')).map((el) => el.dataset.host),
          );
          const verdict = await page.$eval('#panel [data-testid="pitower-verdict"]', (el) => el.textContent);
          if (highlighted.length > 1) problems.push(`several hosts highlighted: ${highlighted.join(', ')}`);
          if (highlighted.length === 1 && !verdict.includes(highlighted[0])) problems.push(`verdict does not name ${highlighted[0]}`);
        }
        console.log(
          `${problems.length ? 'FAIL' : 'ok  '} ${label}: ${ms.toFixed(1)} ms, ${stats.colors} colours -> screenshots/${label}.png`,
        );
        problems.forEach((p) => failures.push(`${label}: ${p}`));
      }
    }
    // 1,000 partitions: only a screenful in the DOM, and scrolling to the end reaches the last row
    await page.evaluate((req) => window.pitowerHarness.render(req), {
      view: 'leadership', fixture: 'bench', theme: 'dark', width: 760, height: 560, title: 'bench',
    });
    const before = await page.$$eval('#panel [data-testid="pitower-partition"]', (els) => els.length);
    await page.$eval('#panel [data-testid="pitower-grid"]', (el) => {
      el.scrollTop = el.scrollHeight;
      el.dispatchEvent(new Event('scroll'));
    });
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#panel [data-testid="pitower-partition"]')].some((el) => el.dataset.topic === 'topic-09'),
    );
    const last = await page.$$eval('#panel [data-testid="pitower-partition"]', (els) =>
      els.map((e) => `${e.dataset.topic}/${e.firstElementChild.textContent}`).pop(),
    );
    const bigOk = before > 20 && before < 80 && last === 'topic-09/99';
    console.log(`${bigOk ? 'ok  ' : 'FAIL'} 1,000 partitions: ${before} rows in the DOM, scrolled to the end: last row ${last}`);
    if (!bigOk) failures.push(`1,000 partitions: ${before} rows in the DOM, last row ${last}`);

    // dist/module.js as Grafana loads it: AMD, dependencies from the host
    await page.goto(`file://${path.join(__dirname, 'amd-host.html')}`);
    const distResult = await page.evaluate(() => window.renderDistPanel());
    const distRows = await page.$$eval('[data-testid="pitower-partition"]', (els) => els.length);
    const distOk = distResult === 'ok' && distRows === 26;
    console.log(`${distOk ? 'ok  ' : 'FAIL'} dist/module.js loaded as an AMD module: ${distResult}, ${distRows} partition rows`);
    if (!distOk) failures.push(`dist/module.js: ${distResult}, ${distRows} partition rows (expected 26)`);
    if (errors.length) failures.push(...[...new Set(errors)].map((e) => `page error: ${e}`));
  } finally {
    await browser.close();
  }
  if (failures.length) {
    console.error(failures.join('\n'));
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
