/**
 * Runs every lane's items strictly in order, different lanes in parallel, with at most `limit` items in
 * flight at once. A lane is a partition (ordered per partition) or a key within a partition (ordered per key).
 */
export async function runLanes<T>(
  lanes: readonly (readonly T[])[],
  limit: number,
  work: (item: T) => void | Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < lanes.length) {
      const lane = lanes[next++]!;
      for (const item of lane) {
        const pending = work(item);
        if (pending) await pending; // synchronous work takes no trip through the microtask queue
      }
    }
  };
  const workers = Array.from({ length: Math.min(limit, lanes.length) }, worker);
  await Promise.all(workers);
}

/** Splits items into lanes by a key, keeping first-seen order of lanes and item order inside each. */
export function laneBy<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const lanes = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    let lane = lanes.get(key);
    if (!lane) lanes.set(key, (lane = []));
    lane.push(item);
  }
  return [...lanes.values()];
}
