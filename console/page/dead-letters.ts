import type { Description, LetterView as Letter, ReplayView } from '../protocol';
import { api, errorBox, esc, formValues, query } from './dom';
import { openingHandler } from './opening-handler';

function table(letters: Letter[]): string {
  if (!letters.length) return '<p class="muted">no dead letters match</p>';
  return `<table class="letters"><tr><th></th><th>failed at</th><th>source</th><th>kind</th><th>attempts</th><th>error</th></tr>${letters
    .map(
      (l, i) =>
        `<tr data-letter="${i}"><td><input type="checkbox" value="${esc(l.id)}"></td><td>${esc(l.info.failedAt)}</td><td>${esc(
          `${l.info.source.topic}/${l.info.source.partition}/${l.info.source.offset}`,
        )}</td><td>${esc(l.info.kind)}</td><td>${l.info.attempts}</td><td class="reason">${esc(l.info.error)}</td></tr>`,
    )
    .join('')}</table>`;
}

const opened = (l: Letter): string =>
  `<h3>${esc(l.id)}</h3><dl><dt>failure</dt><dd>${esc(l.info.kind)} after ${l.info.attempts} attempt(s): ${esc(l.info.error)}</dd>
  <dt>key</dt><dd><code>${esc(l.original.key)}</code></dd><dt>value</dt><dd><code>${esc(l.original.value)}</code></dd>
  <dt>headers</dt><dd>${l.original.headers.map((h) => `<code>${esc(h.key)}=${esc(h.value)}</code>`).join(' ') || '—'}</dd></dl>`;

const option = (h: Description['handlers'][number], selected: boolean): string =>
  `<option value="${esc(h.name)}"${selected ? ' selected' : ''}>${esc(h.name)} (${h.deadLetters})</option>`;

/** The dead-letters page: a handler's dead letters, filtered; open one; replay the selected or all matching. */
export async function renderDeadLetters(root: HTMLElement): Promise<void> {
  root.innerHTML = '<section class="card"><h2>dead letters</h2><p class="muted">reading…</p></section>';
  let handlers: Description['handlers'];
  try {
    handlers = (await api<Description>('/api/describe')).handlers;
  } catch (error) {
    root.innerHTML = `<section class="card"><h2>dead letters</h2>${errorBox(error)}</section>`;
    return;
  }
  const opening = openingHandler(handlers);
  root.innerHTML = `<section class="card"><h2>dead letters</h2>
  <form class="dl-form inline"><label>handler <select name="handler">${handlers.map((h) => option(h, h.name === opening)).join('')}</select></label>
  <label>since <input name="since" placeholder="ISO time"></label><label>until <input name="until" placeholder="ISO time"></label>
  <label>kind <select name="kind"><option value="">any</option><option>decode</option><option>schema</option><option>handler</option></select></label>
  <label>error contains <input name="error"></label><button>list</button></form>
  <div class="actions"><button class="replay-selected">replay selected</button><button class="replay-all">replay all matching</button><span class="outcome"></span></div>
  <div class="letters-list"></div><div class="letter"></div></section>`;
  const form = root.querySelector<HTMLFormElement>('.dl-form')!;
  const list = root.querySelector<HTMLElement>('.letters-list')!;
  const outcome = root.querySelector<HTMLElement>('.outcome')!;
  let letters: Letter[] = [];
  const current = (): { handler: string; filter: Record<string, string> } => {
    const { handler = '', ...filter } = formValues(form);
    return { handler, filter };
  };
  const load = async (): Promise<void> => {
    const { handler, filter } = current();
    list.innerHTML = '<p class="muted">reading…</p>';
    try {
      letters = await api<Letter[]>(
        `/api/handlers/${encodeURIComponent(handler)}/dead-letters?${query(filter)}`,
      );
      list.innerHTML = table(letters);
      list.querySelectorAll<HTMLTableRowElement>('tr[data-letter]').forEach((tr) => {
        tr.onclick = (e) => {
          if ((e.target as HTMLElement).tagName === 'INPUT') return;
          root.querySelector<HTMLElement>('.letter')!.innerHTML = opened(letters[Number(tr.dataset.letter)]!);
        };
      });
    } catch (error) {
      list.innerHTML = errorBox(error);
    }
  };
  const replay = async (body: Record<string, unknown>): Promise<void> => {
    outcome.textContent = 'replaying…';
    try {
      const r = await api<ReplayView>(`/api/handlers/${encodeURIComponent(current().handler)}/replay`, body);
      outcome.innerHTML = `<span class="ok">replayed ${r.replayed}</span>; ${r.skipped} already replayed before (the ledger skipped them)`;
    } catch (error) {
      outcome.innerHTML = errorBox(error);
    }
  };
  form.querySelector<HTMLSelectElement>('select[name=handler]')!.onchange = () => void load();
  form.onsubmit = (e) => {
    e.preventDefault();
    void load();
  };
  root.querySelector<HTMLButtonElement>('.replay-selected')!.onclick = () => {
    const ids = [...list.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked')].map(
      (c) => c.value,
    );
    if (!ids.length) return void (outcome.innerHTML = errorBox('select dead letters first'));
    void replay({ ids });
  };
  root.querySelector<HTMLButtonElement>('.replay-all')!.onclick = () => void replay(current().filter);
  if (handlers.length) await load();
}
