import { SILENCE_DBFS } from '@voiceagent/audio';
import { describe, expect, it } from 'vitest';
import { AgentPlayout } from './agent-playout';

describe('AgentPlayout', () => {
  it('is silent before any agent audio', () => {
    const playout = new AgentPlayout();
    expect(playout.isAudible(0)).toBe(false);
    expect(playout.audibleSince(-1e9)).toBe(false);
    expect(playout.peakDbfs(0, 1000)).toBe(SILENCE_DBFS);
  });

  it('queues a burst of frames one after another, in real time', () => {
    const playout = new AgentPlayout();
    for (let i = 0; i < 50; i++) playout.frame(1000, 20, -20); // one second of audio, all at once
    expect(playout.audibleUntilMs).toBe(2000);
    expect(playout.isAudible(1999)).toBe(true);
    expect(playout.isAudible(2000)).toBe(false);
  });

  it('starts a frame now once the queue has played out', () => {
    const playout = new AgentPlayout();
    playout.frame(1000, 20, -20);
    playout.frame(1500, 20, -20);
    expect(playout.audibleUntilMs).toBe(1520);
    expect(playout.isAudible(1030)).toBe(true); // the estimate is a single horizon: gaps count as audible
    expect(playout.audibleSince(1400)).toBe(true);
    expect(playout.audibleSince(1520)).toBe(false);
  });

  it('drops the queue on a barge-in, and later frames start from then', () => {
    const playout = new AgentPlayout();
    for (let i = 0; i < 100; i++) playout.frame(0, 20, i < 10 ? -30 : -10);
    playout.flushed(100);
    expect(playout.isAudible(100)).toBe(false);
    // The loud frames were queued after the flush: never heard.
    expect(playout.peakDbfs(0, 5000)).toBe(-30);
    playout.frame(300, 20, -25);
    expect(playout.audibleUntilMs).toBe(320);
    // A flush after the queue played out changes nothing.
    playout.flushed(1000);
    expect(playout.audibleUntilMs).toBe(320);
  });

  it('reports the loudest agent frame heard in a window', () => {
    const playout = new AgentPlayout();
    playout.frame(0, 20, -40);
    playout.frame(0, 20, -12);
    playout.frame(0, 20, -30);
    expect(playout.peakDbfs(0, 60)).toBe(-12);
    expect(playout.peakDbfs(40, 60)).toBe(-30);
    expect(playout.peakDbfs(0, 10)).toBe(-40);
  });

  it('forgets frames long played out', () => {
    const playout = new AgentPlayout();
    playout.frame(0, 20, -10);
    playout.frame(60_000, 20, -30);
    expect(playout.peakDbfs(0, 70_000)).toBe(-30);
  });
});
