-- Which troop and casualty figures are reported, by whom, and do the reports agree?
select measure, subject, reports, min_value, max_value, agree,
       [r.reported_by || ': ' || r.surface for r in reported] as who_said
from marts.figures
where measure in ('troop', 'soldier', 'personnel', 'defender')
order by reports desc, measure, subject;
