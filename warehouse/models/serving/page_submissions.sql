-- 报送情况 (dashboard/submissions.py): one row per unit × due month × form (the grid of v_submissions), its status
-- by the same rule, with the load counts of page_submission_cells. A view: the due months follow today's date.
create or replace view page_submissions as
select g.period, g.unit_code, u.name as unit_name, g.form,
       submission_status(g.period, c.first_loaded_at) as status,
       c.first_loaded_at, c.first_loaded_by,
       coalesce(c.versions, 0) as versions, coalesce(c.replaced, 0) as replaced,
       c.last_loaded_at, c.last_loaded_by
from submission_grid() as g
join ref_region as u on u.code = g.unit_code
left join page_submission_cells as c on c.period = g.period and c.unit_code = g.unit_code and c.form = g.form
order by g.period, g.unit_code, g.form
