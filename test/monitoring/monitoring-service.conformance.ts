/**
 * The monitoring service over a real database (DESIGN convention 5: the same figures on every backend):
 * a trained and promoted classic model, its reference profile, predictions logged through the real log
 * (held-out rows, then a shifted window), labels through the real feedback repository.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMonitoringReport } from '../../src/reports/index.js';
import {
  calibrationError,
  EtlService,
  type HeldOutRecords,
  MonitoringService,
} from '../../src/services/index.js';
import { createInProcessEventBus, hundredth, openStorage, type Storage } from '../../src/storage/index.js';
import { PRIMARY } from '../helpers/fixture-files.js';
import {
  hour,
  leafLitterSeason,
  logTraffic,
  MONITORED_MODEL,
  strideSample,
} from '../helpers/monitoring-traffic.js';
import { prepareServingDatabase, registryOver } from '../helpers/serving-setup.js';
import type { TestBackend } from '../helpers/test-databases.js';

const MODEL = MONITORED_MODEL;

export function describeMonitoringServiceConformance(backend: TestBackend): void {
  describe(`monitoring service: ${backend.name}`, () => {
    let storage: Storage;
    let cleanup = () => {};
    let service: MonitoringService;
    let heldOut: HeldOutRecords;
    let loggedIds: { id: string; label: 'e' | 'p'; decision: string; probability: number }[] = [];

    let prepared: Awaited<ReturnType<typeof prepareServingDatabase>>;

    beforeAll(async () => {
      const url = backend.freshUrl();
      prepared = await prepareServingDatabase(url);
      cleanup = prepared.cleanup;
      storage = await openStorage(url);
      const { registry } = registryOver(storage, prepared, createInProcessEventBus());
      service = new MonitoringService({
        monitoring: storage.monitoring,
        datasets: storage.datasets,
        registry,
      });
      heldOut = await new EtlService(storage.datasets, {
        invalidThreshold: 0.01,
        seed: 42,
        speciesFile: PRIMARY,
      }).heldOutRecords('latest');
      // 10:00-11:00 in distribution; 12:00 a shifted window (every mushroom without odor, on leaves)
      loggedIds = await logTraffic(storage, prepared, hour(10, 5), heldOut.records);
      await logTraffic(storage, prepared, hour(12, 30), strideSample(heldOut.records, 400), leafLitterSeason);
    }, 600_000);
    afterAll(async () => {
      await storage?.close();
      cleanup();
    });

    it('builds the reference profile of a version once, from its training split, and stores it', async () => {
      const p = await service.profile(MODEL);
      expect(p.features.odor.kind).toBe('categorical');
      expect(Object.keys(p.features)).toHaveLength(22);
      const odor = Object.values(p.features.odor.counts).reduce((a, b) => a + b, 0);
      expect(odor).toBe(p.rows);
      expect(p.rows).toBeGreaterThan(heldOut.records.length);
      expect(p.outcomes.rows).toBe(heldOut.records.length);
      expect(p.outcomes.figures.n).toBe(heldOut.records.length);
      const stored = await storage.monitoring.getProfile(MODEL, p.modelVersion);
      expect(JSON.parse(stored?.profile ?? '{}')).toEqual(p);
      expect(await service.profile(MODEL, p.modelVersion)).toEqual(p);
    });

    it('finds no drift in held-out traffic, and drift with its test and effect size in a shifted window', async () => {
      const calm = await service.drift({ modelName: MODEL, from: hour(10), to: hour(11) });
      expect(calm.window.rows).toBe(heldOut.records.length);
      expect(calm.dataset?.drifted).toBe(false);
      const shifted = await service.drift({ modelName: MODEL, from: hour(12), to: hour(13) });
      expect(shifted.window.rows).toBe(400);
      const odor = shifted.features.find((f) => f.feature === 'odor');
      expect(odor).toMatchObject({ status: 'tested', test: 'jensenshannon', drifted: true });
      expect(odor?.status === 'tested' && odor.effectSize.value).toBeGreaterThan(0.1);
      const capShape = shifted.features.find((f) => f.feature === 'cap-shape');
      expect(capShape).toMatchObject({ status: 'tested', drifted: false });
      // prediction drift: outcome shares against the test split's
      const shares = calm.prediction.current;
      expect(shares.edible + shares.poisonous + shares.uncertain + shares.novel).toBeCloseTo(1, 9);
      expect(calm.prediction.current).toEqual(calm.prediction.reference);
      // an empty window tests nothing and says why
      const empty = await service.drift({ modelName: MODEL, from: hour(20), to: hour(21) });
      expect(empty.window.rows).toBe(0);
      expect(empty.dataset).toBeNull();
      expect(empty.features[0]).toMatchObject({ status: 'no data', reason: 'no predictions in the window' });
    });

    it('takes the last N predictions as the most recent hours holding them', async () => {
      const last = await service.drift({ modelName: MODEL, last: 100, to: hour(13) });
      expect(last.window).toMatchObject({ from: hour(12).toISOString(), rows: 400 });
      const more = await service.drift({ modelName: MODEL, last: 401, to: hour(13) });
      expect(more.window.rows).toBe(400 + heldOut.records.length);
    });

    it('estimates performance without labels (CBPE) within 2 points of the true accuracy of held-out traffic', async () => {
      const perf = await service.performance({ modelName: MODEL, from: hour(10), to: hour(11) });
      const answered = loggedIds.filter((l) => l.decision !== 'uncertain');
      const truth =
        answered.filter((l) => (l.decision === 'edible') === (l.label === 'e')).length / answered.length;
      expect(perf.estimated?.estimated).toBe(true);
      expect(perf.estimated?.rows).toBe(heldOut.records.length);
      expect(Math.abs((perf.estimated?.accuracy ?? 0) - truth)).toBeLessThanOrEqual(0.02);
      const poisonous = loggedIds.filter((l) => l.label === 'p');
      const recall = poisonous.filter((l) => l.decision !== 'edible').length / poisonous.length;
      expect(Math.abs((perf.estimated?.poisonousRecall ?? 0) - recall)).toBeLessThanOrEqual(0.02);
      expect(perf.hours[0].estimated?.rows).toBe(heldOut.records.length);
      const profile = await service.profile(MODEL);
      expect(profile.calibration.split).toBe('validation');
      expect(perf.calibration.calibrated).toBe(profile.calibration.calibrated);
    });

    it('computes performance from the labels that arrived, per hour, replacements included', async () => {
      const labelled = loggedIds.slice(0, 300);
      for (const l of labelled) await storage.feedback.record({ predictionId: l.id, trueLabel: l.label });
      // one wrong label, then corrected
      await storage.feedback.record({
        predictionId: labelled[0].id,
        trueLabel: labelled[0].label === 'e' ? 'p' : 'e',
        replace: true,
      });
      await storage.feedback.record({
        predictionId: labelled[0].id,
        trueLabel: labelled[0].label,
        replace: true,
      });
      const perf = await service.performance({ modelName: MODEL, from: hour(10), to: hour(13) });
      const answered = labelled.filter((l) => l.decision !== 'uncertain');
      const correct = answered.filter((l) => (l.decision === 'edible') === (l.label === 'e'));
      const poisonous = labelled.filter((l) => l.label === 'p');
      const falseEdible = poisonous.filter((l) => l.decision === 'edible').length;
      expect(perf.labelled).toMatchObject({
        n: 300,
        answered: answered.length,
        accuracy: correct.length / answered.length,
        poisonous: poisonous.length,
        falseEdible,
        poisonousRecall: (poisonous.length - falseEdible) / poisonous.length,
      });
      expect(perf.window.rows).toBe(heldOut.records.length + 400);
      expect(perf.hours.map((h) => [h.hour, h.rows, h.labelled.n])).toEqual([
        [hour(10).toISOString(), heldOut.records.length, 300],
        [hour(12).toISOString(), 400, 0],
      ]);
      expect(perf.reference.n).toBe(heldOut.records.length);
      // calibration of the labelled predictions: the roll-up's SQL binning equals the same in JS
      const cells: Record<string, number> = {};
      for (const l of labelled) {
        const k = `${hundredth(l.probability)}|${l.label}`;
        cells[k] = (cells[k] ?? 0) + 1;
      }
      expect(perf.labelled.ece).toBeCloseTo(calibrationError(cells) ?? Number.NaN, 12);
      expect(perf.hours[1].labelled.ece).toBeNull();
    });

    it('reports a window as one self-contained HTML file: verdict and reasons, drift, distributions, performance', async () => {
      const shifted = await service.report({ modelName: MODEL, from: hour(12), to: hour(13) });
      expect(shifted.summary.verdict).not.toBe('ok');
      expect(shifted.summary.reasons.map((r) => r.kind)).toContain('feature-drift');
      expect(shifted.dataDrift?.features.find((f) => f.feature === 'odor')?.drifted).toBe(true);
      expect(shifted.distributions).toHaveLength(22);
      const odor = shifted.distributions.find((d) => d.feature === 'odor');
      expect(odor?.kind === 'categorical' && odor.current.n).toBe(1); // every shifted mushroom has no odor
      const p = shifted.predictionDrift;
      expect(p === null ? null : p.current.edible + p.current.poisonous + p.current.uncertain).toBeCloseTo(
        1,
        9,
      );
      const html = renderMonitoringReport(shifted);
      expect(html).toContain('<svg');
      expect(html).not.toMatch(/(src|href)="https?:/);
      const calm = await service.report({ modelName: MODEL, from: hour(10), to: hour(11) });
      expect(calm.window.labelledRows).toBe(300);
      expect(calm.performance.overall.labelled?.n).toBe(300);
      const empty = await service.report({ modelName: MODEL, from: hour(20), to: hour(21) });
      expect(empty.summary.reasons[0]).toMatchObject({ kind: 'no-data' });
      expect(empty.dataDrift).toBeNull();
      expect(renderMonitoringReport(empty)).toContain('<html');
    });

    it('reports each arm of an experiment on its own: rows, drift and performance per arm', async () => {
      const rows = strideSample(heldOut.records, 200);
      await logTraffic(storage, prepared, hour(14, 5), rows, undefined, MODEL, {
        experimentId: 'exp-arms',
        arm: 'control',
      });
      await logTraffic(storage, prepared, hour(14, 6), rows, leafLitterSeason, MODEL, {
        experimentId: 'exp-arms',
        arm: 'challenger',
      });
      const version = (await service.profile(MODEL)).modelVersion;
      const r = await service.report(
        { modelName: MODEL, from: hour(14), to: hour(15) },
        {
          experiment: {
            id: 'exp-arms',
            arms: [
              { name: 'control', version },
              { name: 'challenger', version },
            ],
          },
        },
      );
      expect(r.window.rows).toBe(400);
      expect(r.arms?.map((a) => [a.arm, a.rows])).toEqual([
        ['control', 200],
        ['challenger', 200],
      ]);
      const odor = (arm: string) =>
        r.arms?.find((a) => a.arm === arm)?.dataDrift?.features.find((f) => f.feature === 'odor');
      expect(odor('control')?.drifted).toBe(false);
      expect(odor('challenger')?.drifted).toBe(true);
      expect(renderMonitoringReport(r)).toContain('challenger');
    });

    it('refuses a bad window with a clear error, and an unknown model or version', async () => {
      await expect(service.drift({ modelName: MODEL, from: hour(12), to: hour(10) })).rejects.toMatchObject({
        code: 'SP_ERR_BAD_PARAM',
        message: expect.stringContaining('must be before'),
      });
      await expect(service.drift({ modelName: MODEL, last: 0 })).rejects.toMatchObject({
        code: 'SP_ERR_BAD_PARAM',
      });
      await expect(service.drift({ modelName: MODEL, last: 5, from: hour(1) })).rejects.toMatchObject({
        code: 'SP_ERR_BAD_PARAM',
      });
      await expect(service.drift({ modelName: 'no-such-model' })).rejects.toMatchObject({
        code: 'SP_ERR_NOT_FOUND',
      });
      await expect(service.performance({ modelName: MODEL, version: 99 })).rejects.toMatchObject({
        code: 'SP_ERR_NOT_FOUND',
      });
    });
  });
}
