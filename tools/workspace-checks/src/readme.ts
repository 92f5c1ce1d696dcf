/**
 * The variables documented in a README section: the rows of the markdown
 * tables under the `## <section>` heading (up to the next `## ` heading)
 * whose first cell is a name in backticks, e.g. "| `NATS_URL` | | ... |".
 * Undefined when the section is missing.
 */
export function documentedVariables(markdown: string, section = 'Configuration'): string[] | undefined {
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((line) => new RegExp(`^##\\s+${section}\\s*$`).test(line.trim()));
  if (start === -1) return undefined;
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^##\s/.test(line)) break;
    const match = /^\s*\|\s*`([A-Za-z_][A-Za-z0-9_]*)`\s*\|/.exec(line);
    if (match?.[1]) names.push(match[1]);
  }
  return names;
}

/** Every disagreement between the README's Configuration table and libs/config; empty when they agree. */
export function checkReadmeConfiguration(markdown: string | undefined, configVariables: readonly string[]): string[] {
  if (markdown === undefined) return ['README.md does not exist: it must document every configuration variable in a "## Configuration" table'];
  const documented = documentedVariables(markdown);
  if (documented === undefined) return ['README.md has no "## Configuration" section (a markdown table whose first column is each variable in backticks)'];
  const problems: string[] = [];
  const missing = configVariables.filter((name) => !documented.includes(name));
  if (missing.length) problems.push(`README.md "Configuration" does not document ${missing.map((n) => `\`${n}\``).join(', ')} (rows like "| \`${missing[0]}\` | default | meaning |")`);
  const unknown = documented.filter((name) => !configVariables.includes(name));
  if (unknown.length) problems.push(`README.md "Configuration" documents ${unknown.map((n) => `\`${n}\``).join(', ')}, which libs/config/src/schema.ts does not define`);
  const repeated = documented.filter((name, i) => documented.indexOf(name) !== i);
  if (repeated.length) problems.push(`README.md "Configuration" documents ${[...new Set(repeated)].join(', ')} more than once`);
  return problems;
}
