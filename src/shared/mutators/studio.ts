// The studio's front desk: bookings with a waitlist, cancellations (late by the studio's
// cutoff), check-ins (a walk-in creates the booking) and their undo, no-shows, and
// selling passes.
import { z } from 'zod';
import { defineMutator } from './define.ts';

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

export const studioMutators = [bookingCreate, bookingCancel, bookingCheckIn, bookingUndoCheckIn, bookingMarkNoShow, passSell];
