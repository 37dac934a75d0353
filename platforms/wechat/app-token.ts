/**
 * WeChat own-app access tokens (公众号 / 小程序): `/cgi-bin/token` (basic) and
 * `/cgi-bin/stable_token` (stable, normal or force mode). docs/platforms.md §1.
 */
import { z } from 'zod';
import { parseAnswer, throwIfErrorAnswer, type AnswerSource } from '../answers';
import { requestJson, urlWithQuery, type HttpOptions } from '../http';
import { classifyWechatError } from './errors';

export type AppTokenMode = 'stable' | 'basic';

export interface AppTokenRequest {
  baseUrl: string;
  appid: string;
  secret: string;
  mode: AppTokenMode;
  /** Stable mode only: invalidate the current token at once (20 a day, 30 s apart). */
  forceRefresh?: boolean;
}

export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

const WECHAT: AnswerSource = { platform: 'wechat' };
const wechatErrorSchema = z
  .object({ errcode: z.number().int(), errmsg: z.string().default('') })
  .transform(({ errcode, errmsg }) => ({ code: errcode, message: errmsg }));
const tokenSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });

/** Throws the classified PlatformError when `body` is a WeChat error envelope (errcode ≠ 0). */
export function throwIfWechatError(body: unknown): void {
  throwIfErrorAnswer(WECHAT, body, wechatErrorSchema, classifyWechatError);
}

/** Parses a success body with `schema`, or throws the platform's error, or a malformed-answer error. */
export function parseWechatResponse<T>(body: unknown, schema: z.ZodType<T>): T {
  throwIfWechatError(body);
  return parseAnswer(WECHAT, body, schema, 'unexpected answer');
}

export async function fetchAppAccessToken(request: AppTokenRequest, http: HttpOptions): Promise<IssuedToken> {
  const { body } =
    request.mode === 'basic'
      ? await requestJson(
          'wechat',
          urlWithQuery(request.baseUrl, '/cgi-bin/token', {
            grant_type: 'client_credential',
            appid: request.appid,
            secret: request.secret,
          }),
          { method: 'GET' },
          http,
        )
      : await requestJson(
          'wechat',
          new URL('/cgi-bin/stable_token', request.baseUrl),
          {
            method: 'POST',
            json: {
              grant_type: 'client_credential',
              appid: request.appid,
              secret: request.secret,
              force_refresh: request.forceRefresh ?? false,
            },
          },
          http,
        );
  const token = parseWechatResponse(body, tokenSchema);
  return { accessToken: token.access_token, expiresInSeconds: token.expires_in };
}
