/**
 * `npm run models [-- name ...]`: puts every offline model (or the ones named)
 * in the models directory, from VOICE_AGENT_MODELS_MIRROR or upstream, checks
 * their sha256 and prints where they are. `--offline` never downloads.
 */
import { ensureModel, isModelName, ModelError, modelNames, resolveMirrorDir, resolveModelsDir, type ModelName } from './index';

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`usage: npm run models [-- [--offline] ${modelNames.join(' ')}]`);
    console.log('Fills VOICE_AGENT_MODELS (default ~/.cache/voice-agent/models) from VOICE_AGENT_MODELS_MIRROR or the upstream URLs.');
    console.log('--offline: only check and copy from the mirror, never download.');
    return 0;
  }
  const offline = args.includes('--offline');
  args = args.filter((a) => a !== '--offline');
  const unknown = args.filter((a) => !isModelName(a));
  if (unknown.length > 0) {
    console.error(`unknown model(s): ${unknown.join(', ')}; known: ${modelNames.join(', ')}`);
    return 2;
  }
  const names = args.length > 0 ? (args as ModelName[]) : modelNames;
  const mirror = resolveMirrorDir();
  console.log(`models directory: ${resolveModelsDir()}`);
  console.log(`mirror: ${mirror ?? '(none: VOICE_AGENT_MODELS_MIRROR is unset)'}`);
  let failed = 0;
  // Every model is tried, so one run reports everything that is missing.
  for (const name of names) {
    try {
      const model = await ensureModel(name, { download: !offline, log: (line) => console.log(`  ${line}`) });
      const count = Object.keys(model.files).length;
      console.log(`${model.name}: ${model.dir} (${count} file${count === 1 ? '' : 's'}, sha256 verified)`);
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      console.error(error.message);
      failed += 1;
    }
  }
  return failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
