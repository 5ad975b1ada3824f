/**
 * Front door: running an application locally, as its event source mappings and functions run on AWS
 * (`npm start` / `kafka-lambda dev` use this), and the types an application's `simulate.ts` implements.
 */
export { startEmulator } from './emulator';
export type { Emulator, EmulatorOptions } from './emulator';
export type { SimulateFn, SimulationContext, SimulationOptions } from './simulation';
