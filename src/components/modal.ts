// A Svelte action for the device screens' sheets (modifiers, payment, customer search):
// focus moves into the sheet when it opens and back where it was when it closes, Tab
// stays inside it, and Escape cancels. Works with a keyboard alone.
const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function modal(node: HTMLElement, opts: { oncancel: () => void }) {
  let cancel = opts.oncancel;
  const before = document.activeElement as HTMLElement | null;
  const items = () => [...node.querySelectorAll<HTMLElement>(FOCUSABLE)];
  (node.querySelector<HTMLElement>('[data-autofocus]') ?? items()[0])?.focus();
  const onkey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      cancel();
    } else if (e.key === 'Tab') {
      const list = items();
      if (!list.length) return;
      const i = list.indexOf(document.activeElement as HTMLElement);
      const next = e.shiftKey ? (i <= 0 ? list.length - 1 : i - 1) : i === list.length - 1 ? 0 : i + 1;
      e.preventDefault();
      list[next].focus();
    }
  };
  node.addEventListener('keydown', onkey);
  return {
    update(o: { oncancel: () => void }) {
      cancel = o.oncancel;
    },
    destroy() {
      node.removeEventListener('keydown', onkey);
      if (before && document.contains(before)) before.focus();
    },
  };
}
