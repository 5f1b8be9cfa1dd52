// Self-contained HTML reports: Chart.js is inlined from node_modules (no CDN), the data as JSON.
// (chart.js's exports map hides dist/ files; its main entry sits next to the UMD build.)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

let chartJs: string | undefined;
function chartLibrary(): string {
  chartJs ??= readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
  return chartJs;
}

export interface ChartSpec {
  title: string;
  /** A Chart.js configuration object (type, data, options); serialized as JSON. */
  config: Record<string, unknown>;
}

/** A plain table after the charts (e.g. a profile's top entries). */
export interface TableSpec {
  title: string;
  head: string[];
  rows: string[][];
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// JSON inside <script>: "</script>" and friends must not end the element early.
const safeJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export function renderReport(opts: { title: string; summary: [string, string][]; charts: ChartSpec[]; tables?: TableSpec[]; raw: unknown }): string {
  const rows = opts.summary.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  const canvases = opts.charts
    .map((c, i) => `<section><h2>${escapeHtml(c.title)}</h2><div class="chart"><canvas id="chart${i}"></canvas></div></section>`)
    .join('\n');
  const cell = (tag: string) => (v: string) => `<${tag}>${escapeHtml(v)}</${tag}>`;
  const tables = (opts.tables ?? [])
    .map((t) => `<section><h2>${escapeHtml(t.title)}</h2><table><tr>${t.head.map(cell('th')).join('')}</tr>\n${t.rows.map((r) => `<tr>${r.map(cell('td')).join('')}</tr>`).join('\n')}</table></section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(opts.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px;color:#222}
table{border-collapse:collapse;margin-bottom:1.5rem}th,td{padding:.25rem .75rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th{font-weight:600;white-space:nowrap}.chart{position:relative;height:360px}details pre{background:#f6f6f6;padding:1rem;overflow:auto;max-height:30rem}
</style>
<script>${chartLibrary()}</script>
</head><body>
<h1>${escapeHtml(opts.title)}</h1>
<table>${rows}</table>
${canvases}
${tables}
<details><summary>raw figures (JSON)</summary><pre>${escapeHtml(JSON.stringify(opts.raw, null, 2))}</pre></details>
<script>
const charts = ${safeJson(opts.charts.map((c) => c.config))};
charts.forEach((config, i) => new Chart(document.getElementById('chart' + i), config));
</script>
</body></html>
`;
}
