/** Credentials and their workflow IDs: one open workflow per ID is Temporal's single-refresher guarantee. */
export type Platform = 'wechat' | 'douyin' | 'baidu';

export interface AppRef {
  kind: 'app';
  platform: Platform;
  appid: string;
}

/** A third-party platform's own component_access_token. */
export interface ComponentRef {
  kind: 'component';
  platform: Platform;
  componentAppid: string;
}

/** The token of an account that authorized a third-party platform. */
export interface AuthorizerRef {
  kind: 'authorizer';
  platform: Platform;
  componentAppid: string;
  authorizerAppid: string;
}

export type CredentialRef = AppRef | ComponentRef | AuthorizerRef;

export function appWorkflowId(platform: Platform, appid: string): string {
  return `app/${platform}/${appid}`;
}

export function componentWorkflowId(platform: Platform, componentAppid: string): string {
  return `component/${platform}/${componentAppid}`;
}

export function authorizerWorkflowId(platform: Platform, componentAppid: string, authorizerAppid: string): string {
  return `authorizer/${platform}/${componentAppid}/${authorizerAppid}`;
}

export function credentialWorkflowId(ref: CredentialRef): string {
  switch (ref.kind) {
    case 'component':
      return componentWorkflowId(ref.platform, ref.componentAppid);
    case 'authorizer':
      return authorizerWorkflowId(ref.platform, ref.componentAppid, ref.authorizerAppid);
    default:
      return appWorkflowId(ref.platform, ref.appid);
  }
}
