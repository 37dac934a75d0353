/**
 * appTokenWorkflow: one per own app (WeChat 公众号 / 小程序), ID `app/wechat/{appid}`.
 * Obtains the access token in the app's mode, refreshes it ahead of expiry, answers reads and
 * handles passive refresh. The appsecret never enters it: activities resolve `secretRef`.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { PLATFORM_CALL } from './activity-policies';
import { CredentialEntity, publishSettingsDigest, type Attempt } from './credential-entity';
import { carriedState, initialState, type CredentialState } from './credential-state';
import { appWorkflowId } from './credential-ids';
import { appSettingsSchema, configureSignal, type AppSettings } from './messages';
import { setValidatedSignalHandler } from './validated-handlers';
import { MINTING_POLICY, STABLE_WINDOW_POLICY, nextForceRefreshAllowedAt } from './refresh-schedule';

export interface AppTokenInput {
  platform: 'wechat';
  appid: string;
  settings: AppSettings;
  /** Carried over continue-as-new. */
  state?: CredentialState;
}

const { fetchWechatAppToken } = proxyActivities<Activities>(PLATFORM_CALL);

export async function appTokenWorkflow(input: AppTokenInput): Promise<void> {
  let settings = input.settings;
  let reconfigured = false;
  const entity = new CredentialEntity(input.state ?? initialState(), {
    id: appWorkflowId(input.platform, input.appid),
    policy: () => (settings.mode === 'stable' ? STABLE_WINDOW_POLICY : MINTING_POLICY),
    settings: () => ({
      mode: settings.mode,
      secret: 'env' in settings.secretRef ? `env:${settings.secretRef.env}` : `file:${settings.secretRef.file}`,
    }),
  });
  entity.registerHandlers();
  setValidatedSignalHandler(configureSignal, appSettingsSchema, (next) => {
    reconfigured = JSON.stringify(next) !== JSON.stringify(settings);
    settings = next;
    if (reconfigured) publishSettingsDigest(next.digest);
  });

  const fetchToken = (forceRefresh: boolean) =>
    fetchWechatAppToken.executeWithOptions(
      { ...PLATFORM_CALL, summary: `${forceRefresh ? 'force-refresh' : settings.mode} token for ${input.appid}` },
      [{ appid: input.appid, mode: settings.mode, secretRef: settings.secretRef, forceRefresh }],
    );

  const obtain = async (passive: boolean): Promise<Attempt> => {
    const rejected = entity.state.token?.accessToken;
    const obtained = await fetchToken(false);
    // Stable normal mode hands back the same token until its last minutes. Only when a caller saw
    // that very token rejected is a force refresh worth one of the 20 a day.
    if (!(passive && settings.mode === 'stable' && obtained.accessToken === rejected)) return { obtained };
    const allowedAt = nextForceRefreshAllowedAt(entity.state.forceTimes, Date.now());
    if (allowedAt === 'exhausted') {
      const message = 'stable_token force refresh: 20 a day used, keeping the current token';
      return {
        obtained,
        warning: { at: Date.now(), category: 'quota_exhausted', code: 'force_refresh_limit', message },
      };
    }
    if (allowedAt > Date.now()) await sleep(allowedAt - Date.now());
    return { obtained: await fetchToken(true), forced: true };
  };

  if (!entity.state.token) await entity.refresh(obtain);
  for (;;) {
    if (await entity.shouldContinueAsNew()) {
      await entity.continueAsNew<typeof appTokenWorkflow>({
        ...input,
        settings,
        state: carriedState(entity.state, Date.now()),
      });
    }
    const due = await entity.sleepUntilDue(() => reconfigured);
    if (reconfigured) {
      reconfigured = false;
      if (entity.state.status === 'credential_invalid') await entity.refresh(obtain);
    } else if (due || entity.hasPendingReport) {
      await entity.refresh(obtain);
    }
  }
}
