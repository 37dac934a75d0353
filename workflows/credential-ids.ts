/** Credentials and their workflow IDs: one open workflow per ID is Temporal's single-refresher guarantee. */
export type Platform = 'wechat' | 'douyin' | 'baidu';

export interface AppRef {
  kind: 'app';
  platform: Platform;
  appid: string;
}

export type CredentialRef = AppRef;

export function appWorkflowId(platform: Platform, appid: string): string {
  return `app/${platform}/${appid}`;
}

export function credentialWorkflowId(ref: CredentialRef): string {
  return appWorkflowId(ref.platform, ref.appid);
}
