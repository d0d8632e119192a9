-- Who reported the figure of 40,000 troops, in which outlet, on which day, in which sentence?
select reported_by, outlet, published_date, surface, sentence
from marts.quantities
where value = 40000 and measure = 'troop';
