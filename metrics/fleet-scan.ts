/**
 * Fleet-wide gauges from one visibility list per interval, in the gateway: no worker involved.
 * Each credential workflow's search attributes and memo (its token view and `ops` facts, decoded
 * by the client's codec) give its status, expiry, schedule, ticket and force refreshes.
 * `fleetSnapshot` is pure; `FleetScanner` lists and sets the gauges.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { Counter, Gauge } from 'prom-client';
import type { TokenView } from '../workflows/messages';
import { TOKEN_VIEW_MEMO_KEY } from '../workflows/messages';
import { OPS_MEMO_KEY, type CredentialOps } from '../workflows/ops-memo';
import { FORCE_REFRESH_DAILY_LIMIT } from '../workflows/refresh-schedule';
import {
  TicketStale,
  TokenAppId,
  TokenComponentAppId,
  TokenKind,
  TokenPlatform,
  TokenStatus,
} from '../workflows/search-attributes';
import { registry } from './registry';

const DAY_MS = 24 * 60 * 60 * 1000;
/** A scheduled refresh this late (worker down or stuck) counts as overdue. */
export const REFRESH_OVERDUE_AFTER_MS = 60_000;

export interface ScannedCredential {
  platform: string;
  kind: string;
  /** The status as published (search attribute, else the view's). */
  status: string;
  appid?: string;
  componentAppid?: string;
  view?: TokenView;
  ops?: CredentialOps;
  ticketStale?: boolean;
}

export interface Sample<L extends string = string> {
  labels: Record<L, string>;
  value: number;
}

export interface FleetSnapshot {
  credentials: Sample<'platform' | 'kind' | 'status'>[];
  expiryMin: Sample<'platform' | 'kind'>[];
  refreshOverdue: Sample<'platform' | 'kind'>[];
  ticketAge: Sample<'platform' | 'component_appid'>[];
  ticketStale: Sample<'platform' | 'component_appid'>[];
  forceRefreshesLeft: Sample<'appid'>[];
  forceRefreshesLeftMin: number | undefined;
}

/** What a reader would see at `now`: a token past its expiry makes an `active` or `degraded` credential `expired`. */
export function statusAt(credential: ScannedCredential, now: number): string {
  const expiresAt = credential.view?.expiresAt;
  const lapsed = expiresAt !== undefined && expiresAt <= now;
  return lapsed && (credential.status === 'active' || credential.status === 'degraded') ? 'expired' : credential.status;
}

/** The gauges' values for a list of credentials at `now` (pure). */
export function fleetSnapshot(credentials: readonly ScannedCredential[], now: number): FleetSnapshot {
  const counts = new Map<string, Sample<'platform' | 'kind' | 'status'>>();
  const expiry = new Map<string, Sample<'platform' | 'kind'>>();
  const overdue = new Map<string, Sample<'platform' | 'kind'>>();
  const snapshot: FleetSnapshot = {
    credentials: [],
    expiryMin: [],
    refreshOverdue: [],
    ticketAge: [],
    ticketStale: [],
    forceRefreshesLeft: [],
    forceRefreshesLeftMin: undefined,
  };
  for (const c of credentials) {
    const { platform, kind } = c;
    const status = statusAt(c, now);
    const countKey = `${platform}/${kind}/${status}`;
    const count = counts.get(countKey) ?? { labels: { platform, kind, status }, value: 0 };
    count.value++;
    counts.set(countKey, count);

    const kindKey = `${platform}/${kind}`;
    const overdueSample = overdue.get(kindKey) ?? { labels: { platform, kind }, value: 0 };
    overdue.set(kindKey, overdueSample);
    const expiresAt = c.view?.accessToken !== undefined ? c.view.expiresAt : undefined;
    if (expiresAt !== undefined && expiresAt > now) {
      const seconds = (expiresAt - now) / 1000;
      const min = expiry.get(kindKey);
      if (!min || seconds < min.value) expiry.set(kindKey, { labels: { platform, kind }, value: seconds });
      const due = c.view?.nextRefreshAt;
      if (due !== undefined && now - due > REFRESH_OVERDUE_AFTER_MS) overdueSample.value++;
    }

    if (kind === 'component' && c.componentAppid) {
      const labels = { platform, component_appid: c.componentAppid };
      const silentSince = c.ops?.ticketReceivedAt ?? c.ops?.waitingForTicketSince;
      if (silentSince !== undefined) snapshot.ticketAge.push({ labels, value: Math.max(0, now - silentSince) / 1000 });
      snapshot.ticketStale.push({ labels, value: c.ticketStale ? 1 : 0 });
    }

    if (kind === 'app' && c.appid) {
      const used = (c.ops?.forceRefreshTimes ?? []).filter((at) => at > now - DAY_MS).length;
      const left = Math.max(0, FORCE_REFRESH_DAILY_LIMIT - used);
      // Only apps that spent some today get a series: 10,000 apps at 20 would be 10,000 idle series.
      if (used > 0) snapshot.forceRefreshesLeft.push({ labels: { appid: c.appid }, value: left });
      snapshot.forceRefreshesLeftMin = Math.min(snapshot.forceRefreshesLeftMin ?? Infinity, left);
    }
  }
  snapshot.credentials = [...counts.values()];
  snapshot.expiryMin = [...expiry.values()];
  snapshot.refreshOverdue = [...overdue.values()];
  return snapshot;
}

/** A listed workflow as the snapshot reads it. */
export function scannedCredential(info: WorkflowExecutionInfo): ScannedCredential | undefined {
  const attributes = info.typedSearchAttributes;
  const platform = attributes.get(TokenPlatform);
  const kind = attributes.get(TokenKind);
  const view = info.memo?.[TOKEN_VIEW_MEMO_KEY] as TokenView | undefined;
  const status = attributes.get(TokenStatus) ?? view?.status;
  if (!platform || !kind || !status) return undefined;
  return {
    platform,
    kind,
    status,
    appid: attributes.get(TokenAppId),
    componentAppid: attributes.get(TokenComponentAppId),
    view,
    ops: info.memo?.[OPS_MEMO_KEY] as CredentialOps | undefined,
    ticketStale: attributes.get(TicketStale),
  };
}

const gauges = {
  credentials: new Gauge({
    name: 'token_central_credentials',
    help: 'Credential workflows by platform, kind and status (fleet scan)',
    labelNames: ['platform', 'kind', 'status'] as const,
    registers: [registry],
  }),
  expiryMin: new Gauge({
    name: 'token_central_token_expiry_seconds_min',
    help: 'Seconds until the soonest-expiring valid token of each platform and kind expires (fleet scan)',
    labelNames: ['platform', 'kind'] as const,
    registers: [registry],
  }),
  refreshOverdue: new Gauge({
    name: 'token_central_refresh_overdue_credentials',
    help: `Credentials holding a valid token whose scheduled refresh is over ${REFRESH_OVERDUE_AFTER_MS / 1000} s late (fleet scan)`,
    labelNames: ['platform', 'kind'] as const,
    registers: [registry],
  }),
  ticketAge: new Gauge({
    name: 'token_central_ticket_age_seconds',
    help: 'Seconds since the component last received a ticket push (or started waiting for its first) (fleet scan)',
    labelNames: ['platform', 'component_appid'] as const,
    registers: [registry],
  }),
  ticketStale: new Gauge({
    name: 'token_central_ticket_stale',
    help: '1 while the component’s push channel is stale (TicketStale search attribute) (fleet scan)',
    labelNames: ['platform', 'component_appid'] as const,
    registers: [registry],
  }),
  forceRefreshesLeft: new Gauge({
    name: 'token_central_force_refreshes_left',
    help: 'stable_token force refreshes left in the last 24 h, for apps that used any (fleet scan)',
    labelNames: ['appid'] as const,
    registers: [registry],
  }),
  forceRefreshesLeftMin: new Gauge({
    name: 'token_central_force_refreshes_left_min',
    help: 'The fewest stable_token force refreshes any own app has left in the last 24 h (fleet scan)',
    registers: [registry],
  }),
  scanTimestamp: new Gauge({
    name: 'token_central_fleet_scan_timestamp_seconds',
    help: 'Unix time of the last successful fleet scan',
    registers: [registry],
  }),
  scanDuration: new Gauge({
    name: 'token_central_fleet_scan_duration_seconds',
    help: 'How long the last fleet scan took',
    registers: [registry],
  }),
};

export const fleetScanErrorsTotal = new Counter({
  name: 'token_central_fleet_scan_errors_total',
  help: 'Fleet scans that failed (Temporal unreachable, visibility query refused)',
  registers: [registry],
});

function setSamples<L extends string>(gauge: Gauge<L>, samples: readonly Sample<L>[]) {
  gauge.reset();
  for (const sample of samples) gauge.set(sample.labels as Partial<Record<L, string>>, sample.value);
}

/** Sets the fleet gauges from a snapshot (series that disappeared are removed). */
export function applySnapshot(snapshot: FleetSnapshot): void {
  setSamples(gauges.credentials, snapshot.credentials);
  setSamples(gauges.expiryMin, snapshot.expiryMin);
  setSamples(gauges.refreshOverdue, snapshot.refreshOverdue);
  setSamples(gauges.ticketAge, snapshot.ticketAge);
  setSamples(gauges.ticketStale, snapshot.ticketStale);
  setSamples(gauges.forceRefreshesLeft, snapshot.forceRefreshesLeft);
  gauges.forceRefreshesLeftMin.reset();
  if (snapshot.forceRefreshesLeftMin !== undefined) gauges.forceRefreshesLeftMin.set(snapshot.forceRefreshesLeftMin);
}

/** The credential workflows of one deployment (its task queue), running. */
export function fleetQuery(taskQueue: string): string {
  return (
    `WorkflowType IN ('appTokenWorkflow', 'componentTokenWorkflow', 'authorizerTokenWorkflow') ` +
    `AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue.replace(/'/g, "\\'")}'`
  );
}

export class FleetScanner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly intervalMs: number,
  ) {}

  /** One scan now: lists the fleet and sets the gauges. */
  async scan(): Promise<void> {
    const started = performance.now();
    try {
      const credentials: ScannedCredential[] = [];
      for await (const info of this.client.workflow.list({ query: fleetQuery(this.taskQueue) })) {
        const credential = scannedCredential(info);
        if (credential) credentials.push(credential);
      }
      applySnapshot(fleetSnapshot(credentials, Date.now()));
      gauges.scanTimestamp.set(Date.now() / 1000);
      gauges.scanDuration.set((performance.now() - started) / 1000);
    } catch {
      fleetScanErrorsTotal.inc();
    }
  }

  /** Scans now and every interval until `stop`. */
  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    const tick = () => {
      this.running = this.scan().finally(() => {
        this.running = undefined;
        if (this.timer) this.timer = setTimeout(tick, this.intervalMs).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
