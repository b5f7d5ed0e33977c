/**
 * The live Overview: `GET /v1/events` read as a stream (fetch, so the API key can go in a header),
 * parsed as server-sent events. The connection's state is shown on every page: live, reconnecting (the
 * server went away: retried with backoff), or refused (the key).
 */
import { useEffect, useState } from 'preact/hooks';
import { authHeaders, onKeyChange } from './api.js';
import type { Overview } from './types.js';

/** The connection to the server. */
export type LiveStatus =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'live' }
  | { readonly kind: 'reconnecting'; readonly reason: string }
  | { readonly kind: 'refused'; readonly message: string };

/** What the live feed knows. */
export interface LiveState {
  readonly status: LiveStatus;
  readonly overview: Overview | null;
  /** Grows with every Overview received: pages refresh their own data when it changes. */
  readonly seq: number;
  /** The server's last read error (an `error` event), cleared by the next Overview. */
  readonly problem: string | null;
}

/** No byte for this long (the server sends a comment every 15 s): the connection is dead. */
const SILENCE_MS = 35_000;
const MIN_RETRY_MS = 1000;
const MAX_RETRY_MS = 8000;

let state: LiveState = { status: { kind: 'connecting' }, overview: null, seq: 0, problem: null };
const listeners = new Set<(s: LiveState) => void>();
let started = false;
let wake: (() => void) | null = null;
let current: AbortController | null = null;

function update(patch: Partial<LiveState>): void {
  state = { ...state, ...patch };
  for (const l of listeners) l(state);
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      wake = null;
      resolve();
    }, ms);
    wake = () => {
      clearTimeout(timer);
      wake = null;
      resolve();
    };
  });

/** Dispatches one parsed event. */
function dispatch(event: string, data: string): void {
  if (event === 'overview') {
    update({
      overview: JSON.parse(data) as Overview,
      seq: state.seq + 1,
      problem: null,
      status: { kind: 'live' },
    });
  } else if (event === 'error') {
    update({ problem: (JSON.parse(data) as { message: string }).message });
  }
}

/** Reads one stream until it ends; throws why it ended. */
async function readStream(res: Response, controller: AbortController): Promise<never> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let watchdog = setTimeout(() => controller.abort(), SILENCE_MS);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the server closed the connection');
      clearTimeout(watchdog);
      watchdog = setTimeout(() => controller.abort(), SILENCE_MS);
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (data.length > 0) dispatch(event, data.join('\n'));
        end = buffer.indexOf('\n\n');
      }
    }
  } finally {
    clearTimeout(watchdog);
  }
}

async function run(): Promise<void> {
  let retry = MIN_RETRY_MS;
  for (;;) {
    const controller = new AbortController();
    current = controller;
    try {
      const res = await fetch('/v1/events', {
        headers: { accept: 'text/event-stream', ...authHeaders() },
        cache: 'no-store',
        signal: controller.signal,
      });
      if (res.status === 401 || res.status === 403) {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        update({ status: { kind: 'refused', message: body?.error?.message ?? `HTTP ${res.status}` } });
        await sleep(60_000); // or until the key changes
        continue;
      }
      if (!res.ok || res.body === null) throw new Error(`the server answered ${res.status}`);
      retry = MIN_RETRY_MS;
      await readStream(res, controller);
    } catch (e) {
      if (controller.signal.aborted && controller.signal.reason === 'key') continue;
      const reason = e instanceof Error && e.name !== 'AbortError' ? e.message : 'no answer from the server';
      update({ status: { kind: 'reconnecting', reason } });
      await sleep(retry);
      retry = Math.min(retry * 2, MAX_RETRY_MS);
    }
  }
}

/** Starts the feed once (idempotent); a new API key reconnects at once. */
export function startLive(): void {
  if (started) return;
  started = true;
  onKeyChange(() => {
    current?.abort('key');
    wake?.();
  });
  void run();
}

/** The live state, re-rendering on every change. */
export function useLive(): LiveState {
  const [s, setS] = useState(state);
  useEffect(() => {
    listeners.add(setS);
    setS(state);
    return () => {
      listeners.delete(setS);
    };
  }, []);
  return s;
}
