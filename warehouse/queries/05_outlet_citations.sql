-- Which publications does each outlet cite, and which outlets syndicate whom?
select outlet, documents, claims, cited_outlets, syndicates_from, syndicated_copies
from marts.outlets
where documents > 0
order by outlet;
