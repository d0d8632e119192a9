-- How many claims did each outlet carry per day?
select day, outlet, documents, claims, attributions, direct_quotes
from marts.claims_per_day
order by day, outlet;
