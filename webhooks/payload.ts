/**
 * The JSON body of a status-change webhook (snake_case like the HTTP API): names, statuses, time
 * and reason; never a token, ticket or secret.
 */
import type { StatusNotification } from '../workflows/status-change';

export interface WebhookBody {
  id: string;
  type: StatusNotification['type'];
  credential_id: string;
  platform: string;
  kind: StatusNotification['kind'];
  appid?: string;
  component_appid?: string;
  authorizer_appid?: string;
  old_status: string | null;
  new_status: string;
  /** ISO 8601. */
  at: string;
  reason: string | null;
}

export function webhookBody(n: StatusNotification): WebhookBody {
  return {
    id: n.id,
    type: n.type,
    credential_id: n.credentialId,
    platform: n.platform,
    kind: n.kind,
    ...(n.appid === undefined ? {} : { appid: n.appid }),
    ...(n.componentAppid === undefined ? {} : { component_appid: n.componentAppid }),
    ...(n.authorizerAppid === undefined ? {} : { authorizer_appid: n.authorizerAppid }),
    old_status: n.oldStatus ?? null,
    new_status: n.newStatus,
    at: new Date(n.at).toISOString(),
    reason: n.reason ?? null,
  };
}
