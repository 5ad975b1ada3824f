/**
 * CloudFormation's DescribeStacks in its query protocol (a form-encoded POST to `/`, an XML answer, as
 * @aws-sdk/client-cloudformation speaks it), for the one stack `npm start` runs: `--stack local` finds its
 * operations function from the stack's outputs exactly as it does on AWS. Another stack name gets the
 * ValidationError CloudFormation answers for a stack that does not exist; other actions are refused.
 */
import { randomUUID } from 'node:crypto';
import type { ApiResponse } from './lambda-invoke-api';

export interface LocalStackDescription {
  name: string;
  stackId: string;
  createdAt: Date;
  outputs: Record<string, string>;
}

const escape = (text: string): string =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );

const xml = (status: number, body: string): ApiResponse => ({
  status,
  headers: { 'content-type': 'text/xml' },
  body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
});

function error(code: string, message: string): ApiResponse {
  return xml(
    400,
    `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escape(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

function described(stack: LocalStackDescription): ApiResponse {
  const outputs = Object.entries(stack.outputs)
    .map(
      ([k, v]) =>
        `<member><OutputKey>${escape(k)}</OutputKey><OutputValue>${escape(v)}</OutputValue></member>`,
    )
    .join('');
  return xml(
    200,
    `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>` +
      `<StackId>${escape(stack.stackId)}</StackId><StackName>${escape(stack.name)}</StackName>` +
      `<CreationTime>${stack.createdAt.toISOString()}</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>` +
      `<Outputs>${outputs}</Outputs></member></Stacks></DescribeStacksResult>` +
      `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
  );
}

/** Whether a request is one of CloudFormation's query protocol (and not for another API of the endpoint). */
export const isQueryRequest = (method: string | undefined, path: string | undefined): boolean =>
  method === 'POST' && (path === '/' || path === '');

export function answerCloudFormation(body: Buffer, stack: LocalStackDescription): ApiResponse {
  const form = new URLSearchParams(body.toString('utf8'));
  const action = form.get('Action');
  if (action !== 'DescribeStacks')
    return error(
      'InvalidAction',
      `The action ${action ?? '(none)'} is not valid for this local endpoint: it answers DescribeStacks only`,
    );
  const name = form.get('StackName');
  if (name !== stack.name && name !== stack.stackId)
    return error('ValidationError', `Stack with id ${name ?? '(none)'} does not exist`);
  return described(stack);
}
