/** `dynamodb up | down [--keep-data] | status`: the local DynamoDB server, as `kafka ...` is the local cluster. */
import { down, dynamodbLog, status, up } from './local-server';

export async function main(args: readonly string[], say: (line: string) => void): Promise<void> {
  const [action, ...rest] = args;
  switch (action) {
    case 'up': {
      const result = await up();
      if (result.note) say(result.note);
      say(
        `DynamoDB ${result.started ? 'started' : 'already running'} at ${result.endpoint} (log ${dynamodbLog()})`,
      );
      return;
    }
    case 'down': {
      const keepData = rest.includes('--keep-data');
      await down({ keepData });
      say(`DynamoDB stopped${keepData ? '; its tables are kept' : '; its tables are wiped'}`);
      return;
    }
    case 'status': {
      const s = status();
      say(s.running ? `running at ${s.endpoint} (pid ${s.pid}), data in ${s.dataDir}` : 'not running');
      return;
    }
    default:
      throw new Error(`unknown action "${action ?? ''}": use up, down [--keep-data] or status`);
  }
}
