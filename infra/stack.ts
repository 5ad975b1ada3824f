import { CfnOutput, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { AppManifest } from '../shared/declarations/app';
import { HandlerAlarms } from './alarms';
import { KafkaDashboard } from './dashboard';
import { attachTracing, TracingEgress } from './function-tracing';
import { kafkaCluster, type KafkaClusterRef } from './cluster';
import { DEFAULTS, type KafkaLambdaOptions } from './config';
import { checkEventSources } from './event-source-lock';
import { HandlerEventSources, mappingIdentity } from './event-sources';
import { handlerFunction, type KafkaFunction } from './handler-function';
import { planHandler, type HandlerPlan } from '../shared/declarations/app-plan';
import { ExistingKafkaNetwork, KafkaNetwork, threeZones, type KafkaNetworkRef } from './network';
import { KafkaArns, kafkaStatements } from './permissions';
import { OperationsFunction } from './operations';
import { KafkaTables } from './tables';
import { KafkaTopics, lookupBootstrapBrokers } from './topics';
import { KafkaSchemaRegistry, type SchemaRegistryOptions } from './schema-registry';
import { checkSchemas, declaredSchemas, EMPTY_LOCK, type SchemaLock } from '../shared/schemas/schema-lock';

export interface KafkaLambdaStackProps extends StackProps, KafkaLambdaOptions {
  /** The application's declarations: loadApp('functions') (DESIGN.md, contract 5: the only source of topics and handlers). */
  manifest: AppManifest;
  /**
   * The versions of the topics' schemas in use (schemas.lock.json): synth refuses a declared schema they forbid,
   * and the registry holds them all.
   * @default - none: every declared schema is a first version
   */
  schemaLock?: SchemaLock;
  /** @default { kind: 'glue' } (when a topic is in a registry format) */
  schemaRegistry?: SchemaRegistryOptions;
}

/** What the stack built for one handler declaration. */
export interface DeployedHandler {
  readonly plan: HandlerPlan;
  readonly function: KafkaFunction;
  readonly eventSources: HandlerEventSources;
  readonly alarms: HandlerAlarms;
}

/**
 * The whole deployment from one manifest: network over three zones, the MSK cluster (or an existing one), every
 * topic, and per handler one function, its event source mappings, its least-privilege role and its alarms.
 */
export class KafkaLambdaStack extends Stack {
  readonly network: KafkaNetworkRef;
  readonly cluster: KafkaClusterRef;
  readonly topics: KafkaTopics;
  readonly tables: KafkaTables;
  readonly schemaRegistry?: KafkaSchemaRegistry;
  readonly handlers = new Map<string, DeployedHandler>();
  /** Every handler's figures on one CloudWatch dashboard. */
  readonly dashboard: KafkaDashboard;
  /** The tools' function for this stack; absent with `operations: false`. */
  readonly operations?: OperationsFunction;
  /**
   * For every resource that holds data (cluster, tables): RETAIN unless the deployer chose `removal: 'destroy'`
   * (`-c removal=destroy`), so neither `cdk destroy` nor a replacement deletes it by accident.
   */
  readonly statefulRemovalPolicy: RemovalPolicy;
  private readonly zones: string[];

  constructor(scope: Construct, id: string, props: KafkaLambdaStackProps) {
    const removal = props.removal ?? DEFAULTS.removal;
    super(scope, id, { terminationProtection: removal === 'retain', ...props });
    this.statefulRemovalPolicy = removal === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const clusterOptions = props.cluster ?? { kind: 'provisioned' };
    const logRetention = props.logRetention ?? DEFAULTS.logRetention;
    this.zones = threeZones(
      clusterOptions.kind === 'existing'
        ? clusterOptions.availabilityZones
        : props.network?.availabilityZones,
    );

    this.network =
      clusterOptions.kind === 'existing'
        ? new ExistingKafkaNetwork(this, 'Network', clusterOptions)
        : new KafkaNetwork(this, 'Network', { ...props.network, logRetention });
    this.cluster = kafkaCluster(this, clusterOptions, this.network, {
      logRetention,
      removalPolicy: this.statefulRemovalPolicy,
    });
    this.topics = new KafkaTopics(this, 'Topics', {
      topics: props.manifest.topics,
      cluster: this.cluster,
      network: this.network,
      logRetention,
    });

    this.tables = new KafkaTables(this, 'Tables', {
      tables: props.manifest.tables,
      network: this.network,
      removalPolicy: this.statefulRemovalPolicy,
    });

    // Before anything else is built: an incompatible schema fails synth with the topic, field and rule.
    const schemaLock = props.schemaLock ?? EMPTY_LOCK;
    const declared = declaredSchemas(props.manifest.topics);
    checkSchemas(declared, schemaLock);
    const registered = declared.filter((d) => d.format !== undefined);
    if (registered.length > 0)
      this.schemaRegistry = new KafkaSchemaRegistry(this, 'SchemaRegistry', {
        schemas: registered,
        lock: schemaLock,
        removalPolicy: this.statefulRemovalPolicy,
        options: props.schemaRegistry ?? { kind: 'glue' },
      });

    const arns = new KafkaArns(this.cluster.clusterArn);
    const alarmOptions = { ...DEFAULTS.alarms, ...props.alarms };
    const bootstrapBrokers = props.bootstrapBrokers ?? this.topics.bootstrapBrokers;
    for (const module of props.manifest.handlers) {
      const { definition } = module;
      const plan = planHandler(definition);
      const fn = handlerFunction(this, module, plan, {
        network: this.network,
        logRetention,
        identity: plan.eventSources.map(mappingIdentity).sort().join(','),
        ...(bootstrapBrokers !== undefined && { bootstrapBrokers }),
      });
      fn.addToRolePolicy(...kafkaStatements(arns, plan));
      this.schemaRegistry?.grant(fn, plan.readTopics, plan.writeTopics);
      this.tables.grant(fn, definition.tables);
      const eventSources = new HandlerEventSources(fn, 'EventSources', {
        definition,
        plan,
        fn,
        cluster: this.cluster,
        topics: this.topics,
        onFailureRetentionDays: props.onFailureRetentionDays ?? DEFAULTS.onFailureRetentionDays,
        ...(this.schemaRegistry && { schemaRegistry: this.schemaRegistry }),
      });
      const alarms = new HandlerAlarms(fn, 'Alarms', { handler: definition.name, fn, options: alarmOptions });
      if (definition.deploy.tracing) attachTracing(fn, props.tracingLayer);
      this.handlers.set(definition.name, { plan, function: fn, eventSources, alarms });
    }
    if (props.manifest.handlers.some((m) => m.definition.deploy.tracing))
      new TracingEgress(this, 'TracingEgress', this.network);
    this.dashboard = new KafkaDashboard(this, 'Dashboard', {
      handlers: [...this.handlers].map(([name, h]) => ({
        name,
        function: h.function,
        mappings: h.eventSources.mappings,
        alarms: [h.alarms.errors, h.alarms.failedRecords, h.alarms.recordAge, h.alarms.offsetLag],
      })),
    });

    checkEventSources(
      [...this.handlers.values()].flatMap((h) => h.eventSources.records),
      props.deployedEventSources?.stackName === this.stackName ? props.deployedEventSources : undefined,
    );
    this.outputs(bootstrapBrokers);
    if (props.operations !== false && this.handlers.size > 0) {
      this.operations = new OperationsFunction(this, 'Operations', {
        ...props.operations,
        manifest: props.manifest,
        handlers: this.handlers,
        cluster: this.cluster,
        network: this.network,
        // No MSK event names the brokers to it: looked up at deploy time unless known.
        bootstrapBrokers: bootstrapBrokers ?? lookupBootstrapBrokers(this.topics, this.cluster),
        logRetention,
      });
      // It reads and publishes every declared topic: the schema ids and registry reads of those in a registry format.
      const declared = props.manifest.topics.map((t) => t.name);
      this.schemaRegistry?.grant(this.operations.function, declared, declared);
    }
  }

  /** Exactly three zones, so the VPC and the broker layout never fall back to the two-zone default. */
  override get availabilityZones(): string[] {
    return this.zones;
  }

  private outputs(bootstrapBrokers: string | undefined): void {
    new CfnOutput(this, 'ClusterArn', { value: this.cluster.clusterArn, description: 'MSK cluster' });
    new CfnOutput(this, 'BootstrapBrokers', {
      description: 'SASL/IAM bootstrap brokers (or the command that prints them)',
      value:
        bootstrapBrokers ??
        Fn.join('', [
          'aws kafka get-bootstrap-brokers --query BootstrapBrokerStringSaslIam --output text --cluster-arn ',
          this.cluster.clusterArn,
        ]),
    });
    new CfnOutput(this, 'TopicNames', {
      value: this.topics.names.join(','),
      description: 'Topics of the manifest',
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'the CloudWatch dashboard of every handler',
      value: Fn.join('', [
        'https://console.aws.amazon.com/cloudwatch/home?region=',
        this.region,
        '#dashboards/dashboard/',
        this.dashboard.dashboard.dashboardName,
      ]),
    });
    new CfnOutput(this, 'HandlerFunctions', {
      description: 'handler=function name',
      value: Fn.join(
        ',',
        [...this.handlers].map(([name, h]) => Fn.join('=', [name, h.function.fn.functionName])),
      ),
    });
  }
}
