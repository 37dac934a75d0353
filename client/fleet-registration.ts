/**
 * Registers a configured fleet at boot: concurrently (a bounded pool, not one round trip after
 * another), and only what is new or whose settings changed. One visibility listing tells which
 * credential workflows run with which settings digest (the TokenSettings search attribute), so a
 * restart of an unchanged fleet of 10,000 signals nothing.
 */
import type { ComponentConfig, WechatAppConfig } from '../config/config';
import { appWorkflowId, componentWorkflowId } from '../workflows/credential-ids';
import { TokenSettings } from '../workflows/search-attributes';
import { appSettings, componentSettings, registerApp, registerComponent, type WorkflowTarget } from './credentials';

export interface Fleet {
  apps: readonly WechatAppConfig[];
  components: readonly ComponentConfig[];
}

export interface FleetRegistrationResult {
  registered: number;
  unchanged: number;
  failed: { id: string; error: Error }[];
}

export interface FleetRegistrationOptions {
  /** Registrations in flight at once (default 32). */
  concurrency?: number;
  /** Called after each registration with the counts so far (progress logs). */
  onProgress?: (done: number, total: number) => void;
}

/** Running credential workflows and the settings digest each one holds. */
async function runningDigests({ client }: WorkflowTarget): Promise<Map<string, string | undefined>> {
  const digests = new Map<string, string | undefined>();
  const query = "ExecutionStatus = 'Running' AND TokenKind IN ('app', 'component')";
  for await (const wf of client.workflow.list({ query })) {
    digests.set(wf.workflowId, wf.typedSearchAttributes.get(TokenSettings));
  }
  return digests;
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

export async function registerFleet(
  target: WorkflowTarget,
  fleet: Fleet,
  options: FleetRegistrationOptions = {},
): Promise<FleetRegistrationResult> {
  const running = await runningDigests(target);
  const pending = [
    ...fleet.apps.map((app) => ({
      id: appWorkflowId(app.platform, app.appid),
      digest: appSettings(app).digest,
      register: () => registerApp(target, app),
    })),
    ...fleet.components.map((component) => ({
      id: componentWorkflowId(component.platform, component.componentAppid),
      digest: componentSettings(component).digest,
      register: () => registerComponent(target, component),
    })),
  ].filter((entry) => running.get(entry.id) !== entry.digest);
  const result: FleetRegistrationResult = {
    registered: 0,
    unchanged: fleet.apps.length + fleet.components.length - pending.length,
    failed: [],
  };
  await inPool(pending, options.concurrency ?? 32, async (entry) => {
    try {
      await entry.register();
      result.registered++;
    } catch (err) {
      result.failed.push({ id: entry.id, error: err as Error });
    }
    options.onProgress?.(result.registered + result.failed.length, pending.length);
  });
  return result;
}
