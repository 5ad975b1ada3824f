import type { Description } from '../protocol';

/** The handler the dead-letters page opens on: the one with the most dead letters (the first when none has any). */
export function openingHandler(handlers: Description['handlers']): string | undefined {
  return [...handlers].sort((a, b) => b.deadLetters - a.deadLetters)[0]?.name;
}
