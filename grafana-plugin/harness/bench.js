/**
 * `npm run bench --workspace grafana-plugin`: render time of the leadership view for 6 brokers x 1,000
 * partitions in Chromium (frames -> series -> view model -> React commit -> layout) with the app's
 * GlobalStyles already mounted, median of 15 runs after 3 warm-ups. Reference in the same page: the same 1,000 rows x 6 cells written as a plain
 * innerHTML table. Target: median under 100 ms.
 */
const { openHarness } = require('./chromium');

const RUNS = 15;
const WARMUP = 3;
const TARGET_MS = 100;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];

async function main() {
  const { browser, page, errors } = await openHarness();
  try {
    const req = { view: 'leadership', fixture: 'bench', theme: 'dark', width: 900, height: 600, title: 'bench' };
    const panel = [];
    const transform = [];
    const reference = [];
    let rows = 0;
    let series = 0;
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const run = await page.evaluate((r) => window.pitowerHarness.renderBench(r), req);
      const ref = await page.evaluate(() => window.pitowerHarness.renderReferenceTable(1000, 6));
      rows = run.rows;
      series = run.series;
      if (i >= WARMUP) {
        panel.push(run.ms);
        transform.push(run.transformMs);
        reference.push(ref);
      }
    }
    const m = median(panel);
    const r = median(reference);
    console.log(`leadership view, 6 brokers x 1,000 partitions (${rows} rows in the DOM, virtualised), ${RUNS} runs:`);
    console.log(`  panel      median ${m.toFixed(1)} ms, p90 ${p90(panel).toFixed(1)} ms (target < ${TARGET_MS} ms)`);
    console.log(`  of which   median ${median(transform).toFixed(1)} ms in the pure transforms (frames -> view model, ${series} series)`);
    console.log(`  reference  median ${r.toFixed(1)} ms (plain innerHTML table, 1,000 x 6)`);
    console.log(`  ratio      ${(m / r).toFixed(2)}x the reference`);
    if (errors.length) throw new Error(errors.join('\n'));
    if (m >= TARGET_MS) {
      console.error(`median ${m.toFixed(1)} ms is over the ${TARGET_MS} ms target`);
      process.exitCode = 1;
    }
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
