// Opens a unitguard report in Debian's chromium (headless, through playwright-core), reads
// what the rendered page shows and prints it as JSON; takes screenshots of the overview and
// of one unit's drill-down. Usage: node check-report.mjs REPORT.html OUTDIR UNIT
import { chromium } from "playwright-core";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [report, outdir, unit] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "ug-chromium-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
  viewport: { width: 1280, height: 1600 },
});
const page = await browser.newPage();
const requests = [];
page.on("request", (r) => { if (!r.url().startsWith("file:")) requests.push(r.url()); });
await page.goto("file://" + report, { waitUntil: "load" });
await page.screenshot({ path: join(outdir, "overview.png") });

const dom = await page.evaluate(() => {
  const rows = [...document.querySelectorAll("#host-table tr.host")];
  const visible = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  return {
    hosts: rows.length,
    hostsCard: Number(document.querySelector("#card-hosts b").textContent),
    unitsCard: Number(document.querySelector("#card-units b").textContent),
    perHost: Object.fromEntries(rows.map((r) => [r.dataset.host, {
      units: Number(r.querySelector("td.num").firstChild.textContent.trim()),
      verdict: r.dataset.verdict,
      score: Number(r.dataset.score),
      shownVerdict: r.querySelector(".verdict").textContent.trim(),
    }])),
    verdictCards: {
      PASS: Number(document.querySelector("#card-pass b").textContent),
      WARN: Number(document.querySelector("#card-warn b").textContent),
      FAIL: Number(document.querySelector("#card-fail b").textContent),
    },
    checklistRows: document.querySelectorAll("#checklist-table tr.checklist-row").length,
    checklistCells: [...document.querySelectorAll("#checklist-table tr.checklist-row")].map((r) =>
      [r.dataset.host, [...r.querySelectorAll("td.pt")].map((c) => c.textContent.trim())]),
    histogramBars: [...document.querySelectorAll("#histogram rect.bar")].map((b) => Number(b.dataset.count)),
    histogramVisible: visible(document.querySelector("#histogram svg")),
    regressions: [...document.querySelectorAll("tr.regression")].map((r) => [r.dataset.host, r.dataset.unit]),
    drilldowns: document.querySelectorAll("details.unit-detail").length,
  };
});

// The drill-down: follow the link from the "most exposed" table, as a reader would.
await page.click(`#top-table a[href="#unit-${unit}"], a[href="#unit-${unit}"]`);
const details = page.locator(`details[data-unit="${unit}"]`);
dom.drillOpen = await details.evaluate((d) => d.open);
dom.drillHosts = Number(await details.getAttribute("data-hosts"));
dom.drillChecks = await details.locator("tr.failing-check").count();
dom.drillFixes = await details.locator("tr.failing-check td:nth-child(3)").allTextContents();
await details.screenshot({ path: join(outdir, "drilldown.png") });
dom.requests = requests;
await browser.close();
console.log(JSON.stringify(dom));
