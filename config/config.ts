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
import { isLoopbackAddress } from './loopback';
import { secretPolicyFromEnv, secretRefProblem, type SecretPolicy } from './secrets';

export const secretRefSchema = z.union([
  z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;

const port = z.coerce.number().int().min(0).max(65535);
const url = z.string().url();
/** Platform APIs carry secrets in their queries: https, except a loopback sandbox. */
const platformUrl = url.refine((value) => {
  if (!URL.canParse(value)) return true; // `url` has said so already
  const { protocol, hostname } = new URL(value);
  return protocol === 'https:' || (protocol === 'http:' && isLoopbackAddress(hostname));
}, 'must be https (http only for loopback: localhost, 127.0.0.0/8, [::1])');
/** `true`/`1` or `false`/`0`, from JSON or the environment. */
const flag = z.union([z.boolean(), z.enum(['1', 'true', '0', 'false']).transform((v) => v === '1' || v === 'true')]);

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

export const API_KEY_SCOPES = ['read', 'invalidate', 'metrics', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Per-key token bucket: `burst` requests at once, refilled at `perSecond`. */
export const rateLimitSchema = z
  .object({
    burst: z.coerce.number().int().positive().default(100),
    perSecond: z.coerce.number().positive().default(50),
  })
  .strict();
export type RateLimitConfig = z.infer<typeof rateLimitSchema>;

/**
 * A credential an API key may be limited to, always with its platform, and for an authorizer with
 * its component: an appid alone would let a key for authorizer `wxA` of one component read `wxA`
 * under any other component. `wechat:wxapp` (own app or component), `wechat:wxcomp/wxA` (that
 * authorizer), `douyin:comp/*` (every authorizer of that component).
 */
export const API_KEY_APP_PATTERN = /^(wechat|douyin|baidu):[A-Za-z0-9_-]{4,64}(\/([A-Za-z0-9_-]{4,64}|\*))?$/;
export const apiKeyAppSchema = z
  .string()
  .regex(
    API_KEY_APP_PATTERN,
    'must be <platform>:<appid> (an own app or component), <platform>:<componentAppid>/<authorizerAppid> or ' +
      '<platform>:<componentAppid>/* (all its authorizers); a bare appid is ambiguous across components',
  );

/** Public-route limits of one group (pushes, authorization): a bucket per client address and per component. */
const publicRouteLimitSchema = z.object({ perAddress: rateLimitSchema, perComponent: rateLimitSchema }).strict();

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
    apps: z.array(apiKeyAppSchema).min(1).optional(),
    rateLimit: rateLimitSchema.optional(),
  })
  .strict();
export type ApiKeyConfig = z.infer<typeof apiKeySchema>;

/** A status-change webhook: signed JSON POSTs to `url` (docs/operations.md); the secret is a reference. */
export const webhookSchema = z.object({ url, secret: secretRefSchema }).strict();
export type WebhookConfig = z.infer<typeof webhookSchema>;

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
        /** The gateway's public URL (https://tc.example.com): authorization links send merchants back here. */
        publicUrl: url.optional(),
        /**
         * Behind a reverse proxy: Fastify's trustProxy (true, or the proxies' addresses/CIDRs comma-separated),
         * so the public routes' per-address rate limits see the client, not the proxy.
         */
        trustProxy: z.union([z.boolean(), z.string().min(1)]).default(false),
        /** Rate limits of the public routes, per client address and per component (gateway/plugins/rate-limit.ts). */
        publicRateLimits: z
          .object({ push: publicRouteLimitSchema.optional(), authorize: publicRouteLimitSchema.optional() })
          .strict()
          .prefault({}),
        authorization: z
          .object({
            /** HMAC key of the authorization links' `state`; default derived from the codec key ring. */
            stateSecret: secretRefSchema.optional(),
            /** How long an authorization link's state is accepted by the callback. */
            stateTtlSeconds: z.coerce.number().int().min(60).max(86_400).default(3600),
            /** Origins besides publicUrl's that a redirect_uri may point to. */
            redirectOrigins: z.array(url).default([]),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    platforms: z
      .object({
        wechat: z
          .object({ baseUrl: platformUrl.default('https://api.weixin.qq.com') })
          .strict()
          .prefault({}),
        douyin: z
          .object({ baseUrl: platformUrl.default('https://open.douyin.com') })
          .strict()
          .prefault({}),
        baidu: z
          .object({ baseUrl: platformUrl.default('https://openapi.baidu.com') })
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
    /**
     * Codec server for the Web UI; loopback only unless CODEC_SERVER_TOKEN (a bearer token) is set.
     * Runs by default with the embedded server; against a cluster only when `enabled`, with a token.
     */
    codecServer: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(8234),
        enabled: flag.optional(),
        /** Web UI origins allowed by CORS (comma-separated in the environment); default the local UI. */
        uiOrigins: z
          .preprocess(
            (v) =>
              typeof v === 'string'
                ? v
                    .split(',')
                    .map((o) => o.trim())
                    .filter(Boolean)
                : v,
            z.array(url).min(1),
          )
          .optional(),
      })
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
    /** Status-change webhooks, delivered by the worker. */
    webhooks: z.array(webhookSchema).default([]),
    /**
     * Prometheus metrics (docs/operations.md): the gateway serves /metrics on its own port; a worker
     * without a gateway (`--role worker`) serves it on `workerPort`. `fleetScanIntervalMs` is how
     * often a gateway lists the credential workflows for the fleet gauges (0: never).
     */
    metrics: z
      .object({
        workerHost: z.string().min(1).default('127.0.0.1'),
        workerPort: port.default(9464),
        fleetScanIntervalMs: z.coerce.number().int().min(0).default(30_000),
        /** The Temporal SDK's Prometheus exporter, merged into the worker's /metrics (0: a free port). */
        temporalPort: port.default(0),
      })
      .strict()
      .prefault({}),
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
  GATEWAY_PUBLIC_URL: ['gateway', 'publicUrl'],
  SANDBOX_PORT: ['sandbox', 'port'],
  SANDBOX_TIME_SCALE: ['sandbox', 'timeScale'],
  CODEC_SERVER_HOST: ['codecServer', 'host'],
  CODEC_SERVER_PORT: ['codecServer', 'port'],
  CODEC_SERVER_ENABLED: ['codecServer', 'enabled'],
  CODEC_SERVER_UI_ORIGINS: ['codecServer', 'uiOrigins'],
  WECHAT_BASE_URL: ['platforms', 'wechat', 'baseUrl'],
  DOUYIN_BASE_URL: ['platforms', 'douyin', 'baseUrl'],
  BAIDU_BASE_URL: ['platforms', 'baidu', 'baseUrl'],
  METRICS_WORKER_PORT: ['metrics', 'workerPort'],
  METRICS_FLEET_SCAN_INTERVAL_MS: ['metrics', 'fleetScanIntervalMs'],
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
  assertSecretRefsAllowed(config, env);
  if (env.TEMPORAL_ADDRESS) {
    const connect = loadClientConnectConfig({ disableFile: true, overrideEnvVars: stringEnv(env) });
    config.temporalConnection = connect.connectionOptions;
    if (connect.namespace) config.temporal.namespace = connect.namespace;
  } else if (env.TEMPORAL_NAMESPACE) {
    config.temporal.namespace = env.TEMPORAL_NAMESPACE;
  }
  return config;
}

/** Every secret reference of the fleet must pass the policy (config/secrets.ts) before anything starts. */
function assertSecretRefsAllowed(config: Config, env: NodeJS.ProcessEnv) {
  let policy: SecretPolicy;
  try {
    policy = secretPolicyFromEnv(env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const problems: string[] = [];
  const check = (where: string, ref: SecretRef | undefined) => {
    const problem = ref && secretRefProblem(ref, policy);
    if (problem) problems.push(`${where}: ${problem}`);
  };
  config.apps.forEach((app, i) => check(`apps.${i}.secret`, app.secret));
  config.components.forEach((component, i) => {
    for (const field of ['secret', 'token', 'encodingAESKey', 'previousEncodingAESKey'] as const) {
      check(`components.${i}.${field}`, component[field]);
    }
  });
  if (problems.length) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
