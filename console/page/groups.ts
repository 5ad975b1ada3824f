import type { GroupView as Group } from '../protocol';
import { api, errorBox, esc } from './dom';

const card = (g: Group): string => `<section class="card group"><h2>${esc(g.group)}</h2>
  <p>handler <b>${esc(g.handler)}</b> on <b>${esc(g.topic)}</b> · state <b>${esc(g.state)}</b> · ${g.members.length} member(s)</p>
  <table><tr><th>member</th><th>host</th><th>assigned</th></tr>${g.members
    .map(
      (m) =>
        `<tr><td>${esc(m.clientId)}</td><td>${esc(m.host)}</td><td>${Object.entries(m.assignment)
          .map(([t, ps]) => `${esc(t)}: ${ps.join(', ')}`)
          .join('; ')}</td></tr>`,
    )
    .join('')}</table>
  <table><tr><th>partition</th><th>committed</th><th>end</th><th>lag</th></tr>${g.partitions
    .map(
      (p) =>
        `<tr><td>${p.partition}</td><td>${p.committed ?? '—'}</td><td>${p.end}</td><td>${p.lag}</td></tr>`,
    )
    .join('')}</table></section>`;

/** The consumer-groups page: members, their assignment, committed offsets and lag. */
export async function renderGroups(root: HTMLElement): Promise<void> {
  try {
    const groups = await api<Group[]>('/api/groups');
    root.innerHTML = groups.map(card).join('') || '<p class="muted">no handlers running</p>';
  } catch (error) {
    root.innerHTML = errorBox(error);
  }
}
