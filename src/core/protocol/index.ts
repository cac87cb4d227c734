export * from './prompts';
export * from './parse';
export * from './strict-call';
export * from './format-call';
export * from './replay';
export * from './render';
export { evalPythonLiteral } from './python-literal';
