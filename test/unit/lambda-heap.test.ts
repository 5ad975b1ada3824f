import { lambdaHeapLimits } from '../../shared/emulator/local-function';

describe("a container's heap, as Lambda's Node.js bootstrap sizes it", () => {
  it.each([
    // memory, new space = memory/10, semi-space = new/2, young generation = 3 semi-spaces, old = memory - new
    [128, 18, 116],
    [512, 75, 461],
    [1769, 264, 1593],
    [10240, 1536, 9216],
  ])('%i MB: young generation %i MB, old generation %i MB', (memoryMb, young, old) => {
    expect(lambdaHeapLimits(memoryMb)).toEqual({
      maxYoungGenerationSizeMb: young,
      maxOldGenerationSizeMb: old,
    });
  });
});
