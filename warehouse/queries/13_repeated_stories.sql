-- Which claims are told again in the most documents and outlets (the top 100), who carried them first, and what contradicts them?
select
    claim,
    documents,
    outlets,
    first_outlet,
    first_date,
    [t.outlet || ': ' || t.claim for t in told_as] as told_as,
    contradictions
from marts.story_clusters
order by outlets desc, documents desc, claims desc, cluster_id
limit 100;
