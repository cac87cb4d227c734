import packageJson from '../../../package.json';

export interface ToolInfo {
  name: string;
  version: string;
}

/** The tool's name and version from package.json (bundled at build time, so it matches the build). */
export function toolInfo(): ToolInfo {
  return { name: packageJson.name, version: packageJson.version };
}
