import { watch, type FSWatcher } from 'node:fs';
import { resolve, sep } from 'node:path';

/** Forgets every cached module under `dir`, so the next `require` of a handler reads the edited file. */
export function forgetModules(dir: string): number {
  const root = resolve(dir) + sep;
  let count = 0;
  for (const id of Object.keys(require.cache)) {
    if (id.startsWith(root)) {
      Reflect.deleteProperty(require.cache, id);
      count++;
    }
  }
  return count;
}

/** Watches `dir` for edits and calls `onChange` once per burst of writes. */
export function watchForEdits(dir: string, onChange: (file: string) => void, debounceMs = 150): FSWatcher {
  let timer: NodeJS.Timeout | undefined;
  return watch(dir, { recursive: true }, (_event, file) => {
    if (!file || !/\.(ts|js|json)$/.test(file)) return;
    clearTimeout(timer);
    timer = setTimeout(() => onChange(String(file)), debounceMs);
  });
}
