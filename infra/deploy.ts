/**
 * `npm run deploy -- [cdk deploy arguments]`: `cdk deploy`, then, once it succeeded, records the event source
 * mappings the stack now has in event-sources.lock.json (infra/event-source-lock.ts), so the next synth can refuse
 * a change Lambda would reject or ignore, and appends the schema versions it registered, with their Glue version
 * ids (the stack output SchemaVersionIds), to schemas.lock.json. Commit both with the declarations deployed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_FILE, lockFromTemplate } from './event-source-lock';
import { PROJECT_ROOT } from './handler-function';
import { loadApp } from '../shared/declarations/app';
import { SCHEMA_LOCK_FILE } from '../shared/schemas/schema-lock';
import { recordDeployedSchemas, SCHEMA_VERSION_IDS_OUTPUT } from './schema-registry';

const outputsFile = join(PROJECT_ROOT, 'cdk.out', 'deploy-outputs.json');
const deployed = spawnSync(
  'npx',
  ['cdk', 'deploy', '--outputs-file', outputsFile, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    cwd: PROJECT_ROOT,
  },
);
if (deployed.status !== 0) process.exit(deployed.status ?? 1);

const assembly = join(PROJECT_ROOT, 'cdk.out');
const manifest = JSON.parse(readFileSync(join(assembly, 'manifest.json'), 'utf8')) as {
  artifacts?: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
};
const stacks = Object.entries(manifest.artifacts ?? {}).filter(
  ([, a]) => a.type === 'aws:cloudformation:stack',
);
if (stacks.length !== 1) {
  console.error(`expected one stack in cdk.out, found ${stacks.length}: ${LOCK_FILE} not written`);
  process.exit(1);
}
const [id, artifact] = stacks[0]!;
const template = JSON.parse(
  readFileSync(join(assembly, artifact.properties?.templateFile ?? `${id}.template.json`), 'utf8'),
);
const lock = lockFromTemplate(artifact.properties?.stackName ?? id, template);
writeFileSync(join(PROJECT_ROOT, LOCK_FILE), `${JSON.stringify(lock, null, 2)}\n`);
console.log(`${LOCK_FILE}: ${lock.mappings.length} event source mappings of ${lock.stackName} recorded`);

const outputs = existsSync(outputsFile)
  ? (JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>)
  : {};
const recorded = recordDeployedSchemas(
  join(PROJECT_ROOT, SCHEMA_LOCK_FILE),
  loadApp(join(PROJECT_ROOT, 'functions')).topics,
  outputs[lock.stackName]?.[SCHEMA_VERSION_IDS_OUTPUT],
);
console.log(`${SCHEMA_LOCK_FILE}: ${recorded} schema versions recorded`);
