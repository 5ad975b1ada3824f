import { murmur2, partitionForKey } from '../../shared/kafka/partitioner';

describe('murmur2 matches the Java client', () => {
  // Vectors from Apache Kafka's own test of the Java implementation:
  // clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2().
  const javaVectors: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  it.each(javaVectors)('murmur2(%j) = %d', (input, expected) => {
    expect(murmur2(Buffer.from(input, 'utf8'))).toBe(expected);
  });

  it('takes the positive part before the modulo, as Utils.toPositive does', () => {
    // murmur2("21") is negative: toPositive(-973932308) = 1173551340; 1173551340 % 12 = 0
    expect(partitionForKey('21', 12)).toBe((-973932308 & 0x7fffffff) % 12);
    expect(partitionForKey('foobar', 7)).toBe((-790332482 & 0x7fffffff) % 7);
  });

  it('spreads user ids evenly over partitions', () => {
    const counts = new Array<number>(12).fill(0);
    for (let i = 0; i < 12000; i++) counts[partitionForKey(`user-${i}`, 12)]!++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => partitionForKey('k', 0)).toThrow('partition count must be a positive integer, got 0');
  });
});
