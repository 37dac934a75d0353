/**
 * Credentials are named on the command line by their workflow id, as `list` prints them:
 * `app/wechat/<appid>`, `component/<platform>/<componentAppid>`,
 * `authorizer/<platform>/<componentAppid>/<authorizerAppid>`.
 */
import { appRefParams, authorizerRefParams, componentRefParams } from '../gateway/request-schemas';
import type { CredentialRef } from '../workflows/credential-ids';
import { usageError } from './exit-codes';

export const CREDENTIAL_ID_HELP =
  'app/wechat/<appid> | component/<platform>/<componentAppid> | authorizer/<platform>/<componentAppid>/<authorizerAppid>';

export function parseCredentialId(id: string): CredentialRef {
  const [kind, ...parts] = id.split('/');
  const parsed =
    kind === 'app' && parts.length === 2
      ? appRefParams.safeParse({ platform: parts[0], appid: parts[1] })
      : kind === 'component' && parts.length === 2
        ? componentRefParams.safeParse({ platform: parts[0], componentAppid: parts[1] })
        : kind === 'authorizer' && parts.length === 3
          ? authorizerRefParams.safeParse({ platform: parts[0], componentAppid: parts[1], authorizerAppid: parts[2] })
          : undefined;
  if (!parsed?.success) throw usageError(`"${id}" is not a credential id (${CREDENTIAL_ID_HELP})`);
  return { kind, ...parsed.data } as CredentialRef;
}
