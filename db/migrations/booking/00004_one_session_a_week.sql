-- One individual session per student, class and teaching week, decided by
-- the database whatever path writes sessions (booking, series, reschedule,
-- seed): sessions.student_id is the student of an individual or make-up
-- session, copied from its booking by a trigger before the insert, and a
-- partial unique index allows one scheduled individual session per
-- (class, week, student). A cancelled session frees its week; make-ups are
-- extra and not counted.
--
-- Why from the booking, before the insert, and not from the attendee row
-- after it: updating the session row once inserted re-checks its exclusion
-- constraints against the concurrent bookings waiting on it, a deadlock
-- under a booking rush. The booking (one student) is written first.

-- +goose Up
ALTER TABLE booking.sessions ADD COLUMN student_id uuid,
  ADD CONSTRAINT sessions_student_fkey FOREIGN KEY (tenant_id, student_id) REFERENCES booking.students (tenant_id, student_id);

-- +goose StatementBegin
CREATE FUNCTION booking.session_student() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind IN ('individual', 'makeup') THEN
    NEW.student_id := (SELECT b.student_id FROM booking.bookings b WHERE b.tenant_id = NEW.tenant_id AND b.booking_id = NEW.booking_id);
  ELSE
    NEW.student_id := NULL;
  END IF;
  RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER sessions_student BEFORE INSERT OR UPDATE OF booking_id, kind, student_id ON booking.sessions
  FOR EACH ROW EXECUTE FUNCTION booking.session_student();

-- The backfill runs as the owner, whom FORCE ROW LEVEL SECURITY would show
-- no rows; lifted only inside this migration's transaction. Existing
-- duplicates make the index below fail, naming the key: resolve them first.
ALTER TABLE booking.sessions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.bookings NO FORCE ROW LEVEL SECURITY;
UPDATE booking.sessions SET booking_id = booking_id WHERE kind IN ('individual', 'makeup'); -- the trigger fills student_id
ALTER TABLE booking.sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.bookings FORCE ROW LEVEL SECURITY;

CREATE UNIQUE INDEX sessions_student_week_key ON booking.sessions (tenant_id, class_id, week_number, student_id)
  WHERE kind = 'individual' AND state = 'scheduled';

-- +goose Down
DROP INDEX booking.sessions_student_week_key;
DROP TRIGGER sessions_student ON booking.sessions;
DROP FUNCTION booking.session_student();
ALTER TABLE booking.sessions DROP CONSTRAINT sessions_student_fkey, DROP COLUMN student_id;
