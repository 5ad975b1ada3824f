/**
 * Asks before a change: on a terminal, a question answered y or n (anything but yes is no); `--yes` skips it, and
 * without a terminal (a script, CI) nothing can answer, so the command goes on as told.
 */
import { createInterface } from 'node:readline/promises';

export async function confirmed(question: string, yes: boolean): Promise<boolean> {
  if (yes || !process.stdin.isTTY || !process.stdout.isTTY) return true;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
