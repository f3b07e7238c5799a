/**
 * The typed client of the AI lifestyle API.
 *
 * Every path, parameter, body and answer is typed from the OpenAPI document
 * (`docs/openapi.json`) through `./schema.ts`, which `cargo xtask client`
 * generates with openapi-typescript; requests go through openapi-fetch.
 *
 * ```ts
 * const api = createApiClient({ baseUrl: "http://127.0.0.1:3000" });
 * const { data: tokens } = await api.POST("/auth/login", { body: { email, password } });
 * if (tokens) api.setAccessToken(tokens.accessToken);
 * const { data: page, error } = await api.GET("/goals", { params: { query: { limit: 10 } } });
 * ```
 *
 * @module
 */

import createClient, { type Client, type ClientOptions, type Middleware } from "openapi-fetch";

import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };

/** Options of {@link createApiClient}: openapi-fetch's, with a required `baseUrl`. */
export interface ApiClientOptions extends ClientOptions {
  /** Where the API is served, such as `http://127.0.0.1:3000` (no trailing path). */
  baseUrl: string;
  /** A bearer token to send from the first request on (see {@link ApiClient.setAccessToken}). */
  accessToken?: string;
}

/**
 * An openapi-fetch client over every route of the API (`api.GET("/goals")`,
 * `api.POST("/goals", { body })`, …), which answers `{ data, error, response }`:
 * `data` on a 2xx, `error` (an {@link ApiError}) otherwise, and always the raw
 * `Response` (its status and headers, such as `ETag`).
 */
export interface ApiClient extends Client<paths> {
  /** Sends `Authorization: Bearer <token>` on every following request. */
  setAccessToken(token: string): void;
  /** Stops sending a bearer token (after a logout, say). */
  clearAccessToken(): void;
}

/** A client of the API at `options.baseUrl`; see {@link ApiClient}. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const { accessToken, ...clientOptions } = options;
  let token = accessToken;
  const client = createClient<paths>(clientOptions);
  const bearer: Middleware = {
    onRequest({ request }) {
      // A header given for one request wins over the client's token.
      if (token !== undefined && !request.headers.has("Authorization")) {
        request.headers.set("Authorization", `Bearer ${token}`);
      }
      return request;
    },
  };
  client.use(bearer);
  return Object.assign(client, {
    setAccessToken(next: string): void {
      token = next;
    },
    clearAccessToken(): void {
      token = undefined;
    },
  });
}

/** The document's named schemas, such as `Schema<"Goal">`. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];

/** The error contract every failure answers: `{ error: { code, message, requestId, details? } }`. */
export type ApiError = Schema<"Error">;
/** `POST /auth/register` body (`displayName` optional). */
export type Registration = Schema<"Registration">;
/** `POST /auth/register` answer. */
export type Registered = Schema<"Registered">;
/** `POST /auth/login` body. */
export type Credentials = Schema<"Credentials">;
/** `POST /auth/login` and `POST /auth/refresh` answer. */
export type Tokens = Schema<"Tokens">;
/** A user's profile. */
export type Profile = Schema<"Profile">;
/** `PUT /users/{userId}/profile` body. */
export type ProfileUpdate = Schema<"ProfileUpdate">;
/** A stored goal. */
export type Goal = Schema<"Goal">;
/** `POST /goals` body. */
export type NewGoal = Schema<"NewGoal">;
/** `PATCH /goals/{goalId}` body: some of the goal's fields, or its status. */
export type GoalPatch = Schema<"GoalPatch">;
/** A goal's area of life. */
export type Category = Schema<"Category">;
/** How often a goal's target is meant to be reached. */
export type Period = Schema<"Period">;
/** A goal's lifecycle state. */
export type GoalStatus = Schema<"GoalStatus">;
/** A quantity to reach, such as 5 km. */
export type Target = Schema<"Target">;
/** A page of `GET /goals`: `items`, and `nextCursor` (`null` on the last page). */
export type GoalPage = Schema<"PageOfGoal">;
/** `POST /goals/{goalId}/progress` body. */
export type NewProgress = Schema<"NewProgress">;
/** A stored progress entry. */
export type ProgressEntry = Schema<"ProgressEntry">;
/** A page of `GET /goals/{goalId}/progress`. */
export type ProgressPage = Schema<"PageOfProgressEntry">;
/** `GET /stats` answer. */
export type Stats = Schema<"Stats">;
/** A notification of the inbox. */
export type Notification = Schema<"Notification">;
/** A page of `GET /notifications`. */
export type NotificationPage = Schema<"PageOfNotification">;
