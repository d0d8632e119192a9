-- Who denied or rejected something, or said that something did not happen?
select source_canonical, cue_text, content_text
from core.claims
where claim_type = 'attribution' and is_negated
order by claim_id;
