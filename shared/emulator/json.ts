/** The value as JSON, or undefined when it is not JSON (then no value filter matches, as on AWS). */
export function decodeJson(bytes: Buffer | null): unknown {
  if (!bytes) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
