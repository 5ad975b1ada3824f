import { exampleManifest, synthesize, SYNTH_TIMEOUT_MS } from './support/synth';

test(
  'synthesizing twice (bundling included) gives identical templates',
  () => {
    const first = synthesize(exampleManifest());
    const second = synthesize(exampleManifest());
    expect(second.outdir).not.toBe(first.outdir);
    expect(JSON.stringify(second.json)).toBe(JSON.stringify(first.json));
    // The function code is part of it: the same asset hashes, so the same bundles.
    const keys = (json: typeof first.json) =>
      Object.values(json.Resources)
        .filter((r) => r.Type === 'AWS::Lambda::Function')
        .map((r) => JSON.stringify((r.Properties!.Code as { S3Key: unknown }).S3Key))
        .sort();
    expect(keys(second.json)).toEqual(keys(first.json));
    expect(keys(first.json).length).toBeGreaterThanOrEqual(3);
  },
  SYNTH_TIMEOUT_MS,
);
