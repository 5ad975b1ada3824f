import { CommittedOffsetFigures } from '../../console/figures';
import { DEFAULT_CONSOLE_PORT, startConsole } from '../../console/server';
import { parseCommandArgs, UsageError, type Command } from '../command';
import { openTools, TOOLS_FLAGS } from '../tools';

/** How often a stack's figures are read: each read is one invoke of its operations function. */
const STACK_TICK_MS = 5000;

export const consoleCommand: Command = {
  name: 'console',
  help: `console [--stack NAME] [--port N] [--app DIR]
    Serves the web console on http://127.0.0.1:${DEFAULT_CONSOLE_PORT}/ (--port N, 0 for any free port) for a
    deployed stack, through its operations function (--stack local: npm start's), or without --stack for the
    cluster KAFKA_BROKERS names. Same pages as npm start's console; records/s and lag per handler come from the
    consumer groups' committed offsets, read every ${STACK_TICK_MS / 1000} s while a page is open. Nothing runs in
    the stack for it between requests. Ctrl-C stops it.`,
  async run(args, { say }) {
    const { values } = parseCommandArgs(args, { ...TOOLS_FLAGS, port: { type: 'string' } });
    const port = values.port === undefined ? DEFAULT_CONSOLE_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be a port number from 0 to 65535, got "${values.port}"`);
    const tools = await openTools(values, say);
    try {
      const figures = new CommittedOffsetFigures(tools);
      const web = await startConsole({ tools, figures, port, tickMs: STACK_TICK_MS });
      say(`console for ${tools.target}: ${web.url} (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      await web.stop();
    } finally {
      await tools.close();
    }
  },
};
