/**
 * A function's variables locally are the deployed function's: every variable the synthesized template sets on a
 * handler's function, the emulator sets on its containers (shared/emulator/function-environment.ts), with local
 * values, and no other. Lambda's runtime variables and the emulator's stand-ins for AWS come on top of these
 * (test/integration/event-source-fidelity.test.ts checks a container's whole list).
 */
import { planApp } from '../../shared/declarations/app-plan';
import { deployedEnvironment } from '../../shared/emulator/function-environment';
import {
  exampleManifest,
  logicalIdOf,
  synthesize,
  SYNTH_TIMEOUT_MS,
  type Synthesized,
} from './support/synth';

let synth: Synthesized;
const manifest = exampleManifest();

beforeAll(() => {
  // With the brokers known at deploy, infra sets KAFKA_BROKERS, as the emulator always does.
  synth = synthesize(manifest, { bootstrapBrokers: 'b-1.example:9098' }, { bundle: false });
}, SYNTH_TIMEOUT_MS);

describe('the deployed function’s variables, locally', () => {
  const plan = planApp(manifest);
  test.each(plan.handlers.map((h) => [h.name, h] as const))('%s', (name, handler) => {
    const fn = synth.stack.handlers.get(name)!.function.fn;
    const deployed = synth.json.Resources[logicalIdOf(synth.stack, fn)]!.Properties!.Environment as {
      Variables: Record<string, unknown>;
    };
    const local = deployedEnvironment(handler, ['127.0.0.1:9092'], plan.topics);
    expect(Object.keys(local).sort()).toEqual(Object.keys(deployed.Variables).sort());
    // The same values where they do not depend on where it runs.
    expect(local.NODE_OPTIONS).toBe(deployed.Variables.NODE_OPTIONS);
    for (const [key, value] of Object.entries(handler.deploy.environment))
      expect([local[key], deployed.Variables[key]]).toEqual([value, value]);
  });
});
