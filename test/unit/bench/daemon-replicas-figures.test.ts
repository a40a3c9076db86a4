// The replicas benchmark's figures on hand-made trails and deliveries: missed and doubled ticks,
// the takeover after a kill, and the checks of adapter calls against what the deployer received.

import { describe, expect, it } from 'vitest';
import { parseLoadOptions } from '../../../bench/daemon-load/options.js';
import { computeReplicaFigures, type FigureInput } from '../../../bench/daemon-replicas-figures.js';
import { replicasMinDurationSeconds, replicasTemplateYaml } from '../../../bench/daemon-replicas-template.js';

const START = 1_000_000;
const INTERVAL = 10_000;
const ticksAt = (...slots: number[]) => slots.map((k) => START + k * INTERVAL + 50);

function input(overrides: Partial<FigureInput>): FigureInput {
  return {
    intervalMs: INTERVAL,
    initialDelayMs: INTERVAL,
    windowFromMs: START + INTERVAL,
    windowToMs: START + 7 * INTERVAL,
    analyses: [],
    kill: null,
    calls: [],
    deliveries: [],
    ...overrides,
  };
}

describe('replica figures', () => {
  it('count the slots a takeover missed and how long until the taken-over analyses ticked again', () => {
    const figures = computeReplicaFigures(
      input({
        analyses: [
          { id: 'kept', startedAtMs: START, endedAtMs: null, tickAtMs: ticksAt(1, 2, 3, 4, 5, 6) },
          // Held by the killed replica: slots 3 and 4 missed, ticking again at slot 5.
          { id: 'moved', startedAtMs: START, endedAtMs: null, tickAtMs: ticksAt(1, 2, 5, 6) },
        ],
        kill: { atMs: START + 2 * INTERVAL + 500, analyses: ['moved'], leaseTakeoverMs: 11_000 },
      }),
    );
    expect(figures.ticks).toMatchObject({ expected: 12, run: 10, missed: 2, duplicates: 0 });
    expect(figures.ticks.lagMs.p50).toBe(50);
    expect(figures.takeover).toEqual({ analyses: 1, leaseTakeoverMs: 11_000, ticksResumedMs: 3 * INTERVAL + 50 - 500, missedDuringTakeover: 2 });
  });

  it('a slot ticked by two replicas counts as served twice; a taken-over analysis that never ticks again has no resume time', () => {
    const figures = computeReplicaFigures(
      input({
        analyses: [{ id: 'twice', startedAtMs: START, endedAtMs: null, tickAtMs: [...ticksAt(1, 2, 3), START + 3 * INTERVAL + 900] }],
        kill: { atMs: START + 3 * INTERVAL + 950, analyses: ['twice'], leaseTakeoverMs: null },
      }),
    );
    expect(figures.ticks.duplicates).toBe(1);
    expect(figures.takeover?.ticksResumedMs).toBeNull();
  });

  it('flag a decision delivered under two keys and a call done but never delivered; a key delivered twice is counted, not flagged', () => {
    const call = (key: string, action: string, step: number, status = 'done') => ({ analysisId: 'a1', idempotencyKey: key, action, step, status });
    const delivered = (key: string, action: string, step: number) => ({ analysisId: 'a1', idempotencyKey: key, action, step });
    const figures = computeReplicaFigures(
      input({
        calls: [
          call('k0', 'set-weight', 0),
          call('k1', 'set-weight', 1),
          call('k1b', 'set-weight', 1),
          call('k2', 'complete', 1),
          call('k3', 'rollback', 1, 'pending'),
        ],
        deliveries: [delivered('k0', 'set-weight', 0), delivered('k0', 'set-weight', 0), delivered('k1', 'set-weight', 1), delivered('k1b', 'set-weight', 1)],
      }),
    );
    expect(figures.calls).toEqual({
      recorded: 5,
      done: 4,
      pending: 1,
      failed: 0,
      deliveries: 4,
      decisionsWithSeveralKeys: 1,
      repeatedDeliveries: 1,
      doneButNotDelivered: 1,
    });
  });

  it('the bench template promotes after a third of the window; --replicas needs --store postgres', () => {
    expect(replicasMinDurationSeconds(60, 300)).toBe(120);
    expect(replicasMinDurationSeconds(5, 300)).toBe(100);
    expect(replicasTemplateYaml(60, 120)).toMatch(/name: bench-replicas\n[\s\S]*interval: 60s[\s\S]*minDuration: 120s/);
    expect(parseLoadOptions(['--store', 'postgres', '--replicas', '2'])).toMatchObject({ store: 'postgres', replicas: 2 });
    expect(() => parseLoadOptions(['--replicas', '2'])).toThrow(/need --store postgres/);
    expect(() => parseLoadOptions(['--store', 'etcd'])).toThrow(/expected sqlite or postgres/);
  });
});
