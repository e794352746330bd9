-- Adaptive sampling: each comparison keeps the probability it had of being sampled, so
-- reports weight it by 1/rate; and how many values (list items) it judged together.

alter table observations.observations
  add column sample_rate real not null default 1 check (sample_rate > 0 and sample_rate <= 1),
  add column items integer not null default 1 check (items >= 0);
