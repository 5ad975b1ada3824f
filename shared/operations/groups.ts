import { AssignerProtocol, type Kafka } from 'kafkajs';
import type { HandlerModule } from '../declarations/app';
import { eventSourcesOf } from '../declarations/handler';
import { partitionLag, type PartitionLag } from './lag';

export interface GroupMember {
  memberId: string;
  clientId: string;
  host: string;
  /** Partitions assigned to this member, by topic. */
  assignment: Record<string, number[]>;
}

/** One event source mapping's consumer group: its state, members and where it stands on each partition. */
export interface GroupStatus {
  handler: string;
  group: string;
  topic: string;
  state: string;
  members: GroupMember[];
  partitions: PartitionLag[];
}

function assignmentOf(buffer: Buffer): Record<string, number[]> {
  if (buffer.length === 0) return {};
  const assignment = AssignerProtocol.MemberAssignment.decode(buffer)?.assignment ?? {};
  return Object.fromEntries(Object.entries(assignment).map(([t, ps]) => [t, [...ps].sort((a, b) => a - b)]));
}

/** The consumer group of every event source of these handlers, as the cluster describes it now. */
export async function handlerGroups(kafka: Kafka, modules: readonly HandlerModule[]): Promise<GroupStatus[]> {
  const sources = modules.flatMap((m) =>
    eventSourcesOf(m.definition).map((s) => ({ handler: m.definition.name, ...s })),
  );
  const admin = kafka.admin();
  await admin.connect();
  try {
    const described = await admin.describeGroups([...new Set(sources.map((s) => s.group))]);
    const out: GroupStatus[] = [];
    for (const s of sources) {
      const g = described.groups.find((x) => x.groupId === s.group);
      out.push({
        handler: s.handler,
        group: s.group,
        topic: s.topic.name,
        state: g?.state ?? 'Unknown',
        members: (g?.members ?? []).map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          host: m.clientHost,
          assignment: assignmentOf(m.memberAssignment),
        })),
        partitions: await partitionLag(admin, s.group, s.topic.name),
      });
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}
