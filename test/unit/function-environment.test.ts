/**
 * A container's environment (shared/emulator/function-environment.ts): the deployed function's variables with local
 * values, and what the developer passes through by name, under the rules that keep it the deployed function's.
 */
import { containerEnvironment, LOCAL_CREDENTIALS } from '../../shared/emulator/function-environment';

const runtime = { name: 'f', memoryMb: 256, region: 'eu-west-1', logStreamName: 's', taskRoot: '/code' };
const shell = { MY_TOKEN: 'from the shell', AWS_ACCESS_KEY_ID: 'AKIAREAL', HOME: '/home/me' };

const environment = (passEnvironment: string[], tables: { name: string }[] = []) =>
  containerEnvironment({
    infra: { GREETING: 'hello', KAFKA_AUTH: 'none' },
    tables,
    runtime,
    local: { passEnvironment, dynamodbEndpoint: 'http://127.0.0.1:4567' },
  });

describe('a container’s environment', () => {
  const realEnv = process.env;
  beforeEach(() => {
    process.env = { ...realEnv, ...shell };
  });
  afterEach(() => {
    process.env = realEnv;
  });

  it('has the stand-in credentials, and the local DynamoDB only with tables', () => {
    expect(environment([])).toMatchObject({
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      GREETING: 'hello',
    });
    expect(environment([]).DYNAMODB_ENDPOINT).toBeUndefined();
    expect(environment([], [{ name: 'inventory' }]).DYNAMODB_ENDPOINT).toBe('http://127.0.0.1:4567');
    expect(environment([]).HOME).toBeUndefined();
  });

  it('takes named variables from this process, and replaces a stand-in with a real value on purpose', () => {
    const env = environment(['MY_TOKEN', 'AWS_ACCESS_KEY_ID', 'NOT_SET_ANYWHERE']);
    expect(env.MY_TOKEN).toBe('from the shell');
    expect(env.AWS_ACCESS_KEY_ID).toBe('AKIAREAL');
    expect('NOT_SET_ANYWHERE' in env).toBe(false);
  });

  it.each([
    ['GREETING', /GREETING: the deployed function sets it itself/],
    ['KAFKA_AUTH', /KAFKA_AUTH: the deployed function sets it itself/],
    ['AWS_LAMBDA_FUNCTION_NAME', /AWS_LAMBDA_FUNCTION_NAME: the deployed function sets it itself/],
    ['TZ', /TZ: the deployed function sets it itself/],
    ['not a name', /"not a name": not a variable name/],
  ])('refuses to pass %s through', (name, message) => {
    expect(() => environment([name])).toThrow(message);
  });
});
