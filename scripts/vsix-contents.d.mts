// Types for vsix-contents.mjs (plain JavaScript so that `node scripts/package.mjs` runs without a build).
export interface ZipEntry { name: string; size: number; compressedSize: number }
export interface PackagingPolicyOptions {
  devDependencies?: string[];
  dependencies?: string[];
  mainFile?: string;
  strictTopLevel?: boolean;
}
export declare function readZipEntries(zip: Buffer): ZipEntry[];
export declare function findPackagingProblems(paths: string[], options?: PackagingPolicyOptions): string[];
