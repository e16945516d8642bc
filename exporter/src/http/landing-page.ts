import type { CollectorStatus } from '../collectors/runner';

export interface LandingPageInput {
  version: string;
  telemetryPath: string;
  collectors: CollectorStatus[];
  extensions: string[];
}

const STATE_TEXT: Record<CollectorStatus['state'], string> = {
  pending: 'not scraped yet',
  ok: 'ok',
  'no-data': 'no source on this host',
  partial: 'some values unusable',
  failed: 'failed',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Shown when no collector found its source: what a VM or a PC without a Pi's sensors looks like. */
export const NO_SENSORS_TEXT =
  'No collector found its source: normal on a VM or a PC without thermal zones, cpufreq or a Raspberry Pi firmware node. ' +
  '/metrics still serves pitower_build_info, the collector status and the process metrics; on a Raspberry Pi these collectors report temperatures, throttling and frequencies.';

/** The `/` page: what this exporter is, which collectors found their sources, and where the metrics are. */
export function renderLandingPage({ version, telemetryPath, collectors, extensions }: LandingPageInput): string {
  const rows = collectors
    .map((c) => `<tr><td>${escapeHtml(c.name)}</td><td class="${c.state}">${STATE_TEXT[c.state]}</td><td>${escapeHtml(c.message ?? '')}</td></tr>`)
    .join('\n');
  const extras = extensions.map((e) => `<li>${escapeHtml(e)}</li>`).join('\n');
  const noSensors = collectors.length > 0 && collectors.every((c) => c.state === 'no-data');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>pitower exporter</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:60em}td,th{padding:.2em .8em;text-align:left}
.ok{color:#1a7f37}.no-data{color:#666}.partial{color:#9a6700}.failed{color:#cf222e}</style></head>
<body>
<h1>pitower exporter</h1>
<p>Version ${escapeHtml(version)} · <a href="${escapeHtml(telemetryPath)}">Metrics</a> · <a href="/-/healthy">Health</a> · <a href="/-/ready">Ready</a></p>
<h2>Collectors</h2>
<table><tr><th>collector</th><th>now</th><th>detail</th></tr>
${rows}
</table>
${noSensors ? `<p class="no-data">${NO_SENSORS_TEXT}</p>` : ''}
${extras ? `<h2>Running</h2>\n<ul>\n${extras}\n</ul>` : ''}
</body>
</html>
`;
}
