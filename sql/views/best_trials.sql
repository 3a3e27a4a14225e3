-- The best complete trial of each tuning study (highest validation macro-F1; the lower number on a tie).
create or replace view best_trials as
select *
from tuning_trials
where state = 'complete'
qualify row_number() over (partition by study order by value desc, number) = 1;
