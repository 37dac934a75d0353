/** WeChat Open Platform stacks for authorizer tests: a component fed by ticket pushes, served by a gateway. */
import { request } from 'undici';
import { authorizerWorkflowId } from '../../workflows/credential-ids';
import { describeQuery, tokenQuery, type CredentialDescription, type TokenView } from '../../workflows/messages';
import { eventually } from './eventually';
import type { Stack, StackComponent } from './stack';

export interface ReadyWechatComponent {
  component: StackComponent;
  gatewayUrl: string;
  handle(authorizerAppid: string): ReturnType<Stack['client']['workflow']['getHandle']>;
  describeAuthorizer(authorizerAppid: string): Promise<CredentialDescription>;
  tokenOf(authorizerAppid: string): Promise<TokenView>;
}

/**
 * Adds a WeChat component to `stack`, starts a gateway and the sandbox's ticket pushes, and waits
 * until the gateway serves the component token. Pause the tickets before tearing the stack down.
 */
export async function readyWechatComponent(stack: Stack): Promise<ReadyWechatComponent> {
  const component = await stack.addWechatComponent();
  const gatewayUrl = await stack.startGateway();
  await stack.sandbox.control.startTickets(component.componentAppid);
  await eventually(async () => {
    const response = await request(`${gatewayUrl}/v1/tokens/component/wechat/${component.componentAppid}`);
    await response.body.dump();
    return response.statusCode === 200 ? true : undefined;
  });
  const handle = (authorizerAppid: string) =>
    stack.client.workflow.getHandle(authorizerWorkflowId('wechat', component.componentAppid, authorizerAppid));
  return {
    component,
    gatewayUrl,
    handle,
    describeAuthorizer: (a) => handle(a).query(describeQuery),
    tokenOf: (a) => handle(a).query(tokenQuery),
  };
}
