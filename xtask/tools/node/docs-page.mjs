// The docs page in a real browser: `cargo xtask docs-page` (xtask/src/docs_page.rs)
// copies this script next to target/tools/node/node_modules and runs
//
//   CHROMIUM=/usr/bin/chromium node docs-page.mjs BASE_URL OPENAPI_JSON SCREENSHOT_PNG
//
// It loads BASE_URL/docs in a fresh headless Chromium context and fails (exit 1)
// on any of:
// - a request to another origin than BASE_URL's (aborted, never sent: the page
//   must need nothing but the server that serves it);
// - a failed request, or a response with a status of 400 or more;
// - a console error or an uncaught exception in the page, a Content-Security-Policy
//   violation included (each is also reported with its directive and blocked URL);
// - no `content-security-policy` header on the response to /docs;
// - an operation of OPENAPI_JSON whose summary Swagger UI does not show.
// It saves a full-page screenshot to SCREENSHOT_PNG either way. Every wait is
// bounded, and a watchdog ends the run if the whole of it takes too long.

import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

// The longest any single step (navigation, rendering, screenshot) may take.
const STEP_TIMEOUT_MS = 30_000;
// The longest the whole run may take before the watchdog ends it.
const RUN_TIMEOUT_MS = 150_000;
// The HTTP methods an OpenAPI path item holds operations under.
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

const [baseArg, documentPath, screenshotPath] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM;
if (!baseArg || !documentPath || !screenshotPath || !executablePath) {
  console.error("usage: CHROMIUM=PATH node docs-page.mjs BASE_URL OPENAPI_JSON SCREENSHOT_PNG");
  process.exit(2);
}


// Whitespace runs as one space, ends trimmed: how a summary reads on the page.
const normalize = (text) => String(text ?? "").replace(/\s+/g, " ").trim();

// Every operation of the document: `METHOD /path` and its summary.
function operations(document) {
  const found = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item?.[method];
      if (operation) {
        found.push({ key: `${method.toUpperCase()} ${path}`, summary: normalize(operation.summary) });
      }
    }
  }
  return found;
}

const base = new URL(baseArg);
const expected = operations(JSON.parse(readFileSync(documentPath, "utf8")));
const failures = [];
const blocked = [];
const cspViolations = [];
// Each request's method, URL and outcome, in order.
const log = [];
let requests = 0;

const fail = (message) => failures.push(message);

// The failures so far, one a line, then the exit code: 1 with any, else 0.
function report() {
  if (failures.length === 0) {
    console.log("docs page: ok");
    return 0;
  }
  console.log(`docs page: FAILED, ${failures.length} failure(s):`);
  for (const failure of failures) {
    console.log(`  - ${failure}`);
  }
  return 1;
}

const watchdog = setTimeout(() => {
  fail(`the run took longer than ${RUN_TIMEOUT_MS / 1000} s; given up`);
  process.exit(report());
}, RUN_TIMEOUT_MS);
watchdog.unref();

const browser = await chromium
  .launch({
    executablePath,
    headless: true,
    timeout: STEP_TIMEOUT_MS,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  })
  .catch((error) => {
    fail(`cannot start ${executablePath}: ${error?.message ?? error}`);
    process.exit(report());
  });

let page = null;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  // Only the server's own origin goes out; anything else is aborted unsent.
  await context.route("**/*", async (route) => {
    const url = route.request().url();
    requests += 1;
    let origin = null;
    try {
      origin = new URL(url).origin;
    } catch {
      // Not a URL with an origin: blocked below.
    }
    if (origin === base.origin && new URL(url).hostname === "127.0.0.1") {
      await route.continue();
    } else {
      blocked.push(url);
      log.push(`${route.request().method()} ${url} -> blocked (another origin)`);
      fail(`request to another origin blocked: ${url}`);
      await route.abort("blockedbyclient");
    }
  });
  // CSP violations, with their directive and blocked URL (Chromium also logs
  // each as a console error, counted below).
  await context.exposeBinding("__reportCspViolation", (_source, violation) => {
    cspViolations.push(violation);
  });
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      window.__reportCspViolation({
        directive: event.effectiveDirective || event.violatedDirective,
        blocked: event.blockedURI,
        source: event.sourceFile ? `${event.sourceFile}:${event.lineNumber}:${event.columnNumber}` : "",
        sample: event.sample,
      });
    });
  });

  page = await context.newPage();
  page.on("requestfailed", (request) => {
    if (!blocked.includes(request.url())) {
      log.push(`${request.method()} ${request.url()} -> failed (${request.failure()?.errorText ?? "unknown"})`);
      fail(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText ?? "unknown"})`);
    }
  });
  page.on("response", (response) => {
    log.push(`${response.request().method()} ${response.url()} -> ${response.status()}`);
    if (response.status() >= 400) {
      fail(`response ${response.status()}: ${response.request().method()} ${response.url()}`);
    }
  });
  page.on("console", (message) => {
    if (message.type() === "error") {
      const where = message.location()?.url ? ` (at ${message.location().url})` : "";
      fail(`console error: ${message.text()}${where}`);
    }
  });
  page.on("pageerror", (error) => fail(`uncaught exception in the page: ${error.message}`));

  const docsUrl = new URL("/docs", base).href;
  console.log(`docs page: loading ${docsUrl} in ${executablePath}`);
  const response = await page.goto(docsUrl, { waitUntil: "load" });
  if (!response) {
    fail(`no response to ${docsUrl}`);
  } else {
    const csp = response.headers()["content-security-policy"];
    if (csp) {
      console.log(`docs page: content-security-policy: ${csp}`);
    } else {
      fail(`the response to ${docsUrl} has no content-security-policy header`);
    }
  }

  // Swagger UI has rendered once it shows as many operations as the document
  // has, or an error of its own; bounded either way.
  try {
    await page.waitForFunction(
      (count) =>
        document.querySelectorAll(".opblock").length >= count ||
        document.querySelector(".swagger-ui .errors-wrapper, .swagger-ui .loading-container .errors") !== null,
      expected.length,
      { timeout: STEP_TIMEOUT_MS, polling: 100 },
    );
  } catch {
    fail(`Swagger UI did not render the document's ${expected.length} operations within ${STEP_TIMEOUT_MS / 1000} s`);
  }
  const errors = await page.locator(".swagger-ui .errors-wrapper").allInnerTexts();
  for (const text of errors) {
    fail(`Swagger UI shows an error: ${normalize(text)}`);
  }
  // Late requests (and their failures) settle before anything is counted.
  await page.waitForLoadState("networkidle", { timeout: STEP_TIMEOUT_MS }).catch(() => {
    fail(`the page's network was still busy after ${STEP_TIMEOUT_MS / 1000} s`);
  });

  const shown = (await page.locator(".opblock .opblock-summary-description").allTextContents()).map(normalize);
  const rendered = await page.locator(".opblock").count();
  const missing = expected.filter(({ summary }) => !summary || !shown.includes(summary));
  if (shown.length === 0) {
    fail(`no operation summary is shown at all (of ${expected.length} in the document)`);
  } else {
    for (const { key, summary } of missing) {
      fail(summary ? `summary not shown: ${key}: "${summary}"` : `${key} has no summary in the document`);
    }
  }

  await page.screenshot({ path: screenshotPath, fullPage: true });

  // The first operation of each HTTP method opened as a reader would, so what
  // only an open operation renders (parameters, request bodies, responses and
  // their examples, their icons) faces the same checks. One of each, not all:
  // each click re-renders the page, seconds apiece on a small CI machine.
  const methods = (await page.locator(".opblock .opblock-summary-method").allTextContents()).map(normalize);
  const kinds = [...new Set(methods)];
  const firsts = kinds.map((method) => methods.indexOf(method));
  const controls = page.locator(".opblock .opblock-summary-control");
  for (const index of firsts) {
    await controls.nth(index).click();
  }
  const count = firsts.length;
  const opened = await page
    .waitForFunction(
      (wanted) => document.querySelectorAll(".opblock.is-open .opblock-body .responses-wrapper").length >= wanted,
      count,
      { timeout: STEP_TIMEOUT_MS, polling: 100 },
    )
    .then(() => true)
    .catch(() => false);
  const bodies = await page.locator(".opblock.is-open .opblock-body .responses-wrapper").count();
  if (!opened) {
    fail(`${bodies} of ${count} operations showed their details once opened, within ${STEP_TIMEOUT_MS / 1000} s`);
  }
  await page.waitForLoadState("networkidle", { timeout: STEP_TIMEOUT_MS }).catch(() => {
    fail(`the page's network was still busy after ${STEP_TIMEOUT_MS / 1000} s with operations open`);
  });

  for (const { directive, blocked: what, source, sample } of cspViolations) {
    fail(
      `content security policy violation: ${directive} blocked ${what || "(inline)"}` +
        (source ? ` from ${source}` : "") +
        (sample ? ` (sample: ${sample})` : ""),
    );
  }

  console.log(`docs page: ${requests} requests, ${blocked.length} to other origins blocked:`);
  for (const line of log) {
    console.log(`  ${line}`);
  }
  console.log(`docs page: ${rendered} operations rendered, ${expected.length} in the document`);
  console.log(`docs page: summaries shown ${expected.length - missing.length}/${expected.length}`);
  console.log(`docs page: operations opened (the first ${kinds.join(", ")}) ${bodies}/${count}`);
  console.log(`docs page: screenshot ${screenshotPath}`);
  await context.close();
} catch (error) {
  fail(`the browser run failed: ${error?.stack ?? error}`);
  // What the page looked like when it failed, if it can still be had.
  await page?.screenshot({ path: screenshotPath, fullPage: true }).catch(() => {});
} finally {
  await browser.close().catch(() => {});
}

process.exit(report());
