import { configSchema, type Config } from './schema';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Variables whose values are secrets: never shown in errors or logs, never inlined in deployment files. */
export const secretVariablePattern = /PASSWORD|TOKEN|CREDS|KEY|USERS|SECRET|DATABASE_URL/;

/**
 * Reads the configuration from the environment. Empty strings count as unset.
 * Throws ConfigError naming every bad variable and its value, so a service
 * fails at start-up with a message that says what to fix.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const relevant = Object.fromEntries(
    Object.keys(configSchema.shape)
      .map((key) => [key, env[key]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = configSchema.safeParse(relevant);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    const value = relevant[name];
    const secret = secretVariablePattern.test(name);
    const shown = value === undefined ? '' : secret ? ' (value hidden)' : ` (got ${JSON.stringify(value)})`;
    return `${name}: ${issue.message}${shown}`;
  });
  throw new ConfigError(problems);
}
