import { letterDetail, letterLine } from '../../cli/commands/dlq';
import { groupLines } from '../../cli/commands/groups';
import { recordLine } from '../../cli/commands/tail';
import { openingHandler } from '../../console/page/opening-handler';
import type { DeadLetterView, GroupView } from '../../shared/operations';

const letter: DeadLetterView = {
  id: 'in.echo.dlq/2/7',
  info: {
    source: { topic: 'in', partition: 2, offset: 41 },
    handler: 'echo',
    group: 'echo',
    attempts: 3,
    kind: 'handler',
    error: 'record k/1 is marked to fail',
    failedAt: '2026-11-25T10:00:00.000Z',
  },
  original: {
    topic: 'in',
    partition: 2,
    offset: 41,
    timestamp: 0,
    key: 'k',
    value: '{"key":"k"}',
    headers: [{ key: 'trace', value: null }],
  },
};

describe('what the tools print', () => {
  it('a dead letter: one line in a list, in full when shown', () => {
    expect(letterLine(letter)).toBe(
      '2026-11-25T10:00:00.000Z  in/2/41  handler x3  record k/1 is marked to fail  [in.echo.dlq/2/7]',
    );
    expect(letterDetail(letter)).toEqual([
      'dead letter in.echo.dlq/2/7',
      '  handler   echo (group echo)',
      '  source    in partition 2 offset 41',
      '  failed    2026-11-25T10:00:00.000Z, handler after 3 attempt(s)',
      '  error     record k/1 is marked to fail',
      '  key       k',
      '  value     {"key":"k"}',
      '  header    trace=(null)',
    ]);
  });

  it('a group: state, members and lag, then each partition', () => {
    const group: GroupView = {
      handler: 'echo',
      group: 'echo',
      topic: 'in',
      state: 'Stable',
      members: [{ memberId: 'm', clientId: 'c', host: 'h', assignment: { in: [0, 1] } }],
      partitions: [
        { topic: 'in', partition: 0, committed: 10, low: 0, end: 12, lag: 2 },
        { topic: 'in', partition: 1, committed: null, low: 3, end: 5, lag: 2 },
      ],
    };
    expect(groupLines(group)).toEqual([
      'echo  group echo  topic in  Stable, 1 member, lag 4',
      '  partition   0  committed         10  end         12  lag 2',
      '  partition   1  committed          -  end          5  lag 2',
    ]);
  });

  it('a record: decoded, or the reason it is invalid with its text', () => {
    const base = { partition: 1, offset: 2, timestamp: '', key: 'k', headers: {} };
    expect(recordLine({ ...base, value: { a: 1 } })).toBe(
      '{"partition":1,"offset":2,"key":"k","value":{"a":1},"headers":{}}',
    );
    expect(recordLine({ ...base, value: '{oops', problem: 'value is not valid json' })).toBe(
      '{"partition":1,"offset":2,"key":"k","invalid":"value is not valid json","value":"{oops","headers":{}}',
    );
  });

  it('the console opens the dead letters of the handler that has the most', () => {
    const h = (name: string, deadLetters: number) => ({
      name,
      group: name,
      eventSources: [],
      deadLetterTopics: [],
      deadLetters,
    });
    expect(openingHandler([h('a', 0), h('b', 12), h('c', 3)])).toBe('b');
    expect(openingHandler([h('a', 0), h('b', 0)])).toBe('a');
    expect(openingHandler([])).toBeUndefined();
  });
});
