import { TOKEN_HEADER } from '../protocol';

/** Small DOM helpers: every text the page shows goes through `esc`, so record contents never become markup. */

export function esc(value: unknown): string {
  return String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

export function $(selector: string, root: ParentNode = document): HTMLElement {
  const el = root.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`the page has no ${selector}`);
  return el;
}

export const token = (): string =>
  document.querySelector<HTMLMetaElement>('meta[name="console-token"]')?.content ?? '';

/** GETs or POSTs JSON; a failure comes back as an Error with the server's message. */
export async function api<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json', [TOKEN_HEADER]: token() },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const data = (await response.json().catch(() => ({ error: `HTTP ${response.status}` }))) as T & {
    error?: string;
  };
  if (!response.ok) throw new Error(data.error ?? `HTTP ${response.status}`);
  return data;
}

/** Shows an error in place of a panel's content instead of leaving it blank. */
export const errorBox = (error: unknown): string =>
  `<div class="error">${esc(error instanceof Error ? error.message : error)}</div>`;

export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  new FormData(form).forEach((v, k) => {
    if (typeof v === 'string' && v.trim() !== '') out[k] = v.trim();
  });
  return out;
}

export const query = (values: Record<string, string>): string => new URLSearchParams(values).toString();
