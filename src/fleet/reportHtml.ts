import type { ExecutionStatus } from '../protocol/jobs.js';
import type { AbortCriteria, RolloutConfig } from '../cloud/jobs/types.js';
import type { RunReport, TimelinePoint } from './report.js';

/**
 * The run report as a page (issue 4): the rollout configuration beside what happened, an SVG
 * chart of executions by status over virtual time, and the notified-per-minute bars against
 * the configured limit. Hand-written SVG, inline CSS, no script and nothing fetched, so the page
 * opens offline and renders the same everywhere.
 */

type Series = ExecutionStatus | 'NOT_NOTIFIED';

/** Bottom to top: settled outcomes first, then work in flight, then what has not started. */
const STACK: Array<{ key: Series; label: string; color: string }> = [
  { key: 'SUCCEEDED', label: 'succeeded', color: '#2e8b57' },
  { key: 'FAILED', label: 'failed', color: '#d62728' },
  { key: 'REJECTED', label: 'rejected', color: '#ff7f0e' },
  { key: 'TIMED_OUT', label: 'timed out', color: '#9467bd' },
  { key: 'CANCELED', label: 'canceled', color: '#8c564b' },
  { key: 'REMOVED', label: 'removed', color: '#7f7f7f' },
  { key: 'IN_PROGRESS', label: 'in progress', color: '#1f77b4' },
  { key: 'QUEUED', label: 'queued', color: '#9ecae1' },
  { key: 'NOT_NOTIFIED', label: 'not notified yet', color: '#e6e6e6' },
];

const W = 880;
const H = 320;
const M = { left: 60, right: 170, top: 18, bottom: 44 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;
const ABORT = '#b00020';

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) =>
    ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

/** Virtual milliseconds as m:ss. */
export function clockText(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A round tick step giving about `target` ticks up to `max`. */
function tickStep(max: number, target: number): number {
  const raw = Math.max(max, 1) / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** Tick values from 0 to `max`, computed as i × step and rounded (no 0.30000000000000004). */
function ticks(max: number, target: number, integer = false): number[] {
  const step = integer ? Math.max(1, tickStep(max, target)) : tickStep(max, target);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const out: number[] = [];
  for (let i = 0; i * step <= max + 1e-9; i++) out.push(Number((i * step).toFixed(decimals)));
  return out;
}

function frame(xTicks: Array<{ x: number; text: string }>, yTicks: Array<{ y: number;
  text: string }>, xLabel: string, yLabel: string): string {
  const parts: string[] = [];
  for (const t of yTicks) {
    parts.push(`<line class="grid" x1="${M.left}" x2="${M.left + PW}" y1="${fmt(t.y)}" ` +
      `y2="${fmt(t.y)}"/><text class="tick" x="${M.left - 6}" y="${fmt(t.y + 4)}" ` +
      `text-anchor="end">${esc(t.text)}</text>`);
  }
  for (const t of xTicks) {
    parts.push(`<line class="grid" x1="${fmt(t.x)}" x2="${fmt(t.x)}" y1="${M.top}" ` +
      `y2="${M.top + PH}"/><text class="tick" x="${fmt(t.x)}" y="${M.top + PH + 16}" ` +
      `text-anchor="middle">${esc(t.text)}</text>`);
  }
  parts.push(`<line class="axis" x1="${M.left}" x2="${M.left + PW}" y1="${M.top + PH}" ` +
    `y2="${M.top + PH}"/><line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" ` +
    `y2="${M.top + PH}"/>`);
  parts.push(`<text class="label" x="${M.left + PW / 2}" y="${H - 6}" text-anchor="middle">` +
    `${esc(xLabel)}</text><text class="label" transform="translate(14 ${M.top + PH / 2}) ` +
    `rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  return parts.join('\n');
}

function legend(items: Array<{ label: string; color: string; line?: boolean }>): string {
  return items.map((it, i) => {
    const y = M.top + 8 + i * 20;
    const x = M.left + PW + 16;
    const mark = it.line
      ? `<line x1="${x}" x2="${x + 14}" y1="${y + 5}" y2="${y + 5}" stroke="${it.color}" ` +
        'stroke-width="2.5"/>'
      : `<rect x="${x}" y="${y}" width="14" height="10" fill="${it.color}"/>`;
    return `${mark}<text class="tick" x="${x + 20}" y="${y + 9}">${esc(it.label)}</text>`;
  }).join('\n');
}

/** A dashed line at the abort instant, labelled on whichever side has room. */
function abortMarker(x: number, text: string): string {
  const left = x > M.left + PW - 300;
  return `<line x1="${fmt(x)}" x2="${fmt(x)}" y1="${M.top}" y2="${M.top + PH}" ` +
    `stroke="${ABORT}" stroke-width="2" stroke-dasharray="6 4"/>` +
    `<text class="abort" x="${fmt(left ? x - 6 : x + 6)}" y="${M.top + 14}" ` +
    `text-anchor="${left ? 'end' : 'start'}">${esc(text)}</text>`;
}

function abortLabel(r: RunReport): string {
  const a = r.rollout.abort!;
  return `abort at ${clockText(a.atMs)} (minute ${a.minute}): ${a.matching} of ${a.completed} ` +
    `${a.criteria.failureType}`;
}

/**
 * Stacked step areas of every status over virtual time. The band of things not notified yet
 * is drawn while it is the smaller part; when most things were never notified (an early
 * abort) the chart zooms to the notified ones, or their story would be a sliver at the bottom.
 */
export function statusChart(r: RunReport): string {
  const tl: TimelinePoint[] = r.timeline.length ? r.timeline : [{ t: 0, counts: {} }];
  const span = Math.max(60_000, tl[tl.length - 1]!.t);
  const values = tl.map((p) => {
    const v: Record<Series, number> = Object.fromEntries(STACK.map((s) => [s.key, 0])) as
      Record<Series, number>;
    let sum = 0;
    for (const [k, n] of Object.entries(p.counts)) {
      v[k as Series] = n ?? 0;
      sum += n ?? 0;
    }
    v.NOT_NOTIFIED = Math.max(0, r.things - sum);
    return v;
  });
  const notified = Math.max(0, ...values.map((v) => r.things - v.NOT_NOTIFIED));
  const zoom = notified * 2 < r.things;
  if (zoom) for (const v of values) v.NOT_NOTIFIED = 0;
  // Headroom above the data keeps the abort label off the areas.
  const top = Math.max(1, ...values.map((v) => STACK.reduce((a, s) => a + v[s.key], 0))) *
    (r.rollout.abort ? 1.12 : 1);
  const x = (t: number) => M.left + (t / span) * PW;
  const y = (n: number) => M.top + PH - (n / top) * PH;
  const base = values.map(() => 0);
  const areas: string[] = [];
  const shown: typeof STACK = [];
  for (const s of STACK) {
    if (!values.some((v) => v[s.key] > 0)) continue;
    shown.push(s);
    const upper: string[] = [];
    const lower: string[] = [];
    tl.forEach((p, i) => {
      const x0 = x(p.t);
      const x1 = x(i + 1 < tl.length ? tl[i + 1]!.t : span);
      const lo = base[i]!;
      const hi = lo + values[i]![s.key];
      upper.push(`${fmt(x0)},${fmt(y(hi))} ${fmt(x1)},${fmt(y(hi))}`);
      lower.unshift(`${fmt(x1)},${fmt(y(lo))} ${fmt(x0)},${fmt(y(lo))}`);
      base[i] = hi;
    });
    areas.push(`<polygon fill="${s.color}" points="${upper.join(' ')} ${lower.join(' ')}">` +
      `<title>${esc(s.label)}</title></polygon>`);
  }
  const minutes = span / 60_000;
  const xTicks = ticks(minutes, 10).map((m) => ({ x: x(m * 60_000), text: String(m) }));
  const yTicks = ticks(Math.floor(top), 5, true).map((n) => ({ y: y(n), text: String(n) }));
  const parts = [
    `<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" ` +
      'aria-label="executions by status over virtual time">',
    areas.join('\n'),
    frame(xTicks, yTicks, 'virtual minutes since the job was created',
      zoom ? 'things notified' : 'things'),
    legend([...shown].reverse().concat(zoom ? [{ key: 'NOT_NOTIFIED',
      label: `(${r.rollout.notNotified} never notified)`, color: '#fff' }] : [])),
  ];
  if (r.rollout.abort) parts.push(abortMarker(x(r.rollout.abort.atMs), abortLabel(r)));
  parts.push('</svg>');
  return parts.join('\n');
}

/** Bars of devices notified per virtual minute against the configured per-minute limit. */
export function perMinuteChart(r: RunReport): string {
  const per = r.rollout.perMinute;
  const limit = r.rollout.ratePerMinute;
  const minutes = Math.max(1, per.length, limit.length);
  const top = Math.max(1, ...per, ...limit) * 1.1;
  const x = (m: number) => M.left + (m / minutes) * PW;
  const y = (n: number) => M.top + PH - (n / top) * PH;
  const bw = PW / minutes;
  const parts = [
    `<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" ` +
      'aria-label="devices notified per virtual minute against the limit">',
  ];
  const abortMinute = r.rollout.abort?.minute;
  if (abortMinute !== undefined) {
    parts.push(`<rect x="${fmt(x(abortMinute))}" y="${M.top}" width="${fmt(bw)}" ` +
      `height="${PH}" fill="${ABORT}" fill-opacity="0.08"/>`);
  }
  per.forEach((n, m) => {
    const over = limit[m] !== undefined && n > limit[m]!;
    const pad = Math.min(2, bw * 0.15);
    parts.push(`<rect class="${over ? 'bar over' : 'bar'}" x="${fmt(x(m) + pad)}" ` +
      `y="${fmt(y(n))}" width="${fmt(Math.max(0.5, bw - 2 * pad))}" ` +
      `height="${fmt(M.top + PH - y(n))}"><title>minute ${m}: ${n} notified` +
      `${limit[m] !== undefined ? `, limit ${limit[m]}` : ''}</title></rect>`);
  });
  if (limit.length) {
    const pts: string[] = [];
    limit.forEach((n, m) => pts.push(`${fmt(x(m))},${fmt(y(n))} ${fmt(x(m + 1))},${fmt(y(n))}`));
    parts.push(`<polyline class="limit" points="${pts.join(' ')}"/>`);
  }
  const step = Math.max(1, tickStep(minutes, 12));
  const xTicks: Array<{ x: number; text: string }> = [];
  for (let m = 0; m < minutes; m += step) xTicks.push({ x: x(m) + bw / 2, text: String(m) });
  const yTicks = ticks(top / 1.1, 5, true).map((n) => ({ y: y(n), text: String(n) }));
  parts.push(frame(xTicks, yTicks, 'virtual minute', 'devices notified'));
  const items = [{ label: 'notified', color: '#4c78a8' }, { label: 'limit (rate in force)',
    color: '#222', line: true }];
  if (per.some((n, m) => limit[m] !== undefined && n > limit[m]!)) {
    items.push({ label: 'over limit (joiners)', color: '#f58518' });
  }
  parts.push(legend(items));
  if (abortMinute !== undefined) {
    parts.push(abortMarker(x(r.rollout.abort!.atMs / 60_000), abortLabel(r)));
  }
  parts.push('</svg>');
  return parts.join('\n');
}

export function describeRate(c: RolloutConfig | null | undefined): string {
  if (!c || (c.maximumPerMinute === undefined && !c.exponentialRate)) {
    return 'no rollout config: the service default of 1000 per minute';
  }
  const cap = c.maximumPerMinute ?? 1000;
  const e = c.exponentialRate;
  if (!e) return `at most ${cap} devices notified per minute`;
  const crit = e.rateIncreaseCriteria;
  const by = [
    crit.numberOfNotifiedThings !== undefined ? `${crit.numberOfNotifiedThings} notified` : '',
    crit.numberOfSucceededThings !== undefined ? `${crit.numberOfSucceededThings} succeeded` : '',
  ].filter(Boolean).join(' or ');
  return `exponential: ${e.baseRatePerMinute} per minute, times ${e.incrementFactor.toFixed(1)} ` +
    `after every ${by} things, capped at ${cap} per minute`;
}

export function describeRule(c: AbortCriteria): string {
  return `${c.action} when at least ${c.thresholdPercentage}% of executed things are ` +
    `${c.failureType}, once at least ${c.minNumberOfExecutedThings} have executed`;
}

function row(what: string, configured: string, happened: string): string {
  return `<tr><th>${esc(what)}</th><td>${esc(configured)}</td><td>${esc(happened)}</td></tr>`;
}

function perMinuteText(per: number[]): string {
  if (!per.length) return 'nobody was notified';
  const shown = per.slice(0, 30).map((n, m) => `m${m}: ${n}`).join(', ');
  return `notified per minute: ${shown}${per.length > 30 ? `, … (${per.length} minutes)` : ''}`;
}

export function configTable(r: RunReport): string {
  const cfg = r.rollout.configured;
  const rows = [row('rate', describeRate(cfg.rollout), perMinuteText(r.rollout.perMinute))];
  const rules = cfg.abortConfig?.criteriaList ?? [];
  if (!rules.length) rows.push(row('abort', 'no abort rules', 'not applicable'));
  const a = r.rollout.abort;
  rules.forEach((c, i) => {
    const fired = a && a.criteriaIndex === i;
    rows.push(row(`abort rule ${i + 1}`, describeRule(c), fired
      ? `fired at ${clockText(a.atMs)} virtual (minute ${a.minute}): ${a.matching} of ` +
        `${a.completed} executed things were ${c.failureType} ` +
        `(${fmt((a.matching / Math.max(1, a.completed)) * 100)}%)`
      : 'did not fire'));
  });
  const timeout = (cfg.timeoutConfig as { inProgressTimeoutInMinutes?: number } | null)
    ?.inProgressTimeoutInMinutes;
  rows.push(row('in-progress timeout', timeout ? `${timeout} minutes` : 'none',
    `${r.rollout.final.TIMED_OUT ?? 0} executions TIMED_OUT`));
  const final = Object.entries(r.rollout.final).map(([k, n]) => `${k} ${n}`).join(', ');
  rows.push(row('outcome', `${r.things} things, ${cfg.targetSelection ?? 'SNAPSHOT'} targets`,
    `job ${r.jobStatus}; ${final || 'no executions'}; ${r.rollout.notNotified} never notified`));
  return '<table class="cfg"><thead><tr><th></th><th>configured</th><th>what happened</th>' +
    `</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function finalTable(r: RunReport): string {
  const rows = Object.entries(r.rollout.final).map(([k, n]) => {
    const color = STACK.find((s) => s.key === k)?.color ?? '#ccc';
    return `<tr><td><span class="sw" style="background:${color}"></span>${esc(k)}</td>` +
      `<td class="n">${n}</td></tr>`;
  });
  rows.push(`<tr><td><span class="sw" style="background:#e6e6e6"></span>never notified</td>` +
    `<td class="n">${r.rollout.notNotified}</td></tr>`);
  return `<table class="final"><tbody>${rows.join('')}</tbody></table>`;
}

function failuresList(r: RunReport): string {
  if (!r.failures.length) return '<p>No failures.</p>';
  const items = r.failures.slice(0, 20).map((f) =>
    `<li><code>${esc(f.thing)}</code> ${esc(f.status)}` +
    `${f.reason ? ` — ${esc(f.reason)}` : ''}</li>`);
  const more = r.failures.length > 20 ? `<li>… and ${r.failures.length - 20} more in the JSON ` +
    'report</li>' : '';
  return `<ul class="failures">${items.join('')}${more}</ul>`;
}

const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #222; max-width: 920px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
.meta { color: #555; margin: 0 0 12px; }
table { border-collapse: collapse; } th, td { text-align: left; vertical-align: top;
  padding: 4px 10px; border-bottom: 1px solid #ddd; }
table.cfg th:first-child { white-space: nowrap; } td.n { text-align: right; }
.sw { display: inline-block; width: 10px; height: 10px; margin-right: 6px; }
.chart { display: block; background: #fff; border: 1px solid #ddd; }
.grid { stroke: #eee; } .axis { stroke: #444; } .tick { font-size: 11px; fill: #444; }
.label { font-size: 12px; fill: #222; } .abort { font-size: 12px; fill: ${ABORT};
  font-weight: 600; }
.bar { fill: #4c78a8; } .bar.over { fill: #f58518; }
.limit { fill: none; stroke: #222; stroke-width: 2.5; }
.banner { border-left: 4px solid ${ABORT}; background: #fdf0f2; padding: 8px 12px; }
`;

export function renderReportHtml(r: RunReport): string {
  const a = r.rollout.abort;
  const banner = a
    ? `<p class="banner">Aborted at ${clockText(a.atMs)} virtual, in minute ${a.minute}: ` +
      `${a.matching} of ${a.completed} executed things were ${esc(a.criteria.failureType)} ` +
      `(threshold ${a.criteria.thresholdPercentage}%, minimum ` +
      `${a.criteria.minNumberOfExecutedThings}); the job was canceled.</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>ota-sim run report: ${esc(r.otaUpdateId)}</title>
<style>${CSS}</style></head>
<body>
<h1>Run report: ${esc(r.otaUpdateId)}</h1>
<p class="meta">job <code>${esc(r.jobId)}</code> ${esc(r.jobStatus)} · ${r.things} things ·
${fmt(r.virtualDurationMs / 60_000)} virtual minutes in ${fmt(r.durationMs / 1000)} s wall ·
${fmt(r.bytesDelivered / 1e6)} MB delivered</p>
${banner}
<h2>Rollout configuration beside what happened</h2>
${configTable(r)}
<h2>Executions by status over virtual time</h2>
${statusChart(r)}
<h2>Devices notified per virtual minute, against the limit</h2>
${perMinuteChart(r)}
<h2>Executions per final status</h2>
${finalTable(r)}
<h2>Failures</h2>
${failuresList(r)}
</body></html>
`;
}
