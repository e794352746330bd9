import { describe, expect, it } from 'vitest';
import { NoiseMemory } from '../../src/shadow/noiseMemory.ts';

const STATUS = { path: 'commitments.edges[*].node.status', control: 'ACTIVE', candidate: 'DRAFT' };
const TITLE = { path: 'commitments.edges[*].node.title', control: 'a', candidate: 'b' };

describe('the noise memory', () => {
  it('calls a difference noise only where the control disagreed with itself', () => {
    const memory = new NoiseMemory({ now: () => 0 });
    memory.learn('Query.commitments', [STATUS]);
    expect(memory.allNoise('Query.commitments', [STATUS])).toBe(true);
    expect(memory.allNoise('Query.commitments', [STATUS, TITLE])).toBe(false);
    expect(memory.allNoise('Commitment.status', [STATUS])).toBe(false);
    expect(memory.allNoise('Query.commitments', [])).toBe(false);
  });

  it('forgets a path once the control has not disagreed there for the memory', () => {
    let now = 0;
    const memory = new NoiseMemory({ memoryMs: 1_000, now: () => now });
    memory.learn('Query.commitments', [STATUS]);
    now = 1_000;
    expect(memory.allNoise('Query.commitments', [STATUS])).toBe(true);
    now = 1_001;
    expect(memory.allNoise('Query.commitments', [STATUS])).toBe(false);
    memory.learn('Query.commitments', [STATUS]);
    now = 1_500;
    expect(memory.allNoise('Query.commitments', [STATUS])).toBe(true);
  });

  it('keeps learning new paths past its bound by forgetting the ones gone quiet', () => {
    let now = 0;
    const memory = new NoiseMemory({ memoryMs: 1_000, now: () => now });
    const many = Array.from({ length: 200 }, (_, index) => ({ ...TITLE, path: `p${index}` }));
    memory.learn('Query.commitments', many);
    memory.learn('Query.commitments', [STATUS]);
    expect(memory.allNoise('Query.commitments', [STATUS])).toBe(false);
    now = 2_000;
    memory.learn('Query.commitments', [STATUS]);
    expect(memory.allNoise('Query.commitments', [STATUS])).toBe(true);
    expect(memory.allNoise('Query.commitments', [many[0] ?? TITLE])).toBe(false);
  });
});
