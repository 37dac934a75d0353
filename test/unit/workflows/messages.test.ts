/**
 * The message schemas (workflows/messages.ts) are the one definition of every signal and update
 * argument: what the senders build passes, and what a key holder could send to corrupt a workflow
 * (wrong types, non-finite or negative numbers, oversized strings and arrays, both secret
 * reference kinds at once, a digest that is not one) is refused. A refusal's description names
 * paths and problem kinds, never the values (which may be tokens).
 */
import { appSettings, componentSettings } from '../../../client/credentials';
import {
  appSettingsSchema,
  authorizerGrantSchema,
  componentSettingsSchema,
  invalidationReportSchema,
  revocationSchema,
  ticketPushSchema,
} from '../../../workflows/messages';
import { describeIssues } from '../../../workflows/validated-handlers';

const refs = { token: { env: 'T' }, encodingAESKey: { env: 'A' } };

describe('message schemas accept what the senders build', () => {
  it('settings from configuration, tickets, grants, revocations, reports', () => {
    const app = appSettings({ platform: 'wechat', appid: 'wxapp0001', mode: 'stable', secret: { env: 'S' } });
    expect(appSettingsSchema.parse(app)).toEqual(app);
    for (const component of [
      { platform: 'wechat' as const, componentAppid: 'wxc00001', secret: { file: '/run/s' }, ...refs },
      { platform: 'baidu' as const, componentAppid: 'bdc00001', ...refs },
    ]) {
      const settings = componentSettings(component);
      expect(componentSettingsSchema.parse(settings)).toEqual(settings);
    }
    expect(ticketPushSchema.parse({ ticket: 'ticket@@@abc', createTime: 1_700_000_000 })).toBeTruthy();
    const grant = {
      accessToken: 'at',
      expiresInMs: 7_200_000,
      latencyMs: 12,
      refreshToken: 'rt',
      funcInfo: [1, 2],
      source: 'updateauthorized',
    };
    expect(authorizerGrantSchema.parse(grant)).toEqual(grant);
    expect(
      authorizerGrantSchema.parse({ funcInfo: [], latencyMs: 0, source: 'authorized', recover: 'x' }),
    ).toBeTruthy();
    expect(revocationSchema.parse({ at: 1_700_000_000_000 })).toEqual({ at: 1_700_000_000_000 });
    expect(invalidationReportSchema.parse({ version: 3, reason: '40001' })).toEqual({ version: 3, reason: '40001' });
  });

  it('strips unknown keys, so only the fields the workflow knows are ever stored', () => {
    expect(invalidationReportSchema.parse({ version: 1, __proto__: { polluted: true }, extra: 'x' })).toEqual({
      version: 1,
    });
  });
});

describe('message schemas refuse what would corrupt a workflow', () => {
  const refused: Array<[string, { safeParse(v: unknown): { success: boolean } }, unknown]> = [
    ['no argument', invalidationReportSchema, undefined],
    ['null', invalidationReportSchema, null],
    ['an array', invalidationReportSchema, [1]],
    ['version as text', invalidationReportSchema, { version: '1' }],
    ['fractional version', invalidationReportSchema, { version: 1.5 }],
    ['negative version', invalidationReportSchema, { version: -1 }],
    ['unsafe version', invalidationReportSchema, { version: 2 ** 60 }],
    ['huge reason', invalidationReportSchema, { version: 1, reason: 'x'.repeat(10_000) }],
    ['unknown mode', appSettingsSchema, { mode: 'turbo', secretRef: { env: 'S' } }],
    ['no secret', appSettingsSchema, { mode: 'basic' }],
    ['both secret kinds', appSettingsSchema, { mode: 'basic', secretRef: { env: 'S', file: '/x' } }],
    ['env name with =', appSettingsSchema, { mode: 'basic', secretRef: { env: 'A=B' } }],
    ['file with NUL', appSettingsSchema, { mode: 'basic', secretRef: { file: '/a\u0000b' } }],
    ['digest not hex', appSettingsSchema, { mode: 'basic', secretRef: { env: 'S' }, digest: 'secret-value-here' }],
    ['zero validity', componentSettingsSchema, { ticketValidityMs: 0, staleTicketAfterMs: 1 }],
    ['endless validity', componentSettingsSchema, { ticketValidityMs: 1e300, staleTicketAfterMs: 1 }],
    ['empty ticket', ticketPushSchema, { ticket: '', createTime: 1 }],
    ['huge ticket', ticketPushSchema, { ticket: 'x'.repeat(100_000), createTime: 1 }],
    ['ticket as object', ticketPushSchema, { ticket: { toString: 'x' }, createTime: 1 }],
    ['negative createTime', ticketPushSchema, { ticket: 't', createTime: -5 }],
    ['no funcInfo', authorizerGrantSchema, { latencyMs: 0, source: 'authorized' }],
    ['huge funcInfo', authorizerGrantSchema, { funcInfo: Array(10_000).fill(1), latencyMs: 0, source: 'authorized' }],
    ['source with markup', authorizerGrantSchema, { funcInfo: [], latencyMs: 0, source: '<script>' }],
    ['zero lifetime', authorizerGrantSchema, { funcInfo: [], latencyMs: 0, source: 'a', expiresInMs: 0 }],
    ['empty token', authorizerGrantSchema, { funcInfo: [], latencyMs: 0, source: 'a', accessToken: '' }],
    ['revocation without time', revocationSchema, {}],
    ['revocation at infinity', revocationSchema, { at: Number.POSITIVE_INFINITY }],
  ];
  it.each(refused)('%s', (_name, schema, value) => {
    expect(schema.safeParse(value).success).toBe(false);
  });

  it('describes a refusal by path and kind, never by value', () => {
    const secret = 'tok_this_must_not_leak';
    const result = authorizerGrantSchema.safeParse({ accessToken: 7, refreshToken: [secret], source: secret });
    expect(result.success).toBe(false);
    const described = describeIssues(result.error!);
    expect(described).toMatch(/accessToken: invalid_type/);
    expect(described).not.toContain(secret);
  });
});
