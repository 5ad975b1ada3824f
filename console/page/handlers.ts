import uPlot from 'uplot';
import type { HandlerView, Snapshot } from '../protocol';
import { esc } from './dom';
import { metricsPanel } from './metrics';

const charts = new Map<string, uPlot>();

function lagBars(h: HandlerView): string {
  if (!h.lag.length) return '<p class="muted">lag not read yet</p>';
  const max = Math.max(1, ...h.lag.map((l) => l.lag));
  const topics = [...new Set(h.lag.map((l) => l.topic))];
  return topics
    .map((topic) => {
      const rows = h.lag.filter((l) => l.topic === topic);
      const total = rows.reduce((sum, l) => sum + l.lag, 0);
      return (
        `<div class="lag-topic"><b>${esc(topic)}</b> lag ${total}</div>` +
        rows
          .map(
            (l) =>
              `<div class="bar-row" title="committed ${l.committed ?? 'none'}, end ${l.end}"><span>partition ${l.partition}</span>` +
              `<span class="bar"><i style="width:${(100 * l.lag) / max}%"></i></span><span class="num">${l.lag}</span></div>`,
          )
          .join('')
      );
    })
    .join('');
}

function failures(h: HandlerView): string {
  if (!h.recent.length) return '<p class="muted">no failures</p>';
  return `<table class="failures"><tr><th>at</th><th>kind</th><th>where</th><th>reason</th></tr>${h.recent
    .map(
      (f) =>
        `<tr><td>${esc(f.at.slice(11, 19))}</td><td>${esc(f.kind)}</td><td>${f.topic ? `${esc(f.topic)}/${f.partition}/${f.offset}` : ''}</td><td class="reason">${esc(f.reason)}</td></tr>`,
    )
    .join('')}</table>`;
}

/** Locally the emulator counts records handled; on a stack the console sees offsets committed. */
function counts(h: HandlerView, figures: Snapshot['figures']): string {
  const c = h.counts;
  const rate = h.rates.at(-1)?.[1] ?? 0;
  const cells: [string, number | string | null][] = [
    ['records/s', rate.toFixed(0)],
    [figures === 'offsets' ? 'committed' : 'handled', c.handled],
    ['dead-lettered', c.deadLettered],
    ['retried', c.retries],
    ['filtered', c.filtered],
    ['invocation errors', c.invocationErrors],
    ['timeouts', c.timeouts],
    ['reported failures', c.reportedFailures],
    ['discarded', c.discarded],
  ];
  return cells
    .filter(([, v]) => v !== null) // unknown where the figures come from committed offsets
    .map(([k, v]) => `<div class="count" data-count="${esc(k)}"><b>${esc(v)}</b><span>${esc(k)}</span></div>`)
    .join('');
}

function card(h: HandlerView): HTMLElement {
  const el = document.createElement('section');
  el.className = 'card handler';
  el.dataset.handler = h.name;
  el.innerHTML = `<h2>${esc(h.name)}</h2><div class="counts"></div><h3>metrics documents (EMF)</h3><div class="counts emf"></div><div class="chart"></div>
    <div class="cols"><div><h3>lag per partition</h3><div class="lag"></div></div>
    <div><h3>last failures</h3><div class="recent"></div></div></div>`;
  return el;
}

/** Draws the handlers page from a snapshot, keeping each handler's chart between updates. */
export function renderHandlers(root: HTMLElement, snapshot: Snapshot): void {
  for (const h of snapshot.handlers) {
    let el = root.querySelector<HTMLElement>(`section[data-handler="${CSS.escape(h.name)}"]`);
    if (!el) {
      el = card(h);
      const reloads = root.querySelector('.reloads');
      if (reloads) reloads.before(el);
      else root.append(el);
    }
    el.querySelector('.counts')!.innerHTML = counts(h, snapshot.figures);
    el.querySelector('.emf')!.innerHTML = metricsPanel(h);
    el.querySelector('.lag')!.innerHTML = lagBars(h);
    el.querySelector('.recent')!.innerHTML = failures(h);
    const data: uPlot.AlignedData = [h.rates.map((r) => r[0]), h.rates.map((r) => r[1])];
    const chart = charts.get(h.name);
    if (chart && chart.root.isConnected) chart.setData(data);
    else
      charts.set(
        h.name,
        new uPlot(
          {
            width: Math.max(300, el.clientWidth - 32),
            height: 160,
            series: [{}, { label: 'records/s', stroke: '#2563eb', fill: 'rgba(37,99,235,0.1)' }],
            axes: [{}, { size: 60 }],
          },
          data,
          el.querySelector<HTMLElement>('.chart')!,
        ),
      );
  }
  if (snapshot.figures === 'offsets') return; // a stack's functions are not reloaded from here
  let reloads = root.querySelector<HTMLElement>('.reloads');
  if (!reloads) {
    reloads = document.createElement('section');
    reloads.className = 'card reloads';
    root.append(reloads);
  }
  reloads.innerHTML = `<h2>reloads</h2>${
    snapshot.reloads.length
      ? `<ul>${[...snapshot.reloads]
          .reverse()
          .map(
            (r) =>
              `<li>${esc(r.at.slice(11, 19))} ${esc(r.file)}: ${
                r.failures.length
                  ? `<span class="bad">failed</span> ${r.failures.map((f) => `${esc(f.handler)}: ${esc(f.error)}`).join('; ')}`
                  : 'ok'
              }</li>`,
          )
          .join('')}</ul>`
      : '<p class="muted">no reloads yet (edit a handler to reload it)</p>'
  }`;
}
