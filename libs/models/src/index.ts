export {
  models,
  modelNames,
  isModelName,
  asrEnZipformer3m,
  vadSilero,
  type ModelName,
  type ModelSpec,
  type ModelFile,
  type UpstreamSource,
} from './manifest';
export {
  ensureModel,
  ensureModels,
  resolveModelsDir,
  resolveMirrorDir,
  sha256File,
  ModelError,
  type EnsureModelOptions,
  type ResolvedModel,
} from './ensure';
