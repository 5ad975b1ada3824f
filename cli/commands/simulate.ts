import { numberFlag, parseCommandArgs, type Command } from '../command';
import { appDir, resolveBrokers } from '../context';
import { runSimulation } from '../simulation-runner';

export const simulate: Command = {
  name: 'simulate',
  help: `simulate [--rate N] [--users N] [--limit N] [--app DIR]
    Runs the app's simulate.ts load generator alone (until Ctrl-C or --limit records).`,
  async run(args, { say }) {
    const { values } = parseCommandArgs(args, {
      rate: { type: 'string' },
      users: { type: 'string' },
      limit: { type: 'string' },
      app: { type: 'string' },
    });
    const options = {
      ...(values.rate !== undefined && { rate: numberFlag('rate', values.rate)! }),
      ...(values.users !== undefined && { users: numberFlag('users', values.users)! }),
      ...(values.limit !== undefined && { limit: numberFlag('limit', values.limit)! }),
    };
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    const sent = await runSimulation(
      appDir(values.app),
      await resolveBrokers(say),
      abort.signal,
      say,
      options,
    );
    say(`sent ${sent} records`);
  },
};
