-- Who is cited as a source most often, in how many documents and outlets?
select speaker, speaker_kind, claims, direct_quotes, documents, outlets
from marts.speakers
order by claims desc, speaker
limit 5;
