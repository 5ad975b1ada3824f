import { plainLines, renderBoard, StatusBoard, StatusCounter } from '../../cli/status-board';

function stats(over: Partial<Record<string, number>> = {}, lag: [string, number][] = []) {
  return {
    handled: 0,
    deadLettered: 0,
    reportedFailures: 0,
    invocationErrors: 0,
    timeouts: 0,
    discarded: 0,
    filtered: 0,
    ...over,
    lag: new Map(lag),
  };
}

describe('the dev status board', () => {
  it('shows records/s and the failures of each kind since the previous refresh only', () => {
    const counter = new StatusCounter();
    const first = counter.next(
      new Map([['orders', stats({ handled: 100, deadLettered: 3 }, [['t', 7]])]]),
      5,
    );
    expect(first[0]).toMatchObject({ rate: 20, lag: 7, failures: { 'dead-lettered': 3 } });
    const second = counter.next(
      new Map([['orders', stats({ handled: 150, deadLettered: 3, timeouts: 2, invocationErrors: 2 })]]),
      5,
    );
    expect(second[0]).toMatchObject({ rate: 10, failures: { errors: 2, timeouts: 2 } });
    const third = counter.next(
      new Map([['orders', stats({ handled: 150, deadLettered: 3, timeouts: 2 })]]),
      5,
    );
    expect(third[0]!.failures).toEqual({});
  });

  it('renders one aligned line per handler under a header, cut to the terminal width', () => {
    const rows = new StatusCounter().next(
      new Map([
        ['inventory-projection', stats({ handled: 50, deadLettered: 1, discarded: 2 }, [['a', 3]])],
        ['audit', stats({ handled: 10 })],
      ]),
      1,
    );
    const lines = renderBoard(rows, 200);
    expect(lines).toEqual([
      'handler                 rec/s    handled      lag  failures since last refresh',
      'inventory-projection       50         50        3  dead-lettered 1, discarded 2',
      'audit                      10         10        0  -',
    ]);
    expect(renderBoard(rows, 30).every((l) => l.length <= 30)).toBe(true);
  });

  it('keeps the plain lines with totals for pipes and CI', () => {
    const rows = new StatusCounter().next(
      new Map([['a', stats({ handled: 4, filtered: 1 }, [['t', 2]])]]),
      2,
    );
    expect(plainLines(rows)).toEqual([
      'a                             2 rec/s  handled 4  dead-lettered 0  errors 0  timeouts 0  filtered 1  discarded 0  lag 2 (t=2)',
    ]);
  });

  it('redraws in place and prints messages above the board', () => {
    const out: string[] = [];
    const board = new StatusBoard((text) => out.push(text));
    board.draw(['h', 'a 1']);
    board.say('reloaded');
    board.draw(['h', 'a 2']);
    expect(out).toEqual(['h\na 1\n', '\x1b[2A\r\x1b[0Jreloaded\nh\na 1\n', '\x1b[2A\r\x1b[0Jh\na 2\n']);
  });
});
