import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { RecentIds } from '../../src/subscriptions/recentIds.ts';
import { type PendingEvent, SubscriptionStream } from '../../src/subscriptions/subscriptionStream.ts';

function event(value: string, sent: string[] = []): PendingEvent {
  return {
    run: async (): Promise<ExecutionResult> => ({ data: { value } }),
    sent: () => void sent.push(value),
  };
}

describe('SubscriptionStream', () => {
  it('hands events over in order, one at a time, and hears each one sent when the next is asked for', async () => {
    const sent: string[] = [];
    const stream = new SubscriptionStream(() => {});
    stream.push(event('a', sent));
    stream.push(event('b', sent));
    expect(stream.queued).toBe(2);
    expect((await stream.next()).value).toEqual({ data: { value: 'a' } });
    expect(sent).toEqual([]);
    const waiting = stream.next();
    expect((await waiting).value).toEqual({ data: { value: 'b' } });
    expect(sent).toEqual(['a']);
    const later = stream.next();
    stream.push(event('c', sent));
    expect((await later).value).toEqual({ data: { value: 'c' } });
  });

  it('drops what is queued when cut off, and says how much', async () => {
    let ended = 0;
    const stream = new SubscriptionStream(() => {
      ended += 1;
    });
    for (const value of ['a', 'b', 'c']) stream.push(event(value));
    expect(stream.end(false)).toBe(3);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    stream.push(event('d'));
    expect(stream.queued).toBe(0);
    expect(ended).toBe(1);
  });

  it('lets queued events out before completing on shutdown', async () => {
    let ended = false;
    const stream = new SubscriptionStream(() => {
      ended = true;
    });
    stream.push(event('a'));
    expect(stream.end(true)).toBe(0);
    stream.push(event('late'));
    expect((await stream.next()).value).toEqual({ data: { value: 'a' } });
    expect(ended).toBe(false);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(ended).toBe(true);
  });

  it('completes a waiting next() when it ends, and when the client returns', async () => {
    const stream = new SubscriptionStream(() => {});
    const waiting = stream.next();
    stream.end(true);
    expect(await waiting).toEqual({ value: undefined, done: true });
    const other = new SubscriptionStream(() => {});
    const pending = other.next();
    await other.return();
    expect(await pending).toEqual({ value: undefined, done: true });
  });
});

describe('RecentIds', () => {
  it('refuses an id seen lately and forgets the oldest beyond its capacity', () => {
    const ids = new RecentIds(2);
    expect(ids.add('a')).toBe(true);
    expect(ids.add('a')).toBe(false);
    expect(ids.add('b')).toBe(true);
    expect(ids.add('c')).toBe(true);
    expect(ids.add('a')).toBe(true);
    expect(ids.add('c')).toBe(false);
  });
});

describe('SubscriptionStream skipping', () => {
  it('skips an event whose run says it is no longer to be sent, and hands over the next', async () => {
    const stream = new SubscriptionStream(() => {});
    stream.push({ run: async () => null, sent: () => {} });
    stream.push(event('kept'));
    expect((await stream.next()).value).toEqual({ data: { value: 'kept' } });
    const waiting = stream.next();
    stream.push({ run: async () => null, sent: () => {} });
    stream.push(event('later'));
    expect((await waiting).value).toEqual({ data: { value: 'later' } });
  });
});
