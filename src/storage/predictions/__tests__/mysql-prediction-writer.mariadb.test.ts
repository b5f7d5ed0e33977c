/**
 * The MySQL/MariaDB prediction writer's own behaviour (the conformance suite covers what every backend
 * does): a batch of single predictions commits in one round trip, all or nothing, on connections of
 * the log's own that survive being killed by the server.
 */
import { randomUUID } from 'node:crypto';
import { createConnection as connectTcp, createServer, type Server, type Socket } from 'node:net';
import { createConnection } from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { mariadbBackend } from '../../../../test/helpers/test-databases.js';
import { createPredictionLog, openStorage, type PredictionInput, type Storage } from '../../index.js';
import { renderPredictionRow, sqlString } from '../mysql-prediction-writer.js';
import { preparePrediction } from '../prediction-rows.js';

const backend = mariadbBackend('MySQL prediction writer');

function prediction(overrides: Partial<PredictionInput> = {}): PredictionInput {
  return {
    id: randomUUID(),
    modelName: 'mushroom-gbdt',
    modelVersion: 3,
    clientId: '127.0.0.1',
    input: { 'cap-diameter': 15.26, 'cap-shape': 'x', note: 'a "quoted" ünïcode; value' },
    output: { decision: 'poisonous', probability: 0.97 },
    decision: 'poisonous',
    probability: 0.97,
    latencyUs: 120,
    requestKind: 'single',
    ...overrides,
  };
}

/**
 * A TCP proxy in front of the database that counts the commands clients send (MySQL packets with
 * sequence id 0: each starts a round trip; handshake and auth packets have other ids).
 */
async function commandCounter(
  target: URL,
): Promise<{ url: string; commands: () => number; close: () => void }> {
  let commands = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connectTcp(Number(target.port || 3306), target.hostname);
    sockets.add(client).add(upstream);
    // packet framing of the client's stream: 3-byte length, 1-byte sequence id, payload
    let header = Buffer.alloc(0);
    let skip = 0;
    client.on('data', (chunk: Buffer) => {
      let i = 0;
      while (i < chunk.length) {
        if (skip > 0) {
          const n = Math.min(skip, chunk.length - i);
          skip -= n;
          i += n;
          continue;
        }
        const need = 4 - header.length;
        header = Buffer.concat([header, chunk.subarray(i, i + need)]);
        i += Math.min(need, chunk.length - i);
        if (header.length === 4) {
          if (header[3] === 0) commands++;
          skip = header[0] | (header[1] << 8) | (header[2] << 16);
          header = Buffer.alloc(0);
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (d) => client.write(d));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = new URL(target.toString());
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    commands: () => commands,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** Runs statements on the database through a connection of its own. */
async function admin<T>(url: string, fn: (c: Awaited<ReturnType<typeof createConnection>>) => Promise<T>) {
  const c = await createConnection(url);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

if (backend !== null) {
  describe('MySQL prediction writer (MariaDB)', () => {
    const opened: Storage[] = [];
    const closers: (() => void)[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
      for (const c of closers.splice(0)) c();
    });

    it('a string literal of sqlString reads back as the string, for 2,000 random strings, in any sql_mode', async () => {
      // random strings over the characters literals treat specially, ASCII, control characters and
      // non-BMP text (well-formed UTF-16: what a log row holds)
      const alphabet = [
        "'",
        '\\',
        '"',
        '\0',
        '\x1a',
        '?',
        '%',
        '_',
        '\n',
        '\r',
        '\t',
        '\b',
        'a',
        'Z',
        ' ',
        ';',
        '-',
        '#',
        '/*',
        'ü',
        '✓',
        '🍄',
      ];
      let seed = 7;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648;
      };
      const strings = Array.from({ length: 2000 }, (_, i) =>
        Array.from({ length: i % 40 }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''),
      );
      const url = backend.freshUrl();
      opened.push(await openStorage(url)); // creates the database
      await admin(url, async (c) => {
        for (let i = 0; i < strings.length; i += 200) {
          const part = strings.slice(i, i + 200);
          const [rows] = await c.query(`select ${part.map((s, j) => `${sqlString(s)} as s${j}`).join(',')}`);
          const row = (rows as Record<string, string>[])[0];
          expect(part.map((_, j) => row[`s${j}`])).toEqual(part);
        }
        // with backslashes not an escape, a quote still cannot end a literal early: one value comes back
        await c.query("set session sql_mode = 'NO_BACKSLASH_ESCAPES'");
        const [rows] = await c.query(`select ${sqlString("x'); select 1; -- '")} as s`);
        expect(rows).toEqual([{ s: "x'); select 1; -- '" }]);
      });
    });

    it("renders each row for the durable log as it is appended, as the commit would; SQLite's storage renders nothing", async () => {
      const url = backend.freshUrl();
      const storage = await openStorage(url);
      opened.push(storage);
      const p = preparePrediction(prediction({ clientId: "o'hara \\ ?" }));
      expect(storage.predictions.render?.(p)).toEqual({
        id: p.id,
        row: p.row,
        rendered: renderPredictionRow(p.row),
      });
      const sqlite = await openStorage('sqlite::memory:');
      opened.push(sqlite);
      expect(sqlite.predictions.render).toBeUndefined();
    });

    it('a batch of 120 rows rendered ahead by the durable log still commits in one round trip (not bound again)', async () => {
      const url = backend.freshUrl();
      opened.push(await openStorage(url));
      const proxy = await commandCounter(new URL(url));
      closers.push(proxy.close);
      const storage = await openStorage(proxy.url, { migrate: false });
      opened.push(storage);
      await storage.predictions.insertMany([prediction()]); // opens the log's connection
      const log = createPredictionLog(storage.predictions);
      const appended = Array.from({ length: 120 }, () => prediction());
      const before = proxy.commands();
      await Promise.all(appended.map((r) => log.append(r)));
      expect(log.batches).toBe(1);
      expect(proxy.commands() - before).toBe(1);
      expect((await storage.predictions.stored(appended.map((r) => r.id))).size).toBe(120);
      await log.close();
    });

    it('commits a batch of single predictions in one round trip; with shadow rows, in two', async () => {
      const url = backend.freshUrl();
      opened.push(await openStorage(url)); // creates and migrates the database directly
      const proxy = await commandCounter(new URL(url));
      closers.push(proxy.close);
      const storage = await openStorage(proxy.url, { migrate: false });
      opened.push(storage);
      await storage.predictions.insertMany([prediction()]); // opens the log's connection
      const before = proxy.commands();
      const rows = Array.from({ length: 40 }, () => prediction());
      await storage.predictions.insertMany(rows);
      expect(proxy.commands() - before).toBe(1);
      expect(await storage.predictions.stored(rows.map((r) => r.id))).toEqual(new Set(rows.map((r) => r.id)));
      // shadow rows: the feedback lookup's answer is needed before the label updates
      const answered = rows[0].id;
      const beforeShadow = proxy.commands();
      await storage.predictions.insertMany([prediction({ shadowOf: answered, modelVersion: 4 })]);
      expect(proxy.commands() - beforeShadow).toBe(2);
      // the monitoring roll-up's counts went in the same transactions (the same round trip), one
      // pending row a commit; folded, they count the 42 predictions
      const outcomes = () =>
        admin(url, async (c) => {
          const [r] = await c.query(
            "select coalesce(sum(n), 0) as n from monitor_counts where feature = '@outcome' and model_name = 'mushroom-gbdt'",
          );
          const [p] = await c.query('select count(*) as n from monitor_count_pending');
          return {
            counted: Number((r as { n: string }[])[0].n),
            pending: Number((p as { n: string }[])[0].n),
          };
        });
      expect(await outcomes()).toEqual({ counted: 0, pending: 3 });
      expect(await storage.monitoring.foldPending()).toBe(3);
      expect(await outcomes()).toEqual({ counted: 42, pending: 0 });
      expect(await storage.monitoring.foldPending()).toBe(0);
    });

    it('of several processes folding the same pending counts at once, each count is added once', async () => {
      const url = backend.freshUrl();
      const writer = await openStorage(url);
      opened.push(writer);
      for (let i = 0; i < 30; i++) await writer.predictions.insertMany([prediction(), prediction()]);
      const folders = await Promise.all([1, 2, 3, 4].map(() => openStorage(url, { migrate: false })));
      opened.push(...folders);
      const folded = await Promise.all(folders.map((f) => f.monitoring.foldPending()));
      expect(folded.reduce((a, b) => a + b, 0)).toBe(30);
      const counts = await writer.monitoring.counts({ modelName: 'mushroom-gbdt' });
      const outcome = counts.filter((c) => c.feature === '@outcome').reduce((a, c) => a + c.n, 0);
      expect(outcome).toBe(60);
      expect(await writer.predictions.count()).toBe(60);
    });

    it('a failing roll-up insert rolls the whole batch back; the connection commits the next batch', async () => {
      const url = backend.freshUrl();
      const storage = await openStorage(url);
      opened.push(storage);
      await storage.predictions.insertMany([prediction()]);
      await admin(url, (c) =>
        c.query(
          "create trigger fail_counts before insert on monitor_count_pending for each row signal sqlstate '45000' set message_text = 'counts refused'",
        ),
      );
      const rows = Array.from({ length: 5 }, () => prediction());
      await expect(storage.predictions.insertMany(rows)).rejects.toMatchObject({ code: 'SP_ERR_DATABASE' });
      expect(await storage.predictions.count()).toBe(1);
      await admin(url, (c) => c.query('drop trigger fail_counts'));
      await storage.predictions.insertMany(rows);
      expect(await storage.predictions.count()).toBe(6);
    });

    it("a log connection killed by the server while idle is replaced: the next commit succeeds, the process doesn't crash", async () => {
      const url = backend.freshUrl();
      const storage = await openStorage(url);
      opened.push(storage);
      await storage.predictions.insertMany([prediction()]);
      const database = new URL(url).pathname.slice(1);
      const killed = await admin(url, async (c) => {
        const [ids] = await c.query(
          'select id from information_schema.processlist where db = ? and id <> connection_id()',
          [database],
        );
        for (const { id } of ids as { id: number }[]) await c.query(`kill connection ${Number(id)}`);
        return (ids as unknown[]).length;
      });
      expect(killed).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 200)); // the kill reaches the idle connections
      const rows = Array.from({ length: 3 }, () => prediction());
      await storage.predictions.insertMany(rows);
      const stored = await admin(url, async (c) => {
        const [r] = await c.query('select count(*) as n from predictions');
        return Number((r as { n: number }[])[0].n);
      });
      expect(stored).toBe(4);
    });
  });
}
