import { matchesFilter } from '../../shared/filter';

describe('Lambda filter patterns on values', () => {
  const value = { reason: 'trade', delta: -5, server: 'eu1', tags: ['a', 'b'], meta: { source: 'shop' } };

  it.each([
    [{ reason: ['trade'] }, true],
    [{ reason: ['loot', 'craft'] }, false],
    [{ reason: [{ prefix: 'tr' }] }, true],
    [{ server: [{ suffix: '1' }] }, true],
    [{ reason: [{ 'anything-but': ['trade'] }] }, false],
    [{ reason: [{ 'anything-but': 'loot' }] }, true],
    [{ delta: [{ numeric: ['<', 0] }] }, true],
    [{ delta: [{ numeric: ['>=', 0, '<', 10] }] }, false],
    [{ missing: [{ exists: false }] }, true],
    [{ reason: [{ exists: false }] }, false],
    [{ tags: ['b'] }, true],
    [{ meta: { source: ['shop'] } }, true],
    [{ meta: { source: ['bank'] } }, false],
    [{ reason: ['trade'], delta: [{ numeric: ['>', 0] }] }, false],
  ])('%j -> %s', (filter, expected) => {
    expect(matchesFilter(value, filter)).toBe(expected);
  });
});
