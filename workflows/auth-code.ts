/**
 * authCodeWorkflow: one per authorization code, ID `authcode/{platform}/{componentAppid}/{sha256(code)}`.
 * The redirect callback, the authorized/updateauthorized event and a Douyin/Baidu authorizer's own
 * recovery all exchange a code here, so the ID makes the single-use code be sent once whichever
 * path arrives first (docs/architecture.md, exactly-once rules). Then the grant goes to the
 * authorizer's workflow (a recovery gets it back as the result). Where the exchange does not name
 * the account (Baidu), its app id comes from the event or, for a redirect, the app-info API.
 *
 * The exchange is one attempt per activity (`SINGLE_USE_CALL`); the workflow retries only when the
 * code was certainly not consumed (code-exchange.ts). An ambiguous outcome is never re-sent: it is
 * recovered — Douyin/Baidu by the authorizer's workflow (retrieve a fresh code), WeChat from the
 * authorizer list — once the account is known. A redirect's code does not name the account: the
 * workflow then waits, while the code could still be used, for a delivery of the same code that
 * does (the event; `submitAuthCode` signals it), and fails if none comes. It fails only when the code
 * was certainly not consumed or cannot be any more, so a failed run does not block a later attempt
 * with the same code (`ALLOW_DUPLICATE_FAILED_ONLY`), while a running or completed one dedups.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  proxyActivities,
  sleep,
  type TemporalFailure,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ErrorCategory } from '../platforms/errors';
import { IDEMPOTENT_CALL, SINGLE_USE_CALL } from './activity-policies';
import { AUTH_CODE_LIFETIME_MS, decideExchangeFailure, type ExchangeFailure } from './code-exchange';
import { failureFacts, rethrowBug } from './credential-entity';
import { authCodeAccountSchema, authCodeAccountSignal, type AuthorizerGrant } from './messages';
import { tpDescriptor, type TpPlatform } from './tp-platforms';
import { setValidatedSignalHandler } from './validated-handlers';

export interface AuthCodeInput {
  /** Default 'wechat' (inputs of issue 5 had none). */
  platform?: TpPlatform;
  componentAppid: string;
  code: string;
  /** 'redirect', 'authorized', 'updateauthorized', 'recovery'. */
  source: string;
  /** Known when the code came with an event, or from a recovery. */
  authorizerAppid?: string;
  /**
   * Started by a Douyin/Baidu authorizer's recovery (a retrieved code): one attempt, and the grant
   * (or the ambiguity) is returned to that workflow instead of handed over.
   */
  recovery?: boolean;
  /** When the account authorized (platform time, epoch ms): the event's time or the redirect's arrival. */
  authorizedAt?: number;
}

/** A failure to report without a token in it. */
export interface ExchangeOutcomeFailure {
  category: ErrorCategory;
  code: string;
  message: string;
}

export interface AuthCodeResult {
  authorizerAppid: string;
  funcInfo: AuthorizerGrant['funcInfo'];
  /** How the authorizer's app id was learnt. */
  appidFrom: 'exchange' | 'event' | 'app_info' | 'recovery';
  /** The exchange was ambiguous; the authorizer's workflow recovers (Douyin/Baidu: a retrieved code). */
  recovering?: boolean;
  /** WeChat, ambiguous exchange: the authorizer's refresh token was read from the authorizer list. */
  refreshTokenFromList?: boolean;
  /** Recovery exchanges: the exchanged grant, for the authorizer that asked. */
  grant?: Omit<AuthorizerGrant, 'source'>;
  /** Recovery exchanges: the outcome was ambiguous; the code is spent for good (this ID dedups it). */
  ambiguous?: ExchangeOutcomeFailure;
}

const { exchangeAuthCode } = proxyActivities<Activities>(SINGLE_USE_CALL);
const { handOverGrant, resolveAuthorizerAppid, recoverWechatRefreshToken } =
  proxyActivities<Activities>(IDEMPOTENT_CALL);

/** The facts `decideExchangeFailure` needs, from an activity failure. */
function exchangeFailure(err: unknown): ExchangeFailure & { message: string } {
  const facts = failureFacts(err, Date.now());
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const platformError = cause instanceof ApplicationFailure && cause.type === 'PlatformError';
  return { ...facts, platformError };
}

function describeAmbiguity(failure: ExchangeFailure): string {
  return `ambiguous exchange (${failure.activityTimeout ? 'activity timed out' : failure.code})`;
}

export async function authCodeWorkflow(input: AuthCodeInput): Promise<AuthCodeResult> {
  const platform = input.platform ?? 'wechat';
  const { componentAppid } = input;
  const descriptor = tpDescriptor(platform);
  const arrived = Date.now();
  // Another delivery of this code may name the account (a redirect's code, then its event).
  let authorizerAppid = input.authorizerAppid;
  setValidatedSignalHandler(authCodeAccountSignal, authCodeAccountSchema, (account) => {
    authorizerAppid ??= account.authorizerAppid;
  });

  let exchanged: Awaited<ReturnType<typeof exchangeAuthCode>> | undefined;
  for (let attempt = 1; !exchanged; attempt++) {
    try {
      exchanged = await exchangeAuthCode.executeWithOptions(
        {
          ...SINGLE_USE_CALL,
          summary: `exchange ${platform} authorization code (${input.source}, attempt ${attempt})`,
        },
        [{ platform, componentAppid, code: input.code, singleUse: true }],
      );
    } catch (err) {
      rethrowBug(err);
      const failure = exchangeFailure(err);
      const decision = decideExchangeFailure(failure, attempt, Date.now() - arrived, platform);
      if (decision.next === 'recover') return recoverAmbiguous(failure);
      // A recovery makes one attempt: the authorizer retrieves a fresh code for the next one.
      if (decision.next === 'fail' || input.recovery) throw err as TemporalFailure;
      await sleep(decision.delayMs);
    }
  }

  if (input.recovery) {
    return {
      authorizerAppid: exchanged.authorizerAppid ?? input.authorizerAppid ?? '',
      funcInfo: exchanged.grant.funcInfo,
      appidFrom: 'recovery',
      grant: exchanged.grant,
    };
  }
  // The platform's answer names the account; an event's app id is only a hint, except where the answer has none.
  let appid = exchanged.authorizerAppid;
  let appidFrom: AuthCodeResult['appidFrom'] = 'exchange';
  if (!appid && authorizerAppid) {
    appid = authorizerAppid;
    appidFrom = 'event';
  }
  if (!appid) {
    if (!exchanged.grant.accessToken)
      throw ApplicationFailure.nonRetryable('exchange returned neither an app id nor a token');
    appid = await resolveAuthorizerAppid.executeWithOptions(
      { ...IDEMPOTENT_CALL, summary: `${platform} app id of the new authorization (app info)` },
      [{ platform, accessToken: exchanged.grant.accessToken }],
    );
    appidFrom = 'app_info';
  }
  await handOver(appid, { ...exchanged.grant, source: input.source }, `hand over to authorizer ${appid}`);
  return { authorizerAppid: appid, funcInfo: exchanged.grant.funcInfo, appidFrom };

  async function handOver(appid: string, grant: AuthorizerGrant, summary: string): Promise<void> {
    await handOverGrant.executeWithOptions({ ...IDEMPOTENT_CALL, summary }, [
      { platform, componentAppid, authorizerAppid: appid, grant: { ...grant, authorizedAt: input.authorizedAt } },
    ]);
  }

  /** The code may have been consumed: never send it again; recover through the account, once known. */
  async function recoverAmbiguous(failure: ExchangeFailure & { message: string }): Promise<AuthCodeResult> {
    const reason = describeAmbiguity(failure);
    if (input.recovery) {
      // Completing (not failing) keeps this ID closed to every later delivery of the spent code.
      return {
        authorizerAppid: input.authorizerAppid ?? '',
        funcInfo: [],
        appidFrom: 'recovery',
        ambiguous: { category: failure.category as ErrorCategory, code: failure.code, message: reason },
      };
    }
    const known = await condition(() => authorizerAppid !== undefined, codeLeftMs());
    if (!known || !authorizerAppid) {
      // Nobody named the account while the code could be used; now it cannot be used by anyone.
      throw ApplicationFailure.nonRetryable(
        `${reason}, and no delivery named the account: the authorization must be given again`,
        'AuthorizationLost',
      );
    }
    const appid = authorizerAppid;
    const appidFrom = 'event'; // this delivery's event, or another delivery's (authCodeAccount)
    if (descriptor.recovery === 'retrieve_code') {
      await handOver(
        appid,
        { funcInfo: [], latencyMs: 0, source: input.source, recover: reason },
        `hand over to authorizer ${appid} for recovery`,
      );
      return { authorizerAppid: appid, funcInfo: [], appidFrom, recovering: true };
    }
    // WeChat: the authorizer list holds the account's refresh token once the code was exchanged.
    const { refreshToken } = await recoverWechatRefreshToken.executeWithOptions(
      { ...IDEMPOTENT_CALL, summary: `refresh token of ${appid} from the authorizer list (${reason})` },
      [{ componentAppid, authorizerAppid: appid }],
    );
    if (!refreshToken) {
      throw ApplicationFailure.nonRetryable(
        `${reason}, and the authorizer list holds no refresh token for the account`,
        'AuthorizationLost',
      );
    }
    await handOver(
      appid,
      { funcInfo: [], latencyMs: 0, source: input.source, refreshToken },
      `hand over the listed refresh token to authorizer ${appid}`,
    );
    return { authorizerAppid: appid, funcInfo: [], appidFrom, refreshTokenFromList: true };
  }

  /** How long the code can still be used by anyone (then waiting for the account is pointless). */
  function codeLeftMs(): number {
    return Math.max(1, AUTH_CODE_LIFETIME_MS[platform] - (Date.now() - arrived));
  }
}
