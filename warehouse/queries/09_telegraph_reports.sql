-- What does The Telegraph report, according to the outlets that cite it?
select d.outlet as citing_outlet, c.cue_text, c.content_text
from core.claims c join staging.documents d using (doc_id)
where c.source_canonical = 'The Telegraph'
order by c.claim_id;
