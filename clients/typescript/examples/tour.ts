/**
 * A tour of the API through the typed client, against a running server:
 * register, log in, create goals and page through them, record progress
 * safely retried with an `Idempotency-Key`, update a goal with `If-Match`,
 * and read the stats. Every answer is checked; the first mismatch throws and
 * the process exits with status 1.
 *
 * ```sh
 * cargo run &                                        # the API on :3000
 * npm run build && node dist/examples/tour.js http://127.0.0.1:3000
 * ```
 */

import { randomUUID } from "node:crypto";

import { type ApiClient, type Goal, type GoalPage, type GoalPatch, type NewGoal, createApiClient } from "../src/index.js";

/** What an openapi-fetch call answers: `data` on success, `error` otherwise, and the raw response. */
interface Answer<Data, Failure> {
  data?: Data;
  error?: Failure;
  response: Response;
}

/** Prints one step of the tour. */
function step(text: string): void {
  console.log(`- ${text}`);
}

/** Throws `message` unless `condition` holds. */
function check(condition: boolean, message: string): asserts condition {
  if (!condition) {
    throw new Error(message);
  }
}

/** Throws unless `actual` is `expected`, naming `what`. */
function checkEqual<T>(what: string, actual: T, expected: T): void {
  check(actual === expected, `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** The answer's body, after checking that the request answered `status`. */
function expectStatus<Data, Failure>(what: string, status: number, answer: Answer<Data, Failure>): Data {
  const { data, error, response } = answer;
  check(
    response.status === status && data !== undefined,
    `${what}: expected ${status}, got ${response.status} ${JSON.stringify(error ?? data ?? null)}`,
  );
  return data;
}

/** The answer's error, after checking that the request failed with `status` (and `code`). */
function expectError<Data, Failure extends { error: { code: string } }>(
  what: string,
  status: number,
  code: string,
  answer: Answer<Data, Failure>,
): Failure {
  const { data, error, response } = answer;
  check(
    response.status === status && error !== undefined,
    `${what}: expected ${status}, got ${response.status} ${JSON.stringify(data ?? error ?? null)}`,
  );
  checkEqual(`${what}: error code`, error.error.code, code);
  return error;
}

/** A response header, which must be there. */
function header(what: string, response: Response, name: string): string {
  const value = response.headers.get(name);
  check(value !== null, `${what}: no ${name} header`);
  return value;
}

/** Creates a goal, checking the answer against what was sent. */
async function createGoal(api: ApiClient, goal: NewGoal): Promise<Goal> {
  const answer = await api.POST("/goals", { body: goal });
  const created = expectStatus(`POST /goals (${goal.title})`, 201, answer);
  checkEqual("created goal's title", created.title, goal.title);
  checkEqual("created goal's status", created.status, "active");
  checkEqual("created goal's progressTotal", created.progressTotal, 0);
  checkEqual("created goal's ETag", header("POST /goals", answer.response, "ETag"), `"${created.version}"`);
  checkEqual("created goal's Location", header("POST /goals", answer.response, "Location"), `/goals/${created.goalId}`);
  return created;
}

/** The tour against the API at `baseUrl`. */
async function tour(baseUrl: string): Promise<void> {
  const api = createApiClient({ baseUrl });

  const health = expectStatus("GET /health", 200, await api.GET("/health"));
  checkEqual("health status", health.status, "ok");
  step(`the API at ${baseUrl} is up (version ${health.version}, ${health.backend} backend)`);

  // Register without a display name (it is optional), then log in.
  const email = `tour-${randomUUID()}@example.com`;
  const password = "Tour-passw0rd";
  const registered = expectStatus(
    "POST /auth/register",
    201,
    await api.POST("/auth/register", { body: { email, password } }),
  );
  checkEqual("registered email", registered.email, email);
  step(`registered ${registered.email} as user ${registered.userId} (confirmed: ${registered.confirmed})`);
  const tokens = expectStatus("POST /auth/login", 200, await api.POST("/auth/login", { body: { email, password } }));
  checkEqual("token type", tokens.tokenType, "Bearer");
  api.setAccessToken(tokens.accessToken);
  step(`logged in: an access token for ${tokens.expiresIn} s`);

  // A goal.
  const run = await createGoal(api, {
    title: "Run 20 km a week",
    description: "Three easy runs and a long one.",
    category: "fitness",
    target: { value: 20, unit: "km" },
    period: "weekly",
  });
  step(`created goal ${run.goalId} "${run.title}" (version ${run.version})`);

  // A few more, then every goal through the pages of GET /goals.
  const others: NewGoal[] = [
    { title: "Read 12 books", category: "learning", target: { value: 12, unit: "books" }, period: "once" },
    { title: "Sleep 8 hours", category: "sleep", target: { value: 8, unit: "h" }, period: "daily" },
    { title: "Meditate 10 minutes", category: "mindfulness", target: { value: 10, unit: "min" }, period: "daily" },
    { title: "Save 200 EUR", category: "finance", target: { value: 200, unit: "EUR" }, period: "monthly" },
  ];
  const created = [run];
  for (const goal of others) {
    created.push(await createGoal(api, goal));
  }
  step(`created ${others.length} more goals`);
  const limit = 2;
  const seen = new Map<string, Goal>();
  // No cursor for the first page; then each page's `nextCursor`, unchanged.
  let cursor: string | undefined = undefined;
  let pages = 0;
  do {
    const page: GoalPage = expectStatus(
      `GET /goals page ${pages + 1}`,
      200,
      await api.GET("/goals", { params: { query: { limit, cursor } } }),
    );
    pages += 1;
    check(page.items.length <= limit, `GET /goals page ${pages}: ${page.items.length} items, more than limit ${limit}`);
    for (const goal of page.items) {
      check(!seen.has(goal.goalId), `GET /goals: goal ${goal.goalId} listed twice`);
      seen.set(goal.goalId, goal);
    }
    cursor = page.nextCursor ?? undefined;
    check(pages <= created.length, `GET /goals: still a nextCursor after ${pages} pages`);
  } while (cursor !== undefined);
  checkEqual("goals listed", seen.size, created.length);
  for (const goal of created) {
    check(seen.has(goal.goalId), `GET /goals: goal ${goal.goalId} "${goal.title}" never listed`);
  }
  step(`listed all ${seen.size} goals, each once, in ${pages} pages of at most ${limit}`);

  // Progress, retried with the same Idempotency-Key: the retry answers the
  // original entry and records nothing more.
  const key = randomUUID();
  const record = () =>
    api.POST("/goals/{goalId}/progress", {
      params: { path: { goalId: run.goalId }, header: { "Idempotency-Key": key } },
      body: { value: 5, note: "Easy run along the river" },
    });
  const entry = expectStatus("POST /goals/{goalId}/progress", 201, await record());
  checkEqual("progress entry's goal", entry.goalId, run.goalId);
  checkEqual("progress entry's value", entry.value, 5);
  step(`recorded ${entry.value} km as entry ${entry.entryId} (Idempotency-Key ${key})`);
  const replayed = expectStatus("POST /goals/{goalId}/progress (retry)", 201, await record());
  checkEqual("retried entry's id", replayed.entryId, entry.entryId);
  checkEqual("retried entry's createdAt", replayed.createdAt, entry.createdAt);
  step(`retried with the same key: the same entry ${replayed.entryId}`);

  // Read the goal: its total counts the entry once, and its ETag is its version.
  const read = await api.GET("/goals/{goalId}", { params: { path: { goalId: run.goalId } } });
  const current = expectStatus("GET /goals/{goalId}", 200, read);
  checkEqual("progressTotal after the retry", current.progressTotal, 5);
  const etag = header("GET /goals/{goalId}", read.response, "ETag");
  checkEqual("ETag", etag, `"${current.version}"`);
  step(`goal ${current.goalId}: progressTotal ${current.progressTotal}, ETag ${etag}`);

  // Change it only if nobody else has since that read (If-Match)…
  const patch: GoalPatch = { title: "Run 25 km a week", target: { value: 25, unit: "km" } };
  const patched = await api.PATCH("/goals/{goalId}", {
    params: { path: { goalId: run.goalId }, header: { "If-Match": etag } },
    body: patch,
  });
  const updated = expectStatus("PATCH /goals/{goalId} (If-Match: current)", 200, patched);
  checkEqual("patched title", updated.title, patch.title);
  checkEqual("patched version", updated.version, current.version + 1);
  checkEqual("patched ETag", header("PATCH /goals/{goalId}", patched.response, "ETag"), `"${updated.version}"`);
  step(`PATCH with If-Match ${etag}: "${updated.title}", now version ${updated.version}`);

  // …so a change based on the old version is refused, and writes nothing.
  const stale = expectError(
    "PATCH /goals/{goalId} (If-Match: stale)",
    412,
    "precondition_failed",
    await api.PATCH("/goals/{goalId}", {
      params: { path: { goalId: run.goalId }, header: { "If-Match": etag } },
      body: { title: "A lost update" },
    }),
  );
  const after = expectStatus(
    "GET /goals/{goalId}",
    200,
    await api.GET("/goals/{goalId}", { params: { path: { goalId: run.goalId } } }),
  );
  checkEqual("title after the refused PATCH", after.title, updated.title);
  step(`PATCH with the stale If-Match ${etag}: 412 ${stale.error.code} (request ${stale.error.requestId})`);

  // The stats count the entry once, for the goal and for today.
  const stats = expectStatus("GET /stats", 200, await api.GET("/stats"));
  checkEqual("stats: goals", stats.totals.goals, created.length);
  checkEqual("stats: active goals", stats.totals.activeGoals, created.length);
  checkEqual("stats: progress entries", stats.totals.progressEntries, 1);
  const byGoal = stats.byGoal.find((goal) => goal.goalId === run.goalId);
  check(byGoal !== undefined, `GET /stats: no byGoal entry for ${run.goalId}: ${JSON.stringify(stats.byGoal)}`);
  checkEqual("stats: the goal's total", byGoal.total, 5);
  checkEqual("stats: the goal's entries", byGoal.entries, 1);
  const days = stats.byDay.reduce((sum, day) => sum + day.value, 0);
  checkEqual("stats: the days' total", days, 5);
  step(`stats: ${stats.totals.goals} goals, ${stats.totals.progressEntries} entry, ${byGoal.total} km on the goal`);

  // Without the token, the API refuses.
  api.clearAccessToken();
  expectError("GET /goals without a token", 401, "unauthorized", await api.GET("/goals"));
  step("without the access token: 401");
}

const baseUrl = process.argv[2];
if (baseUrl === undefined) {
  console.error("usage: node dist/examples/tour.js BASE_URL (such as http://127.0.0.1:3000)");
  process.exit(2);
}
try {
  await tour(baseUrl);
  console.log("tour passed");
} catch (error) {
  // A network failure's reason (such as ECONNREFUSED) is its `cause`.
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
  console.error(`tour failed: ${error instanceof Error ? error.message : String(error)}${cause}`);
  process.exitCode = 1;
}
