/**
 * `npm run check:ui`: a browser check of the Temporal Web UI of the running embedded server
 * (`npm start` in another terminal). Drives Debian's chromium headless (puppeteer-core, no browser
 * download): opens the workflow list filtered by the `TokenStatus` search attribute, then one
 * credential's page, and checks its input is shown decoded through the codec server rather than
 * as ciphertext. Screenshots go to `.data/ui-check/`. Exit codes: 0 passed, 1 a check failed,
 * 3 the UI or the browser is not there.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import puppeteer, { type Page } from 'puppeteer-core';
import { loadConfig } from '../config/config';

/** The page's globals, typed just enough for the functions evaluated in the browser (no DOM lib here). */
declare const document: {
  body: { innerText: string };
  querySelectorAll(selector: string): Iterable<{ getAttribute(name: string): string | null }>;
};

const BROWSERS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

interface Options {
  uiUrl: string;
  namespace: string;
  status: string;
  browser?: string;
  out: string;
  timeoutMs: number;
}

function parseOptions(): Options {
  const config = loadConfig();
  const program = new Command('npm run check:ui --')
    .description('Check the Temporal Web UI of the running embedded server in headless chromium')
    .option('--ui-url <url>', 'Web UI address', `http://localhost:${config.temporal.uiPort}`)
    .option('--namespace <name>', 'Temporal namespace', config.temporal.namespace)
    .option('--status <status>', 'TokenStatus to filter the list by', 'active')
    .option('--browser <path>', `chromium executable (default: the first of ${BROWSERS.join(', ')})`)
    .option('--out <dir>', 'where screenshots go', path.join(config.dataDir, 'ui-check'))
    .option('--timeout-ms <ms>', 'how long each page may take', (v) => Number(v), 30_000)
    .parse(process.argv);
  return program.opts<Options>();
}

class Unavailable extends Error {}

async function main(): Promise<void> {
  const options = parseOptions();
  const executablePath = options.browser ?? BROWSERS.find((candidate) => existsSync(candidate));
  if (!executablePath) throw new Unavailable('no chromium found: apt-get install chromium (or pass --browser)');
  await fetch(options.uiUrl).catch(() => {
    throw new Unavailable(`the Web UI does not answer at ${options.uiUrl}: start the server with npm start`);
  });
  mkdirSync(options.out, { recursive: true });

  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    // Root in containers cannot use chromium's sandbox; this browser only visits the local UI.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(options.timeoutMs);
    await page.setViewport({ width: 1600, height: 1000 });

    const workflowPath = await checkFilteredList(page, options);
    await checkCredentialPage(page, options, workflowPath);
  } finally {
    await browser.close();
  }
}

/** The list filtered by TokenStatus shows credential workflows; returns the first one's page path. */
async function checkFilteredList(page: Page, options: Options): Promise<string> {
  const query = `TokenStatus="${options.status}"`;
  const listUrl = `${options.uiUrl}/namespaces/${options.namespace}/workflows?query=${encodeURIComponent(query)}`;
  await page.goto(listUrl, { waitUntil: 'networkidle2' });
  const linkSelector = `a[href*="/namespaces/${options.namespace}/workflows/"]`;
  await page.waitForFunction(
    (selector) =>
      [...document.querySelectorAll(selector)].some((a) =>
        /\/workflows\/(app|component|authorizer)(%2F|\/)/.test(a.getAttribute('href') ?? ''),
      ),
    {},
    linkSelector,
  );
  const hrefs = await page.$$eval(linkSelector, (links) => links.map((a) => a.getAttribute('href') ?? ''));
  const credentialLinks = hrefs.filter((href) => /\/workflows\/(app|component|authorizer)(%2F|\/)/.test(href));
  const shown = new Set(credentialLinks.map((href) => href.split('/workflows/')[1]!.split('/')[0]));
  await page.screenshot({ path: path.join(options.out, 'workflow-list.png'), fullPage: true });
  console.log(`ok  list filtered by ${query}: ${shown.size} credential workflows shown`);
  return credentialLinks[0]!;
}

/**
 * One credential's page: its input payload must appear decoded (JSON with the credential's fields).
 * Without the codec server the UI shows only the `binary/encrypted` encoding and base64 data.
 */
async function checkCredentialPage(page: Page, options: Options, workflowPath: string): Promise<void> {
  const workflowId = decodeURIComponent(workflowPath.split('/workflows/')[1]!.split('/')[0]!);
  await page.goto(new URL(workflowPath, options.uiUrl).toString(), { waitUntil: 'networkidle2' });
  // Every credential workflow's input names its platform; ciphertext cannot contain that JSON text.
  const decoded = await page
    .waitForFunction(() => /"platform":\s*"(wechat|douyin|baidu)"/.test(document.body.innerText), {
      timeout: options.timeoutMs,
    })
    .then(() => true)
    .catch(() => false);
  await page.screenshot({ path: path.join(options.out, 'credential.png'), fullPage: true });
  if (!decoded) {
    throw new Error(
      `${workflowId}: the input is not shown decoded (is the codec server running and set as the UI's codec endpoint?)`,
    );
  }
  console.log(`ok  ${workflowId}: input decoded through the codec server`);
  console.log(`screenshots in ${options.out}`);
}

main().catch((err: unknown) => {
  console.error(`check:ui failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = err instanceof Unavailable ? 3 : 1;
});
