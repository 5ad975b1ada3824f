import { expectedDistinct, FOLD_TARGET, foldTargetFor, zipf } from '../../bench/tables';

describe("the batch-fold benchmark's target", () => {
  it('expects as many distinct users as the seeded sampler draws', () => {
    // Uniform: users * (1 - (1 - 1/users)^draws), about 63.2% for as many draws as users.
    expect(expectedDistinct(0, 10_000, 10_000)).toBeCloseTo(6321.4, 0);
    for (const s of [1.0, 1.2]) {
      const draw = zipf(s, 7);
      const seen = Array.from({ length: 3 }, () => new Set(Array.from({ length: 10_000 }, draw)).size);
      const mean = seen.reduce((a, b) => a + b, 0) / seen.length;
      expect(Math.abs(mean / expectedDistinct(s, 10_000, 10_000) - 1)).toBeLessThan(0.03);
    }
  });

  it("holds the fold to the issue's 5x only where records per distinct item allow it", () => {
    const bound = (s: number): number => 10_000 / expectedDistinct(s, 10_000, 10_000);
    expect(bound(1.0)).toBeLessThan(FOLD_TARGET);
    expect(foldTargetFor(1.0)).toBeNull();
    expect(bound(1.2)).toBeGreaterThan(FOLD_TARGET);
    expect(foldTargetFor(1.2)).toBe(FOLD_TARGET);
  });
});
