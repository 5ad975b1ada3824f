import { resolve } from 'node:path';
import { loadApp, type AppManifest } from '../shared/declarations/app';
import type { AnyTopic } from '../shared/declarations/topic';

/** The application folder: --app, else KAFKA_LAMBDA_APP, else ./functions. */
export function appDir(flag?: string): string {
  return resolve(flag ?? process.env.KAFKA_LAMBDA_APP ?? 'functions');
}

export function findTopic(manifest: AppManifest, name: string): AnyTopic {
  const topic = manifest.topics.find((t) => t.name === name);
  if (!topic)
    throw new Error(
      `topic ${name} is not declared; declared: ${manifest.topics.map((t) => t.name).join(', ')}`,
    );
  return topic;
}

export { loadApp };
