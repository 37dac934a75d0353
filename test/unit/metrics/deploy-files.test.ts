/**
 * The shipped alert rules and Grafana dashboard (deploy/) refer only to metrics that exist: a
 * renamed or removed metric fails here, not silently in production.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import '../../../metrics/activity-metrics';
import '../../../metrics/fleet-scan';
import '../../../metrics/gateway-metrics';
import '../../../metrics/read-metrics';
import '../../../metrics/upstream-metrics';
import { TEMPORAL_SDK_METRICS_USED } from '../../../metrics/exposition';
import { registry } from '../../../metrics/registry';

const root = path.resolve(__dirname, '../../..');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Every name a scrape can show: histograms add _bucket, _sum and _count. */
async function exportedNames(): Promise<Set<string>> {
  const names = new Set<string>(TEMPORAL_SDK_METRICS_USED.flatMap((n) => [n, `${n}_bucket`]));
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(metric.name + s);
  }
  return names;
}

function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(token_central_[a-z0-9_]+|temporal_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
}

describe('deploy files', () => {
  it('alert rules parse as Prometheus rule groups and cover the required conditions', () => {
    const file = parse(readFileSync(path.join(root, 'deploy/prometheus/alerts.yml'), 'utf8')) as {
      groups: { name: string; rules: Rule[] }[];
    };
    const rules = file.groups.flatMap((group) => group.rules);
    for (const rule of rules) {
      expect(rule).toEqual(expect.objectContaining({ alert: expect.any(String), expr: expect.any(String) }));
      expect(rule.labels?.severity).toMatch(/^(critical|warning)$/);
    }
    const exprs = rules.map((rule) => rule.expr).join('\n');
    for (const status of ['reauth_required', 'credential_invalid', 'expired']) expect(exprs).toContain(status);
    expect(exprs).toContain('token_central_ticket_stale');
    expect(exprs).toContain('token_central_refresh_overdue_credentials');
    expect(exprs).toMatch(/rate\(token_central_refreshes_total\{outcome="failure"\}/);
  });

  it('every metric the alert rules and the dashboard use is one token-central or the Temporal SDK exports', async () => {
    const names = await exportedNames();
    const alerts = parse(readFileSync(path.join(root, 'deploy/prometheus/alerts.yml'), 'utf8')) as {
      groups: { rules: Rule[] }[];
    };
    const dashboard = JSON.parse(readFileSync(path.join(root, 'deploy/grafana/token-central.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const used = [
      ...alerts.groups.flatMap((g) => g.rules.map((r) => r.expr)),
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
    ].flatMap(metricNames);
    expect(used.length).toBeGreaterThan(20);
    expect(used.filter((name) => !names.has(name))).toEqual([]);
  });

  it('every token-central metric has a dashboard panel', async () => {
    const dashboard = readFileSync(path.join(root, 'deploy/grafana/token-central.json'), 'utf8');
    const ours = (await registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('token_central_'));
    const unused = ours.filter((name) => !dashboard.includes(name) && !name.startsWith('token_central_fleet_scan_'));
    expect(unused).toEqual([]);
  });
});
