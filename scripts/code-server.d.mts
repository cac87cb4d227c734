// Types for code-server.mjs (plain JavaScript so that `node scripts/start.mjs` runs without a build).
export declare const CODE_SERVER_VERSION: string;
export declare const repoRoot: string;
export declare const defaultInstallDir: string;
export declare const QUIET_SETTINGS: Record<string, unknown>;

export interface RunPaths {
  runDir: string;
  userDataDir: string;
  extensionsDir: string;
  configFile: string;
  logFile: string;
}

export interface CodeServerHandle {
  url: string;
  port: number;
  /** Also the id of the server's process group. */
  pid: number;
  logFile: string;
  stop(): Promise<StopOutcome>;
}

export type StopOutcome = 'gone' | 'terminated' | 'killed';

export declare function codeServerBin(installDir?: string): string;
export declare function ensureCodeServer(options?: { installDir?: string; quiet?: boolean }): string;
export declare function prepareRunDir(runDir: string, options?: { settings?: Record<string, unknown> }): RunPaths;
export declare function installVsix(options: { bin?: string; paths: RunPaths; vsixPath: string }): string;
export declare function linkExtension(options: { paths: RunPaths; extensionRoot?: string }): string;
export declare function findFreePort(host?: string): Promise<number>;
export declare function stopProcessGroup(pgid: number, options?: { graceMs?: number }): Promise<StopOutcome>;
export declare function startCodeServer(options: {
  bin?: string;
  paths: RunPaths;
  host?: string;
  port?: number;
  readyTimeoutMs?: number;
}): Promise<CodeServerHandle>;
export declare function folderUrl(serverUrl: string, folder: string): string;
export declare function openFileUrl(serverUrl: string, folder: string, file: string): string;
