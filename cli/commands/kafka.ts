import { main } from '../../launcher/kafka/cli';
import type { Command } from '../command';

export const kafka: Command = {
  name: 'kafka',
  help: `kafka up [--nodes 1|3] | down | status | stop-node N | start-node N | install | compose
    The local Kafka cluster (same as npm run kafka -- ...).`,
  run: (args) => main(args),
};
