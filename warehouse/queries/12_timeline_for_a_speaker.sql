-- When and where did the Ukrainian General Staff speak, and which figures did it give?
select day, outlet, claims, direct_quotes, figures, figure_surfaces, sample_claims
from marts.timeline
where speaker = 'Ukrainian General Staff'
order by day, outlet;
