/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// page.evaluate bodies run in the browser: they need the DOM types.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, REPO_ROOT } from './helpers/cli.js';
import { generateRows, normal, rng, writeCsv } from './helpers/data.js';

/**
 * The HTML drift report in a real headless browser (Debian's chromium, which scripts/test-deps.sh
 * installs for `npm test`). UPDATE_SCREENSHOT=1 also writes docs/drift-report.png for the README.
 */
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let context: BrowserContext;
let profileDir: string;
let reportUrl: string;
let drifted: string[];

/** Data with every kind of feature: shifted log-scale amounts, integers, a 0..5 share swap, categories. */
function rows(n: number, seed: number, shift: boolean): Record<string, unknown>[] {
  const random = rng(seed + 100);
  return generateRows(n, seed, shift).map((r) => ({
    ...r,
    latency_ms: Number(Math.exp(normal(random, shift ? 4.6 : 4, 1)).toFixed(1)),
    clicks: Math.min(5, Math.floor(Math.abs(normal(random, 0, shift ? 2.5 : 2)))),
    timestamp: Math.round(normal(random, 1.7e9 + (shift ? 1.3e6 : 0), 2.6e6)),
  }));
}

let dir: string;

beforeAll(async () => {
  // Not tmpTree: the report must outlive each test.
  dir = mkdtempSync(join(tmpdir(), 'mlready-report-'));
  writeCsv(join(dir, 'reference.csv'), rows(4000, 1, false));
  writeCsv(join(dir, 'current.csv'), rows(3000, 2, true));
  const run = await cli(
    ['drift', '-r', 'reference.csv', '-c', 'current.csv', '--model', 'fraud', '--format', 'json'],
    { cwd: dir },
  );
  drifted = (JSON.parse(run.stdout) as { dataset: { drifted: string[] } }).dataset.drifted;
  const html = await cli(
    ['drift', '-r', 'reference.csv', '-c', 'current.csv', '--format', 'html', '--output-file', 'report.html'],
    { cwd: dir },
  );
  expect(html.code).toBe(1);
  reportUrl = pathToFileURL(join(dir, 'report.html')).href;
  profileDir = mkdtempSync(join(tmpdir(), 'mlready-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1100, height: 900 },
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(colorScheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; requests: string[] }> {
  const page = await context.newPage();
  await page.emulateMedia({ colorScheme });
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(reportUrl);
  return { page, requests };
}

interface Box {
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

describe('the HTML drift report in a browser', () => {
  it('loads nothing but itself', async () => {
    const { page, requests } = await open();
    expect(requests).toEqual([reportUrl]);
    await page.close();
  });

  it('puts the summary first, drifted features first in the table and in the sections', async () => {
    const { page } = await open();
    expect(drifted.length).toBeGreaterThan(2);
    const order = await page.evaluate(() => ({
      summaryTop: document.querySelector('#summary')!.getBoundingClientRect().top,
      firstSectionTop: document.querySelector('section.feature')!.getBoundingClientRect().top,
      rows: [...document.querySelectorAll('#features tbody tr')].map((tr) => ({
        feature: tr.querySelector('td')!.textContent.trim(),
        status: tr.className,
      })),
      sections: [...document.querySelectorAll('section.feature h2')].map((h) =>
        h.firstChild!.textContent!.trim(),
      ),
      named: [...document.querySelectorAll('#summary .drifted strong')].map((s) => s.textContent),
    }));
    expect(order.summaryTop).toBeLessThan(order.firstSectionTop);
    // Every drifted feature comes before every feature that did not drift.
    const rank = (status: string) => (status === 'critical' || status === 'warn' ? 0 : 1);
    const ranks = order.rows.map((r) => rank(r.status));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(
      order.rows
        .slice(0, drifted.length)
        .map((r) => r.feature)
        .sort(),
    ).toEqual([...drifted].sort());
    expect(order.sections).toEqual(order.rows.map((r) => r.feature));
    expect([...order.named].sort()).toEqual([...drifted].sort());
    await page.close();
  });

  it('has no overlapping labels in any chart, and labels large enough to read', async () => {
    const { page } = await open();
    const charts = await page.evaluate(() =>
      [...document.querySelectorAll('svg.chart')].map((svg) =>
        [...svg.querySelectorAll('text')].map((t) => {
          const r = t.getBoundingClientRect();
          return {
            text: t.textContent ?? '',
            x: r.x,
            y: r.y,
            width: r.width,
            height: r.height,
            size: parseFloat(getComputedStyle(t).fontSize),
          };
        }),
      ),
    );
    expect(charts.length).toBe(7);
    const overlaps = (a: Box, b: Box) =>
      a.x < b.x + b.width - 0.5 &&
      b.x < a.x + a.width - 0.5 &&
      a.y < b.y + b.height - 0.5 &&
      b.y < a.y + a.height - 0.5;
    for (const labels of charts) {
      expect(labels.length).toBeGreaterThan(3);
      for (const [i, a] of labels.entries()) {
        expect(a.size, a.text).toBeGreaterThanOrEqual(11);
        for (const b of labels.slice(i + 1))
          expect(overlaps(a, b), `"${a.text}" overlaps "${b.text}"`).toBe(false);
      }
    }
    await page.close();
  });

  it('draws continuous features on a real value axis: ticks in order, log scale where the data spans decades', async () => {
    const { page } = await open();
    const axes = await page.evaluate(() =>
      [...document.querySelectorAll('section.feature')].map((section) => ({
        feature: section.id,
        ticks: [...section.querySelectorAll('text.xlabel')].map((t) => ({
          value: Number(t.textContent.replace(/,/g, '')),
          x: Number(t.getAttribute('x')),
        })),
        name: section.querySelector('text.axisname')?.textContent ?? '',
      })),
    );
    const latency = axes.find((a) => a.feature === 'feature-latency_ms')!;
    expect(latency.name).toContain('(log scale)');
    const timestamp = axes.find((a) => a.feature === 'feature-timestamp')!;
    expect(timestamp.name).not.toContain('log scale');
    for (const axis of axes.filter((a) => a.ticks.length > 0)) {
      expect(axis.ticks.length, axis.feature).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < axis.ticks.length; i++) {
        expect(axis.ticks[i]!.value, axis.feature).toBeGreaterThan(axis.ticks[i - 1]!.value);
        expect(axis.ticks[i]!.x, axis.feature).toBeGreaterThan(axis.ticks[i - 1]!.x);
      }
    }
    await page.close();
  });

  it('sorts the summary table by a clicked column', async () => {
    const { page } = await open();
    const names = () =>
      page.$$eval('#features tbody tr td:first-child', (cells) => cells.map((c) => c.textContent.trim()));
    await page.click('#features th:first-child');
    const ascending = await names();
    expect(ascending).toEqual([...ascending].sort());
    await page.click('#features th:first-child');
    expect(await names()).toEqual([...ascending].reverse());
    await page.close();
  });

  it('is readable in light and dark mode', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const { page } = await open(scheme);
      const colours = await page.evaluate(() => ({
        background: getComputedStyle(document.body).backgroundColor,
        text: getComputedStyle(document.body).color,
      }));
      const luminance = (rgb: string) => {
        const [r, g, b] = rgb
          .match(/\d+/g)!
          .map(Number)
          .map((c) => {
            const s = c / 255;
            return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
          });
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      const [light, dark] = [luminance(colours.background), luminance(colours.text)].sort((a, b) => b - a);
      // WCAG contrast ratio; 4.5 is the AA level for body text.
      expect((light! + 0.05) / (dark! + 0.05), scheme).toBeGreaterThan(4.5);
      expect(luminance(colours.background) > 0.5, scheme).toBe(scheme === 'light');
      if (scheme === 'light' && process.env.UPDATE_SCREENSHOT) {
        const file = join(tmpdir(), `drift-report-${process.pid}.png`);
        await page.setViewportSize({ width: 1100, height: 1400 });
        await page.screenshot({ path: file });
        copyFileSync(file, join(REPO_ROOT, 'docs/drift-report.png'));
        rmSync(file);
      }
      await page.close();
    }
  });
});
