// The studio's front desk: bookings with a waitlist, cancellations (late by the studio's
// cutoff), check-ins (a walk-in creates the booking) and their undo, no-shows, and
// selling passes.
import { z } from 'zod';
import { defineMutator, MANAGER_ROLES } from './define.ts';

export const bookingCreate = defineMutator({
  name: 'booking.create',
  args: z.strictObject({ bookingId: z.uuid(), sessionId: z.uuid(), customerId: z.uuid() }),
});

export const bookingCancel = defineMutator({
  name: 'booking.cancel',
  args: z.strictObject({ bookingId: z.uuid() }),
});

export const bookingCheckIn = defineMutator({
  name: 'booking.checkIn',
  args: z.strictObject({
    bookingId: z.uuid(),
    sessionId: z.uuid(),
    customerId: z.uuid(),
    passId: z.uuid().optional(),
  }),
});

/** The desk tapped the wrong student: back to booked, the credit given back. */
export const bookingUndoCheckIn = defineMutator({
  name: 'booking.undoCheckIn',
  args: z.strictObject({ bookingId: z.uuid() }),
});

export const bookingMarkNoShow = defineMutator({
  name: 'booking.markNoShow',
  args: z.strictObject({ bookingId: z.uuid() }),
});

export const passSell = defineMutator({
  name: 'pass.sell',
  args: z.strictObject({
    passId: z.uuid(),
    customerId: z.uuid(),
    planId: z.uuid(),
    /** cash is taken now; pay_later becomes a reconciliation item. */
    payment: z.discriminatedUnion('method', [
      z.strictObject({ method: z.literal('cash'), paymentId: z.uuid(), amountCents: z.int().min(0).max(10_000_000) }),
      z.strictObject({ method: z.literal('pay_later') }),
    ]),
  }),
});

/**
 * A manager corrects a member's pass: credits given back or taken off (a ledger entry,
 * reason "adjust"; packs and drop-ins only) and/or a new expiry (an extension after an
 * injury, say). At least one of the two.
 */
export const passAdjust = defineMutator({
  name: 'pass.adjust',
  args: z
    .strictObject({
      passId: z.uuid(),
      /** the ledger entry's id, made by the editor, so a retry adds the credits once */
      entryId: z.uuid(),
      credits: z.int().min(-1000).max(1000).default(0),
      expiresAt: z.iso.datetime({ offset: true }).optional(),
      note: z.string().trim().max(500).optional(),
    })
    .refine((a) => a.credits !== 0 || a.expiresAt !== undefined, { message: 'change the credits or the expiry', path: ['credits'] }),
  roles: MANAGER_ROLES,
});

/** A kind of class the studio offers (Vinyasa Flow, 60 min, 20 places), made or changed by a manager. */
export const classTypeSave = defineMutator({
  name: 'classType.save',
  args: z.strictObject({
    classTypeId: z.uuid(),
    name: z.string().trim().min(1).max(100),
    description: z.string().trim().max(2000).nullable().default(null),
    durationMinutes: z.int().min(5).max(600),
    defaultCapacity: z.int().min(1).max(1000),
  }),
  roles: MANAGER_ROLES,
});

/** A class on the schedule, made or changed by a manager (a weekly schedule is one per week). */
export const sessionSave = defineMutator({
  name: 'session.save',
  args: z.strictObject({
    sessionId: z.uuid(),
    classTypeId: z.uuid(),
    startsAt: z.iso.datetime({ offset: true }),
    /** the class type's duration when absent */
    durationMinutes: z.int().min(5).max(600).optional(),
    capacity: z.int().min(1).max(1000),
    room: z.string().trim().max(100).nullable().default(null),
    instructorStaffId: z.uuid().nullable().default(null),
  }),
  roles: MANAGER_ROLES,
});

/** The studio cancels a class: everyone on its roster is cancelled (not late), credits come back. */
export const sessionCancel = defineMutator({
  name: 'session.cancel',
  args: z.strictObject({ sessionId: z.uuid() }),
  roles: MANAGER_ROLES,
});

/** Someone else teaches this class (null: the usual instructor again). */
export const sessionSubstitute = defineMutator({
  name: 'session.substitute',
  args: z.strictObject({ sessionId: z.uuid(), staffId: z.uuid().nullable() }),
  roles: MANAGER_ROLES,
});

export const studioMutators = [bookingCreate, bookingCancel, bookingCheckIn, bookingUndoCheckIn, bookingMarkNoShow, passSell, passAdjust, classTypeSave, sessionSave, sessionCancel, sessionSubstitute];
