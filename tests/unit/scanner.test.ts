// A USB scanner is a keyboard that types fast and presses Enter; a person is slower.
import { describe, expect, it } from 'vitest';
import { ScanDetector } from '../../src/components/scanner.ts';

function feed(d: ScanDetector, keys: string[], gapMs: number, start = 1000) {
  let out: string | null = null;
  keys.forEach((k, i) => {
    const r = d.key(k, start + i * gapMs);
    if (r) out = r;
  });
  return out;
}

describe('scan detection', () => {
  it('reads a fast burst ending in Enter as a code', () => {
    expect(feed(new ScanDetector(), [...'4006381333931', 'Enter'], 8)).toBe('4006381333931');
    expect(feed(new ScanDetector(), [...'M-0001', 'Enter'], 20)).toBe('M-0001');
  });
  it('ignores a person typing, short bursts and a stray Enter', () => {
    expect(feed(new ScanDetector(), [...'M-0001', 'Enter'], 180)).toBeNull();
    expect(feed(new ScanDetector(), [...'ab', 'Enter'], 5)).toBeNull();
    expect(feed(new ScanDetector(), ['Enter'], 5)).toBeNull();
  });
  it('starts over after a pause, so earlier keys do not stick to a scan', () => {
    const d = new ScanDetector();
    feed(d, [...'xy'], 5, 0);
    expect(feed(d, [...'12345678', 'Enter'], 5, 5000)).toBe('12345678');
  });
  it('skips modifier keys the scanner sends', () => {
    expect(feed(new ScanDetector(), ['Shift', 'M', '-', '0', '0', '0', '1', 'Enter'], 6)).toBe('M-0001');
  });
});
