import { sleep } from '../lambda/retry';

/**
 * Repeats an admin call while Kafka answers with a retriable error (e.g. NOT_COORDINATOR while a new
 * cluster creates its offsets topic), for at most `deadlineMs`.
 */
export async function retriable<T>(fn: () => Promise<T>, deadlineMs = 30_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    try {
      return await fn();
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || Date.now() + wait > until) throw error;
      await sleep(wait);
    }
  }
}
