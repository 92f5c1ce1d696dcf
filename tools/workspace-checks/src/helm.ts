/**
 * Static checks of the Helm chart (infra/helm/voice-agent) without a helm
 * binary: the Go-template structure of its templates (delimiters and blocks),
 * the names they share with values.yaml and libs/config, and secrets.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { secretVariablePattern } from '@voiceagent/config';
import { workspaceRoot } from './workspace';

export const helmChartDir = 'infra/helm/voice-agent';

export { secretVariablePattern };

export interface ChartFiles {
  readonly chart: Record<string, unknown>;
  readonly values: Record<string, unknown>;
  /** templates/<file> → its text, every file of templates/ (helpers and NOTES.txt included). */
  readonly templates: ReadonlyMap<string, string>;
}

function parseMapping(text: string, what: string): Record<string, unknown> {
  const value: unknown = parse(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} is not a YAML mapping`);
  return value as Record<string, unknown>;
}

/** Reads Chart.yaml, values.yaml (both parsed) and the template texts of a chart. */
export function readChart(chartDir = helmChartDir, root = workspaceRoot): ChartFiles {
  const dir = join(root, chartDir);
  const templatesDir = join(dir, 'templates');
  const templates = new Map<string, string>();
  if (existsSync(templatesDir)) {
    for (const name of readdirSync(templatesDir).sort()) templates.set(`templates/${name}`, readFileSync(join(templatesDir, name), 'utf8'));
  }
  return {
    chart: parseMapping(readFileSync(join(dir, 'Chart.yaml'), 'utf8'), `${chartDir}/Chart.yaml`),
    values: parseMapping(readFileSync(join(dir, 'values.yaml'), 'utf8'), `${chartDir}/values.yaml`),
    templates,
  };
}

export interface TemplateAction {
  /** The action's text between the delimiters, trim markers removed. */
  readonly body: string;
  /** 1-based line where it starts. */
  readonly line: number;
}

const lineAt = (text: string, index: number) => text.slice(0, index).split('\n').length;

/**
 * Splits a Go template into its actions (`{{ ... }}`), comments dropped.
 * Strings inside actions ("...", `...`, '.') may hold braces. Problems: an
 * action or comment never closed, a `{{` opened inside an action, and
 * unbalanced parentheses.
 */
export function templateActions(text: string): { actions: TemplateAction[]; problems: string[] } {
  const actions: TemplateAction[] = [];
  const problems: string[] = [];
  let at = 0;
  for (;;) {
    const open = text.indexOf('{{', at);
    if (open === -1) break;
    const line = lineAt(text, open);
    let i = open + 2;
    if (/^- /.test(text.slice(i, i + 2))) i += 2;
    const comment = /^\s*\/\*/.exec(text.slice(i));
    if (comment) {
      const close = /\*\/\s*-?\s*\}\}/.exec(text.slice(i));
      if (!close) {
        problems.push(`line ${line}: comment {{/* is never closed with */}}`);
        break;
      }
      at = i + close.index + close[0].length;
      continue;
    }
    let depth = 0;
    let end = -1;
    while (i < text.length) {
      const c = text.charAt(i);
      if (c === '"' || c === '`' || c === "'") {
        const closing = c === '"' ? /(?:[^"\\\n]|\\.)*"/y : c === '`' ? /[^`]*`/y : /(?:[^'\\\n]|\\.)*'/y;
        closing.lastIndex = i + 1;
        const match = closing.exec(text);
        if (!match) {
          problems.push(`line ${lineAt(text, i)}: string ${c} is never closed`);
          i = text.length;
          break;
        }
        i = closing.lastIndex;
        continue;
      }
      if (text.startsWith('}}', i)) {
        end = i;
        break;
      }
      if (text.startsWith('{{', i)) {
        problems.push(`line ${lineAt(text, i)}: {{ inside the action opened at line ${line} (a missing }}?)`);
        end = i;
        break;
      }
      if (c === '(') depth++;
      if (c === ')' && --depth < 0) problems.push(`line ${lineAt(text, i)}: ")" without "("`);
      i++;
    }
    if (end === -1) {
      problems.push(`line ${line}: {{ is never closed with }}`);
      break;
    }
    if (depth > 0) problems.push(`line ${line}: ${depth} "(" never closed in the action`);
    const body = text.slice(open + 2, end).replace(/^-\s/, '').replace(/\s-$/, '').trim();
    actions.push({ body, line });
    at = text.startsWith('}}', end) ? end + 2 : end;
  }
  return { actions, problems };
}

const openers = new Set(['if', 'range', 'with', 'define', 'block']);

/**
 * Every structural problem of a template: delimiters (templateActions), and
 * blocks: each if/range/with/define/block closed by its own end, else only
 * inside if/with/range, break/continue only inside range, define at the top.
 */
export function checkTemplateStructure(text: string, file: string): string[] {
  const { actions, problems } = templateActions(text);
  const stack: Array<{ keyword: string; line: number }> = [];
  for (const { body, line } of actions) {
    const keyword = /^[a-z]+/.exec(body)?.[0] ?? '';
    if (openers.has(keyword)) {
      const enclosing = stack.at(-1);
      if (keyword === 'define' && enclosing) problems.push(`line ${line}: define inside {{ ${enclosing.keyword} }} (line ${enclosing.line}); templates are defined at the top level`);
      stack.push({ keyword, line });
    } else if (keyword === 'else') {
      const top = stack.at(-1);
      if (!top || !['if', 'with', 'range'].includes(top.keyword)) problems.push(`line ${line}: {{ else }} outside if, with or range`);
    } else if (keyword === 'break' || keyword === 'continue') {
      if (!stack.some((block) => block.keyword === 'range')) problems.push(`line ${line}: {{ ${keyword} }} outside range`);
    } else if (keyword === 'end') {
      if (!stack.pop()) problems.push(`line ${line}: {{ end }} closes nothing`);
    }
  }
  for (const block of stack) problems.push(`line ${block.line}: {{ ${block.keyword} }} is never closed with {{ end }}`);
  return problems.map((problem) => `${file} ${problem}`);
}

/** Names of the templates a text defines, and of those it includes or calls. */
export function templateNames(text: string): { defined: string[]; used: string[] } {
  const { actions } = templateActions(text);
  const defined: string[] = [];
  const used: string[] = [];
  for (const { body } of actions) {
    const define = /^(?:define|block)\s+"([^"]+)"/.exec(body);
    if (define?.[1]) defined.push(define[1]);
    for (const match of body.matchAll(/\b(?:include|template)\s+"([^"]+)"/g)) if (match[1]) used.push(match[1]);
  }
  return { defined, used };
}

/** The `.Values.a.b` paths a template reads (through $, $root or a context's .root), as "a.b". */
export function valuesReferences(text: string): string[] {
  const { actions } = templateActions(text);
  const paths = new Set<string>();
  for (const { body } of actions) for (const [, path = ''] of body.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) paths.add(path.slice(1));
  return [...paths];
}

/** True when `path` ("a.b.c", or its keys) leads through mappings of `values`. */
export function hasValuesPath(values: unknown, path: string | readonly string[]): boolean {
  let node: unknown = values;
  for (const key of typeof path === 'string' ? path.split('.') : path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !(key in node)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

/**
 * Environment variable names a template sets or reads: `- name: NAME` entries,
 * `.env.NAME` and quoted "NAME_WITH_UNDERSCORE" strings in actions.
 */
export function templateEnvNames(text: string): string[] {
  const names = new Set<string>();
  for (const [, name = ''] of text.matchAll(/^\s*-\s+name:\s+([A-Z][A-Z0-9_]*)\s*$/gm)) names.add(name);
  for (const [, name = ''] of text.matchAll(/\.env\.([A-Z][A-Z0-9_]*)/g)) names.add(name);
  for (const { body } of templateActions(text).actions) {
    for (const [, name = ''] of body.matchAll(/"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"/g)) names.add(name);
  }
  return [...names];
}

const isMapping = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Calls `visit` with every mapping entry of a parsed YAML tree and its dotted path. */
function walk(node: unknown, visit: (key: string, value: unknown, path: string) => void, path = ''): void {
  if (Array.isArray(node)) node.forEach((item, i) => walk(item, visit, `${path}[${i}]`));
  else if (isMapping(node)) {
    for (const [key, value] of Object.entries(node)) {
      const here = path ? `${path}.${key}` : key;
      visit(key, value, here);
      walk(value, visit, here);
    }
  }
}

/**
 * Environment variable names values.yaml sets or routes: the keys of every
 * `env` mapping, string values of `env` and `...Env` keys (ports[].env,
 * addressEnv), and the keys of secrets.variables. Name → where.
 */
export function valuesEnvNames(values: Record<string, unknown>): Map<string, string> {
  const names = new Map<string, string>();
  walk(values, (key, value, path) => {
    if (key === 'env' && isMapping(value)) for (const name of Object.keys(value)) names.set(name, `${path}.${name}`);
    if ((key === 'env' || /Env$/.test(key)) && typeof value === 'string') names.set(value, path);
  });
  const secrets = values.secrets;
  if (isMapping(secrets) && isMapping(secrets.variables)) for (const name of Object.keys(secrets.variables)) names.set(name, `secrets.variables.${name}`);
  return names;
}

/**
 * Secrets written into values.yaml: a secret-looking variable with a value in
 * an `env` mapping, or a URL with a password anywhere.
 */
export function inlineSecrets(values: Record<string, unknown>): string[] {
  const problems: string[] = [];
  walk(values, (key, value, path) => {
    if (key === 'env' && isMapping(value)) {
      for (const [name, setting] of Object.entries(value)) {
        if (secretVariablePattern.test(name) && setting !== null && setting !== undefined && String(setting) !== '') {
          problems.push(`${path}.${name} has an inline value: secrets come from secrets.existingSecret (secrets.variables)`);
        }
      }
    }
    if (typeof value === 'string' && /:\/\/[^/\s:@]+:[^@\s]+@/.test(value)) problems.push(`${path} holds a URL with a password`);
  });
  return problems;
}

export interface ChartExpectations {
  /** libs/config's variable names. */
  readonly configVariables: readonly string[];
}

/** Every problem found in a chart's templates and values; empty when it is sound. */
export function checkChart(files: ChartFiles, expected: ChartExpectations): string[] {
  const problems: string[] = [];
  const known = new Set(expected.configVariables);
  const defined = new Map<string, string>();
  const used: Array<{ name: string; file: string }> = [];
  for (const [file, text] of files.templates) {
    problems.push(...checkTemplateStructure(text, file));
    const names = templateNames(text);
    for (const name of names.defined) {
      if (defined.has(name)) problems.push(`${file} defines "${name}", already defined in ${defined.get(name)}`);
      defined.set(name, file);
    }
    for (const name of names.used) used.push({ name, file });
    for (const path of valuesReferences(text)) {
      if (!hasValuesPath(files.values, path)) problems.push(`${file} reads .Values.${path}, which values.yaml does not have`);
    }
    for (const name of templateEnvNames(text)) {
      if (!known.has(name)) problems.push(`${file} sets ${name}, which libs/config does not read`);
    }
  }
  for (const { name, file } of used) if (!defined.has(name)) problems.push(`${file} includes "${name}", which no template defines`);
  for (const [name, where] of valuesEnvNames(files.values)) {
    if (!known.has(name)) problems.push(`values.yaml ${where} sets ${name}, which libs/config does not read`);
  }
  problems.push(...inlineSecrets(files.values).map((problem) => `values.yaml ${problem}`));
  return problems;
}
