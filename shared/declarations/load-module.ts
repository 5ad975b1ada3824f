/**
 * Loads an application module by path at run time (handler files, the topic catalog, simulate.ts).
 * CommonJS `require` on purpose: the emulator forgets and reloads these modules when their files change.
 */
export function loadModule<T = Record<string, unknown>>(path: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- paths known only at run time, reloadable
  return require(path) as T;
}
