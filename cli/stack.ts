/**
 * `--stack NAME`: the tools of a deployed stack, found from its CloudFormation outputs. The region and account
 * come from the usual AWS environment (AWS_REGION, AWS_PROFILE, SSO...), as for the AWS CLI. `--stack local` is the
 * stack `npm start` runs: the same SDK clients, pointed at its loopback endpoint.
 */
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { LOCAL_CREDENTIALS, LOCAL_STACK_NAME, readLocalStack } from '../shared/emulator/local-stack';
import { OperationsError, RemoteTools } from '../shared/operations';

// The SDK warns on Node 20 that its releases from 2027 will need Node 22; the version this project pins runs on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The stack output naming the operations function (infra/operations.ts writes it). */
export const OPERATIONS_OUTPUT = 'OperationsFunction';

interface Clients {
  cloudformation: CloudFormationClient;
  lambda: LambdaClient;
}

function clientsFor(name: string): Clients {
  if (name !== LOCAL_STACK_NAME)
    return { cloudformation: new CloudFormationClient({}), lambda: new LambdaClient({}) };
  const local = readLocalStack();
  if (!local)
    throw new OperationsError(
      'failed',
      'no local stack is running: start one with `npm start` (or `npm run cli -- dev`), then use --stack local',
    );
  const config = { region: local.region, endpoint: local.endpoint, credentials: LOCAL_CREDENTIALS };
  return { cloudformation: new CloudFormationClient(config), lambda: new LambdaClient(config) };
}

const failed = (message: string): OperationsError => new OperationsError('failed', message);

/** One line for a DescribeStacks that failed. */
export function describeFailure(name: string, region: string | undefined, error: unknown): OperationsError {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { name?: string }).name ?? '';
  if (/does not exist/.test(message))
    return failed(
      `stack ${name} not found in ${region ?? 'the configured region'} (AWS_REGION and AWS_PROFILE choose the region and account)`,
    );
  if (code === 'AccessDenied' || code === 'AccessDeniedException')
    return failed(
      `no permission to describe stack ${name}: your identity needs cloudformation:DescribeStacks on it (${message})`,
    );
  if (code === 'CredentialsProviderError')
    return failed(`no AWS credentials to find stack ${name}: ${message}`);
  if (/Region is missing/i.test(message))
    return failed(`no AWS region to find stack ${name} in: set AWS_REGION (or a region in your AWS profile)`);
  return failed(`finding stack ${name} failed: ${code || 'Error'}: ${message}`);
}

/** The account of a stack, from its id (`arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`). */
export const accountOf = (stackId: string | undefined): string => stackId?.split(':')[4] ?? 'unknown';

/** The tools of the stack: its operations function, over Lambda Invoke. */
export async function stackTools(name: string): Promise<RemoteTools> {
  const clients = clientsFor(name);
  let region: string | undefined;
  let stack: Stack | undefined;
  try {
    region = await clients.cloudformation.config.region();
    stack = (await clients.cloudformation.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
  } catch (error) {
    clients.lambda.destroy();
    throw describeFailure(name, region, error);
  } finally {
    clients.cloudformation.destroy();
  }
  const functionName = stack?.Outputs?.find((o) => o.OutputKey === OPERATIONS_OUTPUT)?.OutputValue;
  if (!functionName) {
    clients.lambda.destroy();
    throw failed(
      `stack ${name} has no operations function (output ${OPERATIONS_OUTPUT}): it was deployed with -c operations=false or before kafka-lambda had one; deploy it again without that flag`,
    );
  }
  return new RemoteTools({
    lambda: clients.lambda,
    functionName,
    target: `stack ${name} (account ${accountOf(stack?.StackId)}, ${region})`,
  });
}
