/**
 * The dashboard's one way to the API: same-origin fetches with the API key kept for this browser tab
 * (sessionStorage), JSON answers, and the error envelope turned into a message people can act on.
 */

const KEY_ITEM = 'sporeprint.apiKey';

/** The API key entered in this tab, or null. */
export function apiKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_ITEM);
  } catch {
    return null;
  }
}

/** Keeps `key` for this tab (null forgets it); listeners of {@link onKeyChange} are told. */
export function setApiKey(key: string | null): void {
  try {
    if (key === null || key.trim() === '') sessionStorage.removeItem(KEY_ITEM);
    else sessionStorage.setItem(KEY_ITEM, key.trim());
  } catch {
    // storage refused (private mode): the key lasts until the page closes
  }
  for (const l of keyListeners) l();
}

const keyListeners = new Set<() => void>();

/** Calls `listener` whenever the API key changes; returns the unsubscribe function. */
export function onKeyChange(listener: () => void): () => void {
  keyListeners.add(listener);
  return () => keyListeners.delete(listener);
}

/** The Authorization header of the current key (none without a key). */
export function authHeaders(): Record<string, string> {
  const key = apiKey();
  return key === null ? {} : { authorization: `Bearer ${key}` };
}

/** One problem of a refused request body (the envelope's `details.problems`). */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** An API answer other than 2xx, with a message for people. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: readonly FieldProblem[] = [],
  ) {
    super(message);
  }
}

/** What to tell a person about an error answer, by status. */
function explain(status: number, message: string): string {
  if (status === 401) {
    return `The API key was refused (${message}). Enter a valid key with the "API key" button at the top.`;
  }
  if (status === 403) return `This API key may not do that (${message}). Use an admin key.`;
  if (status === 0) return `The server cannot be reached (${message}).`;
  return message;
}

async function answer<T>(res: Response): Promise<T> {
  if (res.ok) return (await res.json()) as T;
  let code = 'SP_ERR_HTTP';
  let message = `${res.status} ${res.statusText}`;
  let problems: FieldProblem[] = [];
  try {
    const body = (await res.json()) as {
      error?: { code?: string; message?: string; details?: { problems?: FieldProblem[] } };
    };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
    problems = body.error?.details?.problems ?? [];
  } catch {
    // not the envelope: keep the status line
  }
  throw new ApiError(res.status, code, explain(res.status, message), problems);
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        accept: 'application/json',
        ...authHeaders(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'SP_ERR_NETWORK', explain(0, e instanceof Error ? e.message : String(e)));
  }
  return answer<T>(res);
}

/** GET a JSON answer. */
export const apiGet = <T>(path: string): Promise<T> => request<T>('GET', path);

/** POST a JSON body (admin actions: send the key). */
export const apiPost = <T>(path: string, body: unknown = null): Promise<T> => request<T>('POST', path, body);

/** The text of any error, for an alert box. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
