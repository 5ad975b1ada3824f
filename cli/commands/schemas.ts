import { join } from 'node:path';
import { errorMessage } from '../../shared/errors';
import {
  checkSchemas,
  declaredSchemas,
  readSchemaLock,
  SCHEMA_LOCK_FILE,
  SchemaCompatibilityError,
  withDeclared,
  writeSchemaLock,
} from '../../shared/schemas/schema-lock';
import { localSchemaId, registryKind } from '../../shared/schemas/schema-ids';
import { parseCommandArgs, type Command } from '../command';
import { appManifest } from '../context';

export const schemas: Command = {
  name: 'schemas',
  help: `schemas [--lock] [--app DIR]
    Every declared topic schema against ${SCHEMA_LOCK_FILE} (the versions in use): locked, new and compatible, or
    INCOMPATIBLE with the field and the rule, under the topic's compatibility mode. Exits 1 on an incompatible one.
    --lock appends the declared versions to the lock (npm run deploy does so with the ids it registered).`,
  async run(args, { say }) {
    const { values } = parseCommandArgs(args, {
      lock: { type: 'boolean', default: false },
      app: { type: 'string' },
    });
    const path = join(process.cwd(), SCHEMA_LOCK_FILE);
    const lock = readSchemaLock(path);
    const declared = declaredSchemas(appManifest(values.app).topics);
    let incompatible = false;
    for (const d of declared) {
      const versions = lock.topics[d.topic]?.[d.role]?.versions ?? [];
      const index = versions.findIndex((v) => v.fingerprint === d.version.fingerprint);
      const id = d.format
        ? ` id ${localSchemaId(registryKind(), d.topic, d.role, d.version.fingerprint)}`
        : '';
      const where = `${d.topic} ${d.role} ${d.version.dataFormat} (${d.compatibility})`;
      if (index >= 0) {
        say(`${where}: version ${index + 1} of ${versions.length} in the lock${id}`);
        continue;
      }
      try {
        checkSchemas([d], lock);
        say(`${where}: new version ${versions.length + 1}, compatible${id}`);
      } catch (error) {
        incompatible = true;
        const problems = error instanceof SchemaCompatibilityError ? error.problems : [errorMessage(error)];
        say(`${where}: INCOMPATIBLE\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      }
    }
    if (incompatible) {
      process.exitCode = 1;
      return;
    }
    if (values.lock) {
      writeSchemaLock(path, withDeclared(lock, declared));
      say(`${SCHEMA_LOCK_FILE}: ${declared.length} declared schemas recorded`);
    }
  },
};
