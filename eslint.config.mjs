import nx from '@nx/eslint-plugin';

// Node built-ins that do I/O: domain code must reach them only through ports.
const ioBuiltins = [
  'fs', 'fs/promises', 'net', 'dgram', 'http', 'https', 'http2', 'tls', 'child_process',
  'worker_threads', 'cluster', 'dns', 'os', 'process',
].flatMap((m) => [m, `node:${m}`]);

const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
  { sourceTag: 'type:launcher', onlyDependOnLibsWithTags: ['type:app', 'type:lib'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:app', 'type:lib', 'type:tool', 'type:launcher'] },
];
const boundaries = (allow = []) => [
  'error',
  { enforceBuildableLibDependency: false, banTransitiveDependencies: false, allow, depConstraints },
];
// The apps the all-in-one launcher (tools/stack) composes. Nx forbids importing
// application projects outright; this list is the one exception, for it alone.
const launchedApps = ['booking', 'brain', 'escalation', 'gateway', 'listener', 'media', 'speaker'].map((app) => `@voiceagent/${app}`);

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  // Registers the TypeScript ESLint plugin for .mjs too (tools/build, infra), which the rules below also cover.
  ...nx.configs['flat/javascript'],
  { ignores: ['**/node_modules', '**/dist', '.nx', 'libs/contracts/src/gen'] },
  {
    files: ['**/*.ts', '**/*.mjs'],
    rules: {
      // Architecture (DESIGN.md): apps are hexagons that share only libs; the
      // all-in-one launcher is the one project allowed to compose apps.
      '@nx/enforce-module-boundaries': boundaries(),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['tools/stack/**/*.ts', 'tools/e2e/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(launchedApps) },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Domain and ports are pure: no adapters, no composition root, no I/O.
    files: ['{apps,libs}/*/src/domain/**/*.ts', '{apps,libs}/*/src/ports/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioBuiltins.map((name) => ({ name, message: 'Domain code does no I/O: declare a port and implement it in an adapter.' })),
          patterns: [
            { group: ['**/adapters', '**/adapters/**'], message: 'Domain and ports must not import adapters (hexagonal layout).' },
            { group: ['**/main', '**/main.ts'], message: 'Only the composition root (main.ts) picks adapters.' },
            { group: ['@nats-io/*', '@grpc/*', 'pg', '@electric-sql/*', 'pino', '@aws-sdk/*', '@deepgram/*'], message: 'Infrastructure libraries belong in adapters.' },
          ],
        },
      ],
    },
  },
];
