-- Which claims call Kursk a bargaining chip, who makes them, in which outlet and on which day?
select score, speaker, outlet, published_date, content_text
from marts.search_claims('bargaining chip')
order by score desc;
