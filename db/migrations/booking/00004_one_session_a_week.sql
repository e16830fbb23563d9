-- One individual session per student, class and teaching week, decided by
-- the database whatever path writes sessions (booking, series, reschedule,
-- seed): sessions.student_id names the one attendee of an individual or
-- make-up session, filled by a trigger on its attendee row (the booking
-- writes both in one statement), and a partial unique index allows one
-- scheduled individual session per (class, week, student). A cancelled
-- session frees its week; make-ups are extra and not counted.

-- +goose Up
ALTER TABLE booking.sessions ADD COLUMN student_id uuid,
  ADD CONSTRAINT sessions_student_fkey FOREIGN KEY (tenant_id, student_id) REFERENCES booking.students (tenant_id, student_id);

-- +goose StatementBegin
CREATE FUNCTION booking.session_student() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- AFTER, so the session inserted by the same statement is visible.
  UPDATE booking.sessions SET student_id = NEW.student_id
   WHERE tenant_id = NEW.tenant_id AND session_id = NEW.session_id AND kind IN ('individual', 'makeup');
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER session_attendees_student AFTER INSERT ON booking.session_attendees
  FOR EACH ROW EXECUTE FUNCTION booking.session_student();

-- The backfill runs as the owner, whom FORCE ROW LEVEL SECURITY would show
-- no rows; lifted only inside this migration's transaction. Existing
-- duplicates make the index below fail, naming the key: resolve them first.
ALTER TABLE booking.sessions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.session_attendees NO FORCE ROW LEVEL SECURITY;
UPDATE booking.sessions s SET student_id = a.student_id
  FROM booking.session_attendees a
 WHERE a.tenant_id = s.tenant_id AND a.session_id = s.session_id AND s.kind IN ('individual', 'makeup');
ALTER TABLE booking.sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.session_attendees FORCE ROW LEVEL SECURITY;

CREATE UNIQUE INDEX sessions_student_week_key ON booking.sessions (tenant_id, class_id, week_number, student_id)
  WHERE kind = 'individual' AND state = 'scheduled';

-- +goose Down
DROP INDEX booking.sessions_student_week_key;
DROP TRIGGER session_attendees_student ON booking.session_attendees;
DROP FUNCTION booking.session_student();
ALTER TABLE booking.sessions DROP CONSTRAINT sessions_student_fkey, DROP COLUMN student_id;
