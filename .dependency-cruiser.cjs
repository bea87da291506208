// The house rules of ../shared/handbook/DESIGN.md ("Rules of the house"), checked on every
// import by `npm run check:boundaries` (run by .ci/run before the tests).
// Test code is test/, bench/ and any *.test.ts beside the code it tests.
const TEST_CODE = '^(test|bench)/|\\.test\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'shared-imports-no-part',
      comment: 'shared/ holds the formats and mechanisms every part uses; it knows no service, client, CLI or deployment.',
      severity: 'error',
      from: { path: '^shared/', pathNot: TEST_CODE },
      to: { path: '^(services|clients|bin|deploy|test|bench)/' },
    },
    {
      name: 'parts-never-import-each-other',
      comment:
        'The builder, the catalogue and the seeder meet only through shared/ formats, HTTP and BitTorrent, as on ' +
        'different machines in production. (Restore has its own rule below.)',
      severity: 'error',
      from: { path: '^(services/[^/]+|clients/(?!restore/)[^/]+)/', pathNot: TEST_CODE },
      to: { path: '^(services|clients)/', pathNot: '^$1/' },
    },
    {
      name: 'restore-uses-only-the-seeder-download-api',
      comment:
        'Restore downloads with the seeder\'s engine, through clients/seeder/download-api.ts only; it imports ' +
        'nothing else of the seeder and nothing of the builder or the catalogue.',
      severity: 'error',
      from: { path: '^clients/restore/', pathNot: TEST_CODE },
      to: { path: '^(services|clients/seeder)/', pathNot: '^clients/seeder/download-api\\.ts$' },
    },
    {
      name: 'production-never-imports-test-code',
      comment: 'Only test/ and bench/ (and *.test.ts) may use test helpers: what ships must run without them.',
      severity: 'error',
      from: { pathNot: TEST_CODE },
      to: { path: TEST_CODE },
    },
    {
      name: 'bin-only-dispatches',
      comment: 'The seedbank command parses arguments and hands over to each part\'s cli.ts (and the demo); the work lives in the parts.',
      severity: 'error',
      from: { path: '^bin/' },
      to: {
        path: '^(services|clients|deploy)/',
        pathNot: '^(services/[^/]+/cli\\.ts|clients/[^/]+/cli\\.ts|deploy/local/demo\\.ts)$',
      },
    },
    {
      name: 'no-unresolvable-imports',
      comment: 'An import the checker cannot resolve is an import it cannot check.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
