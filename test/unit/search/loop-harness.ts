import sharp from 'sharp';
import { OpenAiPolicy, type OpenAiPolicyOptions } from '../../../src/core/model/openai';
import { runVisualSearch, type SearchEvent, type VisualSearchOptions } from '../../../src/core/search';
import type { Trajectory } from '../../../src/core/trajectory/schema';
import { OpenAiTestServer, type OpenAiTestServerOptions, type ScriptedTurn } from '../../support/openai-server';
import { makeWorkspace, type Workspace } from './fixtures';

export interface Run {
  ws: Workspace;
  server: OpenAiTestServer;
  policy: OpenAiPolicy;
  trajectory: Trajectory;
  events: SearchEvent[];
}

export interface RunSetup {
  search?: Partial<VisualSearchOptions>;
  server?: OpenAiTestServerOptions;
  policy?: Partial<OpenAiPolicyOptions>;
  workspace?: Workspace;
  /** Called with the server before the search starts (to inject faults). */
  before?: (server: OpenAiTestServer) => void;
}

/** One search of the task "…yellow sign?" against a fresh loopback server replaying `script`. */
export async function run(script: (string | ScriptedTurn)[], setup: RunSetup = {}): Promise<Run> {
  const ws = setup.workspace ?? await makeWorkspace();
  const server = await OpenAiTestServer.start(setup.server ?? {});
  server.conversation('yellow sign', script);
  setup.before?.(server);
  const events: SearchEvent[] = [];
  const policy = new OpenAiPolicy({ url: server.url, model: 'mini-o3-test', retries: 2, baseDelayMs: 5, timeoutMs: 2000, ...setup.policy });
  const trajectory = await runVisualSearch({ task: ws.task, baseDir: ws.dir, policy, onEvent: (e) => events.push(e), ...setup.search });
  return { ws, server, policy, trajectory, events };
}

export async function done(r: Run): Promise<void> {
  await r.server.close();
  r.ws.cleanup();
}

export async function rgbOf(png: Buffer): Promise<{ width: number; height: number; data: Buffer }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}
