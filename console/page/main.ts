/** The console page: four views switched by the URL hash, fed live by the server's event stream. */
import type { Snapshot } from '../protocol';
import { renderDeadLetters } from './dead-letters';
import { $, esc } from './dom';
import { renderFollow } from './follow';
import { renderGroups } from './groups';
import { renderHandlers } from './handlers';
import { renderTopics } from './topics';

const VIEWS = ['handlers', 'topics', 'dead-letters', 'groups', 'follow'] as const;
type View = (typeof VIEWS)[number];
const TITLES: Record<View, string> = {
  handlers: 'Handlers',
  topics: 'Topics',
  'dead-letters': 'Dead letters',
  groups: 'Consumer groups',
  follow: 'Follow a record',
};

let latest: Snapshot | undefined;
let groupsTimer: ReturnType<typeof setInterval> | undefined;

$('#app').innerHTML = `<header><b>kafka-lambda console</b><nav>${VIEWS.map(
  (v) => `<a href="#${v}" data-view="${v}">${TITLES[v]}</a>`,
).join('')}</nav><span class="live">connecting…</span></header>
<div class="target"></div><div class="banner"></div><main></main>`;

const main = $('main');
const banner = $('.banner');
const target = $('.target');

function current(): View {
  const hash = location.hash.slice(1).split('?')[0]!; // a view may take parameters: #follow?topic=...
  return (VIEWS as readonly string[]).includes(hash) ? (hash as View) : 'handlers';
}

function show(): void {
  const view = current();
  document
    .querySelectorAll<HTMLElement>('nav a')
    .forEach((a) => a.classList.toggle('active', a.dataset.view === view));
  clearInterval(groupsTimer);
  main.innerHTML = '';
  main.dataset.view = view;
  if (view === 'handlers' && latest) renderHandlers(main, latest);
  if (view === 'topics') void renderTopics(main);
  if (view === 'dead-letters') void renderDeadLetters(main);
  if (view === 'follow') void renderFollow(main, new URLSearchParams(location.hash.split('?')[1] ?? ''));
  if (view === 'groups') {
    void renderGroups(main);
    groupsTimer = setInterval(() => void renderGroups(main), 3000);
  }
}

const events = new EventSource('/events');
events.onmessage = (e: MessageEvent<string>) => {
  latest = JSON.parse(e.data) as Snapshot;
  $('.live').textContent = `live · ${latest.at.slice(11, 19)}`;
  target.innerHTML = `showing <b>${esc(latest.target)}</b>${
    latest.figures === 'offsets' ? ' · records/s and lag from committed offsets' : ''
  }`;
  banner.innerHTML = latest.kafkaError ? `<div class="error">${esc(latest.kafkaError)}</div>` : '';
  if (current() === 'handlers') renderHandlers(main, latest);
};
events.onerror = () => {
  $('.live').textContent = 'disconnected: retrying…';
};
window.addEventListener('hashchange', show);
show();
