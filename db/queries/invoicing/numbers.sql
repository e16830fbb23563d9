-- The next number of a tenant's series for a year, gapless: the row lock
-- taken here orders concurrent issuers until their transactions end, and a
-- rolled-back issue gives its number back. The row comes back whole: its
-- tenant_id shows whose sequence moved.
-- name: NextNumber :one
INSERT INTO invoicing.number_sequences (tenant_id, series, year, last_value) VALUES ($1, @series, @year, 1)
ON CONFLICT (tenant_id, series, year) DO UPDATE SET last_value = number_sequences.last_value + 1
RETURNING *;
