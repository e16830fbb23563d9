-- A term is read with its breaks and teaching weeks (arrays in order), so
-- that Get and List stay one round trip.

-- name: GetTerm :one
SELECT sqlc.embed(t),
  coalesce((SELECT array_agg(b.display_name ORDER BY b.break_number) FROM booking.term_breaks b
            WHERE b.tenant_id = t.tenant_id AND b.term_id = t.term_id), '{}')::text[] AS break_names,
  coalesce((SELECT array_agg(b.start_date ORDER BY b.break_number) FROM booking.term_breaks b
            WHERE b.tenant_id = t.tenant_id AND b.term_id = t.term_id), '{}')::date[] AS break_starts,
  coalesce((SELECT array_agg(b.end_date ORDER BY b.break_number) FROM booking.term_breaks b
            WHERE b.tenant_id = t.tenant_id AND b.term_id = t.term_id), '{}')::date[] AS break_ends,
  coalesce((SELECT array_agg(w.monday ORDER BY w.week_number) FROM booking.term_weeks w
            WHERE w.tenant_id = t.tenant_id AND w.term_id = t.term_id), '{}')::date[] AS week_mondays
FROM booking.terms t
WHERE t.tenant_id = @tenant_id AND t.term_id = @term_id;

-- name: ListTerms :many
-- Keyset pagination on term_id; display_name is optional (NULL = any).
SELECT sqlc.embed(t),
  coalesce((SELECT array_agg(b.display_name ORDER BY b.break_number) FROM booking.term_breaks b
            WHERE b.tenant_id = t.tenant_id AND b.term_id = t.term_id), '{}')::text[] AS break_names,
  coalesce((SELECT array_agg(b.start_date ORDER BY b.break_number) FROM booking.term_breaks b
            WHERE b.tenant_id = t.tenant_id AND b.term_id = t.term_id), '{}')::date[] AS break_starts,
  coalesce((SELECT array_agg(b.end_date ORDER BY b.break_number) FROM booking.term_breaks b
            WHERE b.tenant_id = t.tenant_id AND b.term_id = t.term_id), '{}')::date[] AS break_ends,
  coalesce((SELECT array_agg(w.monday ORDER BY w.week_number) FROM booking.term_weeks w
            WHERE w.tenant_id = t.tenant_id AND w.term_id = t.term_id), '{}')::date[] AS week_mondays
FROM booking.terms t
WHERE t.tenant_id = @tenant_id AND t.term_id > @after_id
  AND (sqlc.narg(display_name)::text IS NULL OR t.display_name = sqlc.narg(display_name)::text)
ORDER BY t.term_id
LIMIT @page_limit;

-- name: CreateTerm :one
INSERT INTO booking.terms (tenant_id, term_id, display_name, start_date, end_date, request_id, request_fingerprint)
VALUES (@tenant_id, @term_id, @display_name, @start_date, @end_date, sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: TermCreatedBy :one
SELECT * FROM booking.terms WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: LockTerm :one
-- The term an update, a delete or a week pattern change writes; class
-- creates take the FOR KEY SHARE lock of their foreign key (and ShareTerm)
-- against it, so the TERM_IN_USE check below sees every class.
SELECT * FROM booking.terms WHERE tenant_id = @tenant_id AND term_id = @term_id FOR UPDATE;

-- name: ShareTerm :one
-- The term a class create or change materialises sessions from: its weeks
-- and pattern cannot change until the transaction ends.
SELECT * FROM booking.terms WHERE tenant_id = @tenant_id AND term_id = @term_id FOR SHARE;

-- name: UpdateTerm :one
UPDATE booking.terms
SET display_name = @display_name, start_date = @start_date, end_date = @end_date,
    revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND term_id = @term_id
RETURNING *;

-- name: DeleteTerm :exec
DELETE FROM booking.terms WHERE tenant_id = @tenant_id AND term_id = @term_id;

-- name: TermHasClasses :one
SELECT EXISTS (SELECT 1 FROM booking.classes WHERE tenant_id = @tenant_id AND term_id = @term_id);

-- name: DeleteTermBreaks :exec
DELETE FROM booking.term_breaks WHERE tenant_id = @tenant_id AND term_id = @term_id;

-- name: InsertTermBreak :exec
INSERT INTO booking.term_breaks (tenant_id, term_id, break_number, display_name, start_date, end_date)
VALUES (@tenant_id, @term_id, @break_number, @display_name, @start_date, @end_date);

-- name: TermBreaks :many
SELECT * FROM booking.term_breaks WHERE tenant_id = @tenant_id AND term_id = @term_id ORDER BY break_number;

-- name: DeleteTermWeeks :exec
DELETE FROM booking.term_weeks WHERE tenant_id = @tenant_id AND term_id = @term_id;

-- name: InsertTermWeek :exec
INSERT INTO booking.term_weeks (tenant_id, term_id, week_number, monday)
VALUES (@tenant_id, @term_id, @week_number, @monday);

-- name: TermWeeks :many
SELECT * FROM booking.term_weeks WHERE tenant_id = @tenant_id AND term_id = @term_id ORDER BY week_number;

-- name: TouchTermPattern :one
-- The week pattern changed (its etag is pattern_revision).
UPDATE booking.terms SET pattern_revision = pattern_revision + 1, pattern_update_time = now()
WHERE tenant_id = @tenant_id AND term_id = @term_id
RETURNING *;

-- name: SetTermWeekKind :exec
UPDATE booking.term_weeks SET kind = @kind
WHERE tenant_id = @tenant_id AND term_id = @term_id AND week_number = @week_number;

-- name: TermOverrides :many
SELECT * FROM booking.class_week_overrides WHERE tenant_id = @tenant_id AND term_id = @term_id ORDER BY class_id, week_number;

-- name: DeleteTermOverrides :exec
DELETE FROM booking.class_week_overrides WHERE tenant_id = @tenant_id AND term_id = @term_id;

-- name: InsertClassOverride :exec
INSERT INTO booking.class_week_overrides (tenant_id, term_id, class_id, week_number, kind)
VALUES (@tenant_id, @term_id, @class_id, @week_number, @kind);

-- name: ClassOverrides :many
SELECT * FROM booking.class_week_overrides WHERE tenant_id = @tenant_id AND class_id = @class_id ORDER BY week_number;

-- name: TermClassIDs :many
SELECT class_id FROM booking.classes WHERE tenant_id = @tenant_id AND term_id = @term_id ORDER BY class_id;
