import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { configVariables } from '@voiceagent/config';
import { describe, expect, it } from 'vitest';
import { checkReadmeConfiguration, documentedVariables } from '../src/readme';
import { readWorkspaceFile, workspaceRoot } from '../src/workspace';

describe('README.md "Configuration"', () => {
  it('documents every variable of libs/config/src/schema.ts, and only those', () => {
    const readme = existsSync(join(workspaceRoot, 'README.md')) ? readWorkspaceFile('README.md') : undefined;
    expect(configVariables.length).toBeGreaterThan(0);
    expect(checkReadmeConfiguration(readme, configVariables)).toEqual([]);
  });
});

describe('README checks catch mistakes', () => {
  const readme = [
    '# x',
    '## Configuration',
    '',
    '| variable | default | meaning |',
    '|---|---|---|',
    '| `LOG_LEVEL` | `info` | Log level. |',
    '| `NATS_URL` | | NATS. |',
    '| `NAT_URL` | | typo. |',
    '## Developing',
    '| `HTTP_PORT` | | not in the section |',
  ].join('\n');

  it('reads the table rows of the section only', () => {
    expect(documentedVariables(readme)).toEqual(['LOG_LEVEL', 'NATS_URL', 'NAT_URL']);
    expect(documentedVariables('# x\n## Running\n')).toBeUndefined();
  });

  it('reports undocumented and unknown variables, a missing section and a missing README', () => {
    expect(checkReadmeConfiguration(readme, ['LOG_LEVEL', 'NATS_URL', 'HTTP_PORT'])).toEqual([
      'README.md "Configuration" does not document `HTTP_PORT` (rows like "| `HTTP_PORT` | default | meaning |")',
      'README.md "Configuration" documents `NAT_URL`, which libs/config/src/schema.ts does not define',
    ]);
    expect(checkReadmeConfiguration('# x\n', ['LOG_LEVEL'])[0]).toMatch(/no "## Configuration" section/);
    expect(checkReadmeConfiguration(undefined, ['LOG_LEVEL'])[0]).toMatch(/README.md does not exist/);
  });
});
