import type { FastifyInstance } from 'fastify';
import { formBody, query } from '../../core/http';
import type { WechatState } from '../state';
import { authorizeMerchant } from './authorization';

/**
 * A stand-in for mp.weixin.qq.com/cgi-bin/componentloginpage: the merchant picks an appid and
 * consents; the sandbox then runs the same flow as the /authorize control call and redirects.
 */
export function registerLoginPage(app: FastifyInstance, wx: WechatState): void {
  app.get('/cgi-bin/componentloginpage', async (request, reply) => {
    const q = query(request);
    const component = q.component_appid ? wx.components.get(q.component_appid) : undefined;
    const problem = !component
      ? 'unknown component_appid'
      : !q.pre_auth_code || !component.preAuthCodes.has(q.pre_auth_code)
        ? 'invalid pre_auth_code'
        : !q.redirect_uri
          ? 'redirect_uri missing'
          : undefined;
    reply.type('text/html; charset=utf-8');
    if (problem) return reply.status(400).send(page(`<p class="error">${escape(problem)}</p>`));
    const hidden = ['component_appid', 'pre_auth_code', 'redirect_uri', 'auth_type']
      .map((name) => `<input type="hidden" name="${name}" value="${escape(q[name] ?? '')}">`)
      .join('');
    return reply.send(
      page(`<form method="post" action="/cgi-bin/componentloginpage/confirm">${hidden}
<label>Authorizer appid <input name="authorizer_appid" value="wx${wx.core.rng.hex(16)}"></label>
<label>Permission sets (comma-separated ids) <input name="func_info" value="1,2,3"></label>
<button type="submit">Authorize ${escape(q.component_appid ?? '')}</button></form>`),
    );
  });

  app.post('/cgi-bin/componentloginpage/confirm', async (request, reply) => {
    const form = formBody(request);
    const component = wx.components.get(form.component_appid ?? '');
    reply.type('text/html; charset=utf-8');
    if (!component || !form.authorizer_appid || !form.redirect_uri)
      return reply.status(400).send(page('<p class="error">incomplete form</p>'));
    const state = component.usePreAuthCode(form.pre_auth_code ?? '', wx.now());
    if (state !== 'ok') return reply.status(400).send(page(`<p class="error">pre_auth_code ${state}</p>`));
    const funcInfo = (form.func_info ?? '1,2,3')
      .split(',')
      .map((s) => Number(s.trim()))
      .filter((n) => Number.isInteger(n) && n > 0);
    const result = await authorizeMerchant(wx, component, {
      authorizerAppid: form.authorizer_appid,
      funcInfo,
      deliver: 'both',
      redirectUri: form.redirect_uri,
      preAuthCode: form.pre_auth_code,
    });
    return reply.redirect(result.redirectUrl ?? form.redirect_uri, 302);
  });
}

function page(content: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sandbox authorization</title></head><body><h1>WeChat Open Platform (sandbox)</h1>${content}</body></html>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
