// Types for bench-report.mjs (plain JavaScript so that `node scripts/bench.mjs` runs without a build).
export type BenchResults = Record<string, number | string>;
export interface BenchMachine { cpu: string; cores: number; node: string; platform: string }
export interface BenchRun { name: string; results: BenchResults; machine: BenchMachine; date: string; quick: boolean; seconds: number }
export declare const REPORT_HEADER: string;
export declare function formatValue(value: number | string): string;
export declare function checkBenchResult(value: unknown): string[];
export declare function renderConsoleTable(results: BenchResults): string;
export declare function renderBenchSection(run: BenchRun): string;
export declare function upsertBenchSection(markdown: string, name: string, section: string): string;
