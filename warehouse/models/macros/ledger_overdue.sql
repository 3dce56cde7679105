-- 逾期: a ledger task is overdue in month p when it is not closed (step < 5) and due before p's last day.
-- The one definition: mart_ledger and the 工作台账 page (dashboard/ledger.py) both call it.
create or replace macro ledger_overdue(step, due_on, p) as (
    step < 5 and due_on < last_day(cast(p || '-01' as date))
)
