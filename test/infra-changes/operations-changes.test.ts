/**
 * Day two with the operations function (issue 21): adding it to a deployed stack and removing it again
 * (`-c operations=false`) touch nothing that holds data and nothing of the handlers; they create or delete its own
 * resources and the endpoint rule that admits it, on every kind of cluster and in both egress modes.
 */
import { ResourceImpact } from '@aws-cdk/cloudformation-diff';
import type { KafkaLambdaOptions } from '../../infra/config';
import { exampleManifest, existingCluster, synthesize, type TemplateJson } from '../infra/support/synth';
import { classify, problems, type ResourceChange } from './support/classify';

const template = (options: KafkaLambdaOptions): TemplateJson =>
  synthesize(exampleManifest(), options, { bundle: false }).json;

/** The handlers' functions, mappings, roles and log groups: none may change when the operations function comes or goes. */
const isHandlerResource = (id: string): boolean => id.startsWith('Handler');

describe.each([
  ['provisioned, endpoints egress', {}],
  ['provisioned, NAT egress', { network: { egress: 'nat' } }],
  ['serverless', { cluster: { kind: 'serverless' } }],
  ['existing', { cluster: existingCluster, bootstrapBrokers: 'b-1.shared:9098' }],
] as [string, KafkaLambdaOptions][])('the operations function on a %s stack', (_name, options) => {
  let withIt: TemplateJson;
  let withoutIt: TemplateJson;
  let adding: ResourceChange[];
  let removing: ResourceChange[];

  beforeAll(() => {
    withIt = template(options);
    withoutIt = template({ ...options, operations: false });
    adding = classify(withoutIt, withIt);
    removing = classify(withIt, withoutIt);
  });

  test('adding it creates only its own resources, safely', () => {
    expect(problems(withoutIt, withIt, adding)).toEqual([]);
    expect(adding.filter((c) => c.impact !== ResourceImpact.WILL_CREATE)).toEqual([]);
    expect(adding.filter((c) => isHandlerResource(c.logicalId))).toEqual([]);
    expect(
      adding.filter((c) => c.type === 'AWS::Lambda::Function' && c.logicalId.startsWith('Operations')),
    ).toHaveLength(1);
  });

  test('removing it deletes exactly what adding created, and nothing that holds data', () => {
    expect(problems(withIt, withoutIt, removing)).toEqual([]);
    expect(removing.map((c) => [c.logicalId, c.impact]).sort()).toEqual(
      adding
        .map((c) => [
          c.logicalId,
          c.impact === ResourceImpact.WILL_CREATE ? ResourceImpact.WILL_DESTROY : c.impact,
        ])
        .sort(),
    );
  });
});
