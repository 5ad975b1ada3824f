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

/** Runs `fn` up to `policy.attempts` times with backoff between failures; never throws. */
export async function withRetry<T>(
  policy: Backoff,
  fn: (attempt: number) => Promise<T>,
  wait: (ms: number) => Promise<void> = sleep,
): Promise<Attempt<T>> {
  let error: unknown;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    try {
      return { ok: true, value: await fn(attempt), attempts: attempt };
    } catch (e) {
      error = e;
      if (attempt < policy.attempts) await wait(backoffDelay(policy, attempt));
    }
  }
  return { ok: false, error, attempts: policy.attempts };
}
