export interface Backoff {
  attempts: number;
  initialMs: number;
  maxMs: number;
  multiplier: number;
}

/** Full-jitter exponential backoff: a random wait up to min(maxMs, initialMs * multiplier^(n-1)). */
export function backoffDelay(
  policy: Backoff,
  failedAttempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** (failedAttempt - 1));
  return Math.floor(random() * ceiling);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export type Attempt<T> =
  { ok: true; value: T; attempts: number } | { ok: false; error: unknown; attempts: number };

/**
 * Runs `fn` up to `policy.attempts` times with backoff between failures; never throws. `failedFirst` says the
 * caller already made attempt 1 itself (the adapter calls a handler directly and only retries on failure).
 */
export async function withRetry<T>(
  policy: Backoff,
  fn: (attempt: number) => T | Promise<T>,
  wait: (ms: number) => Promise<void> = sleep,
  failedFirst?: { error: unknown },
): Promise<Attempt<T>> {
  let attempts = failedFirst ? 1 : 0;
  let error = failedFirst?.error;
  while (attempts < policy.attempts) {
    if (attempts > 0) await wait(backoffDelay(policy, attempts));
    attempts++;
    try {
      return { ok: true, value: await fn(attempts), attempts };
    } catch (e) {
      error = e;
    }
  }
  return { ok: false, error, attempts };
}
