import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Trajectory } from '../trajectory/schema';
import { describeType, isRecord, type ImportContext, type SourceSpot } from './import-common';
import { importChatFile, type ChatLayout } from './chat-file';
import type { ChatSide } from './conversation';

/**
 * LLaMA-Factory ShareGPT data (Mini-o3's cold start): a JSON array or JSON lines of
 * `{"conversations": [{"from", "value"}], "images": [...]}`. When a `dataset_info.json` is
 * given (or sits in the given folder, or next to the data file and names it), its entry's
 * `columns` and `tags` say which fields and role names the file uses.
 */

export interface ShareGptNames {
  messages: string;
  images: string;
  system?: string;
  roleTag: string;
  contentTag: string;
  userTag: string;
  assistantTag: string;
  observationTag: string;
  functionTag: string;
  systemTag: string;
}

/** LLaMA-Factory's defaults (`data/README.md`). */
export const SHAREGPT_DEFAULTS: ShareGptNames = {
  messages: 'conversations',
  images: 'images',
  roleTag: 'from',
  contentTag: 'value',
  userTag: 'human',
  assistantTag: 'gpt',
  observationTag: 'observation',
  functionTag: 'function_call',
  systemTag: 'system',
};

const INFO_FILE = 'dataset_info.json';

export async function importLlamaFactory(inPath: string, ctx: ImportContext): Promise<Trajectory[]> {
  const abs = path.resolve(inPath);
  const stat = await fsp.stat(abs).catch(() => null);
  if (!stat) {
    ctx.error({ file: abs, line: 0, field: '' }, '', 'no such file or folder');
    return [];
  }
  const infoPath = stat.isDirectory() ? path.join(abs, INFO_FILE) : path.basename(abs) === INFO_FILE ? abs : null;
  if (infoPath) return importFromInfo(infoPath, ctx);

  const sibling = path.join(path.dirname(abs), INFO_FILE);
  const entries = (await ctx.fileExists(sibling)) ? await readInfo(sibling, ctx, true) : null;
  const match = entries?.find((e) => e.files.some((f) => f === abs));
  return importChatFile(abs, { layout: layoutOf(match?.names ?? SHAREGPT_DEFAULTS), baseDir: path.dirname(abs) }, ctx);
}

async function importFromInfo(infoPath: string, ctx: ImportContext): Promise<Trajectory[]> {
  const entries = await readInfo(infoPath, ctx, false);
  if (!entries) return [];
  const wanted = ctx.options.datasetName;
  const chosen = wanted ? entries.filter((e) => e.name === wanted) : entries.filter((e) => e.sharegpt);
  if (wanted && chosen.length === 0) {
    ctx.error({ file: infoPath, line: 0, field: '' }, '', `no entry named ${JSON.stringify(wanted)} (entries: ${entries.map((e) => e.name).join(', ') || 'none'})`);
  }
  const out: Trajectory[] = [];
  for (const entry of chosen) {
    const spot = { file: infoPath, line: 0, field: entry.name };
    if (!entry.sharegpt) {
      ctx.error(spot, 'formatting', 'only the "sharegpt" formatting holds multi-turn trajectories; entry skipped');
      continue;
    }
    for (const file of entry.files) {
      const s = await fsp.stat(file).catch(() => null);
      if (!s || !s.isFile()) {
        ctx.error(spot, 'file_name', `${file} is ${s ? 'not a file (folders of shards are not supported)' : 'missing'}; entry skipped`);
        continue;
      }
      if (!/\.jsonl?$/i.test(file)) ctx.warning(spot, 'file_name', `${path.basename(file)} is read as JSON; csv/parquet/arrow data are not supported`);
      out.push(...(await importChatFile(file, { layout: layoutOf(entry.names), baseDir: path.dirname(infoPath) }, ctx)));
    }
  }
  return out;
}

interface InfoEntry {
  name: string;
  files: string[];
  sharegpt: boolean;
  names: ShareGptNames;
}

async function readInfo(infoPath: string, ctx: ImportContext, quiet: boolean): Promise<InfoEntry[] | null> {
  const whole = { file: infoPath, line: 0, field: '' };
  let value: unknown;
  try {
    value = JSON.parse(await fsp.readFile(infoPath, 'utf8'));
  } catch (e) {
    if (!quiet) ctx.error(whole, '', `cannot read ${INFO_FILE}: ${(e as Error).message}`);
    else ctx.warning(whole, '', `ignoring the unreadable ${INFO_FILE} next to the data: ${(e as Error).message}`);
    return null;
  }
  if (!isRecord(value)) {
    ctx.error(whole, '', `${INFO_FILE} must be an object of dataset entries, got ${describeType(value)}`);
    return null;
  }
  const out: InfoEntry[] = [];
  for (const [name, entry] of Object.entries(value)) {
    const spot: SourceSpot = { file: infoPath, line: 0, field: name };
    if (!isRecord(entry)) {
      if (!quiet) ctx.error(spot, '', `an entry must be an object, got ${describeType(entry)}`);
      continue;
    }
    const fileNames = typeof entry.file_name === 'string' ? [entry.file_name] : Array.isArray(entry.file_name) ? entry.file_name.filter((f): f is string => typeof f === 'string') : [];
    if (fileNames.length === 0) {
      if (!quiet) ctx.warning(spot, 'file_name', 'no local file_name (hub datasets are not fetched); entry skipped');
      continue;
    }
    const columns = isRecord(entry.columns) ? entry.columns : {};
    const tags = isRecord(entry.tags) ? entry.tags : {};
    const str = (o: Record<string, unknown>, k: string, d: string) => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : d);
    const d = SHAREGPT_DEFAULTS;
    out.push({
      name,
      files: fileNames.map((f) => path.resolve(path.dirname(infoPath), f)),
      sharegpt: entry.formatting === 'sharegpt',
      names: {
        messages: str(columns, 'messages', d.messages),
        images: str(columns, 'images', d.images),
        ...(typeof columns.system === 'string' ? { system: columns.system } : {}),
        roleTag: str(tags, 'role_tag', d.roleTag),
        contentTag: str(tags, 'content_tag', d.contentTag),
        userTag: str(tags, 'user_tag', d.userTag),
        assistantTag: str(tags, 'assistant_tag', d.assistantTag),
        observationTag: str(tags, 'observation_tag', d.observationTag),
        functionTag: str(tags, 'function_tag', d.functionTag),
        systemTag: str(tags, 'system_tag', d.systemTag),
      },
    });
  }
  return out;
}

export function layoutOf(n: ShareGptNames): ChatLayout {
  return {
    messages: [n.messages],
    images: n.images,
    ...(n.system ? { systemColumn: n.system } : {}),
    keys: [{ role: n.roleTag, content: n.contentTag }],
    systemTo: 'system_prompt',
    sideOf: (role): { side: ChatSide; unusual?: string } | null => {
      if (role === n.userTag) return { side: 'user' };
      if (role === n.assistantTag) return { side: 'assistant' };
      if (role === n.systemTag) return { side: 'system' };
      if (role === n.observationTag) return { side: 'user', unusual: `LLaMA-Factory wraps "${role}" messages in <tool_response>; Mini-o3 feeds observations as plain user messages` };
      if (role === n.functionTag) return { side: 'assistant', unusual: `"${role}" is a tool-call message, not Mini-o3's plain assistant turn` };
      return null;
    },
  };
}
