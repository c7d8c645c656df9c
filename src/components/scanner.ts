// USB barcode and QR scanners are keyboards that type very fast and press Enter. On the
// device screens a scan must work whatever has focus (a barista never taps a search box
// first): keys typed faster than a person types, ending in Enter, are a scan. Typing into
// a text field is left to the field (its own Enter handler deals with a scan there).

/** Tells a scanner's burst from a person typing; pure, so it is tested without a browser. */
export class ScanDetector {
  private buffer = '';
  private last = -Infinity;
  private gaps: number[] = [];

  /** the longest pause between a scanner's keys, in ms */
  private readonly maxGapMs: number;
  /** the shortest code worth looking up */
  private readonly minLength: number;

  constructor(maxGapMs = 50, minLength = 4) {
    this.maxGapMs = maxGapMs;
    this.minLength = minLength;
  }

  /** Feeds one key; returns the code when this key (Enter) completes a scan. */
  key(key: string, at: number): string | null {
    const gap = at - this.last;
    this.last = at;
    if (key === 'Enter') {
      const code = this.buffer;
      const fast = this.gaps.length > 0 && this.gaps.every((g) => g <= this.maxGapMs) && gap <= this.maxGapMs;
      this.reset();
      return code.length >= this.minLength && fast ? code : null;
    }
    if (key.length !== 1) return null; // Shift, arrows…: not part of a code
    if (gap > this.maxGapMs || !this.buffer) {
      this.buffer = key;
      this.gaps = [];
    } else {
      this.buffer += key;
      this.gaps.push(gap);
    }
    return null;
  }

  reset() {
    this.buffer = '';
    this.gaps = [];
  }
}

function typingIntoField(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.isContentEditable);
}

/** Calls `onscan` with each code scanned while no text field has focus; returns a stop function. */
export function listenForScans(onscan: (code: string) => void, target: Window = window): () => void {
  const d = new ScanDetector();
  const onkey = (e: KeyboardEvent) => {
    if (typingIntoField(e.target)) return d.reset();
    const code = d.key(e.key, e.timeStamp);
    if (code) {
      e.preventDefault();
      onscan(code);
    }
  };
  target.addEventListener('keydown', onkey);
  return () => target.removeEventListener('keydown', onkey);
}
