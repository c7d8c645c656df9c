// The demo business as data: who works there, what the café sells and what it is made
// of, the studio's classes, plans and members (DESIGN §10 "Demo data"). seed.ts turns
// these tables into rows; keeping them apart lets a reader (or the README) see the
// whole demo at a glance, and lets the seed logic stay short.
//
// Names are references between the tables (a recipe names its inventory item, a
// product names its category), so a typo fails loudly in seed.ts rather than
// silently dropping a line.

export type StaffRole = 'owner' | 'manager' | 'barista' | 'front_desk' | 'instructor';
export type LocationKey = 'cafe' | 'studio';

/** Demo staff and their PINs, printed at start so anyone can try the tablets. */
export const DEMO_PINS: { name: string; role: StaffRole; pin: string; locations: LocationKey[] }[] = [
  { name: 'Ana Ferreira', role: 'owner', pin: '1000', locations: ['cafe', 'studio'] },
  { name: 'Marcus Bell', role: 'manager', pin: '2000', locations: ['cafe', 'studio'] },
  { name: 'Priya Natarajan', role: 'barista', pin: '1111', locations: ['cafe'] },
  { name: 'Tomás Rivera', role: 'barista', pin: '1112', locations: ['cafe'] },
  { name: 'Jordan Lee', role: 'front_desk', pin: '3333', locations: ['studio'] },
  { name: 'Leilani Kahale', role: 'instructor', pin: '4444', locations: ['studio'] },
  { name: 'Dev Mehta', role: 'instructor', pin: '4445', locations: ['studio'] },
];

// ---------------------------------------------------------------- café

export const CATEGORIES = ['Coffee', 'Tea', 'Cold drinks', 'Pastries', 'Food'];

/** Quantities are integers in the item's unit (the ledger has no floats). */
export const INVENTORY: { name: string; unit: 'g' | 'ml' | 'each'; lowStock: number; received: number[] }[] = [
  // Two deliveries of beans, so a level visibly sums several movements.
  { name: 'Espresso beans', unit: 'g', lowStock: 2000, received: [5000, 5000] },
  { name: 'Drip coffee beans', unit: 'g', lowStock: 1000, received: [5000] },
  { name: 'Whole milk', unit: 'ml', lowStock: 4000, received: [12000, 12000] },
  { name: 'Oat milk', unit: 'ml', lowStock: 2000, received: [8000] },
  // Delivered short: the manager's low-stock list has something on it from the start.
  { name: 'Almond milk', unit: 'ml', lowStock: 2000, received: [1500] },
  { name: 'Skim milk', unit: 'ml', lowStock: 1000, received: [4000] },
  { name: 'Vanilla syrup', unit: 'ml', lowStock: 250, received: [1000] },
  { name: 'Caramel syrup', unit: 'ml', lowStock: 250, received: [1000] },
  { name: 'Chocolate sauce', unit: 'ml', lowStock: 250, received: [1500] },
  { name: 'Chai concentrate', unit: 'ml', lowStock: 1000, received: [4000] },
  { name: 'Matcha powder', unit: 'g', lowStock: 100, received: [500] },
  { name: 'English breakfast tea bags', unit: 'each', lowStock: 20, received: [100] },
  { name: 'Sencha tea bags', unit: 'each', lowStock: 20, received: [100] },
  { name: 'Chamomile tea bags', unit: 'each', lowStock: 20, received: [100] },
  { name: 'Cold brew', unit: 'ml', lowStock: 1000, received: [5000] },
  { name: 'Iced tea', unit: 'ml', lowStock: 1000, received: [4000] },
  { name: 'Oranges', unit: 'each', lowStock: 20, received: [60] },
  { name: 'Sparkling water bottles', unit: 'each', lowStock: 12, received: [48] },
  { name: 'Hot cups', unit: 'each', lowStock: 200, received: [1000] },
  { name: 'Cold cups', unit: 'each', lowStock: 100, received: [500] },
  { name: 'Croissants', unit: 'each', lowStock: 6, received: [24] },
  { name: 'Pains au chocolat', unit: 'each', lowStock: 6, received: [18] },
  { name: 'Blueberry muffins', unit: 'each', lowStock: 4, received: [12] },
  { name: 'Cinnamon rolls', unit: 'each', lowStock: 4, received: [12] },
  { name: 'Banana bread slices', unit: 'each', lowStock: 4, received: [16] },
  { name: 'Sourdough slices', unit: 'each', lowStock: 10, received: [40] },
  { name: 'Avocados', unit: 'each', lowStock: 4, received: [12] },
  { name: 'Ham & cheese sandwiches', unit: 'each', lowStock: 3, received: [10] },
  { name: 'Granola', unit: 'g', lowStock: 500, received: [3000] },
  { name: 'Yogurt', unit: 'ml', lowStock: 1000, received: [4000] },
  { name: 'Soup of the day', unit: 'ml', lowStock: 1000, received: [6000] },
];

type Recipe = [item: string, quantity: number][];
export type GroupKey = 'size' | 'milk' | 'extras';

// Recipes are per modifier, not per product × modifier, so a milk swap is modelled as
// "+200 ml of the new milk, −200 ml of whole milk" (a typical 12 oz pour): the default
// drink, which most orders are, stays exact, and a swap is close enough for stock.
const SWAP = 200;

export const MODIFIER_GROUPS: {
  key: GroupKey;
  name: string;
  min: number;
  max: number;
  modifiers: { name: string; delta: number; isDefault?: boolean; recipe?: Recipe }[];
}[] = [
  {
    key: 'size', name: 'Size', min: 1, max: 1,
    modifiers: [
      { name: 'Small', delta: 0, isDefault: true },
      { name: 'Medium', delta: 50 },
      { name: 'Large', delta: 100 },
    ],
  },
  {
    key: 'milk', name: 'Milk', min: 0, max: 1,
    modifiers: [
      { name: 'Whole', delta: 0, isDefault: true },
      { name: 'Oat', delta: 70, recipe: [['Oat milk', SWAP], ['Whole milk', -SWAP]] },
      { name: 'Almond', delta: 70, recipe: [['Almond milk', SWAP], ['Whole milk', -SWAP]] },
      { name: 'Skim', delta: 0, recipe: [['Skim milk', SWAP], ['Whole milk', -SWAP]] },
    ],
  },
  {
    key: 'extras', name: 'Extras', min: 0, max: 3,
    modifiers: [
      { name: 'Extra shot', delta: 90, recipe: [['Espresso beans', 9]] },
      { name: 'Vanilla syrup', delta: 60, recipe: [['Vanilla syrup', 15]] },
      { name: 'Caramel syrup', delta: 60, recipe: [['Caramel syrup', 15]] },
    ],
  },
];

const ESPRESSO: Recipe = [['Espresso beans', 18], ['Hot cups', 1]];
const MILKY: GroupKey[] = ['size', 'milk', 'extras'];

export const PRODUCTS: { name: string; category: string; price: number; groups?: GroupKey[]; recipe: Recipe }[] = [
  { name: 'Espresso', category: 'Coffee', price: 300, groups: ['extras'], recipe: ESPRESSO },
  { name: 'Americano', category: 'Coffee', price: 375, groups: ['size', 'extras'], recipe: ESPRESSO },
  { name: 'Cappuccino', category: 'Coffee', price: 450, groups: MILKY, recipe: [...ESPRESSO, ['Whole milk', 150]] },
  { name: 'Latte', category: 'Coffee', price: 475, groups: MILKY, recipe: [...ESPRESSO, ['Whole milk', 240]] },
  { name: 'Flat white', category: 'Coffee', price: 450, groups: ['milk', 'extras'], recipe: [...ESPRESSO, ['Whole milk', 180]] },
  {
    name: 'Mocha', category: 'Coffee', price: 525, groups: MILKY,
    recipe: [...ESPRESSO, ['Whole milk', 220], ['Chocolate sauce', 30]],
  },
  { name: 'Cortado', category: 'Coffee', price: 400, groups: ['milk', 'extras'], recipe: [...ESPRESSO, ['Whole milk', 60]] },
  { name: 'Drip coffee', category: 'Coffee', price: 300, groups: ['size'], recipe: [['Drip coffee beans', 20], ['Hot cups', 1]] },
  {
    name: 'English breakfast tea', category: 'Tea', price: 325, groups: ['size'],
    recipe: [['English breakfast tea bags', 1], ['Hot cups', 1]],
  },
  { name: 'Sencha green tea', category: 'Tea', price: 325, groups: ['size'], recipe: [['Sencha tea bags', 1], ['Hot cups', 1]] },
  { name: 'Chamomile tea', category: 'Tea', price: 325, groups: ['size'], recipe: [['Chamomile tea bags', 1], ['Hot cups', 1]] },
  {
    name: 'Chai latte', category: 'Tea', price: 475, groups: MILKY,
    recipe: [['Chai concentrate', 120], ['Whole milk', 180], ['Hot cups', 1]],
  },
  {
    name: 'Matcha latte', category: 'Tea', price: 525, groups: ['size', 'milk', 'extras'],
    recipe: [['Matcha powder', 4], ['Whole milk', 240], ['Hot cups', 1]],
  },
  {
    name: 'Iced latte', category: 'Cold drinks', price: 500, groups: MILKY,
    recipe: [['Espresso beans', 18], ['Whole milk', 200], ['Cold cups', 1]],
  },
  { name: 'Cold brew', category: 'Cold drinks', price: 450, groups: ['size', 'milk'], recipe: [['Cold brew', 300], ['Cold cups', 1]] },
  { name: 'Iced tea', category: 'Cold drinks', price: 375, groups: ['size'], recipe: [['Iced tea', 350], ['Cold cups', 1]] },
  { name: 'Sparkling water', category: 'Cold drinks', price: 300, recipe: [['Sparkling water bottles', 1]] },
  { name: 'Fresh orange juice', category: 'Cold drinks', price: 550, recipe: [['Oranges', 4], ['Cold cups', 1]] },
  { name: 'Butter croissant', category: 'Pastries', price: 375, recipe: [['Croissants', 1]] },
  { name: 'Pain au chocolat', category: 'Pastries', price: 425, recipe: [['Pains au chocolat', 1]] },
  { name: 'Blueberry muffin', category: 'Pastries', price: 375, recipe: [['Blueberry muffins', 1]] },
  { name: 'Cinnamon roll', category: 'Pastries', price: 450, recipe: [['Cinnamon rolls', 1]] },
  { name: 'Banana bread', category: 'Pastries', price: 400, recipe: [['Banana bread slices', 1]] },
  { name: 'Avocado toast', category: 'Food', price: 950, recipe: [['Sourdough slices', 2], ['Avocados', 1]] },
  { name: 'Ham & cheese sandwich', category: 'Food', price: 875, recipe: [['Ham & cheese sandwiches', 1]] },
  { name: 'Granola bowl', category: 'Food', price: 750, recipe: [['Granola', 80], ['Yogurt', 150]] },
  { name: 'Soup of the day', category: 'Food', price: 700, recipe: [['Soup of the day', 350]] },
];

// ---------------------------------------------------------------- studio

export const CLASS_TYPES: {
  name: string;
  description: string;
  minutes: number;
  capacity: number;
  color: string;
  room: string;
}[] = [
  {
    name: 'Vinyasa Flow', minutes: 60, capacity: 20, color: '#e07a5f', room: 'Main Room',
    description: 'Breath-linked movement at a steady pace. Some yoga experience helps.',
  },
  {
    name: 'Hatha Basics', minutes: 60, capacity: 16, color: '#3d405b', room: 'Main Room',
    description: 'Foundational postures held with care. Good for beginners.',
  },
  {
    name: 'Yin Yoga', minutes: 75, capacity: 14, color: '#81b29a', room: 'Garden Room',
    description: 'Long, quiet holds for the connective tissue. All levels.',
  },
  {
    name: 'Power Yoga', minutes: 45, capacity: 18, color: '#f2a541', room: 'Main Room',
    description: 'A strong, sweaty class to start or end the day.',
  },
  {
    name: 'Restorative & Meditation', minutes: 60, capacity: 12, color: '#6d597a', room: 'Garden Room',
    description: 'Supported poses with bolsters, then a guided meditation.',
  },
];

/** Each slot rotates through its classes day by day; times are the studio's wall clock. */
export const TIMETABLE: { time: string; classes: string[] }[] = [
  { time: '07:00', classes: ['Vinyasa Flow', 'Power Yoga', 'Hatha Basics'] },
  { time: '12:00', classes: ['Hatha Basics', 'Yin Yoga', 'Vinyasa Flow', 'Restorative & Meditation'] },
  { time: '18:00', classes: ['Power Yoga', 'Vinyasa Flow', 'Yin Yoga', 'Restorative & Meditation'] },
];
export const SCHEDULE_DAYS = 14;

/** Tomorrow's lunchtime class in the small room: full with a waitlist, to demo promotion. */
export const SMALL_CLASS = { day: 1, time: '12:00', capacity: 3, room: 'Studio Nook' };
/** A substitute and a cancellation, so the schedule screens have both to show. */
export const SUBSTITUTED = { day: 2, time: '18:00' };
export const CANCELLED = { day: 9, time: '07:00' };

export type PlanKey = 'drop_in' | 'pack5' | 'pack10' | 'unlimited';

export const PLANS: {
  key: PlanKey;
  name: string;
  kind: 'drop_in' | 'pack' | 'unlimited';
  credits: number | null;
  days: number | null;
  price: number;
}[] = [
  { key: 'drop_in', name: 'Drop-in', kind: 'drop_in', credits: 1, days: null, price: 2200 },
  { key: 'pack5', name: '5-class pack', kind: 'pack', credits: 5, days: 90, price: 10000 },
  { key: 'pack10', name: '10-class pack', kind: 'pack', credits: 10, days: 180, price: 18500 },
  { key: 'unlimited', name: 'Monthly unlimited', kind: 'unlimited', credits: null, days: 30, price: 14900 },
];

export const WAIVER_VERSION = '2026-01';

/**
 * Members: café loyalty customers and studio students are the same people (DESIGN §4).
 * pass: what they hold now ('expired' is a 5-class pack that ran out last month);
 * null for café regulars who have not taken a class yet. Emails and phones are derived
 * from the name in seed.ts (example.com, 555-01xx: reserved, never anyone's).
 */
export const CUSTOMERS: { name: string; pass: PlanKey | 'expired' | null; waiver: boolean; notes?: string }[] = [
  { name: 'Zoë Müller', pass: 'pack10', waiver: true },
  { name: 'José Álvarez', pass: 'pack5', waiver: true },
  { name: 'Siobhán Ó Briain', pass: 'unlimited', waiver: true, notes: 'Prefers a spot near the window.' },
  { name: 'François Lefèvre', pass: 'drop_in', waiver: true },
  { name: 'Amara Okafor', pass: 'pack10', waiver: true },
  { name: "Liam O'Connor", pass: 'pack5', waiver: true },
  { name: 'Mei Lin Chen', pass: 'unlimited', waiver: true },
  { name: 'Priyanka Sharma', pass: 'drop_in', waiver: true },
  { name: 'Björn Andersson', pass: 'pack10', waiver: true, notes: 'Recovering knee injury: offer a bolster.' },
  { name: 'Chloé Dubois', pass: 'pack5', waiver: true },
  { name: 'Mateo González', pass: 'unlimited', waiver: true },
  { name: 'Aisha Rahman', pass: 'drop_in', waiver: true },
  { name: 'Noah Williams', pass: 'pack10', waiver: true },
  { name: 'Søren Madsen', pass: 'pack5', waiver: true },
  { name: 'Hannah Goldberg', pass: 'unlimited', waiver: true },
  { name: 'Kenji Watanabe', pass: 'drop_in', waiver: true },
  { name: 'Lucía Fernández', pass: 'pack10', waiver: true },
  { name: 'Olamide Adeyemi', pass: 'pack5', waiver: true },
  { name: 'Emma Johansson', pass: 'unlimited', waiver: true },
  { name: 'Rafael Costa', pass: 'drop_in', waiver: true },
  { name: 'Nguyễn Thị Lan', pass: 'pack10', waiver: true },
  { name: 'Sarah Thompson', pass: 'pack5', waiver: true, notes: 'Pregnant (2nd trimester): prenatal options.' },
  { name: 'Dmitri Volkov', pass: 'unlimited', waiver: true },
  { name: 'Fatima Zahra Benali', pass: 'drop_in', waiver: true },
  { name: 'Grace Park', pass: 'pack10', waiver: true },
  { name: 'Ahmed Hassan', pass: 'pack5', waiver: true },
  { name: 'Isabella Rossi', pass: 'unlimited', waiver: true },
  { name: 'Łukasz Nowak', pass: 'pack10', waiver: false },
  { name: 'Yuki Tanaka', pass: 'drop_in', waiver: false },
  { name: 'Camille Martin', pass: 'expired', waiver: true },
  { name: 'Ethan Brooks', pass: 'pack5', waiver: true },
  { name: 'Ana Sofía Ruiz', pass: 'unlimited', waiver: true },
  { name: 'Tomasz Wiśniewski', pass: null, waiver: false },
  { name: 'Olivia Bennett', pass: null, waiver: false },
  { name: 'Kwame Mensah', pass: null, waiver: false },
  { name: 'Inès Haddad', pass: null, waiver: false },
];

/** A few members have been buying coffee: [customer index, points, days ago]. */
export const LOYALTY_EARNED: [customer: number, points: number, daysAgo: number][] = [
  [0, 48, 6], [0, 52, 2], [2, 95, 4], [6, 120, 9], [12, 35, 1], [32, 60, 3], [33, 42, 0],
];
