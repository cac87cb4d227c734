import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Finding } from '../../../src/core/trajectory/findings';

/** A fresh temp folder for one test's generated fixtures. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mo3-import-${prefix}-`));
}

/** Writes a small real JPEG of the given size (parent folders created). */
export async function writeJpeg(file: string, width: number, height: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp({ create: { width, height, channels: 3, background: { r: 200, g: 60, b: 40 } } }).jpeg().toFile(file);
}

export function writeText(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

export function writeJsonl(file: string, values: unknown[]): void {
  writeText(file, values.map((v) => JSON.stringify(v)).join('\n') + '\n');
}

/** The findings whose field contains `field` (and line, when given). */
export function findingsAt(findings: Finding[], field: string, line?: number): Finding[] {
  return findings.filter((f) => f.field.includes(field) && (line === undefined || f.line === line));
}

export function readOutput(file: string): unknown[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
}
