/**
 * The reliability suite's table check (test/reliability/support/checks.ts, checkTable) must fail on what an
 * unfenced projection does: a redelivered record applied twice, a record never applied, an item nobody sent.
 */
import { checkTable } from '../reliability/support/checks';

const ledger = [
  { key: 'k1', delta: 3 },
  { key: 'k1', delta: -1 },
  { key: 'k2', delta: 0 },
  { key: 'k3', delta: 5 },
];

/** The table a projection leaves after these deliveries, applying each one it is given (no fence). */
function applyAll(deliveries: readonly { key: string; delta: number }[]) {
  const items = new Map<string, { key: string; balance: number; applies: number }>();
  for (const d of deliveries) {
    const item = items.get(d.key) ?? { key: d.key, balance: 0, applies: 0 };
    items.set(d.key, { key: d.key, balance: item.balance + d.delta, applies: item.applies + 1 });
  }
  return [...items.values()];
}

it('passes when every record of the ledger is applied once', () => {
  expect(checkTable(ledger, applyAll(ledger))).toEqual({
    keys: 3,
    expectedBalance: 7,
    balance: 7,
    expectedApplies: 4,
    applies: 4,
    wrongKeys: [],
  });
});

it('names the key of a redelivered record applied twice, by balance and count', () => {
  const check = checkTable(ledger, applyAll([...ledger, ledger[0]!]));
  expect(check.wrongKeys).toEqual(['k1: balance 5 (ledger 2), applies 3 (ledger 2)']);
  expect([check.balance, check.applies]).toEqual([10, 5]);
});

it('sees a record with delta 0 applied twice, which leaves the balance right', () => {
  const check = checkTable(ledger, applyAll([...ledger, ledger[2]!]));
  expect(check.wrongKeys).toEqual(['k2: balance 0 (ledger 0), applies 2 (ledger 1)']);
  expect(check.balance).toBe(check.expectedBalance);
});

it('names a key whose records were never applied, and an item the ledger does not know', () => {
  const check = checkTable(ledger, applyAll([...ledger.slice(0, 3), { key: 'k9', delta: 1 }]));
  expect(check.wrongKeys).toEqual([
    'k3: balance 0 (ledger 5), applies 0 (ledger 1)',
    'k9: balance 1 (ledger 0), applies 1 (ledger 0)',
  ]);
});
