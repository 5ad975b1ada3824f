/** How the local DynamoDB server says it is this product's, and whose data it holds (server.ts answers it). */
export const IDENTITY_PATH = '/kafka-lambda-local';
export const IDENTITY = 'kafka-lambda-dynamodb';

export interface ServerIdentity {
  server: typeof IDENTITY;
  /** The data folder: `<local home>/dynamodb/data` of the home that started it. */
  dataDir: string | null;
  pid: number;
}

/** Who serves `port`: this product's DynamoDB server (with its data folder), or undefined for anything else. */
export async function identify(port: number): Promise<ServerIdentity | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${IDENTITY_PATH}`, {
      signal: AbortSignal.timeout(2000),
    });
    const body = (await response.json()) as Partial<ServerIdentity>;
    return body.server === IDENTITY ? (body as ServerIdentity) : undefined;
  } catch {
    return undefined;
  }
}
