/**
 * The tools talking to Kafka from this process: what the CLI and console use locally, and what the operations
 * function runs inside the VPC for a remote caller. Every request goes through the protocol's checks first
 * (inputs.ts), so a local call and a remote one are refused alike.
 */
import type { KafkaConfig } from 'kafkajs';
import { localClusterArn } from '../emulator/local-arns';
import type { HandlerRef, OperationsApp } from './app';
import { deadLetterById, deadLetterCount, deadLetterPage, filterOf } from './dead-letters';
import { handlerGroups } from './groups';
import { parseRequest } from './inputs';
import { publishRecords } from './publish';
import { browseRecords } from './browse';
import { readRecords } from './read';
import { replayDeadLetters, type FunctionInvoker } from './replay';
import {
  OperationsError,
  PROTOCOL_VERSION,
  type Action,
  type OperationsRequest,
  type Results,
} from './protocol';
import { ClusterSession } from './session';
import type { ClusterTools, RequestOf } from './tools';
import { topicViews } from './topic-status';

export interface DirectToolsOptions {
  app: OperationsApp;
  kafka: KafkaConfig;
  /** The function a replay invokes for a handler: a local container, or the handler's deployed function. */
  invokerFor(handler: HandlerRef): FunctionInvoker;
  /**
   * The eventSourceArn of replayed events, as the handler's event source mapping sends it.
   * @default the local cluster's ARN (shared/emulator/local-arns.ts), for AWS_REGION
   */
  clusterArn?: string;
  /** Replay and publish refuse requests of more records. @default no limit */
  maxRecordsPerRequest?: number;
  /** For people, e.g. `local cluster 127.0.0.1:9092`. */
  target?: string;
  /** Progress lines of a replay. */
  say?: (line: string) => void;
}

export class DirectTools implements ClusterTools {
  readonly session: ClusterSession;
  readonly target: string;
  private readonly maxRecords: number;

  constructor(private readonly o: DirectToolsOptions) {
    this.session = new ClusterSession(o.kafka);
    this.maxRecords = o.maxRecordsPerRequest ?? Number.MAX_SAFE_INTEGER;
    this.target = o.target ?? `cluster ${this.session.bootstrapServers}`;
  }

  call<A extends Action>(request: RequestOf<A>): Promise<Results[A]> {
    return this.handle(parseRequest({ v: PROTOCOL_VERSION, ...request })) as Promise<Results[A]>;
  }

  /** Answers a request already checked by `parseRequest`. */
  async handle(r: OperationsRequest): Promise<Results[Action]> {
    const { app, session } = this;
    switch (r.action) {
      case 'describe':
        return {
          handlers: await Promise.all(
            app.handlers.map(async (h) => ({
              name: h.name,
              group: h.group,
              eventSources: h.eventSources,
              deadLetterTopics: h.deadLetterTopics,
              deadLetters: await deadLetterCount(session, h),
            })),
          ),
          topics: app.topics.map((t) => ({ name: t.name, partitions: t.partitions })),
          maxRecordsPerRequest: this.maxRecords,
        };
      case 'topics':
        return topicViews(session, app.topics);
      case 'browse':
        return browseRecords(session, this.topic(r.topic), r.query, r.pageToken);
      case 'read':
        return readRecords(session, this.topic(r.topic), {
          ...(r.from && { from: r.from }),
          ...(r.pageToken && { pageToken: r.pageToken }),
          ...(r.limit !== undefined && { limit: r.limit }),
        });
      case 'groups':
        return handlerGroups(
          await session.admin(),
          (r.handlers ?? app.handlers.map((h) => h.name)).map((n) => this.handler(n)),
        );
      case 'dead-letters':
        return deadLetterPage(session, this.handler(r.handler), r.filter, r.pageToken);
      case 'dead-letter':
        return deadLetterById(session, app.handlers, r.id);
      case 'replay': {
        const handler = this.handler(r.handler);
        return replayDeadLetters({
          session,
          handler,
          filter: filterOf(r.filter),
          invoker: this.o.invokerFor(handler),
          eventSource: {
            eventSourceArn: await this.clusterArn(),
            bootstrapServers: session.bootstrapServers,
          },
          maxRecords: this.maxRecords,
          ...(r.dryRun && { dryRun: true }),
          ...(this.o.say && { say: this.o.say }),
        });
      }
      case 'publish':
        return publishRecords(app, session.sink(), r.topic, r.records, this.maxRecords);
    }
  }

  close(): Promise<void> {
    return this.session.close();
  }

  private get app(): OperationsApp {
    return this.o.app;
  }

  private handler(name: string): HandlerRef {
    const found = this.app.handlers.find((h) => h.name === name);
    if (!found)
      throw new OperationsError(
        'not-found',
        `no handler named "${name}"; declared: ${this.app.handlers.map((h) => h.name).join(', ')}`,
      );
    return found;
  }

  private topic(name: string): { name: string; declaration?: ReturnType<OperationsApp['declaration']> } {
    if (!this.app.topics.some((t) => t.name === name))
      throw new OperationsError(
        'not-found',
        `topic ${name} is not declared; declared: ${this.app.topics.map((t) => t.name).join(', ')}`,
      );
    const declaration = this.app.declaration(name);
    return { name, ...(declaration && { declaration }) };
  }

  private async clusterArn(): Promise<string> {
    if (this.o.clusterArn) return this.o.clusterArn;
    const { clusterId } = await (await this.session.admin()).describeCluster();
    return localClusterArn(process.env.AWS_REGION ?? 'us-east-1', clusterId);
  }
}
