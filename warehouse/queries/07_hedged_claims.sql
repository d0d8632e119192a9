-- Which attributed claims are hedged (claimed, reportedly, may, could), and whose are they?
select source_canonical, cue_text, content_text
from core.claims
where claim_type = 'attribution' and is_hedged
order by claim_id;
