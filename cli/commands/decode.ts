/**
 * Decodes payloads as the codec server does for the Web UI, with the codec keys, and prints their
 * values: `{"payloads": [...]}` (the codec endpoint's body), one payload `{"metadata", "data"}`, or
 * an array of them, metadata and data in base64 as `temporal workflow show --output json` prints.
 */
import type { Command } from 'commander';
import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import { readStdin, outputOf } from '../context';
import { usageError } from '../exit-codes';
import { printJson } from '../output';

const jsonPayload = z.object({
  metadata: z.record(z.string(), z.string()).nullish(),
  data: z.string().nullish(),
});
const input = z.union([z.object({ payloads: z.array(jsonPayload) }), z.array(jsonPayload), jsonPayload]);

function toPayload({ metadata, data }: z.infer<typeof jsonPayload>): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(data ?? '', 'base64'),
  };
}

export function parsePayloads(text: string): Payload[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw usageError('the payload is not JSON');
  }
  const parsed = input.safeParse(json);
  if (!parsed.success)
    throw usageError('expected {"payloads": [...]}, a payload {"metadata", "data"} or an array of them');
  const value = parsed.data;
  return (Array.isArray(value) ? value : 'payloads' in value ? value.payloads : [value]).map(toPayload);
}

export function decodeCommand(program: Command): void {
  program
    .command('decode')
    .description(
      'Decrypt and print payloads from Temporal history with the codec keys (TOKEN_CENTRAL_CODEC_KEYS[_FILE])',
    )
    .argument('[json]', 'the payload JSON; "-" or omitted: read it from stdin')
    .action(async (text: string | undefined, _options: unknown, command: Command) => {
      const source = text === undefined || text === '-' ? await readStdin() : text;
      const payloads = parsePayloads(source);
      // Loaded on use, like the backends (cli/context.ts `lazy`).
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { defaultPayloadConverter } = require('@temporalio/common') as typeof import('@temporalio/common');
      const { AesGcmCodec } = require('../../codec/codec') as typeof import('../../codec/codec');
      const { cliCodecKeys, loadCliConfig } = require('../temporal-backend') as typeof import('../temporal-backend');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const codec = new AesGcmCodec(cliCodecKeys(process.env, loadCliConfig(process.env)));
      const values = (await codec.decode(payloads)).map((payload) => defaultPayloadConverter.fromPayload(payload));
      const output = outputOf(command);
      if (output.json) printJson(output, values.length === 1 ? values[0] : values);
      else output.out(values.map((value) => JSON.stringify(value, null, 2)).join('\n'));
    });
}
