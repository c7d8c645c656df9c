// Finding a member in a keystroke or two (the desk, issue #5; the console's merge, #7): by
// name, email, phone or card code, over every member of the organization, on the tablet (offline), forgiving
// accents ("zoe" finds Zoë), case, word order and a typo or two ("siobhan obrien" finds
// Siobhán Ó Briain). Pure and synchronous, so it is unit-tested and benchmarked without a
// browser: 2,000 members answer well inside one frame.

export interface Member {
  id: string;
  name: string;
  email?: string | null;
  phone?: string | null;
  code?: string | null;
}

const SPECIAL: Record<string, string> = { ø: 'o', ł: 'l', đ: 'd', ß: 'ss', æ: 'ae', œ: 'oe', ı: 'i', þ: 'th', ð: 'd' };

/** Lower case, accents off, letters without a decomposition mapped, punctuation to spaces. */
export function fold(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[øłđßæœıþð]/g, (c) => SPECIAL[c])
    .replace(/['’]/g, '')
    .replace(/[^\p{L}\p{N}@.]+/gu, ' ')
    .trim();
}

/** Damerau–Levenshtein (optimal string alignment) distance, giving up past `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length];
}

interface Entry<M extends Member> {
  member: M;
  words: string[];
  joined: string;
  email: string;
  digits: string;
  code: string;
}

/** How well one typed word matches one word of a name: 0 when it does not. */
function wordScore(q: string, w: string): number {
  if (w === q) return 4;
  if (w.startsWith(q)) return 3;
  if (q.length >= 3 && w.includes(q)) return 2;
  if (q.length < 3) return 0;
  // a typo: against the whole word, or against its start when the word is still being typed
  const max = q.length >= 6 ? 2 : 1;
  if (editDistance(q, w, max) <= max) return 1.5;
  if (w.length > q.length && editDistance(q, w.slice(0, q.length), max) <= max) return 1;
  return 0;
}

export class MemberIndex<M extends Member = Member> {
  private readonly entries: Entry<M>[];

  constructor(members: M[]) {
    this.entries = members.map((m) => {
      const name = fold(m.name);
      return {
        member: m,
        words: name.split(' ').filter(Boolean),
        joined: name.replace(/ /g, ''),
        email: (m.email ?? '').toLowerCase(),
        digits: (m.phone ?? '').replace(/\D/g, ''),
        code: (m.code ?? '').toLowerCase(),
      };
    });
  }

  get size() {
    return this.entries.length;
  }

  /** The best matches first (then by name); nothing for fewer than two characters. */
  search(query: string, limit = 12): M[] {
    const raw = query.trim().toLowerCase();
    if (raw.length < 2) return [];
    const scored: { m: M; s: number }[] = [];
    const digits = raw.replace(/[\s\-().+]/g, '');
    const phoneLike = /^\d{3,}$/.test(digits);
    const q = fold(query);
    const words = q.split(' ').filter((w) => w && !w.includes('@'));
    for (const e of this.entries) {
      let s = 0;
      if (e.code && e.code === raw) s = 100;
      else if (phoneLike) s = e.digits.includes(digits) ? 10 : 0;
      else if (raw.includes('@') || (raw.includes('.') && !raw.includes(' '))) s = e.email.startsWith(raw) ? 10 : e.email.includes(raw) ? 5 : 0;
      else if (words.length) {
        // every typed word must match a different word of the name
        const used = new Set<number>();
        for (const qw of words) {
          let best = 0;
          let at = -1;
          e.words.forEach((w, i) => {
            if (used.has(i)) return;
            const ws = wordScore(qw, w);
            if (ws > best) [best, at] = [ws, i];
          });
          if (!best && words.length === 1 && qw.length >= 4 && e.joined.includes(qw)) best = 1; // "obriain"
          if (!best) {
            s = 0;
            break;
          }
          if (at >= 0) used.add(at);
          s += best;
        }
        if (s && e.words[0]?.startsWith(words[0])) s += 0.5; // first names first
      }
      if (s > 0) scored.push({ m: e.member, s });
    }
    scored.sort((a, b) => b.s - a.s || a.m.name.localeCompare(b.m.name));
    return scored.slice(0, limit).map((x) => x.m);
  }
}
