-- What blocks a slot, read by its start: the reads of busy time
-- (BookingContext, BusyIntervals) found a teacher's, room's or student's
-- sessions in a range through the exclusion constraints' gist indexes, but
-- under row-level security PostgreSQL may use only leakproof operators as
-- index conditions, and a range's && is not leakproof: the index gave every
-- session of the teacher, room or student there ever was, and && filtered
-- them row by row — a cost that grew with every term's history (in the
-- seeded school, 500 rows read for 30 kept). A session's start is a plain
-- timestamptz, whose comparisons are leakproof, and no session lasts more
-- than 8 hours (sessions_during_check), so "starts in [from − 8 h, to)"
-- bounds an index range scan that && then checks exactly. The exclusion
-- constraints still decide every overlap; these indexes only find.

-- +goose Up
ALTER TABLE booking.sessions ADD COLUMN starts_at timestamptz NOT NULL GENERATED ALWAYS AS (lower(during)) STORED;
ALTER TABLE booking.session_attendees ADD COLUMN starts_at timestamptz NOT NULL GENERATED ALWAYS AS (lower(during)) STORED;
CREATE INDEX sessions_teacher_start_idx ON booking.sessions (tenant_id, teacher_id, starts_at)
  WHERE state = 'scheduled' AND kind <> 'placeholder';
CREATE INDEX sessions_room_start_idx ON booking.sessions (tenant_id, room_id, starts_at)
  WHERE state = 'scheduled' AND kind <> 'placeholder';
CREATE INDEX session_attendees_student_start_idx ON booking.session_attendees (tenant_id, student_id, starts_at)
  WHERE blocking;

-- +goose Down
DROP INDEX booking.session_attendees_student_start_idx;
DROP INDEX booking.sessions_room_start_idx;
DROP INDEX booking.sessions_teacher_start_idx;
ALTER TABLE booking.session_attendees DROP COLUMN starts_at;
ALTER TABLE booking.sessions DROP COLUMN starts_at;
