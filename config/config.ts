/**
 * The one configuration module every process (worker, gateway, npm start, CLI) loads.
 *
 * Sources, later winning: defaults < JSON file named by TOKEN_CENTRAL_CONFIG < environment.
 * Temporal's own connection settings use the conventional TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY and TEMPORAL_TLS_* variables through @temporalio/envconfig.
 * Secrets are never literal here: an app names an env var or a file that holds its secret.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { z } from 'zod';

export const secretRefSchema = z.union([
  z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;

const port = z.coerce.number().int().min(0).max(65535);
const url = z.string().url();

export const wechatAppSchema = z
  .object({
    platform: z.literal('wechat'),
    appid: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/, 'must be an appid'),
    mode: z.enum(['stable', 'basic']).default('stable'),
    secret: secretRefSchema,
  })
  .strict();
export type WechatAppConfig = z.infer<typeof wechatAppSchema>;

/** A WeChat third-party platform: every secret is a reference (env var or file), never a literal. */
export const wechatComponentSchema = z
  .object({
    platform: z.literal('wechat'),
    componentAppid: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/, 'must be an appid'),
    /** component_appsecret. */
    secret: secretRefSchema,
    /** Message-check Token of push signatures. */
    token: secretRefSchema,
    encodingAESKey: secretRefSchema,
    /** The key before the last rotation, still accepted for pushes. */
    previousEncodingAESKey: secretRefSchema.optional(),
    /** Ticket validity (WeChat: 12 h) and the push silence that marks it stale and restarts pushes. */
    ticketValidityMs: z.number().int().positive().optional(),
    staleTicketAfterMs: z.number().int().positive().optional(),
  })
  .strict();
export type WechatComponentConfig = z.infer<typeof wechatComponentSchema>;

/** A Douyin third-party mini-program app (tpapp): same references, JSON pushes. */
export const douyinComponentSchema = wechatComponentSchema.extend({ platform: z.literal('douyin') }).strict();
export type DouyinComponentConfig = z.infer<typeof douyinComponentSchema>;

/**
 * A Baidu smart-program TP: `componentAppid` is the TP key (client_id, also the push trailer); the TP
 * token needs only client_id + ticket, so `secret` is optional. Ticket validity is undocumented:
 * 3 h by default (strict), configurable.
 */
export const baiduComponentSchema = wechatComponentSchema
  .extend({ platform: z.literal('baidu'), secret: secretRefSchema.optional() })
  .strict();
export type BaiduComponentConfig = z.infer<typeof baiduComponentSchema>;

export const componentSchema = z.discriminatedUnion('platform', [
  wechatComponentSchema,
  douyinComponentSchema,
  baiduComponentSchema,
]);
export type ComponentConfig = z.infer<typeof componentSchema>;

export const API_KEY_SCOPES = ['read', 'invalidate', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Per-key token bucket: `burst` requests at once, refilled at `perSecond`. */
export const rateLimitSchema = z
  .object({
    burst: z.coerce.number().int().positive().default(100),
    perSecond: z.coerce.number().positive().default(50),
  })
  .strict();
export type RateLimitConfig = z.infer<typeof rateLimitSchema>;

/** An API key as configured: its SHA-256 only, never the key itself. */
export const apiKeySchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, . _ -'),
    hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 lowercase hex> (npm run apikey makes one)'),
    scopes: z.array(z.enum(API_KEY_SCOPES)).min(1),
    platforms: z
      .array(z.enum(['wechat', 'douyin', 'baidu']))
      .min(1)
      .optional(),
    kinds: z
      .array(z.enum(['app', 'component', 'authorizer']))
      .min(1)
      .optional(),
    apps: z.array(z.string().min(1)).min(1).optional(),
    rateLimit: rateLimitSchema.optional(),
  })
  .strict();
export type ApiKeyConfig = z.infer<typeof apiKeySchema>;

/** What one process runs: everything (the default), or only the worker or only the gateway (scale-out). */
export const ROLES = ['all', 'worker', 'gateway'] as const;
export type Role = (typeof ROLES)[number];

export const configSchema = z
  .object({
    role: z.enum(ROLES).default('all'),
    temporal: z
      .object({
        namespace: z.string().min(1).default('default'),
        taskQueue: z.string().min(1).default('token-central'),
        /** Port of the embedded dev server (only used when TEMPORAL_ADDRESS is unset). */
        devServerPort: port.default(7233),
        uiPort: port.default(8233),
      })
      .strict()
      .prefault({}),
    dataDir: z.string().min(1).default('.data'),
    gateway: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(8080),
        /** Consuming services' API keys, hashed (`npm run apikey` makes one); none = open, loopback only. */
        apiKeys: z.array(apiKeySchema).default([]),
        rateLimit: rateLimitSchema.prefault({}),
      })
      .strict()
      .prefault({}),
    platforms: z
      .object({
        wechat: z
          .object({ baseUrl: url.default('https://api.weixin.qq.com') })
          .strict()
          .prefault({}),
        douyin: z
          .object({ baseUrl: url.default('https://open.douyin.com') })
          .strict()
          .prefault({}),
        baidu: z
          .object({ baseUrl: url.default('https://openapi.baidu.com') })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** The demo platform `npm start` runs when no apps are configured; its clock runs `timeScale`× fast. */
    sandbox: z
      .object({ port: port.default(8090), timeScale: z.coerce.number().positive().default(120) })
      .strict()
      .prefault({}),
    /** Codec server for the Web UI; loopback only unless CODEC_SERVER_TOKEN (a bearer token) is set. */
    codecServer: z
      .object({ host: z.string().min(1).default('127.0.0.1'), port: port.default(8234) })
      .strict()
      .prefault({}),
    /**
     * Worker tuning for a fleet (docs/fleet.md has the measurements). Reads come from the memo, so
     * the sticky cache only saves replays of refreshes: a small cache keeps memory flat at 10,000 credentials.
     */
    worker: z
      .object({
        maxCachedWorkflows: z.coerce.number().int().min(0).default(500),
        /** One V8 context shared by all cached workflows (much less memory per workflow); the SDK's default too. */
        reuseV8Context: z.boolean().default(true),
        maxConcurrentWorkflowTaskExecutions: z.coerce.number().int().min(2).default(40),
        maxConcurrentActivityTaskExecutions: z.coerce.number().int().min(1).default(100),
        /**
         * A dead worker's cached workflows move to another worker after this long (ms). Shorter fails
         * over faster, but a busy worker's tasks then go to the back of the shared queue.
         */
        stickyQueueScheduleToStartTimeout: z.coerce.number().int().min(100).default(10_000),
      })
      .strict()
      .prefault({}),
    /** Boot registration of the configured credentials: signal-with-starts in flight at once. */
    registration: z
      .object({ concurrency: z.coerce.number().int().min(1).max(512).default(32) })
      .strict()
      .prefault({}),
    apps: z.array(wechatAppSchema).default([]),
    components: z.array(componentSchema).default([]),
  })
  .strict();

export type Config = z.infer<typeof configSchema> & {
  /** Connection to an external Temporal (TEMPORAL_ADDRESS set), or undefined for the embedded dev server. */
  temporalConnection?: NativeConnectionOptions;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Environment variables that map onto config fields (the Temporal ones are read by envconfig). */
const envFields: Record<string, string[]> = {
  TOKEN_CENTRAL_ROLE: ['role'],
  WORKER_MAX_CACHED_WORKFLOWS: ['worker', 'maxCachedWorkflows'],
  REGISTRATION_CONCURRENCY: ['registration', 'concurrency'],
  TASK_QUEUE: ['temporal', 'taskQueue'],
  TEMPORAL_UI_PORT: ['temporal', 'uiPort'],
  TOKEN_CENTRAL_DATA_DIR: ['dataDir'],
  GATEWAY_HOST: ['gateway', 'host'],
  GATEWAY_PORT: ['gateway', 'port'],
  SANDBOX_PORT: ['sandbox', 'port'],
  SANDBOX_TIME_SCALE: ['sandbox', 'timeScale'],
  CODEC_SERVER_HOST: ['codecServer', 'host'],
  CODEC_SERVER_PORT: ['codecServer', 'port'],
  WECHAT_BASE_URL: ['platforms', 'wechat', 'baseUrl'],
  DOUYIN_BASE_URL: ['platforms', 'douyin', 'baseUrl'],
  BAIDU_BASE_URL: ['platforms', 'baidu', 'baseUrl'],
};

function setPath(target: Record<string, unknown>, keys: string[], value: unknown) {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read config file ${file}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`Config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = env.TOKEN_CENTRAL_CONFIG ? readConfigFile(env.TOKEN_CENTRAL_CONFIG) : {};
  for (const [name, keys] of Object.entries(envFields)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, keys, value);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const config: Config = { ...result.data, dataDir: path.resolve(result.data.dataDir) };
  if (env.TEMPORAL_ADDRESS) {
    const connect = loadClientConnectConfig({ disableFile: true, overrideEnvVars: stringEnv(env) });
    config.temporalConnection = connect.connectionOptions;
    if (connect.namespace) config.temporal.namespace = connect.namespace;
  } else if (env.TEMPORAL_NAMESPACE) {
    config.temporal.namespace = env.TEMPORAL_NAMESPACE;
  }
  return config;
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
