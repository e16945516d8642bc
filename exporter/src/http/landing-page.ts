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

/** The `/` page: what this exporter is, which collectors found their sources, and where the metrics are. */
export function renderLandingPage({ version, telemetryPath, collectors, extensions }: LandingPageInput): string {
  const rows = collectors
    .map((c) => `<tr><td>${escapeHtml(c.name)}</td><td class="${c.state}">${STATE_TEXT[c.state]}</td><td>${escapeHtml(c.message ?? '')}</td></tr>`)
    .join('\n');
  const extras = extensions.map((e) => `<li>${escapeHtml(e)}</li>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>pitower exporter</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:60em}td,th{padding:.2em .8em;text-align:left}
.ok{color:#1a7f37}.no-data{color:#666}.partial{color:#9a6700}.failed{color:#cf222e}</style></head>
<body>
<h1>pitower exporter</h1>
<p>Version ${escapeHtml(version)} · <a href="${escapeHtml(telemetryPath)}">Metrics</a> · <a href="/-/healthy">Health</a> · <a href="/-/ready">Ready</a></p>
<h2>Collectors</h2>
<table><tr><th>collector</th><th>last scrape</th><th>detail</th></tr>
${rows}
</table>
${extras ? `<h2>Running</h2>\n<ul>\n${extras}\n</ul>` : ''}
</body>
</html>
`;
}
