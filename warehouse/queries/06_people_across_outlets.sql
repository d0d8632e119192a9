-- Which people are mentioned in the most documents, under which spellings?
select entity, spellings, mentions, documents
from marts.entities
where label = 'PERSON'
order by documents desc, mentions desc, entity
limit 5;
