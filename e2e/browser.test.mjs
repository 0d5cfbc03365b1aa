// Browser test: a grid worker logs in, finds a person by pinyin initials, opens them and sees the ID number
// masked on screen; revealing it shows the full number. Runs the real server on demo data in a temp dir and
// drives Debian's Chromium (/usr/bin/chromium) with playwright-core.
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

// GB 11643 check character, to register a person with a valid number of our own.
function idNumber(body17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body17].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return body17 + '10X98765432'[sum % 11];
}
const ID = idNumber('11010519800315123');
const MASKED = ID.slice(0, 3) + '*'.repeat(11) + ID.slice(14);

let server, base, browser;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shequ-e2e-'));
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

test('grid worker finds a person by pinyin initials and sees the masked ID number', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(base + '/');
  assert.match(page.url(), /\/login$/);
  await page.fill('input[name=username]', 'wangge1');
  await page.fill('input[name=password]', 'shequ-demo-2026');
  await page.click('button[type=submit]');
  await page.waitForSelector('#stat-population');
  assert.match(await page.textContent('#who'), /网格员/);

  // Register 赵军杰 in one of this grid worker's households through the API, with the session's CSRF token.
  const me = await (await page.request.get(base + '/api/me')).json();
  const people = await (await page.request.get(base + '/api/persons')).json();
  assert.ok(people.length > 0, 'the grid has residents');
  const created = await page.request.post(base + '/api/persons', {
    headers: { 'X-CSRF-Token': me.csrf_token },
    data: { name: '赵军杰', id_number: ID, phone: '13812345678', household_id: people[0].household_id },
  });
  assert.equal(created.status(), 200, await created.text());

  // Search as a person would: type the initials, results arrive as you type.
  await page.click('text=人员');
  const listed = await page.locator('#results a.person-link').count();
  await page.fill('#q', 'zjj');
  // The live results replace the list: wait for the summary of this search, then for the match.
  await page.waitForSelector('#result-summary:has-text("zjj")');
  const link = page.locator('#results a.person-link', { hasText: '赵军杰' });
  await link.first().waitFor();
  const names = await page.locator('#results a.person-link').allTextContents();
  assert.ok(names.includes('赵军杰'), names.join(','));
  assert.ok(names.length < listed, `the search narrowed the list (${names.length} of ${listed})`);
  await page.screenshot({ path: join(artifacts, 'search.png'), fullPage: true });
  await link.first().click();
  await page.waitForSelector('#person-name');
  assert.equal((await page.textContent('#id-number')).trim(), MASKED);
  assert.ok(!(await page.content()).includes(ID), 'the full ID number is not on the page');
  assert.match(await page.textContent('#phone'), /138\*{4}5678/);
  await page.screenshot({ path: join(artifacts, 'person.png'), fullPage: true });

  // Revealing is possible for this role, shows the full number, and is audited (checked in the Rust tests).
  await page.click('#reveal');
  await page.waitForSelector('#full-id');
  assert.equal((await page.textContent('#full-id')).trim(), ID);
  await context.close();
});

test('the login page says what is wrong in Chinese', async () => {
  const page = await browser.newPage();
  await page.goto(base + '/login');
  await page.fill('input[name=username]', 'wangge1');
  await page.fill('input[name=password]', 'not-the-password');
  await page.click('button[type=submit]');
  await page.waitForSelector('#login-error');
  assert.match(await page.textContent('#login-error'), /用户名或密码错误/);
  await page.close();
});

test('a grid worker imports a sheet: dry run with its figures, then the valid rows', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(base + '/login');
  await page.fill('input[name=username]', 'wangge1');
  await page.fill('input[name=password]', 'shequ-demo-2026');
  await page.click('button[type=submit]');
  await page.waitForSelector('#stat-population');
  await page.click('nav >> text=导入');
  await page.waitForSelector('#import-form');
  const csv = ['姓名,身份证号,联系电话,现住小区,楼栋,单元,门牌',
    `沈一,${idNumber('11010519700101201')},13900000001,试点小区,1号楼,1单元,101`,
    `沈二,${idNumber('11010519720202202')},,试点小区,1号楼,1单元,101`,
    '沈三,110105197303031234,,试点小区,1号楼,1单元,102'].join('\n');
  await page.setInputFiles('input[name=file]', { name: '沈家.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  // 试点小区 is not registered yet: the worker allows creating it.
  await page.check('#create-places');
  await page.click('#import-form button[type=submit]');
  // The dry run runs in the background; the page shows its progress, then the figures.
  await page.waitForSelector('#import-checked', { timeout: 60000 });
  assert.equal((await page.textContent('#count-created')).trim(), '2');
  assert.equal((await page.textContent('#count-error-rows')).trim(), '1');
  assert.match(await page.textContent('#problems'), /校验位/);
  await page.screenshot({ path: join(artifacts, 'import-dry-run.png'), fullPage: true });
  await page.click('#run-valid button');
  await page.waitForSelector('#import-done', { timeout: 60000 });
  assert.equal((await page.textContent('#count-created')).trim(), '2');
  await page.screenshot({ path: join(artifacts, 'import-done.png'), fullPage: true });
  // The imported people are found like anyone else.
  await page.click('nav >> text=人员');
  await page.fill('#q', '沈一');
  await page.waitForSelector('#result-summary:has-text("沈一")');
  await page.locator('#results a.person-link', { hasText: '沈一' }).first().waitFor();
  await context.close();
});

test('on a phone a grid worker records a visit by choosing the household by its number, and no page scrolls sideways', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(base + '/login');
  await page.fill('input[name=username]', 'wangge1');
  await page.fill('input[name=password]', 'shequ-demo-2026');
  await page.click('button[type=submit]');
  await page.waitForSelector('#workbench');
  const people = await (await page.request.get(base + '/api/persons')).json();
  const household = await (await page.request.get(base + '/api/households/' + people[0].household_id)).json();
  const number = household.household.number;

  await page.goto(base + '/visits');
  // Type the end of the 户号; the choices arrive as you type; tap the one.
  await page.fill('input[name=household]', number.slice(-5));
  const choice = page.locator('.picker button.pick', { hasText: number });
  await choice.first().waitFor();
  await choice.first().click();
  assert.equal(await page.inputValue('input[name=household]'), number);
  await page.fill('textarea[name=note]', '浏览器测试走访');
  await page.click('form[action="/visits"] button[type=submit]');
  await page.waitForSelector('#visits:has-text("浏览器测试走访")');
  assert.ok(!(await page.content()).includes('户编号(ID)'));
  await page.screenshot({ path: join(artifacts, 'visits-phone.png'), fullPage: true });

  for (const path of ['/', '/cases', '/visits', '/hazards', '/tags', '/patrols']) {
    await page.goto(base + path);
    const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll <= width, `${path} scrolls sideways (${scroll} > ${width})`);
  }
  await page.goto(base + '/cases');
  await page.screenshot({ path: join(artifacts, 'cases-phone.png'), fullPage: true });
  await context.close();
});

test('on a phone a grid worker records a visit offline, closes and reopens the page, and it is sent once when the network is back', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto(base + '/login');
  await page.fill('input[name=username]', 'wangge1');
  await page.fill('input[name=password]', 'shequ-demo-2026');
  await page.click('button[type=submit]');
  await page.waitForSelector('#workbench');
  const people = await (await page.request.get(base + '/api/persons')).json();
  const household = await (await page.request.get(base + '/api/households/' + people[0].household_id)).json();
  const number = household.household.number;
  // The service worker installs on the first visit; the second load is kept on the phone.
  await page.goto(base + '/visits');
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller), 'the page is served through the service worker');

  await context.setOffline(true);
  await page.fill('input[name=household]', number);
  await page.fill('textarea[name=note]', '离线走访记录');
  await page.tap('#visit-form button[type=submit]');
  await page.waitForSelector('#outbox-waiting');
  assert.match(await page.textContent('#outbox-waiting'), /1 条待上传/);
  await page.close();

  // Reopened without network: the page comes from the phone and still shows the record waiting.
  const again = await context.newPage();
  await again.goto(base + '/visits');
  await again.waitForSelector('#outbox-waiting');
  assert.match(await again.textContent('#outbox-waiting'), /1 条待上传/);
  const [scroll, width] = await again.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= width, `the offline page scrolls sideways (${scroll} > ${width})`);
  await again.screenshot({ path: join(artifacts, 'visit-offline-phone.png'), fullPage: true });

  await context.setOffline(false);
  await again.waitForFunction(() => document.getElementById('outbox').hidden);
  const count = async () => {
    const list = await (await again.request.get(base + '/api/visits?per_page=5000')).json();
    return (list.items || list).filter((v) => v.note === '离线走访记录').length;
  };
  assert.equal(await count(), 1, 'the visit arrived once');
  await again.reload();
  await again.waitForFunction(() => document.getElementById('outbox').hidden);
  assert.equal(await count(), 1, 'and only once');
  await context.close();
});

// Words a Chinese page may show in Latin letters: the product, file kinds, the language switch, codes.
const LATIN_OK = new Set(['shequ', 'English', 'Excel', 'xlsx', 'docx', 'UTF', 'GBK', 'csv', 'CSV', 'PDF', 'ID', 'SOS', 'MQTT', 'HTTP', 'QR', 'Word', 'WiFi']);

test('the main pages in Chinese show no English words, at phone and desktop size (screenshots for docs/SCREENSHOTS.md)', async () => {
  const pages = [['wangge1', ['/', '/cases', '/visits', '/hazards', '/patrols', '/persons', '/tags']],
    ['shuji', ['/', '/reports/indicators', '/reports/ledgers', '/reports/work', '/surveys', '/governance', '/activities', '/welfare', '/standards', '/admission']],
    ['admin', ['/users', '/calendar']], ['jumin', ['/portal']]];
  const shots = join(artifacts, 'screens');
  mkdirSync(shots, { recursive: true });
  const found = [];
  for (const [who, paths] of pages) {
    for (const [size, viewport] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 800 }]]) {
      const context = await browser.newContext({ viewport, locale: 'zh-CN' });
      const page = await context.newPage();
      await page.goto(base + '/login');
      await page.fill('input[name=username]', who);
      await page.fill('input[name=password]', 'shequ-demo-2026');
      await page.click('button[type=submit]');
      await page.waitForLoadState('load');
      for (const path of paths) {
        const r = await page.goto(base + path);
        assert.equal(r.status(), 200, `${who} ${path}`);
        // Codes typed into templates (<code>) are identifiers, not English.
        const text = await page.evaluate(() => {
          const b = document.body.cloneNode(true);
          b.querySelectorAll('code, kbd, samp').forEach((c) => c.remove());
          document.documentElement.appendChild(b);
          const t = b.innerText;
          b.remove();
          return t;
        });
        for (const w of text.match(/[A-Za-z]{4,}/g) || []) {
          if (!LATIN_OK.has(w)) found.push(`${who} ${path}: ${w}`);
        }
        const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
        assert.ok(scroll <= width, `${who} ${path} scrolls sideways at ${size} (${scroll} > ${width})`);
        const name = (who + path.replace(/\//g, '-')).replace(/-$/, '');
        await page.screenshot({ path: join(shots, `${name}-${size}.png`) });
      }
      await context.close();
    }
  }
  assert.deepEqual([...new Set(found)], [], 'English words on Chinese pages');
});

test('a community head generates the annual report, rewrites a sentence, finalises it and downloads the .docx', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(base + '/login');
  await page.fill('input[name=username]', 'shuji');
  await page.fill('input[name=password]', 'shequ-demo-2026');
  await page.click('button[type=submit]');
  await page.waitForSelector('#who');
  await page.goto(base + '/reports/work');
  await page.selectOption('#new-template', 'annual');
  await page.fill('#new-report input[name=period]', String(new Date().getFullYear()));
  await page.click('#new-report button[type=submit]');
  await page.waitForSelector('#report-doc');
  const doc = await page.textContent('#report-doc');
  assert.match(doc, /调解成功率/);
  assert.match(doc, /走访覆盖率/);
  assert.ok(await page.locator('#report-doc figure.report-chart svg').count() >= 1, 'the charts are drawn as SVG');
  // No field syntax is left in the generated text.
  assert.ok(!doc.includes('{{'), 'every field was computed');

  // Rewrite the prose of 存在问题 around a live figure; save and see it computed.
  const body = await page.inputValue('#report-body');
  await page.fill('#report-body', body.replace('(请在此写明工作中存在的问题。)', '社区调解员人手不足,全年受理矛盾纠纷{{cases.disputes}}。'));
  await page.click('#save-report');
  await page.waitForSelector('#report-doc');
  const sentence = await page.locator('#report-doc p', { hasText: '社区调解员人手不足' }).textContent();
  assert.match(sentence, /全年受理矛盾纠纷(\d+起|无数据)。/);
  // A figure typed by hand is refused, and the text typed is still there.
  await page.fill('#report-body', body + '\n全年走访120户。');
  await page.click('#save-report');
  await page.waitForSelector('#report-error');
  assert.match(await page.textContent('#report-error'), /120户/);
  assert.match(await page.inputValue('#report-body'), /全年走访120户/);
  await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: true });

  // Finalise and download the .docx.
  await page.goto(page.url());
  await page.click('#finalise');
  await page.waitForSelector('#report-state strong');
  assert.match(await page.textContent('#report-state'), /已定稿/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-docx')]);
  const file = join(artifacts, 'report.docx');
  await download.saveAs(file);

  // LibreOffice turns it into a PDF with the sentence, the figures and the chart images.
  const { execFileSync } = await import('node:child_process');
  execFileSync('soffice', ['--headless', '--convert-to', 'pdf', '--outdir', artifacts, file], { stdio: 'ignore', timeout: 120000 });
  const pdf = join(artifacts, 'report.pdf');
  const text = execFileSync('pdftotext', [pdf, '-']).toString();
  assert.match(text, /社区调解员人手不足/);
  assert.match(text, /调解成功率/);
  assert.match(text, /年度工作总结/);
  const images = execFileSync('pdfimages', ['-list', pdf]).toString().trim().split('\n').length - 2;
  assert.ok(images >= 1, `the PDF has the charts (${images} images)`);
  await context.close();
});

// Beijing time `secs` from now, as the vote form takes it ("2026-12-07 09:00:05").
function beijing(secs) {
  const d = new Date(Date.now() + secs * 1000 + 8 * 3600 * 1000);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

async function loginApi(username) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(base + '/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', 'shequ-demo-2026');
  await page.click('button[type=submit]');
  const me = await (await page.request.get(base + '/api/me')).json();
  const post = async (path, data) => {
    const r = await page.request.post(base + path, { headers: { 'X-CSRF-Token': me.csrf_token }, data });
    assert.equal(r.status(), 200, `${username} ${path}: ${await r.text()}`);
    return r.json();
  };
  return { context, page, post };
}

test('on a phone a resident reports a problem with a photo, follows it, rates it, votes and sees the result', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto(base + '/login');
  await page.fill('input[name=username]', 'jumin');
  await page.fill('input[name=password]', 'shequ-demo-2026');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/portal$/);
  // A resident never lands on a worker page.
  await page.goto(base + '/persons');
  assert.match(page.url(), /\/portal$/);

  await page.tap('#report-link');
  await page.selectOption('select[name=category_id]', { index: 1 });
  await page.fill('input[name=title]', '单元门禁损坏');
  await page.fill('textarea[name=description]', '3单元门禁刷卡没反应,陌生人可以随意进出。');
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64, 1)]);
  await page.setInputFiles('input[name=photo]', { name: '门禁.png', mimeType: 'image/png', buffer: png });
  await page.tap('form[hx-post="/portal/report"] button[type=submit]');
  await page.waitForURL(/\/portal\/cases\//);
  const number = decodeURIComponent(page.url().split('/portal/cases/')[1]);
  assert.match(await page.textContent('#case-next'), /等待社区受理/);
  assert.equal(await page.locator('img[alt="门禁.png"]').count(), 1, 'the photo is shown');
  let [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= width, `the request page scrolls sideways (${scroll} > ${width})`);

  // Workers take it through the loop.
  const g1 = await loginApi('wangge1');
  const head = await loginApi('shuji');
  const list = await (await g1.page.request.get(base + '/api/cases?state=reported&per_page=200')).json();
  const found = (list.items || list).find((c) => c.number === number);
  assert.ok(found, `the grid worker sees ${number}`);
  assert.equal(found.source, '居民端');
  await g1.post(`/api/cases/${found.id}/accept`, {});
  await g1.post(`/api/cases/${found.id}/dispatch`, { to: 'community' });
  await g1.post(`/api/cases/${found.id}/handle`, { note: '联系物业更换读卡器' });
  await head.post(`/api/cases/${found.id}/verify`, { passed: true });
  await head.post(`/api/cases/${found.id}/close`, { note: '物业已更换门禁读卡器' });

  await page.reload();
  assert.match(await page.textContent('#steps'), /物业已更换门禁读卡器/);
  await page.check('#rate input[value="满意"]');
  await page.tap('#rate button[type=submit]');
  await page.waitForSelector('#my-rating');
  assert.match(await page.textContent('#my-rating'), /满意/);
  await page.screenshot({ path: join(artifacts, 'portal-case-phone.png'), fullPage: true });

  // A household vote that closes in a few seconds: the resident votes, the head publishes, the resident sees it.
  const vote = await head.post('/api/governance/votes', {
    title: '单元门禁是否升级为人脸识别', options: ['同意', '不同意'], mode: 'household', secret: true,
    opens_at: beijing(-60), closes_at: beijing(12),
  });
  await page.goto(base + '/portal/votes');
  const card = page.locator(`#vote-${vote.number}`);
  await card.locator('input[value="0"]').check();
  await card.locator('button[type=submit]').tap();
  await page.waitForSelector(`#vote-${vote.number} .voted`);
  [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= width, `the votes page scrolls sideways (${scroll} > ${width})`);
  const wait = Date.parse(beijing(12).replace(' ', 'T') + '+08:00') - Date.now() + 1500;
  await new Promise((r) => setTimeout(r, Math.max(0, wait)));
  const result = await head.post(`/api/governance/votes/${vote.id}/publish`, {});
  assert.equal(result.voters, 1);
  await page.reload();
  const shown = await card.locator('.result').textContent();
  assert.match(shown, /同意:1 票\(100(\.0)?%\)/);
  await page.screenshot({ path: join(artifacts, 'portal-votes-phone.png'), fullPage: true });
  await Promise.all([g1.context.close(), head.context.close(), context.close()]);
});

test('on a phone a resident answers a survey with skip logic and the community head reads the results', async () => {
  const head = await loginApi('shuji');
  const s = await head.post('/api/surveys', {
    title: '楼道环境满意度调查', sample_kind: 'all',
    questions: '单选* | 您对楼道环境是否满意 | 满意,基本满意,不满意\n多选 | 不满意的原因 | 堆物,照明 | 若 1=不满意\n评分 | 整体打分 | 5',
  });
  await head.post(`/api/surveys/${s.id}/open`, {});

  const phone = { viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true };
  const context = await browser.newContext(phone);
  const page = await context.newPage();
  await page.goto(base + '/login');
  await page.fill('input[name=username]', 'jumin');
  await page.fill('input[name=password]', 'shequ-demo-2026');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/portal$/);
  await page.goto(base + '/portal/surveys');
  await page.tap(`a[href="/portal/surveys/${s.number}"]`);
  const reason = page.locator('fieldset[data-idx="2"]');
  assert.equal(await reason.isHidden(), true, 'question 2 is hidden until 不满意 is chosen');
  await page.check('input[name=q1][value="不满意"]');
  assert.equal(await reason.isVisible(), true, 'question 2 shows after 不满意');
  await page.check('input[name=q2][value="照明"]');
  await page.check('input[name=q3][value="2"]');
  let [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= width, `the survey form scrolls sideways (${scroll} > ${width})`);
  await page.tap('#survey-form button[type=submit]');
  await page.waitForSelector('#answered');
  await page.screenshot({ path: join(artifacts, 'portal-survey-phone.png'), fullPage: true });

  // The head reads the results on a phone: one response, 不满意 100%, with its bar; the QR code prints the link.
  const hc = await browser.newContext(phone);
  const hp = await hc.newPage();
  await hp.goto(base + '/login');
  await hp.fill('input[name=username]', 'shuji');
  await hp.fill('input[name=password]', 'shequ-demo-2026');
  await hp.click('button[type=submit]');
  await hp.goto(base + `/surveys/${s.id}`);
  assert.match(await hp.textContent('#response-rate'), /回收 1 份/);
  const row = hp.locator('#result-q1 table.shares tr', { hasText: '不满意' });
  assert.match(await row.textContent(), /1\s*100(\.0)?%/);
  assert.equal(await row.locator('.bar').count(), 1);
  assert.match(await hp.textContent('#result-q2'), /照明/);
  [scroll, width] = await hp.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= width, `the results page scrolls sideways (${scroll} > ${width})`);
  await hp.screenshot({ path: join(artifacts, 'survey-results-phone.png'), fullPage: true });
  await hp.tap('#survey-qr');
  assert.match(await hp.textContent('#qr-link'), new RegExp(`/portal/surveys/${s.number}$`));
  assert.equal(await hp.locator('#qr-code svg').count(), 1);
  await Promise.all([head.context.close(), hc.close(), context.close()]);
});

test('on a phone a community head signs a person up for an activity, the person checks in by the door code, the attendance shows', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(base + '/login');
  await page.fill('input[name=username]', 'shuji');
  await page.fill('input[name=password]', 'shequ-demo-2026');
  await page.click('button[type=submit]');
  await page.waitForSelector('#workbench');
  // A resident with a phone (the API answers it masked; its last four digits stay visible).
  const people = await (await page.request.get(base + '/api/persons?per_page=200')).json();
  const person = people.find((p) => p.phone && /\d{4}$/.test(p.phone));
  assert.ok(person, 'a resident with a phone');
  const tail = person.phone.slice(-4);

  await page.goto(base + '/activities');
  await page.click('summary:has-text("登记活动")');
  await page.fill('input[name=title]', '浏览器测试健康讲座');
  await page.selectOption('select[name=kind]', '培训');
  await page.fill('input[name=participants]', '60');
  await page.fill('input[name=part1_label]', '老年人');
  await page.fill('input[name=part1]', '40');
  await page.click('form[action="/activities"] button[type=submit]');
  await page.waitForSelector('#checkin-code');
  assert.match(await page.textContent('#figures'), /其中老年人 40人/);
  const code = (await page.textContent('#checkin-code')).trim();
  assert.match(code, /^[A-Z2-9]{6}$/);

  // Sign the resident up: type the name, tap the choice.
  await page.fill('input[name=person]', person.name);
  const choice = page.locator('.picker button.pick', { hasText: person.name });
  await choice.first().waitFor();
  await choice.first().click();
  await page.click('form[action$="/signups"] button[type=submit]');
  await page.waitForSelector(`#signups:has-text("${person.name}")`);
  assert.match(await page.textContent('#signups'), /未签到/);

  // At the door: the resident's own phone, no account, opens the code's page and checks in.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  const door = await phone.newPage();
  await door.goto(base + '/checkin/' + code);
  assert.match(await door.textContent('main'), /浏览器测试健康讲座/);
  await door.fill('input[name=name]', person.name);
  await door.fill('input[name=phone_tail]', tail);
  await door.click('button[type=submit]');
  await door.waitForSelector('#checked-in');
  assert.match(await door.textContent('#checked-in'), /签到成功/);
  const [scroll, width] = await door.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= width, `the door page scrolls sideways (${scroll} > ${width})`);
  await door.screenshot({ path: join(artifacts, 'checkin-phone.png'), fullPage: true });
  await phone.close();

  // The organiser sees the attendance.
  await page.reload();
  await page.waitForSelector('#signups');
  assert.match(await page.textContent('#signups'), /已签到/);
  assert.match(await page.textContent('#signups'), /本人签到/);
  for (const path of ['/activities', '/volunteers', '/party', '/units', '/agreements', '/venues']) {
    await page.goto(base + path);
    const [s, w] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(s <= w, `${path} scrolls sideways (${s} > ${w})`);
  }
  await page.goto(base + '/activities');
  await page.screenshot({ path: join(artifacts, 'activities-phone.png'), fullPage: true });
  await context.close();
});
