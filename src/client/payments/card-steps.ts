// The steps of a card payment and what a screen says at each. Kept apart from the card
// flow itself (card-payment.ts, reader.ts), which the screens load only when a card is
// taken: the sheets show these words without shipping the flow on every page load.
export type CardStep = 'sending' | 'connecting' | 'present_card' | 'confirming' | 'approved' | 'declined';

/** What the screen says at each step; `sending` names what goes to the server first. */
export function cardStepText(step: CardStep, sending = 'the order'): string {
  return {
    sending: `Sending ${sending} to the server…`,
    connecting: 'Connecting to the card reader…',
    present_card: 'Ask the customer to tap, insert or swipe their card on the reader.',
    confirming: 'Processing…',
    approved: 'Approved.',
    declined: 'Declined.',
  }[step];
}
