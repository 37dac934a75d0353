/**
 * The sandbox's clock (sandbox/core/clock.ts): platform durations scaled by the time scale, whole
 * floored expires_in, timers fired in order on manual advance, time continuous across mode
 * switches; over HTTP, scaled tokens really expire after their scaled lifetime.
 */
import { SandboxClock, startSandbox } from '../../sandbox';
import { eventually } from '../harness/eventually';
import { WechatCaller } from '../harness/wechat-caller';

describe('SandboxClock', () => {
  it('scales platform durations and reports expires_in as floored whole seconds, at least 1', () => {
    const clock = new SandboxClock({ timeScale: 1000, mode: 'manual', start: 0 });
    expect(clock.duration(7200)).toBe(7200);
    expect(SandboxClock.expiresIn(clock.duration(7200))).toBe(7);
    expect(SandboxClock.expiresIn(clock.duration(300))).toBe(1);
    clock.setTimeScale(7);
    expect(clock.duration(7200)).toBeCloseTo(1_028_571.43, 1);
  });

  it('fires timers in time order on manual advance, including timers they schedule', () => {
    const clock = new SandboxClock({ mode: 'manual', start: 1000 });
    const fired: number[] = [];
    clock.schedule(1300, () => fired.push(3));
    clock.schedule(1100, () => {
      fired.push(1);
      clock.schedule(1200, () => fired.push(2));
    });
    const cancelled = clock.schedule(1250, () => fired.push(99));
    clock.cancel(cancelled);
    clock.advance(250);
    expect(fired).toEqual([1, 2]);
    expect(clock.now()).toBe(1250);
    clock.advance(50);
    expect(fired).toEqual([1, 2, 3]);
  });

  it('keeps time continuous across mode switches', () => {
    const clock = new SandboxClock({ mode: 'manual', start: 5000 });
    clock.setMode('real');
    expect(clock.now()).toBeGreaterThanOrEqual(5000);
    expect(clock.now()).toBeLessThan(5000 + 1000);
    clock.setMode('manual');
    const frozen = clock.now();
    expect(clock.now()).toBe(frozen);
  });
});

describe('sandbox: time scale over HTTP', () => {
  it('reports scaled expires_in and really expires the token after the scaled lifetime', async () => {
    const sandbox = await startSandbox({ timeScale: 1000 });
    try {
      const wx = new WechatCaller(sandbox.url);
      const app = await sandbox.control.createWechatApp({});
      const body = await wx.token(app.appid, app.secret);
      expect(body.expires_in).toBe(7);
      expect((await sandbox.control.clock()).timeScale).toBe(1000);
      await sandbox.control.setClock({ timeScale: 20_000 }); // 7200 s → 360 ms
      const quick = (await wx.stable(app.appid, app.secret)).access_token!;
      expect(await wx.use(quick)).toBe(0);
      await eventually(async () => (await wx.use(quick)) === 42001, 5000);
    } finally {
      await sandbox.close();
    }
  });

  it('moves a manual clock only by advance', async () => {
    const sandbox = await startSandbox({ manualClock: true });
    try {
      const first = await sandbox.control.clock();
      expect(first.mode).toBe('manual');
      const advanced = await sandbox.control.advance(12_345);
      expect(advanced.now - first.now).toBe(12_345);
      const real = await sandbox.control.setClock({ mode: 'real' });
      expect(real.mode).toBe('real');
      expect(real.now).toBeGreaterThanOrEqual(advanced.now);
    } finally {
      await sandbox.close();
    }
  });
});
