import { main } from '../../launcher/dynamodb/cli';
import type { Command } from '../command';

export const dynamodb: Command = {
  name: 'dynamodb',
  help: `dynamodb up | down [--keep-data] | status
    The local DynamoDB server (dynalite on 127.0.0.1:4567, data under the local home's dynamodb/ folder).
    \`npm start\` and \`npm test\` start it by themselves; down stops it and wipes its tables unless --keep-data.`,
  run: (args, io) => main(args, io.say),
};
