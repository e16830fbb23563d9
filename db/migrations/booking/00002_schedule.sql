-- The schedule (steward-booking): terms and their teaching weeks, classes and
-- enrolments, availability, booking windows, sessions and who attends them,
-- bookings, make-up credits, the audit trail and calendar feeds.
--
-- The invariants live here, not in the service:
-- * no teacher, room or student is in two blocking sessions at once: three
--   exclusion constraints over time ranges (btree_gist), tenant leading. A
--   student's occupancy is one session_attendees row per (session, student)
--   carrying the session's range, kept equal to it by a trigger, because an
--   exclusion constraint sees one table only;
-- * a class never holds more enrolled students than its capacity: a trigger
--   counts them into classes.enrolled_count, which a CHECK bounds;
-- * a make-up credit is used at most once (unique used_session_id).

-- +goose Up
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE booking.terms (
  tenant_id           uuid NOT NULL CONSTRAINT terms_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  term_id             uuid NOT NULL,
  display_name        text NOT NULL CONSTRAINT terms_display_name_check CHECK (display_name <> ''),
  start_date          date NOT NULL,
  end_date            date NOT NULL,
  pattern_revision    bigint NOT NULL DEFAULT 1, -- the week pattern's etag
  pattern_update_time timestamptz NOT NULL DEFAULT now(),
  request_id          uuid,
  request_fingerprint bytea,
  revision            bigint NOT NULL DEFAULT 1,
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT terms_pkey PRIMARY KEY (tenant_id, term_id),
  CONSTRAINT terms_tenant_id_request_id_key UNIQUE (tenant_id, request_id),
  CONSTRAINT terms_dates_check CHECK (end_date >= start_date AND end_date - start_date <= 370)
);

CREATE TABLE booking.term_breaks (
  tenant_id    uuid NOT NULL,
  term_id      uuid NOT NULL,
  break_number integer NOT NULL,
  display_name text NOT NULL CONSTRAINT term_breaks_display_name_check CHECK (display_name <> ''),
  start_date   date NOT NULL,
  end_date     date NOT NULL,
  CONSTRAINT term_breaks_pkey PRIMARY KEY (tenant_id, term_id, break_number),
  CONSTRAINT term_breaks_dates_check CHECK (end_date >= start_date),
  CONSTRAINT term_breaks_term_fkey FOREIGN KEY (tenant_id, term_id) REFERENCES booking.terms (tenant_id, term_id) ON DELETE CASCADE
);

-- The numbered teaching weeks of a term and how each is taught; written
-- with the term (all GROUP) and changed by the week pattern.
CREATE TABLE booking.term_weeks (
  tenant_id   uuid NOT NULL,
  term_id     uuid NOT NULL,
  week_number integer NOT NULL CONSTRAINT term_weeks_week_number_check CHECK (week_number BETWEEN 1 AND 53),
  monday      date NOT NULL CONSTRAINT term_weeks_monday_check CHECK (extract(isodow FROM monday) = 1),
  kind        text NOT NULL DEFAULT 'group' CONSTRAINT term_weeks_kind_check CHECK (kind IN ('group', 'individual')),
  CONSTRAINT term_weeks_pkey PRIMARY KEY (tenant_id, term_id, week_number),
  CONSTRAINT term_weeks_term_fkey FOREIGN KEY (tenant_id, term_id) REFERENCES booking.terms (tenant_id, term_id) ON DELETE CASCADE
);

CREATE TABLE booking.classes (
  tenant_id           uuid NOT NULL,
  class_id            uuid NOT NULL,
  term_id             uuid NOT NULL,
  display_name        text NOT NULL CONSTRAINT classes_display_name_check CHECK (display_name <> ''),
  instrument_id       uuid NOT NULL,
  teacher_id          uuid NOT NULL,
  room_id             uuid NOT NULL,
  weekday             smallint NOT NULL CONSTRAINT classes_weekday_check CHECK (weekday BETWEEN 1 AND 7), -- ISO
  start_time          time NOT NULL,
  group_minutes       integer NOT NULL CONSTRAINT classes_group_minutes_check CHECK (group_minutes BETWEEN 5 AND 480),
  individual_minutes  integer NOT NULL CONSTRAINT classes_individual_minutes_check CHECK (individual_minutes BETWEEN 5 AND 240),
  capacity            integer NOT NULL CONSTRAINT classes_capacity_check CHECK (capacity BETWEEN 1 AND 500),
  enrolled_count      integer NOT NULL DEFAULT 0, -- kept by enrolments_count
  request_id          uuid,
  request_fingerprint bytea,
  revision            bigint NOT NULL DEFAULT 1,
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT classes_pkey PRIMARY KEY (tenant_id, class_id),
  CONSTRAINT classes_tenant_id_term_id_class_id_key UNIQUE (tenant_id, term_id, class_id),
  CONSTRAINT classes_tenant_id_request_id_key UNIQUE (tenant_id, request_id),
  CONSTRAINT classes_enrolled_count_check CHECK (enrolled_count BETWEEN 0 AND capacity),
  CONSTRAINT classes_term_fkey FOREIGN KEY (tenant_id, term_id) REFERENCES booking.terms (tenant_id, term_id),
  CONSTRAINT classes_instrument_fkey FOREIGN KEY (tenant_id, instrument_id) REFERENCES booking.instruments (tenant_id, instrument_id),
  CONSTRAINT classes_teacher_fkey FOREIGN KEY (tenant_id, teacher_id) REFERENCES booking.teachers (tenant_id, teacher_id),
  CONSTRAINT classes_room_fkey FOREIGN KEY (tenant_id, room_id) REFERENCES booking.rooms (tenant_id, room_id)
);
CREATE INDEX classes_term_idx ON booking.classes (tenant_id, term_id, class_id);

-- A class's week taught otherwise than the term's pattern says.
CREATE TABLE booking.class_week_overrides (
  tenant_id   uuid NOT NULL,
  term_id     uuid NOT NULL,
  class_id    uuid NOT NULL,
  week_number integer NOT NULL,
  kind        text NOT NULL CONSTRAINT class_week_overrides_kind_check CHECK (kind IN ('group', 'individual')),
  CONSTRAINT class_week_overrides_pkey PRIMARY KEY (tenant_id, class_id, week_number),
  CONSTRAINT class_week_overrides_class_fkey FOREIGN KEY (tenant_id, term_id, class_id)
    REFERENCES booking.classes (tenant_id, term_id, class_id) ON DELETE CASCADE,
  CONSTRAINT class_week_overrides_week_fkey FOREIGN KEY (tenant_id, term_id, week_number)
    REFERENCES booking.term_weeks (tenant_id, term_id, week_number) ON DELETE CASCADE
);

CREATE TABLE booking.enrolments (
  tenant_id           uuid NOT NULL,
  enrolment_id        uuid NOT NULL,
  class_id            uuid NOT NULL,
  student_id          uuid NOT NULL,
  state               text NOT NULL CONSTRAINT enrolments_state_check CHECK (state IN ('enrolled', 'waitlisted', 'withdrawn')),
  queued              bigint GENERATED ALWAYS AS IDENTITY, -- waitlist order: first come, first promoted
  request_id          uuid,
  request_fingerprint bytea,
  revision            bigint NOT NULL DEFAULT 1,
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT enrolments_pkey PRIMARY KEY (tenant_id, enrolment_id),
  CONSTRAINT enrolments_tenant_id_request_id_key UNIQUE (tenant_id, request_id),
  CONSTRAINT enrolments_class_fkey FOREIGN KEY (tenant_id, class_id) REFERENCES booking.classes (tenant_id, class_id),
  CONSTRAINT enrolments_student_fkey FOREIGN KEY (tenant_id, student_id) REFERENCES booking.students (tenant_id, student_id)
);
-- A student holds one place or waitlist spot per class at a time.
CREATE UNIQUE INDEX enrolments_active_key ON booking.enrolments (tenant_id, class_id, student_id) WHERE state <> 'withdrawn';
CREATE INDEX enrolments_waitlist_idx ON booking.enrolments (tenant_id, class_id, queued) WHERE state = 'waitlisted';
CREATE INDEX enrolments_student_idx ON booking.enrolments (tenant_id, student_id) WHERE state = 'enrolled';

-- classes.enrolled_count is the number of 'enrolled' rows, whoever writes
-- them; the row lock this takes on the class serialises concurrent
-- enrolments, and classes_enrolled_count_check refuses the one too many
-- (23514), which the service answers by waitlisting instead.
-- +goose StatementBegin
CREATE FUNCTION booking.count_enrolments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state = 'enrolled' THEN
    UPDATE booking.classes SET enrolled_count = enrolled_count - 1
     WHERE tenant_id = OLD.tenant_id AND class_id = OLD.class_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state = 'enrolled' THEN
    UPDATE booking.classes SET enrolled_count = enrolled_count + 1
     WHERE tenant_id = NEW.tenant_id AND class_id = NEW.class_id;
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER enrolments_count AFTER INSERT OR UPDATE OF state OR DELETE ON booking.enrolments
  FOR EACH ROW EXECUTE FUNCTION booking.count_enrolments();

-- A teacher's weekly availability (the singleton's etag is the revision
-- here) with its blocks and dated exceptions.
CREATE TABLE booking.availability (
  tenant_id   uuid NOT NULL,
  teacher_id  uuid NOT NULL,
  revision    bigint NOT NULL DEFAULT 1,
  update_time timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT availability_pkey PRIMARY KEY (tenant_id, teacher_id),
  CONSTRAINT availability_teacher_fkey FOREIGN KEY (tenant_id, teacher_id) REFERENCES booking.teachers (tenant_id, teacher_id) ON DELETE CASCADE
);

CREATE TABLE booking.availability_blocks (
  tenant_id    uuid NOT NULL,
  teacher_id   uuid NOT NULL,
  block_number integer NOT NULL,
  weekday      smallint NOT NULL CONSTRAINT availability_blocks_weekday_check CHECK (weekday BETWEEN 1 AND 7),
  start_time   time NOT NULL,
  end_time     time NOT NULL, -- '24:00' is the end of the day
  room_id      uuid NOT NULL,
  CONSTRAINT availability_blocks_pkey PRIMARY KEY (tenant_id, teacher_id, block_number),
  CONSTRAINT availability_blocks_times_check CHECK (end_time > start_time),
  CONSTRAINT availability_blocks_availability_fkey FOREIGN KEY (tenant_id, teacher_id) REFERENCES booking.availability (tenant_id, teacher_id) ON DELETE CASCADE,
  CONSTRAINT availability_blocks_room_fkey FOREIGN KEY (tenant_id, room_id) REFERENCES booking.rooms (tenant_id, room_id)
);

CREATE TABLE booking.availability_exceptions (
  tenant_id        uuid NOT NULL,
  teacher_id       uuid NOT NULL,
  exception_number integer NOT NULL,
  on_date          date NOT NULL,
  start_time       time, -- both NULL: the whole day
  end_time         time,
  note             text NOT NULL DEFAULT '',
  CONSTRAINT availability_exceptions_pkey PRIMARY KEY (tenant_id, teacher_id, exception_number),
  CONSTRAINT availability_exceptions_times_check CHECK ((start_time IS NULL) = (end_time IS NULL) AND (start_time IS NULL OR end_time > start_time)),
  CONSTRAINT availability_exceptions_availability_fkey FOREIGN KEY (tenant_id, teacher_id) REFERENCES booking.availability (tenant_id, teacher_id) ON DELETE CASCADE
);

CREATE TABLE booking.booking_windows (
  tenant_id           uuid NOT NULL,
  window_id           uuid NOT NULL,
  term_id             uuid NOT NULL,
  week_numbers        integer[] NOT NULL DEFAULT '{}', -- empty: every week
  class_ids           uuid[] NOT NULL DEFAULT '{}',    -- empty: every class of the term
  open_time           timestamptz NOT NULL,
  close_time          timestamptz NOT NULL,
  request_id          uuid,
  request_fingerprint bytea,
  revision            bigint NOT NULL DEFAULT 1,
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT booking_windows_pkey PRIMARY KEY (tenant_id, window_id),
  CONSTRAINT booking_windows_tenant_id_request_id_key UNIQUE (tenant_id, request_id),
  CONSTRAINT booking_windows_times_check CHECK (close_time > open_time),
  CONSTRAINT booking_windows_week_numbers_check CHECK (cardinality(week_numbers) <= 53),
  CONSTRAINT booking_windows_class_ids_check CHECK (cardinality(class_ids) <= 200),
  CONSTRAINT booking_windows_term_fkey FOREIGN KEY (tenant_id, term_id) REFERENCES booking.terms (tenant_id, term_id)
);

-- What a parent (or staff for them) booked: one session or a series.
CREATE TABLE booking.bookings (
  tenant_id           uuid NOT NULL,
  booking_id          uuid NOT NULL,
  family_id           uuid NOT NULL,
  student_id          uuid NOT NULL,
  class_id            uuid NOT NULL,
  repeat              text NOT NULL CONSTRAINT bookings_repeat_check CHECK (repeat IN ('once', 'every_individual_week')),
  makeup_credit_id    uuid,
  booked_by           uuid NOT NULL, -- the user
  request_id          uuid,
  request_fingerprint bytea,
  create_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT bookings_pkey PRIMARY KEY (tenant_id, booking_id),
  CONSTRAINT bookings_tenant_id_request_id_key UNIQUE (tenant_id, request_id),
  CONSTRAINT bookings_student_fkey FOREIGN KEY (tenant_id, student_id) REFERENCES booking.students (tenant_id, student_id),
  CONSTRAINT bookings_class_fkey FOREIGN KEY (tenant_id, class_id) REFERENCES booking.classes (tenant_id, class_id)
);
CREATE INDEX bookings_family_idx ON booking.bookings (tenant_id, family_id, create_time);

-- Every session on the calendar. A placeholder (the group slot in an
-- individual week) and a cancelled session block no one.
CREATE TABLE booking.sessions (
  tenant_id        uuid NOT NULL,
  session_id       uuid NOT NULL,
  kind             text NOT NULL CONSTRAINT sessions_kind_check CHECK (kind IN ('group', 'placeholder', 'individual', 'makeup')),
  state            text NOT NULL DEFAULT 'scheduled' CONSTRAINT sessions_state_check CHECK (state IN ('scheduled', 'cancelled')),
  term_id          uuid NOT NULL,
  class_id         uuid NOT NULL,
  week_number      integer, -- NULL for a make-up outside the term's weeks
  teacher_id       uuid NOT NULL,
  room_id          uuid NOT NULL,
  during           tstzrange NOT NULL,
  booking_id       uuid,
  sequence         integer NOT NULL DEFAULT 0, -- iCalendar SEQUENCE
  cancel_reason    text NOT NULL DEFAULT '',
  revision         bigint NOT NULL DEFAULT 1,
  create_time      timestamptz NOT NULL DEFAULT now(),
  update_time      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sessions_pkey PRIMARY KEY (tenant_id, session_id),
  CONSTRAINT sessions_during_check CHECK (NOT isempty(during) AND lower_inc(during) AND NOT upper_inc(during)
    AND NOT lower_inf(during) AND NOT upper_inf(during) AND upper(during) - lower(during) <= interval '8 hours'),
  CONSTRAINT sessions_booking_check CHECK ((kind IN ('individual', 'makeup')) = (booking_id IS NOT NULL)),
  CONSTRAINT sessions_class_fkey FOREIGN KEY (tenant_id, term_id, class_id) REFERENCES booking.classes (tenant_id, term_id, class_id),
  CONSTRAINT sessions_teacher_fkey FOREIGN KEY (tenant_id, teacher_id) REFERENCES booking.teachers (tenant_id, teacher_id),
  CONSTRAINT sessions_room_fkey FOREIGN KEY (tenant_id, room_id) REFERENCES booking.rooms (tenant_id, room_id),
  CONSTRAINT sessions_booking_fkey FOREIGN KEY (tenant_id, booking_id) REFERENCES booking.bookings (tenant_id, booking_id),
  CONSTRAINT sessions_teacher_excl EXCLUDE USING gist (tenant_id WITH =, teacher_id WITH =, during WITH &&)
    WHERE (state = 'scheduled' AND kind <> 'placeholder'),
  CONSTRAINT sessions_room_excl EXCLUDE USING gist (tenant_id WITH =, room_id WITH =, during WITH &&)
    WHERE (state = 'scheduled' AND kind <> 'placeholder')
);
-- A class meets (or has its placeholder) once per teaching week.
CREATE UNIQUE INDEX sessions_class_week_key ON booking.sessions (tenant_id, class_id, week_number) WHERE kind IN ('group', 'placeholder');
CREATE INDEX sessions_during_idx ON booking.sessions USING gist (tenant_id, during);
CREATE INDEX sessions_booking_idx ON booking.sessions (tenant_id, booking_id) WHERE booking_id IS NOT NULL;

-- Who attends which session: the enrolled students of a group session, the
-- one student of an individual or make-up session. during and blocking copy
-- the session's (sessions_sync_attendees), so the student exclusion sees
-- group, individual and make-up sessions alike.
CREATE TABLE booking.session_attendees (
  tenant_id       uuid NOT NULL,
  session_id      uuid NOT NULL,
  student_id      uuid NOT NULL,
  during          tstzrange NOT NULL,
  blocking        boolean NOT NULL,
  attendance      text CONSTRAINT session_attendees_attendance_check CHECK (attendance IN ('present', 'absent', 'late', 'excused')),
  attendance_by   uuid,
  attendance_time timestamptz,
  CONSTRAINT session_attendees_pkey PRIMARY KEY (tenant_id, session_id, student_id),
  CONSTRAINT session_attendees_session_fkey FOREIGN KEY (tenant_id, session_id) REFERENCES booking.sessions (tenant_id, session_id) ON DELETE CASCADE,
  CONSTRAINT session_attendees_student_fkey FOREIGN KEY (tenant_id, student_id) REFERENCES booking.students (tenant_id, student_id),
  CONSTRAINT session_attendees_student_excl EXCLUDE USING gist (tenant_id WITH =, student_id WITH =, during WITH &&) WHERE (blocking)
);
CREATE INDEX session_attendees_student_idx ON booking.session_attendees USING gist (tenant_id, student_id, during);

-- +goose StatementBegin
CREATE FUNCTION booking.sync_attendees() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE booking.session_attendees
     SET during = NEW.during, blocking = (NEW.state = 'scheduled' AND NEW.kind <> 'placeholder')
   WHERE tenant_id = NEW.tenant_id AND session_id = NEW.session_id;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER sessions_sync_attendees AFTER UPDATE OF during, state, kind ON booking.sessions
  FOR EACH ROW EXECUTE FUNCTION booking.sync_attendees();

CREATE TABLE booking.makeup_credits (
  tenant_id         uuid NOT NULL,
  credit_id         uuid NOT NULL,
  student_id        uuid NOT NULL,
  source_session_id uuid NOT NULL,
  expire_time       timestamptz NOT NULL,
  used_session_id   uuid,
  create_time       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT makeup_credits_pkey PRIMARY KEY (tenant_id, credit_id),
  -- One credit per student per cancelled session, however often it is cancelled.
  CONSTRAINT makeup_credits_source_key UNIQUE (tenant_id, source_session_id, student_id),
  CONSTRAINT makeup_credits_used_session_key UNIQUE (tenant_id, used_session_id),
  CONSTRAINT makeup_credits_student_fkey FOREIGN KEY (tenant_id, student_id) REFERENCES booking.students (tenant_id, student_id),
  CONSTRAINT makeup_credits_source_fkey FOREIGN KEY (tenant_id, source_session_id) REFERENCES booking.sessions (tenant_id, session_id),
  CONSTRAINT makeup_credits_used_fkey FOREIGN KEY (tenant_id, used_session_id) REFERENCES booking.sessions (tenant_id, session_id)
);
CREATE INDEX makeup_credits_student_idx ON booking.makeup_credits (tenant_id, student_id, expire_time);

-- The audit trail: every booking, move, cancellation and attendance mark.
CREATE TABLE booking.session_events (
  tenant_id           uuid NOT NULL,
  event_id            uuid NOT NULL,
  session_id          uuid NOT NULL,
  action              text NOT NULL CONSTRAINT session_events_action_check CHECK (action IN ('booked', 'rescheduled', 'cancelled', 'attendance_marked')),
  actor_user_id       uuid NOT NULL,
  reason              text NOT NULL DEFAULT '',
  notice_overridden   boolean NOT NULL DEFAULT false,
  previous_start_time timestamptz,
  new_start_time      timestamptz,
  student_id          uuid,
  attendance          text,
  create_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT session_events_pkey PRIMARY KEY (tenant_id, event_id),
  CONSTRAINT session_events_session_fkey FOREIGN KEY (tenant_id, session_id) REFERENCES booking.sessions (tenant_id, session_id)
);
CREATE INDEX session_events_session_idx ON booking.session_events (tenant_id, session_id, event_id);

-- A feed's URL carries a secret; only its sha256 is kept. Revoking deletes
-- the row.
CREATE TABLE booking.calendar_feeds (
  tenant_id   uuid NOT NULL,
  feed_id     uuid NOT NULL,
  teacher_id  uuid,
  family_id   uuid,
  secret_hash bytea NOT NULL CONSTRAINT calendar_feeds_secret_hash_check CHECK (length(secret_hash) = 32),
  created_by  uuid NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT calendar_feeds_pkey PRIMARY KEY (tenant_id, feed_id),
  CONSTRAINT calendar_feeds_subject_check CHECK ((teacher_id IS NULL) <> (family_id IS NULL)),
  CONSTRAINT calendar_feeds_teacher_fkey FOREIGN KEY (tenant_id, teacher_id) REFERENCES booking.teachers (tenant_id, teacher_id) ON DELETE CASCADE,
  CONSTRAINT calendar_feeds_family_fkey FOREIGN KEY (tenant_id, family_id) REFERENCES booking.families (tenant_id, family_id) ON DELETE CASCADE
);

GRANT SELECT, INSERT, UPDATE, DELETE ON booking.terms, booking.term_breaks, booking.term_weeks, booking.classes,
  booking.class_week_overrides, booking.enrolments, booking.availability, booking.availability_blocks,
  booking.availability_exceptions, booking.booking_windows, booking.bookings, booking.sessions,
  booking.session_attendees, booking.makeup_credits, booking.session_events, booking.calendar_feeds TO steward_app;

ALTER TABLE booking.terms ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.term_breaks ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.term_weeks ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.classes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.class_week_overrides ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.enrolments ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.availability ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.availability_blocks ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.availability_exceptions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.booking_windows ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.bookings ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.sessions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.session_attendees ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.makeup_credits ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.session_events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.calendar_feeds ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY terms_tenant ON booking.terms USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY term_breaks_tenant ON booking.term_breaks USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY term_weeks_tenant ON booking.term_weeks USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY classes_tenant ON booking.classes USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY class_week_overrides_tenant ON booking.class_week_overrides USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY enrolments_tenant ON booking.enrolments USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY availability_tenant ON booking.availability USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY availability_blocks_tenant ON booking.availability_blocks USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY availability_exceptions_tenant ON booking.availability_exceptions USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY booking_windows_tenant ON booking.booking_windows USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY bookings_tenant ON booking.bookings USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY sessions_tenant ON booking.sessions USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY session_attendees_tenant ON booking.session_attendees USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY makeup_credits_tenant ON booking.makeup_credits USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY session_events_tenant ON booking.session_events USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY calendar_feeds_tenant ON booking.calendar_feeds USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());

-- +goose Down
DROP TABLE booking.calendar_feeds;
DROP TABLE booking.session_events;
DROP TABLE booking.makeup_credits;
DROP TRIGGER sessions_sync_attendees ON booking.sessions;
DROP FUNCTION booking.sync_attendees();
DROP TABLE booking.session_attendees;
DROP TABLE booking.sessions;
DROP TABLE booking.bookings;
DROP TABLE booking.booking_windows;
DROP TABLE booking.availability_exceptions;
DROP TABLE booking.availability_blocks;
DROP TABLE booking.availability;
DROP TRIGGER enrolments_count ON booking.enrolments;
DROP FUNCTION booking.count_enrolments();
DROP TABLE booking.enrolments;
DROP TABLE booking.class_week_overrides;
DROP TABLE booking.classes;
DROP TABLE booking.term_weeks;
DROP TABLE booking.term_breaks;
DROP TABLE booking.terms;
DROP EXTENSION btree_gist;
