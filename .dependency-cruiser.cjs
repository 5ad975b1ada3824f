/**
 * The layering, checked by `npm run lint` (DESIGN.md in the repository, "Layout"): the framework core never reaches
 * into the emulator, the launcher, the CDK app or an application; applications use the front doors only; no cycles.
 */
const CORE =
  '^shared/(declarations|lambda|kafka|state|schemas|observability)/|^shared/(index|producer|testkit|formats|errors|local-home)\\.ts$';
const FRONT_DOORS =
  '^shared/(index|producer|testkit|formats)\\.ts$|^shared/(emulator|operations)/index\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A cycle makes load order matter and modules impossible to read on their own.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-stays-core',
      comment:
        'What runs on Lambda must not drag in the emulator, the launcher, the CDK app or an application.',
      severity: 'error',
      from: { path: CORE },
      to: { path: '^(shared/emulator|launcher|infra|functions|cli|console|bench|test)/' },
    },
    {
      name: 'framework-knows-no-app',
      comment: 'Framework code names no application (DESIGN.md: declarations are read at run time).',
      severity: 'error',
      from: { path: '^(shared|launcher|cli|console)/' },
      to: { path: '^(functions|infra|bench|test)/' },
    },
    {
      name: 'console-reads-the-emulator-front-door',
      comment:
        'The local console (console/) sees the emulator and the tools only through their front doors, and stays out of everything ' +
        'that runs on Lambda: nothing under shared/ or launcher/ imports it.',
      severity: 'error',
      from: { path: '^console/' },
      to: { path: '^(shared/|launcher/|cli/)', pathNot: FRONT_DOORS },
    },
    {
      name: 'nothing-deployed-needs-the-console',
      comment: 'The console is part of the local tooling, never of a function bundle.',
      severity: 'error',
      from: { path: '^(shared|launcher|functions|infra)/' },
      to: { path: '^console/' },
    },
    {
      name: 'apps-use-front-doors',
      comment:
        'Application code imports the framework through its front doors: shared (declare, run on Lambda), ' +
        'shared/producer (publish), shared/testkit (test without a broker), shared/emulator (run locally).',
      severity: 'error',
      from: { path: '^(functions|test/fixtures|bench/app)/' },
      to: { path: '^shared/', pathNot: FRONT_DOORS },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk\\.out|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
