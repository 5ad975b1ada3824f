import type { RecordPage, RecordView, TopicView } from '../protocol';
import { api, errorBox, esc, formValues, query } from './dom';
import { followHash } from './follow';

const shape = (s?: { partitions: number; replication: number }): string =>
  s ? `${s.partitions} × r${s.replication}` : '—';

function detail(t: TopicView): string {
  const rows = t.partitions
    .map(
      (p) =>
        `<tr><td>${p.partition}</td><td>${p.leader}</td><td>${p.replicas.join(', ')}</td><td class="${p.isr.length < p.replicas.length ? 'bad' : ''}">${p.isr.join(', ')}</td><td>${p.low}</td><td>${p.end}</td></tr>`,
    )
    .join('');
  return `<h2>${esc(t.name)}</h2>
  <table class="partitions"><tr><th>partition</th><th>leader</th><th>replicas</th><th>in sync</th><th>log start</th><th>end offset</th></tr>${rows}</table>
  <form class="key-form inline"><label>where does key <input name="key" required placeholder="user-42"></label><button>go?</button><span class="key-answer"></span></form>
  <form class="browse-form inline">
    <label>partition <input name="partition" size="3"></label><label>offset ≤ <input name="offset" size="8"></label>
    <label>before <input name="before" placeholder="2026-12-01T10:00:00Z"></label><label>key <input name="key"></label>
    <label>limit <input name="limit" size="4" value="50"></label><button>browse</button></form>
  <div class="records"></div>`;
}

function records(list: RecordView[], topic: string): string {
  if (!list.length) return '<p class="muted">no records match</p>';
  return `<table class="records-table"><tr><th>partition</th><th>offset</th><th>time</th><th>key</th><th>value</th><th>trace</th></tr>${list
    .map(
      (r) =>
        `<tr class="${r.problem ? 'invalid' : ''}"><td>${r.partition}</td><td>${r.offset}</td><td>${esc(r.timestamp)}</td><td>${esc(r.key)}</td><td><code>${esc(
          typeof r.value === 'string' ? r.value : JSON.stringify(r.value),
        )}</code>${r.problem ? `<div class="bad">${esc(r.problem)}</div>` : ''}${
          Object.keys(r.headers).length
            ? `<div class="muted">headers ${esc(JSON.stringify(r.headers))}</div>`
            : ''
        }</td><td>${r.headers.traceparent ? `<a href="${followHash(topic, r.partition, r.offset)}" data-follow>follow</a>` : ''}</td></tr>`,
    )
    .join('')}</table>`;
}

async function openTopic(pane: HTMLElement, t: TopicView): Promise<void> {
  pane.innerHTML = detail(t);
  const out = pane.querySelector<HTMLElement>('.records')!;
  let shown: RecordView[] = [];
  /** A first page, or the next (older) one of the same query, added below what is shown. */
  const browse = async (values: Record<string, string>, pageToken?: string): Promise<void> => {
    if (!pageToken) out.innerHTML = '<p class="muted">reading…</p>';
    try {
      const page = await api<RecordPage>(
        `/api/topics/${encodeURIComponent(t.name)}/records?${query({ ...values, ...(pageToken && { pageToken }) })}`,
      );
      shown = pageToken ? [...shown, ...page.records] : page.records;
      out.innerHTML =
        records(shown, t.name) + (page.nextPageToken ? '<button class="older">older records</button>' : '');
      const older = out.querySelector<HTMLButtonElement>('button.older');
      if (older) older.onclick = () => void browse(values, page.nextPageToken);
    } catch (error) {
      out.innerHTML = errorBox(error);
    }
  };
  pane.querySelector<HTMLFormElement>('.browse-form')!.onsubmit = (e) => {
    e.preventDefault();
    void browse(formValues(e.target as HTMLFormElement));
  };
  pane.querySelector<HTMLFormElement>('.key-form')!.onsubmit = async (e) => {
    e.preventDefault();
    const answer = pane.querySelector<HTMLElement>('.key-answer')!;
    try {
      const r = await api<{ key: string; partition: number; partitions: number }>(
        `/api/topics/${encodeURIComponent(t.name)}/partition-for?${query(formValues(e.target as HTMLFormElement))}`,
      );
      answer.innerHTML = `key <b>${esc(r.key)}</b> → partition <b data-partition="${r.partition}">${r.partition}</b> of ${r.partitions}`;
    } catch (error) {
      answer.innerHTML = errorBox(error);
    }
  };
  if (t.state !== 'missing') await browse({ limit: '50' });
}

/** The topics page: declared against the cluster; a topic's partitions, records and key placement. */
export async function renderTopics(root: HTMLElement): Promise<void> {
  root.innerHTML =
    '<section class="card"><h2>topics</h2><div class="list">reading…</div></section><section class="card topic-detail"></section>';
  const list = root.querySelector<HTMLElement>('.list')!;
  try {
    const rows = await api<TopicView[]>('/api/topics');
    list.innerHTML = `<table class="topics"><tr><th>topic</th><th>state</th><th>cluster</th><th>declared</th></tr>${rows
      .map(
        (t, i) =>
          `<tr><td><a href="#" data-topic="${i}">${esc(t.name)}</a></td><td class="state-${t.state}">${t.state}</td><td>${shape(t.actual)}</td><td>${shape(t.declared)}</td></tr>`,
      )
      .join('')}</table>`;
    list.querySelectorAll<HTMLAnchorElement>('a[data-topic]').forEach((a) => {
      a.onclick = (e) => {
        e.preventDefault();
        void openTopic(root.querySelector<HTMLElement>('.topic-detail')!, rows[Number(a.dataset.topic)]!);
      };
    });
  } catch (error) {
    list.innerHTML = errorBox(error);
  }
}
