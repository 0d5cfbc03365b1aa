// Browser test of welfare (issue 17): on a phone-sized viewport a community head takes an application from 申请
// to 公示 in the pages, and a resident files an objection on the public notice page without logging in; the
// objection then waits on the application. Runs the real server on demo data, like browser.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.SHEQU_BIN || join(here, '..', 'target', 'debug', 'shequ');
const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });
const phone = { viewport: { width: 390, height: 844 }, locale: 'zh-CN' };

let server, base, browser;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shequ-e2e-welfare-'));
  server = spawn(bin, ['--database-url', join(dir, 'e2e.db'), 'serve', '--demo', '--scale', 'tiny', '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  base = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not start: ' + out)), 60000);
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/[0-9.:]+)\//);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

async function noSideways(page, path) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= width, `${path} scrolls sideways (${scroll} > ${width})`);
}

test('an application goes from 申请 to 公示 in the pages and a resident objects on the public page', async () => {
  const context = await browser.newContext(phone);
  const page = await context.newPage();
  await page.goto(base + '/login');
  await page.fill('input[name=username]', 'shuji');
  await page.fill('input[name=password]', 'shequ-demo-2026');
  await page.click('button[type=submit]');
  await page.waitForSelector('#who');

  // A household of the community not yet on a programme.
  const taken = new Set([
    ...(await (await page.request.get(base + '/api/welfare/grants?per_page=500')).json()).map((g) => g.household_id),
    ...(await (await page.request.get(base + '/api/welfare/applications?per_page=500')).json()).map((a) => a.household_id),
  ]);
  const people = await (await page.request.get(base + '/api/persons?per_page=500')).json();
  const free = people.find((p) => p.household_id && !taken.has(p.household_id));
  assert.ok(free, 'a household without welfare');
  const household = await (await page.request.get(base + '/api/households/' + free.household_id)).json();
  const number = household.household.number;

  await page.click('nav >> text=民政救助');
  await page.waitForSelector('#new-application');
  await noSideways(page, '/welfare');
  await page.fill('#new-application input[name=household]', number.slice(-5));
  const choice = page.locator('#new-application .picker button.pick', { hasText: number });
  await choice.first().waitFor();
  await choice.first().click();
  await page.fill('#new-application input[name=income]', '200');
  await page.click('#new-application button[type=submit]');
  await page.waitForSelector('#application-state');
  assert.match(await page.textContent('#application-state'), /已申请/);
  for (const [step, note] of [['investigate', '入户核查:无固定收入,情况属实'], ['audit', ''], ['publish', '']]) {
    await page.selectOption('#actions select[name=step]', step);
    await page.fill('#actions textarea[name=note]', note);
    await page.click('#actions button[type=submit]');
    await page.waitForLoadState('load');
  }
  assert.match(await page.textContent('#application-state'), /公示中/);
  const appNumber = (await page.textContent('h1 .muted')).trim();
  const publicPath = await page.getAttribute('a[href^="/public/"]', 'href');
  await page.screenshot({ path: join(artifacts, 'welfare-application.png'), fullPage: true });
  await noSideways(page, 'application');

  // A resident, not logged in, on a phone.
  const resident = await browser.newContext(phone);
  const pub = await resident.newPage();
  await pub.goto(base + publicPath);
  await pub.waitForSelector('#notice');
  const row = pub.locator('#notice tr', { hasText: appNumber });
  await row.first().waitFor();
  assert.match(await row.first().textContent(), /\*/, 'the applicant is named masked');
  assert.ok(!(await pub.content()).includes(free.name), 'the full name is not on the public page');
  assert.ok(!(await pub.content()).includes(number), 'nor the household number');
  await noSideways(pub, publicPath);
  await pub.selectOption('#objection-form select[name=number]', appNumber);
  await pub.fill('#objection-form textarea[name=body]', '该户家中有经营性收入,请核实');
  await pub.click('#objection-form button[type=submit]');
  await pub.waitForSelector('#public-sent');
  await pub.screenshot({ path: join(artifacts, 'welfare-public.png'), fullPage: true });
  await resident.close();

  // The objection waits on the application.
  await page.reload();
  assert.match(await page.textContent('#objections'), /该户家中有经营性收入/);
  assert.match(await page.textContent('#objections'), /待处理/);
  await context.close();
});
