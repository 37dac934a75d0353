/**
 * Messages of every credential workflow, shared by workflows, TokenClient and gateway.
 * Reports name a token by its version, so no token value travels in a signal or update.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export type CredentialStatus =
  'pending' | 'active' | 'refreshing' | 'degraded' | 'expired' | 'reauth_required' | 'credential_invalid' | 'revoked';

/** What readers get: never an expired token. */
export interface TokenView {
  status: CredentialStatus;
  accessToken?: string;
  /** Epoch ms. */
  expiresAt?: number;
  /** Increases every time the token value changes. */
  version: number;
}

export interface FailureSummary {
  at: number;
  category: string;
  code: string;
  message: string;
}

/** Lifecycle without secrets, for operators and the admin API. */
export interface CredentialDescription {
  id: string;
  status: CredentialStatus;
  version: number;
  expiresAt?: number;
  obtainedAt?: number;
  nextRefreshAt?: number;
  refreshes: number;
  passiveRefreshes: number;
  forcedRefreshes: number;
  consecutiveFailures: number;
  lastError?: FailureSummary;
  settings: Record<string, unknown>;
}

/** A caller saw the token of this version rejected. */
export interface InvalidationReport {
  version: number;
  reason?: string;
}

export const tokenQuery = defineQuery<TokenView>('token');
export const describeQuery = defineQuery<CredentialDescription>('describe');
export const invalidateSignal = defineSignal<[InvalidationReport]>('invalidate');
export const refreshUpdate = defineUpdate<TokenView, [InvalidationReport]>('refresh');

/** Own-app settings that can change without restarting the workflow (admin API, config reload). */
export interface AppSettings {
  mode: 'stable' | 'basic';
  secretRef: { env: string } | { file: string };
}
export const configureSignal = defineSignal<[AppSettings]>('configure');
