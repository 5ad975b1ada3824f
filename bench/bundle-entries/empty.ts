/** Baseline: the smallest Lambda handler for an MSK event (reports every record handled). */
export const handler = async (): Promise<{ batchItemFailures: never[] }> => ({ batchItemFailures: [] });
