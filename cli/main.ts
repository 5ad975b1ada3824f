/**
 * `kafka-lambda <command>` (`npm run cli -- <command>`): finds the command in the table and runs it. Each command
 * lives in cli/commands/ with its own options and help.
 */
import { errorMessage } from '../shared/errors';
import { UsageError, type Command } from './command';
import { consoleCommand } from './commands/console';
import { devCommand } from './commands/dev';
import { dlq } from './commands/dlq';
import { dynamodb } from './commands/dynamodb';
import { groups } from './commands/groups';
import { kafka } from './commands/kafka';
import { publish } from './commands/publish';
import { schemas } from './commands/schemas';
import { simulate } from './commands/simulate';
import { table } from './commands/table';
import { tail } from './commands/tail';
import { topics } from './commands/topics';

const COMMANDS: readonly Command[] = [
  devCommand,
  publish,
  tail,
  topics,
  groups,
  schemas,
  dlq,
  consoleCommand,
  table,
  simulate,
  kafka,
  dynamodb,
];

const say = (line: string): void => void process.stdout.write(line + '\n');

function usage(): string {
  return `kafka-lambda <command> [options]\n\n${COMMANDS.map((c) => c.help).join('\n\n')}\n`;
}

export async function main(argv: readonly string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help') return say(usage());
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}"\n\n${usage()}`);
  if (rest.includes('--help') && name !== 'kafka') return say(command.help);
  try {
    await command.run(rest, { say });
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${error.message}\n\n${command.help}`);
    throw error;
  }
}

/** Runs the command line and exits with its status (kafkajs and workers may leave timers behind). */
export function runCli(argv: readonly string[]): void {
  main(argv).then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      process.stderr.write(`error: ${errorMessage(error)}\n`);
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}

if (require.main === module) runCli(process.argv.slice(2));
