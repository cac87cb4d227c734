import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let cached: string | null = null;

/** The package version, read from package.json next to the bundle (dist/) or the sources (src/core/). */
export function toolVersion(): string {
  if (cached) return cached;
  for (const candidate of [join(__dirname, '..', 'package.json'), join(__dirname, '..', '..', 'package.json')]) {
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'mini-o3-studio' && pkg.version) return (cached = pkg.version);
    } catch {
      // try the next location
    }
  }
  return (cached = '0.0.0-unknown');
}

export const TOOL_NAME = 'mini-o3-studio';
