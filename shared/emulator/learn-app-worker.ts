/**
 * The throwaway worker of learn-app.ts: loads the application here, in a thread of its own, and sends back its
 * settled declarations as plain data. What the modules do when they load (set variables, start timers, open
 * connections, set globals) stays in this thread, which is terminated once the plan is sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadApp } from '../declarations/app';
import { planApp } from '../declarations/app-plan';
import type { LearnedApp } from './learn-app';

const { appDir } = workerData as { appDir: string };
let answer: LearnedApp;
try {
  answer = { ok: true, plan: planApp(loadApp(appDir)) };
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  answer = { ok: false, error: { name: e.name, message: e.message, ...(e.stack && { stack: e.stack }) } };
}
// Through JSON: the plan is plain data, and anything that is not would fail here rather than arrive half-cloned.
parentPort!.postMessage(JSON.stringify(answer));
