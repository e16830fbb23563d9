-- name: CreatePriceList :one
INSERT INTO invoicing.price_lists (tenant_id, price_list_id, term_id, display_name, currency, request_id, request_fingerprint)
VALUES ($1, @price_list_id, @term_id, @display_name, @currency, sqlc.narg(request_id), sqlc.narg(request_fingerprint))
RETURNING *;

-- name: PriceListCreatedBy :one
SELECT * FROM invoicing.price_lists WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: GetPriceList :one
SELECT * FROM invoicing.price_lists WHERE tenant_id = @tenant_id AND price_list_id = @price_list_id;

-- name: LockPriceList :one
SELECT * FROM invoicing.price_lists WHERE tenant_id = @tenant_id AND price_list_id = @price_list_id FOR UPDATE;

-- name: PriceListOfTerm :one
SELECT * FROM invoicing.price_lists WHERE tenant_id = @tenant_id AND term_id = @term_id;

-- Newest first: ids are UUIDv7, in creation order. before_id is the last id
-- of the previous page, the nil uuid on the first.
-- name: ListPriceLists :many
SELECT * FROM invoicing.price_lists
WHERE tenant_id = @tenant_id
  AND (@before_id::uuid = '00000000-0000-0000-0000-000000000000' OR price_list_id < @before_id)
  AND (sqlc.narg(term_id)::uuid IS NULL OR term_id = sqlc.narg(term_id))
ORDER BY price_list_id DESC
LIMIT @page_limit;

-- name: UpdatePriceList :one
UPDATE invoicing.price_lists SET display_name = @display_name, revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND price_list_id = @price_list_id
RETURNING *;

-- name: DeletePriceList :exec
DELETE FROM invoicing.price_lists WHERE tenant_id = @tenant_id AND price_list_id = @price_list_id;

-- name: DeletePriceRates :exec
DELETE FROM invoicing.price_rates WHERE tenant_id = @tenant_id AND price_list_id = @price_list_id;

-- The rates of a list, as parallel arrays in position order; the nil uuid
-- is "no class" and "no instrument". (Several unnest calls in one select
-- list zip their arrays.)
-- name: CreatePriceRates :exec
INSERT INTO invoicing.price_rates (tenant_id, price_list_id, position, class_id, instrument_id, group_week_minor, individual_week_minor)
SELECT l.tenant_id, l.price_list_id, r.position, nullif(r.class_id, '00000000-0000-0000-0000-000000000000'::uuid),
  nullif(r.instrument_id, '00000000-0000-0000-0000-000000000000'::uuid), r.group_week_minor, r.individual_week_minor
FROM invoicing.price_lists l,
  (SELECT unnest(@positions::int[]) AS position, unnest(@class_ids::uuid[]) AS class_id,
    unnest(@instrument_ids::uuid[]) AS instrument_id, unnest(@group_week_minors::bigint[]) AS group_week_minor,
    unnest(@individual_week_minors::bigint[]) AS individual_week_minor) AS r
WHERE l.tenant_id = @tenant_id AND l.price_list_id = @price_list_id;

-- name: ListPriceRates :many
SELECT * FROM invoicing.price_rates
WHERE tenant_id = @tenant_id AND price_list_id = ANY(@price_list_ids::uuid[])
ORDER BY price_list_id, position;
