import { watch, type FSWatcher } from 'node:fs';

/** Watches `dir` for edits and calls `onChange` once per burst of writes. */
export function watchForEdits(dir: string, onChange: (file: string) => void, debounceMs = 150): FSWatcher {
  let timer: NodeJS.Timeout | undefined;
  return watch(dir, { recursive: true }, (_event, file) => {
    if (!file || !/\.(ts|js|json)$/.test(file)) return;
    clearTimeout(timer);
    timer = setTimeout(() => onChange(String(file)), debounceMs);
  });
}
