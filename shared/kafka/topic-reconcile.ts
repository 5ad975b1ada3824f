/**
 * The one comparison of declared topics with a cluster's topics (issue #11.3): a pure plan over what the cluster
 * reports, applied through a narrow admin interface. The emulator's topic alignment, the topic custom resource on
 * AWS and the `topics` status rows all use it, so "what changes in place and what is drift" is decided once.
 */

/** A topic's shape as far as reconciliation cares: partitions, replicas, and config overrides. */
export interface TopicState {
  partitions: number;
  replicationFactor: number;
  /** Config values as the cluster reports them (or as declared); keys absent here are not compared. */
  config: Readonly<Record<string, string>>;
}

export interface DesiredTopic extends TopicState {
  name: string;
}

export interface ReconcileRules {
  /**
   * Configs the cluster accepts only at creation (MSK Serverless: `cleanup.policy`): a difference is drift,
   * never an alteration. @default none
   */
  createOnlyConfigs?: readonly string[];
}

export type TopicStep =
  | { kind: 'create' }
  | { kind: 'add-partitions'; count: number }
  /** Only the entries that differ; create-only entries never appear here. */
  | { kind: 'alter-config'; changes: Record<string, string> };

export interface TopicPlan {
  name: string;
  steps: TopicStep[];
  /** What cannot be changed in place, each saying what differs and why it stays. */
  drift: string[];
}

/** What to do to bring `actual` (undefined: the topic does not exist) to `desired`. */
export function planTopic(
  desired: DesiredTopic,
  actual: TopicState | undefined,
  rules: ReconcileRules = {},
): TopicPlan {
  const plan: TopicPlan = { name: desired.name, steps: [], drift: [] };
  if (actual === undefined) {
    plan.steps.push({ kind: 'create' });
    return plan;
  }
  if (desired.partitions > actual.partitions) {
    plan.steps.push({ kind: 'add-partitions', count: desired.partitions });
  } else if (desired.partitions < actual.partitions) {
    plan.drift.push(
      `has ${actual.partitions} partitions, declared ${desired.partitions} (Kafka cannot remove partitions)`,
    );
  }
  if (desired.replicationFactor !== actual.replicationFactor) {
    plan.drift.push(
      `replication factor ${actual.replicationFactor}, declared ${desired.replicationFactor} ` +
        '(not changed in place: reassign partitions by hand, or declare a new topic)',
    );
  }
  const createOnly = new Set(rules.createOnlyConfigs ?? []);
  const changes: Record<string, string> = {};
  for (const key of Object.keys(desired.config).sort()) {
    const want = desired.config[key]!;
    const have = actual.config[key];
    if (have === want) continue;
    if (createOnly.has(key)) {
      plan.drift.push(
        `${key} is ${have ?? '(default)'}, declared ${want} (settable only when the topic is created)`,
      );
    } else {
      changes[key] = want;
    }
  }
  if (Object.keys(changes).length > 0) plan.steps.push({ kind: 'alter-config', changes });
  return plan;
}

/** The slice of a Kafka admin client reconciliation needs (kafkajs binding: kafkajs-topic-admin.ts). */
export interface TopicAdmin {
  /** The named topics that exist, with their current configs for the keys asked about. */
  describe(
    topics: readonly { name: string; configKeys: readonly string[] }[],
  ): Promise<Map<string, TopicState>>;
  create(topics: readonly DesiredTopic[]): Promise<void>;
  createPartitions(name: string, count: number): Promise<void>;
  /** Sets these entries and leaves the topic's other configs as they are. */
  alterConfig(name: string, changes: Readonly<Record<string, string>>, current: TopicState): Promise<void>;
}

/** Plans every topic against the cluster and carries the plans out; a second run over the result does nothing. */
export async function reconcileTopics(
  admin: TopicAdmin,
  desired: readonly DesiredTopic[],
  rules: ReconcileRules = {},
): Promise<TopicPlan[]> {
  const actual = await admin.describe(
    desired.map((t) => ({ name: t.name, configKeys: Object.keys(t.config) })),
  );
  const plans = desired.map((t) => planTopic(t, actual.get(t.name), rules));
  const toCreate = desired.filter((_, i) => plans[i]!.steps.some((s) => s.kind === 'create'));
  if (toCreate.length > 0) await admin.create(toCreate);
  for (const [i, plan] of plans.entries()) {
    const current = actual.get(plan.name);
    if (current === undefined) continue;
    for (const step of plan.steps) {
      if (step.kind === 'add-partitions') await admin.createPartitions(plan.name, step.count);
      if (step.kind === 'alter-config') await admin.alterConfig(desired[i]!.name, step.changes, current);
    }
  }
  return plans;
}

export interface TopicStatusRow {
  topic: string;
  status: 'ok' | 'missing' | 'drift';
  /** Empty when ok; otherwise every difference, fixable ones marked as such. */
  reasons: string[];
}

/** One row per declared topic, for the `topics` command and the console: nothing is changed. */
export function topicStatuses(
  desired: readonly DesiredTopic[],
  actual: ReadonlyMap<string, TopicState>,
  rules: ReconcileRules = {},
): TopicStatusRow[] {
  return desired.map((t) => {
    const plan = planTopic(t, actual.get(t.name), rules);
    if (plan.steps.some((s) => s.kind === 'create')) return { topic: t.name, status: 'missing', reasons: [] };
    const fixable = plan.steps.map((s) =>
      s.kind === 'add-partitions'
        ? `has ${actual.get(t.name)!.partitions} partitions, declared ${s.count} (added on the next align or deploy)`
        : `configs differ: ${Object.entries((s as { changes: Record<string, string> }).changes)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')} (set on the next align or deploy)`,
    );
    const reasons = [...fixable, ...plan.drift];
    return { topic: t.name, status: reasons.length === 0 ? 'ok' : 'drift', reasons };
  });
}
