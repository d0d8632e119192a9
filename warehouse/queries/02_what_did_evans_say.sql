-- What did ISW analyst Angelica Evans say, quoted or paraphrased?
select c.cue_text, c.is_direct_quote, c.content_text
from core.claims c
where c.source_canonical = 'Angelica Evans'
order by c.claim_id;
