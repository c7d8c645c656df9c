-- An order that becomes paid no longer needs anyone (issue #6/#7): its open "unpaid"
-- (pay later) and "card payment failed" items are resolved, whoever paid it: cash at the
-- counter (order.payCash, applied as the device, which may not change reconciliation
-- items, hence security definer), a card later, or a manager collecting it.
create function app.resolve_items_of_paid_order() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update public.reconciliation_items
  set status = 'resolved', resolved_at = now(),
      resolution = jsonb_build_object('auto', true, 'note', 'The order was paid afterwards.')
  where order_id = new.id and kind in ('unpaid_order', 'failed_card_payment') and status = 'open' and not deleted;
  return null;
end $$;
revoke all on function app.resolve_items_of_paid_order() from public;

create trigger resolve_items_when_paid after update of payment_status on public.orders
  for each row when (new.payment_status = 'paid' and old.payment_status is distinct from 'paid')
  execute function app.resolve_items_of_paid_order();
