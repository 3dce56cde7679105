create or replace view v_ledger as
select region_code, task_id, task, category, lead_unit, responsible_unit, task_force_lead, playbook,
       target_value, done_value, due_on, step, step_name, closed_on, overdue, period
from mart_ledger
