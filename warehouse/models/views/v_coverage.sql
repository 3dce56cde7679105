create or replace view v_coverage as
select period, region_code, measure, numerator, denominator, rate, target, target_date
from mart_coverage
