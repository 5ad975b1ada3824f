import { AssignerProtocol, type Admin } from 'kafkajs';
import type { HandlerRef } from './app';
import { partitionLag } from './lag';
import type { GroupView } from './protocol';

function assignmentOf(buffer: Buffer): Record<string, number[]> {
  if (buffer.length === 0) return {};
  const assignment = AssignerProtocol.MemberAssignment.decode(buffer)?.assignment ?? {};
  return Object.fromEntries(Object.entries(assignment).map(([t, ps]) => [t, [...ps].sort((a, b) => a - b)]));
}

/** The consumer group of every event source of these handlers, as the cluster describes it now. */
export async function handlerGroups(admin: Admin, handlers: readonly HandlerRef[]): Promise<GroupView[]> {
  const sources = handlers.flatMap((h) => h.eventSources.map((s) => ({ handler: h.name, ...s })));
  if (sources.length === 0) return [];
  const described = await admin.describeGroups([...new Set(sources.map((s) => s.group))]);
  const out: GroupView[] = [];
  for (const s of sources) {
    const g = described.groups.find((x) => x.groupId === s.group);
    out.push({
      handler: s.handler,
      group: s.group,
      topic: s.topic,
      state: g?.state ?? 'Unknown',
      members: (g?.members ?? []).map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        host: m.clientHost,
        assignment: assignmentOf(m.memberAssignment),
      })),
      partitions: await partitionLag(admin, s.group, s.topic),
    });
  }
  return out;
}
