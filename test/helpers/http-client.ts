import type { Storage } from '../../src/storage/index.js';

/** Rows a request could leave behind: predictions, feedback, registry history, batch journal, experiments, silences. */
export async function rowCounts(
  storage: Storage,
  model = 'sporeprint-classic',
): Promise<Record<string, number>> {
  const experiments = await storage.experiments.list({ limit: 10_000 });
  return {
    predictions: (await storage.predictions.ids()).length,
    feedback: (await storage.feedback.joined()).length,
    history: (await storage.registry.history(model)).length,
    journal: await storage.predictionJournal.count(),
    experiments: experiments.length,
    silences: (await storage.alerts.silences({ limit: 10_000 })).length,
    experimentEvents: (await Promise.all(experiments.map((e) => storage.experiments.history(e.id)))).flat()
      .length,
  };
}

/** A JSON client of one server. */
export function client(url: string, key?: string) {
  const headers = (h: Record<string, string> = {}) => ({
    'content-type': 'application/json',
    ...(key ? { authorization: `Bearer ${key}` } : {}),
    ...h,
  });
  return {
    post: (path: string, body: unknown, h?: Record<string, string>) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: headers(h),
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    put: (path: string, body: unknown, h?: Record<string, string>) =>
      fetch(`${url}${path}`, {
        method: 'PUT',
        headers: headers(h),
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: (path: string, h?: Record<string, string>) => fetch(`${url}${path}`, { headers: headers(h) }),
  };
}

/** The error of an envelope answer. */
export interface ErrorAnswer {
  error: {
    code: string;
    message: string;
    details?: {
      problems?: { field: string; problem: string; message: string; record?: number }[];
      more?: number;
      invalidRecords?: number;
      allowed?: Record<string, string>;
    };
  };
}
