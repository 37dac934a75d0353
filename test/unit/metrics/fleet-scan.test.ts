import { fleetQuery, fleetSnapshot, type ScannedCredential } from '../../../metrics/fleet-scan';

const now = Date.UTC(2026, 0, 1, 12);
const HOUR = 3_600_000;

function app(appid: string, status: string, view: ScannedCredential['view'], ops?: ScannedCredential['ops']) {
  return { platform: 'wechat', kind: 'app', status, appid, view, ops } satisfies ScannedCredential;
}

describe('fleet snapshot', () => {
  it('counts credentials by platform, kind and status; a lapsed active token counts as expired', () => {
    const snapshot = fleetSnapshot(
      [
        app('a', 'active', { status: 'active', accessToken: 't', expiresAt: now + HOUR, version: 1 }),
        app('b', 'active', { status: 'active', accessToken: 't', expiresAt: now + 2 * HOUR, version: 1 }),
        app('c', 'active', { status: 'active', accessToken: 't', expiresAt: now - 1, version: 1 }),
        app('d', 'reauth_required', { status: 'reauth_required', version: 3 }),
      ],
      now,
    );
    expect(snapshot.credentials).toEqual(
      expect.arrayContaining([
        { labels: { platform: 'wechat', kind: 'app', status: 'active' }, value: 2 },
        { labels: { platform: 'wechat', kind: 'app', status: 'expired' }, value: 1 },
        { labels: { platform: 'wechat', kind: 'app', status: 'reauth_required' }, value: 1 },
      ]),
    );
    expect(snapshot.credentials).toHaveLength(3);
    // The soonest valid expiry, in seconds.
    expect(snapshot.expiryMin).toEqual([{ labels: { platform: 'wechat', kind: 'app' }, value: 3600 }]);
  });

  it('counts a valid token whose scheduled refresh is over a minute late as overdue', () => {
    const view = (nextRefreshAt: number) => ({
      status: 'active' as const,
      accessToken: 't',
      expiresAt: now + 5 * 60_000,
      version: 1,
      nextRefreshAt,
    });
    const snapshot = fleetSnapshot(
      [app('a', 'active', view(now - 61_000)), app('b', 'active', view(now - 30_000))],
      now,
    );
    expect(snapshot.refreshOverdue).toEqual([{ labels: { platform: 'wechat', kind: 'app' }, value: 1 }]);
  });

  it('gives each component its ticket age and staleness, and apps the force refreshes left today', () => {
    const snapshot = fleetSnapshot(
      [
        {
          platform: 'douyin',
          kind: 'component',
          status: 'active',
          componentAppid: 'tt1',
          ops: { ticketReceivedAt: now - 40 * 60_000 },
          ticketStale: true,
        },
        {
          platform: 'baidu',
          kind: 'component',
          status: 'pending',
          componentAppid: 'bd1',
          ops: { waitingForTicketSince: now - 5_000 },
        },
        app('a', 'active', undefined, { forceRefreshTimes: [now - 25 * HOUR, now - HOUR, now - 2 * HOUR] }),
        app('b', 'active', undefined),
      ],
      now,
    );
    expect(snapshot.ticketAge).toEqual([
      { labels: { platform: 'douyin', component_appid: 'tt1' }, value: 2400 },
      { labels: { platform: 'baidu', component_appid: 'bd1' }, value: 5 },
    ]);
    expect(snapshot.ticketStale).toEqual([
      { labels: { platform: 'douyin', component_appid: 'tt1' }, value: 1 },
      { labels: { platform: 'baidu', component_appid: 'bd1' }, value: 0 },
    ]);
    // Two of the three force refreshes are within 24 h; an app that used none has no series.
    expect(snapshot.forceRefreshesLeft).toEqual([{ labels: { appid: 'a' }, value: 18 }]);
    expect(snapshot.forceRefreshesLeftMin).toBe(18);
  });

  it('lists only this deployment’s running credential workflows', () => {
    expect(fleetQuery("tq'x")).toBe(
      "WorkflowType IN ('appTokenWorkflow', 'componentTokenWorkflow', 'authorizerTokenWorkflow') " +
        "AND ExecutionStatus = 'Running' AND TaskQueue = 'tq\\'x'",
    );
  });
});
