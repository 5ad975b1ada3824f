/** Reading every page of a paged answer through the tools: what a person asking for "all" gets. */
import type { DeadLetterQuery, DeadLetterView } from './protocol';
import type { ClusterTools } from './tools';

/**
 * Every dead letter of a handler that matches, page after page, oldest failure first. `onPage` hears how many were
 * read so far, for progress on a long read.
 */
export async function allDeadLetters(
  tools: ClusterTools,
  handler: string,
  filter: DeadLetterQuery = {},
  onPage?: (read: number, pages: number) => void,
): Promise<DeadLetterView[]> {
  const letters: DeadLetterView[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const page = await tools.call({
      action: 'dead-letters',
      handler,
      filter,
      ...(pageToken && { pageToken }),
    });
    letters.push(...page.letters);
    pageToken = page.nextPageToken;
    onPage?.(letters.length, ++pages);
  } while (pageToken);
  return letters.sort((a, b) => a.info.failedAt.localeCompare(b.info.failedAt));
}
