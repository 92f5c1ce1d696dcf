export { checkCompose, composeDockerfile, composeOnlyVariables, infrastructureServices, interpolate, parseCompose, parsePortMapping, serviceEnvironment } from './compose';
export { checkDockerfile, commandArgv, parseDockerfile, readInstructions } from './dockerfile';
export { checkProjectGraph, type NxGraphFile } from './graph';
export { checkReadmeConfiguration, documentedVariables } from './readme';
export { loadBundleTool, type BundleTool } from './build-tool';
export { projectsUnder, readWorkspaceFile, workspaceRoot } from './workspace';
