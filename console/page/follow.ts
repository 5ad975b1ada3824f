import type { FollowedTrace, TraceNode } from '../protocol';
import { api, errorBox, esc, formValues, query } from './dom';

/** The hash that opens the follow view on a record. */
export const followHash = (topic: string, partition: number, offset: number): string =>
  `#follow?${query({ topic, partition: String(partition), offset: String(offset) })}`;

const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 23);
const duration = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);
const since = (ms: number, zero: number): string => `+${duration(Math.max(0, ms - zero))}`;
const short = (value: unknown): string => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
};
const timeOf = (n: TraceNode): number => (n.kind === 'record' ? n.record.timestamp : n.span.start);

function recordLine(
  n: Extract<TraceNode, { kind: 'record' }>,
  zero: number,
  origin: FollowedTrace['origin'],
): string {
  const r = n.record;
  const isOrigin = r.topic === origin.topic && r.partition === origin.partition && r.offset === origin.offset;
  const dl = r.deadLetter;
  return `<div class="node record${isOrigin ? ' origin' : ''}${dl ? ' dead-letter' : ''}" data-node="record" data-topic="${esc(r.topic)}" data-offset="${r.offset}">
    <span class="when" title="${esc(clock(r.timestamp))}">${esc(since(r.timestamp, zero))}</span>
    <b>${esc(r.topic)}</b> <span class="muted">partition ${r.partition}, offset ${r.offset}${r.key !== null ? `, key ${esc(r.key)}` : ''}</span>
    ${dl ? `<span class="bad">dead letter of ${esc(dl.source.topic)}/${dl.source.partition}/${dl.source.offset} by ${esc(dl.handler)}: ${esc(dl.kind)}</span>` : ''}
    ${isOrigin ? '<span class="tag">followed</span>' : `<a href="${followHash(r.topic, r.partition, r.offset)}">follow</a>`}
    <div><code>${esc(short(r.value))}</code>${r.problem ? ` <span class="bad">${esc(r.problem)}</span>` : ''}</div>
  </div>`;
}

function spanLine(
  n: Extract<TraceNode, { kind: 'span' }>,
  zero: number,
  parentTime: number | undefined,
): string {
  const s = n.span;
  const batch = s.offset === undefined;
  const waited = parentTime !== undefined ? `, ${duration(s.start - parentTime)} after it was written` : '';
  return `<div class="node span outcome-${esc(s.outcome)}" data-node="span" data-handler="${esc(s.handler)}">
    <span class="when" title="${esc(clock(s.start))}">${esc(since(s.start, zero))}</span>
    <b>${esc(s.handler)}</b> <span class="muted">${batch ? `batch (linked to ${s.links?.length ?? 0} traced records)` : 'handled the record'}${esc(waited)}; took ${esc(duration(s.end - s.start))}</span>
    <span class="outcome">${esc(s.outcome)}</span> <span class="muted ids">span ${esc(s.spanId)}</span>
  </div>`;
}

function tree(nodes: TraceNode[], zero: number, trace: FollowedTrace, parentTime?: number): string {
  return `<ul class="trace-tree">${nodes
    .map(
      (n) =>
        `<li>${n.kind === 'record' ? recordLine(n, zero, trace.origin) : spanLine(n, zero, parentTime)}${
          n.children.length
            ? tree(n.children, zero, trace, n.kind === 'record' ? n.record.timestamp : undefined)
            : ''
        }</li>`,
    )
    .join('')}</ul>`;
}

function result(trace: FollowedTrace): string {
  const zero = Math.min(...trace.tree.map(timeOf));
  const handlers = new Set(trace.spans.map((s) => s.handler));
  const n = (count: number, what: string): string => `${count} ${what}${count === 1 ? '' : 's'}`;
  return `<h2>trace <code>${esc(trace.traceId)}</code></h2>
  <p class="muted">${n(trace.records.length, 'record')} in ${n(new Set(trace.records.map((r) => r.topic)).size, 'topic')}, ${n(trace.spans.length, 'handler span')} in ${n(handlers.size, 'handler')}${
    trace.linkedTraceIds.length ? `, and ${n(trace.linkedTraceIds.length, 'batch trace')} linked to it` : ''
  }; read ${n(trace.scanned.records, 'record')} of ${n(trace.scanned.topics, 'topic')} written ${esc(trace.scanned.from.slice(11, 19))}–${esc(trace.scanned.to.slice(11, 19))}. Times are from the first record (${esc(clock(zero))}).</p>
  ${tree(trace.tree, zero, trace)}`;
}

/** The follow view: a record's trace across topics and handlers, from `#follow?topic=&partition=&offset=`. */
export async function renderFollow(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const values = {
    topic: params.get('topic') ?? '',
    partition: params.get('partition') ?? '',
    offset: params.get('offset') ?? '',
  };
  root.innerHTML = `<section class="card"><h2>follow a record</h2>
    <form class="follow-form inline"><label>topic <input name="topic" value="${esc(values.topic)}" required></label>
    <label>partition <input name="partition" size="3" value="${esc(values.partition)}" required></label>
    <label>offset <input name="offset" size="8" value="${esc(values.offset)}" required></label><button>follow</button>
    <span class="muted">or pick a record on the Topics page</span></form></section>
    <section class="card follow-result"></section>`;
  root.querySelector<HTMLFormElement>('.follow-form')!.onsubmit = (e) => {
    e.preventDefault();
    const v = formValues(e.target as HTMLFormElement);
    location.hash = followHash(v.topic ?? '', Number(v.partition), Number(v.offset));
  };
  const out = root.querySelector<HTMLElement>('.follow-result')!;
  if (!values.topic) {
    out.innerHTML =
      '<p class="muted">every record published by this framework carries a trace; follow one to see where it went</p>';
    return;
  }
  out.innerHTML = '<p class="muted">following…</p>';
  try {
    out.innerHTML = result(await api<FollowedTrace>(`/api/follow?${query(values)}`));
  } catch (error) {
    out.innerHTML = errorBox(error);
  }
}
