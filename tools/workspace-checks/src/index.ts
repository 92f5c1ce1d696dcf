export { checkContactFlow, comparedValues, parseContactFlow, transitionsOf, FLOW_ACTION_TYPES, type ContactFlow, type FlowAction } from './contact-flow';
export { checkCompose, composeDockerfile, composeOnlyVariables, infrastructureServices, interpolate, parseCompose, parsePortMapping, serviceEnvironment } from './compose';
export { checkDockerfile, commandArgv, parseDockerfile, readInstructions } from './dockerfile';
export { checkChart, checkTemplateStructure, helmChartDir, inlineSecrets, readChart, secretVariablePattern, templateActions, type ChartFiles } from './helm';
export { checkProjectGraph, type NxGraphFile } from './graph';
export { checkReadmeConfiguration, documentedVariables } from './readme';
export { loadBundleTool, type BundleTool } from './build-tool';
export { projectsUnder, readWorkspaceFile, workspaceRoot } from './workspace';
