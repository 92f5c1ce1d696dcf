import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KnowledgeError, parseKnowledge, type Knowledge, type KnowledgeProblem } from '../src/index';

export const EXAMPLE_PATH = fileURLToPath(new URL('../../../examples/knowledge.yaml', import.meta.url));

export const exampleText = (): string => readFileSync(EXAMPLE_PATH, 'utf8');
export const example = (): Knowledge => parseKnowledge(exampleText(), 'examples/knowledge.yaml');

/** The smallest valid file; `sections` replace or add top-level sections (YAML text, indented by the caller). */
export function minimalYaml(sections: Record<string, string> = {}): string {
  const base: Record<string, string> = {
    business: 'business:\n  name: Corner Cuts\n  timezone: America/New_York',
    hours: 'hours:\n  monday: 09:00-17:00',
    transfer: 'transfer:\n  default: desk\n  targets:\n    desk:\n      sip: sip:desk@pbx.example.com',
    messages: [
      'messages:',
      '  greeting: Hello, {business}.',
      '  closed: We are closed; we open {next_opening}.',
      '  voicemail: Leave a message.',
      '  transfer: Transferring you.',
      '  goodbye: Bye.',
      '  fallback: I am not sure.',
    ].join('\n'),
  };
  return Object.values({ ...base, ...sections }).filter((section) => section !== '').join('\n') + '\n';
}

/** The problems parseKnowledge reports for a text (fails the test if it parses). */
export function problemsOf(text: string): readonly KnowledgeProblem[] {
  try {
    parseKnowledge(text, 'test.yaml');
  } catch (error) {
    if (error instanceof KnowledgeError) return error.problems;
    throw error;
  }
  throw new Error('expected the knowledge to be refused');
}
